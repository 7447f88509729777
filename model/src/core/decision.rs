//! Decisions: what the model decided and under which rule. A [`Trail`] collects them as a
//! call runs; formatting the detail is skipped when the trail does not record details, so
//! the explorer can run the same code without paying for prose, and a trail may keep only
//! the [`RuleSet`] of rules applied, so that it need not allocate at all.

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

/// A set of rules, one bit each in registry order: which rules a call applied, without
/// their order or detail, and without allocating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleSet([u64; RULE_WORDS]);

const RULE_WORDS: usize = RuleId::ALL.len().div_ceil(64);

impl RuleSet {
    /// Adds `rule`.
    pub fn insert(&mut self, rule: RuleId) {
        let i = rule as usize;
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    /// Whether `rule` is in the set.
    #[must_use]
    pub fn contains(&self, rule: RuleId) -> bool {
        let i = rule as usize;
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds every rule of `other`.
    pub fn extend(&mut self, other: &RuleSet) {
        for (word, more) in self.0.iter_mut().zip(other.0) {
            *word |= more;
        }
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The rules in the set, in registry order.
    pub fn iter(&self) -> impl Iterator<Item = RuleId> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(i * 64 + bit)
            })
            .filter_map(|n| RuleId::ALL.get(n).copied())
        })
    }
}

/// What a trail keeps of each decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Keep {
    /// The rule and its detail.
    Details,
    /// The rule, in order.
    #[default]
    Rules,
    /// Only which rules were applied (no decision list).
    Set,
}

/// The decisions of one call, in the order they were taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail {
    decisions: Vec<Decision>,
    keep: Keep,
    rules: RuleSet,
}

impl Trail {
    /// A trail that records each decision's detail.
    #[must_use]
    pub fn detailed() -> Self {
        Trail {
            decisions: Vec::new(),
            keep: Keep::Details,
            rules: RuleSet::default(),
        }
    }

    /// A trail that records rule ids only (room for a typical call's decisions is made
    /// up front, so a search pays one allocation per call, not one per growth).
    #[must_use]
    pub fn rules_only() -> Self {
        Trail {
            decisions: Vec::with_capacity(16),
            keep: Keep::Rules,
            rules: RuleSet::default(),
        }
    }

    /// A trail that records only the set of rules applied ([`Trail::rules`]); its
    /// decision list stays empty, and it never allocates. For a search that reads which
    /// rules its transitions applied and nothing else of the decisions.
    #[must_use]
    pub fn rule_set() -> Self {
        Trail {
            decisions: Vec::new(),
            keep: Keep::Set,
            rules: RuleSet::default(),
        }
    }

    /// Records that `rule` decided what `detail` says.
    pub fn note(&mut self, rule: RuleId, detail: impl FnOnce() -> String) {
        self.rules.insert(rule);
        let detail = match self.keep {
            Keep::Details => detail(),
            Keep::Rules => String::new(),
            Keep::Set => return,
        };
        self.decisions.push(Decision { rule, detail });
    }

    /// The rules applied so far, whatever the trail records.
    #[must_use]
    pub fn rules(&self) -> RuleSet {
        self.rules
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
        self.rules.contains(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule-set trail knows the same rules as a recording one, and keeps no list.
    #[test]
    fn a_rule_set_trail_records_the_rules_a_list_would() {
        let mut list = Trail::rules_only();
        let mut set = Trail::rule_set();
        for rule in [RuleId::TOK_3, RuleId::TOK_1, RuleId::TOK_3] {
            list.note(rule, String::new);
            set.note(rule, String::new);
        }
        assert!(set.decisions().is_empty());
        assert_eq!(list.decisions().len(), 3);
        assert_eq!(list.rules(), set.rules());
        let mut rules: Vec<RuleId> = list.decisions().iter().map(|d| d.rule).collect();
        rules.sort();
        rules.dedup();
        assert_eq!(set.rules().iter().collect::<Vec<_>>(), rules);
        assert!(set.applied(RuleId::TOK_1) && !set.applied(RuleId::TOK_2));
        let last = RuleId::ALL.last().copied().expect("rules are registered");
        let mut edge = RuleSet::default();
        assert!(edge.is_empty());
        edge.insert(last);
        assert_eq!(edge.iter().collect::<Vec<_>>(), vec![last]);
        edge.extend(&set.rules());
        assert!(
            edge.contains(last) && edge.contains(RuleId::TOK_1) && edge.contains(RuleId::TOK_3)
        );
    }
}
