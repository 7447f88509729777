//! The COM+ queued-components suite (INV-19): every sequence within its depth keeps the
//! player off the sender's token, the exploration really plays queued calls (the rules of
//! playing one are applied), and INV-19's check is not vacuous: a player thread put on the
//! sender's own token is reported.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use tokenhop_check::{Budget, Options};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{Action, Call};
use tokenhop_model::machine::world::Impersonation;
use tokenhop_model::rules::RuleId;
use tokenhop_model::step;
use tokenhop_properties::invariants::INVARIANTS;
use tokenhop_properties::suites::{SUITES, queued};

#[test]
fn inv_19_holds_over_every_sequence_and_queued_calls_are_played() {
    let suite = SUITES.iter().find(|s| s.name == "com-queued").unwrap();
    let options = Options {
        budget: Budget {
            depth: suite.depth,
            ..Budget::default()
        },
        stop_when_decided: false,
        ..Options::default()
    };
    let report = (suite.run)(&options, &|_| {}).unwrap();
    assert!(report.limit.is_none(), "{:?}", report.limit);
    assert_eq!(report.depth, suite.depth);
    assert!(report.states > 100_000, "{} states", report.states);
    for f in &report.findings {
        assert!(f.holds(), "{}: {:?}", f.id, f.verdict);
    }
    assert!(report.findings.iter().any(|f| f.id == "INV-19"));
    for rule in [RuleId::COMA_5, RuleId::COM_20, RuleId::QC_5, RuleId::COM_9] {
        assert!(
            report.rules.contains(&rule),
            "{} never applied",
            rule.code()
        );
    }
}

#[test]
fn inv_19_reports_a_player_on_the_senders_token() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(queued::SCRIPT_PATH);
    let mut scenario = tokenhop_sim::load(&path).unwrap();
    scenario.steps.truncate(5);
    let world = tokenhop_sim::run(&scenario).world;
    let player = world.find_thread("osrv").unwrap();
    let sender = world.find_thread("cli").unwrap();
    let play = Action {
        caller: player,
        call: Call::ComPlayQueued,
    };
    let (mut after, outcome) = step(&world, &play);
    assert!(outcome.result.is_ok());
    let inv = INVARIANTS.iter().find(|i| i.id == "INV-19").unwrap();
    assert!((inv.check)(&world, &play, &after, &outcome).is_ok());
    // A player thread holding the sender's own token breaks it.
    let token = after.process_token_of(sender);
    after.thread_mut(player).impersonation = Some(Impersonation {
        token,
        level: ImpersonationLevel::Impersonation,
        effective_only: false,
        copy_on_open: false,
    });
    let err = (inv.check)(&world, &play, &after, &outcome).unwrap_err();
    assert!(err.reason().contains("sender's logon session"), "{err}");
}
