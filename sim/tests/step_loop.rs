//! The step loop's own rules, on small scripts: what a step that names something a failed
//! step did not make does (HND-1's NULL handle on the model; skipped where an id is
//! needed), and how a host that cannot follow the script stops following it.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use serde_json::Value as Json;
use tokenhop_model::Call;
use tokenhop_model::machine::ids::{HandleId, ThreadId};
use tokenhop_model::machine::outcome::Created;
use tokenhop_sim::host::{self, Host, Performed, Refusal, Unmade};
use tokenhop_sim::trace::Platform;

fn load(text: &str) -> tokenhop_sim::Scenario {
    tokenhop_sim::load_str(text, Path::new("test.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

/// HND-1: CreateProcessAsUser with a NULL token fails, so the process and its thread are
/// not made; OpenThread needs the thread's id, which there is none of, so the step is
/// skipped with the reason (it used to reach the model with an id of no thread).
#[test]
fn a_step_needing_the_id_of_a_thread_no_step_made_is_skipped() {
    let scenario = load(
        "version: 1
kind: script
name: t
steps:
  - call: CreateProcessAsUser
    args: { token: null }
    out: child
    expect: { ok: false }
  - call: OpenThread
    args: { thread: child, access: [THREAD_QUERY_INFORMATION] }
  - call: OpenThreadToken
    args: { thread: child, access: [TOKEN_QUERY] }
",
    );
    let run = tokenhop_sim::run(&scenario);
    assert_eq!(
        run.trace.steps[1].skipped.as_deref(),
        Some("`child` does not exist: the step that was to create it failed")
    );
    assert!(
        run.steps[1].failures.is_empty(),
        "no expectation, no failure"
    );
    // A thread handle is another matter: the failed call left NULL in it (HND-1).
    let third = &run.trace.steps[2];
    assert_eq!(third.skipped, None);
    assert_eq!(third.error.as_deref(), Some("ERROR_INVALID_HANDLE"));
    assert_eq!(third.rules, vec!["HND-1".to_owned()]);
}

/// A host that fails every OpenProcessToken, refuses CloseHandle, and numbers the handles
/// of the calls it performs.
struct Strict {
    performed: Vec<Call>,
}

impl Host for Strict {
    type Report = ();
    fn engine(&self) -> String {
        "strict".to_owned()
    }
    fn platform(&self) -> Platform {
        Platform {
            os: "test".to_owned(),
            build: "0".to_owned(),
        }
    }
    fn unmade(&self) -> Unmade {
        Unmade::Skip
    }
    fn hosts(&self, _: ThreadId) -> Result<(), String> {
        Ok(())
    }
    fn perform(&mut self, _: ThreadId, call: Call) -> Result<Performed<()>, Refusal> {
        if matches!(call, Call::CloseHandle { .. }) {
            return Err(Refusal::Unsupported(
                "CloseHandle is not performed here".to_owned(),
            ));
        }
        let ok = !matches!(call, Call::OpenProcessToken { .. });
        let n = u32::try_from(self.performed.len()).unwrap();
        self.performed.push(call);
        Ok(Performed {
            ok,
            error: (!ok).then(|| "ERROR_ACCESS_DENIED".to_owned()),
            code: if ok { 0 } else { 5 },
            value: Json::Null,
            rules: Vec::new(),
            created: Some(Created::Handle(HandleId(50 + n))),
            report: (),
        })
    }
}

/// A host that skips what failed steps did not make skips the step and goes on; a host
/// that cannot perform a step skips it and every later one, naming it.
#[test]
fn a_host_skips_unmade_inputs_and_stops_following_after_an_unsupported_step() {
    let scenario = load(
        "version: 1
kind: script
name: t
steps:
  - call: OpenProcessToken
    args: { access: [TOKEN_QUERY] }
    out: lost
  - call: GetTokenInformation
    args: { token: lost, class: TokenUser }
  - call: OpenThreadToken
    args: { access: [TOKEN_QUERY], open_as_self: true }
    out: kept
  - call: GetTokenInformation
    args: { token: kept, class: TokenUser }
  - call: CloseHandle
    args: { handle: kept }
  - call: RevertToSelf
",
    );
    let mut host = Strict {
        performed: Vec::new(),
    };
    let ran = host::run(&scenario, &mut host);
    let skipped: Vec<Option<&str>> = ran
        .trace
        .steps
        .iter()
        .map(|s| s.skipped.as_deref())
        .collect();
    assert_eq!(
        skipped,
        vec![
            None,
            Some("`lost` does not exist: the step that was to create it failed"),
            None,
            None,
            Some("CloseHandle is not performed here"),
            Some("step 4 was skipped, so this machine no longer follows the script"),
        ]
    );
    // Step 3 read the handle the host numbered for step 2.
    match &host.performed[2] {
        Call::GetTokenInformation { token, .. } => assert_eq!(*token, Some(HandleId(51))),
        other => panic!("{other:?}"),
    }
    assert_eq!(ran.trace.engine, "strict");
}
