//! .NET identity flow: which Windows identity a callback runs under after an asynchronous
//! hand-off, for every framework family, configuration and suppression (CLR-1..15, MRT-1,
//! MRT-2, OQD-7).
//!
//! A [`ManagedThread`] is what the runtime and the OS know about one thread: its OS token,
//! the identity managed impersonation recorded, its suppression flags and (on .NET Core)
//! the flowing token handle. `capture` takes what a hand-off carries; `enter` applies it
//! on the thread that runs the callback and `leave` restores afterwards. These are the
//! decisions [`step`](super::step::step) takes for the .NET actions; each records its decisions on a
//! [`Trail`].

use super::Ident;
use super::exception::Exception;
use super::ids::HandleId;
use crate::core::decision::Trail;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// The families of runtime whose flow rules differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// .NET Framework 1.0 and 1.1: no ExecutionContext (CLR-1).
    Framework1,
    /// .NET Framework 2.0 to 4.8.x: ExecutionContext and SecurityContext (CLR-2..11).
    Framework2,
    /// .NET Core and .NET 5+: RunImpersonated and an AsyncLocal (CLR-12..14).
    Core,
}

/// A runtime version a scenario may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Framework {
    /// Its name in scenarios (`4.8`, `core-3.1`, `8`).
    pub name: &'static str,
    /// Its family.
    pub family: Family,
    /// Whether WindowsIdentity.RunImpersonated exists (.NET Framework 4.6+, every .NET Core).
    pub run_impersonated: bool,
    /// Whether WindowsIdentity.Impersonate exists (the .NET Framework only).
    pub impersonate: bool,
}

const fn fx(
    name: &'static str,
    family: Family,
    run_impersonated: bool,
) -> (&'static str, Framework) {
    (
        name,
        Framework {
            name,
            family,
            run_impersonated,
            impersonate: !matches!(family, Family::Core),
        },
    )
}

/// .NET Framework 1.1, the last version without an ExecutionContext.
const NET_1_1: (&str, Framework) = fx("1.1", Family::Framework1, false);
/// .NET Framework 4.8, the last .NET Framework.
const NET_4_8: (&str, Framework) = fx("4.8", Family::Framework2, true);
/// .NET 9, the newest .NET the rules distinguish.
const NET_9: (&str, Framework) = fx("9", Family::Core, true);

impl Family {
    /// The newest runtime version of the family.
    #[must_use]
    pub fn newest(self) -> Framework {
        match self {
            Family::Framework1 => NET_1_1.1,
            Family::Framework2 => NET_4_8.1,
            Family::Core => NET_9.1,
        }
    }
}

/// Every runtime version a scenario may name.
pub const FRAMEWORKS: &[(&str, Framework)] = &[
    fx("1.0", Family::Framework1, false),
    NET_1_1,
    fx("2.0", Family::Framework2, false),
    fx("3.0", Family::Framework2, false),
    fx("3.5", Family::Framework2, false),
    fx("4.0", Family::Framework2, false),
    fx("4.5", Family::Framework2, false),
    fx("4.6", Family::Framework2, true),
    fx("4.7", Family::Framework2, true),
    NET_4_8,
    fx("core-2.1", Family::Core, true),
    fx("core-3.1", Family::Core, true),
    fx("5", Family::Core, true),
    fx("6", Family::Core, true),
    fx("7", Family::Core, true),
    fx("8", Family::Core, true),
    NET_9,
];

/// What loaded the runtime, which decides where the flow settings come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Host {
    /// An ordinary executable: the elements come from its application configuration file.
    #[default]
    App,
    /// Classic ASP.NET: aspnet.config, legacy on and always-flow off unless changed (CLR-7).
    AspNet,
    /// An unmanaged host calling CorBindToRuntimeEx with STARTUP_* flags (CLR-4, CLR-5).
    ClrHost,
    /// ASP.NET Core: no impersonation of its own (CLR-15).
    AspNetCore,
    /// SQL Server hosting CLR integration code (SQL-4).
    SqlServer,
}

/// The flow settings of a process: the two configuration elements and the hosting flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlowConfig {
    /// `<legacyImpersonationPolicy enabled=.../>`, when the file sets it.
    pub legacy: Option<bool>,
    /// `<alwaysFlowImpersonationPolicy enabled=.../>`, when the file sets it.
    pub always_flow: Option<bool>,
    /// STARTUP_LEGACY_IMPERSONATION passed to CorBindToRuntimeEx.
    pub host_legacy: bool,
    /// STARTUP_ALWAYSFLOW_IMPERSONATION passed to CorBindToRuntimeEx.
    pub host_always_flow: bool,
}

/// How a process flows identities, fixed when the runtime starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowMode {
    /// .NET Framework 1.x: no context at all.
    NoContext,
    /// Legacy: contexts flow, identities never (IMP_NOFLOW).
    NoFlow,
    /// Always-flow: the OS thread token at capture (IMP_ALWAYSFLOW).
    AlwaysFlow,
    /// The default: the identity managed impersonation set (IMP_FASTFLOW).
    FastFlow,
    /// .NET Core: the token RunImpersonated placed in an AsyncLocal.
    AsyncLocal,
}

impl FlowMode {
    /// The mode's name in traces.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FlowMode::NoContext => "no-context",
            FlowMode::NoFlow => "no-flow",
            FlowMode::AlwaysFlow => "always-flow",
            FlowMode::FastFlow => "fast-flow",
            FlowMode::AsyncLocal => "async-local",
        }
    }
}

/// The flow mode of a process, and the rules that set it.
pub(crate) fn flow_mode(
    framework: Framework,
    host: Host,
    config: FlowConfig,
    readings: &Readings,
    trail: &mut Trail,
) -> FlowMode {
    match framework.family {
        Family::Framework1 => {
            trail.note(RuleId::CLR_1, || {
                format!(
                    ".NET Framework {} has no ExecutionContext: nothing flows across asynchronous points",
                    framework.name
                )
            });
            return FlowMode::NoContext;
        }
        Family::Core => {
            trail.note(RuleId::CLR_12, || {
                format!(
                    ".NET {}: only the token RunImpersonated keeps in its AsyncLocal flows; the configuration elements have no effect",
                    framework.name
                )
            });
            if host == Host::AspNetCore {
                trail.note(RuleId::CLR_15, || {
                    "ASP.NET Core runs requests as the process identity; it never impersonates on its own".into()
                });
            }
            return FlowMode::AsyncLocal;
        }
        Family::Framework2 => {}
    }
    let aspnet = host == Host::AspNet;
    let legacy_file = config.legacy.unwrap_or(aspnet);
    let always_file = config.always_flow.unwrap_or(false);
    if aspnet && config.legacy.is_none() {
        trail.note(RuleId::CLR_7, || {
            "aspnet.config ships legacyImpersonationPolicy=true and alwaysFlowImpersonationPolicy=false".into()
        });
    }
    if config.host_legacy && config.host_always_flow {
        if readings.alternative(RuleId::OQD_7) {
            trail.note(RuleId::OQD_7, || {
                "both hosting flags passed; reading always-flow-wins: the process flows the OS token".into()
            });
            trail.note(RuleId::CLR_4, || {
                "STARTUP_ALWAYSFLOW_IMPERSONATION: the OS thread token flows".into()
            });
            return FlowMode::AlwaysFlow;
        }
        trail.note(RuleId::OQD_7, || {
            "both hosting flags passed; reading legacy-wins: they resolve as the configuration elements do".into()
        });
    }
    let legacy = legacy_file || config.host_legacy;
    let always = always_file || config.host_always_flow;
    if legacy {
        if always {
            trail.note(RuleId::CLR_6, || {
                "legacy and always-flow are both enabled: legacy wins, nothing flows".into()
            });
        }
        trail.note(RuleId::CLR_5, || {
            let source = if config.host_legacy {
                "STARTUP_LEGACY_IMPERSONATION"
            } else if aspnet && config.legacy.is_none() {
                "aspnet.config"
            } else {
                "<legacyImpersonationPolicy enabled=\"true\"/>"
            };
            format!("{source}: the Windows identity never flows")
        });
        FlowMode::NoFlow
    } else if always {
        trail.note(RuleId::CLR_4, || {
            let source = if config.host_always_flow {
                "STARTUP_ALWAYSFLOW_IMPERSONATION"
            } else {
                "<alwaysFlowImpersonationPolicy enabled=\"true\"/>"
            };
            format!("{source}: the OS thread token at capture flows, however it was set")
        });
        FlowMode::AlwaysFlow
    } else {
        trail.note(RuleId::CLR_3, || {
            "the default policy: only an identity set by managed impersonation flows".into()
        });
        FlowMode::FastFlow
    }
}

/// The token handles a program holds, by id: whose token each is and whether it was
/// disposed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Handles(super::short::Short<Option<(Ident, bool)>, 2>);

impl Handles {
    /// Binds `handle` to a new handle to `identity`'s token.
    pub(crate) fn open(&mut self, handle: HandleId, identity: Ident) {
        super::ids::bind(&mut self.0, handle.index(), (identity, false));
    }

    /// Disposes `handle`; whether it was bound.
    pub(crate) fn dispose(&mut self, handle: HandleId) -> bool {
        match super::ids::get_mut(&mut self.0, handle.index()) {
            Some(h) => {
                h.1 = true;
                true
            }
            None => false,
        }
    }

    /// Whose token `handle` holds, disposed or not.
    #[must_use]
    pub fn owner(&self, handle: HandleId) -> Option<Ident> {
        super::ids::get(&self.0, handle.index()).map(|&(who, _)| who)
    }

    /// The handles bound, in order: each with whose token it holds and whether it was
    /// disposed.
    pub fn entries(&self) -> impl Iterator<Item = (HandleId, Ident, bool)> + '_ {
        (0u16..)
            .zip(self.0.iter())
            .filter_map(|(h, e)| e.map(|(who, disposed)| (HandleId(h), who, disposed)))
    }

    /// Whose token `handle` holds, or `None` once disposed.
    #[must_use]
    pub fn live(&self, handle: HandleId) -> Option<Ident> {
        super::ids::get(&self.0, handle.index())
            .and_then(|&(who, disposed)| (!disposed).then_some(who))
    }
}

/// What the runtime and the OS know about one thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ManagedThread {
    /// The OS thread token: `None` when the thread runs as its process.
    pub os_token: Option<Ident>,
    /// The identity managed impersonation recorded in the SecurityContext (.NET Framework).
    pub managed: Option<Ident>,
    /// ExecutionContext.SuppressFlow is in force.
    pub ec_suppressed: bool,
    /// SecurityContext.SuppressFlowWindowsIdentity is in force.
    pub wi_suppressed: bool,
    /// SecurityContext.SuppressFlow (the whole security context) is in force.
    pub sc_suppressed: bool,
    /// The token handle flowing in RunImpersonated's AsyncLocal (.NET Core).
    pub async_local: Option<HandleId>,
}

/// The kinds of asynchronous hand-off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandOff {
    /// `new Thread(...).Start()`.
    ThreadStart,
    /// `ThreadPool.QueueUserWorkItem`.
    QueueUserWorkItem,
    /// `ThreadPool.UnsafeQueueUserWorkItem`: carries no context.
    UnsafeQueueUserWorkItem,
    /// A delegate's `BeginInvoke` (asynchronous programming model callbacks).
    BeginInvoke,
    /// A task continuation (`await`, `ContinueWith`, `Task.Run`).
    TaskContinuation,
}

impl HandOff {
    /// The hand-off's name in scenarios.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            HandOff::ThreadStart => "thread_start",
            HandOff::QueueUserWorkItem => "queue_user_work_item",
            HandOff::UnsafeQueueUserWorkItem => "unsafe_queue_user_work_item",
            HandOff::BeginInvoke => "begin_invoke",
            HandOff::TaskContinuation => "task_continuation",
        }
    }
}

/// Every hand-off a scenario may name.
pub const HAND_OFFS: &[(&str, HandOff)] = &[
    ("thread_start", HandOff::ThreadStart),
    ("queue_user_work_item", HandOff::QueueUserWorkItem),
    (
        "unsafe_queue_user_work_item",
        HandOff::UnsafeQueueUserWorkItem,
    ),
    ("begin_invoke", HandOff::BeginInvoke),
    ("task_continuation", HandOff::TaskContinuation),
];

/// What running a captured context does to the identity of the thread that runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Carried {
    /// No context was captured: the callback keeps the executing thread's token. The rule
    /// says why (CLR-1: no ExecutionContext; CLR-2: an unsafe hand-off; CLR-9: suppressed).
    Nothing(RuleId),
    /// A context that leaves the thread token alone. The rule says why (CLR-5: legacy;
    /// CLR-10: identity flow suppressed; OQR-1: security-context flow suppressed).
    Untouched(RuleId),
    /// Impersonate this identity for the callback.
    Impersonate(Ident),
    /// A context with no identity whose flow was not suppressed: revert if impersonating.
    Revert,
    /// .NET Core: this AsyncLocal value (a token handle, or none).
    AsyncLocal(Option<HandleId>),
}

/// Captures what a hand-off made now on `thread` carries, under the selected readings
/// (CLR-1..13, OQR-1).
pub(crate) fn capture(
    mode: FlowMode,
    hand_off: HandOff,
    thread: &ManagedThread,
    readings: &Readings,
    trail: &mut Trail,
) -> Carried {
    if mode == FlowMode::NoContext {
        trail.note(RuleId::CLR_1, || "no ExecutionContext is captured".into());
        return Carried::Nothing(RuleId::CLR_1);
    }
    let core = mode == FlowMode::AsyncLocal;
    if hand_off == HandOff::UnsafeQueueUserWorkItem {
        trail.note(RuleId::CLR_2, || {
            "UnsafeQueueUserWorkItem carries no ExecutionContext".into()
        });
        return Carried::Nothing(if core { RuleId::CLR_12 } else { RuleId::CLR_2 });
    }
    if thread.ec_suppressed {
        trail.note(RuleId::CLR_9, || {
            "ExecutionContext.SuppressFlow is in force: no context is captured".into()
        });
        return Carried::Nothing(if core { RuleId::CLR_12 } else { RuleId::CLR_9 });
    }
    trail.note(RuleId::CLR_2, || {
        format!("{} captures the ExecutionContext", hand_off.name())
    });
    match mode {
        FlowMode::NoContext => Carried::Nothing(RuleId::CLR_1),
        FlowMode::AsyncLocal => {
            if thread.os_token.is_some() && thread.async_local.is_none() {
                trail.note(RuleId::CLR_13, || {
                    "the thread impersonates by P/Invoke, which the AsyncLocal does not know: the token stays on this thread".into()
                });
            }
            trail.note(RuleId::CLR_12, || match thread.async_local {
                Some(h) => format!("the AsyncLocal carries token handle #{h}"),
                None => "the AsyncLocal carries no token".into(),
            });
            Carried::AsyncLocal(thread.async_local)
        }
        FlowMode::NoFlow => {
            trail.note(RuleId::CLR_5, || {
                "legacy policy: the context carries no identity and will leave the thread token alone".into()
            });
            Carried::Untouched(RuleId::CLR_5)
        }
        FlowMode::AlwaysFlow | FlowMode::FastFlow if thread.sc_suppressed => {
            if readings.alternative(RuleId::OQR_1) {
                trail.note(RuleId::OQR_1, || {
                    "SecurityContext.SuppressFlow is in force; reading revert: the context carries no security context, and an impersonating thread that runs it reverts".into()
                });
                Carried::Revert
            } else {
                trail.note(RuleId::OQR_1, || {
                    "SecurityContext.SuppressFlow is in force; reading untouched: like SuppressFlowWindowsIdentity, the context carries no identity and leaves the thread token alone".into()
                });
                Carried::Untouched(RuleId::OQR_1)
            }
        }
        FlowMode::AlwaysFlow | FlowMode::FastFlow if thread.wi_suppressed => {
            trail.note(RuleId::CLR_10, || {
                "SuppressFlowWindowsIdentity is in force: the context carries no identity and will leave the thread token alone".into()
            });
            Carried::Untouched(RuleId::CLR_10)
        }
        FlowMode::AlwaysFlow => {
            trail.note(RuleId::CLR_4, || {
                "always-flow: the capture takes the OS thread token".into()
            });
            thread
                .os_token
                .map_or(Carried::Revert, Carried::Impersonate)
        }
        FlowMode::FastFlow => {
            if thread.os_token.is_some() && thread.os_token != thread.managed {
                trail.note(RuleId::CLR_3, || {
                    "the thread's token was set by P/Invoke, which the CLR does not see: it does not flow".into()
                });
            } else {
                trail.note(RuleId::CLR_3, || {
                    "the capture takes the identity managed impersonation set".into()
                });
            }
            thread.managed.map_or(Carried::Revert, Carried::Impersonate)
        }
    }
}

/// What entering a context changed, so that leaving it can put it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    /// The thread as it was, when running the context changed it.
    saved: Option<ManagedThread>,
    /// The thread's OS token when the frame began.
    before: Option<Ident>,
    /// Whether .NET Core's AsyncLocal (CLR-12) rather than the SecurityContext (CLR-8)
    /// restores it.
    core: bool,
}

impl Frame {
    fn kept(before: &ManagedThread, core: bool) -> Self {
        Frame {
            saved: None,
            before: before.os_token,
            core,
        }
    }

    fn changed(before: ManagedThread, core: bool) -> Self {
        Frame {
            saved: Some(before),
            before: before.os_token,
            core,
        }
    }
}

/// Applies `carried` on `thread` before the callback runs (CLR-5, CLR-8, CLR-10, CLR-12..14).
pub(crate) fn enter(
    carried: Carried,
    thread: &mut ManagedThread,
    handles: &Handles,
    trail: &mut Trail,
) -> Result<Frame, Exception> {
    let before = *thread;
    match carried {
        Carried::Nothing(why) | Carried::Untouched(why) => {
            trail.note(why, || {
                "running it leaves the executing thread's token as it is".into()
            });
            match carried {
                Carried::Nothing(RuleId::CLR_2 | RuleId::CLR_9) => {
                    trail.note(RuleId::CLR_11, || {
                        "with no context captured the callback runs with the executing thread's token (the process, on a clean pool thread)".into()
                    });
                }
                Carried::Untouched(RuleId::CLR_10) => {
                    trail.note(RuleId::CLR_8, || {
                        "a context captured with identity flow suppressed leaves the token alone".into()
                    });
                }
                _ => {}
            }
            Ok(Frame::kept(&before, why == RuleId::CLR_12))
        }
        Carried::Impersonate(who) => {
            thread.os_token = Some(who);
            thread.managed = Some(who);
            trail.note(RuleId::CLR_8, || {
                "the context carries an identity: the callback impersonates it".into()
            });
            Ok(Frame::changed(before, false))
        }
        Carried::Revert => {
            if thread.os_token.is_none() {
                trail.note(RuleId::CLR_8, || {
                    "the context carries no identity and the thread is not impersonating".into()
                });
                return Ok(Frame::kept(&before, false));
            }
            thread.os_token = None;
            thread.managed = None;
            trail.note(RuleId::CLR_8, || {
                "the context carries no identity: the impersonating thread reverts, so the callback runs as the process".into()
            });
            Ok(Frame::changed(before, false))
        }
        Carried::AsyncLocal(value) => {
            if value == thread.async_local {
                if thread.os_token.is_some() {
                    trail.note(RuleId::CLR_13, || {
                        "the AsyncLocal value does not change, so the runtime leaves the thread's token in place".into()
                    });
                } else {
                    trail.note(RuleId::CLR_12, || {
                        "no AsyncLocal change: the callback runs as the process".into()
                    });
                }
                return Ok(Frame::kept(&before, true));
            }
            let token = match value {
                Some(h) => match handles.live(h) {
                    Some(who) => Some(who),
                    None => {
                        trail.note(RuleId::CLR_14, || {
                            format!("token handle #{h} was disposed before the continuation ran")
                        });
                        return Err(Exception::ObjectDisposed);
                    }
                },
                None => None,
            };
            thread.os_token = token;
            thread.async_local = value;
            trail.note(RuleId::CLR_12, || match value {
                Some(h) => format!(
                    "the AsyncLocal changes: the runtime reverts and impersonates token handle #{h}"
                ),
                None => "the AsyncLocal changes to none: the runtime reverts, so the callback runs as the process".into(),
            });
            Ok(Frame::changed(before, true))
        }
    }
}

/// Restores `thread` after its callback (CLR-8, MRT-2).
pub(crate) fn leave(frame: Frame, thread: &mut ManagedThread, trail: &mut Trail) {
    match frame.saved {
        Some(saved) => {
            thread.os_token = saved.os_token;
            thread.managed = saved.managed;
            thread.async_local = saved.async_local;
            if frame.core {
                trail.note(RuleId::CLR_12, || {
                    "the execution context switches back: the AsyncLocal's change handler restores the thread's previous token".into()
                });
            } else {
                trail.note(RuleId::CLR_8, || {
                    "the runtime restores the thread's previous token".into()
                });
            }
        }
        None => {
            if let Some(token) = thread.os_token {
                trail.note(RuleId::MRT_2, || {
                    if frame.before == Some(token) {
                        "the runtime changed nothing, so it restores nothing: the thread was impersonating before and goes back to the pool impersonating still".into()
                    } else {
                        "the runtime changed nothing, so it restores nothing: the token the callback left stays on the thread as it goes back to the pool".into()
                    }
                });
            }
        }
    }
}

/// What WindowsIdentity.Impersonate returns: the thread as it was before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImpersonationContext {
    previous: ManagedThread,
}

/// WindowsIdentity.Impersonate (.NET Framework): the OS token and the runtime's record.
pub(crate) fn impersonate(
    thread: &mut ManagedThread,
    who: Ident,
    trail: &mut Trail,
) -> ImpersonationContext {
    let previous = *thread;
    thread.os_token = Some(who);
    thread.managed = Some(who);
    trail.note(RuleId::CLR_3, || {
        "managed impersonation: the CLR records the identity in the SecurityContext".into()
    });
    ImpersonationContext { previous }
}

/// WindowsImpersonationContext.Undo (MRT-1).
pub(crate) fn undo(thread: &mut ManagedThread, context: ImpersonationContext, trail: &mut Trail) {
    thread.os_token = context.previous.os_token;
    thread.managed = context.previous.managed;
    trail.note(RuleId::MRT_1, || {
        "Undo puts back the token the thread had before Impersonate".into()
    });
}

/// ImpersonateLoggedOnUser / SetThreadToken through P/Invoke: the OS token only (CLR-3).
pub(crate) fn pinvoke_impersonate(thread: &mut ManagedThread, who: Ident, trail: &mut Trail) {
    thread.os_token = Some(who);
    trail.note(RuleId::CLR_3, || {
        "P/Invoke impersonation changes the OS token; the CLR does not see it".into()
    });
}

/// [`pinvoke_impersonate`] in a process of `mode`: on .NET Core the rule is CLR-13.
pub(crate) fn pinvoke_impersonate_in(
    mode: FlowMode,
    thread: &mut ManagedThread,
    who: Ident,
    trail: &mut Trail,
) {
    if mode == FlowMode::AsyncLocal {
        thread.os_token = Some(who);
        trail.note(RuleId::CLR_13, || {
            "P/Invoke impersonation changes the OS token only; the AsyncLocal does not carry it"
                .into()
        });
    } else {
        pinvoke_impersonate(thread, who, trail);
    }
}

/// RevertToSelf through P/Invoke: the OS token only; a stale managed record stays (CLR-3).
pub(crate) fn pinvoke_revert(thread: &mut ManagedThread, trail: &mut Trail) {
    thread.os_token = None;
    if thread.managed.is_some() {
        trail.note(RuleId::CLR_3, || {
            "RevertToSelf by P/Invoke: the CLR still records the managed identity it set".into()
        });
    }
}

/// ExecutionContext.SuppressFlow (CLR-9).
pub(crate) fn suppress_flow(
    mode: FlowMode,
    thread: &mut ManagedThread,
    trail: &mut Trail,
) -> Result<(), Exception> {
    if mode == FlowMode::NoContext {
        return Err(Exception::InvalidOperation(
            "ExecutionContext does not exist before .NET Framework 2.0",
        ));
    }
    trail.note(RuleId::CLR_9, || {
        "flow of the ExecutionContext is suppressed".into()
    });
    if thread.ec_suppressed {
        return Err(Exception::InvalidOperation(
            "Cannot suppress the flow of the execution context multiple times",
        ));
    }
    thread.ec_suppressed = true;
    Ok(())
}

/// What an AsyncFlowControl undoes: which suppression returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Suppression {
    /// ExecutionContext.SuppressFlow.
    ExecutionContext,
    /// SecurityContext.SuppressFlowWindowsIdentity or SecurityContext.SuppressFlow.
    SecurityContext,
}

/// AsyncFlowControl.Undo of `suppression`, called on `thread` (`same_thread`: the thread
/// that suppressed) (CLR-9, CLR-10): the suppressing thread's flow is restored; on another
/// thread it throws.
pub(crate) fn restore_flow(
    thread: &mut ManagedThread,
    suppression: Suppression,
    same_thread: bool,
    trail: &mut Trail,
) -> Result<(), Exception> {
    if suppression == Suppression::SecurityContext && same_thread {
        let rule = if thread.sc_suppressed {
            RuleId::CLR_9
        } else {
            RuleId::CLR_10
        };
        trail.note(rule, || {
            "AsyncFlowControl.Undo on the suppressing thread restores the flow".into()
        });
        thread.wi_suppressed = false;
        thread.sc_suppressed = false;
        return Ok(());
    }
    trail.note(RuleId::CLR_9, || {
        "AsyncFlowControl.Undo restores the flow".into()
    });
    if !same_thread {
        return Err(Exception::InvalidOperation(
            "AsyncFlowControl object must be used on the thread where it was created",
        ));
    }
    thread.ec_suppressed = false;
    Ok(())
}

/// SecurityContext.SuppressFlowWindowsIdentity, or with `whole` SecurityContext.SuppressFlow
/// (CLR-10, OQR-1; both throw on .NET 5+, CLR-12).
pub(crate) fn suppress_identity_flow(
    mode: FlowMode,
    thread: &mut ManagedThread,
    whole: bool,
    trail: &mut Trail,
) -> Result<(), Exception> {
    match mode {
        FlowMode::NoContext => Err(Exception::InvalidOperation(
            "SecurityContext does not exist before .NET Framework 2.0",
        )),
        FlowMode::AsyncLocal => {
            trail.note(RuleId::CLR_12, || {
                "SecurityContext is not supported on .NET Core".into()
            });
            Err(Exception::PlatformNotSupported(
                "Code Access Security is not supported or implemented on this platform",
            ))
        }
        _ => {
            trail.note(RuleId::CLR_10, || {
                if whole {
                    "flow of the security context, the Windows identity with it, is suppressed"
                        .into()
                } else {
                    "flow of the Windows identity alone is suppressed".into()
                }
            });
            if thread.wi_suppressed || thread.sc_suppressed {
                return Err(Exception::InvalidOperation(
                    "Cannot suppress the flow of the security context multiple times",
                ));
            }
            if whole {
                thread.sc_suppressed = true;
            } else {
                thread.wi_suppressed = true;
            }
            Ok(())
        }
    }
}

/// Enters WindowsIdentity.RunImpersonated on `thread` with `handle` (CLR-12, CLR-14).
/// On the .NET Framework it is managed impersonation (CLR-3); on .NET Core the token goes
/// into the AsyncLocal. [`leave`] with the returned frame ends it.
pub(crate) fn run_impersonated(
    mode: FlowMode,
    thread: &mut ManagedThread,
    handle: HandleId,
    handles: &Handles,
    trail: &mut Trail,
) -> Result<Frame, Exception> {
    let Some(who) = handles.live(handle) else {
        trail.note(RuleId::CLR_14, || {
            format!("token handle #{handle} was disposed")
        });
        return Err(Exception::ObjectDisposed);
    };
    let before = *thread;
    thread.os_token = Some(who);
    if mode == FlowMode::AsyncLocal {
        thread.async_local = Some(handle);
        trail.note(RuleId::CLR_12, || {
            format!(
                "RunImpersonated impersonates token handle #{handle} and keeps it in the AsyncLocal"
            )
        });
    } else {
        thread.managed = Some(who);
        trail.note(RuleId::CLR_3, || {
            "RunImpersonated impersonates through managed impersonation".into()
        });
    }
    Ok(Frame::changed(before, mode == FlowMode::AsyncLocal))
}
