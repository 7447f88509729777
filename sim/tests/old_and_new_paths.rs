//! The step loop against the old path, on every script fixture: the same traces, the same
//! outcomes with the same decisions, the same expectation failures and the same final
//! world. (The old path decodes every step again against the live world when it runs; the
//! step loop resolves the calls decoded once at load.)

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn the_step_loop_runs_every_fixture_as_the_old_path_did() {
    let paths = fixtures();
    assert!(paths.len() > 200, "{} fixtures", paths.len());
    for path in paths {
        let scenario = tokenhop_sim::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let old = tokenhop_sim::legacy::interpret::run(&scenario);
        let new = tokenhop_sim::interpret::run(&scenario);
        let name = path.display();
        assert_eq!(old.trace, new.trace, "{name}: traces differ");
        for (o, n) in old.steps.iter().zip(&new.steps) {
            assert_eq!(o.outcome, n.outcome, "{name}: step {}", o.step.index);
            assert_eq!(o.failures, n.failures, "{name}: step {}", o.step.index);
        }
        assert_eq!(old.steps.len(), new.steps.len(), "{name}");
        assert_eq!(old.world, new.world, "{name}: final worlds differ");
    }
}
