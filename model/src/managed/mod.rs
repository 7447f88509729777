//! Managed runtimes: how the .NET runtimes carry a Windows identity across asynchronous
//! points ([`dotnet`]) and how SQL Server hosts CLR code ([`sql`]).
//!
//! Both are pure decision functions over small state values, each decision naming its rule
//! (CLR-*, SQL-*, MRT-*). The scenario interpreter (`kind: runtime`) and the concurrent
//! worker pool that loom checks call the same functions, so what loom checks is what the
//! narration explains.

pub mod dotnet;
pub mod exception;
pub mod pooling;
pub mod sql;

/// An identity of a runtime scenario (an index into its table of accounts). A thread that
/// holds no token runs as its process, written `None` wherever an identity is optional.
pub type Ident = u16;
