//! What a step's arguments may name: principals, threads, processes, objects and the
//! names earlier steps bound with `out`. Validation uses a scope that knows only names
//! and kinds; the interpreter uses one that knows the live ids.

use tokenhop_model::World;
use tokenhop_model::access::ObjectType;
use tokenhop_model::action::HandleRef;
use tokenhop_model::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::principal::PrincipalKind;

/// What an `out` name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutKind {
    /// A handle (to a token, a thread or an object).
    Handle,
    /// A thread (created by CreateThread).
    Thread,
    /// A process and its first thread (created by CreateProcess*).
    Process,
}

impl OutKind {
    /// A word for messages.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            OutKind::Handle => "a handle",
            OutKind::Thread => "a thread",
            OutKind::Process => "a process",
        }
    }
}

/// Lookups a step's arguments need. Ids may be placeholders during validation.
pub trait Scope {
    /// The world whose principals and accounts the names refer to.
    fn world(&self) -> &World;
    /// A principal by name.
    fn principal(&self, name: &str) -> Option<PrincipalId> {
        self.world().principals.find(name)
    }
    /// A user account of the machine by name.
    fn user(&self, name: &str) -> Option<PrincipalId> {
        let world = self.world();
        world
            .principals
            .find(name)
            .filter(|id| world.accounts.user(*id).is_some())
    }
    /// Every principal name (logon SIDs aside), for messages.
    fn principal_names(&self) -> Vec<String> {
        self.world()
            .principals
            .iter()
            .filter(|(_, p)| p.kind != PrincipalKind::LogonSid)
            .map(|(_, p)| p.name.to_string())
            .collect()
    }
    /// A thread by name (`Some(None)`: bound by a step that failed to create it).
    fn thread(&self, name: &str) -> Option<Option<ThreadId>>;
    /// A process by name.
    fn process(&self, name: &str) -> Option<Option<ProcessId>>;
    /// A securable object by name, with its type.
    fn object(&self, name: &str) -> Option<(Option<ObjectId>, ObjectType)>;
    /// A handle bound by an earlier step.
    fn handle(&self, name: &str) -> Option<HandleRef>;
    /// The names of one kind, for messages (`thread`, `process`, `object`, `handle`, `user`).
    fn names(&self, kind: &str) -> Vec<String>;
}
