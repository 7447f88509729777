//! The explorer on the payroll topology, with invariants of our own: one that holds over
//! every reachable state, one whose shortest counterexample is printed and replayed, and
//! the topology's own chains, which check themselves.

use std::error::Error;
use std::path::Path;

use tokenhop_check::{Claim, Extent, Options, Verdict, explore_with};
use tokenhop_examples::{PAYROLL, reaches_only_directly};
use tokenhop_model::rules::RuleId;
use tokenhop_properties::suites::chains::Chains;
use tokenhop_properties::suites::delegation::Delegation;
use tokenhop_sim::topology;

/// Our invariant, for carol: she is marked sensitive (AD-5), so no server may delegate her
/// identity to the payroll file server.
const CAROL_STAYS_NEAR: Claim = Claim {
    id: "PAY-1",
    statement: "carol's identity reaches the payroll file server only from her own logon, one machine away.",
    rests_on: &[RuleId::AD_5, RuleId::LVL_6],
};

/// The same invariant, for alice, whom nothing protects from delegation.
const ALICE_STAYS_NEAR: Claim = Claim {
    id: "PAY-2",
    statement: "alice's identity reaches the payroll file server only from her own logon, one machine away.",
    rests_on: &[RuleId::LVL_6],
};

#[test]
fn pay_1_holds_a_sensitive_user_never_reaches_the_file_server_delegated()
-> Result<(), Box<dyn Error>> {
    let payroll = topology::load_file(Path::new(PAYROLL))?;
    let model = Delegation::from_topology(&payroll.dir, payroll.readings)?;
    let (carol, files) = (payroll.account("carol")?, payroll.service("files")?);

    let invariant = Chains::invariant(CAROL_STAYS_NEAR, reaches_only_directly(carol, files));
    let report = explore_with(&model, vec![invariant], &Options::default(), &|_| {});

    assert!(report.complete, "the whole space was explored");
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].verdict,
        Verdict::Holds(Extent::Exhausted),
        "PAY-1 holds in every reachable state, not only within a bound"
    );
    Ok(())
}

#[test]
fn pay_2_is_broken_and_its_counterexample_replays_as_a_topology() -> Result<(), Box<dyn Error>> {
    let payroll = topology::load_file(Path::new(PAYROLL))?;
    let model = Delegation::from_topology(&payroll.dir, payroll.readings)?;
    let (alice, files) = (payroll.account("alice")?, payroll.service("files")?);

    let invariant = Chains::invariant(ALICE_STAYS_NEAR, reaches_only_directly(alice, files));
    let report = explore_with(&model, vec![invariant], &Options::default(), &|_| {});

    let Verdict::Broken(trace) = &report.findings[0].verdict else {
        return Err(format!("PAY-2 should be broken: {:?}", report.findings[0].verdict).into());
    };
    println!("PAY-2 is broken. Shortest counterexample:");
    println!("  start: {}", trace.initial);
    for (i, step) in trace.steps.iter().enumerate() {
        println!("  {}. {}\n     -> {}", i + 1, step.action, step.state);
    }
    println!("  {}", trace.reason);

    // alice signs in at her workstation and calls a middle tier, which carries her
    // identity on to the file server: two calls. Two such paths are equally short (the
    // application tier's constrained delegation, AD-9; the front end holding her TGT when
    // her client ignores OK-AS-DELEGATE, KRB-2); the explorer reports one of them, the same
    // on every run, but which one rests on the states' fingerprints, so both are accepted.
    assert!(
        trace.initial.contains("ws01 holds alice"),
        "{}",
        trace.initial
    );
    assert_eq!(trace.steps.len(), 2, "{trace:#?}");
    assert!(trace.steps[0].action.starts_with("call "));
    assert!(trace.steps[1].action.starts_with("call files@files01"));
    assert!(
        trace.steps[1]
            .state
            .contains("files@files01 holds alice@corp.example")
    );
    assert_eq!(
        trace.reason,
        "alice@corp.example is presented at files after crossing 2 or more machine boundaries"
    );

    // The path as a topology file whose one chain replays it and checks where it ends.
    let file = trace
        .scenario
        .as_deref()
        .ok_or("the chains model writes its paths")?;
    let replay = topology::load_str(file, Path::new("pay-2-counterexample.yaml"))?;
    let run = topology::run::run(&replay);
    assert!(run.expectations() > 0);
    assert_eq!(run.failed().count(), 0, "{file}");
    Ok(())
}

#[test]
fn the_payroll_topology_meets_its_own_expectations() -> Result<(), Box<dyn Error>> {
    let payroll = topology::load_file(Path::new(PAYROLL))?;
    let run = topology::run::run(&payroll);
    assert!(run.expectations() >= 5);
    let failed: Vec<String> = run.failed().flat_map(|s| s.failures.clone()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    Ok(())
}
