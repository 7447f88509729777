//! Playing a runtime scenario: a thin loop over `tokenhop_model::managed::step`. The
//! process starts, then each step's action (decoded once, at load) is stepped on the
//! model; its expectation is checked against the outcome, and the trace gives, for every
//! step, whom the thread runs as (or whom a resource sees) and the rules applied.

use serde::Serialize;

use tokenhop_model::RuleId;
use tokenhop_model::core::decision::Decision;
use tokenhop_model::managed::dotnet::FlowMode;
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::{Action, Misuse, Runtime as ModelRuntime, Value, step};

use super::load::PROCESS;
use super::{Place, Runtime, RuntimeExpect, RuntimeStep};

pub use tokenhop_model::managed::Shown;

/// The trace of a runtime run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuntimeTrace {
    /// The format version.
    pub version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Who produced it.
    pub engine: String,
    /// How the process flows identities (.NET processes).
    pub flow_mode: Option<String>,
    /// The rules that set the flow mode.
    pub setup_rules: Vec<String>,
    /// One entry per step.
    pub steps: Vec<RuntimeStepTrace>,
}

/// One step as traced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuntimeStepTrace {
    /// Its position.
    pub index: usize,
    /// Where it ran (a thread name, `entry`, or `T-SQL`).
    pub thread: String,
    /// The call in words.
    pub call: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// The exception it threw.
    pub error: Option<String>,
    /// Whom the thread runs as afterwards, or whom the step's subject sees.
    pub identity: Option<String>,
    /// For `open_connection`: whether the pool reused an idle connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<bool>,
    /// The rules applied.
    pub rules: Vec<String>,
}

/// One step as run.
#[derive(Clone, Debug)]
pub struct RuntimeStepRun {
    /// The step.
    pub step: RuntimeStep,
    /// The call in words.
    pub text: String,
    /// The exception, if it threw.
    pub error: Option<Exception>,
    /// Whom it shows.
    pub shown: Option<Shown>,
    /// The decisions taken.
    pub decisions: Vec<Decision>,
    /// Mismatches with the expectation.
    pub failures: Vec<String>,
}

/// A finished runtime run.
#[derive(Clone, Debug)]
pub struct RuntimeRun {
    /// The scenario.
    pub runtime: Runtime,
    /// The flow mode (.NET processes).
    pub mode: Option<FlowMode>,
    /// What setting up the process decided.
    pub setup: Vec<Decision>,
    /// The steps.
    pub steps: Vec<RuntimeStepRun>,
    /// Mismatches with `process.expect`.
    pub setup_failures: Vec<String>,
    /// The trace.
    pub trace: RuntimeTrace,
}

impl RuntimeRun {
    /// The steps whose expectations failed.
    pub fn failed(&self) -> impl Iterator<Item = &RuntimeStepRun> {
        self.steps.iter().filter(|s| !s.failures.is_empty())
    }

    /// How many expectations were checked, `process.expect` included.
    #[must_use]
    pub fn expectations(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.step.expect.is_some())
            .count()
            + usize::from(self.runtime.setup_expect.is_some())
    }

    /// Whether any expectation, `process.expect` included, was not met.
    #[must_use]
    pub fn unmet(&self) -> bool {
        !self.setup_failures.is_empty() || self.failed().next().is_some()
    }

    /// Every rule applied.
    #[must_use]
    pub fn rules_applied(&self) -> Vec<RuleId> {
        let mut rules: Vec<RuleId> = self
            .steps
            .iter()
            .flat_map(|s| s.decisions.iter().map(|d| d.rule))
            .chain(self.setup.iter().map(|d| d.rule))
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }
}

/// Why a loaded runtime scenario cannot be played: the model refuses one of its actions
/// (the loader lets no such scenario through; this says so, located, if one ever does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{span}: {what}: the model cannot play it: {misuse}")]
pub struct PlayError {
    /// The file.
    pub path: String,
    /// Where the step was written (the file's start for the process's start).
    pub span: crate::node::Span,
    /// The step (`step 3, queue(task_continuation) -> cb`) or the process's start.
    pub what: String,
    /// What the model refused.
    pub misuse: Misuse,
}

/// Runs `rt` on the model's step: the process starts, then each step's action is stepped,
/// its expectation checked, and its trace written.
pub fn run(rt: &Runtime) -> Result<RuntimeRun, PlayError> {
    let setup = &rt.setup;
    let refused = |span, what: String, misuse| PlayError {
        path: rt.path.display().to_string(),
        span,
        what,
        misuse,
    };
    let (mut state, started) =
        step(setup, &ModelRuntime::new(setup), &Action::Start).map_err(|m| {
            refused(
                crate::node::Span::default(),
                "the process's start".into(),
                m,
            )
        })?;
    let mode = state.mode();
    let mut steps = Vec::new();
    let mut traces = Vec::new();
    for s in &rt.steps {
        let (next, outcome) = step(setup, &state, &s.action)
            .map_err(|m| refused(s.span, format!("step {}, {}", s.index, s.text), m))?;
        state = next;
        let reused = match outcome.result {
            Ok(Value::Connection { reused, .. }) => Some(reused),
            _ => None,
        };
        let (run, trace) = record(
            rt,
            s,
            s.text.clone(),
            outcome.result.err(),
            outcome.shown,
            reused,
            outcome.decisions,
        );
        steps.push(run);
        traces.push(trace);
    }
    Ok(conclude(rt, mode, started.decisions, steps, traces))
}

/// One step as run and as traced, its expectation checked.
fn record(
    rt: &Runtime,
    s: &RuntimeStep,
    text: String,
    error: Option<Exception>,
    shown: Option<Shown>,
    reused: Option<bool>,
    decisions: Vec<Decision>,
) -> (RuntimeStepRun, RuntimeStepTrace) {
    let failures = s
        .expect
        .as_ref()
        .map(|e| check(rt, e, error, shown, reused, &decisions))
        .unwrap_or_default();
    let mut rules: Vec<String> = Vec::new();
    for d in &decisions {
        let code = d.rule.code().to_owned();
        if !rules.contains(&code) {
            rules.push(code);
        }
    }
    let trace = RuntimeStepTrace {
        index: s.index,
        thread: place_name(rt, s.place),
        call: text.clone(),
        ok: error.is_none(),
        error: error.map(Exception::name),
        identity: shown.map(|x| shown_name(rt, x)),
        reused,
        rules,
    };
    let run = RuntimeStepRun {
        step: s.clone(),
        text,
        error,
        shown,
        decisions,
        failures,
    };
    (run, trace)
}

/// The run: `process.expect` checked against what starting the process decided.
fn conclude(
    rt: &Runtime,
    mode: Option<FlowMode>,
    setup: Vec<Decision>,
    steps: Vec<RuntimeStepRun>,
    traces: Vec<RuntimeStepTrace>,
) -> RuntimeRun {
    let mut setup_failures = Vec::new();
    if let Some(e) = &rt.setup_expect {
        if let Some(want) = e.flow_mode {
            let got = mode.map_or("none", FlowMode::name);
            if got != want {
                setup_failures.push(format!("expected flow mode {want}, got {got}"));
            }
        }
        for rule in &e.rules {
            if !setup.iter().any(|d| d.rule == *rule) {
                setup_failures.push(format!(
                    "expected rule {} to be applied when the process starts",
                    rule.code()
                ));
            }
        }
    }
    let mut setup_rules: Vec<String> = Vec::new();
    for d in &setup {
        let code = d.rule.code().to_owned();
        if !setup_rules.contains(&code) {
            setup_rules.push(code);
        }
    }
    RuntimeRun {
        runtime: rt.clone(),
        mode,
        setup,
        steps,
        setup_failures,
        trace: RuntimeTrace {
            version: 1,
            scenario: rt.name.clone(),
            engine: "model".to_owned(),
            flow_mode: mode.map(|m| m.name().to_owned()),
            setup_rules,
            steps: traces,
        },
    }
}

/// An identity's name, `process` for identity 0 shown with the process's name.
#[must_use]
pub fn shown_name(rt: &Runtime, shown: Shown) -> String {
    rt.setup.shown(shown)
}

fn place_name(rt: &Runtime, place: Place) -> String {
    match place {
        Place::Thread(t) => rt.threads.get(t).cloned().unwrap_or_default(),
        Place::Entry => "entry".to_owned(),
        Place::Started(slot) => rt
            .slots
            .get(slot)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        Place::Statement => "T-SQL".to_owned(),
    }
}

/// Compares a step with its expectation.
fn check(
    rt: &Runtime,
    e: &RuntimeExpect,
    error: Option<Exception>,
    shown: Option<Shown>,
    reused: Option<bool>,
    decisions: &[Decision],
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(want) = e.reused
        && reused != Some(want)
    {
        failures.push(match reused {
            Some(got) => format!(
                "expected the pool to {} a connection, it {}",
                if want { "reuse" } else { "open" },
                if got { "reused one" } else { "opened one" }
            ),
            None => "expected a connection from the pool, the step opened none".to_owned(),
        });
    }
    if let Some(ok) = e.ok
        && ok != error.is_none()
    {
        failures.push(match error {
            Some(x) => format!("expected success, got {x}"),
            None => "expected an exception, the call succeeded".to_owned(),
        });
    }
    if let Some(want) = &e.error {
        match error {
            Some(x) if x.name() == *want => {}
            Some(x) => failures.push(format!("expected {want}, got {}", x.name())),
            None => failures.push(format!("expected {want}, the call succeeded")),
        }
    }
    if let Some(want) = &e.identity {
        let matches = match shown {
            Some(Shown::Id(0)) if want == PROCESS => true,
            Some(Shown::Null) => want == "null",
            Some(Shown::Anonymous) => want == "anonymous",
            Some(s) => shown_name(rt, s).eq_ignore_ascii_case(want),
            None => false,
        };
        if !matches {
            failures.push(format!(
                "expected identity {want}, got {}",
                shown.map_or_else(|| "none".to_owned(), |s| shown_name(rt, s))
            ));
        }
    }
    for rule in &e.rules {
        if !decisions.iter().any(|d| d.rule == *rule) {
            failures.push(format!("expected rule {} to be applied", rule.code()));
        }
    }
    failures
}
