//! # tokenhop-sim
//!
//! Scenario files and their execution on the model.
//!
//! - [`scenario`] reads a script (format v1, YAML or JSON), validates every field and
//!   name with located errors, builds the starting world, and decodes each step once into
//!   a typed call ([`refs`]) with the table of calls ([`calls`]) and the names in [`scope`].
//! - [`host`] is the step loop every host shares: it binds `out` names, resolves each
//!   step's references, skips what cannot run, checks `expect`s and writes the [`trace`].
//! - [`interpret`] is the model as a host of that loop.
//! - [`render`] prints the step table and the narration of `tokenhop explain`.
//! - [`topology`] does the same for topologies (`kind: topology`): a directory of domains,
//!   accounts and services, and chains of hops across them.
//! - [`runtime`] does the same for runtimes (`kind: runtime`): a .NET process or SQL Server
//!   hosting CLR code, its threads and asynchronous hand-offs; [`document`] reads any kind.
//! - [`import`] reads directories other tools collected (BloodHound's SharpHound and
//!   bloodhound.py JSON) into a topology's directory, with a report of what it assumed.
//! - [`reach`] asks the model's reach query of a topology or a collection for the accounts
//!   an attacker owns, and writes the answer in words, JSON, DOT, BloodHound OpenGraph
//!   ([`reach::opengraph`]), or as chains that replay.
//! - [`pool`] is a process with a pool of impersonating worker threads: real concurrent code
//!   that loom model-checks, and seed 001's middle tier (connection pooling per identity).
//!
//! The semantics live in `tokenhop-model`; this crate owns the file formats and the
//! running of scenarios, not what the calls do.

pub mod bench;
pub mod bench_import;
pub mod bench_reach;
pub mod calls;
pub mod com_calls;
pub mod com_setup;
pub mod document;
pub mod error;
pub mod expect;
pub mod host;
pub mod import;
pub mod interpret;
pub mod node;
pub mod pool;
pub mod reach;
pub mod reader;
pub mod refs;
pub mod render;
pub mod rpc_calls;
pub mod runtime;
pub mod scenario;
pub mod scope;
pub mod sspi_calls;
pub mod step;
pub mod topology;
pub mod trace;
pub mod vocab;

pub use document::Document;
pub use error::{Fault, LoadError};
pub use interpret::{Run, run};
pub use scenario::{Scenario, load, load_str};
pub use trace::Trace;
