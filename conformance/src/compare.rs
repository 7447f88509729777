//! Step-by-step comparison of two traces of one script.

use std::collections::HashMap;

use serde_json::Value;
use tokenhop_sim::trace::{Trace, TraceStep};

/// One field on which two steps disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// `ok`, `error` or `value` (with a path into the value).
    pub field: String,
    /// What the model says.
    pub model: Value,
    /// What was observed.
    pub observed: Value,
}

/// How one step compares.
#[derive(Clone, Debug, PartialEq)]
pub enum StepVerdict {
    /// Both agree on ok, error and value.
    Agree,
    /// They differ; the rules are the model's, to explain its side.
    Differ {
        /// The differences.
        differences: Vec<Difference>,
        /// The rules the model applied.
        rules: Vec<String>,
    },
    /// One side did not run the step.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// The comparison of two traces.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The scenario.
    pub scenario: String,
    /// Each step, by index.
    pub steps: Vec<(usize, String, StepVerdict)>,
}

impl Comparison {
    /// How many steps agree, differ and were skipped.
    #[must_use]
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for (_, _, v) in &self.steps {
            match v {
                StepVerdict::Agree => c.0 += 1,
                StepVerdict::Differ { .. } => c.1 += 1,
                StepVerdict::Skipped { .. } => c.2 += 1,
            }
        }
        c
    }
}

/// Why two traces cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    /// The traces are of different scripts.
    #[error("the traces are of different scripts: `{model}` and `{observed}`")]
    Scenario {
        /// The model's scenario.
        model: String,
        /// The observed scenario.
        observed: String,
    },
    /// A step of the observed trace is another call than the script's step.
    #[error(
        "step {index} is {model} in the script but {observed} in the trace: the trace is of another version of the script"
    )]
    Step {
        /// The step.
        index: usize,
        /// The script's call.
        model: String,
        /// The trace's call.
        observed: String,
    },
}

/// Compares the model's trace with an observed one.
pub fn compare(model: &Trace, observed: &Trace) -> Result<Comparison, CompareError> {
    if model.scenario != observed.scenario {
        return Err(CompareError::Scenario {
            model: model.scenario.clone(),
            observed: observed.scenario.clone(),
        });
    }
    let mut model_luids = Luids::default();
    let mut observed_luids = Luids::default();
    let by_index: HashMap<usize, &TraceStep> =
        observed.steps.iter().map(|s| (s.index, s)).collect();
    for m in &model.steps {
        if let Some(o) = by_index.get(&m.index).filter(|o| o.call != m.call) {
            return Err(CompareError::Step {
                index: m.index,
                model: m.call.clone(),
                observed: o.call.clone(),
            });
        }
    }
    let mut steps = Vec::new();
    for m in &model.steps {
        let verdict = match by_index.get(&m.index) {
            None => StepVerdict::Skipped {
                reason: "the observed trace has no such step".to_owned(),
            },
            Some(o) => match (&m.skipped, &o.skipped) {
                (Some(r), _) => StepVerdict::Skipped {
                    reason: format!("the model did not run it: {r}"),
                },
                (_, Some(r)) => StepVerdict::Skipped {
                    reason: format!("not run where observed: {r}"),
                },
                _ => {
                    let mv = model_luids.canonical(&m.value);
                    let ov = observed_luids.canonical(&o.value);
                    let mut differences = Vec::new();
                    if m.ok != o.ok {
                        differences.push(Difference {
                            field: "ok".to_owned(),
                            model: Value::Bool(m.ok),
                            observed: Value::Bool(o.ok),
                        });
                    }
                    if m.error != o.error {
                        differences.push(Difference {
                            field: "error".to_owned(),
                            model: m.error.clone().map_or(Value::Null, Value::String),
                            observed: o.error.clone().map_or(Value::Null, Value::String),
                        });
                    }
                    diff_values("value", &mv, &ov, &mut differences);
                    if differences.is_empty() {
                        StepVerdict::Agree
                    } else {
                        StepVerdict::Differ {
                            differences,
                            rules: m.rules.clone(),
                        }
                    }
                }
            },
        };
        steps.push((m.index, m.call.clone(), verdict));
    }
    Ok(Comparison {
        scenario: model.scenario.clone(),
        steps,
    })
}

fn diff_values(at: &str, model: &Value, observed: &Value, out: &mut Vec<Difference>) {
    match (model, observed) {
        (Value::Object(m), Value::Object(o)) => {
            let mut keys: Vec<&String> = m.keys().chain(o.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let here = format!("{at}.{k}");
                diff_values(
                    &here,
                    m.get(k).unwrap_or(&Value::Null),
                    o.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(m), Value::Array(o))
            if m.iter().all(Value::is_string) && o.iter().all(Value::is_string) =>
        {
            let mut ms: Vec<&Value> = m.iter().collect();
            let mut os: Vec<&Value> = o.iter().collect();
            ms.sort_by_key(|v| v.as_str().unwrap_or_default().to_owned());
            os.sort_by_key(|v| v.as_str().unwrap_or_default().to_owned());
            if ms != os {
                out.push(Difference {
                    field: at.to_owned(),
                    model: model.clone(),
                    observed: observed.clone(),
                });
            }
        }
        (m, o) if m != o => out.push(Difference {
            field: at.to_owned(),
            model: m.clone(),
            observed: o.clone(),
        }),
        _ => {}
    }
}

/// Renames a trace's LUIDs in order of first appearance.
#[derive(Default)]
struct Luids {
    names: HashMap<String, String>,
}

const FIXED: &[&str] = &["0x0", "0x3e4", "0x3e5", "0x3e6", "0x3e7"];

impl Luids {
    fn canonical(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) if is_luid(s) && !FIXED.contains(&s.as_str()) => {
                let next = self.names.len() + 1;
                Value::String(
                    self.names
                        .entry(s.clone())
                        .or_insert_with(|| format!("luid#{next}"))
                        .clone(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.canonical(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.canonical(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

fn is_luid(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
}
