//! Runtimes (`kind: runtime`, format v1): one managed process (a .NET program, an ASP.NET
//! application, an unmanaged CLR host or SQL Server hosting CLR code), its threads, and the
//! steps its code takes: impersonation, asynchronous hand-offs, flow suppression, and for
//! SQL Server sessions, assemblies, EXECUTE AS and CLR routines. [`load`] reads one with
//! located errors and decodes its steps into the model's actions, [`run`] steps them on
//! `tokenhop_model::managed` and writes the trace, [`render`] prints the table and the
//! narration.

pub mod load;
pub mod render;
pub mod run;

use std::path::PathBuf;

use tokenhop_model::managed::{Action, Setup};
use tokenhop_model::rules::RuleId;

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
    /// The runtime as the model takes it: version, host, flow settings, readings,
    /// identities, threads, resources and SQL Server's instance.
    pub setup: Setup,
    /// The threads' names, by id.
    pub threads: Vec<String>,
    /// The resources' names, by id.
    pub resources: Vec<String>,
    /// SQL Server's names, when the host is SQL Server.
    pub sql: Option<SqlNames>,
    /// What starting the process must decide (`process.expect`).
    pub setup_expect: Option<SetupExpect>,
    /// The names steps bind with `out`, in order.
    pub slots: Vec<Slot>,
    /// The steps.
    pub steps: Vec<RuntimeStep>,
}

/// The names of SQL Server's logins, databases and tables, by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqlNames {
    /// Login names.
    pub logins: Vec<String>,
    /// Database names.
    pub databases: Vec<String>,
    /// Table names.
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
    /// Free text for the narration.
    pub note: Option<String>,
    /// What it must do.
    pub expect: Option<RuntimeExpect>,
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
