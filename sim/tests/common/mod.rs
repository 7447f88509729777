//! What several integration tests of the simulator share: the topology fixtures, loaded.

#![allow(
    clippy::panic,
    dead_code,
    reason = "a test reports failure by panicking; each test uses some of these"
)]

use std::path::{Path, PathBuf};

use tokenhop_model::net::directory::{Directory, Machine, MachineId};
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

/// `dir` with a machine in no domain for an attacker's tools, and that machine.
pub fn with_attacker_machine(dir: &Directory) -> (Directory, MachineId) {
    let mut dir = dir.clone();
    let machine = dir
        .push_machine(Machine {
            name: "attacker".into(),
            domain: None,
            account: None,
            dc: false,
            credential_guard: false,
        })
        .unwrap_or_else(|e| panic!("a machine for the attacker: {e:?}"));
    (dir, machine)
}
