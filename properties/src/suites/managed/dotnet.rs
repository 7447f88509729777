//! The .NET half of the `managed` suite: one process for every runtime version, host and
//! flow configuration the model distinguishes, two of its threads, and every sequence of
//! the calls that carry a Windows identity across an asynchronous point. This module owns
//! those configurations and which calls to try; each transition is one
//! `tokenhop_model::managed::step`, and the suite's state pairs the configuration with the
//! model's runtime.
//!
//! Beside the runtime the state keeps an [`Oracle`]: an independent oracle, a second
//! statement of what the program did, on purpose, written from the domain text and not
//! from the model's code: the identity the last managed impersonation recorded on each
//! thread (CLR-3: only WindowsIdentity.Impersonate, RunImpersonated and a context that
//! carries an identity set it; P/Invoke never does), the flow suppressions in force (CLR-9,
//! CLR-10), on .NET Core the RunImpersonated scope the thread's flowing context belongs to
//! (CLR-12), and what each work item captured. INV-11..15
//! (`crate::invariants::managed`) compare what the model's threads hold with what this
//! record says they must.

use std::fmt::Write as _;

use std::hash::{Hash, Hasher};

use tokenhop_check::fingerprint::{self, FingerprintHasher};
use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{
    Carried, FRAMEWORKS, Family, FlowConfig, FlowMode, Frame, Framework, HAND_OFFS, HandOff, Host,
    ImpersonationContext,
};
use tokenhop_model::managed::runtime::{Open, Status};
use tokenhop_model::managed::short::Short;
use tokenhop_model::managed::{
    Action, ContextId, ControlId, HandleId, Ident, ItemId, Outcome, Runtime, ScopeId, Setup,
    ThreadId, step_in_place, step_with,
};
use tokenhop_model::rules::readings::Readings;

/// alice's identity (identity 0 is the process).
pub const ALICE: Ident = 1;
/// bob's identity.
pub const BOB: Ident = 2;
/// The users the program impersonates.
pub const USERS: [Ident; 2] = [ALICE, BOB];
/// How many threads of the process the suite drives.
pub const THREADS: usize = 2;
/// At most this many work items are queued on one path.
pub const MAX_ITEMS: usize = 2;
/// The token handles a program that has RunImpersonated holds from the start, by handle:
/// handle 0 is alice's token, handle 1 bob's.
pub const HANDLE_OWNERS: [Ident; 2] = [ALICE, BOB];

/// One process configuration: the runtime, what loaded it and its flow settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// The runtime version.
    pub framework: Framework,
    /// What loaded it.
    pub host: Host,
    /// The configuration elements and the hosting flags.
    pub flow: FlowConfig,
}

impl Config {
    /// Whether legacy impersonation is enabled, as CLR-5 and CLR-7 say: by the element, by
    /// classic ASP.NET's aspnet.config when the element is not set, or by the hosting flag.
    #[must_use]
    pub fn legacy_enabled(&self) -> bool {
        self.flow.legacy.unwrap_or(self.host == Host::AspNet) || self.flow.host_legacy
    }

    /// Whether always-flow is enabled, as CLR-4 says: by the element or the hosting flag
    /// (aspnet.config ships it off, CLR-7).
    #[must_use]
    pub fn always_flow_enabled(&self) -> bool {
        self.flow.always_flow == Some(true) || self.flow.host_always_flow
    }

    /// The runtime the model steps for this configuration under `readings`.
    #[must_use]
    pub fn setup(&self, readings: Readings) -> Setup {
        let mut setup = Setup::dotnet(self.framework, self.host, self.flow, THREADS_U16);
        setup.readings = readings;
        setup.identities = vec!["the process".into(), "alice".into(), "bob".into()];
        setup
    }

    /// The configuration in words.
    #[must_use]
    pub fn words(&self) -> String {
        let host = match self.host {
            Host::App => "an application",
            Host::AspNet => "classic ASP.NET",
            Host::ClrHost => "an unmanaged CLR host",
            Host::AspNetCore => "ASP.NET Core",
            Host::SqlServer => "SQL Server",
        };
        let mut words = format!(".NET {} in {host}", self.framework.name);
        let element = |v: Option<bool>| match v {
            None => "unset",
            Some(true) => "true",
            Some(false) => "false",
        };
        if self.framework.family == Family::Framework2 {
            let _ = write!(
                words,
                ", legacyImpersonationPolicy {}, alwaysFlowImpersonationPolicy {}",
                element(self.flow.legacy),
                element(self.flow.always_flow)
            );
        }
        if self.flow.host_legacy {
            words.push_str(", STARTUP_LEGACY_IMPERSONATION");
        }
        if self.flow.host_always_flow {
            words.push_str(", STARTUP_ALWAYSFLOW_IMPERSONATION");
        }
        words
    }
}

/// [`THREADS`] as the model counts threads.
const THREADS_U16: u16 = 2;

/// Every configuration a runtime scenario may declare: each runtime version; for the .NET
/// Framework an application, classic ASP.NET or an unmanaged CLR host, for .NET Core an
/// application or ASP.NET Core; on 2.0 to 4.8 each element unset, false or true; under an
/// unmanaged host each combination of the two hosting flags.
#[must_use]
pub fn configs() -> Vec<Config> {
    const ELEMENT: [Option<bool>; 3] = [None, Some(false), Some(true)];
    let mut all = Vec::new();
    for &(_, framework) in FRAMEWORKS {
        let hosts: &[Host] = match framework.family {
            Family::Core => &[Host::App, Host::AspNetCore],
            Family::Framework1 | Family::Framework2 => &[Host::App, Host::AspNet, Host::ClrHost],
        };
        let elements: Vec<(Option<bool>, Option<bool>)> = if framework.family == Family::Framework2
        {
            ELEMENT
                .iter()
                .flat_map(|&l| ELEMENT.iter().map(move |&a| (l, a)))
                .collect()
        } else {
            vec![(None, None)]
        };
        for &host in hosts {
            let flags: &[(bool, bool)] = if host == Host::ClrHost {
                &[(false, false), (true, false), (false, true), (true, true)]
            } else {
                &[(false, false)]
            };
            for &(legacy, always_flow) in &elements {
                for &(host_legacy, host_always_flow) in flags {
                    all.push(Config {
                        framework,
                        host,
                        flow: FlowConfig {
                            legacy,
                            always_flow,
                            host_legacy,
                            host_always_flow,
                        },
                    });
                }
            }
        }
    }
    all
}

/// What decides a started process's behaviour: its flow mode and which impersonation
/// APIs its runtime has. Configurations with the same profile behave alike, so their
/// programs are explored once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// The flow mode the runtime chose at start.
    pub mode: FlowMode,
    /// WindowsIdentity.Impersonate exists (the .NET Framework).
    pub impersonate: bool,
    /// WindowsIdentity.RunImpersonated exists (.NET Framework 4.6+, .NET Core).
    pub run_impersonated: bool,
}

/// The oracle's record of one thread, kept from the calls the program made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Record {
    /// The identity managed impersonation last recorded on the thread (CLR-3).
    pub managed: Option<Ident>,
    /// ExecutionContext.SuppressFlow is in force (CLR-9).
    pub ec_suppressed: bool,
    /// SecurityContext.SuppressFlowWindowsIdentity is in force (CLR-10).
    pub wi_suppressed: bool,
    /// SecurityContext.SuppressFlow is in force (OQR-1).
    pub sc_suppressed: bool,
    /// On .NET Core, the token handle of the RunImpersonated whose flow the thread runs in.
    pub scope: Option<HandleId>,
}

impl Record {
    /// Whether identity flow was suppressed, wholly or alone.
    #[must_use]
    pub fn identity_suppressed(&self) -> bool {
        self.wi_suppressed || self.sc_suppressed
    }
}

/// The part of a [`Record`] a runtime switch changes and restores afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Switched {
    /// The managed identity.
    pub managed: Option<Ident>,
    /// The RunImpersonated scope.
    pub scope: Option<HandleId>,
}

/// What the oracle says a thread is inside of, innermost last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A WindowsIdentity.Impersonate not yet undone.
    Impersonation {
        /// The context Undo takes.
        context: ContextId,
        /// The record's managed identity before it.
        before: Option<Ident>,
    },
    /// A work item running on the thread.
    Callback {
        /// The item.
        item: ItemId,
        /// The thread's token before the item ran.
        os_before: Option<Ident>,
        /// The record before the runtime switched it, when it did.
        restore: Option<Switched>,
    },
    /// A RunImpersonated delegate running on the thread.
    RunImpersonated {
        /// Its scope.
        scope: ScopeId,
        /// Its token handle.
        handle: HandleId,
        /// The thread's token before it.
        os_before: Option<Ident>,
        /// The record before it.
        restore: Switched,
    },
}

/// The oracle's view of one thread: what it is inside of, and its record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ThreadRecord {
    /// Its open scopes, innermost last.
    pub stack: Vec<Scope>,
    /// Its record.
    pub record: Record,
}

impl ThreadRecord {
    /// The innermost callback or RunImpersonated scope and its position (impersonations
    /// above it are abandoned when it ends).
    #[must_use]
    pub fn open_scope(&self) -> Option<(usize, Scope)> {
        self.stack
            .iter()
            .enumerate()
            .rev()
            .find(|(_, s)| !matches!(s, Scope::Impersonation { .. }))
            .map(|(i, s)| (i, *s))
    }
}

/// What the oracle saw when a work item was queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ItemRecord {
    /// The hand-off carries an ExecutionContext (every one but UnsafeQueueUserWorkItem,
    /// CLR-2). The four that do behave alike, so only this is kept.
    pub carries_context: bool,
    /// The capturing thread's OS token at capture.
    pub os_at_capture: Option<Ident>,
    /// The record of the capturing thread at capture.
    pub record_at_capture: Record,
}

impl ItemRecord {
    /// The ExecutionContext flowed with it: a safe hand-off made with no
    /// ExecutionContext.SuppressFlow in force (CLR-2, CLR-9).
    #[must_use]
    pub fn context_flows(&self) -> bool {
        self.carries_context && !self.record_at_capture.ec_suppressed
    }

    /// The Windows identity was free to flow with it: the context flowed and identity
    /// flow was not suppressed (CLR-10, OQR-1). INV-12 and INV-13's "not suppressed".
    #[must_use]
    pub fn identity_flows(&self) -> bool {
        self.context_flows() && !self.record_at_capture.identity_suppressed()
    }
}

/// The independent oracle: what the program did, by thread and by work item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Oracle {
    /// The threads.
    pub threads: [ThreadRecord; THREADS],
    /// The work items queued so far, by id.
    pub items: Short<ItemRecord, MAX_ITEMS>,
}

/// A state of the .NET half: a configuration, the model's runtime, and the oracle.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The model's runtime.
    pub runtime: Runtime,
    /// The oracle's record.
    pub oracle: Oracle,
}

impl State {
    /// Thread `t`'s OS token.
    #[must_use]
    pub fn token(&self, t: ThreadId) -> Option<Ident> {
        self.runtime.thread(t).and_then(|th| th.os_token)
    }
}

/// The .NET half's model: its configurations and the readings it runs under.
#[derive(Clone, Debug)]
pub struct Dotnet {
    configs: Vec<Config>,
    setups: Vec<Setup>,
    readings: Readings,
    pinvoke_in_run_impersonated: bool,
}

/// The model's threads, in the order of [`Oracle::threads`].
fn threads() -> impl Iterator<Item = ThreadId> {
    (0..THREADS_U16).map(ThreadId)
}

impl Dotnet {
    /// Over `configs`, under the default readings.
    #[must_use]
    pub fn new(configs: Vec<Config>) -> Self {
        let readings = Readings::default();
        Dotnet {
            setups: configs.iter().map(|c| c.setup(readings)).collect(),
            configs,
            readings,
            pinvoke_in_run_impersonated: false,
        }
    }

    /// Under `readings`.
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Dotnet {
            setups: self.configs.iter().map(|c| c.setup(readings)).collect(),
            readings,
            ..self
        }
    }

    /// Lets .NET Core code impersonate by P/Invoke inside a RunImpersonated flow, which the
    /// suite leaves out by default: INV-15 speaks of programs that impersonate through
    /// RunImpersonated, and a P/Invoke token there stays on the thread (CLR-13).
    #[must_use]
    pub fn with_pinvoke_in_run_impersonated(self) -> Self {
        Dotnet {
            pinvoke_in_run_impersonated: true,
            ..self
        }
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// The readings.
    #[must_use]
    pub fn readings(&self) -> Readings {
        self.readings
    }

    /// The configuration of `state`.
    #[must_use]
    pub fn config(&self, state: &State) -> Option<&Config> {
        self.configs.get(usize::from(state.config))
    }

    /// What decides `state`'s behaviour, once its process started.
    #[must_use]
    pub fn profile(&self, state: &State) -> Option<Profile> {
        let config = self.config(state)?;
        Some(Profile {
            mode: state.runtime.mode()?,
            impersonate: config.framework.impersonate,
            run_impersonated: config.framework.run_impersonated,
        })
    }

    /// One state per configuration, before the process starts; a runtime that has
    /// RunImpersonated holds a token handle for each of [`HANDLE_OWNERS`].
    #[must_use]
    pub fn initial_states(&self) -> Vec<State> {
        self.configs
            .iter()
            .zip(&self.setups)
            .zip(0u16..)
            .filter_map(|((config, setup), index)| {
                let mut runtime = Runtime::new(setup);
                if config.framework.run_impersonated {
                    for (handle, identity) in (0u16..).zip(HANDLE_OWNERS) {
                        let open = Action::OpenToken {
                            thread: ThreadId(0),
                            identity,
                            handle: HandleId(handle),
                        };
                        runtime = step_with(setup, &runtime, &open, Trail::rule_set()).ok()?.0;
                    }
                }
                Some(State {
                    config: index,
                    runtime,
                    oracle: Oracle::default(),
                })
            })
            .collect()
    }

    /// The calls worth trying from `state`.
    pub fn actions(&self, state: &State, out: &mut Vec<Action>) {
        let Some(profile) = self.profile(state) else {
            out.push(Action::Start);
            return;
        };
        let mode = profile.mode;
        let rt = &state.runtime;
        let framework2 = matches!(
            mode,
            FlowMode::NoFlow | FlowMode::AlwaysFlow | FlowMode::FastFlow
        );
        let live = || {
            rt.handles()
                .entries()
                .filter(|&(_, _, disposed)| !disposed)
                .map(|(h, _, _)| h)
        };
        for (thread, w) in threads().zip(&state.oracle.threads) {
            let Some(th) = rt.thread(thread).copied() else {
                continue;
            };
            let next_id = id_at(thread, w.stack.len());
            if profile.impersonate
                && let Some(next_id) = next_id
            {
                out.extend(USERS.iter().map(|&identity| Action::Impersonate {
                    thread,
                    identity,
                    context: ContextId(next_id),
                }));
            }
            if let Some(Scope::Impersonation { context, .. }) = w.stack.last() {
                out.push(Action::Undo {
                    thread,
                    context: *context,
                });
            }
            let pinvoke = mode != FlowMode::AsyncLocal
                || w.record.scope.is_none()
                || self.pinvoke_in_run_impersonated;
            if pinvoke {
                out.extend(
                    USERS
                        .iter()
                        .filter(|&&u| th.os_token != Some(u))
                        .map(|&identity| Action::PinvokeImpersonate { thread, identity }),
                );
                if th.os_token.is_some() {
                    out.push(Action::PinvokeRevert { thread });
                }
            }
            let (ec, identity) = controls(thread);
            if mode != FlowMode::NoContext {
                out.push(if th.ec_suppressed {
                    Action::RestoreFlow {
                        thread,
                        control: ec,
                    }
                } else {
                    Action::SuppressFlow {
                        thread,
                        control: ec,
                    }
                });
            }
            if framework2 {
                if th.wi_suppressed || th.sc_suppressed {
                    out.push(Action::RestoreFlow {
                        thread,
                        control: identity,
                    });
                } else {
                    out.push(Action::SuppressIdentityFlow {
                        thread,
                        control: identity,
                    });
                    out.push(Action::SuppressSecurityFlow {
                        thread,
                        control: identity,
                    });
                }
            }
            // Below MAX_ITEMS, the next item's number converts.
            if let Some(item) = u16::try_from(rt.items().len())
                .ok()
                .filter(|n| usize::from(*n) < MAX_ITEMS)
                .map(ItemId)
            {
                out.extend(HAND_OFFS.iter().map(|&(_, hand_off)| Action::Queue {
                    thread,
                    hand_off,
                    item,
                }));
            }
            for (i, item) in (0u16..).zip(rt.items()) {
                if item.is_some_and(|it| it.status == Status::Queued) {
                    out.push(Action::Run {
                        thread,
                        item: ItemId(i),
                    });
                }
            }
            match w.open_scope() {
                Some((_, Scope::Callback { item, .. })) => {
                    out.push(Action::Finish { thread, item })
                }
                Some((_, Scope::RunImpersonated { scope, .. })) => {
                    out.push(Action::End { thread, scope });
                }
                _ => {}
            }
            if profile.run_impersonated
                && let Some(next_id) = next_id
            {
                out.extend(live().map(|handle| Action::RunImpersonated {
                    thread,
                    handle,
                    scope: ScopeId(next_id),
                }));
            }
        }
        if profile.run_impersonated {
            out.extend(live().map(|handle| Action::Dispose {
                thread: ThreadId(0),
                handle,
            }));
        }
    }

    /// The state `action` leads to and the model's outcome, or `None` when the program
    /// cannot make it. A call that throws changes nothing but the model's runtime (a work
    /// item that could not start is over); the oracle records only what succeeded.
    #[must_use]
    pub fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        let setup = self.setups.get(usize::from(state.config))?;
        let mut next = state.clone();
        let outcome = step_in_place(setup, &mut next.runtime, action, Trail::rule_set()).ok()?;
        if outcome.result.is_ok() {
            self.observe(state, &next.runtime, action, &mut next.oracle)?;
        }
        Some((next, outcome))
    }

    /// Records in `oracle` what a call that succeeded did, as the domain text states it.
    fn observe(
        &self,
        before: &State,
        after: &Runtime,
        action: &Action,
        oracle: &mut Oracle,
    ) -> Option<()> {
        let mode = after.mode()?;
        let Oracle { threads, items } = oracle;
        match *action {
            Action::Impersonate {
                thread,
                identity,
                context,
            } => {
                let w = threads.get_mut(thread.index())?;
                w.stack.push(Scope::Impersonation {
                    context,
                    before: w.record.managed,
                });
                w.record.managed = Some(identity);
            }
            Action::Undo { thread, .. } => {
                let w = threads.get_mut(thread.index())?;
                if let Some(Scope::Impersonation { before, .. }) = w.stack.pop() {
                    w.record.managed = before;
                }
            }
            Action::SuppressFlow { thread, .. } => {
                threads.get_mut(thread.index())?.record.ec_suppressed = true;
            }
            Action::SuppressIdentityFlow { thread, .. } => {
                threads.get_mut(thread.index())?.record.wi_suppressed = true;
            }
            Action::SuppressSecurityFlow { thread, .. } => {
                threads.get_mut(thread.index())?.record.sc_suppressed = true;
            }
            Action::RestoreFlow { thread, control } => {
                let record = &mut threads.get_mut(thread.index())?.record;
                if control == controls(thread).0 {
                    record.ec_suppressed = false;
                } else {
                    record.wi_suppressed = false;
                    record.sc_suppressed = false;
                }
            }
            Action::Queue {
                thread, hand_off, ..
            } => items.push(ItemRecord {
                carries_context: hand_off != HandOff::UnsafeQueueUserWorkItem,
                os_at_capture: before.token(thread),
                record_at_capture: threads.get(thread.index())?.record,
            }),
            Action::Run { thread, item } => {
                let captured = *items.get(item.index())?;
                let os_before = before.token(thread);
                let w = threads.get_mut(thread.index())?;
                let restore = switch_on_entry(self.readings, mode, &captured, os_before, w.record)
                    .map(|to| {
                        let was = Switched {
                            managed: w.record.managed,
                            scope: w.record.scope,
                        };
                        w.record.managed = to.managed;
                        w.record.scope = to.scope;
                        was
                    });
                w.stack.push(Scope::Callback {
                    item,
                    os_before,
                    restore,
                });
            }
            Action::Finish { thread, .. } => {
                let w = threads.get_mut(thread.index())?;
                let (at, Scope::Callback { restore, .. }) = w.open_scope()? else {
                    return None;
                };
                w.stack.truncate(at);
                if let Some(r) = restore {
                    w.record.managed = r.managed;
                    w.record.scope = r.scope;
                }
            }
            Action::RunImpersonated {
                thread,
                handle,
                scope,
            } => {
                let owner = *HANDLE_OWNERS.get(handle.index())?;
                let os_before = before.token(thread);
                let w = threads.get_mut(thread.index())?;
                let restore = Switched {
                    managed: w.record.managed,
                    scope: w.record.scope,
                };
                if mode == FlowMode::AsyncLocal {
                    w.record.scope = Some(handle);
                } else {
                    w.record.managed = Some(owner);
                }
                w.stack.push(Scope::RunImpersonated {
                    scope,
                    handle,
                    os_before,
                    restore,
                });
            }
            Action::End { thread, .. } => {
                let w = threads.get_mut(thread.index())?;
                let (at, Scope::RunImpersonated { restore, .. }) = w.open_scope()? else {
                    return None;
                };
                w.stack.truncate(at);
                w.record.managed = restore.managed;
                w.record.scope = restore.scope;
            }
            _ => {}
        }
        Some(())
    }

    /// The fingerprint of `state`: of its configuration before the process starts; after,
    /// of its profile and what the runtime and the oracle hold, the two threads taken in
    /// either order (they are interchangeable), the ids of contexts and scopes left out
    /// (each thread picks its own) and contexts no open impersonation names ignored. The
    /// values are hashed in the order the suite has always hashed them, so that the
    /// explorer meets the states, and reports the counterexamples, in the same order.
    #[must_use]
    pub fn fingerprint(&self, state: &State) -> u64 {
        let Some(profile) = self.profile(state) else {
            return fingerprint::of(&(SUITE_HALF, STARTING, state.config));
        };
        let rt = &state.runtime;
        let worker = |t: u16| {
            let mut h = FingerprintHasher::default();
            let (thread, record) = (ThreadId(t), state.oracle.threads.get(usize::from(t)));
            if let (Some(th), Some(w)) = (rt.thread(thread), record) {
                th.hash(&mut h);
                h.write_usize(w.stack.len());
                for s in &w.stack {
                    ScopeShape::of(rt, thread, *s).hash(&mut h);
                }
                w.record.hash(&mut h);
            }
            h.finish()
        };
        let (a, b) = (worker(0), worker(1));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let mut h = FingerprintHasher::default();
        (profile, lo, hi).hash(&mut h);
        h.write_usize(rt.items().iter().flatten().count());
        for (model, oracle) in rt.items().iter().zip(state.oracle.items.iter()) {
            if let Some(m) = model {
                ItemShape {
                    context: m.context,
                    carries_context: oracle.carries_context,
                    os_at_capture: oracle.os_at_capture,
                    record_at_capture: oracle.record_at_capture,
                    status: m.status,
                }
                .hash(&mut h);
            }
        }
        h.write_usize(rt.handles().entries().count());
        for (_, who, disposed) in rt.handles().entries() {
            (who, disposed).hash(&mut h);
        }
        h.finish()
    }

    /// An action in words.
    #[must_use]
    pub fn describe_action(&self, action: &Action) -> String {
        let on = |t: &ThreadId| format!("thread t{t}");
        match action {
            Action::Start => "the runtime starts and reads its flow settings".to_owned(),
            Action::Impersonate {
                thread, identity, ..
            } => format!(
                "{}: WindowsIdentity.Impersonate({})",
                on(thread),
                name(Some(*identity))
            ),
            Action::Undo { thread, .. } => {
                format!("{}: WindowsImpersonationContext.Undo", on(thread))
            }
            Action::PinvokeImpersonate { thread, identity } => format!(
                "{}: ImpersonateLoggedOnUser({}) by P/Invoke",
                on(thread),
                name(Some(*identity))
            ),
            Action::PinvokeRevert { thread } => format!("{}: RevertToSelf by P/Invoke", on(thread)),
            Action::SuppressFlow { thread, .. } => {
                format!("{}: ExecutionContext.SuppressFlow", on(thread))
            }
            Action::SuppressIdentityFlow { thread, .. } => {
                format!(
                    "{}: SecurityContext.SuppressFlowWindowsIdentity",
                    on(thread)
                )
            }
            Action::SuppressSecurityFlow { thread, .. } => {
                format!("{}: SecurityContext.SuppressFlow", on(thread))
            }
            Action::RestoreFlow { thread, control } => format!(
                "{}: AsyncFlowControl.Undo ({})",
                on(thread),
                if *control == controls(*thread).0 {
                    "execution context"
                } else {
                    "security context"
                }
            ),
            Action::Queue {
                thread, hand_off, ..
            } => format!("{}: {} queues a work item", on(thread), hand_off.name()),
            Action::Run { thread, item } => format!("{} runs work item #{item}", on(thread)),
            Action::Finish { thread, .. } => format!("{}: its work item returns", on(thread)),
            Action::RunImpersonated { thread, handle, .. } => format!(
                "{}: WindowsIdentity.RunImpersonated(handle #{handle}, {}'s token) enters its delegate",
                on(thread),
                name(HANDLE_OWNERS.get(handle.index()).copied())
            ),
            Action::End { thread, .. } => {
                format!("{}: the RunImpersonated delegate returns", on(thread))
            }
            Action::Dispose { handle, .. } => format!("token handle #{handle} is disposed"),
            other => format!("{other:?}"),
        }
    }

    /// A state in words.
    #[must_use]
    pub fn describe_state(&self, state: &State) -> String {
        let Some(profile) = self.profile(state) else {
            return self
                .config(state)
                .map_or_else(|| "?".to_owned(), Config::words);
        };
        let rt = &state.runtime;
        let mut s = format!("[{}]", profile.mode.name());
        for (thread, w) in threads().zip(&state.oracle.threads) {
            let Some(th) = rt.thread(thread).copied() else {
                continue;
            };
            let _ = write!(
                s,
                " t{}: token {}, managed {}",
                thread.0,
                name(th.os_token),
                name(th.managed)
            );
            if th.ec_suppressed {
                s.push_str(", EC suppressed");
            }
            if th.wi_suppressed {
                s.push_str(", identity flow suppressed");
            }
            if th.sc_suppressed {
                s.push_str(", security context flow suppressed");
            }
            if let Some(h) = th.async_local {
                let _ = write!(s, ", AsyncLocal handle #{h}");
            }
            if !w.stack.is_empty() {
                let inside: Vec<String> = w
                    .stack
                    .iter()
                    .map(|sc| match sc {
                        Scope::Impersonation { .. } => "Impersonate".to_owned(),
                        Scope::Callback { item, .. } => format!("item #{item}"),
                        Scope::RunImpersonated { handle, .. } => {
                            format!("RunImpersonated #{handle}")
                        }
                    })
                    .collect();
                let _ = write!(s, ", inside {}", inside.join(" > "));
            }
            s.push(';');
        }
        for (i, (item, oracle)) in rt.items().iter().zip(state.oracle.items.iter()).enumerate() {
            let Some(item) = item else {
                continue;
            };
            let _ = write!(
                s,
                " item #{i} {:?}{}, carries {:?};",
                item.status,
                if oracle.carries_context {
                    ""
                } else {
                    " (unsafe)"
                },
                item.context
            );
        }
        s
    }
}

/// How the `managed` suite tells its halves apart in fingerprints (the .NET half first).
const SUITE_HALF: isize = 0;
/// How the .NET half tells a process not yet started in fingerprints.
const STARTING: isize = 0;

/// A thread's open scope as the fingerprint hashes it: the oracle's record with the
/// model's frame or context it names.
#[derive(Hash)]
enum ScopeShape {
    Impersonation {
        context: ImpersonationContext,
        before: Option<Ident>,
    },
    Callback {
        item: ItemId,
        frame: Frame,
        os_before: Option<Ident>,
        restore: Option<Switched>,
    },
    RunImpersonated {
        handle: HandleId,
        frame: Frame,
        os_before: Option<Ident>,
        restore: Switched,
    },
    /// A scope whose context or frame the runtime does not hold (never, in this suite).
    Unbound,
}

impl ScopeShape {
    fn of(rt: &Runtime, thread: ThreadId, scope: Scope) -> Self {
        match scope {
            Scope::Impersonation { context, before } => match rt.context(context) {
                Some(&context) => ScopeShape::Impersonation { context, before },
                None => ScopeShape::Unbound,
            },
            Scope::Callback {
                item,
                os_before,
                restore,
            } => rt
                .open(thread)
                .find_map(|o| match o {
                    Open::Callback { item: i, frame } if i == item => Some(frame),
                    _ => None,
                })
                .map_or(ScopeShape::Unbound, |frame| ScopeShape::Callback {
                    item,
                    frame,
                    os_before,
                    restore,
                }),
            Scope::RunImpersonated {
                scope,
                handle,
                os_before,
                restore,
            } => rt
                .open(thread)
                .find_map(|o| match o {
                    Open::Scope { scope: s, frame } if s == scope => Some(frame),
                    _ => None,
                })
                .map_or(ScopeShape::Unbound, |frame| ScopeShape::RunImpersonated {
                    handle,
                    frame,
                    os_before,
                    restore,
                }),
        }
    }
}

/// A work item as the fingerprint hashes it: what the model captured and the oracle saw.
#[derive(Hash)]
struct ItemShape {
    context: Carried,
    carries_context: bool,
    os_at_capture: Option<Ident>,
    record_at_capture: Record,
    status: Status,
}

/// The id a context or scope bound at position `depth` of `thread`'s stack takes: the
/// threads' ids interleave, so that ids of live objects never clash and the runtime's
/// tables stay as short as the stacks are deep. `None` past the 16-bit ids: no scope is
/// then offered to bind, so a stack never grows deeper than its ids number.
fn id_at(thread: ThreadId, depth: usize) -> Option<u16> {
    u16::try_from(depth)
        .ok()?
        .checked_mul(THREADS_U16)?
        .checked_add(thread.0)
}

/// The flow controls `thread` binds: for ExecutionContext.SuppressFlow, and for an
/// identity suppression.
fn controls(thread: ThreadId) -> (ControlId, ControlId) {
    let base = thread.0.saturating_mul(2);
    (ControlId(base), ControlId(base.saturating_add(1)))
}

/// What running `item` on a thread that holds `os` with `record` switches in the oracle's
/// record, as the domain states it, or `None` when the runtime leaves the thread alone:
/// no context flowed (CLR-1, CLR-2, CLR-9), legacy (CLR-5), identity flow suppressed
/// (CLR-10, OQR-1 at its default reading); else the identity at capture, managed (CLR-3)
/// or the OS token (CLR-4), is impersonated, and with none an impersonating thread reverts
/// (CLR-8); on .NET Core the AsyncLocal switches when its value changes (CLR-12).
fn switch_on_entry(
    readings: Readings,
    mode: FlowMode,
    item: &ItemRecord,
    os: Option<Ident>,
    record: Record,
) -> Option<Switched> {
    if !item.context_flows() {
        return None;
    }
    let at = item.record_at_capture;
    match mode {
        FlowMode::NoContext | FlowMode::NoFlow => None,
        FlowMode::AlwaysFlow | FlowMode::FastFlow => {
            let revert_reading =
                at.sc_suppressed && readings.alternative(tokenhop_model::rules::RuleId::OQR_1);
            if at.identity_suppressed() && !revert_reading {
                return None;
            }
            let identity = if revert_reading {
                None
            } else if mode == FlowMode::AlwaysFlow {
                item.os_at_capture
            } else {
                at.managed
            };
            match identity {
                Some(who) => Some(Switched {
                    managed: Some(who),
                    scope: record.scope,
                }),
                None if os.is_some() => Some(Switched {
                    managed: None,
                    scope: record.scope,
                }),
                None => None,
            }
        }
        FlowMode::AsyncLocal => (at.scope != record.scope).then_some(Switched {
            managed: record.managed,
            scope: at.scope,
        }),
    }
}

/// An identity's name: the process for none.
#[must_use]
pub fn name(who: Option<Ident>) -> &'static str {
    match who {
        None | Some(0) => "the process",
        Some(ALICE) => "alice",
        Some(BOB) => "bob",
        Some(_) => "?",
    }
}
