//! Runtimes (`kind: runtime`, format v1): one managed process (a .NET program, an ASP.NET
//! application, an unmanaged CLR host or SQL Server hosting CLR code), its threads, and the
//! steps its code takes: impersonation, asynchronous hand-offs, flow suppression, and for
//! SQL Server sessions, assemblies, EXECUTE AS and CLR routines. [`load`] reads one with
//! located errors, [`run`] plays it on `tokenhop_model::managed` and writes the trace,
//! [`render`] prints the table and the narration.

pub mod load;
pub mod render;
pub mod run;

use std::path::PathBuf;

use tokenhop_model::managed::dotnet::{FlowConfig, Framework, HandOff, Host};
use tokenhop_model::managed::sql::{Catalog, Instance, PermissionSet};
use tokenhop_model::managed::{Action, Ident, Setup};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

use crate::node::Span;

/// A loaded runtime scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Runtime {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The runtime as the model takes it.
    pub setup: Setup,
    /// The readings selected for ambiguous rules.
    pub readings: Readings,
    /// The runtime version.
    pub framework: Framework,
    /// What loaded it.
    pub host: Host,
    /// Its flow settings.
    pub config: FlowConfig,
    /// The identities: the process's first (identity 0), then the accounts.
    pub identities: Vec<String>,
    /// The threads steps name.
    pub threads: Vec<String>,
    /// Resources the code touches.
    pub resources: Vec<Resource>,
    /// SQL Server's setup, when the host is SQL Server.
    pub sql: Option<SqlSetup>,
    /// What starting the process must decide (`process.expect`).
    pub setup_expect: Option<SetupExpect>,
    /// The names steps bind with `out`, in order.
    pub slots: Vec<Slot>,
    /// The steps.
    pub steps: Vec<RuntimeStep>,
}

/// A file, share or remote service the code reaches, and who may.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Its name.
    pub name: String,
    /// The identities granted access.
    pub readers: Vec<Ident>,
    /// Whether it is on another machine.
    pub remote: bool,
}

/// SQL Server's instance as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlSetup {
    /// The instance.
    pub instance: Instance,
    /// Its databases.
    pub catalog: Catalog,
    /// Login names, by index.
    pub logins: Vec<String>,
    /// Database names, by index.
    pub databases: Vec<String>,
    /// Table names, by index.
    pub tables: Vec<String>,
}

/// A name a step binds with `out`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The name.
    pub name: String,
    /// What it holds.
    pub kind: SlotKind,
    /// The typed id the model binds it to (an index among the objects of its kind).
    pub id: u16,
}

/// What a bound name holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotKind {
    /// A WindowsImpersonationContext.
    Context,
    /// A queued work item.
    Item,
    /// A token handle.
    Handle,
    /// An AsyncFlowControl.
    FlowControl,
    /// A RunImpersonated scope.
    Scope,
    /// A SQL Server session.
    Session,
    /// An assembly.
    Assembly,
    /// A CLR routine call.
    Call,
    /// A pooled database connection.
    Connection,
    /// A WindowsIdentity value (possibly null).
    Identity,
    /// A thread started by CLR code.
    Thread,
}

impl SlotKind {
    /// The kind in words, for errors.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            SlotKind::Context => "an impersonation context",
            SlotKind::Item => "a work item",
            SlotKind::Handle => "a token handle",
            SlotKind::FlowControl => "a flow control",
            SlotKind::Scope => "a RunImpersonated scope",
            SlotKind::Session => "a session",
            SlotKind::Assembly => "an assembly",
            SlotKind::Call => "a CLR routine call",
            SlotKind::Connection => "a database connection",
            SlotKind::Identity => "a WindowsIdentity",
            SlotKind::Thread => "a thread started by CLR code",
        }
    }
}

/// A bound name's index in [`Runtime::slots`].
pub type SlotId = usize;

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A declared thread of the process.
    Thread(usize),
    /// The thread that entered a CLR routine.
    Entry,
    /// A thread CLR code started.
    Started(SlotId),
    /// No thread: a T-SQL statement of a session.
    Statement,
}

/// One step.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeStep {
    /// Its position.
    pub index: usize,
    /// Where it was written.
    pub span: Span,
    /// Where it runs.
    pub place: Place,
    /// The call's name as written.
    pub name: &'static str,
    /// The call in words (`queue(task_continuation) -> cb`).
    pub text: String,
    /// The model's action.
    pub action: Action,
    /// The call.
    pub call: RuntimeCall,
    /// The name it binds.
    pub out: Option<SlotId>,
    /// Free text for the narration.
    pub note: Option<String>,
    /// What it must do.
    pub expect: Option<RuntimeExpect>,
}

/// A step's call, its arguments resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuntimeCall {
    /// WindowsIdentity.Impersonate.
    Impersonate(Ident),
    /// WindowsImpersonationContext.Undo.
    Undo(SlotId),
    /// ImpersonateLoggedOnUser by P/Invoke.
    PinvokeImpersonate(Ident),
    /// RevertToSelf by P/Invoke.
    PinvokeRevert,
    /// A token handle for an identity (LogonUser, or a WindowsIdentity's AccessToken).
    OpenToken(Ident),
    /// SafeAccessTokenHandle.Dispose.
    Dispose(SlotId),
    /// WindowsIdentity.RunImpersonated: enters its delegate.
    RunImpersonated(SlotId),
    /// The end of a RunImpersonated delegate.
    End(SlotId),
    /// ExecutionContext.SuppressFlow.
    SuppressFlow,
    /// SecurityContext.SuppressFlowWindowsIdentity.
    SuppressIdentityFlow,
    /// SecurityContext.SuppressFlow.
    SuppressSecurityFlow,
    /// AsyncFlowControl.Undo.
    RestoreFlow(SlotId),
    /// An asynchronous hand-off: the work item is bound by `out`.
    Queue(HandOff),
    /// A thread starts running a work item.
    Run(SlotId),
    /// The work item returns; its thread goes back to the pool.
    Finish(SlotId),
    /// Whom the thread runs as (an expectation point).
    Whoami,
    /// The thread opens a resource.
    Access(usize),
    /// SqlConnection.Open from the middle tier's pool, under the thread's identity.
    OpenConnection,
    /// SqlConnection.Close: back to the pool.
    CloseConnection(SlotId),
    /// A client connects to SQL Server as a login.
    Connect(usize),
    /// CREATE ASSEMBLY.
    CreateAssembly {
        /// The session.
        session: SlotId,
        /// The database.
        database: usize,
        /// PERMISSION_SET.
        set: PermissionSet,
        /// The login its signature maps to.
        signer: Option<usize>,
    },
    /// EXECUTE AS LOGIN, or EXECUTE AS USER in a database.
    ExecuteAs {
        /// The session.
        session: SlotId,
        /// The login (or the user's login).
        login: usize,
        /// For a user, its database.
        database: Option<usize>,
    },
    /// REVERT.
    Revert(SlotId),
    /// ALTER DATABASE ... SET TRUSTWORTHY.
    AlterDatabase {
        /// The database.
        database: usize,
        /// ON or OFF.
        trustworthy: bool,
    },
    /// A T-SQL statement enters a CLR routine of an assembly.
    Enter {
        /// The session.
        session: SlotId,
        /// The assembly.
        assembly: SlotId,
    },
    /// SqlContext.WindowsIdentity.
    WindowsIdentity(SlotId),
    /// WindowsIdentity.Impersonate on a SqlContext identity.
    SqlImpersonate {
        /// The routine call.
        call: SlotId,
        /// The identity value.
        identity: SlotId,
    },
    /// WindowsImpersonationContext.Undo in a routine, on the context `impersonate` returned.
    SqlUndo(SlotId),
    /// A query on the context connection.
    ContextQuery {
        /// The routine call.
        call: SlotId,
        /// The table.
        table: usize,
    },
    /// An external resource reached from a routine.
    ExternalAccess {
        /// The routine call.
        call: SlotId,
        /// The resource.
        resource: usize,
    },
    /// A routine starts a thread (bound by `out`).
    StartThread(SlotId),
    /// A routine calls unmanaged code.
    Unmanaged(SlotId),
}

/// What starting the process must decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupExpect {
    /// Where it was written.
    pub span: Span,
    /// The flow mode (`no-context`, `no-flow`, `always-flow`, `fast-flow`, `async-local`).
    pub flow_mode: Option<&'static str>,
    /// Rules the setup must have applied.
    pub rules: Vec<RuleId>,
}

/// What a step must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeExpect {
    /// Where it was written.
    pub span: Span,
    /// Success or failure.
    pub ok: Option<bool>,
    /// The exception it throws (`System.InvalidOperationException`, `Msg 10327`).
    pub error: Option<String>,
    /// Whom the thread runs as (or the resource sees) afterwards: a name, `process`,
    /// `null` or `anonymous`.
    pub identity: Option<String>,
    /// Rules the model must have applied.
    pub rules: Vec<RuleId>,
    /// For `open_connection`: whether the pool reused an idle connection.
    pub reused: Option<bool>,
}
