//! # tokenhop-model
//!
//! The semantics of Windows impersonation, as a pure state machine with reasons.
//!
//! A [`World`] holds one machine: principals, accounts, logon sessions, tokens,
//! processes, threads, handles and securable objects. An [`Action`] is one API call made
//! by one thread. [`step`] maps a world and an action to the next world and an
//! [`Outcome`]: success with a value, or the exact status the API fails with, plus every
//! [`Decision`] taken, each naming a registered [`rules::RuleId`] whose statement and
//! citations say which document establishes it.
//!
//! This crate owns the semantics only. It does no I/O, reads no clock and draws no random
//! numbers; scenario files, traces and the command line live in `tokenhop-sim` and
//! `tokenhop-cli`.

pub mod access;
pub mod access_check;
pub mod accounts;
pub mod acl;
pub mod action;
mod calls;
pub mod capture;
pub mod com;
pub mod decision;
pub mod enabled;
pub mod error_code;
pub mod ids;
pub mod impersonation;
pub mod level;
pub mod logon;
pub mod logons;
pub mod loopback;
pub mod managed;
pub mod net;
pub mod outcome;
pub mod pipe;
pub mod principal;
pub mod privilege;
pub mod rpc;
pub mod rules;
pub mod settings;
pub mod setup;
pub mod sspi;
pub mod step;
pub mod token;
pub mod tokens;
pub mod world;

pub use action::{Action, Call};
pub use decision::{Decision, Trail};
pub use error_code::ErrorCode;
pub use outcome::{Outcome, Success, Value};
pub use rules::RuleId;
pub use settings::{Settings, WindowsVersion};
pub use step::{step, step_with, try_step};
pub use world::World;
