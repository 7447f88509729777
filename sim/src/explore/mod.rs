//! The exhaustive explorer: breadth-first search over every state a [`Model`] reaches
//! within explicit budgets, checking every [`Property`] on every transition and returning
//! the shortest counterexample (or witness) for each.
//!
//! - [`fingerprint`]: states are stored as 64-bit fingerprints of their canonical form
//!   (hash compaction), with the parent's fingerprint and the action's index, so a stored
//!   state costs a few dozen bytes whatever the state's size; symmetry reduction is the
//!   model's [`Model::canonical`].
//! - [`bfs`]: level by level, the frontier split across threads, the visited set sharded;
//!   counterexamples are rebuilt by replaying the recorded actions from the initial state.
//!   The last level the depth budget allows is stored but not kept in the frontier.
//! - [`intern`]: tables of distinct values by id, for a model that stores its states as the
//!   ids of their parts (the local suite's worlds).
//!
//! The models themselves (the built-in suites) and the invariants they check live in
//! `tokenhop-properties`; this module owns only the search.

pub mod bfs;
pub mod fingerprint;
pub mod intern;

use std::fmt::Debug;
use std::hash::Hash;
use std::time::Duration;

use tokenhop_model::core::decision::RuleSet;
use tokenhop_model::rules::RuleId;

pub use bfs::{Progress, explore};

/// A transition system to explore.
pub trait Model: Sync {
    /// A state. Its `Hash` decides duplicate detection (after [`Model::canonical`]).
    type State: Clone + Eq + Hash + Send + Sync + Debug;
    /// An action.
    type Action: Clone + Send + Sync + Debug;
    /// What a transition reports beside the next state (the call's outcome), for the
    /// properties to read.
    type Outcome;

    /// The initial states.
    fn initial_states(&self) -> Vec<Self::State>;

    /// The actions worth trying from `state`, in a fixed order (a counterexample names
    /// actions by their position in this list).
    fn actions(&self, state: &Self::State, actions: &mut Vec<Self::Action>);

    /// The state `action` leads to and what the transition reported, or `None` when the
    /// action does not apply.
    fn next(
        &self,
        state: &Self::State,
        action: &Self::Action,
    ) -> Option<(Self::State, Self::Outcome)>;

    /// Every transition from `state` under `actions` (the list [`Model::actions`] gave, in
    /// its order), handed to `each` with the action's index, the next state and the
    /// outcome; actions that do not apply are skipped. The default calls [`Model::next`]
    /// on each action. A model that stores its states compactly overrides it to unpack
    /// `state` once for all its actions; it must hand over exactly what `next` returns,
    /// which replaying a counterexample uses.
    fn successors<F>(&self, state: &Self::State, actions: &[Self::Action], mut each: F)
    where
        F: FnMut(usize, Self::State, Self::Outcome),
        Self: Sized,
    {
        for (index, action) in actions.iter().enumerate() {
            if let Some((next, outcome)) = self.next(state, action) {
                each(index, next, outcome);
            }
        }
    }

    /// As [`Model::successors`], at the depth bound: the states handed over are
    /// fingerprinted and checked by the properties, but never expanded, replayed or
    /// described, so a model that interns the parts of its states may skip storing what
    /// only these states hold, provided the fingerprint is the one [`Model::successors`]'s
    /// state would have and the properties read nothing they lack. The default is
    /// [`Model::successors`].
    fn leaf_successors<F>(&self, state: &Self::State, actions: &[Self::Action], each: F)
    where
        F: FnMut(usize, Self::State, Self::Outcome),
        Self: Sized,
    {
        self.successors(state, actions, each);
    }

    /// The representative of `state`'s symmetry class: states with the same canonical form
    /// are explored once. The default is no reduction.
    fn canonical(&self, state: &Self::State) -> Self::State {
        state.clone()
    }

    /// The fingerprint under which `state` is stored: by default that of its canonical
    /// form. A model may compute it more cheaply (the least fingerprint over a symmetry
    /// group, say) without building the canonical state.
    fn fingerprint(&self, state: &Self::State) -> u64 {
        fingerprint::of(&self.canonical(state))
    }

    /// The properties to check.
    fn properties(&self) -> Vec<Property<Self>>;

    /// Reports the rules a transition applied, for rule coverage. The default reports none.
    fn rules(&self, outcome: &Self::Outcome, report: &mut dyn FnMut(RuleId)) {
        let _ = (outcome, report);
    }

    /// Adds the rules a transition applied to `set`: by default those [`Model::rules`]
    /// reports. A model whose outcome is a [`RuleSet`] merges it in one step.
    fn applied_rules(&self, outcome: &Self::Outcome, set: &mut RuleSet) {
        self.rules(outcome, &mut |rule| set.insert(rule));
    }

    /// An action in words, for counterexamples.
    fn describe_action(&self, state: &Self::State, action: &Self::Action) -> String {
        let _ = state;
        format!("{action:?}")
    }

    /// A state in words, for counterexamples.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }

    /// The path from `initial` through `actions` as a scenario file (format v1) named
    /// `name`, that `tokenhop run` replays and `tokenhop explain` narrates, when the model
    /// can write one; `reason` says what it shows.
    fn scenario(
        &self,
        initial: &Self::State,
        actions: &[Self::Action],
        name: &str,
        reason: &str,
    ) -> Option<String> {
        let _ = (initial, actions, name, reason);
        None
    }
}

/// Whether a property must hold on every transition or must be reached at least once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// An invariant: every transition satisfies it; a transition that does not is a
    /// counterexample.
    Always,
    /// A reachability claim (a documented attack, an exhibited trace): some transition
    /// satisfies it; the first found is the witness.
    Sometimes,
}

/// A checked property of a model.
pub struct Property<M: Model + ?Sized> {
    /// Its id (`INV-1`, `ATK-6`, `LOC-3`).
    pub id: &'static str,
    /// The statement, as a theorem.
    pub statement: &'static str,
    /// Invariant or reachability.
    pub expectation: Expectation,
    /// The rules it rests on.
    pub rests_on: &'static [RuleId],
    /// The check of one transition (the state before, the action, the state after, what
    /// it reported): `Err` explains a violation (for `Always`), `Ok(true)` marks a witness
    /// (for `Sometimes`).
    #[allow(clippy::type_complexity)]
    pub check: fn(&M, &M::State, &M::Action, &M::State, &M::Outcome) -> Result<bool, String>,
}

impl<M: Model + ?Sized> Clone for Property<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Model + ?Sized> Copy for Property<M> {}

/// The limits of one run; the first reached stops it with a message naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Distinct states stored (by default 100 M: the local suite's six-call bound stores
    /// 57 M; the memory budget is the guard against a space too large to hold).
    pub states: u64,
    /// Transitions from an initial state.
    pub depth: u32,
    /// Wall-clock time.
    pub time: Duration,
    /// Bytes of the visited set and frontier (estimated).
    pub memory: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            states: 100_000_000,
            depth: 12,
            time: Duration::from_secs(600),
            memory: 8 << 30,
        }
    }
}

/// Which budget stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The state budget.
    States(u64),
    /// The time budget.
    Time(Duration),
    /// The memory budget, in bytes.
    Memory(u64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::States(n) => write!(f, "the state budget ({n} states) was reached"),
            Limit::Time(t) => write!(f, "the time budget ({} s) was reached", t.as_secs()),
            Limit::Memory(b) => write!(f, "the memory budget ({} MiB) was reached", b >> 20),
        }
    }
}

/// One step of a counterexample or witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// The action, in words.
    pub action: String,
    /// The state it led to, in words.
    pub state: String,
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
    /// For an invariant, the shortest counterexample; for a reachability claim, the
    /// shortest witness; `None` when the search found none.
    pub trace: Option<Trace>,
}

impl Finding {
    /// Whether the result is what the property claims: an invariant with no
    /// counterexample, or a reachability claim with a witness.
    #[must_use]
    pub fn holds(&self) -> bool {
        match self.expectation {
            Expectation::Always => self.trace.is_none(),
            Expectation::Sometimes => self.trace.is_some(),
        }
    }
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

/// The result of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Distinct states stored.
    pub states: u64,
    /// Transitions computed (including those to states already seen).
    pub transitions: u64,
    /// The deepest level completed.
    pub depth: u32,
    /// Whether every state within the depth budget was explored.
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
}

/// How to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The budgets.
    pub budget: Budget,
    /// Worker threads (at least one).
    pub threads: usize,
    /// Stop as soon as every property has its finding, rather than exhausting the space.
    pub stop_when_decided: bool,
    /// Check only the properties with these ids (all when empty).
    pub only: Vec<String>,
}

impl Options {
    /// Every state within `depth` calls, on `threads` threads, without stopping once the
    /// properties are decided: the whole bounded space, as tests and benchmarks sweep it.
    #[must_use]
    pub fn exhaustive(depth: u32, threads: usize) -> Self {
        Options {
            budget: Budget {
                depth,
                ..Budget::default()
            },
            threads,
            stop_when_decided: false,
            only: Vec::new(),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            budget: Budget::default(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            stop_when_decided: true,
            only: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
