//! Managed runtimes: how the .NET runtimes carry a Windows identity across asynchronous
//! points and how SQL Server hosts CLR code, as one state machine.
//!
//! A [`Setup`] is what a runtime is declared to be; a [`Runtime`] is its state; an
//! [`Action`] is one managed call or T-SQL statement; [`step()`] maps a setup, a runtime and
//! an action to the next runtime and an [`Outcome`]: what the call returned or the
//! exception it threw, whom the step shows, and every decision taken, each naming its rule
//! (CLR-*, SQL-*, SQLX-*, MRT-*, THR-1, OQD-7..9, OQR-1, OQS-1, OQS-2). The runtime
//! scenarios (`kind: runtime`), the exhaustive suites and the concurrent worker pool that
//! loom checks all step this one function.
//!
//! - [`ids`], [`setup`], [`runtime`], [`action`], [`outcome`]: the vocabulary.
//! - [`mod@step`]: the transition function, over [`dotnet`] (identity flow, CLR-1..15, MRT-1,
//!   MRT-2, OQD-7, OQR-1), [`pooling`] (MRT-3) and [`sql`] (SQL Server CLR integration).
//! - [`exception`]: the exceptions a managed call throws; [`short`]: the inline-first
//!   sequence the runtime's small tables are kept in.

pub mod action;
pub mod dotnet;
mod dotnet_step;
pub mod exception;
pub mod ids;
pub mod outcome;
pub mod pooling;
pub mod runtime;
pub mod setup;
pub mod short;
pub mod sql;
mod sql_step;
pub mod step;

pub use action::{Action, WindowsIdentitySource};
pub use ids::{
    AssemblyId, CallId, ContextId, ControlId, HandleId, IdentityId, ItemId, ResourceId, ScopeId,
    SessionId, SqlConnectionId, SqlContextId, ThreadId,
};
pub use outcome::{Misuse, Outcome, Shown, Value};
pub use runtime::Runtime;
pub use setup::{Resource, Setup, SqlSetup};
pub use step::{step, step_in_place, step_with};

/// An identity of a runtime (an index into its table of identities). A thread that holds
/// no token runs as its process, identity 0, written `None` wherever an identity is
/// optional.
pub type Ident = u16;
