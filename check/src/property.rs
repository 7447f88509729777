//! Properties: what a search checks on every transition, each an invariant (it must
//! hold on every transition; a transition that breaks it is a counterexample) or a
//! reachability claim (some transition must exhibit it; the first found is the witness).
//! A property's check is a closure, so a downstream crate states one in a few lines.

use std::fmt;
use std::sync::Arc;

use tokenhop_model::rules::RuleId;

use crate::model::Model;

/// Whether a property must hold on every transition or must be reached at least once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expectation {
    /// An invariant: every transition satisfies it; a transition that does not is a
    /// counterexample.
    Always,
    /// A reachability claim (a documented attack, an exhibited trace): some transition
    /// satisfies it; the first found is the witness.
    Sometimes,
}

/// Why one transition breaks an invariant, in words a counterexample prints.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Violation {
    reason: String,
}

impl Violation {
    /// A violation explained by `reason`.
    #[must_use]
    pub fn new(reason: impl Into<String>) -> Self {
        Violation {
            reason: reason.into(),
        }
    }

    /// The explanation.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What a property claims: its id, its statement and the rules it rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Its id (`INV-1`, `ATK-6`, `LOC-3`).
    pub id: &'static str,
    /// The statement, as a theorem.
    pub statement: &'static str,
    /// The rules it rests on.
    pub rests_on: &'static [RuleId],
}

/// What a property's check observed on one transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// Nothing the property is about: an invariant that holds here, a claim not met here.
    Nothing,
    /// The transition exhibits a reachability claim.
    Witness,
    /// The transition breaks an invariant.
    Violation(Violation),
}

/// The check of one transition: the model, the state before, the action, the state
/// after, and what the transition reported.
pub type CheckFn<M> = dyn Fn(
        &M,
        &<M as Model>::State,
        &<M as Model>::Action,
        &<M as Model>::State,
        &<M as Model>::Outcome,
    ) -> Observation
    + Send
    + Sync;

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
    check: Arc<CheckFn<M>>,
}

impl<M: Model + ?Sized> Clone for Property<M> {
    fn clone(&self) -> Self {
        Property {
            id: self.id,
            statement: self.statement,
            expectation: self.expectation,
            rests_on: self.rests_on,
            check: Arc::clone(&self.check),
        }
    }
}

impl<M: Model + ?Sized> fmt::Debug for Property<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property")
            .field("id", &self.id)
            .field("expectation", &self.expectation)
            .finish_non_exhaustive()
    }
}

impl<M: Model + ?Sized> Property<M> {
    /// An invariant: `check` returns the violation a transition commits, if any. It is
    /// called on every transition the search makes, with the model, the state before, the
    /// action, the state after and what the transition reported (the model's `Outcome`);
    /// the explorer reports the shortest path to a transition that returns `Err`, with the
    /// violation's words as its reason. See [`crate::explore_with`] for a whole example.
    pub fn always(
        claim: Claim,
        check: impl Fn(&M, &M::State, &M::Action, &M::State, &M::Outcome) -> Result<(), Violation>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Property {
            id: claim.id,
            statement: claim.statement,
            expectation: Expectation::Always,
            rests_on: claim.rests_on,
            check: Arc::new(move |m, s, a, t, o| match check(m, s, a, t, o) {
                Ok(()) => Observation::Nothing,
                Err(v) => Observation::Violation(v),
            }),
        }
    }

    /// A reachability claim: `check` says whether a transition exhibits it (its arguments
    /// are those of [`Property::always`]'s); the explorer reports the shortest path to the
    /// first transition that does, or that none within its extent does.
    pub fn sometimes(
        claim: Claim,
        check: impl Fn(&M, &M::State, &M::Action, &M::State, &M::Outcome) -> bool
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Property {
            id: claim.id,
            statement: claim.statement,
            expectation: Expectation::Sometimes,
            rests_on: claim.rests_on,
            check: Arc::new(move |m, s, a, t, o| {
                if check(m, s, a, t, o) {
                    Observation::Witness
                } else {
                    Observation::Nothing
                }
            }),
        }
    }

    /// Checks one transition.
    pub fn check(
        &self,
        model: &M,
        before: &M::State,
        action: &M::Action,
        after: &M::State,
        outcome: &M::Outcome,
    ) -> Observation {
        (self.check)(model, before, action, after, outcome)
    }
}
