//! The old host loop (kept until the differential test has shown the shared step loop
//! agrees with it): each step's arguments decoded again against the host's own scope.

use std::collections::HashMap;

use serde_json::Value as Json;
use tokenhop_model::World;
use tokenhop_model::machine::action::{
    BindingRef, Call, ContextRef, CredentialsRef, HandleRef, ProxyRef,
};
use tokenhop_model::machine::ids::{
    BindingId, ContextId, CredentialsId, HandleId, ObjectId, ProcessId, ThreadId,
};
use tokenhop_model::machine::rights::ObjectType;
use tokenhop_sim::legacy::calls;
use tokenhop_sim::legacy::scope::Scope;
use tokenhop_sim::scenario::Scenario;
use tokenhop_sim::scope::OutKind;
use tokenhop_sim::trace::{TRACE_VERSION, Trace, TraceStep};

use crate::host::{Host, OTHER_PROCESS_THREAD, Observed, Skip, error_symbol};

/// Runs `scenario` on `host` and returns its trace.
///
/// Once a step is skipped, every later step is skipped too: the skipped call's effect is
/// missing from the machine, so what later calls answer would no longer be the script's.
/// The exception is a step that names a handle an earlier step failed to return; the
/// model does not run such a step either, and nothing happened that the machine lacks.
pub fn run(scenario: &Scenario, host: &mut dyn Host) -> Trace {
    let world = &scenario.world;
    let mut bound: Bound = HashMap::new();
    let mut objects: HashMap<String, (ObjectId, ObjectType)> = HashMap::new();
    let mut steps = Vec::new();
    let unmet = host.unmet();
    let mut diverged: Option<usize> = None;
    for s in &scenario.steps {
        let mut trace_step = TraceStep {
            index: s.index,
            thread: s.thread.clone(),
            call: s.call.name().to_owned(),
            ok: false,
            error: None,
            code: 0,
            value: Json::Null,
            rules: Vec::new(),
            skipped: None,
        };
        let result = match (&unmet, diverged) {
            (Some(Skip(why)), _) => Err(Skipped::Diverged(Skip(why.clone()))),
            (None, Some(first)) => Err(Skipped::Diverged(Skip(format!(
                "step {first} was skipped, so this machine no longer follows the script"
            )))),
            (None, None) => perform_step(world, s, &bound, &objects, host),
        };
        match result {
            Ok((observed, call)) => {
                if let Some(out) = &s.out {
                    bound.insert(
                        out.clone(),
                        (out_kind(s), observed.created.filter(|_| observed.ok)),
                    );
                }
                if let (
                    Some(id),
                    Call::CreateObject {
                        name, object_type, ..
                    },
                ) = (observed.object, &call)
                {
                    objects.insert(name.to_string(), (id, *object_type));
                }
                trace_step.ok = observed.ok;
                trace_step.code = observed.code;
                trace_step.error = (observed.code != 0).then(|| {
                    observed
                        .symbol
                        .map_or_else(|| error_symbol(observed.code), str::to_owned)
                });
                trace_step.value = observed.value;
            }
            Err(skipped) => {
                if let Some(out) = &s.out {
                    bound.insert(out.clone(), (out_kind(s), None));
                }
                let reason = match skipped {
                    Skipped::Unbound(Skip(reason)) => reason,
                    Skipped::Diverged(Skip(reason)) => {
                        diverged.get_or_insert(s.index);
                        reason
                    }
                };
                trace_step.skipped = Some(reason);
            }
        }
        steps.push(trace_step);
    }
    Trace {
        version: TRACE_VERSION,
        scenario: scenario.name.clone(),
        engine: host.engine().to_owned(),
        platform: host.platform(),
        setup_rules: Vec::new(),
        steps,
    }
}

/// Why a step was not performed.
enum Skipped {
    /// It names a handle an earlier step failed to return (the model skips it too).
    Unbound(Skip),
    /// The host could not perform it, or an earlier step was skipped.
    Diverged(Skip),
}

fn perform_step(
    world: &World,
    s: &tokenhop_sim::scenario::Step,
    bound: &Bound,
    objects: &HashMap<String, (ObjectId, ObjectType)>,
    host: &mut dyn Host,
) -> Result<(Observed, Call), Skipped> {
    let thread = step_thread(world, &s.thread, bound)?;
    if world.threads.get(thread.index()).is_some() {
        host.hosts(world, thread).map_err(Skipped::Diverged)?;
    }
    let scope = HostScope {
        world,
        bound,
        objects,
        missing: std::cell::RefCell::new(Vec::new()),
    };
    let decoded = match calls::find(s.call.name()) {
        Some(spec) => calls::decode(spec, s.args.as_ref(), "args", s.out.as_deref(), &scope),
        None => Err(tokenhop_sim::Fault::new(
            s.span,
            "call",
            "not a call of the old path",
        )),
    };
    let missing = scope.missing.into_inner();
    if !missing.is_empty() {
        return Err(Skipped::Unbound(Skip(format!(
            "`{}` does not exist: the step that was to create it failed",
            missing.join("`, `")
        ))));
    }
    let call = decoded.map_err(|fault| {
        Skipped::Diverged(Skip(format!("the arguments do not decode: {fault}")))
    })?;
    let observed = host
        .perform(world, thread, &call)
        .map_err(Skipped::Diverged)?;
    Ok((observed, call))
}

fn out_kind(s: &tokenhop_sim::scenario::Step) -> Option<OutKind> {
    calls::find(s.call.name()).and_then(|c| c.out)
}

/// The thread a step runs on: one of the starting world's, or one a step created in the
/// host's process (numbered by the host after the world's threads).
fn step_thread(world: &World, name: &str, bound: &Bound) -> Result<ThreadId, Skipped> {
    if let Some(thread) = world.find_thread(name) {
        return Ok(thread);
    }
    match bound.get(name) {
        Some((Some(OutKind::Thread), Some(n))) => Ok(ThreadId(*n)),
        Some((Some(OutKind::Thread | OutKind::Process), None)) => Err(Skipped::Unbound(Skip(
            format!("`{name}` does not exist: the step that was to create it failed"),
        ))),
        Some((Some(OutKind::Process), Some(_))) => Err(Skipped::Diverged(Skip(format!(
            "thread `{name}` is the first thread of a process a step created, and the adapter runs a script's steps in its own process only"
        )))),
        _ => Err(Skipped::Diverged(Skip(format!(
            "`{name}` is not a thread the adapter knows"
        )))),
    }
}

/// The names earlier steps bound: what kind of thing, and its number in the host's table
/// for that kind (`None` when the step failed or was skipped).
type Bound = HashMap<String, (Option<OutKind>, Option<u32>)>;

/// Names as the host sees them: the starting world's threads, processes and objects, and
/// the handles earlier steps bound (numbered by the host).
struct HostScope<'a> {
    world: &'a World,
    bound: &'a Bound,
    objects: &'a HashMap<String, (ObjectId, ObjectType)>,
    missing: std::cell::RefCell<Vec<String>>,
}

impl HostScope<'_> {
    /// The number `name` was bound to as a `kind`, recording it as missing when the step
    /// that was to bind it failed.
    fn bound_as(&self, name: &str, kind: OutKind) -> Option<Option<u32>> {
        match self.bound.get(name) {
            Some((k, Some(n))) if *k == Some(kind) => Some(Some(*n)),
            Some((k, None)) if *k == Some(kind) => {
                self.missing.borrow_mut().push(name.to_owned());
                Some(None)
            }
            _ => None,
        }
    }
}

impl Scope for HostScope<'_> {
    fn world(&self) -> &World {
        self.world
    }
    fn thread(&self, name: &str) -> Option<Option<ThreadId>> {
        self.world
            .find_thread(name)
            .map(Some)
            .or_else(|| {
                self.bound_as(name, OutKind::Thread)
                    .map(|n| n.map(ThreadId))
            })
            .or_else(|| {
                self.bound_as(name, OutKind::Process)
                    .map(|n| n.map(|_| OTHER_PROCESS_THREAD))
            })
    }
    fn process(&self, name: &str) -> Option<Option<ProcessId>> {
        self.world.find_process(name).map(Some).or_else(|| {
            self.bound_as(name, OutKind::Process)
                .map(|n| n.map(ProcessId))
        })
    }
    fn object(&self, name: &str) -> Option<(Option<ObjectId>, ObjectType)> {
        self.world
            .find_object(name)
            .map(|id| (Some(id), self.world.object(id).object_type))
            .or_else(|| self.objects.get(name).map(|(id, t)| (Some(*id), *t)))
    }
    fn handle(&self, name: &str) -> Option<HandleRef> {
        self.bound_as(name, OutKind::Handle)
            .map(|n| n.map(HandleId))
    }
    fn binding(&self, name: &str) -> Option<BindingRef> {
        self.bound_as(name, OutKind::Binding)
            .map(|n| n.map(BindingId))
    }
    fn credentials(&self, name: &str) -> Option<CredentialsRef> {
        self.bound_as(name, OutKind::Credentials)
            .map(|n| n.map(CredentialsId))
    }
    fn context(&self, name: &str) -> Option<ContextRef> {
        self.bound_as(name, OutKind::Context)
            .map(|n| n.map(ContextId))
    }
    fn proxy(&self, _name: &str) -> Option<ProxyRef> {
        None
    }
    fn names(&self, _kind: &str) -> Vec<String> {
        Vec::new()
    }
}
