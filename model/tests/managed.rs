//! The managed-runtime decisions checked against independent statements of their rules:
//! the .NET flow table (CLR-1..13, INV-11..14), SQL Server's external-access table (SQL-5,
//! INV-17, INV-18) and in-process access (SQL-7..9, INV-16).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test reports failure by panicking"
)]

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::dotnet::{
    self, FRAMEWORKS, Family, FlowConfig, FlowMode, HAND_OFFS, HandOff, Handles, Host,
    ManagedThread,
};
use tokenhop_model::managed::sql::{
    ClrThread, Database, Login, PermissionSet, Session, SqlServer, Table,
};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

fn framework(name: &str) -> dotnet::Framework {
    FRAMEWORKS.iter().find(|(n, _)| *n == name).unwrap().1
}

/// CLR-6 / INV-14: whatever the configuration, legacy and always-flow together give no flow,
/// and the hosting flags resolve the same way under OQD-7's default reading.
#[test]
fn clr_6_legacy_wins_over_always_flow_in_every_configuration() {
    let fx = framework("4.8");
    for bits in 0u8..16 {
        let config = FlowConfig {
            legacy: Some(bits & 1 != 0),
            always_flow: Some(bits & 2 != 0),
            host_legacy: bits & 4 != 0,
            host_always_flow: bits & 8 != 0,
        };
        let mode = dotnet::flow_mode(
            fx,
            Host::ClrHost,
            config,
            &Readings::default(),
            &mut Trail::rules_only(),
        );
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
    let mut trail = Trail::rules_only();
    let mode = dotnet::flow_mode(
        framework("4.8"),
        Host::ClrHost,
        config,
        &readings,
        &mut trail,
    );
    assert_eq!(mode, FlowMode::AlwaysFlow);
    assert!(trail.applied(RuleId::OQD_7));
}

/// CLR-7: classic ASP.NET without a changed aspnet.config does not flow; 1.x has no context;
/// .NET Core flows through the AsyncLocal whatever the host.
#[test]
fn clr_1_7_12_modes_by_family_and_host() {
    let r = Readings::default();
    let mode = |fw: &str, host| {
        dotnet::flow_mode(
            framework(fw),
            host,
            FlowConfig::default(),
            &r,
            &mut Trail::rules_only(),
        )
    };
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

fn threads() -> Vec<ManagedThread> {
    let mut all = Vec::new();
    for os in [None, Some(1), Some(2)] {
        for managed in [None, Some(1)] {
            for ec in [false, true] {
                for wi in [false, true] {
                    all.push(ManagedThread {
                        os_token: os,
                        managed,
                        ec_suppressed: ec,
                        wi_suppressed: wi,
                        ..ManagedThread::default()
                    });
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
    let handles = Handles::default();
    for mode in [
        FlowMode::NoContext,
        FlowMode::NoFlow,
        FlowMode::AlwaysFlow,
        FlowMode::FastFlow,
    ] {
        for &(_, hand_off) in HAND_OFFS {
            for captured in threads() {
                for runner in threads()
                    .into_iter()
                    .filter(|t| t.managed == t.os_token || t.managed.is_none())
                {
                    let mut trail = Trail::rules_only();
                    let carried = dotnet::capture(mode, hand_off, &captured, &mut trail);
                    let mut running = runner;
                    let frame = dotnet::enter(carried, &mut running, &handles, &mut trail).unwrap();
                    assert_eq!(
                        running.os_token,
                        expected(mode, hand_off, captured, runner),
                        "{mode:?} {hand_off:?} captured {captured:?} runner {runner:?}"
                    );
                    dotnet::leave(frame, &mut running, &mut trail);
                    assert_eq!(
                        running.os_token, runner.os_token,
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
    let mut handles = Handles::default();
    let h = handles.open(3);
    let mut trail = Trail::rules_only();
    let mut request = ManagedThread::default();
    let scope =
        dotnet::run_impersonated(FlowMode::AsyncLocal, &mut request, h, &handles, &mut trail)
            .unwrap();
    assert_eq!(request.os_token, Some(3));
    let carried = dotnet::capture(
        FlowMode::AsyncLocal,
        HandOff::TaskContinuation,
        &request,
        &mut trail,
    );
    dotnet::leave(scope, &mut request, &mut trail);
    assert_eq!(
        request.os_token, None,
        "RunImpersonated restores the caller's token"
    );
    let mut pool = ManagedThread::default();
    let frame = dotnet::enter(carried, &mut pool, &handles, &mut trail).unwrap();
    assert_eq!(pool.os_token, Some(3));
    dotnet::leave(frame, &mut pool, &mut trail);
    assert_eq!(pool.os_token, None);
    handles.dispose(h);
    let mut pool = ManagedThread::default();
    assert!(dotnet::enter(carried, &mut pool, &handles, &mut trail).is_err());
}

/// CLR-9: suppressing twice throws, and Undo belongs to the suppressing thread.
#[test]
fn clr_9_suppress_flow_twice_throws() {
    let mut t = ManagedThread::default();
    let mut trail = Trail::rules_only();
    assert!(dotnet::suppress_flow(FlowMode::FastFlow, &mut t, &mut trail).is_ok());
    assert!(dotnet::suppress_flow(FlowMode::FastFlow, &mut t, &mut trail).is_err());
    assert!(dotnet::restore_flow(&mut t, false, &mut trail).is_err());
    assert!(dotnet::restore_flow(&mut t, true, &mut trail).is_ok());
    assert!(!t.ec_suppressed);
}

fn server(strict: bool) -> SqlServer {
    SqlServer {
        version: if strict { 2019 } else { 2016 },
        strict,
        service: 0,
        logins: vec![
            Login {
                identity: 1,
                windows: true,
                external_access_assembly: true,
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
        databases: vec![Database {
            owner: 2,
            trustworthy: false,
        }],
        tables: vec![Table {
            database: 0,
            readers: vec![0, 1],
        }],
        assemblies: Vec::new(),
    }
}

/// SQL-5 / INV-17 / INV-18: external access is the service account, or the original Windows
/// caller when the code impersonates it; never a SQL login, never a switched context.
#[test]
fn sql_5_external_identity_is_service_or_impersonated_original_caller() {
    let r = Readings::default();
    for strict in [false, true] {
        let mut s = server(strict);
        let mut trail = Trail::rules_only();
        // Under strict security EXTERNAL_ACCESS is UNSAFE (SQL-3): alice's signature is refused
        // until her login holds UNSAFE ASSEMBLY.
        let refused =
            s.create_assembly(0, 0, PermissionSet::ExternalAccess, Some(0), &r, &mut trail);
        assert_eq!(refused.is_err(), strict, "SQL-3");
        s.logins[0].unsafe_assembly = true;
        let asm = s
            .create_assembly(0, 0, PermissionSet::ExternalAccess, Some(0), &r, &mut trail)
            .unwrap();
        for (login, windows) in [(0usize, true), (1usize, false)] {
            let session = Session::new(login);
            let mut call = s.enter_clr(&session, asm, &mut trail).unwrap();
            let wi = s.windows_identity(&call, &r, &mut trail).unwrap();
            assert_eq!(wi.is_some(), windows, "SQL-6");
            let plain = s.external_identity(&call, ClrThread::Entry, false, false, &r, &mut trail);
            if windows {
                assert_eq!(
                    plain.unwrap(),
                    Some(0),
                    "not impersonating: the service account"
                );
                call.impersonate(ClrThread::Entry, wi, &mut trail).unwrap();
                let as_caller =
                    s.external_identity(&call, ClrThread::Entry, false, false, &r, &mut trail);
                assert_eq!(as_caller.unwrap(), Some(1));
                assert!(
                    s.context_query(&call, ClrThread::Entry, 0, &mut trail)
                        .is_err(),
                    "SQL-7"
                );
                call.undo(ClrThread::Entry, &mut trail);
                assert_eq!(
                    s.context_query(&call, ClrThread::Entry, 0, &mut trail)
                        .unwrap(),
                    0,
                    "SQL-9"
                );
                assert!(
                    s.context_query(&call, ClrThread::Started(0), 0, &mut trail)
                        .is_err(),
                    "SQL-8"
                );
            } else {
                assert!(plain.is_err(), "a SQL login's context is denied");
                assert!(call.impersonate(ClrThread::Entry, wi, &mut trail).is_err());
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
