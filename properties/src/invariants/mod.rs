//! The invariants of the model, each stated once, by family: [`machine`] (one Windows
//! machine: LOC-*, INV-19). Every suite, property test and fixture check that needs an
//! invariant takes it from here.

pub mod machine;
pub mod managed;

pub use machine::{INVARIANTS, Invariant, violations};
