//! The .NET half of the `managed` suite: one process for every runtime version, host and
//! flow configuration `tokenhop_model::managed::dotnet` distinguishes, two of its threads,
//! and every sequence of the calls that carry a Windows identity across an asynchronous
//! point. This module owns those configurations, the program state, the transitions (each
//! one call of `dotnet`, as the runtime interpreter makes it) and the checks of INV-11..15.
//!
//! Beside the model's own thread records, the state keeps the suite's record of what the
//! program did, written from the domain text and not from the model's code: the identity
//! the last managed impersonation recorded on each thread (CLR-3: only
//! WindowsIdentity.Impersonate, RunImpersonated and a context that carries an identity set
//! it; P/Invoke never does), the flow suppressions in force (CLR-9, CLR-10), and on .NET
//! Core the RunImpersonated scope the thread's flowing context belongs to (CLR-12). The
//! invariants compare what the model's threads hold with what that record says they must.

use std::fmt::Write as _;
use tokenhop_check::Violation;

use tokenhop_model::core::decision::{RuleSet, Trail};
use tokenhop_model::managed::dotnet::{
    self, Carried, FRAMEWORKS, Family, FlowConfig, FlowMode, Frame, Framework, HAND_OFFS, HandOff,
    Handles, Host, ImpersonationContext, ManagedThread, Suppression,
};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::{HandleId, Ident};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

use super::Observed;

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

/// The suite's record of one thread, kept from the calls the program made.
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

/// What a thread is inside of, innermost last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A WindowsIdentity.Impersonate not yet undone.
    Impersonation {
        /// What Undo needs.
        context: ImpersonationContext,
        /// The record's managed identity before it.
        before: Option<Ident>,
    },
    /// A work item running on the thread.
    Callback {
        /// The item.
        item: u8,
        /// What the model's `leave` needs.
        frame: Frame,
        /// The thread's token before the item ran.
        os_before: Option<Ident>,
        /// The record before the runtime switched it, when it did.
        restore: Option<Switched>,
    },
    /// A RunImpersonated delegate running on the thread.
    RunImpersonated {
        /// Its token handle.
        handle: HandleId,
        /// What the model's `leave` needs.
        frame: Frame,
        /// The thread's token before it.
        os_before: Option<Ident>,
        /// The record before it.
        restore: Switched,
    },
}

/// One thread: the model's record of it, what it is inside of, and the suite's record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Worker {
    /// The model's thread.
    pub thread: ManagedThread,
    /// Its open scopes, innermost last.
    pub stack: Vec<Scope>,
    /// The suite's record of it.
    pub record: Record,
}

impl Worker {
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

/// Where a work item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Queued, not yet run.
    Queued,
    /// Running on a thread.
    Running,
    /// Returned (or failed to start).
    Done,
}

/// A queued work item: what the model captured, and what the suite saw at capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    /// What the model's `capture` carried.
    pub carried: Carried,
    /// The hand-off carries an ExecutionContext (every one but UnsafeQueueUserWorkItem,
    /// CLR-2). The four that do behave alike, so only this is kept.
    pub carries_context: bool,
    /// The capturing thread's OS token at capture.
    pub os_at_capture: Option<Ident>,
    /// The suite's record of the capturing thread at capture.
    pub record_at_capture: Record,
    /// Where it is.
    pub status: Status,
}

impl Item {
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

/// A started process.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Program {
    /// What decides its behaviour.
    pub profile: Profile,
    /// Its threads.
    pub workers: [Worker; THREADS],
    /// The work items queued so far, by number.
    pub items: Vec<Item>,
    /// Its token handles ([`HANDLE_OWNERS`]).
    pub handles: Handles,
}

/// A state of the .NET half.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// A configuration whose process has not started (its index).
    Starting(u16),
    /// A started process.
    Running(Program),
}

/// A thread's number.
pub type ThreadNo = u8;

/// A call of the program, on one of its threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The runtime starts and reads its configuration.
    Start,
    /// WindowsIdentity.Impersonate (the .NET Framework).
    Impersonate(ThreadNo, Ident),
    /// WindowsImpersonationContext.Undo on the innermost impersonation.
    Undo(ThreadNo),
    /// ImpersonateLoggedOnUser by P/Invoke.
    PinvokeImpersonate(ThreadNo, Ident),
    /// RevertToSelf by P/Invoke.
    PinvokeRevert(ThreadNo),
    /// ExecutionContext.SuppressFlow.
    SuppressFlow(ThreadNo),
    /// SecurityContext.SuppressFlowWindowsIdentity, or with `true` SecurityContext.SuppressFlow.
    SuppressIdentityFlow(ThreadNo, bool),
    /// AsyncFlowControl.Undo of ExecutionContext.SuppressFlow, on the suppressing thread.
    RestoreFlow(ThreadNo),
    /// AsyncFlowControl.Undo of an identity suppression, on the suppressing thread.
    RestoreIdentityFlow(ThreadNo),
    /// An asynchronous hand-off: a work item is queued.
    Queue(ThreadNo, HandOff),
    /// The thread runs a queued work item.
    Run(ThreadNo, u8),
    /// The innermost work item running on the thread returns.
    Finish(ThreadNo),
    /// WindowsIdentity.RunImpersonated enters its delegate.
    RunImpersonated(ThreadNo, HandleId),
    /// The innermost RunImpersonated delegate returns.
    End(ThreadNo),
    /// SafeAccessTokenHandle.Dispose.
    Dispose(HandleId),
}

/// The .NET half's model: its configurations and the readings it runs under.
#[derive(Clone, Debug)]
pub struct Dotnet {
    configs: Vec<Config>,
    readings: Readings,
    pinvoke_in_run_impersonated: bool,
}

/// A transition's effect: the rules applied and the call's result.
pub type Effect = (RuleSet, Result<Observed, Exception>);

impl Dotnet {
    /// Over `configs`, under the default readings.
    #[must_use]
    pub fn new(configs: Vec<Config>) -> Self {
        Dotnet {
            configs,
            readings: Readings::default(),
            pinvoke_in_run_impersonated: false,
        }
    }

    /// Under `readings`.
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Dotnet { readings, ..self }
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

    /// One state per configuration, before the process starts.
    #[must_use]
    pub fn initial_states(&self) -> Vec<State> {
        (0..self.configs.len())
            .map(|i| State::Starting(u16::try_from(i).unwrap_or(u16::MAX)))
            .collect()
    }

    /// The calls worth trying from `state`.
    pub fn actions(&self, state: &State, out: &mut Vec<Action>) {
        let p = match state {
            State::Starting(_) => {
                out.push(Action::Start);
                return;
            }
            State::Running(p) => p,
        };
        let mode = p.profile.mode;
        let framework2 = matches!(
            mode,
            FlowMode::NoFlow | FlowMode::AlwaysFlow | FlowMode::FastFlow
        );
        for (t, w) in p.workers.iter().enumerate() {
            let t = ThreadNo::try_from(t).unwrap_or(ThreadNo::MAX);
            let th = &w.thread;
            if p.profile.impersonate {
                out.extend(USERS.iter().map(|&u| Action::Impersonate(t, u)));
            }
            if matches!(w.stack.last(), Some(Scope::Impersonation { .. })) {
                out.push(Action::Undo(t));
            }
            let pinvoke = mode != FlowMode::AsyncLocal
                || w.record.scope.is_none()
                || self.pinvoke_in_run_impersonated;
            if pinvoke {
                out.extend(
                    USERS
                        .iter()
                        .filter(|&&u| th.os_token != Some(u))
                        .map(|&u| Action::PinvokeImpersonate(t, u)),
                );
                if th.os_token.is_some() {
                    out.push(Action::PinvokeRevert(t));
                }
            }
            if mode != FlowMode::NoContext {
                if th.ec_suppressed {
                    out.push(Action::RestoreFlow(t));
                } else {
                    out.push(Action::SuppressFlow(t));
                }
            }
            if framework2 {
                if th.wi_suppressed || th.sc_suppressed {
                    out.push(Action::RestoreIdentityFlow(t));
                } else {
                    out.push(Action::SuppressIdentityFlow(t, false));
                    out.push(Action::SuppressIdentityFlow(t, true));
                }
            }
            if p.items.len() < MAX_ITEMS {
                out.extend(HAND_OFFS.iter().map(|&(_, h)| Action::Queue(t, h)));
            }
            for (i, item) in p.items.iter().enumerate() {
                if item.status == Status::Queued {
                    out.push(Action::Run(t, u8::try_from(i).unwrap_or(u8::MAX)));
                }
            }
            match w.open_scope() {
                Some((_, Scope::Callback { .. })) => out.push(Action::Finish(t)),
                Some((_, Scope::RunImpersonated { .. })) => out.push(Action::End(t)),
                _ => {}
            }
            if p.profile.run_impersonated {
                out.extend(
                    (0..HANDLE_OWNERS.len())
                        .filter_map(|h| u16::try_from(h).ok().map(HandleId))
                        .filter(|&h| p.handles.live(h).is_some())
                        .map(|h| Action::RunImpersonated(t, h)),
                );
            }
        }
        if p.profile.run_impersonated {
            out.extend(
                (0..HANDLE_OWNERS.len())
                    .filter_map(|h| u16::try_from(h).ok().map(HandleId))
                    .filter(|&h| p.handles.live(h).is_some())
                    .map(Action::Dispose),
            );
        }
    }

    /// The state `action` leads to and its effect, or `None` when it does not apply.
    #[must_use]
    pub fn next(&self, state: &State, action: &Action) -> Option<(State, Effect)> {
        match (state, action) {
            (State::Starting(c), Action::Start) => {
                let config = self.configs.get(usize::from(*c))?;
                let mut trail = Trail::rule_set();
                let mode = dotnet::flow_mode(
                    config.framework,
                    config.host,
                    config.flow,
                    &self.readings,
                    &mut trail,
                );
                let mut handles = Handles::default();
                if config.framework.run_impersonated {
                    for (h, who) in (0u16..).zip(HANDLE_OWNERS) {
                        handles.open(HandleId(h), who);
                    }
                }
                let program = Program {
                    profile: Profile {
                        mode,
                        impersonate: config.framework.impersonate,
                        run_impersonated: config.framework.run_impersonated,
                    },
                    workers: Default::default(),
                    items: Vec::new(),
                    handles,
                };
                Some((
                    State::Running(program),
                    (trail.rules(), Ok(Observed::Nothing)),
                ))
            }
            (State::Running(p), _) => {
                let mut next = p.clone();
                let mut trail = Trail::rule_set();
                match self.step(&mut next, *action, &mut trail)? {
                    Ok(()) => Some((State::Running(next), (trail.rules(), Ok(Observed::Nothing)))),
                    // A call that throws changes nothing, except a work item that could not
                    // start, which is over.
                    Err(e) => {
                        let mut after = p.clone();
                        if let Action::Run(_, i) = action
                            && let Some(item) = after.items.get_mut(usize::from(*i))
                        {
                            item.status = Status::Done;
                        }
                        Some((State::Running(after), (trail.rules(), Err(e))))
                    }
                }
            }
            (State::Starting(_), _) => None,
        }
    }

    /// Plays `action` on `p` (the model's call, then the suite's record).
    #[allow(clippy::too_many_lines)]
    fn step(
        &self,
        p: &mut Program,
        action: Action,
        trail: &mut Trail,
    ) -> Option<Result<(), Exception>> {
        let mode = p.profile.mode;
        let Program {
            workers,
            items,
            handles,
            ..
        } = p;
        Some(match action {
            Action::Start => return None,
            Action::Impersonate(t, who) => {
                let w = worker(workers, t)?;
                let context = dotnet::impersonate(&mut w.thread, who, trail);
                w.stack.push(Scope::Impersonation {
                    context,
                    before: w.record.managed,
                });
                w.record.managed = Some(who);
                Ok(())
            }
            Action::Undo(t) => {
                let w = worker(workers, t)?;
                let Some(Scope::Impersonation { context, before }) = w.stack.pop() else {
                    return None;
                };
                dotnet::undo(&mut w.thread, context, trail);
                w.record.managed = before;
                Ok(())
            }
            Action::PinvokeImpersonate(t, who) => {
                let w = worker(workers, t)?;
                dotnet::pinvoke_impersonate_in(mode, &mut w.thread, who, trail);
                Ok(())
            }
            Action::PinvokeRevert(t) => {
                let w = worker(workers, t)?;
                dotnet::pinvoke_revert(&mut w.thread, trail);
                Ok(())
            }
            Action::SuppressFlow(t) => {
                let w = worker(workers, t)?;
                dotnet::suppress_flow(mode, &mut w.thread, trail).map(|()| {
                    w.record.ec_suppressed = true;
                })
            }
            Action::RestoreFlow(t) => {
                let w = worker(workers, t)?;
                dotnet::restore_flow(&mut w.thread, Suppression::ExecutionContext, true, trail).map(
                    |()| {
                        w.record.ec_suppressed = false;
                    },
                )
            }
            Action::SuppressIdentityFlow(t, whole) => {
                let w = worker(workers, t)?;
                dotnet::suppress_identity_flow(mode, &mut w.thread, whole, trail).map(|()| {
                    if whole {
                        w.record.sc_suppressed = true;
                    } else {
                        w.record.wi_suppressed = true;
                    }
                })
            }
            Action::RestoreIdentityFlow(t) => {
                let w = worker(workers, t)?;
                dotnet::restore_flow(&mut w.thread, Suppression::SecurityContext, true, trail).map(
                    |()| {
                        w.record.wi_suppressed = false;
                        w.record.sc_suppressed = false;
                    },
                )
            }
            Action::Queue(t, hand_off) => {
                if items.len() >= MAX_ITEMS {
                    return None;
                }
                let w = worker(workers, t)?;
                let carried =
                    dotnet::capture_with(mode, hand_off, &w.thread, &self.readings, trail);
                items.push(Item {
                    carried,
                    carries_context: hand_off != HandOff::UnsafeQueueUserWorkItem,
                    os_at_capture: w.thread.os_token,
                    record_at_capture: w.record,
                    status: Status::Queued,
                });
                Ok(())
            }
            Action::Run(t, i) => {
                let item = items.get_mut(usize::from(i))?;
                if item.status != Status::Queued {
                    return None;
                }
                let w = worker(workers, t)?;
                let os_before = w.thread.os_token;
                let switch = self.switch_on_entry(mode, item, w);
                let result = dotnet::enter(item.carried, &mut w.thread, handles, trail);
                result.map(|frame| {
                    let restore = switch.map(|to| {
                        let before = Switched {
                            managed: w.record.managed,
                            scope: w.record.scope,
                        };
                        w.record.managed = to.managed;
                        w.record.scope = to.scope;
                        before
                    });
                    w.stack.push(Scope::Callback {
                        item: i,
                        frame,
                        os_before,
                        restore,
                    });
                    item.status = Status::Running;
                })
            }
            Action::Finish(t) => {
                let w = worker(workers, t)?;
                let (
                    at,
                    Scope::Callback {
                        item,
                        frame,
                        restore,
                        ..
                    },
                ) = w.open_scope()?
                else {
                    return None;
                };
                w.stack.truncate(at);
                dotnet::leave(frame, &mut w.thread, trail);
                if let Some(r) = restore {
                    w.record.managed = r.managed;
                    w.record.scope = r.scope;
                }
                if let Some(it) = items.get_mut(usize::from(item)) {
                    it.status = Status::Done;
                }
                Ok(())
            }
            Action::RunImpersonated(t, handle) => {
                let who = *HANDLE_OWNERS.get(handle.index())?;
                let w = worker(workers, t)?;
                let os_before = w.thread.os_token;
                dotnet::run_impersonated(mode, &mut w.thread, handle, handles, trail).map(|frame| {
                    let restore = Switched {
                        managed: w.record.managed,
                        scope: w.record.scope,
                    };
                    if mode == FlowMode::AsyncLocal {
                        w.record.scope = Some(handle);
                    } else {
                        w.record.managed = Some(who);
                    }
                    w.stack.push(Scope::RunImpersonated {
                        handle,
                        frame,
                        os_before,
                        restore,
                    });
                })
            }
            Action::End(t) => {
                let w = worker(workers, t)?;
                let (at, Scope::RunImpersonated { frame, restore, .. }) = w.open_scope()? else {
                    return None;
                };
                w.stack.truncate(at);
                dotnet::leave(frame, &mut w.thread, trail);
                w.record.managed = restore.managed;
                w.record.scope = restore.scope;
                Ok(())
            }
            Action::Dispose(handle) => {
                handles.dispose(handle);
                Ok(())
            }
        })
    }

    /// What running `item` on `runner` switches in the suite's record, as the domain
    /// states it, or `None` when the runtime leaves the thread alone: no context flowed
    /// (CLR-1, CLR-2, CLR-9), legacy (CLR-5), identity flow suppressed (CLR-10, OQR-1 at
    /// its default reading); else the identity at capture, managed (CLR-3) or the OS
    /// token (CLR-4), is impersonated, and with none an impersonating thread reverts
    /// (CLR-8); on .NET Core the AsyncLocal switches when its value changes (CLR-12).
    fn switch_on_entry(&self, mode: FlowMode, item: &Item, runner: &Worker) -> Option<Switched> {
        if !item.context_flows() {
            return None;
        }
        let at = item.record_at_capture;
        match mode {
            FlowMode::NoContext | FlowMode::NoFlow => None,
            FlowMode::AlwaysFlow | FlowMode::FastFlow => {
                let revert_reading = at.sc_suppressed && self.readings.alternative(RuleId::OQR_1);
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
                        scope: runner.record.scope,
                    }),
                    None if runner.thread.os_token.is_some() => Some(Switched {
                        managed: None,
                        scope: runner.record.scope,
                    }),
                    None => None,
                }
            }
            FlowMode::AsyncLocal => (at.scope != runner.record.scope).then_some(Switched {
                managed: runner.record.managed,
                scope: at.scope,
            }),
        }
    }

    /// An action in words.
    #[must_use]
    pub fn describe_action(&self, action: &Action) -> String {
        let on = |t: &ThreadNo| format!("thread t{t}");
        match action {
            Action::Start => "the runtime starts and reads its flow settings".to_owned(),
            Action::Impersonate(t, who) => {
                format!(
                    "{}: WindowsIdentity.Impersonate({})",
                    on(t),
                    name(Some(*who))
                )
            }
            Action::Undo(t) => format!("{}: WindowsImpersonationContext.Undo", on(t)),
            Action::PinvokeImpersonate(t, who) => format!(
                "{}: ImpersonateLoggedOnUser({}) by P/Invoke",
                on(t),
                name(Some(*who))
            ),
            Action::PinvokeRevert(t) => format!("{}: RevertToSelf by P/Invoke", on(t)),
            Action::SuppressFlow(t) => format!("{}: ExecutionContext.SuppressFlow", on(t)),
            Action::SuppressIdentityFlow(t, whole) => format!(
                "{}: SecurityContext.{}",
                on(t),
                if *whole {
                    "SuppressFlow"
                } else {
                    "SuppressFlowWindowsIdentity"
                }
            ),
            Action::RestoreFlow(t) => {
                format!("{}: AsyncFlowControl.Undo (execution context)", on(t))
            }
            Action::RestoreIdentityFlow(t) => {
                format!("{}: AsyncFlowControl.Undo (security context)", on(t))
            }
            Action::Queue(t, h) => format!("{}: {} queues a work item", on(t), h.name()),
            Action::Run(t, i) => format!("{} runs work item #{i}", on(t)),
            Action::Finish(t) => format!("{}: its work item returns", on(t)),
            Action::RunImpersonated(t, h) => format!(
                "{}: WindowsIdentity.RunImpersonated(handle #{h}, {}'s token) enters its delegate",
                on(t),
                name(HANDLE_OWNERS.get(h.index()).copied())
            ),
            Action::End(t) => format!("{}: the RunImpersonated delegate returns", on(t)),
            Action::Dispose(h) => format!("token handle #{h} is disposed"),
        }
    }

    /// A state in words.
    #[must_use]
    pub fn describe_state(&self, state: &State) -> String {
        let p = match state {
            State::Starting(c) => {
                return self
                    .configs
                    .get(usize::from(*c))
                    .map_or_else(|| "?".to_owned(), Config::words);
            }
            State::Running(p) => p,
        };
        let mut s = format!("[{}]", p.profile.mode.name());
        for (t, w) in p.workers.iter().enumerate() {
            let th = &w.thread;
            let _ = write!(
                s,
                " t{t}: token {}, managed {}",
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
        for (i, item) in p.items.iter().enumerate() {
            let _ = write!(
                s,
                " item #{i} {:?}{}, carries {:?};",
                item.status,
                if item.carries_context {
                    ""
                } else {
                    " (unsafe)"
                },
                item.carried
            );
        }
        s
    }
}

fn worker(workers: &mut [Worker; THREADS], t: ThreadNo) -> Option<&mut Worker> {
    workers.get_mut(usize::from(t))
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

/// The programs before and after a transition of a started process.
fn programs<'a>(before: &'a State, after: &'a State) -> Option<(&'a Program, &'a Program)> {
    match (before, after) {
        (State::Running(b), State::Running(a)) => Some((b, a)),
        _ => None,
    }
}

fn token(p: &Program, t: ThreadNo) -> Option<Ident> {
    p.workers
        .get(usize::from(t))
        .and_then(|w| w.thread.os_token)
}

/// INV-11: in no-flow mode a callback starts with the token its thread had before it, and
/// the runtime changes nothing when it returns (CLR-5, MRT-2).
pub fn inv_11(
    before: &State,
    action: &Action,
    after: &State,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    let Some((b, a)) = programs(before, after) else {
        return Ok(());
    };
    if b.profile.mode != FlowMode::NoFlow {
        return Ok(());
    }
    let (Action::Run(t, _) | Action::Finish(t)) = *action else {
        return Ok(());
    };
    if result.is_err() {
        return Err(Violation::new(format!(
            "{} threw in no-flow mode",
            describe(action)
        )));
    }
    let (was, is) = (token(b, t), token(a, t));
    if was == is {
        Ok(())
    } else {
        Err(Violation::new(format!(
            "no-flow mode: thread t{t}'s token was {} and is {} after {}",
            name(was),
            name(is),
            describe(action)
        )))
    }
}

fn describe(action: &Action) -> &'static str {
    match action {
        Action::Run(..) => "a work item started",
        Action::Finish(..) => "a work item returned",
        Action::End(..) => "RunImpersonated returned",
        _ => "the call",
    }
}

/// The identity a callback must run under in `mode` by INV-12 (the managed identity at
/// capture) and INV-13 (the OS token at capture), the process when none; `None` when the
/// invariant says nothing of the item.
fn flowed(mode: FlowMode, item: &Item) -> Option<Option<Ident>> {
    if !item.identity_flows() {
        return None;
    }
    match mode {
        FlowMode::FastFlow => Some(item.record_at_capture.managed),
        FlowMode::AlwaysFlow => Some(item.os_at_capture),
        _ => None,
    }
}

/// INV-12 and INV-13 in `mode`: a work item whose identity was free to flow starts under
/// the identity [`flowed`] gives, and when running it switched the token the thread holds
/// its previous token again when it returns (CLR-8).
fn flow_is_exact(
    mode: FlowMode,
    before: &State,
    action: &Action,
    after: &State,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    let Some((b, a)) = programs(before, after) else {
        return Ok(());
    };
    if b.profile.mode != mode {
        return Ok(());
    }
    match *action {
        Action::Run(t, i) => {
            let Some(item) = b.items.get(usize::from(i)) else {
                return Ok(());
            };
            let Some(want) = flowed(mode, item) else {
                return Ok(());
            };
            if let Err(e) = result {
                return Err(Violation::new(format!("work item #{i} threw {e}")));
            }
            let got = token(a, t);
            if got == want {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "work item #{i} was captured with {} and runs on thread t{t} as {}",
                    name(want),
                    name(got)
                )))
            }
        }
        Action::Finish(t) => {
            let Some((
                _,
                Scope::Callback {
                    item, os_before, ..
                },
            )) = b.workers.get(usize::from(t)).and_then(Worker::open_scope)
            else {
                return Ok(());
            };
            let Some(want) = b
                .items
                .get(usize::from(item))
                .and_then(|it| flowed(mode, it))
            else {
                return Ok(());
            };
            let switched = want.is_some() || os_before.is_some();
            let got = token(a, t);
            if !switched || got == os_before {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "work item #{item} ran on thread t{t}, which held {} before it; after it returns the thread holds {}",
                    name(os_before),
                    name(got)
                )))
            }
        }
        _ => Ok(()),
    }
}

/// INV-12: in fast-flow mode a callback whose identity was free to flow runs as the
/// identity managed impersonation recorded at capture, else as the process.
pub fn inv_12(
    before: &State,
    action: &Action,
    after: &State,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    flow_is_exact(FlowMode::FastFlow, before, action, after, result)
}

/// INV-13: in always-flow mode a callback whose identity was free to flow runs as the OS
/// thread token at capture, else as the process.
pub fn inv_13(
    before: &State,
    action: &Action,
    after: &State,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    flow_is_exact(FlowMode::AlwaysFlow, before, action, after, result)
}

/// INV-14: a .NET Framework 2.0-4.8 process with legacy and always-flow both enabled
/// starts in no-flow mode.
pub fn inv_14(
    dotnet: &Dotnet,
    before: &State,
    action: &Action,
    after: &State,
) -> Result<(), Violation> {
    let (State::Starting(c), Action::Start, State::Running(p)) = (before, action, after) else {
        return Ok(());
    };
    let Some(config) = dotnet.configs.get(usize::from(*c)) else {
        return Ok(());
    };
    if config.framework.family != Family::Framework2
        || !config.legacy_enabled()
        || !config.always_flow_enabled()
        || p.profile.mode == FlowMode::NoFlow
    {
        return Ok(());
    }
    Err(Violation::new(format!(
        "{}: legacy and always-flow are both enabled and the process starts in {} mode",
        config.words(),
        p.profile.mode.name()
    )))
}

/// INV-15: on .NET Core a continuation of a RunImpersonated delegate that runs with its
/// flowing context runs impersonating the delegate's token (or throws
/// ObjectDisposedException, its handle disposed), and when the delegate returns the thread
/// holds its previous token again.
pub fn inv_15(
    before: &State,
    action: &Action,
    after: &State,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    let Some((b, a)) = programs(before, after) else {
        return Ok(());
    };
    if b.profile.mode != FlowMode::AsyncLocal {
        return Ok(());
    }
    match *action {
        Action::Run(t, i) => {
            let Some(item) = b.items.get(usize::from(i)) else {
                return Ok(());
            };
            let Some(handle) = item
                .record_at_capture
                .scope
                .filter(|_| item.context_flows())
            else {
                return Ok(());
            };
            let owner = HANDLE_OWNERS.get(handle.index()).copied();
            match result {
                Err(Exception::ObjectDisposed) if b.handles.live(handle).is_none() => Ok(()),
                Err(e) => Err(Violation::new(format!(
                    "continuation #{i} of RunImpersonated(handle #{handle}) threw {e}"
                ))),
                Ok(_) if token(a, t) == owner => Ok(()),
                Ok(_) => Err(Violation::new(format!(
                    "continuation #{i} of RunImpersonated(handle #{handle}, {}) runs on thread t{t} as {}",
                    name(owner),
                    name(token(a, t))
                ))),
            }
        }
        Action::End(t) => {
            let Some((_, Scope::RunImpersonated { os_before, .. })) =
                b.workers.get(usize::from(t)).and_then(Worker::open_scope)
            else {
                return Ok(());
            };
            if token(a, t) == os_before {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "RunImpersonated returned on thread t{t}, which held {} before it, and left it holding {}",
                    name(os_before),
                    name(token(a, t))
                )))
            }
        }
        _ => Ok(()),
    }
}
