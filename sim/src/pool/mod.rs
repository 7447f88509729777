//! A process with a pool of worker threads serving concurrent clients: work items,
//! asynchronous hand-offs (`QueueUserWorkItem`, `BeginInvoke` callbacks, task
//! continuations) and the Windows identity each item runs under.
//!
//! It is real concurrent code: [`process`] queues requests and spawns workers, each
//! [`worker`] takes every identity decision through the runtime model's step
//! (`tokenhop_model::managed::step`, on its own copy of the process's runtime), and every
//! lock and thread goes through a small shim (`sync`) that is `std` in ordinary builds and
//! `loom` under `--cfg loom`, so the same code is model-checked under every interleaving
//! (`properties/tests/loom_pool.rs`).
//!
//! - [`server`]: the handler a request runs, as the correct server or a deliberately wrong
//!   one.
//! - [`connections`]: the connection pool (keyed per identity, MRT-3) and the database.
//! - [`event`]: the event log, which printed is a schedule.
//! - [`mod@check`]: the properties POOL-1..3 over a run.
//! - [`middle_tier`]: seed 001's scaling point, connections per client versus per service.

pub mod check;
pub mod connections;
pub mod event;
pub mod middle_tier;
pub mod process;
pub mod server;
mod sync;
pub mod worker;

pub use check::{Violation, check};
pub use event::{Deed, Event, How, ItemId};
pub use middle_tier::{MAX_WORKERS, MiddleTierReport, simulate, sweep, table};
pub use process::{Pool, PoolConfig, Served};
pub use server::{DbIdentity, Flow, Server, ServerVariant};
pub use worker::{Body, Ctx, Failure};
