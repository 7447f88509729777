//! The managed suites' two paths side by side: the old suites (their own state and
//! actions over the decision functions) and the suites over `tokenhop_model::managed::step`
//! explore the same number of states and transitions, to the same depth, and give every
//! property the same verdict with the same counterexample, on the `managed` suite (its
//! whole default space and under each alternative reading its tests select) and on `atk-9`
//! and `atk-9-fixed` (under every reading of every ambiguous rule).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test reports failure by panicking"
)]

use tokenhop_check::{Model, Options, Report, explore};
use tokenhop_model::managed::dotnet::Host;
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::{AMBIGUITIES, Readings};
use tokenhop_properties::suites::attacks::sql as atk9;
use tokenhop_properties::suites::managed::{self as old, next};

fn run<M: Model>(m: &M, depth: u32) -> Report {
    explore(m, &Options::exhaustive(depth, 2), &|_| {})
}

/// The parts of a report both paths must share (rules aside).
fn shape(r: &Report) -> String {
    let findings: Vec<String> = r
        .findings
        .iter()
        .map(|f| format!("{}: {:?}", f.id, f.verdict))
        .collect();
    format!(
        "{} states, {} transitions, depth {}, complete {}\n{}",
        r.states,
        r.transitions,
        r.depth,
        r.complete,
        findings.join("\n")
    )
}

/// Same shape; the new path applies every rule the old did, and only THR-1 beside them
/// (the external resource's own check of whom it sees, which the old suites skipped).
fn same(what: &str, old: &Report, new: &Report) {
    assert_eq!(shape(old), shape(new), "{what}");
    for rule in &old.rules {
        assert!(new.rules.contains(rule), "{what}: {} lost", rule.code());
    }
    for rule in &new.rules {
        assert!(
            old.rules.contains(rule) || *rule == RuleId::THR_1,
            "{what}: {} gained",
            rule.code()
        );
    }
}

fn reading(rule: RuleId, name: &str) -> Readings {
    let mut r = Readings::default();
    r.select(rule, name).unwrap();
    r
}

#[test]
fn the_managed_suite_explores_the_same_space_on_the_step() {
    same(
        "managed, depth 6",
        &run(&old::Managed::default(), 6),
        &run(&next::Managed::default(), 6),
    );
}

#[test]
fn the_managed_suite_agrees_under_each_reading() {
    for (rule, name) in [(RuleId::OQR_1, "revert"), (RuleId::OQD_8, "caller")] {
        let r = reading(rule, name);
        same(
            name,
            &run(&old::Managed::default().with_readings(r), 5),
            &run(&next::Managed::default().with_readings(r), 5),
        );
    }
    let clr_host = |c: &old::dotnet::Config| c.framework.name == "4.8" && c.host == Host::ClrHost;
    let r = reading(RuleId::OQD_7, "always-flow-wins");
    same(
        "OQD-7",
        &run(
            &old::Managed::over(
                old::dotnet::configs()
                    .into_iter()
                    .filter(clr_host)
                    .collect(),
                Vec::new(),
            )
            .with_readings(r),
            3,
        ),
        &run(
            &next::Managed::over(
                next::dotnet::configs()
                    .into_iter()
                    .filter(|c| c.framework.name == "4.8" && c.host == Host::ClrHost)
                    .collect(),
                Vec::new(),
            )
            .with_readings(r),
            3,
        ),
    );
    let r = reading(RuleId::OQD_9, "switched-login");
    same(
        "OQD-9",
        &run(
            &old::Managed::over(Vec::new(), old::sql::configs()).with_readings(r),
            5,
        ),
        &run(
            &next::Managed::over(Vec::new(), next::sql::configs()).with_readings(r),
            5,
        ),
    );
    same(
        "P/Invoke inside RunImpersonated",
        &run(
            &old::Managed::over(
                old::dotnet::configs()
                    .into_iter()
                    .filter(|c| c.framework.name == "8")
                    .collect(),
                Vec::new(),
            )
            .with_pinvoke_in_run_impersonated(),
            5,
        ),
        &run(
            &next::Managed::over(
                next::dotnet::configs()
                    .into_iter()
                    .filter(|c| c.framework.name == "8")
                    .collect(),
                Vec::new(),
            )
            .with_pinvoke_in_run_impersonated(),
            5,
        ),
    );
}

#[test]
fn atk_9_explores_the_same_space_on_the_step() {
    for mitigated in [false, true] {
        same(
            if mitigated { "atk-9-fixed" } else { "atk-9" },
            &run(&atk9::Sql::new(mitigated), 9),
            &run(&atk9::next::Sql::new(mitigated), 9),
        );
        for a in AMBIGUITIES {
            for r in a.readings.iter().skip(1) {
                let readings = reading(a.rule, r.name);
                same(
                    r.name,
                    &run(&atk9::Sql::new(mitigated).with_readings(readings), 5),
                    &run(&atk9::next::Sql::new(mitigated).with_readings(readings), 5),
                );
            }
        }
    }
    for c in 0..16 {
        same(
            &format!("atk-9 configuration {c}"),
            &run(&atk9::Sql::with_configs([c]), 9),
            &run(&atk9::next::Sql::with_configs([c]), 9),
        );
    }
}
