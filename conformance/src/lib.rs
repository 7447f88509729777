//! # tokenhop-conformance
//!
//! The portable half of conformance testing: reading a trace recorded elsewhere (on
//! Windows, under Wine) and comparing it, step by step, with the model's trace of the same
//! script. Steps match by index and are compared on `ok`, `error` and `value`; the rules
//! are the model's own and are not compared. LUIDs differ from machine to machine, so each
//! trace's LUIDs are renamed in order of first appearance (`luid#1`, `luid#2`, ...) before
//! values are compared; the fixed logon sessions (0x3e4..0x3e7) and zero keep their values.
//!
//! The other half runs scripts where Windows runs: [`host`] is the step loop, shared by
//! every platform, and `adapter` (built only for Windows) performs each step as one Win32
//! call. The binary `tokenhop-adapter` wraps it; conformance/windows/build cross-builds it.

mod compare;
pub mod host;
pub mod known;
mod read;
pub mod report;

#[cfg(windows)]
pub mod adapter;

pub use compare::{CompareError, Comparison, Difference, StepVerdict, compare};
pub use read::{ReadError, parse_trace, read_trace};
