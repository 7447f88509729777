//! The `managed` suite: INV-11..16 and INV-18 hold over every configuration and every
//! sequence within the suite's default depth, with the state count measured; each check is
//! not vacuous (a real transition where it applies passes, and the same transition with
//! its result perturbed is reported); and the documented ambiguities and the CLR-13 case
//! the invariants are stated around each have their counterexample.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use tokenhop_check::{Model, Observation, Options, Report, Trace, explore};
use tokenhop_model::managed::dotnet::{Family, FlowMode, HandOff, Host};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::sql::ClrThread;
use tokenhop_model::managed::{
    Action, AssemblyId, ContextId, HandleId, IdentityId, ItemId, Outcome, ScopeId, SqlContextId,
    ThreadId, Value, WindowsIdentitySource,
};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;
use tokenhop_properties::suites::managed::dotnet::{self, ALICE, BOB};
use tokenhop_properties::suites::managed::sql::{self, CALL, ORDERS, SESSION};
use tokenhop_properties::suites::managed::{self, Managed, State};
use tokenhop_properties::suites::suite;

/// The states and transitions the suite explores at its default depth (6), measured.
const STATES_AT_DEFAULT_DEPTH: u64 = 1_413_878;
const TRANSITIONS_AT_DEFAULT_DEPTH: u64 = 3_599_448;

const IDS: [&str; 7] = [
    "INV-11", "INV-12", "INV-13", "INV-14", "INV-15", "INV-16", "INV-18",
];

fn options(depth: u32) -> Options {
    Options::exhaustive(depth, 2)
}

#[test]
fn inv_11_to_16_and_18_hold_over_every_configuration_at_the_default_depth() {
    let s = suite("managed").expect("registered");
    assert_eq!(s.depth, 6);
    assert!(s.expect_broken.is_empty());
    let listed: Vec<&str> = (s.properties)().iter().map(|p| p.id).collect();
    assert_eq!(listed, IDS);
    let r = (s.run)(&options(s.depth), &|_| {}).unwrap();
    assert!(r.limit.is_none(), "{:?}", r.limit);
    assert_eq!(r.depth, s.depth);
    for f in &r.findings {
        assert!(f.holds(), "{}: {:#?}", f.id, f.verdict);
    }
    assert_eq!(r.findings.len(), IDS.len());
    assert_eq!(r.states, STATES_AT_DEFAULT_DEPTH);
    assert_eq!(r.transitions, TRANSITIONS_AT_DEFAULT_DEPTH);
    // The sweep reaches every decision the invariants rest on.
    for rule in [
        RuleId::CLR_1,
        RuleId::CLR_2,
        RuleId::CLR_3,
        RuleId::CLR_4,
        RuleId::CLR_5,
        RuleId::CLR_6,
        RuleId::CLR_7,
        RuleId::CLR_8,
        RuleId::CLR_9,
        RuleId::CLR_10,
        RuleId::CLR_11,
        RuleId::CLR_12,
        RuleId::CLR_13,
        RuleId::CLR_14,
        RuleId::CLR_15,
        RuleId::MRT_1,
        RuleId::MRT_2,
        RuleId::OQD_7,
        RuleId::OQR_1,
        RuleId::SQL_1,
        RuleId::SQL_3,
        RuleId::SQL_4,
        RuleId::SQL_5,
        RuleId::SQL_6,
        RuleId::SQL_7,
        RuleId::SQL_8,
        RuleId::SQL_9,
        RuleId::SQL_10,
        RuleId::SQL_12,
        RuleId::SQLX_1,
        RuleId::OQD_9,
    ] {
        assert!(r.rules.contains(&rule), "{} never applied", rule.code());
    }
}

#[test]
fn the_sweep_covers_every_dotnet_configuration_and_sql_session() {
    let configs = dotnet::configs();
    assert_eq!(configs.len(), 458);
    assert_eq!(sql::configs().len(), 16);
    assert_eq!(Managed::default().initial_states().len(), 458 + 16);
    // Every framework family, every host it runs under, every element value and flag.
    for family in [Family::Framework1, Family::Framework2, Family::Core] {
        assert!(configs.iter().any(|c| c.framework.family == family));
    }
    for host in [Host::App, Host::AspNet, Host::ClrHost, Host::AspNetCore] {
        assert!(configs.iter().any(|c| c.host == host));
    }
    assert!(
        configs
            .iter()
            .any(|c| c.flow.host_legacy && c.flow.host_always_flow)
    );
}

/// One transition: the state before, the action, the state after, the outcome.
struct Step {
    before: State,
    action: Action,
    after: State,
    outcome: Outcome,
}

/// Plays `actions` from `m`'s only initial state and returns the last transition.
fn play(m: &Managed, actions: &[Action]) -> Step {
    let starts = m.initial_states();
    assert_eq!(starts.len(), 1, "one configuration");
    let mut state = starts.into_iter().next().unwrap();
    let mut last = None;
    for a in actions {
        let mut offered = Vec::new();
        m.actions(&state, &mut offered);
        assert!(offered.contains(a), "{a:?} is not offered in {state:?}");
        let (after, outcome) = m
            .next(&state, a)
            .unwrap_or_else(|| panic!("{a:?} does not apply"));
        last = Some(Step {
            before: state,
            action: *a,
            after: after.clone(),
            outcome,
        });
        state = after;
    }
    last.expect("at least one action")
}

/// Property `id` on one transition: `Ok(false)` when it holds there, `Err` with the
/// violation's reason when it does not.
fn check(m: &Managed, id: &str, s: &Step) -> Result<bool, String> {
    let p = managed::properties()
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    match p.check(m, &s.before, &s.action, &s.after, &s.outcome) {
        Observation::Nothing => Ok(false),
        Observation::Witness => Ok(true),
        Observation::Violation(v) => Err(v.reason().to_owned()),
    }
}

fn dotnet_model(pick: impl Fn(&dotnet::Config) -> bool) -> Managed {
    let config = dotnet::configs()
        .into_iter()
        .find(|c| pick(c))
        .expect("a configuration");
    Managed::over(vec![config], Vec::new())
}

fn framework_app(
    name: &str,
    legacy: Option<bool>,
    always_flow: Option<bool>,
) -> impl Fn(&dotnet::Config) -> bool {
    move |c| {
        c.framework.name == name
            && c.host == Host::App
            && c.flow.legacy == legacy
            && c.flow.always_flow == always_flow
    }
}

const T0: ThreadId = ThreadId(0);
const T1: ThreadId = ThreadId(1);

/// `s.after` with thread `t` holding `token` instead, as P/Invoke would leave it: the
/// state a model that took another decision would have reached.
fn with_token(m: &Managed, s: &mut Step, t: ThreadId, token: Option<u16>) {
    let action = match token {
        Some(identity) => Action::PinvokeImpersonate {
            thread: t,
            identity,
        },
        None => Action::PinvokeRevert { thread: t },
    };
    s.after = m.next(&s.after, &action).expect("P/Invoke applies").0;
}

/// A request thread impersonates alice the managed way and bob by P/Invoke on top, then
/// queues a work item that the other thread runs.
fn managed_then_pinvoke_then_run() -> Vec<Action> {
    vec![
        Action::Start,
        Action::Impersonate {
            thread: T0,
            identity: ALICE,
            context: ContextId(0),
        },
        Action::PinvokeImpersonate {
            thread: T0,
            identity: BOB,
        },
        Action::Queue {
            thread: T0,
            hand_off: HandOff::QueueUserWorkItem,
            item: ItemId(0),
        },
        Action::Run {
            thread: T1,
            item: ItemId(0),
        },
    ]
}

#[test]
fn inv_11_reports_a_no_flow_callback_that_does_not_keep_its_threads_token() {
    let m = dotnet_model(framework_app("4.8", Some(true), None));
    let mut s = play(&m, &managed_then_pinvoke_then_run());
    assert_eq!(check(&m, "INV-11", &s), Ok(false));
    // The runtime flowing alice's identity in legacy mode breaks it.
    with_token(&m, &mut s, T1, Some(ALICE));
    let err = check(&m, "INV-11", &s).unwrap_err();
    assert!(err.contains("no-flow mode"), "{err}");
}

#[test]
fn inv_12_reports_a_fast_flow_callback_under_the_pinvoke_token_or_not_restored() {
    let m = dotnet_model(framework_app("4.8", None, None));
    let mut run = managed_then_pinvoke_then_run();
    let mut s = play(&m, &run);
    assert_eq!(check(&m, "INV-12", &s), Ok(false));
    // Flowing the OS token set by P/Invoke (what always-flow does) breaks it (CLR-3).
    with_token(&m, &mut s, T1, Some(BOB));
    let err = check(&m, "INV-12", &s).unwrap_err();
    assert!(err.contains("captured with alice"), "{err}");
    // When the item returns, the pool thread must go back to the process (CLR-8).
    run.push(Action::Finish {
        thread: T1,
        item: ItemId(0),
    });
    let mut s = play(&m, &run);
    assert_eq!(check(&m, "INV-12", &s), Ok(false));
    with_token(&m, &mut s, T1, Some(ALICE));
    let err = check(&m, "INV-12", &s).unwrap_err();
    assert!(err.contains("after it returns"), "{err}");
}

#[test]
fn inv_13_reports_an_always_flow_callback_under_the_managed_identity() {
    let m = dotnet_model(framework_app("4.8", None, Some(true)));
    let mut s = play(&m, &managed_then_pinvoke_then_run());
    assert_eq!(check(&m, "INV-13", &s), Ok(false));
    // The OS token at capture was bob's (P/Invoke): alice, the managed identity, breaks it.
    with_token(&m, &mut s, T1, Some(ALICE));
    let err = check(&m, "INV-13", &s).unwrap_err();
    assert!(err.contains("captured with bob"), "{err}");
}

#[test]
fn inv_14_reports_a_process_with_both_elements_not_in_no_flow_mode() {
    let m = dotnet_model(framework_app("4.5", Some(true), Some(true)));
    let mut s = play(&m, &[Action::Start]);
    assert_eq!(check(&m, "INV-14", &s), Ok(false));
    let State::Dotnet(after) = &s.after else {
        panic!("a .NET process");
    };
    assert_eq!(after.runtime.mode(), Some(FlowMode::NoFlow));
    // The process of the same configuration starting in always-flow mode breaks it.
    let always = dotnet_model(framework_app("4.5", None, Some(true)));
    s.after = play(&always, &[Action::Start]).after;
    let err = check(&m, "INV-14", &s).unwrap_err();
    assert!(err.contains("always-flow mode"), "{err}");
}

#[test]
fn inv_15_reports_a_continuation_off_its_token_or_a_scope_not_restored() {
    let m = dotnet_model(|c| c.framework.name == "8" && c.host == Host::AspNetCore);
    let scope = [
        Action::Start,
        Action::RunImpersonated {
            thread: T0,
            handle: HandleId(0),
            scope: ScopeId(0),
        },
        Action::Queue {
            thread: T0,
            hand_off: HandOff::TaskContinuation,
            item: ItemId(0),
        },
    ];
    let end = Action::End {
        thread: T0,
        scope: ScopeId(0),
    };
    let run = Action::Run {
        thread: T1,
        item: ItemId(0),
    };
    let mut ran = scope.to_vec();
    ran.extend([end, run]);
    let mut s = play(&m, &ran);
    assert_eq!(check(&m, "INV-15", &s), Ok(false));
    with_token(&m, &mut s, T1, None);
    let err = check(&m, "INV-15", &s).unwrap_err();
    assert!(err.contains("runs on thread t1 as the process"), "{err}");

    // RunImpersonated returning must give the thread its previous token back.
    let mut ended = scope.to_vec();
    ended.push(end);
    let mut s = play(&m, &ended);
    assert_eq!(check(&m, "INV-15", &s), Ok(false));
    with_token(&m, &mut s, T0, Some(ALICE));
    assert!(check(&m, "INV-15", &s).is_err());

    // A disposed handle makes the continuation throw (CLR-14), which INV-15 allows; a
    // continuation that ran anyway, on no token, is reported.
    let mut disposed = scope.to_vec();
    disposed.extend([
        end,
        Action::Dispose {
            thread: T0,
            handle: HandleId(0),
        },
        run,
    ]);
    let mut s = play(&m, &disposed);
    assert_eq!(s.outcome.result, Err(Exception::ObjectDisposed));
    assert_eq!(check(&m, "INV-15", &s), Ok(false));
    s.outcome.result = Ok(Value::Nothing);
    assert!(check(&m, "INV-15", &s).is_err());
}

fn sql_model(caller_windows: bool) -> Managed {
    let config = sql::configs()
        .into_iter()
        .find(|c| c.caller_windows == caller_windows && c.strict)
        .expect("a configuration");
    Managed::over(Vec::new(), vec![config])
}

fn execute_as(login: usize) -> Action {
    Action::ExecuteAs {
        session: SESSION,
        login,
        database: None,
    }
}

fn enter(assembly: u16) -> Action {
    Action::Enter {
        session: SESSION,
        assembly: AssemblyId(assembly),
        call: CALL,
    }
}

fn query(thread: ClrThread) -> Action {
    Action::ContextQuery {
        call: CALL,
        thread,
        table: ORDERS,
    }
}

const WINDOWS_IDENTITY: Action = Action::WindowsIdentity {
    call: CALL,
    identity: IdentityId(0),
};

#[test]
fn inv_16_reports_a_query_authorized_as_anyone_but_the_entry_context() {
    let m = sql_model(true);
    let base = [execute_as(sql::CAROL), enter(1)];
    let mut queried = base.to_vec();
    queried.push(query(ClrThread::Entry));
    let mut s = play(&m, &queried);
    assert_eq!(s.outcome.result, Ok(Value::Principal(sql::CAROL)));
    assert_eq!(check(&m, "INV-16", &s), Ok(false));
    // Authorized as the connecting login rather than EXECUTE AS's context: reported.
    s.outcome.result = Ok(Value::Principal(sql::ALICE));
    let err = check(&m, "INV-16", &s).unwrap_err();
    assert!(err.contains("entered as carol"), "{err}");

    // A query that succeeded while impersonating, or from a started thread, is reported.
    let mut impersonating = base.to_vec();
    impersonating.extend([
        Action::SqlImpersonate {
            call: CALL,
            thread: ClrThread::Entry,
            identity: WindowsIdentitySource::SqlContext,
            context: SqlContextId(0),
        },
        query(ClrThread::Entry),
    ]);
    let mut s = play(&m, &impersonating);
    assert!(matches!(s.outcome.result, Err(Exception::Sql(6233, _))));
    s.outcome.result = Ok(Value::Principal(sql::CAROL));
    assert!(
        check(&m, "INV-16", &s)
            .unwrap_err()
            .contains("impersonates")
    );
    let mut started = base.to_vec();
    started.extend([
        Action::StartThread { call: CALL },
        query(ClrThread::Started(0)),
    ]);
    let mut s = play(&m, &started);
    assert!(s.outcome.result.is_err());
    s.outcome.result = Ok(Value::Principal(sql::CAROL));
    assert!(check(&m, "INV-16", &s).unwrap_err().contains("started"));
}

#[test]
fn inv_18_reports_a_windows_identity_in_a_sql_authentication_session() {
    let m = sql_model(false);
    let mut s = play(&m, &[execute_as(sql::ALICE), enter(1), WINDOWS_IDENTITY]);
    assert_eq!(s.outcome.result, Ok(Value::WindowsIdentity(None)));
    assert_eq!(check(&m, "INV-18", &s), Ok(false));
    s.outcome.result = Ok(Value::WindowsIdentity(Some(sql::ALICE_ID)));
    let err = check(&m, "INV-18", &s).unwrap_err();
    assert!(err.contains("SqlContext.WindowsIdentity is alice"), "{err}");
    // The same session with Windows authentication has alice's identity, and INV-18
    // says nothing of it.
    let w = sql_model(true);
    let s = play(&w, &[enter(1), WINDOWS_IDENTITY]);
    assert_eq!(
        s.outcome.result,
        Ok(Value::WindowsIdentity(Some(sql::ALICE_ID)))
    );
    assert_eq!(check(&w, "INV-18", &s), Ok(false));
}

fn counterexample<'r>(r: &'r Report, id: &str) -> &'r Trace {
    let f = r.findings.iter().find(|f| f.id == id).unwrap();
    f.trace()
        .unwrap_or_else(|| panic!("{id} has a counterexample"))
}

fn reading(rule: RuleId, name: &str) -> Readings {
    let mut r = Readings::default();
    r.select(rule, name).unwrap();
    r
}

/// OQD-7: under the reading in which the always-flow setter wins, a host passing both
/// STARTUP_* flags runs in always-flow mode, so INV-14 holds only at the default reading.
#[test]
fn oqd_7_always_flow_wins_reading_breaks_inv_14_for_both_hosting_flags() {
    let configs: Vec<_> = dotnet::configs()
        .into_iter()
        .filter(|c| c.framework.name == "4.8" && c.host == Host::ClrHost)
        .collect();
    let m = Managed::over(configs, Vec::new())
        .with_readings(reading(RuleId::OQD_7, "always-flow-wins"));
    let r = explore(&m, &options(1), &|_| {});
    let t = counterexample(&r, "INV-14");
    assert!(
        t.initial
            .contains("STARTUP_LEGACY_IMPERSONATION, STARTUP_ALWAYSFLOW_IMPERSONATION"),
        "{t:#?}"
    );
}

/// OQD-9: under the reading in which a switched Windows login counts as the caller, a SQL
/// Server login that runs EXECUTE AS LOGIN = alice gets alice's WindowsIdentity, so INV-18
/// holds only at the default reading.
#[test]
fn oqd_9_switched_login_reading_breaks_inv_18_under_execute_as() {
    let m = Managed::over(Vec::new(), sql::configs())
        .with_readings(reading(RuleId::OQD_9, "switched-login"));
    let r = explore(&m, &options(3), &|_| {});
    let t = counterexample(&r, "INV-18");
    assert!(
        t.steps[0].action.contains("EXECUTE AS LOGIN = alice"),
        "{t:#?}"
    );
}

/// CLR-13: .NET Core code that impersonates by P/Invoke inside RunImpersonated leaves that
/// token on the thread, and a continuation run there without a context switch keeps it:
/// INV-15 is stated for code that impersonates only through RunImpersonated. The
/// counterexample, as a script: fixtures/runtimes/clr-core-pinvoke-inside-run-impersonated.yaml.
#[test]
fn clr_13_pinvoke_inside_run_impersonated_breaks_inv_15() {
    let configs: Vec<_> = dotnet::configs()
        .into_iter()
        .filter(|c| c.framework.name == "8")
        .collect();
    let m = Managed::over(configs, Vec::new()).with_pinvoke_in_run_impersonated();
    let r = explore(&m, &options(5), &|_| {});
    let t = counterexample(&r, "INV-15");
    assert!(
        t.steps.iter().any(|s| s.action.contains("P/Invoke")),
        "{t:#?}"
    );
    assert!(
        t.steps.iter().any(|s| s.action.contains("RunImpersonated")),
        "{t:#?}"
    );
}

/// The other readings of the rules the invariants rest on keep them: OQR-1's `revert`
/// (SecurityContext.SuppressFlow is a suppression either way) and OQD-8's `caller`.
#[test]
fn oqr_1_and_oqd_8_alternative_readings_keep_every_invariant() {
    for (rule, name) in [(RuleId::OQR_1, "revert"), (RuleId::OQD_8, "caller")] {
        let m = Managed::default().with_readings(reading(rule, name));
        let r = explore(&m, &options(5), &|_| {});
        for f in &r.findings {
            assert!(f.holds(), "{name}: {}: {:#?}", f.id, f.verdict);
        }
    }
}
