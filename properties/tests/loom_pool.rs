//! The worker pool under every interleaving loom schedules within a preemption bound: a
//! server whose workers impersonate each caller and serve concurrent clients keeps
//! POOL-1..3 (`tokenhop_sim::pool::check`: work for a client runs as that client, no
//! worker goes back to the pool impersonating, a continuation starts as the flow rules
//! say), and each deliberately wrong server is caught, with a failing interleaving
//! printed as a schedule (`cargo test -- --nocapture` shows it).
//!
//! Built only with `RUSTFLAGS="--cfg loom"` (see `scripts/test-all`): the pool's locks
//! and threads are then loom's, through `tokenhop_sim::pool`'s sync shim.

#![cfg(loom)]
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::sync::{Arc, Mutex};

use loom::model::Builder;
use tokenhop_model::managed::Ident;
use tokenhop_sim::pool::check::{POOL_1, POOL_2};
use tokenhop_sim::pool::{Flow, Server, ServerVariant, Violation};

/// Preemptions loom explores per execution. Two requests meeting in the database takes
/// one; three keeps every model here under a few seconds.
const PREEMPTIONS: usize = 3;

/// Two clients, one request each.
const TWO_CLIENTS: &[Ident] = &[1, 2];

/// What a loom run saw.
#[derive(Debug, Default)]
struct Tally {
    /// Executions explored.
    explored: usize,
    /// Executions that broke a property.
    failing: usize,
    /// The first violation found.
    first: Option<Violation>,
    /// The violation whose schedule marks the most breaches.
    telling: Option<(usize, Violation)>,
}

/// Runs `server` under loom, serving `requests` on `workers` workers, and checks every
/// execution.
fn explore(name: &str, server: Server, workers: usize, requests: &'static [Ident]) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let seen = Arc::clone(&tally);
    let mut builder = Builder::new();
    builder.preemption_bound = Some(PREEMPTIONS);
    builder.check(move || {
        let result = server.serve(workers, requests).check();
        let mut seen = seen.lock().unwrap();
        seen.explored += 1;
        if let Err(violation) = result {
            seen.failing += 1;
            let marks = violation.schedule.matches("   <- ").count();
            if seen.telling.as_ref().is_none_or(|(most, _)| marks > *most) {
                seen.telling = Some((marks, violation.clone()));
            }
            seen.first.get_or_insert(violation);
        }
    });
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    eprintln!(
        "{name}: {} interleavings explored, {} broke a property",
        tally.explored, tally.failing
    );
    tally
}

/// Asserts `server` keeps every property in every interleaving.
fn holds(name: &str, server: Server, workers: usize, requests: &'static [Ident]) {
    let tally = explore(name, server, workers, requests);
    assert!(tally.explored > 1, "loom explored one interleaving only");
    if let Some(v) = tally.first {
        panic!(
            "{name} broke a property in {} of {} interleavings:\n{v}",
            tally.failing, tally.explored
        );
    }
}

/// Asserts loom caught the wrong server breaking `property` with a message containing
/// `text`, and prints the failing interleaving that shows the most.
fn caught(
    name: &str,
    server: Server,
    requests: &'static [Ident],
    property: &str,
    text: &str,
) -> (Tally, Violation) {
    let tally = explore(name, server, 2, requests);
    let Some((_, v)) = tally.telling.clone() else {
        panic!("{name}: loom found no failing interleaving");
    };
    eprintln!(
        "{name}: caught in {} of {} interleavings; one of them:\n{v}",
        tally.failing, tally.explored
    );
    for v in [tally.first.as_ref().unwrap(), &v] {
        assert_eq!(v.property.id, property, "{v}");
        assert!(v.message.contains(text), "expected {text:?} in:\n{v}");
        let mark = format!("<- {}: {}", v.property.id, v.message);
        assert!(v.schedule.contains(&mark), "{v}");
    }
    (tally, v)
}

#[test]
fn pool_clr_3_the_correct_fast_flow_server_with_managed_impersonation_holds() {
    holds(
        "correct, fast-flow, WindowsIdentity.Impersonate, QueueUserWorkItem",
        Server::new(ServerVariant::Correct, Flow::FrameworkManaged),
        2,
        TWO_CLIENTS,
    );
}

#[test]
fn pool_clr_4_the_correct_always_flow_server_with_pinvoke_holds() {
    holds(
        "correct, always-flow, P/Invoke, BeginInvoke",
        Server::new(ServerVariant::Correct, Flow::FrameworkAlwaysFlowPInvoke),
        2,
        TWO_CLIENTS,
    );
}

#[test]
fn pool_clr_12_the_correct_core_server_with_run_impersonated_holds() {
    holds(
        "correct, .NET Core, RunImpersonated, task continuation",
        Server::new(ServerVariant::Correct, Flow::CoreRunImpersonated),
        2,
        TWO_CLIENTS,
    );
}

#[test]
fn pool_the_correct_server_holds_for_three_clients_on_three_workers() {
    holds(
        "correct, fast-flow, three clients on three workers",
        Server::new(ServerVariant::Correct, Flow::FrameworkManaged),
        3,
        &[1, 2, 3],
    );
}

#[test]
fn mrt_2_run_impersonated_reverts_on_the_error_path_too() {
    holds(
        "skip-revert-on-error written with RunImpersonated",
        Server::new(ServerVariant::SkipRevertOnError, Flow::CoreRunImpersonated),
        2,
        &[1, 2, 1],
    );
}

#[test]
fn mrt_2_loom_catches_a_revert_skipped_on_the_error_path() {
    let (tally, v) = caught(
        "skip-revert-on-error",
        Server::new(ServerVariant::SkipRevertOnError, Flow::FrameworkManaged),
        &[1, 2, 1],
        POOL_2.id,
        "went back to the pool impersonating client-",
    );
    assert!(v.schedule.contains("failed: Msg 1205"), "{v}");
    assert!(
        tally.failing < tally.explored,
        "the error path is taken only when two requests meet in the database"
    );
}

#[test]
fn clr_3_loom_catches_pinvoke_impersonation_under_fast_flow() {
    let (tally, v) = caught(
        "pinvoke-under-fast-flow",
        Server::new(ServerVariant::PInvokeUnderFastFlow, Flow::FrameworkManaged),
        TWO_CLIENTS,
        POOL_1.id,
        "'s work ran as the service",
    );
    assert!(v.schedule.contains("call(backend)"), "{v}");
    assert_eq!(
        tally.failing, tally.explored,
        "the continuation never flows"
    );
}

#[test]
fn mrt_3_loom_catches_a_connection_pool_shared_across_identities() {
    let (tally, v) = caught(
        "shared-connection-pool",
        Server::new(ServerVariant::SharedConnectionPool, Flow::FrameworkManaged),
        TWO_CLIENTS,
        POOL_1.id,
        "'s work ran as client-",
    );
    assert!(v.schedule.contains("reuse pooled conn#1"), "{v}");
    assert!(
        tally.failing < tally.explored,
        "a connection is reused only when its first client returned it first"
    );
}
