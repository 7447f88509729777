//! The state of a managed runtime: for a .NET process its flow mode once started, its
//! threads (what the runtime and the OS know of each, and the callbacks and
//! RunImpersonated delegates running on it, innermost last), the token handles, the
//! impersonation contexts, the work items queued, the flow controls returned by
//! suppressions, the connection pool and the connections the program holds; for SQL Server
//! the catalog, the sessions, the routine calls, the WindowsIdentity values and the CLR
//! code's impersonation contexts.
//!
//! A [`Runtime`] is a plain value (`Clone + Eq + Hash`) of small typed ids. Only
//! [`step`](super::step::step) changes it; everything else reads it.

use super::Ident;
use super::dotnet::{Carried, FlowMode, Frame, Handles, ImpersonationContext, ManagedThread};
use super::ids::{
    self, CallId, ContextId, ControlId, IdentityId, ItemId, ScopeId, SessionId, SqlConnectionId,
    SqlContextId, ThreadId,
};
use super::pooling::{ConnectionId, ConnectionPool};
use super::setup::Setup;
use super::short::Short;
use super::sql::{Catalog, ClrCall, Session};

/// What a thread is running: a callback or a RunImpersonated delegate, with what entering
/// it changed, for the runtime to restore when it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Open {
    /// A work item's callback.
    Callback {
        /// The item.
        item: ItemId,
        /// What running its context changed.
        frame: Frame,
    },
    /// A RunImpersonated delegate.
    Scope {
        /// The scope.
        scope: ScopeId,
        /// What RunImpersonated changed.
        frame: Frame,
    },
}

/// Where a work item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Queued, not yet run.
    Queued,
    /// Running on a thread.
    Running,
    /// Returned, or its context could not be entered.
    Done,
}

/// A work item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    /// What its hand-off captured.
    pub context: Carried,
    /// Where it is.
    pub status: Status,
}

/// An AsyncFlowControl: the thread whose suppression returned it, and which suppression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Control {
    /// The suppressing thread.
    pub thread: ThreadId,
    /// What it undoes.
    pub suppression: super::dotnet::Suppression,
}

/// A connection the program holds: the pool's connection and the identity it was opened
/// under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lease {
    /// The pool's number for it.
    pub connection: ConnectionId,
    /// The identity it authenticated as.
    pub identity: Ident,
}

/// The connection pool and the connections the program holds (MRT-3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Connections {
    /// The pool.
    pub(crate) pool: ConnectionPool,
    /// The connections the program holds, by id (`None` once closed).
    pub(crate) leases: Vec<Option<Lease>>,
}

/// SQL Server's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SqlState {
    /// The databases and assemblies.
    pub(crate) catalog: Catalog,
    /// The sessions, by id.
    pub(crate) sessions: Vec<Option<Session>>,
    /// The routine calls that entered, by id.
    pub(crate) calls: Vec<Option<ClrCall>>,
    /// The WindowsIdentity values read (`None` inside: null), by id.
    pub(crate) identities: Vec<Option<Option<Ident>>>,
    /// The routine each CLR impersonation context belongs to, by id.
    pub(crate) contexts: Vec<Option<CallId>>,
}

impl SqlState {
    /// The databases and assemblies.
    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The session bound at `id`.
    #[must_use]
    pub fn session(&self, id: SessionId) -> Option<&Session> {
        ids::get(&self.sessions, id.index())
    }

    /// The routine call bound at `id`.
    #[must_use]
    pub fn call(&self, id: CallId) -> Option<&ClrCall> {
        ids::get(&self.calls, id.index())
    }

    /// The WindowsIdentity value bound at `id` (`Some(None)`: null).
    #[must_use]
    pub fn identity(&self, id: IdentityId) -> Option<Option<Ident>> {
        ids::get(&self.identities, id.index()).copied()
    }

    /// The routine whose impersonation context is bound at `id`.
    #[must_use]
    pub fn context(&self, id: SqlContextId) -> Option<CallId> {
        ids::get(&self.contexts, id.index()).copied()
    }
}

/// A managed runtime's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Runtime {
    /// Whether the process has started.
    pub(crate) started: bool,
    /// The .NET flow mode it started in (none for SQL Server).
    pub(crate) mode: Option<FlowMode>,
    /// What the runtime and the OS know about each thread, by id.
    pub(crate) threads: Short<ManagedThread, 2>,
    /// What the threads are running, each frame with its thread, innermost last.
    pub(crate) open: Short<Option<(ThreadId, Open)>, 1>,
    /// The token handles.
    pub(crate) handles: Handles,
    /// The impersonation contexts WindowsIdentity.Impersonate returned, by id (Undo may be
    /// called again on one, so they stay).
    pub(crate) contexts: Short<Option<ImpersonationContext>, 2>,
    /// The work items, by id.
    pub(crate) items: Short<Option<Item>, 2>,
    /// The flow controls not yet undone, by id.
    pub(crate) controls: Short<Option<Control>, 2>,
    /// The connection pool and connections, once the program opened one.
    pub(crate) connections: Option<Box<Connections>>,
    /// SQL Server's state, when it hosts the code.
    pub(crate) sql: Option<Box<SqlState>>,
}

impl Runtime {
    /// `setup`'s runtime before the process starts: its threads idle, nothing held.
    #[must_use]
    pub fn new(setup: &Setup) -> Self {
        let mut threads = Short::default();
        threads.grow_to(usize::from(setup.threads));
        Runtime {
            threads,
            sql: setup.sql.as_ref().map(|s| {
                Box::new(SqlState {
                    catalog: s.catalog.clone(),
                    ..SqlState::default()
                })
            }),
            ..Runtime::default()
        }
    }

    /// Whether the process has started.
    #[must_use]
    pub fn started(&self) -> bool {
        self.started
    }

    /// The flow mode the .NET process started in.
    #[must_use]
    pub fn mode(&self) -> Option<FlowMode> {
        self.mode
    }

    /// What the runtime and the OS know about thread `id`.
    #[must_use]
    pub fn thread(&self, id: ThreadId) -> Option<&ManagedThread> {
        self.threads.get(id.index())
    }

    /// What thread `id` is running, innermost last.
    pub fn open(&self, id: ThreadId) -> impl Iterator<Item = Open> + '_ {
        self.open
            .iter()
            .flatten()
            .filter(move |(t, _)| *t == id)
            .map(|&(_, o)| o)
    }

    /// Whom thread `id` runs as: its OS token, else the process (identity 0).
    #[must_use]
    pub fn runs_as(&self, id: ThreadId) -> Ident {
        self.thread(id).and_then(|t| t.os_token).unwrap_or(0)
    }

    /// The token handles.
    #[must_use]
    pub fn handles(&self) -> &Handles {
        &self.handles
    }

    /// The impersonation context bound at `id`.
    #[must_use]
    pub fn context(&self, id: ContextId) -> Option<&ImpersonationContext> {
        ids::get(&self.contexts, id.index())
    }

    /// The work item `id`.
    #[must_use]
    pub fn item(&self, id: ItemId) -> Option<&Item> {
        ids::get(&self.items, id.index())
    }

    /// The work items, by id.
    #[must_use]
    pub fn items(&self) -> &[Option<Item>] {
        self.items.as_slice()
    }

    /// The flow control bound at `id`, while its suppression is in force.
    #[must_use]
    pub fn control(&self, id: ControlId) -> Option<&Control> {
        ids::get(&self.controls, id.index())
    }

    /// The connection pool, once the program opened a connection.
    #[must_use]
    pub fn pool(&self) -> Option<&ConnectionPool> {
        self.connections.as_deref().map(|c| &c.pool)
    }

    /// The connection bound at `id`, while the program holds it.
    #[must_use]
    pub fn connection(&self, id: SqlConnectionId) -> Option<&Lease> {
        self.connections
            .as_deref()
            .and_then(|c| ids::get(&c.leases, id.index()))
    }

    /// SQL Server's state.
    #[must_use]
    pub fn sql(&self) -> Option<&SqlState> {
        self.sql.as_deref()
    }
}
