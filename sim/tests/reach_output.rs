//! `tokenhop reach`'s answer as the simulator writes it, against the model's query and the
//! topology loader: for every topology fixture and every principal owned in turn, the
//! chains `reach::chains::topology` writes load, and `run` replays every finding's path
//! with every expectation met (each step succeeds, the last presents the identity at the
//! level found); the JSON lists every finding with its steps as the topology format writes
//! them; and the attacker's machine is added under a free name.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::path::Path;

use tokenhop_model::net::directory::AccountKind;
use tokenhop_model::net::reach::Limits;
use tokenhop_sim::import::sharphound::Settings;
use tokenhop_sim::reach::{self, Source};
use tokenhop_sim::topology::{self, run};

/// Every finding of every fixture, owning each user and computer in turn, replays from the
/// chains file (ATK-10..14 and every other step the query takes).
#[test]
fn every_finding_replays_from_the_chains_file_for_every_fixture_and_owned_principal() {
    let mut findings = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for (path, t) in common::topologies() {
        let principals: Vec<String> = t
            .dir
            .account_ids()
            .filter(|a| t.dir.account(*a).kind != AccountKind::Group)
            .map(|a| t.dir.qualified(a))
            .collect();
        for owned in principals {
            let what = format!("{} owning {owned}", path.display());
            let r = reach::ask(Source::topology(t.clone()), &[owned], Limits::default())
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(r.complete(), "{what}: the search hit its bound");
            if r.answer.findings.is_empty() {
                continue;
            }
            let text = reach::chains::topology(&r);
            let written = topology::load_str(&text, Path::new("chains.yaml"))
                .unwrap_or_else(|e| panic!("{what}: the chains file does not load: {e}\n{text}"));
            assert_eq!(written.chains.len(), r.answer.findings.len(), "{what}");
            let replay = run::run(&written);
            let failed: Vec<String> = replay
                .failed()
                .map(|s| format!("{} ({}): {:?}", s.step.index, s.text, s.failures))
                .collect();
            assert!(failed.is_empty(), "{what}: {failed:#?}\n{text}");
            let steps: usize = written.chains.iter().map(|c| c.steps.len()).sum();
            assert_eq!(
                replay.expectations(),
                steps,
                "{what}: every step states an expectation"
            );
            for c in &written.chains {
                kinds.extend(c.steps.iter().map(|s| s.kind));
            }
            findings += r.answer.findings.len();
        }
    }
    assert!(
        findings > 100,
        "the fixtures give the query something to find: {findings}"
    );
    for kind in [
        "own_key",
        "key_s4u2self",
        "key_s4u2proxy",
        "altservice",
        "present",
        "set_rbcd",
        "coerce",
        "start_service",
        "s4u2self",
        "call",
        "access",
    ] {
        assert!(
            kinds.contains(kind),
            "no replayed path takes a `{kind}` step: {kinds:?}"
        );
    }
}

fn collection(name: &str) -> Source {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/collections")
        .join(name);
    reach::source::load(&[path], &Settings::default()).unwrap()
}

/// The v6 collection read directly: the paths its data implies (constrained delegation with
/// protocol transition and altservice, RBCD from the admitted computer's own process, an
/// RBCD write through a group's ACE, a coercion) are found and replay.
#[test]
fn the_v6_collection_is_read_directly_and_its_paths_replay() {
    let source = collection("sharphound-v6");
    assert_eq!(source.kind, reach::SourceKind::Collection);
    assert!(
        source.report.is_some(),
        "a collection's import report is kept"
    );
    for (owned, step, reached) in [
        (
            "SVC-WEB@CORP.LOCAL",
            "altservice HOST/FILES01",
            "HOST/FILES01 as alice@corp.local",
        ),
        (
            "helpdesk@corp.local",
            "set_rbcd FILES01$@corp.local allow helpdesk@corp.local",
            "HOST/FILES01 as Administrator@corp.local",
        ),
        (
            "APP01.CORP.LOCAL",
            "s4u2self alice@corp.local",
            "HOST/FILES01 as alice@corp.local",
        ),
        (
            "WEB02.CORP.LOCAL",
            "coerce HOST/DC01 to HOST/WEB02",
            "HOST/WEB02 as DC01$@corp.local",
        ),
    ] {
        let r = reach::ask(source.clone(), &[owned.to_owned()], Limits::default()).unwrap();
        let text = reach::text::render(&r);
        assert!(
            text.contains(step) && text.contains(reached),
            "owning {owned}:\n{text}"
        );
        let chains = reach::chains::topology(&r);
        let written = topology::load_str(&chains, Path::new("chains.yaml")).unwrap();
        assert!(
            run::run(&written).failed().next().is_none(),
            "owning {owned}:\n{chains}"
        );
    }
    let r = reach::ask(
        source,
        &["svc-sql@corp.local".to_owned()],
        Limits::default(),
    )
    .unwrap();
    assert!(
        r.answer.findings.is_empty(),
        "constrained delegation without protocol transition to a target no RBCD list admits it to reaches nothing (S4U-6)"
    );
}

/// The JSON answer: one entry per finding with its kind, SPN, machine, identity, level and
/// steps (each the topology format's step, its words and its rules), the bounds and
/// whether the search finished.
#[test]
fn the_json_answer_lists_each_finding_with_its_steps_and_the_bounds() {
    let t = topology::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/topologies/atk-10-rbcd-takeover-by-key.yaml"),
    )
    .unwrap();
    let limits = Limits {
        max_states: 500,
        max_rbcd_writes: 0,
    };
    let r = reach::ask(Source::topology(t), &["attack01$".to_owned()], limits).unwrap();
    let value = serde_json::to_value(reach::json::answer(&r)).unwrap();
    assert_eq!(
        value["owned"],
        serde_json::json!(["ATTACK01$@corp.example"])
    );
    assert_eq!(value["attacker_machine"], "attacker");
    assert_eq!(value["complete"], true);
    assert_eq!(
        value["bounds"],
        serde_json::json!({ "max_states": 500, "rbcd_writes": 0 })
    );
    let reached = value["reached"].as_array().unwrap();
    assert_eq!(reached.len(), r.answer.findings.len());
    let service = &reached[0];
    assert_eq!(service["kind"], "service");
    assert_eq!(service["service"], "cifs/files01");
    assert_eq!(service["machine"], "files01");
    assert_eq!(service["as"], "Administrator@corp.example");
    assert_eq!(service["level"], "SecurityImpersonation");
    let steps = service["steps"].as_array().unwrap();
    assert_eq!(
        steps[0]["step"],
        serde_json::json!({ "own_key": { "account": "ATTACK01$@corp.example", "machine": "attacker" } })
    );
    assert_eq!(
        steps[2]["step"],
        serde_json::json!({ "key_s4u2proxy": { "spn": "cifs/files01" } })
    );
    assert_eq!(steps[3]["text"], "present to files");
    assert!(
        steps[3]["rules"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("ATK-13"))
    );
    let resource = reached.iter().find(|f| f["kind"] == "resource").unwrap();
    assert_eq!(resource["resource"], "admin-share");
    assert_eq!(resource["rights"], serde_json::json!(["full"]));
}

/// A machine already named `attacker` keeps its name; the attacker's is `attacker-2`.
#[test]
fn the_attacker_machine_takes_a_free_name() {
    let text = "version: 1
kind: topology
name: taken
domains:
  - name: corp.example
    accounts: [{ name: alice }]
machines:
  - { name: attacker, domain: corp.example }
  - { name: ATTACKER-2 }
chains: []
";
    let t = topology::load_str(text, Path::new("taken.yaml")).unwrap();
    let r = reach::ask(
        Source::topology(t),
        &["alice".to_owned()],
        Limits::default(),
    )
    .unwrap();
    assert_eq!(r.machine_name(), "attacker-3");
    assert_eq!(r.dir.machine(r.attacker.machine).domain, None);
}
