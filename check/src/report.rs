//! What a search found: per property a [`Verdict`] that never claims more than the search
//! did (a search a budget stopped leaves what it did not decide undecided), the shortest
//! counterexample or witness as a [`Trace`], and the run's figures.

use std::time::Duration;

use tokenhop_model::rules::RuleId;

use crate::budget::Limit;
use crate::property::Expectation;

/// One step of a counterexample or witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// The action, in words.
    pub action: String,
    /// The state it led to, in words.
    pub state: String,
}

/// A path from an initial state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The initial state, in words.
    pub initial: String,
    /// The steps.
    pub steps: Vec<TraceStep>,
    /// Why the last transition violates or witnesses the property.
    pub reason: String,
    /// The path as a scenario file (format v1), when the model can write one; its name is
    /// the property's id, to be replaced by the caller.
    pub scenario: Option<String>,
}

/// How far a search went: the whole space, or every state within a depth bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// Every reachable state was explored.
    Exhausted,
    /// Every state within this many transitions of an initial state was explored.
    Bounded(u32),
}

/// What a search established about one property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// An invariant no transition within `extent` breaks.
    Holds(Extent),
    /// An invariant with a counterexample: the shortest path that breaks it.
    Broken(Trace),
    /// A reachability claim with a witness: the shortest path that exhibits it.
    Exhibited(Trace),
    /// A reachability claim no transition within `extent` exhibits.
    NotExhibited(Extent),
    /// The search stopped on a budget before deciding the property: neither a
    /// counterexample (or witness) nor the whole bounded space.
    Undecided {
        /// The budget that stopped it.
        limit: Limit,
        /// The level the search had reached when it stopped.
        depth: u32,
        /// The depth the search was asked to reach.
        bound: u32,
    },
}

impl Verdict {
    /// The counterexample or witness, if the search found one.
    #[must_use]
    pub fn trace(&self) -> Option<&Trace> {
        match self {
            Verdict::Broken(t) | Verdict::Exhibited(t) => Some(t),
            _ => None,
        }
    }

    /// Whether the search decided the property.
    #[must_use]
    pub fn decided(&self) -> bool {
        !matches!(self, Verdict::Undecided { .. })
    }

    /// The verdict in one word: `holds`, `broken`, `exhibited`, `not exhibited` or
    /// `undecided`.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Holds(_) => "holds",
            Verdict::Broken(_) => "broken",
            Verdict::Exhibited(_) => "exhibited",
            Verdict::NotExhibited(_) => "not exhibited",
            Verdict::Undecided { .. } => "undecided",
        }
    }
}

/// A property's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The property.
    pub id: &'static str,
    /// Its statement.
    pub statement: &'static str,
    /// Invariant or reachability.
    pub expectation: Expectation,
    /// What the search established.
    pub verdict: Verdict,
}

impl Finding {
    /// Whether the search established what the property claims: an invariant that holds,
    /// or a reachability claim with a witness. An undecided property does not.
    #[must_use]
    pub fn holds(&self) -> bool {
        matches!(self.verdict, Verdict::Holds(_) | Verdict::Exhibited(_))
    }

    /// The counterexample or witness, if the search found one.
    #[must_use]
    pub fn trace(&self) -> Option<&Trace> {
        self.verdict.trace()
    }
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Distinct states stored.
    pub states: u64,
    /// Transitions computed (including those to states already seen).
    pub transitions: u64,
    /// The deepest level completed.
    pub depth: u32,
    /// Whether every reachable state was explored (within no depth bound).
    pub complete: bool,
    /// The budget that stopped the run, if one did.
    pub limit: Option<Limit>,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Threads used.
    pub threads: usize,
    /// Bytes the visited set occupies per stored state.
    pub bytes_per_state: f64,
    /// One finding per property, in the model's order.
    pub findings: Vec<Finding>,
    /// The rules the transitions applied, in registry order.
    pub rules: Vec<RuleId>,
}

impl Report {
    /// Distinct states per second.
    #[must_use]
    pub fn states_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.states as f64 / secs
        } else {
            0.0
        }
    }

    /// Whether every property holds as it claims.
    #[must_use]
    pub fn all_hold(&self) -> bool {
        self.findings.iter().all(Finding::holds)
    }

    /// Whether every property was decided.
    #[must_use]
    pub fn all_decided(&self) -> bool {
        self.findings.iter().all(|f| f.verdict.decided())
    }
}
