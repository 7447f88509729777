//! The invariants of the managed runtimes, each stated once: INV-11..15 (.NET identity
//! flow), INV-16 and INV-18 (SQL Server CLR, checked by the `managed` suite) and INV-17
//! (CLR external access, checked by `atk-9`). Each is a property over one transition of
//! `tokenhop_model::managed::step`, stated from the domain text and computed from the
//! configuration and the suites' independent oracles (what the program did), never by
//! calling the model's decision again.

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::managed::dotnet::{Family, FlowMode};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::sql::ClrThread;
use tokenhop_model::managed::{Action, Ident, Outcome, Shown, Value};
use tokenhop_model::rules::RuleId;

use crate::suites::attacks::sql as atk9;
use crate::suites::managed::dotnet::{
    self, HANDLE_OWNERS, ItemRecord, Scope, State as DotnetState, name,
};
use crate::suites::managed::sql::{self, State as SqlState, identity_name, login_name};
use crate::suites::managed::{Managed, State};

/// INV-11..16 and INV-18, for the `managed` suite.
#[must_use]
pub fn dotnet_and_sql() -> Vec<Property<Managed>> {
    vec![
        Property::<Managed>::always(
            Claim {
                id: "INV-11",
                statement: "In no-flow mode (legacy impersonation) every work item, whatever its hand-off and whatever suppression was in force, starts with exactly the token its thread held before it, and the runtime leaves the thread's token as it is when the item returns.",
                rests_on: &[RuleId::CLR_5, RuleId::CLR_6, RuleId::CLR_7, RuleId::MRT_2],
            },
            |_, b, a, f, o| dotnet_parts(b, f).map_or(Ok(()), |(b, f)| inv_11(b, a, f, o)),
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-12",
                statement: "In fast-flow mode (the default) a work item queued by a safe hand-off with no flow suppression in force runs as the identity managed impersonation recorded on the queuing thread at capture, or as the process when there was none (reverting an impersonating thread), never as a token set by P/Invoke; and when running it switched the thread's token, the thread holds its previous token again after it returns.",
                rests_on: &[
                    RuleId::CLR_2,
                    RuleId::CLR_3,
                    RuleId::CLR_8,
                    RuleId::CLR_9,
                    RuleId::CLR_10,
                    RuleId::CLR_11,
                ],
            },
            |_, b, a, f, o| {
                dotnet_parts(b, f).map_or(Ok(()), |(b, f)| {
                    flow_is_exact(FlowMode::FastFlow, b, a, f, o)
                })
            },
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-13",
                statement: "In always-flow mode a work item queued by a safe hand-off with no flow suppression in force runs as the OS token the queuing thread held at capture, however it was set (managed or P/Invoke), or as the process when it held none; and when running it switched the thread's token, the thread holds its previous token again after it returns.",
                rests_on: &[
                    RuleId::CLR_2,
                    RuleId::CLR_4,
                    RuleId::CLR_8,
                    RuleId::CLR_9,
                    RuleId::CLR_10,
                    RuleId::CLR_11,
                ],
            },
            |_, b, a, f, o| {
                dotnet_parts(b, f).map_or(Ok(()), |(b, f)| {
                    flow_is_exact(FlowMode::AlwaysFlow, b, a, f, o)
                })
            },
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-14",
                statement: "A .NET Framework 2.0-4.8 process in which legacy impersonation is enabled (by the element, aspnet.config or STARTUP_LEGACY_IMPERSONATION) and always-flow is enabled too (by the element or STARTUP_ALWAYSFLOW_IMPERSONATION) starts in no-flow mode: legacy wins (for the two hosting flags together, under OQD-7's default reading).",
                rests_on: &[
                    RuleId::CLR_4,
                    RuleId::CLR_5,
                    RuleId::CLR_6,
                    RuleId::CLR_7,
                    RuleId::OQD_7,
                ],
            },
            |m, b, a, f, _| dotnet_parts(b, f).map_or(Ok(()), |(b, f)| inv_14(m.dotnet(), b, a, f)),
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-15",
                statement: "On .NET Core a continuation queued inside RunImpersonated(t, f), or inside one of its continuations, that runs with the flowing execution context runs impersonating t on whichever thread runs it (or throws ObjectDisposedException when t's handle was disposed first), and when f returns the thread holds its previous token again; for code that impersonates only through RunImpersonated (a P/Invoke token inside f stays on its thread, CLR-13).",
                rests_on: &[RuleId::CLR_12, RuleId::CLR_13, RuleId::CLR_14],
            },
            |_, b, a, f, o| dotnet_parts(b, f).map_or(Ok(()), |(b, f)| inv_15(b, a, f, o)),
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-16",
                statement: "A query a CLR routine makes on the context connection succeeds only from the thread that entered managed code, only while that thread does not impersonate, and is authorized as the execution context of the T-SQL statement that entered the routine (EXECUTE AS included), whatever the code impersonated before.",
                rests_on: &[RuleId::SQL_7, RuleId::SQL_8, RuleId::SQL_9, RuleId::SQL_12],
            },
            |_, b, a, _, o| sql_part(b).map_or(Ok(()), |b| inv_16(b, a, o)),
        ),
        Property::<Managed>::always(
            Claim {
                id: "INV-18",
                statement: "In a session whose login uses SQL Server authentication SqlContext.WindowsIdentity is null, even under EXECUTE AS (OQD-9's default reading), so the routine never impersonates the caller and reaches no external resource as anyone but the service account.",
                rests_on: &[RuleId::SQL_5, RuleId::SQL_6, RuleId::OQD_9],
            },
            |m, b, a, _, o| sql_part(b).map_or(Ok(()), |b| inv_18(m.sql(), b, a, o)),
        ),
    ]
}

/// INV-17, for the `atk-9` suite.
#[must_use]
pub fn inv_17() -> Property<atk9::Sql> {
    Property::<atk9::Sql>::always(
        Claim {
            id: "INV-17",
            statement: "External access by a CLR routine is made as the service account, or as the original Windows caller when the code impersonates it; never as a SQL login. (Under OQD-8's reading `caller`, automatic impersonation, it does not hold by construction.)",
            rests_on: &[
                RuleId::SQL_4,
                RuleId::SQL_5,
                RuleId::SQL_6,
                RuleId::SQL_12,
                RuleId::OQD_8,
            ],
        },
        |m, s, a, _, o| {
            let (Action::ExternalAccess { .. }, Some(seen), Some(call)) = (a, seen(o), s.routine())
            else {
                return Ok(());
            };
            let original = m
                .config(s)
                .and_then(atk9::SqlConfig::instance)
                .and_then(|i| i.logins.get(call.original.principal))
                .filter(|l| l.windows)
                .map(|l| l.identity);
            let impersonated = call.impersonating(ClrThread::Entry);
            let ok = match seen {
                Some(atk9::SERVICE) => impersonated.is_none(),
                Some(w) => impersonated == Some(w) && original == Some(w),
                None => false,
            };
            if ok {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "the external resource saw identity {seen:?}"
                )))
            }
        },
    )
}

/// Whom an external resource saw (`None` inside: ANONYMOUS LOGON), granted or refused.
fn seen(outcome: &Outcome) -> Option<Option<Ident>> {
    match (&outcome.result, outcome.shown) {
        (Ok(Value::Seen(who)), _) => Some(*who),
        (Err(Exception::UnauthorizedAccess), Some(Shown::Id(who))) => Some(Some(who)),
        (Err(Exception::UnauthorizedAccess), Some(Shown::Anonymous)) => Some(None),
        _ => None,
    }
}

/// A .NET transition's states, when the transition is one.
fn dotnet_parts<'a>(
    before: &'a State,
    after: &'a State,
) -> Option<(&'a DotnetState, &'a DotnetState)> {
    match (before, after) {
        (State::Dotnet(b), State::Dotnet(f)) => Some((b, f)),
        _ => None,
    }
}

/// A SQL Server transition's state before, when the transition is one.
fn sql_part(before: &State) -> Option<&SqlState> {
    match before {
        State::Sql(b) => Some(b),
        State::Dotnet(_) => None,
    }
}

/// The flow mode of a started process, and the states before and after.
fn started<'a>(
    before: &'a DotnetState,
    after: &'a DotnetState,
) -> Option<(FlowMode, &'a DotnetState, &'a DotnetState)> {
    match (before.runtime.mode(), after.runtime.mode()) {
        (Some(mode), Some(_)) => Some((mode, before, after)),
        _ => None,
    }
}

fn describe(action: &Action) -> &'static str {
    match action {
        Action::Run { .. } => "a work item started",
        Action::Finish { .. } => "a work item returned",
        Action::End { .. } => "RunImpersonated returned",
        _ => "the call",
    }
}

/// INV-11: in no-flow mode a callback starts with the token its thread had before it, and
/// the runtime changes nothing when it returns (CLR-5, MRT-2).
fn inv_11(
    before: &DotnetState,
    action: &Action,
    after: &DotnetState,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let Some((FlowMode::NoFlow, b, a)) = started(before, after) else {
        return Ok(());
    };
    let (Action::Run { thread: t, .. } | Action::Finish { thread: t, .. }) = *action else {
        return Ok(());
    };
    if outcome.result.is_err() {
        return Err(Violation::new(format!(
            "{} threw in no-flow mode",
            describe(action)
        )));
    }
    let (was, is) = (b.token(t), a.token(t));
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

/// The identity a callback must run under in `mode` by INV-12 (the managed identity at
/// capture) and INV-13 (the OS token at capture), the process when none; `None` when the
/// invariant says nothing of the item.
fn flowed(mode: FlowMode, item: &ItemRecord) -> Option<Option<Ident>> {
    if !item.identity_flows() {
        return None;
    }
    match mode {
        FlowMode::FastFlow => Some(item.record_at_capture.managed),
        FlowMode::AlwaysFlow => Some(item.os_at_capture),
        _ => None,
    }
}

/// INV-12 (fast-flow) and INV-13 (always-flow) in `mode`: a work item whose identity was
/// free to flow starts under the identity [`flowed`] gives, and when running it switched
/// the token the thread holds its previous token again when it returns (CLR-8).
fn flow_is_exact(
    mode: FlowMode,
    before: &DotnetState,
    action: &Action,
    after: &DotnetState,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let Some((m, b, a)) = started(before, after) else {
        return Ok(());
    };
    if m != mode {
        return Ok(());
    }
    match *action {
        Action::Run { thread: t, item } => {
            let Some(want) = b
                .oracle
                .items
                .get(item.index())
                .and_then(|it| flowed(mode, it))
            else {
                return Ok(());
            };
            if let Err(e) = &outcome.result {
                return Err(Violation::new(format!("work item #{item} threw {e}")));
            }
            let got = a.token(t);
            if got == want {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "work item #{item} was captured with {} and runs on thread t{t} as {}",
                    name(want),
                    name(got)
                )))
            }
        }
        Action::Finish { thread: t, .. } => {
            let Some((
                _,
                Scope::Callback {
                    item, os_before, ..
                },
            )) = b
                .oracle
                .threads
                .get(t.index())
                .and_then(dotnet::ThreadRecord::open_scope)
            else {
                return Ok(());
            };
            let Some(want) = b
                .oracle
                .items
                .get(item.index())
                .and_then(|it| flowed(mode, it))
            else {
                return Ok(());
            };
            let switched = want.is_some() || os_before.is_some();
            let got = a.token(t);
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

/// INV-14: a .NET Framework 2.0-4.8 process with legacy and always-flow both enabled
/// starts in no-flow mode.
fn inv_14(
    dotnet: &dotnet::Dotnet,
    before: &DotnetState,
    action: &Action,
    after: &DotnetState,
) -> Result<(), Violation> {
    let (Action::Start, None, Some(mode)) = (action, before.runtime.mode(), after.runtime.mode())
    else {
        return Ok(());
    };
    let Some(config) = dotnet.config(before) else {
        return Ok(());
    };
    if config.framework.family != Family::Framework2
        || !config.legacy_enabled()
        || !config.always_flow_enabled()
        || mode == FlowMode::NoFlow
    {
        return Ok(());
    }
    Err(Violation::new(format!(
        "{}: legacy and always-flow are both enabled and the process starts in {} mode",
        config.words(),
        mode.name()
    )))
}

/// INV-15: on .NET Core a continuation of a RunImpersonated delegate that runs with its
/// flowing context runs impersonating the delegate's token (or throws
/// ObjectDisposedException, its handle disposed), and when the delegate returns the thread
/// holds its previous token again.
fn inv_15(
    before: &DotnetState,
    action: &Action,
    after: &DotnetState,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let Some((FlowMode::AsyncLocal, b, a)) = started(before, after) else {
        return Ok(());
    };
    match *action {
        Action::Run { thread: t, item } => {
            let Some(handle) = b
                .oracle
                .items
                .get(item.index())
                .filter(|it| it.context_flows())
                .and_then(|it| it.record_at_capture.scope)
            else {
                return Ok(());
            };
            let owner = HANDLE_OWNERS.get(handle.index()).copied();
            match &outcome.result {
                Err(Exception::ObjectDisposed) if b.runtime.handles().live(handle).is_none() => {
                    Ok(())
                }
                Err(e) => Err(Violation::new(format!(
                    "continuation #{item} of RunImpersonated(handle #{handle}) threw {e}"
                ))),
                Ok(_) if a.token(t) == owner => Ok(()),
                Ok(_) => Err(Violation::new(format!(
                    "continuation #{item} of RunImpersonated(handle #{handle}, {}) runs on thread t{t} as {}",
                    name(owner),
                    name(a.token(t))
                ))),
            }
        }
        Action::End { thread: t, .. } => {
            let Some((_, Scope::RunImpersonated { os_before, .. })) = b
                .oracle
                .threads
                .get(t.index())
                .and_then(dotnet::ThreadRecord::open_scope)
            else {
                return Ok(());
            };
            if a.token(t) == os_before {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "RunImpersonated returned on thread t{t}, which held {} before it, and left it holding {}",
                    name(os_before),
                    name(a.token(t))
                )))
            }
        }
        _ => Ok(()),
    }
}

/// INV-16: a query on the context connection that succeeds was made from the entry thread,
/// not impersonating, and authorized as the execution context the routine was entered in.
fn inv_16(before: &SqlState, action: &Action, outcome: &Outcome) -> Result<(), Violation> {
    let (Action::ContextQuery { thread, .. }, Ok(Value::Principal(principal))) =
        (action, &outcome.result)
    else {
        return Ok(());
    };
    let Some(r) = &before.routine else {
        return Err(Violation::new(
            "a query succeeded with no routine running".to_owned(),
        ));
    };
    if *thread != ClrThread::Entry {
        return Err(Violation::new(
            "a query on the context connection succeeded from a thread the routine started"
                .to_owned(),
        ));
    }
    if r.impersonating[sql::slot(*thread)] {
        return Err(Violation::new(
            "a query on the context connection succeeded while the entry thread impersonates"
                .to_owned(),
        ));
    }
    if *principal != r.entry.principal {
        return Err(Violation::new(format!(
            "the routine was entered as {} and its query was authorized as {}",
            login_name(r.entry.principal),
            login_name(*principal)
        )));
    }
    Ok(())
}

/// INV-18: in a session whose login uses SQL Server authentication,
/// SqlContext.WindowsIdentity is null, the code never impersonates the caller, and no
/// external access is made as anyone but the service account.
fn inv_18(
    model: &sql::Sql,
    before: &SqlState,
    action: &Action,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let Some(config) = model.config(before) else {
        return Ok(());
    };
    if config.caller_windows {
        return Ok(());
    }
    let caller = login_name(config.caller);
    match (action, &outcome.result) {
        (Action::WindowsIdentity { .. }, Ok(Value::WindowsIdentity(Some(who)))) => {
            Err(Violation::new(format!(
                "SqlContext.WindowsIdentity is {} in {caller}'s session, which uses SQL Server authentication",
                identity_name(*who)
            )))
        }
        (Action::SqlImpersonate { .. }, Ok(Value::Impersonated(who))) => {
            Err(Violation::new(format!(
                "the routine of {caller}'s session, which uses SQL Server authentication, impersonates {}",
                identity_name(*who)
            )))
        }
        (Action::ExternalAccess { .. }, Ok(Value::Seen(Some(who)))) if *who != sql::SERVICE => {
            Err(Violation::new(format!(
                "{caller}'s session, which uses SQL Server authentication, reaches an external resource as {}",
                identity_name(*who)
            )))
        }
        _ => Ok(()),
    }
}
