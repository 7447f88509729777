//! A conformance report over a set of scripts: each script's comparison, its differences
//! split into those a known-differences entry explains and those none does, and the
//! entries that explained nothing (stale). The report passes when every difference is
//! explained and no entry is stale.

use crate::compare::{Comparison, Difference, StepVerdict};
use crate::known::{KnownDifference, KnownDifferences};

/// One difference, with the entry that explains it, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The step.
    pub step: usize,
    /// The call.
    pub call: String,
    /// The difference.
    pub difference: Difference,
    /// The rules the model applied at that step.
    pub rules: Vec<String>,
    /// The known-differences entry that explains it.
    pub known: Option<KnownDifference>,
}

/// One script's result.
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptResult {
    /// The comparison.
    pub comparison: Comparison,
    /// Its differences, each classified.
    pub findings: Vec<Finding>,
}

impl ScriptResult {
    /// Steps that agree, differ and were skipped.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        self.comparison.counts()
    }

    /// Differences no entry explains.
    pub fn unexplained(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.known.is_none())
    }
}

/// The report over a set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// Each script.
    pub scripts: Vec<ScriptResult>,
    /// Entries that explained no difference.
    pub stale: Vec<KnownDifference>,
    /// The known-differences file the report was classified against.
    pub known: Option<std::path::PathBuf>,
}

impl Report {
    /// Classifies `comparisons` against `known`.
    #[must_use]
    pub fn new(comparisons: Vec<Comparison>, known: Option<&KnownDifferences>) -> Self {
        let mut used = vec![false; known.map_or(0, |k| k.differences.len())];
        let scripts = comparisons
            .into_iter()
            .map(|comparison| {
                let mut findings = Vec::new();
                for (step, call, verdict) in &comparison.steps {
                    let StepVerdict::Differ { differences, rules } = verdict else {
                        continue;
                    };
                    for d in differences {
                        let entry = known.and_then(|k| {
                            k.differences
                                .iter()
                                .position(|e| e.explains(&comparison.scenario, *step, &d.field))
                        });
                        if let Some(i) = entry {
                            used[i] = true;
                        }
                        findings.push(Finding {
                            step: *step,
                            call: call.clone(),
                            difference: d.clone(),
                            rules: rules.clone(),
                            known: entry.and_then(|i| known.map(|k| k.differences[i].clone())),
                        });
                    }
                }
                ScriptResult {
                    comparison,
                    findings,
                }
            })
            .collect::<Vec<_>>();
        let compared: Vec<&str> = scripts
            .iter()
            .map(|s| s.comparison.scenario.as_str())
            .collect();
        let stale = known
            .map(|k| {
                k.differences
                    .iter()
                    .zip(&used)
                    .filter(|(e, used)| !**used && compared.contains(&e.script.as_str()))
                    .map(|(e, _)| e.clone())
                    .collect()
            })
            .unwrap_or_default();
        Report {
            scripts,
            stale,
            known: known.map(|k| k.path.clone()),
        }
    }

    /// Steps that agree, differ (explained and not) and were skipped, over every script.
    #[must_use]
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for s in &self.scripts {
            let (agree, differ, skipped) = s.counts();
            t.scripts += 1;
            t.agree += agree;
            t.differ += differ;
            t.skipped += skipped;
            t.explained += s.findings.iter().filter(|f| f.known.is_some()).count();
            t.unexplained += s.unexplained().count();
            if differ == 0 && agree > 0 {
                t.scripts_agreeing += 1;
            }
        }
        t
    }

    /// Whether every difference is explained and no entry is stale.
    #[must_use]
    pub fn passes(&self) -> bool {
        self.stale.is_empty()
            && self
                .scripts
                .iter()
                .all(|s| s.unexplained().next().is_none())
    }
}

/// Totals over a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Scripts compared.
    pub scripts: usize,
    /// Scripts all of whose run steps agree.
    pub scripts_agreeing: usize,
    /// Steps that agree.
    pub agree: usize,
    /// Steps that differ.
    pub differ: usize,
    /// Steps skipped on either side.
    pub skipped: usize,
    /// Differences (fields) a known entry explains.
    pub explained: usize,
    /// Differences no entry explains.
    pub unexplained: usize,
}
