//! # tokenhop-sim
//!
//! Scenario files and their execution on the model.
//!
//! - [`scenario`] reads a script (format v1, YAML or JSON), validates every field and
//!   name with located errors, and builds the starting world.
//! - [`interpret`] runs the steps on the model, binds `out` names, checks `expect`s and
//!   writes the [`trace`].
//! - [`render`] prints the step table and the narration of `tokenhop explain`.
//! - [`topology`] does the same for topologies (`kind: topology`): a directory of domains,
//!   accounts and services, and chains of hops across them; [`document`] reads either kind.
//!
//! The semantics live in `tokenhop-model`; this crate owns the file formats and the
//! running of scenarios, not what the calls do.

pub mod bench;
pub mod calls;
pub mod com_calls;
pub mod com_setup;
pub mod document;
pub mod error;
pub mod expect;
pub mod interpret;
pub mod node;
pub mod reader;
pub mod render;
pub mod rpc_calls;
pub mod scenario;
pub mod scope;
pub mod sspi_calls;
pub mod topology;
pub mod trace;
pub mod vocab;

pub use document::Document;
pub use error::{Fault, LoadError};
pub use interpret::{Run, run};
pub use scenario::{Scenario, load, load_str};
pub use trace::Trace;
