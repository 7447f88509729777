//! The model as a host of the step loop ([`crate::host`]): each resolved call is checked
//! to be possible ([`tokenhop_model::machine::enabled`]) and made with
//! [`tokenhop_model::step`] on the world the model keeps; its outcome, with every decision
//! taken, is what it reports. [`run`] runs a script on it and keeps what the narration
//! needs.

use tokenhop_model::machine::action::Action;
use tokenhop_model::machine::enabled;
use tokenhop_model::machine::ids::ThreadId;
use tokenhop_model::machine::outcome::Outcome;
use tokenhop_model::{Call, RuleId, World, step};

use crate::host::{self, Host, Performed, Refusal, Unmade, rule_codes};
use crate::scenario::Scenario;
use crate::step::Step;
use crate::trace::{Platform, value_json};

/// One step as run.
#[derive(Clone, Debug)]
pub struct StepRun {
    /// The step.
    pub step: Step,
    /// The outcome, unless the step was skipped.
    pub outcome: Option<Outcome>,
    /// Mismatches with the step's expectation.
    pub failures: Vec<String>,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Run {
    /// The scenario.
    pub scenario: Scenario,
    /// The trace.
    pub trace: crate::trace::Trace,
    /// Each step with its decisions.
    pub steps: Vec<StepRun>,
    /// The world after the last step.
    pub world: World,
}

impl Run {
    /// How many expectations were checked.
    #[must_use]
    pub fn expectations(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.step.expect.is_some())
            .count()
    }

    /// The steps whose expectations failed.
    pub fn failed(&self) -> impl Iterator<Item = &StepRun> {
        self.steps.iter().filter(|s| !s.failures.is_empty())
    }

    /// Every rule applied, in the setup or a step.
    #[must_use]
    pub fn rules_applied(&self) -> Vec<RuleId> {
        let mut rules: Vec<RuleId> = self
            .scenario
            .setup
            .iter()
            .chain(
                self.steps
                    .iter()
                    .flat_map(|s| s.outcome.iter().flat_map(|o| o.decisions.iter())),
            )
            .map(|d| d.rule)
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }
}

/// The model, as a host: the world after the steps so far.
#[derive(Clone, Debug)]
pub struct Model {
    world: World,
    setup_rules: Vec<String>,
}

impl Model {
    /// The model in `scenario`'s starting world.
    #[must_use]
    pub fn new(scenario: &Scenario) -> Self {
        let rules: Vec<RuleId> = scenario.setup.iter().map(|d| d.rule).collect();
        Model {
            world: scenario.world.clone(),
            setup_rules: rule_codes(&rules),
        }
    }

    /// The world after the steps performed so far.
    #[must_use]
    pub fn world(&self) -> &World {
        &self.world
    }
}

impl Host for Model {
    type Report = Outcome;

    fn engine(&self) -> String {
        "model".to_owned()
    }

    fn platform(&self) -> Platform {
        let windows = self.world.settings.windows;
        Platform {
            os: format!("model of {windows}"),
            build: windows.name().to_owned(),
        }
    }

    fn setup_rules(&self) -> Vec<String> {
        self.setup_rules.clone()
    }

    fn unmade(&self) -> Unmade {
        Unmade::Null
    }

    fn hosts(&self, _thread: ThreadId) -> Result<(), String> {
        Ok(())
    }

    fn perform(&mut self, thread: ThreadId, call: Call) -> Result<Performed<Outcome>, Refusal> {
        let action = Action {
            caller: thread,
            call,
        };
        if let Err(why) = enabled::check(&self.world, &action) {
            return Err(Refusal::Blocked(why.to_string()));
        }
        let (next, outcome) = step(&self.world, &action);
        self.world = next;
        let (ok, error, value, created) = match &outcome.result {
            Ok(success) => (
                true,
                success.last_error,
                value_json(&success.value),
                success.created,
            ),
            Err(e) => (false, Some(*e), serde_json::Value::Null, None),
        };
        Ok(Performed {
            ok,
            error: error.map(|e| e.symbol().to_owned()),
            code: error.map_or(0, |e| e.code()),
            value,
            rules: outcome.decisions.iter().map(|d| d.rule).collect(),
            created,
            report: outcome,
        })
    }
}

/// Runs `scenario` on the model.
#[must_use]
pub fn run(scenario: &Scenario) -> Run {
    let mut model = Model::new(scenario);
    let ran = host::run(scenario, &mut model);
    let steps = scenario
        .steps
        .iter()
        .zip(ran.steps)
        .map(|(step, s)| StepRun {
            step: step.clone(),
            outcome: s.report,
            failures: s.failures,
        })
        .collect();
    Run {
        scenario: scenario.clone(),
        trace: ran.trace,
        steps,
        world: model.world,
    }
}
