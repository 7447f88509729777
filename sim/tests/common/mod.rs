//! What several integration tests of the simulator share: the topology fixtures, loaded.

#![allow(
    clippy::panic,
    dead_code,
    reason = "a test reports failure by panicking; each test uses some of these"
)]

use std::path::{Path, PathBuf};

use tokenhop_sim::topology::Topology;

/// Every topology fixture, with its path, in the order of their names.
pub fn topologies() -> Vec<(PathBuf, Topology)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .map(|p| match tokenhop_sim::document::load(&p) {
            Ok(tokenhop_sim::Document::Topology(t)) => (p, *t),
            _ => panic!("{}: not a topology", p.display()),
        })
        .collect()
}
