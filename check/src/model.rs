//! The model a search explores: a transition system with initial states, the actions
//! worth trying, a successor function and the properties to check on every transition.
//! It is the shape of stateright's `Model`, with what the semantic suites need beside it:
//! an outcome per transition (the decisions the step took), compact successors for models
//! that pack their states, symmetry reduction and scenario files for counterexamples.

use std::fmt::Debug;
use std::hash::Hash;

use tokenhop_model::core::decision::RuleSet;
use tokenhop_model::rules::RuleId;

use crate::fingerprint;
use crate::property::Property;

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
