//! # tokenhop-model
//!
//! The semantics of Windows impersonation and delegation, as pure state machines with
//! reasons. Every decision names a registered [`rules::RuleId`] whose statement and
//! citations say which document establishes it.
//!
//! - [`core`]: the vocabulary every family shares: impersonation levels, status codes,
//!   decisions and the trail that collects them.
//! - [`rules`]: the registry of rules, their citations and the readings of ambiguous ones.
//! - [`machine`]: one Windows machine. A [`World`] holds principals, accounts, logon
//!   sessions, tokens, processes, threads, handles and securable objects; an [`Action`] is
//!   one API call made by one thread; [`step`] maps a world and an action to the next
//!   world and an [`Outcome`]: success with a value, or the exact status the API fails
//!   with, plus every [`Decision`] taken.
//! - [`net`]: a network of machines and a directory; one hop of a client's identity at a
//!   time, stepped by `net::chain::step`.
//! - [`managed`]: the .NET and SQL Server CLR runtimes: a runtime's state, one action per
//!   managed call or T-SQL statement, stepped by `managed::step`.
//!
//! This crate owns the semantics only. It does no I/O, reads no clock and draws no random
//! numbers; scenario files, traces and the command line live in `tokenhop-sim` and
//! `tokenhop-cli`.

pub mod core;
pub mod machine;
pub mod managed;
pub mod net;
pub mod rules;

pub use crate::core::decision::{Decision, Trail};
pub use crate::core::error_code::ErrorCode;
pub use machine::action::{Action, Call};
pub use machine::outcome::{Outcome, Success, Value};
pub use machine::settings::{Settings, WindowsVersion};
pub use machine::step::{step, step_with, try_step};
pub use machine::world::World;
pub use rules::RuleId;
