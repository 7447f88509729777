//! The attack suites in pairs: each known attack of the catalogue (ATK-2..5, ATK-7..9) is
//! found as a counterexample to the invariant it breaks when its mitigation is off, the
//! counterexample taking the attack's characteristic step, and the invariant holds over the
//! whole space when the mitigation is on. Every other property of a suite is as the suite
//! says (`suites::as_expected`). `tokenhop check --suite atk-N` runs the same suites.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use tokenhop_check::{Expectation, Model, Options, Report, Trace, explore};
use tokenhop_model::rules::readings::{AMBIGUITIES, Readings};
use tokenhop_properties::suites::attacks::double_hop::{self, Enabling};
use tokenhop_properties::suites::attacks::sql::{self, Sql};
use tokenhop_properties::suites::attacks::{
    potato, printer_bug, protocol_transition, rbcd, unchecked,
};
use tokenhop_properties::suites::{as_expected, suite};

fn options(depth: u32) -> Options {
    Options::exhaustive(depth, 2)
}

/// Runs suite `name` over its whole space at its own depth, and checks that every finding
/// is what the suite expects.
fn run(name: &str) -> Report {
    let s = suite(name).expect("a registered suite");
    let r = (s.run)(&options(s.depth), &|_| {}).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(r.limit.is_none(), "{name}: {:?}", r.limit);
    for f in &r.findings {
        assert!(
            as_expected(s, f),
            "{name}: {} is not as expected: {:?}",
            f.id,
            f.verdict
        );
    }
    r
}

fn run_model<M: Model>(m: &M, depth: u32) -> Report {
    explore(m, &options(depth), &|_| {})
}

fn trace<'r>(r: &'r Report, id: &str) -> &'r Trace {
    r.findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("the suite checks {id}"))
        .trace()
        .unwrap_or_else(|| panic!("{id} has a counterexample"))
}

fn holds(r: &Report, id: &str) -> bool {
    r.findings.iter().any(|f| f.id == id && f.holds())
}

/// Whether some step of `t` is an action mentioning `needle`.
fn takes(t: &Trace, needle: &str) -> bool {
    t.steps.iter().any(|s| s.action.contains(needle))
}

#[test]
fn atk_2_rbcd_takeover_breaks_owner_consent_with_write_access_only() {
    let r = run("atk-2");
    let t = trace(&r, "ATK-2");
    assert!(
        takes(t, "write FILES01$'s RBCD list") && takes(t, "S4U2self"),
        "{t:#?}"
    );
    assert!(
        t.steps.last().unwrap().action.contains("call files"),
        "{t:#?}"
    );
    assert!(holds(&r, "INV-20") && holds(&r, "INV-3"));

    let fixed = run("atk-2-fixed");
    assert!(holds(&fixed, "ATK-2"));
    assert!(fixed.complete, "the fixed space is explored to its end");
}

#[test]
fn atk_3_printer_bug_leaks_the_dc_tgt_only_to_a_host_trusted_for_delegation() {
    let r = run("atk-3");
    let t = trace(&r, "ATK-3");
    assert!(takes(t, "coerce spooler@dc01"), "{t:#?}");
    assert!(
        t.initial.contains("WEB02$ TRUSTED_FOR_DELEGATION"),
        "{t:#?}"
    );
    let dcsync = trace(&r, "ATK-3/DCSync");
    assert!(
        takes(dcsync, "coerce spooler@dc01") && takes(dcsync, "open replicate-secrets"),
        "{dcsync:#?}"
    );
    assert!(holds(&r, "INV-2") && holds(&r, "INV-22"));

    let fixed = run("atk-3-fixed");
    assert!(holds(&fixed, "ATK-3") && holds(&fixed, "ATK-3/DCSync"));
}

#[test]
fn atk_4_protocol_transition_reaches_unauthenticated_users_only_with_trusted_to_auth() {
    let r = run("atk-4");
    let t = trace(&r, "ATK-4");
    assert!(takes(t, "S4U2self for adm"), "{t:#?}");
    assert!(
        t.initial.contains("TRUSTED_TO_AUTH_FOR_DELEGATION"),
        "{t:#?}"
    );
    assert!(holds(&r, "INV-1") && holds(&r, "INV-3") && holds(&r, "INV-4"));

    let fixed = run("atk-4-fixed");
    assert!(holds(&fixed, "ATK-4"));
    // The mitigation keeps legitimate constrained delegation: adm's own Kerberos ticket.
    assert!(holds(&fixed, "KRB-5"));
}

#[test]
fn atk_5_potato_acts_as_system_only_with_se_impersonate_privilege() {
    let r = run("atk-5");
    let t = trace(&r, "ATK-5");
    assert!(
        takes(t, "coerce spooler@web01 into authenticating to pool"),
        "{t:#?}"
    );
    assert!(holds(&r, "INV-9"));

    let fixed = run("atk-5-fixed");
    assert!(holds(&fixed, "ATK-5") && holds(&fixed, "INV-9"));
    assert!(fixed.complete);
}

#[test]
fn atk_7_double_hop_fails_by_default_and_each_enabling_setting_presents_the_user() {
    let default = run("atk-7");
    for id in [
        "ATK-7/CredSSP",
        "ATK-7/TD",
        "ATK-7/KCD",
        "ATK-7/RBCD",
        "INV-6",
        "INV-7",
    ] {
        assert!(holds(&default, id), "{id}");
    }
    let failing = trace(&default, "ATK-7");
    assert!(takes(failing, "call winrm") && takes(failing, "call files"));
    assert!(
        failing
            .steps
            .last()
            .unwrap()
            .state
            .contains("ANONYMOUS LOGON")
    );

    let enabled = run("atk-7-enabled");
    for (id, settings) in [
        (
            "ATK-7/CredSSP",
            &[
                "WinRM logs on with a typed password",
                "WinRM takes saved credentials",
            ][..],
        ),
        ("ATK-7/TD", &["WEB01$ TRUSTED_FOR_DELEGATION"][..]),
        ("ATK-7/KCD", &["WEB01$ may delegate to cifs/files01"][..]),
        ("ATK-7/RBCD", &["FILES01$ admits WEB01$ by RBCD"][..]),
    ] {
        let t = trace(&enabled, id);
        assert!(
            settings.iter().any(|s| t.initial.contains(s)),
            "{id}: {t:#?}"
        );
        assert!(
            takes(t, "call winrm") && takes(t, "call files"),
            "{id}: {t:#?}"
        );
    }
    assert!(takes(trace(&enabled, "ATK-7/TD"), "level Delegation"));
    assert!(holds(&enabled, "INV-6") && holds(&enabled, "INV-7"));

    // Each cleartext setting on its own: the password the logon kept makes the second hop.
    for setting in [Enabling::Cleartext, Enabling::Credssp] {
        let r = run_model(
            &double_hop::with_settings(&[setting]).expect("the suite"),
            5,
        );
        assert!(!holds(&r, "ATK-7/CredSSP"), "{setting:?}");
        assert!(holds(&r, "ATK-7/TD") && holds(&r, "ATK-7/KCD") && holds(&r, "ATK-7/RBCD"));
    }
}

#[test]
fn atk_8_unchecked_impersonation_runs_requests_as_the_server_only_when_unchecked() {
    let r = run("atk-8");
    let t = trace(&r, "ATK-8");
    assert!(takes(t, "without authentication"), "{t:#?}");
    assert!(t.initial.contains("does not check"), "{t:#?}");
    let write = trace(&r, "ATK-8/write");
    assert!(
        takes(write, "without authentication") && takes(write, "open agent-config for write"),
        "{write:#?}"
    );
    assert!(holds(&r, "LVL-9"));

    let fixed = run("atk-8-fixed");
    assert!(holds(&fixed, "ATK-8") && holds(&fixed, "ATK-8/write"));
}

#[test]
fn atk_9_sql_clr_reaches_service_only_files_only_with_a_grant_or_trustworthy() {
    let r = run("atk-9");
    let t = trace(&r, "ATK-9");
    assert!(
        takes(t, "CREATE ASSEMBLY") && takes(t, "calls into assembly"),
        "{t:#?}"
    );
    assert!(takes(t, "opens service-master-key-backup"), "{t:#?}");
    assert!(holds(&r, "INV-17"));

    // Each variant of the catalogue on its own: the grant (SQL Server 2014), TRUSTWORTHY
    // with a sysadmin owner (strict security: an unsigned assembly anchored by the owner),
    // and neither, which holds.
    for (config, set) in [
        (sql::index(true, false, false, false), "EXTERNAL_ACCESS"),
        (sql::index(false, true, false, true), "UNSAFE"),
    ] {
        let r = run_model(&Sql::with_configs([config]), 5);
        let t = trace(&r, "ATK-9");
        assert!(takes(t, set), "{set}: {t:#?}");
    }
    let plain_owner = run_model(&Sql::with_configs([sql::index(false, true, true, true)]), 5);
    assert!(
        holds(&plain_owner, "ATK-9"),
        "TRUSTWORTHY with a plain owner anchors nothing"
    );

    let fixed = run("atk-9-fixed");
    assert!(holds(&fixed, "ATK-9") && holds(&fixed, "INV-17"));
    assert!(fixed.complete);
}

/// The invariants (not the reachability claims) of `r` that do not hold.
fn broken(r: &Report) -> Vec<&'static str> {
    r.findings
        .iter()
        .filter(|f| f.expectation == Expectation::Always && !f.holds())
        .map(|f| f.id)
        .collect()
}

/// Each mitigation holds whatever the open questions turn out to be: every fixed suite
/// (and the default double hop) keeps every invariant under each alternative reading of
/// each ambiguous rule, one at a time. (The attacks themselves depend on readings: the
/// printer bug needs OQD-3 and OQD-4 at their defaults, and INV-17 assumes OQD-8's.)
#[test]
fn every_mitigation_holds_under_every_reading_of_every_ambiguous_rule() {
    type Run = fn(Readings) -> Report;
    let fixed: [(&str, Run); 7] = [
        ("atk-2-fixed", |r| {
            run_model(&rbcd::model(false).expect("the suite").with_readings(r), 7)
        }),
        ("atk-3-fixed", |r| {
            run_model(
                &printer_bug::model(false)
                    .expect("the suite")
                    .with_readings(r),
                4,
            )
        }),
        ("atk-4-fixed", |r| {
            run_model(
                &protocol_transition::model(false)
                    .expect("the suite")
                    .with_readings(r),
                5,
            )
        }),
        ("atk-5-fixed", |r| {
            run_model(
                &potato::model(false).expect("the suite").with_readings(r),
                3,
            )
        }),
        ("atk-7", |r| {
            run_model(
                &double_hop::model(false)
                    .expect("the suite")
                    .with_readings(r),
                5,
            )
        }),
        ("atk-8-fixed", |r| {
            run_model(
                &unchecked::model(true).expect("the suite").with_readings(r),
                4,
            )
        }),
        ("atk-9-fixed", |r| {
            run_model(&Sql::new(true).with_readings(r), 5)
        }),
    ];
    for (name, run) in fixed {
        for a in AMBIGUITIES {
            for reading in a.readings.iter().skip(1) {
                let mut readings = Readings::default();
                readings
                    .select(a.rule, reading.name)
                    .expect("a reading of the rule");
                let r = run(readings);
                assert!(r.complete, "{name} under {}", reading.name);
                assert!(
                    broken(&r).is_empty(),
                    "{name} under {:?} = {}: {:?}",
                    a.rule,
                    reading.name,
                    broken(&r)
                );
            }
        }
    }
}
