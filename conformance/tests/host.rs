//! The step loop the adapter shares with every platform, driven by a recording host: each
//! call reaches the host decoded as the model decodes it, with the host's own handle
//! numbers; a step the host cannot perform is skipped with its reason and so is every
//! later one; a step naming a handle or an object a failed step should have made is skipped
//! (its input is not the model's), without stopping the run; a script of several processes
//! is not portable.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use serde_json::Value as Json;
use tokenhop_conformance::host::{self, Host, Observed, Skip};
use tokenhop_model::World;
use tokenhop_model::machine::action::Call;
use tokenhop_model::machine::ids::{HandleId, ThreadId};
use tokenhop_sim::scenario::Scenario;
use tokenhop_sim::trace::Platform;

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/scripts")
        .join(name);
    tokenhop_sim::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Succeeds at every call (numbering a handle for each), except the calls it is told to
/// fail or not to perform; records what it was asked.
#[derive(Default)]
struct Recording {
    performed: Vec<Call>,
    /// The thread each performed call was made on.
    on: Vec<ThreadId>,
    fail: Vec<&'static str>,
    refuse: Vec<&'static str>,
    handles: u32,
}

impl Host for Recording {
    fn engine(&self) -> &str {
        "recording"
    }
    fn platform(&self) -> Platform {
        Platform {
            os: "test".to_owned(),
            build: "0".to_owned(),
        }
    }
    fn hosts(&self, world: &World, thread: ThreadId) -> Result<(), Skip> {
        host::in_own_process(world, thread)
    }
    fn perform(&mut self, _: &World, thread: ThreadId, call: &Call) -> Result<Observed, Skip> {
        if self.refuse.contains(&call.name()) {
            return Err(Skip(format!("{} is not performed here", call.name())));
        }
        self.performed.push(call.clone());
        self.on.push(thread);
        if self.fail.contains(&call.name()) {
            return Ok(Observed::failed(5));
        }
        self.handles += 1;
        Ok(Observed {
            ok: true,
            code: 0,
            value: Json::Null,
            created: Some(100 + self.handles),
            object: None,
            symbol: None,
        })
    }
}

#[test]
fn calls_reach_the_host_decoded_with_the_hosts_handle_numbers() {
    let scenario = load("same-user-token-handle-access.yaml");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert_eq!(trace.engine, "recording");
    assert!(trace.steps.iter().all(|s| s.skipped.is_none()));
    assert_eq!(host.performed.len(), scenario.steps.len());
    // Step 1 reads the token step 0 opened: the host's handle 101.
    match &host.performed[1] {
        Call::GetTokenInformation { token, .. } => assert_eq!(*token, Some(HandleId(101))),
        other => panic!("step 1 is {other:?}"),
    }
}

#[test]
fn after_a_step_is_skipped_every_later_step_is_skipped_naming_it() {
    let scenario = load("same-user-token-handle-access.yaml");
    let mut host = Recording {
        refuse: vec!["DuplicateTokenEx"],
        ..Recording::default()
    };
    let trace = host::run(&scenario, &mut host);
    let first = trace
        .steps
        .iter()
        .position(|s| s.skipped.is_some())
        .unwrap();
    assert_eq!(trace.steps[first].call, "DuplicateTokenEx");
    assert!(
        trace.steps[first]
            .skipped
            .as_deref()
            .unwrap()
            .contains("not performed here")
    );
    for later in &trace.steps[first + 1..] {
        let why = later
            .skipped
            .as_deref()
            .unwrap_or_else(|| panic!("step {} ran after the skipped step {first}", later.index));
        assert!(why.contains(&format!("step {first} was skipped")), "{why}");
    }
    assert_eq!(host.performed.len(), first);
}

#[test]
fn a_step_naming_a_handle_a_failed_step_did_not_return_is_skipped_and_the_run_goes_on() {
    let scenario = load("same-user-thread-tokens-are-per-thread.yaml");
    let mut host = Recording {
        fail: vec!["OpenProcessToken"],
        ..Recording::default()
    };
    let trace = host::run(&scenario, &mut host);
    let open = trace
        .steps
        .iter()
        .position(|s| s.call == "OpenProcessToken")
        .unwrap();
    assert!(!trace.steps[open].ok);
    assert_eq!(
        trace.steps[open].error.as_deref(),
        Some("ERROR_ACCESS_DENIED")
    );
    let duplicate = &trace.steps[open + 1];
    assert!(
        duplicate
            .skipped
            .as_deref()
            .unwrap()
            .contains("`process_token` does not exist")
    );
    let last = trace.steps.last().unwrap();
    assert!(last.skipped.is_none(), "the run went on: {last:?}");
}

#[test]
fn a_step_naming_an_object_a_failed_step_did_not_create_is_skipped_and_the_run_goes_on() {
    let scenario = load("new-object-default-dacl-reading.yaml");
    let mut host = Recording {
        fail: vec!["CreateObject"],
        ..Recording::default()
    };
    let trace = host::run(&scenario, &mut host);
    let create = trace
        .steps
        .iter()
        .position(|s| s.call == "CreateObject")
        .unwrap();
    let named: Vec<&str> = trace.steps[create + 1..]
        .iter()
        .filter_map(|s| s.skipped.as_deref())
        .collect();
    assert!(!named.is_empty());
    assert!(
        named
            .iter()
            .all(|why| *why == "`scratch` does not exist: the step that was to create it failed"),
        "{named:?}"
    );
    assert!(
        trace.steps[create + 1..]
            .iter()
            .any(|s| s.skipped.is_none()),
        "the run went on"
    );
}

#[test]
fn scripts_of_several_processes_or_other_users_are_not_portable() {
    assert!(host::portable(&load("same-user-pipe-connect-states.yaml")).is_ok());
    let Err(Skip(why)) = host::portable(&load("pipe-connect-and-disconnect.yaml")) else {
        panic!("a script of two processes is portable");
    };
    assert!(why.contains("2 processes"), "{why}");
    let scenario = load("pipe-connect-and-disconnect.yaml");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert!(
        trace.steps[0]
            .skipped
            .as_deref()
            .unwrap()
            .contains("runs as `LOCAL SERVICE`"),
        "{:?}",
        trace.steps[0]
    );
    assert!(host.performed.is_empty());
}

/// RES-1: no real machine can be given a lower handle limit than Windows' own, so a script
/// that lowers it is not portable, and a host that is handed it anyway performs none of
/// its steps, each skipped with the reason.
#[test]
fn res_1_a_lowered_handle_limit_is_not_portable_and_every_step_is_skipped() {
    let scenario = load("handle-table-full.yaml");
    let Err(Skip(why)) = host::portable(&scenario) else {
        panic!("a script that lowers the handle limit is portable");
    };
    assert!(why.contains("handle limit to 2"), "{why}");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert!(host.performed.is_empty());
    assert!(
        trace
            .steps
            .iter()
            .all(|s| s.skipped.as_deref() == Some(why.as_str())),
        "{:?}",
        trace.steps
    );
}

/// RPCA-5, RPCA-8: an RPC binding a step made reaches the host's later calls as the host's
/// own binding number, as handles do; a server function's `binding: <thread>` names the
/// call that thread serves.
#[test]
fn rpc_bindings_reach_the_host_with_the_hosts_numbers() {
    use tokenhop_model::machine::action::CallRef;
    use tokenhop_model::machine::ids::BindingId;
    let scenario = load("same-user-rpc-endpoints.yaml");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert!(trace.steps.iter().all(|s| s.skipped.is_none()));
    let numbers: Vec<Option<BindingId>> = host
        .performed
        .iter()
        .filter_map(|c| match c {
            Call::RpcCall { binding, .. } | Call::RpcBindingFree { binding } => Some(*binding),
            _ => None,
        })
        .collect();
    // Steps 3 and 5 made bindings, the host's numbers 101 + 3 and 101 + 5.
    assert_eq!(
        numbers,
        vec![
            Some(BindingId(104)),
            Some(BindingId(106)),
            Some(BindingId(106)),
            Some(BindingId(106))
        ]
    );
    let srv = scenario.world.find_thread("srv").unwrap();
    assert!(host.performed.iter().any(|c| matches!(
        c,
        Call::RpcImpersonateClient { call: CallRef::ServedBy(t) } if *t == srv
    )));
    assert!(host.performed.iter().any(|c| matches!(
        c,
        Call::RpcImpersonateClient {
            call: CallRef::Client(Some(BindingId(106)))
        }
    )));
}

/// THR-2, PROC-1: a thread a step created runs later steps as the number the host gave it,
/// and names it in arguments the same way; a process a step created is named by the host's
/// number, and its first thread is one no host runs.
#[test]
fn threads_and_processes_steps_create_are_named_by_the_hosts_numbers() {
    use tokenhop_model::machine::action::{ProcessRef, ThreadRef};
    use tokenhop_model::machine::ids::ProcessId;
    let scenario = load("same-user-new-threads.yaml");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert!(trace.steps.iter().all(|s| s.skipped.is_none()));
    // Step 1 (CreateThread) was the host's second call: number 102.
    let child = ThreadId(102);
    assert_eq!(host.on[3], child, "step 3 runs on the created thread");
    match &host.performed[2] {
        Call::OpenThreadToken { thread, .. } => {
            assert_eq!(*thread, ThreadRef::Thread(child));
        }
        other => panic!("step 2 is {other:?}"),
    }

    let scenario = load("same-user-create-process.yaml");
    let mut host = Recording::default();
    let trace = host::run(&scenario, &mut host);
    assert!(trace.steps.iter().all(|s| s.skipped.is_none()));
    match &host.performed[3] {
        Call::OpenProcessToken { process, .. } => {
            assert_eq!(*process, ProcessRef::Process(ProcessId(102)));
        }
        other => panic!("step 3 is {other:?}"),
    }
}
