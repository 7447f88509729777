//! The runtime interpreter's two paths side by side on every runtime fixture: the old
//! runner (its own state bookkeeping over the decision functions) and `play` (a thin loop
//! over `tokenhop_model::managed::step`) give the same trace, table, narration and
//! expectation report.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use tokenhop_sim::runtime::{render, run};

#[test]
fn play_on_the_model_step_matches_the_old_runner_on_every_runtime_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/runtimes");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 80, "{} runtime fixtures", paths.len());
    for path in &paths {
        let rt = match tokenhop_sim::document::load(path) {
            Ok(tokenhop_sim::Document::Runtime(r)) => r,
            Ok(_) => panic!("{}: not a runtime", path.display()),
            Err(e) => panic!("{e}"),
        };
        let old = run::run(&rt);
        let new = run::play(&rt).unwrap_or_else(|e| panic!("{e}"));
        let name = path.display();
        assert_eq!(
            serde_json::to_string_pretty(&old.trace).unwrap(),
            serde_json::to_string_pretty(&new.trace).unwrap(),
            "{name}: trace"
        );
        assert_eq!(render::table(&old), render::table(&new), "{name}: table");
        assert_eq!(
            render::explain(&old),
            render::explain(&new),
            "{name}: narration"
        );
        assert_eq!(
            render::expectation_summary(&old),
            render::expectation_summary(&new),
            "{name}: expectations"
        );
        assert_eq!(old.rules_applied(), new.rules_applied(), "{name}: rules");
        for (o, n) in old.steps.iter().zip(&new.steps) {
            assert_eq!(o.text, n.text, "{name}: step {}", o.step.index);
            assert_eq!(o.decisions, n.decisions, "{name}: step {}", o.step.index);
        }
    }
}
