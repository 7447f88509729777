//! The chain writer against the loader: every chain of every topology fixture, written with
//! `topology::write::with_chains` (every step kind the fixtures use, their readings and
//! their directory), reads back to a topology whose run traces exactly what the fixture's
//! run traces: the same steps in words, outcomes, holders and rules.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use tokenhop_sim::topology::write::{WrittenChain, with_chains};
use tokenhop_sim::topology::{self, run};

#[test]
fn every_fixture_chain_writes_and_reads_back_to_the_same_run() {
    let mut kinds = BTreeSet::new();
    for (path, t) in common::topologies() {
        let chains: Vec<WrittenChain> = t
            .chains
            .iter()
            .map(|c| WrittenChain {
                name: c.name.clone(),
                description: c.description.clone(),
                steps: c.steps.iter().map(|s| (s.step.clone(), None)).collect(),
            })
            .collect();
        for c in &t.chains {
            kinds.extend(c.steps.iter().map(|s| s.kind));
        }
        let written = with_chains(&t.dir, &t.name, &t.description, &t.readings, &chains);
        let again = topology::load_str(&written, Path::new("written.yaml")).unwrap_or_else(|e| {
            panic!(
                "{}: the written topology does not load: {e}\n{written}",
                path.display()
            )
        });
        assert_eq!(again.readings, t.readings, "{}", path.display());
        let (before, after) = (run::run(&t), run::run(&again));
        assert_eq!(
            after.trace.chains,
            before.trace.chains,
            "{}: the written chains run otherwise\n{written}",
            path.display()
        );
    }
    let every: BTreeSet<&str> = topology::load::STEP_KINDS.iter().copied().collect();
    assert_eq!(
        kinds, every,
        "the fixtures use every step kind, so each is written"
    );
}
