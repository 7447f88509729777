//! # tokenhop-properties
//!
//! The invariants of the model, each a plain function over one transition (the world
//! before, the action, the world after, the outcome) with an id, a statement and the rules
//! it rests on; and proptest strategies that generate worlds and action sequences biased
//! toward meaningful inputs (mostly existing threads and handles, sometimes dangling ones).
//! The same invariants serve the property tests here and, later, the exhaustive explorer.
//!
//! Across machines, [`directories`] generates small delegation directories from a plain,
//! shrinkable spec and prints a case as a topology file; [`reach`] answers what a user's
//! chains reach in one, which the metamorphic properties compare between a directory and a
//! changed copy of it.

pub mod directories;
pub mod invariants;
pub mod reach;
pub mod strategies;
pub mod suites;
