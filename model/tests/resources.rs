//! RES-1: a process's handle table holds a bounded number of open handles; a call that
//! needs one more fails with ERROR_NO_SYSTEM_RESOURCES, and the step returns the world it
//! was given, whatever the call had changed in its copy before the table refused it.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use tokenhop_model::core::decision::Trail;
use tokenhop_model::machine::action::{Action, Call, ProcessRef};
use tokenhop_model::machine::ids::{PrincipalId, ThreadId};
use tokenhop_model::machine::logon_session::LogonType;
use tokenhop_model::machine::outcome::Outcome;
use tokenhop_model::machine::principal::wk;
use tokenhop_model::machine::rights::AccessMask;
use tokenhop_model::machine::settings::HANDLE_LIMIT;
use tokenhop_model::machine::setup::{ProcessSpec, Setup, UserSpec};
use tokenhop_model::{ErrorCode, RuleId, Settings, World, step, try_step};

/// A machine whose processes hold at most `limit` open handles: `current` runs `app`
/// (thread `main`), LOCAL SERVICE runs `svc` (thread `svc1`); alice's password is `pw`.
struct Machine {
    world: World,
    main: ThreadId,
    svc: ThreadId,
    alice: PrincipalId,
}

fn machine(limit: u32) -> Machine {
    let mut setup = Setup::new(Settings {
        handle_limit: limit,
        ..Settings::default()
    });
    let current = setup
        .add_user(UserSpec {
            name: "current".to_owned(),
            ..UserSpec::default()
        })
        .unwrap();
    let alice = setup
        .add_user(UserSpec {
            name: "alice".to_owned(),
            password: Some("pw".to_owned()),
            ..UserSpec::default()
        })
        .unwrap();
    let (_, app) = setup
        .add_process(ProcessSpec::new("app", current, &["main"]))
        .unwrap();
    let (_, svc) = setup
        .add_process(ProcessSpec::new("svc", wk::LOCAL_SERVICE, &["svc1"]))
        .unwrap();
    Machine {
        world: setup.finish().0,
        main: app[0],
        svc: svc[0],
        alice,
    }
}

fn open_process_token(caller: ThreadId) -> Action {
    Action {
        caller,
        call: Call::OpenProcessToken {
            process: ProcessRef::Current,
            access: AccessMask::TOKEN_QUERY,
        },
    }
}

/// Runs `action`, which must succeed, and returns the next world.
fn succeed(world: &World, action: &Action) -> World {
    let (next, outcome) = step(world, action);
    assert!(outcome.result.is_ok(), "{outcome:?}");
    next
}

fn applied(outcome: &Outcome, rule: RuleId) -> bool {
    outcome.decisions.iter().any(|d| d.rule == rule)
}

#[test]
fn res_1_the_real_limit_is_2_to_the_24_less_a_tracking_entry_a_page() {
    assert_eq!(
        HANDLE_LIMIT, 16_711_680,
        "Testlimit's count on 64-bit Windows"
    );
    assert_eq!(Settings::default().handle_limit, HANDLE_LIMIT);
}

#[test]
fn res_1_a_full_handle_table_fails_the_call_and_the_step_keeps_the_world() {
    let m = machine(2);
    let open = open_process_token(m.main);
    let full = succeed(&succeed(&m.world, &open), &open);
    let (next, outcome) = step(&full, &open);
    assert_eq!(
        outcome.result,
        Err(ErrorCode::ERROR_NO_SYSTEM_RESOURCES),
        "{outcome:?}"
    );
    assert!(applied(&outcome, RuleId::RES_1), "{outcome:?}");
    assert_eq!(next, full, "a failed step returns the world it was given");
    let (changed, again) = try_step(&full, &open, Trail::detailed());
    assert!(
        changed.is_none(),
        "try_step gives no new world for a failed call"
    );
    assert_eq!(again.result, outcome.result);
}

/// LogonUser makes a logon SID, a logon session and a token before it opens the handle
/// it returns: when the handle table refuses, none of them is left behind.
#[test]
fn res_1_a_logon_refused_its_handle_leaves_no_session_token_or_logon_sid() {
    let m = machine(1);
    let full = succeed(&m.world, &open_process_token(m.main));
    let logon = Action {
        caller: m.main,
        call: Call::LogonUser {
            user: m.alice,
            password: Some("pw".into()),
            logon_type: LogonType::Interactive,
        },
    };
    let (next, outcome) = step(&full, &logon);
    assert_eq!(outcome.result, Err(ErrorCode::ERROR_NO_SYSTEM_RESOURCES));
    assert!(applied(&outcome, RuleId::RES_1));
    assert!(
        applied(&outcome, RuleId::LOGON_4),
        "the logon ran before the table refused its handle"
    );
    assert_eq!(next.sessions.len(), full.sessions.len());
    assert_eq!(next.tokens.len(), full.tokens.len());
    assert_eq!(next.principals, full.principals);
    assert_eq!(next, full);
}

/// The limit is per process, and a closed handle no longer counts.
#[test]
fn res_1_the_limit_counts_each_process_s_open_handles() {
    let m = machine(1);
    let open = open_process_token(m.main);
    let full = succeed(&m.world, &open);
    assert_eq!(
        step(&full, &open).1.result,
        Err(ErrorCode::ERROR_NO_SYSTEM_RESOURCES)
    );
    let svc_opened = succeed(&full, &open_process_token(m.svc));
    let handle = svc_opened
        .handle_ids()
        .find(|h| svc_opened.handle(*h).process == svc_opened.thread(m.main).process)
        .unwrap();
    let closed = succeed(
        &svc_opened,
        &Action {
            caller: m.main,
            call: Call::CloseHandle {
                handle: Some(handle),
            },
        },
    );
    assert_eq!(closed.open_handles(closed.thread(m.main).process), 0);
    succeed(&closed, &open);
}
