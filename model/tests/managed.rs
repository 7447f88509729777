//! The managed-runtime step checked against independent statements of its rules: the .NET
//! flow table (CLR-1..13, INV-11..14), SQL Server's external-access table (SQL-5, INV-17,
//! INV-18) and in-process access (SQL-7..9, INV-16), each played through
//! `tokenhop_model::managed::step`; and the step's own contract: a call that throws leaves
//! the runtime as it was (but for a work item that could not start), and an action the
//! program cannot make is refused without a decision.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test reports failure by panicking"
)]

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{
    FRAMEWORKS, Family, FlowConfig, FlowMode, HAND_OFFS, HandOff, Host, ManagedThread,
};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::runtime::Status;
use tokenhop_model::managed::sql::{
    Catalog, ClrThread, Database, Instance, Login, PermissionSet, Table,
};
use tokenhop_model::managed::{
    Action, AssemblyId, CallId, ContextId, ControlId, HandleId, Ident, IdentityId, ItemId, Misuse,
    Outcome, Resource, ResourceId, Runtime, ScopeId, SessionId, Setup, SqlContextId, SqlSetup,
    ThreadId, Value, WindowsIdentitySource, step, step_with,
};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

fn framework(name: &str) -> tokenhop_model::managed::dotnet::Framework {
    FRAMEWORKS.iter().find(|(n, _)| *n == name).unwrap().1
}

const T0: ThreadId = ThreadId(0);
const T1: ThreadId = ThreadId(1);

/// Plays `actions` from `runtime`, each one required to succeed.
fn play(setup: &Setup, runtime: Runtime, actions: &[Action]) -> Runtime {
    actions.iter().fold(runtime, |rt, a| {
        let (next, outcome) = step(setup, &rt, a).unwrap_or_else(|m| panic!("{a:?}: {m}"));
        assert!(outcome.result.is_ok(), "{a:?}: {:?}", outcome.result);
        next
    })
}

/// Plays one action, which the program can make.
fn one(setup: &Setup, runtime: &Runtime, action: Action) -> (Runtime, Outcome) {
    step(setup, runtime, &action).unwrap_or_else(|m| panic!("{action:?}: {m}"))
}

/// A started process of `framework` under `host` and `config`, with two threads.
fn started(
    framework_name: &str,
    host: Host,
    config: FlowConfig,
    readings: Readings,
) -> (Setup, Runtime) {
    let mut setup = Setup::dotnet(framework(framework_name), host, config, 2);
    setup.readings = readings;
    let rt = Runtime::new(&setup);
    let rt = play(&setup, rt, &[Action::Start]);
    (setup, rt)
}

fn mode_of(framework_name: &str, host: Host, config: FlowConfig, readings: Readings) -> FlowMode {
    started(framework_name, host, config, readings)
        .1
        .mode()
        .unwrap()
}

/// CLR-6 / INV-14: whatever the configuration, legacy and always-flow together give no flow,
/// and the hosting flags resolve the same way under OQD-7's default reading.
#[test]
fn clr_6_legacy_wins_over_always_flow_in_every_configuration() {
    for bits in 0u8..16 {
        let config = FlowConfig {
            legacy: Some(bits & 1 != 0),
            always_flow: Some(bits & 2 != 0),
            host_legacy: bits & 4 != 0,
            host_always_flow: bits & 8 != 0,
        };
        let mode = mode_of("4.8", Host::ClrHost, config, Readings::default());
        let legacy = bits & 1 != 0 || bits & 4 != 0;
        let always = bits & 2 != 0 || bits & 8 != 0;
        let expected = if legacy {
            FlowMode::NoFlow
        } else if always {
            FlowMode::AlwaysFlow
        } else {
            FlowMode::FastFlow
        };
        assert_eq!(mode, expected, "config {config:?}");
    }
}

/// OQD-7's alternative reading: both hosting flags leave the process in always-flow mode.
#[test]
fn oqd_7_always_flow_wins_reading_is_selectable() {
    let mut readings = Readings::default();
    readings.select(RuleId::OQD_7, "always-flow-wins").unwrap();
    let config = FlowConfig {
        host_legacy: true,
        host_always_flow: true,
        ..FlowConfig::default()
    };
    let mut setup = Setup::dotnet(framework("4.8"), Host::ClrHost, config, 0);
    setup.readings = readings;
    let (rt, outcome) = one(&setup, &Runtime::new(&setup), Action::Start);
    assert_eq!(rt.mode(), Some(FlowMode::AlwaysFlow));
    assert!(outcome.rules.contains(RuleId::OQD_7));
}

/// CLR-7: classic ASP.NET without a changed aspnet.config does not flow; 1.x has no context;
/// .NET Core flows through the AsyncLocal whatever the host.
#[test]
fn clr_1_7_12_modes_by_family_and_host() {
    let mode = |fw: &str, host| mode_of(fw, host, FlowConfig::default(), Readings::default());
    assert_eq!(mode("4.8", Host::AspNet), FlowMode::NoFlow);
    assert_eq!(mode("4.8", Host::App), FlowMode::FastFlow);
    assert_eq!(mode("1.1", Host::App), FlowMode::NoContext);
    assert_eq!(mode("8", Host::AspNetCore), FlowMode::AsyncLocal);
    for (_, fw) in FRAMEWORKS {
        assert_eq!(fw.impersonate, fw.family != Family::Core, "{}", fw.name);
    }
}

/// The identity a callback runs under, stated from CLR-11's table and CLR-8 directly:
/// `captured` is the thread that queued, `runner` the thread that runs it.
fn expected(
    mode: FlowMode,
    hand_off: HandOff,
    captured: ManagedThread,
    runner: ManagedThread,
) -> Option<Ident> {
    let keeps = runner.os_token;
    if mode == FlowMode::NoContext
        || hand_off == HandOff::UnsafeQueueUserWorkItem
        || captured.ec_suppressed
    {
        return keeps;
    }
    match mode {
        FlowMode::NoFlow => keeps,
        _ if captured.wi_suppressed => keeps,
        FlowMode::AlwaysFlow => captured.os_token,
        FlowMode::FastFlow => captured.managed,
        _ => keeps,
    }
}

/// Every state a thread reaches by managed impersonation of 1, P/Invoke impersonation of
/// 1 or 2 or RevertToSelf over it, and the suppressions its runtime has, as the calls that
/// reach it.
fn thread_programs(thread: ThreadId, mode: FlowMode) -> Vec<Vec<Action>> {
    let mut all = Vec::new();
    for managed in [false, true] {
        for os in [None, Some(1), Some(2)] {
            let mut calls = Vec::new();
            if managed {
                calls.push(Action::Impersonate {
                    thread,
                    identity: 1,
                    context: ContextId(thread.0),
                });
            }
            match os {
                None if managed => calls.push(Action::PinvokeRevert { thread }),
                Some(2) => calls.push(Action::PinvokeImpersonate {
                    thread,
                    identity: 2,
                }),
                Some(1) if !managed => calls.push(Action::PinvokeImpersonate {
                    thread,
                    identity: 1,
                }),
                _ => {}
            }
            let ec = mode != FlowMode::NoContext;
            let wi = matches!(
                mode,
                FlowMode::NoFlow | FlowMode::AlwaysFlow | FlowMode::FastFlow
            );
            for suppress_ec in [false, true].into_iter().filter(|s| !s || ec) {
                for suppress_wi in [false, true].into_iter().filter(|s| !s || wi) {
                    let mut program = calls.clone();
                    if suppress_ec {
                        program.push(Action::SuppressFlow {
                            thread,
                            control: ControlId(thread.0 * 2),
                        });
                    }
                    if suppress_wi {
                        program.push(Action::SuppressIdentityFlow {
                            thread,
                            control: ControlId(thread.0 * 2 + 1),
                        });
                    }
                    all.push(program);
                }
            }
        }
    }
    all
}

/// INV-11, INV-12, INV-13 over every thread state, hand-off and .NET Framework mode: the
/// callback runs under exactly the identity CLR-11 gives, and afterwards the runner holds
/// its previous token again whenever the runtime changed it (CLR-8).
#[test]
fn inv_11_12_13_callbacks_run_under_the_identity_clr_11_gives() {
    for (fw, config) in [
        ("1.1", FlowConfig::default()),
        (
            "4.8",
            FlowConfig {
                legacy: Some(true),
                ..FlowConfig::default()
            },
        ),
        (
            "4.8",
            FlowConfig {
                always_flow: Some(true),
                ..FlowConfig::default()
            },
        ),
        ("4.8", FlowConfig::default()),
    ] {
        let (setup, rt) = started(fw, Host::App, config, Readings::default());
        let mode = rt.mode().unwrap();
        for &(_, hand_off) in HAND_OFFS {
            for captured in thread_programs(T0, mode) {
                for runner in thread_programs(T1, mode) {
                    let ready = play(&setup, play(&setup, rt.clone(), &captured), &runner);
                    let (capturing, running) =
                        (*ready.thread(T0).unwrap(), *ready.thread(T1).unwrap());
                    if running.managed.is_some() && running.managed != running.os_token {
                        continue;
                    }
                    let queued = play(
                        &setup,
                        ready,
                        &[Action::Queue {
                            thread: T0,
                            hand_off,
                            item: ItemId(0),
                        }],
                    );
                    let (ran, outcome) = one(
                        &setup,
                        &queued,
                        Action::Run {
                            thread: T1,
                            item: ItemId(0),
                        },
                    );
                    assert!(outcome.result.is_ok());
                    assert_eq!(
                        ran.thread(T1).unwrap().os_token,
                        expected(mode, hand_off, capturing, running),
                        "{mode:?} {hand_off:?} captured {capturing:?} runner {running:?}"
                    );
                    let (back, _) = one(
                        &setup,
                        &ran,
                        Action::Finish {
                            thread: T1,
                            item: ItemId(0),
                        },
                    );
                    assert_eq!(
                        back.thread(T1).unwrap().os_token,
                        running.os_token,
                        "CLR-8: the runner's token is restored"
                    );
                }
            }
        }
    }
}

/// INV-15 and CLR-14: inside RunImpersonated every continuation impersonates the token, on
/// any thread; a continuation after the handle was disposed throws ObjectDisposedException.
#[test]
fn inv_15_core_continuations_impersonate_and_clr_14_disposed_handles_throw() {
    let (setup, rt) = started("8", Host::App, FlowConfig::default(), Readings::default());
    let h = HandleId(0);
    let inside = play(
        &setup,
        rt,
        &[
            Action::OpenToken {
                thread: T0,
                identity: 3,
                handle: h,
            },
            Action::RunImpersonated {
                thread: T0,
                handle: h,
                scope: ScopeId(0),
            },
        ],
    );
    assert_eq!(inside.thread(T0).unwrap().os_token, Some(3));
    let queued = play(
        &setup,
        inside,
        &[
            Action::Queue {
                thread: T0,
                hand_off: HandOff::TaskContinuation,
                item: ItemId(0),
            },
            Action::Queue {
                thread: T0,
                hand_off: HandOff::TaskContinuation,
                item: ItemId(1),
            },
            Action::End {
                thread: T0,
                scope: ScopeId(0),
            },
        ],
    );
    assert_eq!(
        queued.thread(T0).unwrap().os_token,
        None,
        "RunImpersonated restores the caller's token"
    );
    let ran = play(
        &setup,
        queued,
        &[Action::Run {
            thread: T1,
            item: ItemId(0),
        }],
    );
    assert_eq!(ran.thread(T1).unwrap().os_token, Some(3));
    let back = play(
        &setup,
        ran,
        &[
            Action::Finish {
                thread: T1,
                item: ItemId(0),
            },
            Action::Dispose {
                thread: T0,
                handle: h,
            },
        ],
    );
    assert_eq!(back.thread(T1).unwrap().os_token, None);
    let (after, outcome) = one(
        &setup,
        &back,
        Action::Run {
            thread: T1,
            item: ItemId(1),
        },
    );
    assert_eq!(outcome.result, Err(Exception::ObjectDisposed));
    assert!(outcome.rules.contains(RuleId::CLR_14));
    assert_eq!(after.item(ItemId(1)).unwrap().status, Status::Done);
}

/// CLR-9: suppressing twice throws, and Undo belongs to the suppressing thread.
#[test]
fn clr_9_suppress_flow_twice_throws() {
    let (setup, rt) = started("4.8", Host::App, FlowConfig::default(), Readings::default());
    let suppress = |control| Action::SuppressFlow {
        thread: T0,
        control: ControlId(control),
    };
    let rt = play(&setup, rt, &[suppress(0)]);
    assert!(one(&setup, &rt, suppress(1)).1.result.is_err());
    let restore = |thread| Action::RestoreFlow {
        thread,
        control: ControlId(0),
    };
    let (same, outcome) = one(&setup, &rt, restore(T1));
    assert!(outcome.result.is_err());
    assert_eq!(same, rt, "a call that throws changes nothing");
    let (rt, outcome) = one(&setup, &rt, restore(T0));
    assert!(outcome.result.is_ok());
    assert!(!rt.thread(T0).unwrap().ec_suppressed);
    let (_, outcome) = one(&setup, &rt, restore(T0));
    assert!(
        matches!(outcome.result, Err(Exception::InvalidOperation(_))),
        "an AsyncFlowControl is undone once"
    );
}

/// CLR-9, CLR-10: AsyncFlowControl.Undo of an identity suppression, on the suppressing
/// thread, restores identity flow, and names CLR-9 when the whole security context was
/// suppressed.
#[test]
fn clr_9_10_undo_of_an_identity_suppression_restores_it() {
    let (setup, rt) = started("4.8", Host::App, FlowConfig::default(), Readings::default());
    for (suppress, rule) in [
        (
            Action::SuppressIdentityFlow {
                thread: T0,
                control: ControlId(0),
            },
            RuleId::CLR_10,
        ),
        (
            Action::SuppressSecurityFlow {
                thread: T0,
                control: ControlId(0),
            },
            RuleId::CLR_9,
        ),
    ] {
        let suppressed = play(&setup, rt.clone(), &[suppress]);
        let (restored, outcome) = one(
            &setup,
            &suppressed,
            Action::RestoreFlow {
                thread: T0,
                control: ControlId(0),
            },
        );
        assert!(outcome.result.is_ok() && outcome.rules.contains(rule));
        let th = restored.thread(T0).unwrap();
        assert!(!th.wi_suppressed && !th.sc_suppressed);
    }
}

/// The step's contract: an action the program cannot make decides nothing.
#[test]
fn misuses_are_refused() {
    let (setup, rt) = started("8", Host::App, FlowConfig::default(), Readings::default());
    let refused = |action: Action| step(&setup, &rt, &action).err();
    assert_eq!(refused(Action::Start), Some(Misuse::AlreadyStarted));
    assert_eq!(
        refused(Action::Whoami {
            thread: ThreadId(7)
        }),
        Some(Misuse::NoThread(ThreadId(7)))
    );
    assert_eq!(
        refused(Action::Impersonate {
            thread: T0,
            identity: 1,
            context: ContextId(0)
        }),
        Some(Misuse::Unavailable("WindowsIdentity.Impersonate"))
    );
    assert_eq!(
        refused(Action::Finish {
            thread: T0,
            item: ItemId(0)
        }),
        Some(Misuse::NoItem(ItemId(0)))
    );
    assert_eq!(
        refused(Action::Connect {
            login: 0,
            session: SessionId(0)
        }),
        Some(Misuse::NotSqlServer)
    );
}

const SERVICE: Ident = 0;

fn sql_setup(strict: bool, unsafe_grant: bool) -> Setup {
    let instance = Instance {
        version: if strict { 2019 } else { 2016 },
        strict,
        service: SERVICE,
        logins: vec![
            Login {
                identity: 1,
                windows: true,
                external_access_assembly: true,
                unsafe_assembly: unsafe_grant,
                create_assembly_in: vec![0],
                ..Login::default()
            },
            Login {
                identity: 2,
                windows: false,
                ..Login::default()
            },
            Login {
                identity: 3,
                windows: true,
                sysadmin: true,
                ..Login::default()
            },
        ],
        tables: vec![Table {
            database: 0,
            readers: vec![0, 1],
        }],
        delegation: false,
    };
    let catalog = Catalog {
        databases: vec![Database {
            owner: 2,
            trustworthy: false,
        }],
        assemblies: Vec::new(),
    };
    let mut setup = Setup::sql_server(framework("4.8"), SqlSetup { instance, catalog });
    setup.resources = vec![Resource {
        readers: vec![0, 1, 2, 3],
        remote: false,
    }];
    setup
}

fn sql_step(setup: &Setup, rt: &Runtime, action: Action) -> (Runtime, Outcome) {
    step_with(setup, rt, &action, Trail::rules_only()).unwrap()
}

/// SQL-5 / INV-17 / INV-18: external access is the service account, or the original Windows
/// caller when the code impersonates it; never a SQL login, never a switched context.
#[test]
fn sql_5_external_identity_is_service_or_impersonated_original_caller() {
    let create = Action::CreateAssembly {
        session: SessionId(0),
        database: 0,
        set: PermissionSet::ExternalAccess,
        signer: Some(0),
        assembly: AssemblyId(0),
    };
    let alice = Action::Connect {
        login: 0,
        session: SessionId(0),
    };
    for strict in [false, true] {
        // Under strict security EXTERNAL_ACCESS is UNSAFE (SQL-3): alice's signature is refused
        // until her login holds UNSAFE ASSEMBLY.
        let setup = sql_setup(strict, false);
        let connected = play(&setup, Runtime::new(&setup), &[alice]);
        assert_eq!(
            sql_step(&setup, &connected, create).1.result.is_err(),
            strict,
            "SQL-3"
        );
        let setup = sql_setup(strict, true);
        let created = play(&setup, Runtime::new(&setup), &[alice, create]);
        for (login, windows) in [(0usize, true), (1usize, false)] {
            let entered = play(
                &setup,
                created.clone(),
                &[
                    Action::Connect {
                        login,
                        session: SessionId(1),
                    },
                    Action::Enter {
                        session: SessionId(1),
                        assembly: AssemblyId(0),
                        call: CallId(0),
                    },
                ],
            );
            let call = CallId(0);
            let (with_wi, wi) = sql_step(
                &setup,
                &entered,
                Action::WindowsIdentity {
                    call,
                    identity: IdentityId(0),
                },
            );
            let Ok(Value::WindowsIdentity(wi)) = wi.result else {
                panic!("SQL-6: {wi:?}");
            };
            assert_eq!(wi.is_some(), windows, "SQL-6");
            let access = |thread| Action::ExternalAccess {
                call,
                thread,
                resource: ResourceId(0),
            };
            let query = |thread| Action::ContextQuery {
                call,
                thread,
                table: 0,
            };
            let impersonate = Action::SqlImpersonate {
                call,
                thread: ClrThread::Entry,
                identity: WindowsIdentitySource::Value(IdentityId(0)),
                context: SqlContextId(0),
            };
            let plain = sql_step(&setup, &with_wi, access(ClrThread::Entry))
                .1
                .result;
            if windows {
                assert_eq!(
                    plain,
                    Ok(Value::Seen(Some(SERVICE))),
                    "not impersonating: the service account"
                );
                let (as_alice, _) = sql_step(&setup, &with_wi, impersonate);
                let seen = sql_step(&setup, &as_alice, access(ClrThread::Entry))
                    .1
                    .result;
                assert_eq!(seen, Ok(Value::Seen(Some(1))));
                assert!(
                    sql_step(&setup, &as_alice, query(ClrThread::Entry))
                        .1
                        .result
                        .is_err(),
                    "SQL-7"
                );
                let (undone, _) = sql_step(
                    &setup,
                    &as_alice,
                    Action::SqlUndo {
                        thread: ClrThread::Entry,
                        context: SqlContextId(0),
                    },
                );
                assert_eq!(
                    sql_step(&setup, &undone, query(ClrThread::Entry)).1.result,
                    Ok(Value::Principal(0)),
                    "SQL-9"
                );
                assert!(
                    sql_step(&setup, &undone, query(ClrThread::Started(0)))
                        .1
                        .result
                        .is_err(),
                    "SQL-8"
                );
            } else {
                assert!(plain.is_err(), "a SQL login's context is denied");
                assert!(
                    sql_step(&setup, &with_wi, impersonate).1.result.is_err(),
                    "SQL-6: a null identity cannot be impersonated"
                );
            }
        }
    }
}

/// The readings store holds every registered ambiguity, the last one included.
#[test]
fn readings_select_the_last_registered_ambiguity() {
    let last = tokenhop_model::rules::readings::AMBIGUITIES.last().unwrap();
    let mut r = Readings::default();
    let name = last.readings.last().unwrap().name;
    r.select(last.rule, name).unwrap();
    assert_eq!(r.selected(last.rule).unwrap().name, name);
    assert!(r.named(last.rule));
    let first = tokenhop_model::rules::readings::AMBIGUITIES
        .first()
        .unwrap();
    assert!(!r.named(first.rule));
}
