//! What a managed step reports: what the call returned or the exception it threw, whom the
//! step shows (the identity the thread runs as afterwards, or the one a session, resource
//! or connection sees), and the decisions taken. An action the program cannot make at all
//! (a thread that does not exist, a work item finished before it ran) is a [`Misuse`], not
//! an outcome.

use thiserror::Error;

use super::Ident;
use super::dotnet::Carried;
use super::exception::Exception;
use super::ids::{ContextId, HandleId, ItemId, ScopeId, SessionId, SqlConnectionId, ThreadId};
use super::sql::LoginId;
use crate::core::decision::{Decision, RuleSet};

/// Whom a step shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shown {
    /// An identity (0: the process).
    Id(Ident),
    /// A null WindowsIdentity (SQL Server authentication).
    Null,
    /// ANONYMOUS LOGON, as a remote machine sees an identity that could not be delegated.
    Anonymous,
}

/// What a call returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Nothing beyond success.
    Nothing,
    /// An identity: whom a token handle, a session's context or a resource opened as is.
    Identity(Ident),
    /// What a hand-off captured.
    Captured(Carried),
    /// SqlContext.WindowsIdentity (`None`: null).
    WindowsIdentity(Option<Ident>),
    /// Whom CLR code now impersonates.
    Impersonated(Ident),
    /// The login a query on the context connection was authorized as.
    Principal(LoginId),
    /// Whom an external resource saw (`None`: ANONYMOUS LOGON) and granted.
    Seen(Option<Ident>),
    /// A connection from the pool: the identity it authenticated as, and whether an idle
    /// connection was reused.
    Connection {
        /// The identity.
        identity: Ident,
        /// Whether the pool reused an idle connection.
        reused: bool,
    },
}

/// What a step reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// What the call returned, or the exception it threw.
    pub result: Result<Value, Exception>,
    /// Whom the step shows: whom the calling .NET thread runs as afterwards, or whom the
    /// step's subject sees (a session, a resource, even one that refused access).
    pub shown: Option<Shown>,
    /// The rules applied.
    pub rules: RuleSet,
    /// The decisions, in order (empty under a trail that keeps only the rule set).
    pub decisions: Vec<Decision>,
}

/// An action the program cannot make: the model refuses it without deciding anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum Misuse {
    /// The process started already.
    #[error("the process has already started")]
    AlreadyStarted,
    /// A .NET call before the process started.
    #[error("the process has not started")]
    NotStarted,
    /// A .NET call in SQL Server, which takes T-SQL statements and CLR code's calls.
    #[error("SQL Server takes T-SQL statements and CLR code's calls, not this .NET call")]
    NotDotnet,
    /// A SQL Server call in a process that is not SQL Server.
    #[error("the process is not SQL Server")]
    NotSqlServer,
    /// The API does not exist in this runtime version.
    #[error("{0} does not exist in this runtime version")]
    Unavailable(&'static str),
    /// The thread does not exist.
    #[error("thread #{0} does not exist")]
    NoThread(ThreadId),
    /// The impersonation context was never bound.
    #[error("impersonation context #{0} was never returned")]
    NoContext(ContextId),
    /// The token handle was never bound.
    #[error("token handle #{0} was never opened")]
    NoHandle(HandleId),
    /// The work item was never queued.
    #[error("work item #{0} was never queued")]
    NoItem(ItemId),
    /// The work item is not waiting to run.
    #[error("work item #{0} is not waiting to run")]
    NotQueued(ItemId),
    /// The work item is running: it cannot be queued again.
    #[error("work item #{0} is running")]
    ItemRunning(ItemId),
    /// The work item has not started.
    #[error("work item #{0} has not started")]
    NotRunning(ItemId),
    /// The work item is not the innermost thing its thread runs.
    #[error("work item #{0} is not the innermost callback running on thread #{1}")]
    ItemNotInnermost(ItemId, ThreadId),
    /// The RunImpersonated scope is not the innermost thing its thread runs.
    #[error("RunImpersonated scope #{0} is not the innermost delegate running on thread #{1}")]
    ScopeNotInnermost(ScopeId, ThreadId),
    /// The connection was never opened.
    #[error("connection #{0} was never opened")]
    NoConnection(SqlConnectionId),
    /// The session was never connected.
    #[error("session #{0} was never connected")]
    NoSession(SessionId),
    /// The login, database, table or resource is not declared.
    #[error("{0} #{1} is not declared")]
    Undeclared(&'static str, usize),
}
