//! # tokenhop-check
//!
//! The exhaustive explorer: breadth-first search over every state a [`Model`] reaches
//! within explicit budgets, checking every [`Property`] on every transition and returning,
//! for each, a [`Verdict`]: the shortest counterexample or witness, a claim that holds
//! over the whole space or within a depth bound, or, when a budget stopped the search
//! first, `undecided`. A check never says more than its search did.
//!
//! [`explore`] checks a model's own properties ([`Model::properties`]); [`explore_with`]
//! checks the properties its caller states, so a crate can hold a model it did not write
//! (a built-in suite, the model of a topology file) to invariants of its own.
//!
//! - [`model`]: what a search explores (initial states, actions, successors, properties),
//!   the shape of stateright's `Model`.
//! - [`property`]: invariants and reachability claims as closures over one transition,
//!   with typed [`Violation`]s.
//! - [`budget`]: the limits of a run and how to run it.
//! - [`report`]: verdicts, traces and the run's figures.
//! - [`bfs`]: level by level, the frontier split across threads, the visited set sharded;
//!   counterexamples are rebuilt by replaying the recorded actions from the initial state.
//! - [`fingerprint`]: states are stored as 64-bit fingerprints of their canonical form
//!   (hash compaction), with the parent's fingerprint and the action's index, so a stored
//!   state costs a few dozen bytes whatever the state's size; symmetry reduction is the
//!   model's [`Model::canonical`].
//! - [`intern`]: tables of distinct values by id, for a model that stores its states as the
//!   ids of their parts (the local suite's worlds).
//!
//! The models themselves (the built-in suites) and the invariants they check live in
//! `tokenhop-properties`; the semantics they step live in `tokenhop-model`. This crate owns
//! only the search.

pub mod bfs;
pub mod budget;
pub mod fingerprint;
pub mod intern;
pub mod model;
pub mod property;
pub mod report;

pub use bfs::{Progress, explore, explore_with};
pub use budget::{Budget, Limit, Options};
pub use model::Model;
pub use property::{Claim, Expectation, Observation, Property, Violation};
pub use report::{Extent, Finding, Report, Trace, TraceStep, Verdict};

#[cfg(test)]
mod tests;
