//! The invariants of the model, each stated once, by family: [`machine`] (one Windows
//! machine: LOC-*, INV-19), [`net`] (hops across machines: INV-1..10, INV-20..22) and
//! [`managed`] (the .NET and SQL Server CLR runtimes: INV-11..18).
//! Every suite, property test and fixture check that needs an invariant takes it from
//! here.

pub mod machine;
pub mod managed;
pub mod net;

pub use machine::{INVARIANTS, Invariant, violations};
