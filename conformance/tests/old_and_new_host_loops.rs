//! The shared step loop against the conformance host's old loop, on every script fixture,
//! with a recording host that succeeds at every call, or fails, or refuses, each call the
//! script makes in turn: the same traces, but for the differences the shared loop makes on
//! purpose (listed in `deliberate`).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tokenhop_conformance::host::{self, Host, Observed, Skip};
use tokenhop_model::World;
use tokenhop_model::machine::action::Call;
use tokenhop_model::machine::ids::{ObjectId, ThreadId};
use tokenhop_sim::trace::{Platform, Trace};

#[derive(Clone, Default)]
struct Recording {
    fail: Option<&'static str>,
    refuse: Option<&'static str>,
    handles: u32,
}

impl Host for Recording {
    fn engine(&self) -> &str {
        "recording"
    }
    fn platform(&self) -> Platform {
        Platform {
            os: "test".to_owned(),
            build: "0".to_owned(),
        }
    }
    fn hosts(&self, world: &World, thread: ThreadId) -> Result<(), Skip> {
        host::in_own_process(world, thread)
    }
    fn perform(&mut self, world: &World, _: ThreadId, call: &Call) -> Result<Observed, Skip> {
        if self.refuse == Some(call.name()) {
            return Err(Skip(format!("{} is not performed here", call.name())));
        }
        if self.fail == Some(call.name()) {
            return Ok(Observed::failed(5));
        }
        self.handles += 1;
        let object = matches!(call, Call::CreateObject { .. })
            .then(|| ObjectId(u32::try_from(world.objects.len()).unwrap() + self.handles));
        Ok(Observed {
            ok: true,
            code: 0,
            value: Json::Null,
            created: Some(100 + self.handles),
            object,
            symbol: None,
        })
    }
}

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

const UNMADE: &str = " does not exist: the step that was to create it failed";

/// Whether the old and new reasons for skipping a step differ only as the shared loop
/// means them to. `undecoded` holds the steps the old loop skipped because they named an
/// object a failed CreateObject did not create.
fn deliberate(old: Option<&str>, new: Option<&str>, undecoded: &[usize]) -> bool {
    let (Some(old), new) = (old, new) else {
        return false;
    };
    // A step on a thread a failed step did not create is skipped with the model's words.
    if new.and_then(|n| n.strip_prefix("thread ")) == Some(old) {
        return true;
    }
    // Of several names failed steps did not make, the first in argument order is named.
    if let (Some(names), Some(name)) = (
        old.strip_suffix(UNMADE),
        new.and_then(|n| n.strip_suffix(UNMADE)),
    ) && names.split(", ").any(|n| n == name)
    {
        return true;
    }
    // An object a failed CreateObject did not create is skipped as a handle would be, and
    // the run goes on (the old loop could not decode the step and stopped following).
    if old.starts_with("the arguments do not decode: ") && old.contains("is not an object") {
        return new.is_some_and(|n| n.ends_with(UNMADE));
    }
    undecoded.iter().any(|u| {
        old == format!("step {u} was skipped, so this machine no longer follows the script")
    })
}

fn differences(old: &Trace, new: &Trace) -> Vec<String> {
    let mut found = Vec::new();
    if (&old.engine, &old.platform, old.steps.len())
        != (&new.engine, &new.platform, new.steps.len())
    {
        found.push("header".to_owned());
    }
    let undecoded: Vec<usize> = old
        .steps
        .iter()
        .filter(|s| {
            s.skipped
                .as_deref()
                .is_some_and(|w| w.starts_with("the arguments do not decode"))
        })
        .map(|s| s.index)
        .collect();
    for (o, n) in old.steps.iter().zip(&new.steps) {
        if o != n && !deliberate(o.skipped.as_deref(), n.skipped.as_deref(), &undecoded) {
            found.push(format!(
                "step {}: {:?} / {:?}",
                o.index, o.skipped, n.skipped
            ));
        }
    }
    found
}

#[test]
fn the_shared_loop_runs_every_fixture_on_a_host_as_the_old_loop_did() {
    let mut runs = 0;
    let mut all = Vec::new();
    for path in fixtures() {
        let scenario = tokenhop_sim::load(&path).unwrap();
        let mut names: Vec<&'static str> = scenario.steps.iter().map(|s| s.call.name()).collect();
        names.sort_unstable();
        names.dedup();
        let mut hosts = vec![Recording::default()];
        for name in names {
            hosts.push(Recording {
                fail: Some(name),
                ..Recording::default()
            });
            hosts.push(Recording {
                refuse: Some(name),
                ..Recording::default()
            });
        }
        for h in hosts {
            let old = tokenhop_conformance::legacy_host::run(&scenario, &mut h.clone());
            let new = host::run(&scenario, &mut h.clone());
            runs += 1;
            for d in differences(&old, &new) {
                all.push(format!(
                    "{} (fail {:?}, refuse {:?}): {d}",
                    path.display(),
                    h.fail,
                    h.refuse
                ));
            }
        }
    }
    assert!(runs > 1000, "{runs} runs");
    assert!(
        all.is_empty(),
        "{} differences:\n{}",
        all.len(),
        all.join("\n")
    );
}
