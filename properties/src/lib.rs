//! # tokenhop-properties
//!
//! The invariants of the model, each a plain function over one transition (the world
//! before, the action, the world after, the outcome) with an id, a statement and the rules
//! it rests on; and proptest strategies that generate worlds and action sequences biased
//! toward meaningful inputs (mostly existing threads and handles, sometimes dangling ones).
//! The same invariants serve the property tests here and, later, the exhaustive explorer.

pub mod invariants;
pub mod strategies;
