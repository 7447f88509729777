//! The old path's run of a script on the model (kept until the differential test has shown
//! the step loop agrees with it): each step's arguments decoded again against the live
//! world and the names earlier steps bound.

use std::cell::RefCell;
use std::collections::HashMap;

use tokenhop_model::core::decision::Decision;
use tokenhop_model::machine::action::{
    Action, BindingRef, ContextRef, CredentialsRef, HandleRef, ProxyRef,
};
use tokenhop_model::machine::enabled;
use tokenhop_model::machine::ids::{
    BindingId, ContextId, CredentialsId, HandleId, ObjectId, ProcessId, ProxyId, ThreadId,
};
use tokenhop_model::machine::outcome::{Created, Outcome};
use tokenhop_model::machine::rights::ObjectType;
use tokenhop_model::{RuleId, World, step};

use crate::expect;
use crate::interpret::{Run, StepRun};
use crate::legacy::calls;
use crate::legacy::scope::Scope;
use crate::scenario::{Scenario, Step};
use crate::trace::{Platform, TRACE_VERSION, Trace, TraceStep, value_json};

#[derive(Clone, Copy, Debug)]
enum Bound {
    Handle(Option<HandleId>),
    Binding(Option<BindingId>),
    Credentials(Option<CredentialsId>),
    Context(Option<ContextId>),
    Proxy(Option<ProxyId>),
    Thread(Option<ThreadId>),
    Process(Option<(ProcessId, ThreadId)>),
}

struct LiveScope<'a> {
    world: &'a World,
    bound: &'a HashMap<String, Bound>,
    missing: RefCell<Vec<String>>,
}

impl Scope for LiveScope<'_> {
    fn world(&self) -> &World {
        self.world
    }
    fn thread(&self, name: &str) -> Option<Option<ThreadId>> {
        match self.bound.get(name) {
            Some(Bound::Thread(t)) => Some(*t),
            Some(Bound::Process(p)) => Some(p.map(|(_, t)| t)),
            _ => self.world.find_thread(name).map(Some),
        }
    }
    fn process(&self, name: &str) -> Option<Option<ProcessId>> {
        match self.bound.get(name) {
            Some(Bound::Process(Some((p, _)))) => Some(Some(*p)),
            Some(Bound::Process(None)) => {
                self.missing.borrow_mut().push(name.to_owned());
                None
            }
            _ => self.world.find_process(name).map(Some),
        }
    }
    fn object(&self, name: &str) -> Option<(Option<ObjectId>, ObjectType)> {
        let found = self
            .world
            .find_object(name)
            .map(|id| (Some(id), self.world.object(id).object_type));
        if found.is_none() {
            self.missing.borrow_mut().push(name.to_owned());
        }
        found
    }
    fn handle(&self, name: &str) -> Option<HandleRef> {
        match self.bound.get(name) {
            Some(Bound::Handle(h)) => Some(*h),
            _ => None,
        }
    }
    fn binding(&self, name: &str) -> Option<BindingRef> {
        match self.bound.get(name) {
            Some(Bound::Binding(b)) => Some(*b),
            _ => None,
        }
    }
    fn credentials(&self, name: &str) -> Option<CredentialsRef> {
        match self.bound.get(name) {
            Some(Bound::Credentials(c)) => Some(*c),
            _ => None,
        }
    }
    fn context(&self, name: &str) -> Option<ContextRef> {
        match self.bound.get(name) {
            Some(Bound::Context(c)) => Some(*c),
            _ => None,
        }
    }
    fn proxy(&self, name: &str) -> Option<ProxyRef> {
        match self.bound.get(name) {
            Some(Bound::Proxy(p)) => Some(*p),
            _ => None,
        }
    }
    fn names(&self, _kind: &str) -> Vec<String> {
        Vec::new()
    }
}

/// Runs `scenario` on the model.
#[must_use]
pub fn run(scenario: &Scenario) -> Run {
    let mut world = scenario.world.clone();
    let mut bound: HashMap<String, Bound> = HashMap::new();
    let mut trace_steps = Vec::new();
    let mut runs = Vec::new();
    for s in &scenario.steps {
        let scope = LiveScope {
            world: &world,
            bound: &bound,
            missing: RefCell::new(Vec::new()),
        };
        let caller = scope.thread(&s.thread).flatten();
        let decoded = match calls::find(s.call.name()) {
            Some(spec) => calls::decode(spec, s.args.as_ref(), "args", s.out.as_deref(), &scope),
            None => Err(crate::error::Fault::new(
                s.span,
                "call",
                "not a call of the old path",
            )),
        };
        let missing = scope.missing.into_inner();
        let blocked = match (caller, &decoded) {
            (Some(caller), Ok(call)) if missing.is_empty() => enabled::check(
                &world,
                &Action {
                    caller,
                    call: call.clone(),
                },
            )
            .err(),
            _ => None,
        };
        let (caller, call) = match (caller, decoded) {
            (Some(caller), Ok(call)) if missing.is_empty() && blocked.is_none() => (caller, call),
            (caller, decoded) => {
                let reason = if let Some(why) = &blocked {
                    format!("the step cannot happen: {why}")
                } else if caller.is_none() {
                    format!(
                        "thread `{}` does not exist: the step that was to create it failed",
                        s.thread
                    )
                } else if !missing.is_empty() {
                    format!(
                        "`{}` does not exist: the step that was to create it failed",
                        missing.join("`, `")
                    )
                } else {
                    decoded.err().map_or_else(String::new, |f| f.to_string())
                };
                if let Some(out) = &s.out {
                    bind_failure(&mut bound, s, out);
                }
                let step = TraceStep {
                    index: s.index,
                    thread: s.thread.clone(),
                    call: s.call.name().to_owned(),
                    ok: false,
                    error: None,
                    code: 0,
                    value: serde_json::Value::Null,
                    rules: Vec::new(),
                    skipped: Some(reason.clone()),
                };
                let failures = if s.expect.is_some() || blocked.is_some() {
                    vec![format!("the step could not run: {reason}")]
                } else {
                    Vec::new()
                };
                trace_steps.push(step);
                runs.push(StepRun {
                    step: s.clone(),
                    outcome: None,
                    failures,
                });
                continue;
            }
        };
        let (next, outcome) = step(&world, &Action { caller, call });
        world = next;
        if let Some(out) = &s.out {
            match &outcome.result {
                Ok(success) => match success.created {
                    Some(Created::Handle(h) | Created::Object(_, h)) => {
                        bound.insert(out.clone(), Bound::Handle(Some(h)));
                    }
                    Some(Created::Thread(t)) => {
                        bound.insert(out.clone(), Bound::Thread(Some(t)));
                    }
                    Some(Created::Process(p, t)) => {
                        bound.insert(out.clone(), Bound::Process(Some((p, t))));
                    }
                    Some(Created::Binding(b)) => {
                        bound.insert(out.clone(), Bound::Binding(Some(b)));
                    }
                    Some(Created::Credentials(c)) => {
                        bound.insert(out.clone(), Bound::Credentials(Some(c)));
                    }
                    Some(Created::Context(c)) => {
                        bound.insert(out.clone(), Bound::Context(Some(c)));
                    }
                    Some(Created::Proxy(p)) => {
                        bound.insert(out.clone(), Bound::Proxy(Some(p)));
                    }
                    None => bind_failure(&mut bound, s, out),
                },
                Err(_) => bind_failure(&mut bound, s, out),
            }
        }
        let step = trace_step(s, &outcome);
        let applied: Vec<RuleId> = outcome.decisions.iter().map(|d| d.rule).collect();
        let failures = s
            .expect
            .as_ref()
            .map(|e| expect::check(e, &step, &applied))
            .unwrap_or_default();
        trace_steps.push(step);
        runs.push(StepRun {
            step: s.clone(),
            outcome: Some(outcome),
            failures,
        });
    }
    let trace = Trace {
        version: TRACE_VERSION,
        scenario: scenario.name.clone(),
        engine: "model".to_owned(),
        platform: Platform {
            os: format!("model of {}", scenario.world.settings.windows),
            build: scenario.world.settings.windows.name().to_owned(),
        },
        setup_rules: rule_codes(&scenario.setup),
        steps: trace_steps,
    };
    Run {
        scenario: scenario.clone(),
        trace,
        steps: runs,
        world,
    }
}

fn bind_failure(bound: &mut HashMap<String, Bound>, s: &Step, out: &str) {
    let b = match calls::find(s.call.name()).and_then(|c| c.out) {
        Some(crate::scope::OutKind::Thread) => Bound::Thread(None),
        Some(crate::scope::OutKind::Process) => Bound::Process(None),
        Some(crate::scope::OutKind::Binding) => Bound::Binding(None),
        Some(crate::scope::OutKind::Credentials) => Bound::Credentials(None),
        Some(crate::scope::OutKind::Context) => Bound::Context(None),
        Some(crate::scope::OutKind::Proxy) => Bound::Proxy(None),
        _ => Bound::Handle(None),
    };
    bound.insert(out.to_owned(), b);
}

fn rule_codes(decisions: &[Decision]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for d in decisions {
        let code = d.rule.code().to_owned();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

fn trace_step(s: &Step, outcome: &Outcome) -> TraceStep {
    let (ok, error, value) = match &outcome.result {
        Ok(success) => (true, success.last_error, value_json(&success.value)),
        Err(e) => (false, Some(*e), serde_json::Value::Null),
    };
    TraceStep {
        index: s.index,
        thread: s.thread.clone(),
        call: s.call.name().to_owned(),
        ok,
        error: error.map(|e| e.symbol().to_owned()),
        code: error.map_or(0, |e| e.code()),
        value,
        rules: rule_codes(&outcome.decisions),
        skipped: None,
    }
}
