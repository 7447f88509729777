//! The built-in suites, on a reduced configuration space so that `cargo test` stays quick:
//! every invariant holds with every fix on; the Bronze Bit (ATK-1) and the Protected Users
//! RBCD bypass (ATK-6) are each found as a counterexample with their fix off, and not
//! with it on. `tokenhop check --suite NAME` runs the full sweeps.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use tokenhop_check::{Budget, Options, Report, explore};
use tokenhop_properties::suites::delegation::{Delegation, Mitigations};

/// The configurations over the bits the attacks need: the user's two flags, the front end
/// trusted for delegation, the middle tier's protocol transition, delegation to the back
/// end and RBCD admitting the front end, and the back end's RBCD admitting the middle tier.
fn configs() -> impl Iterator<Item = u16> {
    const BITS: [u32; 7] = [0, 1, 2, 6, 7, 8, 11];
    (0u16..1 << BITS.len()).map(|n| {
        BITS.iter()
            .enumerate()
            .filter(|(i, _)| n & (1 << i) != 0)
            .fold(0u16, |c, (_, b)| c | 1 << b)
    })
}

fn run(m: Mitigations) -> Report {
    let options = Options::exhaustive(4, 2);
    explore(
        &Delegation::with_configs(m, configs()).expect("the configurations"),
        &options,
        &|_| {},
    )
}

fn finding<'r>(r: &'r Report, id: &str) -> &'r tokenhop_check::Finding {
    r.findings
        .iter()
        .find(|f| f.id == id)
        .expect("the suite checks it")
}

#[test]
fn inv_1_to_10_hold_and_inv_21_is_exhibited_with_every_fix_on() {
    let r = run(Mitigations::ON);
    assert!(r.states > 10_000, "only {} states", r.states);
    for f in &r.findings {
        assert!(f.holds(), "{} fails: {:?}", f.id, f.verdict);
    }
}

#[test]
fn atk_1_bronze_bit_breaks_inv_4_and_inv_1_without_ticket_signatures() {
    let r = run(Mitigations {
        ticket_signatures: false,
        ..Mitigations::ON
    });
    for id in ["INV-4", "INV-1"] {
        let trace = finding(&r, id).trace().expect("a counterexample");
        assert!(
            trace.steps.iter().any(|s| s.action.contains("Bronze Bit")),
            "{id}: {trace:?}"
        );
    }
    for id in ["INV-2", "INV-3", "INV-6", "INV-8", "INV-10"] {
        assert!(finding(&r, id).holds(), "{id}");
    }
}

#[test]
fn atk_6_rbcd_delegates_a_protected_user_without_the_cve_2020_16996_fix() {
    let r = run(Mitigations {
        rbcd_sensitive_enforced: false,
        ..Mitigations::ON
    });
    let trace = finding(&r, "INV-1").trace().expect("a counterexample");
    assert!(trace.initial.contains("Protected Users"), "{trace:?}");
    assert!(
        trace.steps.iter().any(|s| s.action.contains("S4U2self")),
        "{trace:?}"
    );
    assert!(finding(&r, "INV-4").holds());
}

/// LOC-1..7 on every sequence of three calls by the two threads of `app`.
#[test]
fn loc_invariants_hold_on_every_three_call_sequence_of_two_threads() {
    let options = Options {
        threads: 2,
        stop_when_decided: false,
        budget: Budget {
            depth: 3,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let r = explore(
        &tokenhop_properties::suites::local::Local::default(),
        &options,
        &|_| {},
    );
    assert!(r.complete || r.depth == 3);
    assert!(r.states > 1_000, "only {} states", r.states);
    for f in &r.findings {
        assert!(f.holds(), "{} fails: {:?}", f.id, f.verdict);
    }
    assert!(
        r.rules.len() > 20,
        "the suite exercised only {} rules",
        r.rules.len()
    );
}

/// INV-7 is not vacuous: an NTLM call leaves a state marked as an NTLM arrival, from which
/// the suite's next network hop is checked.
#[test]
fn inv_7_ntlm_arrivals_are_marked() {
    use tokenhop_check::Model;
    use tokenhop_model::net::chain::Step;
    let m = Delegation::with_configs(Mitigations::ON, [0u16].into_iter()).expect("one config");
    let start = m
        .initial_states()
        .into_iter()
        .find(|s| s.holder().is_some_and(|h| h.service.is_none()))
        .expect("a user's logon");
    let mut actions = Vec::new();
    m.actions(&start, &mut actions);
    let marked = actions.iter().any(|a| {
        matches!(m.step(a), Some(Step::Call(_)))
            && m.next(&start, a)
                .is_some_and(|(t, _)| t.holder().is_some_and(|h| h.ntlm))
            && m.describe_action(&start, a).contains("Ntlm")
    });
    assert!(marked, "no NTLM call from the user's logon is marked");
}
