//! Running a script on a real machine: a [`Host`] performs each step's call as exactly one
//! API call, and [`run`] drives it with the step loop every host shares
//! ([`tokenhop_sim::host`]), the model included, so a script means the same thing on both
//! sides. The loop owns what a script adds around the calls: which thread makes each call,
//! what earlier steps bound, what to skip, and the trace. This module, free of Win32,
//! builds and is tested everywhere; the adapter (Windows only) is one [`Host`].
//!
//! A step is skipped, with its reason, when the host cannot run it faithfully: its thread
//! belongs to a process the host does not run, the host does not perform that call, or an
//! argument names something the host could not set up (an account this machine does not
//! have, an object whose owner it cannot set). A step that names something an earlier step
//! failed to make on this machine is skipped too.
//!
//! What steps make is numbered by the host: handles, bindings, credentials and contexts in
//! its own tables, threads and processes after the starting world's. A created thread runs
//! later steps under its number, and a created process is named by it; the first thread of
//! a created process is one no host runs ([`OTHER_PROCESS_THREAD`]).

use serde_json::Value as Json;
use tokenhop_model::World;
use tokenhop_model::machine::action::Call;
use tokenhop_model::machine::ids::{
    BindingId, ContextId, CredentialsId, HandleId, ObjectId, ProcessId, ProxyId, ThreadId,
};
use tokenhop_model::machine::outcome::Created;
use tokenhop_model::machine::settings::HANDLE_LIMIT;
use tokenhop_sim::calls::spec_of;
use tokenhop_sim::host::{Performed, Refusal, Unmade};
use tokenhop_sim::scenario::{CURRENT_USER, Scenario};
use tokenhop_sim::scope::OutKind;
use tokenhop_sim::trace::{Platform, Trace};

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
    /// world, or one a step made, as the host numbered it), and if not why.
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

/// Runs `scenario` on `host` and returns its trace: the step loop every host shares
/// ([`tokenhop_sim::host::run`]), with `host` on this machine.
///
/// A step that names something an earlier step failed to make is skipped (the machine's
/// earlier step may have failed where the model's did not, so the step's inputs would not
/// be the model's), and the run goes on. Once a step the host cannot perform is skipped,
/// every later step is skipped too: the skipped call's effect is missing from the machine,
/// so what later calls answer would no longer be the script's.
pub fn run(scenario: &Scenario, host: &mut dyn Host) -> Trace {
    let mut machine = OnMachine {
        world: &scenario.world,
        host,
    };
    tokenhop_sim::host::run(scenario, &mut machine).trace
}

/// What a thread argument naming the first thread of a process a step created resolves
/// to: a thread no host runs, so a call that needs it is skipped with that reason.
pub const OTHER_PROCESS_THREAD: ThreadId = ThreadId(u32::MAX);

/// A [`Host`] as a host of the step loop: what it numbers becomes what the loop binds, of
/// the kind the call's `out` binds.
struct OnMachine<'a> {
    world: &'a World,
    host: &'a mut dyn Host,
}

impl tokenhop_sim::host::Host for OnMachine<'_> {
    type Report = ();

    fn engine(&self) -> String {
        self.host.engine().to_owned()
    }

    fn platform(&self) -> Platform {
        self.host.platform()
    }

    fn unmade(&self) -> Unmade {
        Unmade::Skip
    }

    fn unmet(&self) -> Option<String> {
        settable(self.world)
            .err()
            .or_else(|| self.host.unmet())
            .map(|Skip(why)| why)
    }

    fn hosts(&self, thread: ThreadId) -> Result<(), String> {
        self.host.hosts(self.world, thread).map_err(|Skip(why)| why)
    }

    fn perform(&mut self, thread: ThreadId, call: Call) -> Result<Performed<()>, Refusal> {
        let observed = self
            .host
            .perform(self.world, thread, &call)
            .map_err(|Skip(why)| Refusal::Unsupported(why))?;
        let created = match (spec_of(call.kind()).out, observed.created) {
            (Some(kind), Some(n)) => Some(created(kind, n, observed.object)),
            _ => None,
        };
        Ok(Performed {
            ok: observed.ok,
            error: (observed.code != 0).then(|| {
                observed
                    .symbol
                    .map_or_else(|| error_symbol(observed.code), str::to_owned)
            }),
            code: observed.code,
            value: observed.value,
            rules: Vec::new(),
            created,
            report: (),
        })
    }
}

/// What a host's number `n` for a call whose `out` binds `kind` stands for (`object`: the
/// object CreateObject created, whose handle `n` is).
fn created(kind: OutKind, n: u32, object: Option<ObjectId>) -> Created {
    match (kind, object) {
        (OutKind::Handle, Some(o)) => Created::Object(o, HandleId(n)),
        (OutKind::Handle, None) => Created::Handle(HandleId(n)),
        (OutKind::Thread, _) => Created::Thread(ThreadId(n)),
        (OutKind::Process, _) => Created::Process(ProcessId(n), OTHER_PROCESS_THREAD),
        (OutKind::Binding, _) => Created::Binding(BindingId(n)),
        (OutKind::Credentials, _) => Created::Credentials(CredentialsId(n)),
        (OutKind::Context, _) => Created::Context(ContextId(n)),
        (OutKind::Proxy, _) => Created::Proxy(ProxyId(n)),
    }
}

/// Whether `thread` belongs to the script's first process and that process runs as the
/// identity that runs the host (`user: current`): the only process an adapter that runs a
/// script inside itself can stand for. A thread a step created (numbered after the world's)
/// is in that process; the first thread of a process a step created is not.
pub fn in_own_process(world: &World, thread: ThreadId) -> Result<(), Skip> {
    if thread == OTHER_PROCESS_THREAD {
        return Err(Skip(
            "the thread is the first thread of a process a step created, and the adapter runs a script's steps in its own process only"
                .to_owned(),
        ));
    }
    let Some(t) = world.threads.get(thread.index()) else {
        // A thread a step created: in the host's own process.
        return Ok(());
    };
    let process = t.process;
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

/// Whether a real machine can be given the script's machine settings: none can be given a
/// lower limit on a process's open handles than Windows' own (RES-1), so a script that
/// lowers it runs on the model only.
pub fn settable(world: &World) -> Result<(), Skip> {
    let limit = world.settings.handle_limit;
    if limit < HANDLE_LIMIT {
        return Err(Skip(format!(
            "the script lowers a process's handle limit to {limit}, and a real machine's is {HANDLE_LIMIT} (RES-1)"
        )));
    }
    Ok(())
}

/// Whether a host that runs scripts in its own process can run `scenario`: its machine
/// settings can be given to a real machine, every process of the script runs as `current`
/// and there is only one. A script that fails this is not portable; running it would skip
/// most or all of its steps.
pub fn portable(scenario: &Scenario) -> Result<(), Skip> {
    let world = &scenario.world;
    settable(world)?;
    if world.processes.len() > 1 {
        return Err(Skip(format!(
            "it has {} processes, and the adapter runs a script in one",
            world.processes.len()
        )));
    }
    world
        .thread_ids()
        .try_for_each(|thread| in_own_process(world, thread))
}
