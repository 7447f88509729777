//! Every invariant of `tokenhop_properties::invariants` holds on every transition of
//! generated call sequences, on Windows 10 and Windows 7 and under the alternative reading
//! of the privilege check; and no generated call panics the model.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use proptest::prelude::*;

use tokenhop_model::rules::RuleId;
use tokenhop_model::{Settings, WindowsVersion, step};
use tokenhop_properties::invariants::{INVARIANTS, violations};
use tokenhop_properties::strategies::{op, resolve, universe};

fn check_sequence(
    settings: Settings,
    ops: &[(u8, tokenhop_properties::strategies::Op)],
) -> Result<(), TestCaseError> {
    let u = universe(settings);
    let mut world = u.world.clone();
    for (i, o) in ops.iter().enumerate() {
        let action = resolve(&u, &world, o);
        let (next, outcome) = step(&world, &action);
        let broken = violations(&world, &action, &next, &outcome);
        prop_assert!(
            broken.is_empty(),
            "step {i} {:?}: {}",
            action.call,
            broken.join("; ")
        );
        world = next;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn invariants_hold_on_windows_10(ops in prop::collection::vec(op(), 1..16)) {
        check_sequence(Settings::default(), &ops)?;
    }

    #[test]
    fn invariants_hold_on_windows_7(ops in prop::collection::vec(op(), 1..16)) {
        let settings = Settings { windows: WindowsVersion::Win7, ..Settings::default() };
        check_sequence(settings, &ops)?;
    }

    #[test]
    fn invariants_hold_when_a_held_privilege_counts(ops in prop::collection::vec(op(), 1..16)) {
        let mut settings = Settings::default();
        prop_assume!(settings.readings.select(RuleId::OQL_15, "held").is_ok());
        check_sequence(settings, &ops)?;
    }
}

#[test]
fn every_invariant_rests_on_registered_rules() {
    for inv in INVARIANTS {
        assert!(!inv.rests_on.is_empty(), "{} rests on no rule", inv.id);
        assert!(inv.statement.ends_with('.'), "{}: not a sentence", inv.id);
    }
}
