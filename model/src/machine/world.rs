//! The world: every principal, account, logon session, token, process, thread, handle
//! and securable object of one modelled machine, with the settings that shape its rules.
//!
//! Worlds are plain values (`Clone + Eq + Hash`, serde) addressed by interned ids; a call
//! is a function from one world to the next (see [`crate::machine::step`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::level::ImpersonationLevel;
use crate::machine::accounts::AccountDb;
use crate::machine::acl::SecurityDescriptor;
use crate::machine::com::ComState;
use crate::machine::ids::{
    HandleId, LogonId, Luid, ObjectId, PipeId, PrincipalId, ProcessId, ThreadId, TokenId,
};
use crate::machine::logon_session::LogonSession;
use crate::machine::pipe::Pipe;
use crate::machine::principal::PrincipalTable;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::rpc::RpcState;
use crate::machine::settings::Settings;
use crate::machine::sspi::SspiState;
use crate::machine::token::Token;

/// A thread's impersonation: the token, and the level and flags the thread holds it at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Impersonation {
    /// The token.
    pub token: TokenId,
    /// The level the thread impersonates at (THR-1).
    pub level: ImpersonationLevel,
    /// Whether disabled groups and privileges are unusable (TOK-20).
    pub effective_only: bool,
    /// Whether OpenThreadToken returns a copy rather than the token (THR-9).
    pub copy_on_open: bool,
}

/// A process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Process {
    /// Its name in the scenario.
    pub name: Arc<str>,
    /// Its primary token.
    pub primary: TokenId,
    /// Its threads.
    pub threads: Vec<ThreadId>,
    /// The security of the process object.
    pub sd: SecurityDescriptor,
    /// Whether it stands for kernel-mode code calling SSPI through KSecDD (SSPI-1); only
    /// the model runs such scripts.
    pub kernel_mode: bool,
}

/// A thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Thread {
    /// Its name in the scenario.
    pub name: Arc<str>,
    /// The process it belongs to.
    pub process: ProcessId,
    /// Its impersonation, if any.
    pub impersonation: Option<Impersonation>,
    /// The security of the thread object.
    pub sd: SecurityDescriptor,
}

/// What a handle refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HandleTarget {
    /// A token.
    Token(TokenId),
    /// A thread.
    Thread(ThreadId),
    /// A process.
    Process(ProcessId),
    /// A securable object of the scenario.
    Object(ObjectId),
    /// The server end of a named-pipe instance.
    PipeServer(PipeId),
    /// The client end of a named-pipe instance.
    PipeClient(PipeId),
}

impl HandleTarget {
    /// The kind of object the handle refers to.
    #[must_use]
    pub fn object_type(self, world: &World) -> ObjectType {
        match self {
            HandleTarget::Token(_) => ObjectType::Token,
            HandleTarget::Thread(_) => ObjectType::Thread,
            HandleTarget::Process(_) => ObjectType::Process,
            HandleTarget::Object(o) => world.object(o).object_type,
            HandleTarget::PipeServer(_) | HandleTarget::PipeClient(_) => ObjectType::File,
        }
    }
}

/// An entry of a process's handle table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handle {
    /// The process whose table holds it.
    pub process: ProcessId,
    /// What it refers to.
    pub target: HandleTarget,
    /// The access granted when it was opened.
    pub access: AccessMask,
    /// False once closed.
    pub open: bool,
}

/// A securable object declared by the scenario or created by a call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurableObject {
    /// Its name.
    pub name: Arc<str>,
    /// Its type.
    pub object_type: ObjectType,
    /// Its security descriptor.
    pub sd: SecurityDescriptor,
}

/// One modelled machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct World {
    /// Version, options and readings.
    pub settings: Settings,
    /// Every principal.
    pub principals: Arc<PrincipalTable>,
    /// Users and rights.
    pub accounts: Arc<AccountDb>,
    /// Logon sessions.
    pub sessions: Vec<LogonSession>,
    /// Tokens (never freed: a token lives as long as the world).
    pub tokens: Vec<Token>,
    /// Processes.
    pub processes: Vec<Process>,
    /// Threads.
    pub threads: Vec<Thread>,
    /// Handles of every process.
    pub handles: Vec<Handle>,
    /// Securable objects.
    pub objects: Vec<SecurableObject>,
    /// Named-pipe instances.
    pub pipes: Vec<Pipe>,
    /// RPC endpoints, bindings and calls.
    pub rpc: RpcState,
    /// SSPI certificates, credentials and contexts.
    pub sspi: SspiState,
    /// COM apartments, security, classes, proxies and calls.
    pub com: ComState,
    /// The next call sequence number (RPC and COM calls share it, so a thread's calls
    /// are ordered).
    pub next_seq: u64,
    /// The next LUID to hand out.
    pub next_luid: u64,
}

/// The first LUID the model hands out; the first thousand are reserved (TOK-16).
pub const FIRST_DYNAMIC_LUID: u64 = 0x1_0000;

#[expect(
    clippy::indexing_slicing,
    reason = "ids are minted by this world's own tables and never removed, so they index in bounds"
)]
impl World {
    /// An empty machine with the given settings: the well-known principals and the default
    /// user-rights assignments, no user, process or object yet.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        World {
            settings,
            principals: Arc::new(PrincipalTable::new()),
            accounts: Arc::new(AccountDb::default()),
            sessions: Vec::new(),
            tokens: Vec::new(),
            processes: Vec::new(),
            threads: Vec::new(),
            handles: Vec::new(),
            objects: Vec::new(),
            pipes: Vec::new(),
            rpc: RpcState::default(),
            sspi: SspiState::default(),
            com: ComState::default(),
            next_seq: 0,
            next_luid: FIRST_DYNAMIC_LUID,
        }
    }

    /// The next call sequence number.
    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// A fresh LUID.
    pub fn new_luid(&mut self) -> Luid {
        let luid = Luid(self.next_luid);
        self.next_luid += 1;
        luid
    }

    /// The token `id`.
    #[must_use]
    pub fn token(&self, id: TokenId) -> &Token {
        &self.tokens[id.index()]
    }

    /// The token `id`, to change.
    pub fn token_mut(&mut self, id: TokenId) -> &mut Token {
        &mut self.tokens[id.index()]
    }

    /// The thread `id`.
    #[must_use]
    pub fn thread(&self, id: ThreadId) -> &Thread {
        &self.threads[id.index()]
    }

    /// The thread `id`, to change.
    pub fn thread_mut(&mut self, id: ThreadId) -> &mut Thread {
        &mut self.threads[id.index()]
    }

    /// The process `id`.
    #[must_use]
    pub fn process(&self, id: ProcessId) -> &Process {
        &self.processes[id.index()]
    }

    /// The handle `id`.
    #[must_use]
    pub fn handle(&self, id: HandleId) -> &Handle {
        &self.handles[id.index()]
    }

    /// The handle `id`, to change.
    pub fn handle_mut(&mut self, id: HandleId) -> &mut Handle {
        &mut self.handles[id.index()]
    }

    /// The object `id`.
    #[must_use]
    pub fn object(&self, id: ObjectId) -> &SecurableObject {
        &self.objects[id.index()]
    }

    /// The pipe instance `id`.
    #[must_use]
    pub fn pipe(&self, id: PipeId) -> &Pipe {
        &self.pipes[id.index()]
    }

    /// The pipe instance `id`, to change.
    pub fn pipe_mut(&mut self, id: PipeId) -> &mut Pipe {
        &mut self.pipes[id.index()]
    }

    /// Adds a pipe instance.
    pub fn add_pipe(&mut self, pipe: Pipe) -> PipeId {
        let id = PipeId(self.pipes.len() as u32);
        self.pipes.push(pipe);
        id
    }

    /// The logon session `id`.
    #[must_use]
    pub fn session(&self, id: LogonId) -> &LogonSession {
        &self.sessions[id.index()]
    }

    /// The logon session with LUID `luid`, if one exists.
    #[must_use]
    pub fn session_by_luid(&self, luid: Luid) -> Option<&LogonSession> {
        self.sessions.iter().find(|s| s.luid == luid)
    }

    /// The primary token of `thread`'s process.
    #[must_use]
    pub fn process_token_of(&self, thread: ThreadId) -> TokenId {
        self.process(self.thread(thread).process).primary
    }

    /// The token `thread` acts with now (THR-1).
    #[must_use]
    pub fn effective_token(&self, thread: ThreadId) -> TokenId {
        match self.thread(thread).impersonation {
            Some(imp) => imp.token,
            None => self.process_token_of(thread),
        }
    }

    /// The name of a principal.
    #[must_use]
    pub fn name_of(&self, principal: PrincipalId) -> Arc<str> {
        self.principals.name(principal)
    }

    /// Adds a token and returns its id.
    pub fn add_token(&mut self, token: Token) -> TokenId {
        let id = TokenId(self.tokens.len() as u32);
        self.tokens.push(token);
        id
    }

    /// Adds a handle in `process`'s table.
    pub fn add_handle(
        &mut self,
        process: ProcessId,
        target: HandleTarget,
        access: AccessMask,
    ) -> HandleId {
        let id = HandleId(self.handles.len() as u32);
        self.handles.push(Handle {
            process,
            target,
            access,
            open: true,
        });
        id
    }

    /// Adds a logon session.
    pub fn add_session(&mut self, session: LogonSession) -> LogonId {
        let id = LogonId(self.sessions.len() as u32);
        self.sessions.push(session);
        id
    }

    /// Adds a securable object.
    pub fn add_object(&mut self, object: SecurableObject) -> ObjectId {
        let id = ObjectId(self.objects.len() as u32);
        self.objects.push(object);
        id
    }

    /// Adds a process (without threads).
    pub fn add_process(&mut self, process: Process) -> ProcessId {
        let id = ProcessId(self.processes.len() as u32);
        self.processes.push(process);
        id
    }

    /// Adds a thread to `process`.
    pub fn add_thread(&mut self, thread: Thread) -> ThreadId {
        let id = ThreadId(self.threads.len() as u32);
        let process = thread.process;
        self.threads.push(thread);
        self.processes[process.index()].threads.push(id);
        id
    }

    /// The ids of the threads, in order (as far as 32-bit ids number them).
    pub fn thread_ids(&self) -> impl Iterator<Item = ThreadId> + use<> {
        (0..self.threads.len()).map_while(ThreadId::from_index)
    }

    /// The ids of the processes, in order (as far as 32-bit ids number them).
    pub fn process_ids(&self) -> impl Iterator<Item = ProcessId> + use<> {
        (0..self.processes.len()).map_while(ProcessId::from_index)
    }

    /// The ids of the securable objects, in order (as far as 32-bit ids number them).
    pub fn object_ids(&self) -> impl Iterator<Item = ObjectId> + use<> {
        (0..self.objects.len()).map_while(ObjectId::from_index)
    }

    /// The ids of the handles, in order (as far as 32-bit ids number them).
    pub fn handle_ids(&self) -> impl Iterator<Item = HandleId> + use<> {
        (0..self.handles.len()).map_while(HandleId::from_index)
    }

    /// Finds a thread by name.
    #[must_use]
    pub fn find_thread(&self, name: &str) -> Option<ThreadId> {
        self.thread_ids()
            .zip(&self.threads)
            .find(|(_, t)| &*t.name == name)
            .map(|(id, _)| id)
    }

    /// Finds a process by name.
    #[must_use]
    pub fn find_process(&self, name: &str) -> Option<ProcessId> {
        self.process_ids()
            .zip(&self.processes)
            .find(|(_, p)| &*p.name == name)
            .map(|(id, _)| id)
    }

    /// Finds an object by name.
    #[must_use]
    pub fn find_object(&self, name: &str) -> Option<ObjectId> {
        self.object_ids()
            .zip(&self.objects)
            .find(|(_, o)| &*o.name == name)
            .map(|(id, _)| id)
    }
}
