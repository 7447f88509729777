//! Decisions: what the model decided and under which rule. A [`Trail`] collects them as a
//! call runs; formatting the detail is skipped when the trail does not record details, so
//! the explorer can run the same code without paying for prose.

use serde::Serialize;

use crate::rules::RuleId;

/// One decision the model took, naming its rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Decision {
    /// The rule applied.
    pub rule: RuleId,
    /// What it decided here, in a sentence (empty when details were not recorded).
    pub detail: String,
}

/// The decisions of one call, in the order they were taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail {
    decisions: Vec<Decision>,
    details: bool,
}

impl Trail {
    /// A trail that records each decision's detail.
    #[must_use]
    pub fn detailed() -> Self {
        Trail {
            decisions: Vec::new(),
            details: true,
        }
    }

    /// A trail that records rule ids only (room for a typical call's decisions is made
    /// up front, so a search pays one allocation per call, not one per growth).
    #[must_use]
    pub fn rules_only() -> Self {
        Trail {
            decisions: Vec::with_capacity(16),
            details: false,
        }
    }

    /// Records that `rule` decided what `detail` says.
    pub fn note(&mut self, rule: RuleId, detail: impl FnOnce() -> String) {
        let detail = if self.details {
            detail()
        } else {
            String::new()
        };
        self.decisions.push(Decision { rule, detail });
    }

    /// The decisions so far.
    #[must_use]
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// Takes the decisions out.
    #[must_use]
    pub fn into_decisions(self) -> Vec<Decision> {
        self.decisions
    }

    /// Whether `rule` was applied.
    #[must_use]
    pub fn applied(&self, rule: RuleId) -> bool {
        self.decisions.iter().any(|d| d.rule == rule)
    }
}
