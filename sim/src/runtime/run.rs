//! Playing a runtime scenario on `tokenhop_model::managed`: each step is one managed call
//! on one thread (or one T-SQL statement), expectations are checked, and the trace gives,
//! for every step, whom the thread runs as (or whom a resource sees) and the rules applied.

use std::collections::HashMap;

use serde::Serialize;

use tokenhop_model::RuleId;
use tokenhop_model::core::decision::{Decision, Trail};
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::dotnet::{
    self, Carried, FlowMode, Frame, Handles, Host, ImpersonationContext, ManagedThread,
};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::pooling::{ConnectionId, ConnectionPool};
use tokenhop_model::managed::sql::{Catalog, ClrCall, ClrThread, Instance, Session};
use tokenhop_model::managed::{
    Action, AssemblyId, HandleId, Misuse, Runtime as ModelRuntime, Value, step,
};

use super::load::PROCESS;
use super::{Place, Runtime, RuntimeCall, RuntimeExpect, RuntimeStep, SlotId};

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

/// The state of a run.
struct State<'r> {
    rt: &'r Runtime,
    mode: FlowMode,
    threads: Vec<ManagedThread>,
    handles: Handles,
    handle_of: HashMap<SlotId, HandleId>,
    contexts: HashMap<SlotId, ImpersonationContext>,
    items: HashMap<SlotId, Carried>,
    frames: HashMap<SlotId, Option<Frame>>,
    controls: HashMap<SlotId, (usize, bool)>,
    server: Option<SqlServer>,
    handle_count: u16,
    sessions: HashMap<SlotId, Session>,
    assemblies: HashMap<SlotId, AssemblyId>,
    calls: HashMap<SlotId, ClrCall>,
    identities: HashMap<SlotId, Option<Ident>>,
    started: HashMap<SlotId, (SlotId, u16)>,
    pool: ConnectionPool,
    connections: HashMap<SlotId, (ConnectionId, Ident)>,
    /// The routine each SQL impersonation context belongs to.
    sql_contexts: HashMap<SlotId, SlotId>,
    /// Whom a resource saw when it denied access, for the step's trace.
    denied: Option<Shown>,
    /// Whether the last `open_connection` reused an idle connection.
    reused: Option<bool>,
}

/// Runs `rt`.
#[must_use]
pub fn run(rt: &Runtime) -> RuntimeRun {
    let mut setup = Trail::detailed();
    let mode = if rt.host == Host::SqlServer {
        None
    } else {
        Some(dotnet::flow_mode(
            rt.framework,
            rt.host,
            rt.config,
            &rt.readings,
            &mut setup,
        ))
    };
    let mut state = State {
        rt,
        mode: mode.unwrap_or(FlowMode::FastFlow),
        threads: vec![ManagedThread::default(); rt.threads.len()],
        handles: Handles::default(),
        handle_of: HashMap::new(),
        contexts: HashMap::new(),
        items: HashMap::new(),
        frames: HashMap::new(),
        controls: HashMap::new(),
        server: rt.sql.as_ref().map(|s| SqlServer {
            instance: s.instance.clone(),
            catalog: s.catalog.clone(),
        }),
        handle_count: 0,
        sessions: HashMap::new(),
        assemblies: HashMap::new(),
        calls: HashMap::new(),
        identities: HashMap::new(),
        started: HashMap::new(),
        pool: ConnectionPool::default(),
        connections: HashMap::new(),
        sql_contexts: HashMap::new(),
        denied: None,
        reused: None,
    };
    let mut steps = Vec::new();
    let mut traces = Vec::new();
    for s in &rt.steps {
        let mut trail = Trail::detailed();
        let text = describe(rt, s);
        state.reused = None;
        let (result, shown) = match state.step(s, &mut trail) {
            Ok(shown) => (None, shown),
            Err(e) => (Some(e), state.shown_after(s)),
        };
        let reused = state.reused;
        let (run, trace) = record(rt, s, text, result, shown, reused, trail.into_decisions());
        steps.push(run);
        traces.push(trace);
    }
    conclude(rt, mode, setup.into_decisions(), steps, traces)
}

/// Why a loaded runtime scenario cannot be played: the model refuses one of its actions
/// (the loader lets no such scenario through; this says so, located, if one ever does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{span}: step {index}, {text}: the model cannot play it: {misuse}")]
pub struct PlayError {
    /// The file.
    pub path: String,
    /// Where the step was written.
    pub span: crate::node::Span,
    /// The step's position.
    pub index: usize,
    /// The call in words.
    pub text: String,
    /// What the model refused.
    pub misuse: Misuse,
}

/// Plays `rt` on the model's step: the process starts, then each step's action is
/// stepped, its expectation checked, and its trace written.
pub fn play(rt: &Runtime) -> Result<RuntimeRun, PlayError> {
    let setup = &rt.setup;
    let refused = |index: usize, span, text: &str, misuse| PlayError {
        path: rt.path.display().to_string(),
        span,
        index,
        text: text.to_owned(),
        misuse,
    };
    let (mut state, started) = step(setup, &ModelRuntime::new(setup), &Action::Start)
        .map_err(|m| refused(0, crate::node::Span::default(), "the process starts", m))?;
    let mode = state.mode();
    let mut steps = Vec::new();
    let mut traces = Vec::new();
    for s in &rt.steps {
        let (next, outcome) =
            step(setup, &state, &s.action).map_err(|m| refused(s.index, s.span, &s.text, m))?;
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
    match shown {
        Shown::Id(i) => rt
            .identities
            .get(usize::from(i))
            .cloned()
            .unwrap_or_default(),
        Shown::Null => "null".to_owned(),
        Shown::Anonymous => "ANONYMOUS LOGON".to_owned(),
    }
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

fn slot(rt: &Runtime, id: SlotId) -> &str {
    rt.slots.get(id).map_or("", |s| s.name.as_str())
}

/// The step in words (`queue(task_continuation) -> cb`).
#[must_use]
pub fn describe(rt: &Runtime, s: &RuntimeStep) -> String {
    let ident = |i: Ident| {
        rt.identities
            .get(usize::from(i))
            .cloned()
            .unwrap_or_default()
    };
    let sql = rt.sql.as_ref();
    let login = |l: usize| {
        sql.and_then(|s| s.logins.get(l))
            .cloned()
            .unwrap_or_default()
    };
    let db = |d: usize| {
        sql.and_then(|s| s.databases.get(d))
            .cloned()
            .unwrap_or_default()
    };
    let args = match &s.call {
        RuntimeCall::Impersonate(i)
        | RuntimeCall::PinvokeImpersonate(i)
        | RuntimeCall::OpenToken(i) => ident(*i),
        RuntimeCall::Undo(x)
        | RuntimeCall::Dispose(x)
        | RuntimeCall::RunImpersonated(x)
        | RuntimeCall::End(x)
        | RuntimeCall::RestoreFlow(x)
        | RuntimeCall::Run(x)
        | RuntimeCall::Finish(x)
        | RuntimeCall::Revert(x)
        | RuntimeCall::WindowsIdentity(x)
        | RuntimeCall::SqlUndo(x)
        | RuntimeCall::StartThread(x)
        | RuntimeCall::Unmanaged(x) => slot(rt, *x).to_owned(),
        RuntimeCall::CloseConnection(x) => slot(rt, *x).to_owned(),
        RuntimeCall::PinvokeRevert
        | RuntimeCall::OpenConnection
        | RuntimeCall::SuppressFlow
        | RuntimeCall::SuppressIdentityFlow
        | RuntimeCall::SuppressSecurityFlow
        | RuntimeCall::Whoami => String::new(),
        RuntimeCall::Queue(h) => h.name().to_owned(),
        RuntimeCall::Access(r) => rt
            .resources
            .get(*r)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        RuntimeCall::Connect(l) => login(*l),
        RuntimeCall::CreateAssembly {
            session,
            database,
            set,
            signer,
        } => format!(
            "{}, {}, {}{}",
            slot(rt, *session),
            db(*database),
            set.name(),
            signer
                .map(|l| format!(", signed by {}", login(l)))
                .unwrap_or_default()
        ),
        RuntimeCall::ExecuteAs {
            session,
            login: l,
            database,
        } => match database {
            Some(d) => format!("{}, user {} in {}", slot(rt, *session), login(*l), db(*d)),
            None => format!("{}, login {}", slot(rt, *session), login(*l)),
        },
        RuntimeCall::AlterDatabase {
            database,
            trustworthy,
        } => format!(
            "{}, TRUSTWORTHY {}",
            db(*database),
            if *trustworthy { "ON" } else { "OFF" }
        ),
        RuntimeCall::Enter { session, assembly } => {
            format!("{}, {}", slot(rt, *session), slot(rt, *assembly))
        }
        RuntimeCall::SqlImpersonate { call, identity } => {
            format!("{}, {}", slot(rt, *call), slot(rt, *identity))
        }
        RuntimeCall::ContextQuery { call, table } => format!(
            "{}, {}",
            slot(rt, *call),
            sql.and_then(|x| x.tables.get(*table))
                .cloned()
                .unwrap_or_default()
        ),
        RuntimeCall::ExternalAccess { call, resource } => format!(
            "{}, {}",
            slot(rt, *call),
            rt.resources
                .get(*resource)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        ),
    };
    let out = s
        .out
        .map(|o| format!(" -> {}", slot(rt, o)))
        .unwrap_or_default();
    format!("{}({args}){out}", s.name)
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

impl State<'_> {
    fn thread_of(&self, place: Place) -> usize {
        match place {
            Place::Thread(t) => t,
            _ => 0,
        }
    }

    /// Whom a step shows after it threw: the thread's identity for .NET steps.
    fn shown_after(&mut self, s: &RuntimeStep) -> Option<Shown> {
        if let Some(shown) = self.denied.take() {
            return Some(shown);
        }
        match s.place {
            Place::Thread(t) => self
                .threads
                .get(t)
                .map(|th| Shown::Id(th.os_token.unwrap_or(0))),
            _ => None,
        }
    }

    fn clr_thread(&self, place: Place) -> ClrThread {
        match place {
            Place::Started(slot) => {
                ClrThread::Started(self.started.get(&slot).map_or(u16::MAX, |x| x.1))
            }
            _ => ClrThread::Entry,
        }
    }

    /// The routine a call slot names, or the exception SqlContext throws when it never started.
    fn call_mut(&mut self, call: SlotId) -> Result<&mut ClrCall, Exception> {
        self.calls.get_mut(&call).ok_or(Exception::InvalidOperation(
            "SqlContext is not available: the routine never started (SQL-6)",
        ))
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, s: &RuntimeStep, trail: &mut Trail) -> Result<Option<Shown>, Exception> {
        let t = self.thread_of(s.place);
        let mode = self.mode;
        let rt = self.rt;
        let me = |st: &Self| {
            Some(Shown::Id(
                st.threads.get(t).and_then(|x| x.os_token).unwrap_or(0),
            ))
        };
        match &s.call {
            RuntimeCall::Impersonate(who) => {
                let th = self.thread(t);
                let ctx = dotnet::impersonate(th, *who, trail);
                if let Some(o) = s.out {
                    self.contexts.insert(o, ctx);
                }
                Ok(me(self))
            }
            RuntimeCall::Undo(c) => {
                if let Some(ctx) = self.contexts.get(c).copied() {
                    dotnet::undo(self.thread(t), ctx, trail);
                }
                Ok(me(self))
            }
            RuntimeCall::PinvokeImpersonate(who) => {
                dotnet::pinvoke_impersonate_in(mode, self.thread(t), *who, trail);
                Ok(me(self))
            }
            RuntimeCall::PinvokeRevert => {
                dotnet::pinvoke_revert(self.thread(t), trail);
                Ok(me(self))
            }
            RuntimeCall::OpenToken(who) => {
                let h = HandleId(self.handle_count);
                self.handle_count = self.handle_count.saturating_add(1);
                self.handles.open(h, *who);
                if let Some(o) = s.out {
                    self.handle_of.insert(o, h);
                }
                Ok(Some(Shown::Id(*who)))
            }
            RuntimeCall::Dispose(h) => {
                if let Some(&h) = self.handle_of.get(h) {
                    let _ = self.handles.dispose(h);
                }
                Ok(me(self))
            }
            RuntimeCall::RunImpersonated(h) => {
                let handle = self.handle_of.get(h).copied().unwrap_or(HandleId(u16::MAX));
                let handles = self.handles.clone();
                let result =
                    dotnet::run_impersonated(mode, self.thread(t), handle, &handles, trail);
                if let Some(o) = s.out {
                    self.frames.insert(o, result.ok());
                }
                result.map(|_| me(self))
            }
            RuntimeCall::End(scope) | RuntimeCall::Finish(scope) => {
                if let Some(Some(frame)) = self.frames.remove(scope) {
                    dotnet::leave(frame, self.thread(t), trail);
                } else {
                    let th = self.thread(t);
                    if th.os_token.is_some() {
                        trail.note(RuleId::MRT_2, || {
                            "the runtime changed nothing, so it restores nothing: the token stays on the thread".into()
                        });
                    }
                }
                Ok(me(self))
            }
            RuntimeCall::SuppressFlow => {
                dotnet::suppress_flow(mode, self.thread(t), trail)?;
                if let Some(o) = s.out {
                    self.controls.insert(o, (t, false));
                }
                Ok(me(self))
            }
            RuntimeCall::SuppressIdentityFlow | RuntimeCall::SuppressSecurityFlow => {
                let whole = matches!(s.call, RuntimeCall::SuppressSecurityFlow);
                dotnet::suppress_identity_flow(mode, self.thread(t), whole, trail)?;
                if let Some(o) = s.out {
                    self.controls.insert(o, (t, true));
                }
                Ok(me(self))
            }
            RuntimeCall::RestoreFlow(c) => {
                let Some(&(owner, identity_only)) = self.controls.get(c) else {
                    return Err(Exception::InvalidOperation(
                        "the AsyncFlowControl was never returned: the suppression threw",
                    ));
                };
                let suppression = if identity_only {
                    dotnet::Suppression::SecurityContext
                } else {
                    dotnet::Suppression::ExecutionContext
                };
                dotnet::restore_flow(self.thread(t), suppression, owner == t, trail)?;
                self.controls.remove(c);
                Ok(me(self))
            }
            RuntimeCall::Queue(hand_off) => {
                let carried =
                    dotnet::capture_with(mode, *hand_off, self.thread(t), &rt.readings, trail);
                if let Some(o) = s.out {
                    self.items.insert(o, carried);
                }
                Ok(me(self))
            }
            RuntimeCall::Run(item) => {
                let carried = self
                    .items
                    .get(item)
                    .copied()
                    .unwrap_or(Carried::Nothing(RuleId::CLR_11));
                let handles = self.handles.clone();
                let result = dotnet::enter(carried, self.thread(t), &handles, trail);
                self.frames.insert(*item, result.ok());
                result.map(|_| me(self))
            }
            RuntimeCall::Whoami => {
                trail.note(RuleId::THR_1, || {
                    "the thread's effective token is its impersonation token, else the process's".into()
                });
                Ok(me(self))
            }
            RuntimeCall::Access(r) => {
                let who = self.threads.get(t).and_then(|x| x.os_token).unwrap_or(0);
                trail.note(RuleId::THR_1, || {
                    format!(
                        "the resource is opened with the thread's effective token: {}",
                        shown_name(rt, Shown::Id(who))
                    )
                });
                let granted = rt
                    .resources
                    .get(*r)
                    .is_some_and(|x| x.readers.contains(&who));
                if granted {
                    Ok(Some(Shown::Id(who)))
                } else {
                    Err(Exception::UnauthorizedAccess)
                }
            }
            RuntimeCall::OpenConnection => {
                let who = self.threads.get(t).and_then(|x| x.os_token).unwrap_or(0);
                trail.note(RuleId::THR_1, || {
                    format!(
                        "the connection authenticates with the thread's effective token: {}",
                        shown_name(rt, Shown::Id(who))
                    )
                });
                let (id, reused) = self.pool.open(who, trail);
                self.reused = Some(reused);
                if let Some(o) = s.out {
                    self.connections.insert(o, (id, who));
                }
                Ok(Some(Shown::Id(who)))
            }
            RuntimeCall::CloseConnection(c) => {
                if let Some((id, who)) = self.connections.remove(c) {
                    self.pool.close(id, who);
                    trail.note(RuleId::MRT_3, || {
                        format!(
                            "connection #{id} returns to the pool, keyed by {}",
                            shown_name(rt, Shown::Id(who))
                        )
                    });
                    Ok(Some(Shown::Id(who)))
                } else {
                    trail.note(RuleId::MRT_3, || {
                        "the connection is already back in the pool: Close may be called again and does nothing".into()
                    });
                    Ok(None)
                }
            }
            RuntimeCall::Connect(login) => {
                if let Some(o) = s.out {
                    self.sessions.insert(o, Session::new(*login));
                }
                let id = self
                    .server
                    .as_ref()
                    .and_then(|x| x.instance.logins.get(*login))
                    .map_or(0, |l| l.identity);
                Ok(Some(Shown::Id(id)))
            }
            RuntimeCall::CreateAssembly {
                session,
                database,
                set,
                signer,
            } => {
                let creator = self
                    .sessions
                    .get(session)
                    .map_or(0, |x| x.current().principal);
                let server = self.server_mut()?;
                let created = server.instance.create_assembly(
                    &server.catalog,
                    creator,
                    *database,
                    *set,
                    *signer,
                    &rt.readings,
                    trail,
                )?;
                server.catalog.assemblies.push(Some(created));
                let id = AssemblyId(
                    u16::try_from(server.catalog.assemblies.len() - 1).unwrap_or(u16::MAX),
                );
                if let Some(o) = s.out {
                    self.assemblies.insert(o, id);
                }
                Ok(None)
            }
            RuntimeCall::ExecuteAs {
                session,
                login,
                database,
            } => {
                let server = self.sql_server()?;
                let sess = self.session_mut(session)?;
                server
                    .instance
                    .execute_as(&server.catalog, sess, *login, *database, trail)?;
                let who = server.instance.logins.get(*login).map_or(0, |l| l.identity);
                Ok(Some(Shown::Id(who)))
            }
            RuntimeCall::Revert(session) => {
                let sess = self.session_mut(session)?;
                sess.revert(&rt.readings, trail)?;
                let p = sess.current().principal;
                let who = self
                    .server
                    .as_ref()
                    .and_then(|x| x.instance.logins.get(p))
                    .map_or(0, |l| l.identity);
                Ok(Some(Shown::Id(who)))
            }
            RuntimeCall::AlterDatabase {
                database,
                trustworthy,
            } => {
                let server = self.server_mut()?;
                if let Some(d) = server.catalog.databases.get_mut(*database) {
                    d.trustworthy = *trustworthy;
                }
                trail.note(RuleId::SQL_2, || {
                    format!(
                        "TRUSTWORTHY is now {}; assemblies are checked again when they load",
                        if *trustworthy { "ON" } else { "OFF" }
                    )
                });
                Ok(None)
            }
            RuntimeCall::Enter { session, assembly } => {
                let server = self.sql_server()?;
                let sess = self.session_mut(session)?.clone();
                let Some(&asm) = self.assemblies.get(assembly) else {
                    return Err(Exception::Sql(
                        6506,
                        "Could not find the assembly: its CREATE ASSEMBLY failed",
                    ));
                };
                let id = asm;
                let call = server
                    .instance
                    .enter_clr(&server.catalog, &sess, id, trail)?;
                if let Some(o) = s.out {
                    self.calls.insert(o, call);
                }
                Ok(Some(Shown::Id(server.instance.service)))
            }
            RuntimeCall::WindowsIdentity(call) => {
                let server = self.sql_server()?;
                let c = self.call_mut(*call)?.clone();
                let wi = server.instance.windows_identity(&c, &rt.readings, trail)?;
                if let Some(o) = s.out {
                    self.identities.insert(o, wi);
                }
                Ok(Some(wi.map_or(Shown::Null, Shown::Id)))
            }
            RuntimeCall::SqlImpersonate { call, identity } => {
                let thread = self.clr_thread(s.place);
                let wi = self.identities.get(identity).copied().flatten();
                let c = self.call_mut(*call)?;
                c.impersonate(thread, wi, trail)?;
                if let Some(o) = s.out {
                    self.sql_contexts.insert(o, *call);
                }
                Ok(wi.map(Shown::Id))
            }
            RuntimeCall::SqlUndo(context) => {
                let thread = self.clr_thread(s.place);
                let call = *self.sql_contexts.get(context).ok_or(Exception::Unnamed(
                    "the WindowsImpersonationContext was never returned: Impersonate threw",
                ))?;
                let c = self.call_mut(call)?;
                c.undo(thread, trail);
                Ok(Some(Shown::Id(0)))
            }
            RuntimeCall::ContextQuery { call, table } => {
                let thread = self.clr_thread(s.place);
                let server = self.sql_server()?;
                let c = self.call_mut(*call)?.clone();
                let principal =
                    server
                        .instance
                        .context_query(&server.catalog, &c, thread, *table, trail)?;
                Ok(server
                    .instance
                    .logins
                    .get(principal)
                    .map(|l| Shown::Id(l.identity)))
            }
            RuntimeCall::ExternalAccess { call, resource } => {
                let thread = self.clr_thread(s.place);
                let server = self.sql_server()?;
                let c = self.call_mut(*call)?.clone();
                let res = rt.resources.get(*resource);
                let remote = res.is_some_and(|r| r.remote);
                let who =
                    server
                        .instance
                        .external_identity(&c, thread, remote, &rt.readings, trail)?;
                let shown = who.map_or(Shown::Anonymous, Shown::Id);
                let granted = who.is_some_and(|w| res.is_some_and(|r| r.readers.contains(&w)));
                trail.note(RuleId::THR_1, || {
                    format!(
                        "the resource checks the identity it sees, {}: {}",
                        shown_name(rt, shown),
                        if granted { "granted" } else { "denied" }
                    )
                });
                if granted {
                    Ok(Some(shown))
                } else {
                    self.denied = Some(shown);
                    Err(Exception::UnauthorizedAccess)
                }
            }
            RuntimeCall::StartThread(call) => {
                let c = self.call_mut(*call)?;
                c.start_thread(trail)?;
                if let Some(o) = s.out {
                    let n = u16::try_from(self.started.len()).unwrap_or(u16::MAX);
                    self.started.insert(o, (*call, n));
                }
                Ok(Some(Shown::Id(0)))
            }
            RuntimeCall::Unmanaged(call) => {
                let c = self.call_mut(*call)?;
                c.unmanaged(trail)?;
                Ok(None)
            }
        }
    }

    fn thread(&mut self, t: usize) -> &mut ManagedThread {
        if t >= self.threads.len() {
            self.threads.resize(t + 1, ManagedThread::default());
        }
        &mut self.threads[t]
    }

    /// The instance as it stands (the loader guarantees a `sql-server` process has one).
    fn sql_server(&self) -> Result<SqlServer, Exception> {
        self.server
            .clone()
            .ok_or(Exception::InvalidOperation("no SQL Server"))
    }

    /// A session a step names (the loader guarantees an earlier `connect` bound it).
    fn session_mut(&mut self, slot: &SlotId) -> Result<&mut Session, Exception> {
        self.sessions
            .get_mut(slot)
            .ok_or(Exception::InvalidOperation("no session"))
    }

    fn server_mut(&mut self) -> Result<&mut SqlServer, Exception> {
        self.server
            .as_mut()
            .ok_or(Exception::InvalidOperation("no SQL Server"))
    }
}

/// The old runner's SQL Server: the instance and its catalog.
#[derive(Clone)]
struct SqlServer {
    instance: Instance,
    catalog: Catalog,
}
