//! The step loop: how a script runs on any host, the model or a real machine. The loop
//! owns what a script adds around its calls, once for every host: which thread makes each
//! call, what each `out` binds, resolving a step's references to what earlier steps made,
//! skipping (with the reason) what cannot run, checking expectations, and writing the
//! trace. A [`Host`] performs one resolved call at a time and decides nothing else.
//!
//! A step is skipped, and the run goes on, when its thread or an argument names something
//! the step that was to make it did not make ([`Unmade`] says what a host does with a
//! handle argument in that case), or when the host says the call cannot happen now
//! ([`Refusal::Blocked`], which fails the script). When a host cannot perform a step
//! faithfully ([`Refusal::Unsupported`], or [`Host::hosts`] refuses its thread), that step
//! and every later one are skipped: the host no longer follows the script.

use std::sync::Arc;

use serde_json::Value as Json;
use tokenhop_model::machine::action::{
    BindingRef, CallRef, ContextRef, CredentialsRef, HandleRef, Ids, ProcessRef, ProxyRef, Resolve,
    ThreadRef,
};
use tokenhop_model::machine::ids::{ObjectId, ThreadId};
use tokenhop_model::machine::outcome::Created;
use tokenhop_model::{Call, RuleId};

use crate::expect;
use crate::refs::{CallArg, Made, Named, ProcessArg, Symbolic, ThreadArg};
use crate::scenario::Scenario;
use crate::scope::OutKind;
use crate::step::Step;
use crate::trace::{Platform, TRACE_VERSION, Trace, TraceStep};

/// What a host does with a handle argument that names a handle (binding, credentials,
/// context, proxy, or a thread's handle) the step that was to make it did not make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmade {
    /// Passes NULL, what the failed call left in its output variable (HND-1): the model.
    Null,
    /// Skips the step: a host under test whose earlier step failed where the model's may
    /// not have, so the step's inputs are not the model's and comparing it tells nothing.
    Skip,
}

/// Why a host did not perform a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The call cannot happen now (its thread waits for a call to return, ...): the
    /// script asks for something impossible, which fails it; the run goes on.
    Blocked(String),
    /// The host cannot perform the call faithfully: it no longer follows the script.
    Unsupported(String),
}

/// What a host reports of a call it performed.
#[derive(Clone, Debug, PartialEq)]
pub struct Performed<R> {
    /// Whether the call succeeded.
    pub ok: bool,
    /// The status's symbol (the failure's, or the last error a successful call left).
    pub error: Option<String>,
    /// Its numeric code (0 when there is none).
    pub code: u32,
    /// What the call reported, in the trace's vocabulary.
    pub value: Json,
    /// The rules the host applied, in order (only the model has any).
    pub rules: Vec<RuleId>,
    /// What the call made, for the step's `out` (or, for CreateObject, its object).
    pub created: Option<Created>,
    /// Whatever else the host reports (the model: its outcome, with every decision).
    pub report: R,
}

/// Something that performs a script's calls: one resolved call at a time.
pub trait Host {
    /// What the host reports of a call beyond the trace.
    type Report;
    /// What the trace says the script ran on (`model`, `windows`, `wine`, ...).
    fn engine(&self) -> String;
    /// The platform.
    fn platform(&self) -> Platform;
    /// The rules the host applied setting the script up (only the model has any).
    fn setup_rules(&self) -> Vec<String> {
        Vec::new()
    }
    /// What the host does with a handle argument a failed step did not make.
    fn unmade(&self) -> Unmade;
    /// Why the host cannot run the script at all, if it cannot.
    fn unmet(&self) -> Option<String> {
        None
    }
    /// Whether the host runs `thread` (one of the script's, or one a step made), and if
    /// not why.
    fn hosts(&self, thread: ThreadId) -> Result<(), String>;
    /// Performs `call` on the host's thread standing for `thread`.
    fn perform(&mut self, thread: ThreadId, call: Call)
    -> Result<Performed<Self::Report>, Refusal>;
}

/// One step as the loop ran it.
#[derive(Clone, Debug)]
pub struct Stepped<R> {
    /// The host's report, unless the step was skipped.
    pub report: Option<R>,
    /// Mismatches with the step's expectation.
    pub failures: Vec<String>,
}

/// A finished run: its trace, and each step's report and failures.
#[derive(Clone, Debug)]
pub struct Ran<R> {
    /// The trace.
    pub trace: Trace,
    /// The steps, in order.
    pub steps: Vec<Stepped<R>>,
}

/// Why the loop did not perform a step.
enum Skipped {
    /// It names something a failed or skipped step did not make.
    Unmade(String),
    /// The host says it cannot happen now.
    Blocked(String),
    /// The host cannot follow the script any more.
    Unsupported(String),
}

/// Runs `scenario` on `host`.
pub fn run<H: Host>(scenario: &Scenario, host: &mut H) -> Ran<H::Report> {
    let unmet = host.unmet();
    let mut diverged: Option<usize> = None;
    let mut made: Vec<Option<Created>> = Vec::with_capacity(scenario.steps.len());
    let mut trace_steps = Vec::with_capacity(scenario.steps.len());
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for s in &scenario.steps {
        let attempt = match (&unmet, diverged) {
            (Some(why), _) => Err(Skipped::Unsupported(why.clone())),
            (None, Some(first)) => Err(Skipped::Unsupported(format!(
                "step {first} was skipped, so this machine no longer follows the script"
            ))),
            (None, None) => perform(s, &made, host),
        };
        let (trace_step, stepped, created) = match attempt {
            Ok(performed) => performed_step(s, performed),
            Err(skipped) => {
                if matches!(skipped, Skipped::Unsupported(_)) {
                    diverged.get_or_insert(s.index);
                }
                let (trace_step, stepped) = skipped_step(s, skipped);
                (trace_step, stepped, None)
            }
        };
        made.push(created);
        trace_steps.push(trace_step);
        steps.push(stepped);
    }
    Ran {
        trace: Trace {
            version: TRACE_VERSION,
            scenario: scenario.name.clone(),
            engine: host.engine(),
            platform: host.platform(),
            setup_rules: host.setup_rules(),
            steps: trace_steps,
        },
        steps,
    }
}

/// Resolves step `s` against what earlier steps made and has `host` perform it.
fn perform<H: Host>(
    s: &Step,
    made: &[Option<Created>],
    host: &mut H,
) -> Result<Performed<H::Report>, Skipped> {
    let caller = match &s.caller {
        Named::Declared(t) => *t,
        Named::Made(m) => match made.get(m.step).copied().flatten() {
            Some(Created::Thread(t) | Created::Process(_, t)) => t,
            _ => {
                return Err(Skipped::Unmade(format!(
                    "thread `{}` does not exist: the step that was to create it failed",
                    s.thread
                )));
            }
        },
    };
    host.hosts(caller).map_err(Skipped::Unsupported)?;
    let mut bindings = Bindings {
        made,
        unmade: host.unmade(),
    };
    let call = s
        .call
        .resolve(&mut bindings)
        .map_err(|u| Skipped::Unmade(u.to_string()))?;
    host.perform(caller, call).map_err(|r| match r {
        Refusal::Blocked(why) => Skipped::Blocked(why),
        Refusal::Unsupported(why) => Skipped::Unsupported(why),
    })
}

fn performed_step<R>(s: &Step, p: Performed<R>) -> (TraceStep, Stepped<R>, Option<Created>) {
    let step = TraceStep {
        index: s.index,
        thread: s.thread.clone(),
        call: s.call.name().to_owned(),
        ok: p.ok,
        error: p.error,
        code: p.code,
        value: p.value,
        rules: rule_codes(&p.rules),
        skipped: None,
    };
    let failures = s
        .expect
        .as_ref()
        .map(|e| expect::check(e, &step, &p.rules))
        .unwrap_or_default();
    let created = p.created.filter(|_| p.ok);
    (
        step,
        Stepped {
            report: Some(p.report),
            failures,
        },
        created,
    )
}

fn skipped_step<R>(s: &Step, skipped: Skipped) -> (TraceStep, Stepped<R>) {
    let (reason, blocked) = match skipped {
        Skipped::Unmade(why) | Skipped::Unsupported(why) => (why, false),
        Skipped::Blocked(why) => (format!("the step cannot happen: {why}"), true),
    };
    let failures = if s.expect.is_some() || blocked {
        vec![format!("the step could not run: {reason}")]
    } else {
        Vec::new()
    };
    let step = TraceStep {
        index: s.index,
        thread: s.thread.clone(),
        call: s.call.name().to_owned(),
        ok: false,
        error: None,
        code: 0,
        value: Json::Null,
        rules: Vec::new(),
        skipped: Some(reason),
    };
    (
        step,
        Stepped {
            report: None,
            failures,
        },
    )
}

/// The codes of `rules`, each once, in order of first use.
#[must_use]
pub fn rule_codes(rules: &[RuleId]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for rule in rules {
        let code = rule.code();
        if !codes.iter().any(|c| c == code) {
            codes.push(code.to_owned());
        }
    }
    codes
}

/// Why a reference of a step does not resolve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum Unresolved {
    /// The step that was to make it did not.
    #[error("`{0}` does not exist: the step that was to create it failed")]
    Unmade(Arc<str>),
    /// The step that binds it made something of another kind.
    #[error("`{name}` is not {}: the step that binds it made something else", .expected.word())]
    Mismatch {
        /// The name.
        name: Arc<str>,
        /// What the argument needs.
        expected: OutKind,
    },
}

/// What earlier steps made (by step index), for resolving a step's references.
struct Bindings<'a> {
    made: &'a [Option<Created>],
    unmade: Unmade,
}

impl Bindings<'_> {
    /// What `m`'s step made, if it made something.
    fn made(&self, m: &Made) -> Option<Created> {
        self.made.get(m.step).copied().flatten()
    }

    /// A handle-like argument: `pick` takes the id out of what the step made.
    fn handle_like<T>(
        &self,
        r: &Option<Made>,
        expected: OutKind,
        pick: impl Fn(Created) -> Option<T>,
    ) -> Result<Option<T>, Unresolved> {
        let Some(m) = r else {
            return Ok(None);
        };
        match self.made(m) {
            Some(created) => pick(created).map(Some).ok_or_else(|| Unresolved::Mismatch {
                name: m.name.clone(),
                expected,
            }),
            None => match self.unmade {
                Unmade::Null => Ok(None),
                Unmade::Skip => Err(Unresolved::Unmade(m.name.clone())),
            },
        }
    }

    /// A thread a step made (a new thread, or a new process's first thread).
    fn made_thread(&self, m: &Made) -> Result<Option<ThreadId>, Unresolved> {
        match self.made(m) {
            Some(Created::Thread(t) | Created::Process(_, t)) => Ok(Some(t)),
            Some(_) => Err(Unresolved::Mismatch {
                name: m.name.clone(),
                expected: OutKind::Thread,
            }),
            None => Ok(None),
        }
    }
}

impl Resolve<Symbolic, Ids> for Bindings<'_> {
    type Error = Unresolved;

    fn handle(&mut self, r: &Option<Made>) -> Result<HandleRef, Unresolved> {
        self.handle_like(r, OutKind::Handle, |c| match c {
            Created::Handle(h) | Created::Object(_, h) => Some(h),
            _ => None,
        })
    }

    fn thread(&mut self, r: &Named<ThreadId>) -> Result<ThreadId, Unresolved> {
        match r {
            Named::Declared(t) => Ok(*t),
            Named::Made(m) => self
                .made_thread(m)?
                .ok_or_else(|| Unresolved::Unmade(m.name.clone())),
        }
    }

    fn thread_ref(&mut self, r: &ThreadArg) -> Result<ThreadRef, Unresolved> {
        Ok(match r {
            ThreadArg::Current => ThreadRef::Current,
            ThreadArg::Thread(Named::Declared(t)) => ThreadRef::Thread(*t),
            ThreadArg::Thread(Named::Made(m)) => match (self.made_thread(m)?, self.unmade) {
                (Some(t), _) => ThreadRef::Thread(t),
                (None, Unmade::Null) => ThreadRef::Handle(None),
                (None, Unmade::Skip) => return Err(Unresolved::Unmade(m.name.clone())),
            },
            ThreadArg::Handle(h) => ThreadRef::Handle(self.handle(h)?),
        })
    }

    fn process_ref(&mut self, r: &ProcessArg) -> Result<ProcessRef, Unresolved> {
        Ok(match r {
            ProcessArg::Current => ProcessRef::Current,
            ProcessArg::Process(Named::Declared(p)) => ProcessRef::Process(*p),
            ProcessArg::Process(Named::Made(m)) => match self.made(m) {
                Some(Created::Process(p, _)) => ProcessRef::Process(p),
                Some(_) => {
                    return Err(Unresolved::Mismatch {
                        name: m.name.clone(),
                        expected: OutKind::Process,
                    });
                }
                None => return Err(Unresolved::Unmade(m.name.clone())),
            },
        })
    }

    fn object(&mut self, r: &Named<ObjectId>) -> Result<ObjectId, Unresolved> {
        match r {
            Named::Declared(o) => Ok(*o),
            Named::Made(m) => match self.made(m) {
                Some(Created::Object(o, _)) => Ok(o),
                _ => Err(Unresolved::Unmade(m.name.clone())),
            },
        }
    }

    fn call_ref(&mut self, r: &CallArg) -> Result<CallRef, Unresolved> {
        Ok(match r {
            CallArg::Current => CallRef::Current,
            CallArg::ServedBy(t) => CallRef::ServedBy(self.thread(t)?),
            CallArg::Client(b) => CallRef::Client(self.binding(b)?),
        })
    }

    fn binding(&mut self, r: &Option<Made>) -> Result<BindingRef, Unresolved> {
        self.handle_like(r, OutKind::Binding, |c| match c {
            Created::Binding(b) => Some(b),
            _ => None,
        })
    }

    fn credentials(&mut self, r: &Option<Made>) -> Result<CredentialsRef, Unresolved> {
        self.handle_like(r, OutKind::Credentials, |c| match c {
            Created::Credentials(c) => Some(c),
            _ => None,
        })
    }

    fn context(&mut self, r: &Option<Made>) -> Result<ContextRef, Unresolved> {
        self.handle_like(r, OutKind::Context, |c| match c {
            Created::Context(c) => Some(c),
            _ => None,
        })
    }

    fn proxy(&mut self, r: &Option<Made>) -> Result<ProxyRef, Unresolved> {
        self.handle_like(r, OutKind::Proxy, |c| match c {
            Created::Proxy(p) => Some(p),
            _ => None,
        })
    }
}
