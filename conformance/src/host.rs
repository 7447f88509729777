//! Running a script on a host other than the model: the step loop the Windows adapter
//! uses, kept free of Win32 so that it builds and is tested everywhere.
//!
//! The loop resolves each step's arguments with the same decoder the model uses
//! ([`tokenhop_sim::calls::decode`]), so a script means the same thing on both sides, and
//! hands the decoded [`Call`] to a [`Host`], which performs it as exactly one API call. The
//! loop owns what a script adds around the calls: which thread makes each call, which
//! names earlier steps bound, and the trace. It decides nothing about what a call does.
//!
//! A step is skipped, with its reason, when the host cannot run it faithfully: its thread
//! belongs to a process the host does not run, the host does not perform that call, or an
//! argument names something the host could not set up (an account this machine does not
//! have, an object whose owner it cannot set). A step whose `out` name a failed or skipped
//! step should have bound is skipped too, as the model does.
//!
//! Threads and processes that steps create are numbered by the host, after the starting
//! world's: a created thread runs later steps under that number, and a created process is
//! named by it. The first thread of a created process is one no host runs.

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
use tokenhop_sim::scenario::{CURRENT_USER, Scenario};
use tokenhop_sim::scope::OutKind;
use tokenhop_sim::trace::{Platform, TRACE_VERSION, Trace, TraceStep};

/// What a host observed when it performed one call.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// Whether the call succeeded.
    pub ok: bool,
    /// The status it returned or left in `GetLastError` (0: none).
    pub code: u32,
    /// What it reported, in the trace's vocabulary.
    pub value: Json,
    /// What it created for the step's `out` name (a handle, SSPI credentials or a
    /// context), as the host numbers each kind.
    pub created: Option<u32>,
    /// The object it created (CreateObject), as the host numbers objects after the
    /// starting world's.
    pub object: Option<ObjectId>,
    /// The status's symbol, where the code alone is ambiguous (S_FALSE and
    /// ERROR_INVALID_FUNCTION are both 1).
    pub symbol: Option<&'static str>,
}

impl Observed {
    /// A failure with `code`.
    #[must_use]
    pub fn failed(code: u32) -> Self {
        Observed {
            ok: false,
            code,
            value: Json::Null,
            created: None,
            object: None,
            symbol: None,
        }
    }
}

/// Why a host does not perform a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip(pub String);

/// Something that performs decoded calls: one API call each.
pub trait Host {
    /// What a trace from this host says it ran on.
    fn engine(&self) -> &str;
    /// The platform.
    fn platform(&self) -> Platform;
    /// Whether the host can run the script's thread `thread` (a thread of the starting
    /// world), and if not why.
    fn hosts(&self, world: &World, thread: ThreadId) -> Result<(), Skip>;
    /// Performs `call` on the host's thread standing for `thread`.
    fn perform(&mut self, world: &World, thread: ThreadId, call: &Call) -> Result<Observed, Skip>;
    /// Why the host cannot run the script at all (its process asks for an integrity
    /// level, a privilege or a group the identity running the host lacks), if it cannot.
    fn unmet(&self) -> Option<Skip> {
        None
    }
}

/// The symbol of a status code: the model's name for it, or the number.
#[must_use]
pub fn error_symbol(code: u32) -> String {
    tokenhop_model::ErrorCode::ALL
        .iter()
        .find(|e| e.code() == code)
        .map_or_else(|| format!("{code:#x}"), |e| e.symbol().to_owned())
}

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

/// What a thread argument naming the first thread of a process a step created resolves
/// to: a thread no host runs, so a call that needs it is skipped with that reason.
pub const OTHER_PROCESS_THREAD: ThreadId = ThreadId(u32::MAX);

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

/// Whether `thread` belongs to the script's first process and that process runs as the
/// identity that runs the host (`user: current`): the only process an adapter that runs a
/// script inside itself can stand for.
pub fn in_own_process(world: &World, thread: ThreadId) -> Result<(), Skip> {
    let process = world.thread(thread).process;
    if process.index() != 0 {
        return Err(Skip(format!(
            "the thread belongs to process `{}`, and the adapter runs a script in its own single process",
            world.process(process).name
        )));
    }
    let user = world.token(world.process(process).primary).user;
    let name = world.principals.name(user);
    if name.as_ref() != CURRENT_USER {
        return Err(Skip(format!(
            "the process runs as `{name}`, and the adapter runs as the current user only"
        )));
    }
    Ok(())
}

/// Whether a host that runs scripts in its own process can run `scenario`: every process
/// of the script runs as `current` and there is only one. A script that fails this is not
/// portable; running it would skip most of its steps.
pub fn portable(scenario: &Scenario) -> Result<(), Skip> {
    let world = &scenario.world;
    if world.processes.len() > 1 {
        return Err(Skip(format!(
            "it has {} processes, and the adapter runs a script in one",
            world.processes.len()
        )));
    }
    world.threads.iter().enumerate().try_for_each(|(i, _)| {
        in_own_process(world, ThreadId(u32::try_from(i).unwrap_or(u32::MAX)))
    })
}
