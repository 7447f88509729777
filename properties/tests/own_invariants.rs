//! Invariants a downstream crate states itself, on the model of a topology: one stated in
//! the chain step's terms (`Chains::invariant`) and the same stated over the explorer's
//! states (`Property::always`) get the same verdicts from `explore_with`, and the model's
//! own properties (INV-1..) are not checked in their place.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use tokenhop_check::{Claim, Options, Property, Verdict, Violation, explore_with};
use tokenhop_model::net::directory::{AccountId, ServiceId};
use tokenhop_properties::suites::chains::Chains;
use tokenhop_properties::suites::delegation::Delegation;
use tokenhop_sim::topology;

const CLAIM: Claim = Claim {
    id: "OWN-1",
    statement: "The user is never presented at the server two machine boundaries from its logon.",
    rests_on: &[],
};

/// The invariant as `Chains::invariant` states it.
fn in_chain_terms(user: AccountId, server: ServiceId) -> Property<Chains<Delegation>> {
    Chains::invariant(CLAIM, move |_, _, _, after| match &after.holder {
        Some(h) if h.service == Some(server) && h.presents == Some(user) && h.hops >= 2 => {
            Err(Violation::new("delegated to the server"))
        }
        _ => Ok(()),
    })
}

/// The same invariant over the explorer's states, written independently of
/// `Chains::invariant` (an oracle for it).
fn in_state_terms(user: AccountId, server: ServiceId) -> Property<Chains<Delegation>> {
    Property::<Chains<Delegation>>::always(CLAIM, move |_, _, _, after, _| match after.holder() {
        Some(h) if h.service == Some(server) && h.presents == Some(user) && h.hops >= 2 => {
            Err(Violation::new("delegated to the server"))
        }
        _ => Ok(()),
    })
}

#[test]
fn an_invariant_in_chain_terms_gets_the_verdicts_of_the_same_over_states() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/topologies/ad-protocol-transition.yaml");
    let t = topology::load_file(&path).unwrap();
    let model = Delegation::from_topology(&t.dir, t.readings).unwrap();
    let files = t.service("files").unwrap();
    let options = Options::exhaustive(12, 1);
    let mut broken = 0;
    for user in ["alice", "svc-pt", "svc-kcd", "svc-ta-only"] {
        let user = t.account(user).unwrap();
        let report = explore_with(
            &model,
            vec![in_chain_terms(user, files), in_state_terms(user, files)],
            &options,
            &|_| {},
        );
        assert!(report.complete);
        let [chain, state] = report.findings.as_slice() else {
            panic!("one finding per given property, and none of the model's own");
        };
        assert_eq!(chain.verdict, state.verdict, "{}", t.dir.qualified(user));
        broken += usize::from(matches!(chain.verdict, Verdict::Broken(_)));
    }
    assert!(
        broken > 0,
        "alice reaches the file server through kcd-app's constrained delegation"
    );
}
