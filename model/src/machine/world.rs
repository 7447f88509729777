//! The world: every principal, account, logon session, token, process, thread, handle
//! and securable object of one modelled machine, with the settings that shape its rules.
//!
//! Worlds are plain values (`Clone + Eq + Hash`, serde) addressed by interned ids; a call
//! is a function from one world to the next (see [`crate::machine::step`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::level::ImpersonationLevel;
use crate::core::widen::usize_of;
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
use crate::machine::table::{self, Bound, Table, TableFull};
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
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_pipe(&mut self, pipe: Pipe) -> Result<PipeId, TableFull> {
        table::push(&mut self.pipes, pipe, Table::Pipes, PipeId::from_index)
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
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_token(&mut self, token: Token) -> Result<TokenId, TableFull> {
        table::push(&mut self.tokens, token, Table::Tokens, TokenId::from_index)
    }

    /// The handles open in `process`'s table.
    #[must_use]
    pub fn open_handles(&self, process: ProcessId) -> usize {
        self.handles
            .iter()
            .filter(|h| h.open && h.process == process)
            .count()
    }

    /// Adds a handle in `process`'s table.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when `process` already holds as many open handles as the machine's
    /// handle limit allows, or the table has no id left (RES-1).
    pub fn add_handle(
        &mut self,
        process: ProcessId,
        target: HandleTarget,
        access: AccessMask,
    ) -> Result<HandleId, TableFull> {
        let limit = self.settings.handle_limit;
        if self.open_handles(process) >= usize_of(limit) {
            return Err(TableFull {
                table: Table::Handles,
                bound: Bound::HandleLimit(limit),
            });
        }
        let handle = Handle {
            process,
            target,
            access,
            open: true,
        };
        table::push(
            &mut self.handles,
            handle,
            Table::Handles,
            HandleId::from_index,
        )
    }

    /// Adds a logon session.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_session(&mut self, session: LogonSession) -> Result<LogonId, TableFull> {
        table::push(
            &mut self.sessions,
            session,
            Table::LogonSessions,
            LogonId::from_index,
        )
    }

    /// Adds a securable object.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_object(&mut self, object: SecurableObject) -> Result<ObjectId, TableFull> {
        table::push(
            &mut self.objects,
            object,
            Table::Objects,
            ObjectId::from_index,
        )
    }

    /// Adds a process (without threads).
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_process(&mut self, process: Process) -> Result<ProcessId, TableFull> {
        table::push(
            &mut self.processes,
            process,
            Table::Processes,
            ProcessId::from_index,
        )
    }

    /// Adds a thread to `process`.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_thread(&mut self, thread: Thread) -> Result<ThreadId, TableFull> {
        let process = thread.process;
        let id = table::push(
            &mut self.threads,
            thread,
            Table::Threads,
            ThreadId::from_index,
        )?;
        self.processes[process.index()].threads.push(id);
        Ok(id)
    }

    /// The ids of the threads, in order (each entry has one: see [`table::push`]).
    pub fn thread_ids(&self) -> impl Iterator<Item = ThreadId> + use<> {
        (0..self.threads.len()).map_while(ThreadId::from_index)
    }

    /// The ids of the processes, in order (each entry has one: see [`table::push`]).
    pub fn process_ids(&self) -> impl Iterator<Item = ProcessId> + use<> {
        (0..self.processes.len()).map_while(ProcessId::from_index)
    }

    /// The ids of the securable objects, in order (each entry has one: see [`table::push`]).
    pub fn object_ids(&self) -> impl Iterator<Item = ObjectId> + use<> {
        (0..self.objects.len()).map_while(ObjectId::from_index)
    }

    /// The ids of the handles, in order (each entry has one: see [`table::push`]).
    pub fn handle_ids(&self) -> impl Iterator<Item = HandleId> + use<> {
        (0..self.handles.len()).map_while(HandleId::from_index)
    }

    /// The ids of the named-pipe instances, in order (each entry has one: see
    /// [`table::push`]).
    pub fn pipe_ids(&self) -> impl Iterator<Item = PipeId> + use<> {
        (0..self.pipes.len()).map_while(PipeId::from_index)
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
