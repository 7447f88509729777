//! `tokenhop reach` as a user meets it: on the attacker-step fixtures and the bundled v6
//! collection, the expected findings in the table and their paths; `--json`'s shape;
//! `--chains` writing a topology that `run` replays and `explain` narrates, and refusing to
//! overwrite; `--dot`; a bound that stops the search (exit 3); bad names and sources (exit
//! 2, the option and the name in the message).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::path::PathBuf;

use common::{stderr, stdout, tokenhop};

/// A fresh folder for this test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tokenhop-reach-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `tokenhop reach ARGS`, expects exit 0, and gives stdout.
fn reach(args: &[&str]) -> String {
    let mut all = vec!["reach"];
    all.extend(args);
    let out = tokenhop(&all);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn has(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
}

/// ATK-10..13: the RBCD takeover by key, from a computer account the RBCD list admits.
#[test]
fn atk_10_the_rbcd_takeover_by_key_is_found_with_its_path() {
    let text = reach(&[
        "fixtures/topologies/atk-10-rbcd-takeover-by-key.yaml",
        "--owned",
        "ATTACK01$@CORP.EXAMPLE",
    ]);
    has(
        &text,
        &[
            "owning ATTACK01$@corp.example",
            "the tools running on `attacker`, a machine in no domain",
            "Bounds: at most 1000000 chain states kept (--max-states), at most 1 RBCD write per path (--rbcd-writes).",
            "Complete within these bounds",
            "#  reached",
            "files (cifs/files01)",
            "admin-share [full] via files",
            "1. files (cifs/files01) as Administrator@corp.example, SecurityImpersonation",
            "own_key of ATTACK01$@corp.example at attacker",
            "key_s4u2self Administrator@corp.example",
            "key_s4u2proxy cifs/files01",
            "present to files",
            "ATK-13",
        ],
    );
    assert!(
        !text.contains("carol@corp.example "),
        "S4U-8: the Protected Users member's evidence is refused:\n{text}"
    );
}

/// ATK-12 and ATK-4: constrained delegation by key, with protocol transition (the classic
/// path) and without it (only where an RBCD list admits the account).
#[test]
fn atk_12_constrained_delegation_by_key_with_and_without_protocol_transition() {
    let with = reach(&[
        "fixtures/topologies/atk-12-constrained-delegation-by-key.yaml",
        "--owned",
        "svc-pt",
    ]);
    has(
        &with,
        &[
            "files (cifs/files01)",
            "as alice@corp.example, SecurityImpersonation",
            "S4U-4",
        ],
    );
    let without = reach(&[
        "fixtures/topologies/atk-12-constrained-delegation-by-key.yaml",
        "--owned",
        "svc-app@corp.example",
    ]);
    has(
        &without,
        &["files2 (cifs/files02)", "share2 [read] via files2", "S4U-7"],
    );
    let refused = reach(&[
        "fixtures/topologies/atk-12-constrained-delegation-by-key.yaml",
        "--owned",
        "svc-web",
    ]);
    has(
        &refused,
        &["Nothing reached: no step the attacker may take leads anywhere new."],
    );
}

/// ATK-3: coercing the DC's spooler into an unconstrained-delegation host captures the DC's
/// TGT: a credentials finding, with the question to ask next.
#[test]
fn atk_3_the_printer_bug_gives_the_domain_controllers_tgt() {
    let text = reach(&[
        "fixtures/topologies/atk-3-printer-bug-reproduced.yaml",
        "--owned",
        "web02$",
    ]);
    has(
        &text,
        &[
            "its TGT",
            "DC01$@corp.example",
            "SecurityDelegation",
            "holds DC01$@corp.example's TGT: any service DC01$@corp.example may call (run reach --owned DC01$@corp.example for what DC01$@corp.example reaches)",
            "coerce spooler to listener",
        ],
    );
}

/// AD-11 and ATK-2: a member of a group that may write an RBCD list writes it, then plays
/// S4U with its own key.
#[test]
fn ad_11_an_rbcd_writer_through_a_group_writes_the_list_and_reaches_the_share() {
    let text = reach(&[
        "fixtures/topologies/ad-rbcd-writers.yaml",
        "--owned",
        "helpdesk",
    ]);
    has(
        &text,
        &[
            "share [read] via files",
            "as alice@corp.example, SecurityImpersonation",
            "set_rbcd FILES01$@corp.example allow helpdesk@corp.example",
            "AD-11 ATK-2",
        ],
    );
    let plain = reach(&[
        "fixtures/topologies/ad-rbcd-writers.yaml",
        "--owned",
        "svc-app",
    ]);
    assert!(
        !plain.contains("set_rbcd"),
        "svc-app may write no list:\n{plain}"
    );
}

/// The v6 collection, read directly, named as BloodHound names its principals: constrained
/// delegation with protocol transition (and altservice), RBCD, an RBCD write, a coercion.
#[test]
fn the_v6_collection_is_read_directly_with_bloodhound_names() {
    let source = "fixtures/collections/sharphound-v6";
    has(
        &reach(&[source, "--owned", "SVC-WEB@CORP.LOCAL"]),
        &[
            "key_s4u2proxy cifs/files01.corp.local",
            "altservice HOST/FILES01",
            "HOST/FILES01 as alice@corp.local",
        ],
    );
    has(
        &reach(&[source, "--owned", "APP01.CORP.LOCAL"]),
        &[
            "start_service HOST/APP01",
            "HOST/FILES01 as alice@corp.local",
        ],
    );
    has(
        &reach(&[source, "--owned", "HELPDESK@CORP.LOCAL"]),
        &[
            "set_rbcd FILES01$@corp.local allow helpdesk@corp.local",
            "HOST/FILES01 as Administrator@corp.local",
        ],
    );
    has(
        &reach(&[source, "--owned", "WEB02$@corp.local"]),
        &[
            "coerce HOST/DC01 to HOST/WEB02",
            "HOST/WEB02 as DC01$@corp.local",
        ],
    );
    let out = tokenhop(&["reach", source, "--owned", "svc-sql@corp.local"]);
    assert!(
        stderr(&out).contains("assumed: KDCs with the Bronze Bit fix"),
        "the import's report goes to stderr: {}",
        stderr(&out)
    );
}

#[test]
fn json_prints_one_object_with_each_finding_its_steps_and_the_bounds() {
    let text = reach(&[
        "fixtures/topologies/atk-3-printer-bug-reproduced.yaml",
        "--owned",
        "WEB02$@corp.example",
        "--json",
        "--rbcd-writes",
        "2",
    ]);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["owned"], serde_json::json!(["WEB02$@corp.example"]));
    assert_eq!(value["complete"], true);
    assert_eq!(value["bounds"]["rbcd_writes"], 2);
    assert!(value["states"].as_u64().unwrap() > 0 && value["evaluations"].as_u64().unwrap() > 0);
    let found = &value["reached"][0];
    assert_eq!(found["kind"], "credentials");
    assert_eq!(found["service"], serde_json::Value::Null);
    assert_eq!(found["held_at"], "cifs/web02");
    assert_eq!(found["machine"], "web02");
    assert_eq!(found["as"], "DC01$@corp.example");
    assert_eq!(found["level"], "SecurityDelegation");
    assert_eq!(found["holding"], "tgt");
    assert_eq!(found["stands_for"], 1);
    let coerce = &found["steps"][1];
    assert_eq!(
        coerce["step"],
        serde_json::json!({ "coerce": { "victim": "spooler", "to": "listener" } })
    );
    assert_eq!(coerce["text"], "coerce spooler to listener");
    assert!(
        coerce["rules"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("ATK-3"))
    );
}

#[test]
fn chains_writes_a_topology_that_run_replays_and_explain_narrates_and_is_not_overwritten() {
    let dir = scratch("chains");
    let file = dir.join("reach.yaml");
    let path = file.to_str().unwrap();
    let out = tokenhop(&[
        "reach",
        "fixtures/collections/sharphound-v6",
        "--owned",
        "helpdesk@corp.local",
        "svc-web@corp.local",
        "--chains",
        path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = tokenhop(&["run", path]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    assert!(stdout(&run).contains("all met"), "{}", stdout(&run));
    let explain = tokenhop(&["explain", path]);
    assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
    has(&stdout(&explain), &["ATK-11", "ATK-14", "AD-11"]);
    let again = tokenhop(&[
        "reach",
        "fixtures/collections/sharphound-v6",
        "--owned",
        "helpdesk@corp.local",
        "--chains",
        path,
    ]);
    assert_eq!(again.status.code(), Some(2));
    has(&stderr(&again), &["--chains", "exists", "not overwritten"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dot_draws_the_owned_account_the_hops_and_what_is_reached() {
    let text = reach(&[
        "fixtures/topologies/atk-3-printer-bug-reproduced.yaml",
        "--owned",
        "WEB02$",
        "--dot",
    ]);
    assert!(text.starts_with("digraph \""), "{text}");
    has(
        &text,
        &[
            "WEB02$@corp.example (key, on attacker)",
            "label=\"authenticates as DC01$@corp.example\"",
            "DC01$@corp.example's TGT",
            "Bounds: at most 1000000 chain states kept",
        ],
    );
}

#[test]
fn a_search_the_state_bound_stops_says_it_is_incomplete_and_exits_3() {
    let out = tokenhop(&[
        "reach",
        "fixtures/collections/sharphound-v6",
        "--owned",
        "svc-web@corp.local",
        "--max-states",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    has(
        &stdout(&out),
        &[
            "at most 5 chain states kept",
            "INCOMPLETE",
            "some of what is reachable, not all",
        ],
    );
    let json = tokenhop(&[
        "reach",
        "fixtures/collections/sharphound-v6",
        "--owned",
        "svc-web@corp.local",
        "--max-states",
        "5",
        "--json",
    ]);
    assert_eq!(json.status.code(), Some(3));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["complete"], false);
    assert!(stderr(&json).contains("INCOMPLETE"), "{}", stderr(&json));
}

/// Bad input exits 2 with a message naming the option and the name, or the file.
#[test]
fn unknown_ambiguous_and_group_names_and_bad_sources_exit_2_with_a_located_message() {
    let dir = scratch("names");
    let two = dir.join("two-domains.yaml");
    std::fs::write(
        &two,
        "version: 1\nkind: topology\nname: two\ndomains:\n  - { name: corp.example, accounts: [{ name: alice }] }\n  - { name: lab.example, accounts: [{ name: alice }] }\nchains: []\n",
    )
    .unwrap();
    let two = two.to_str().unwrap();
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &[
                "fixtures/topologies/atk-10-rbcd-takeover-by-key.yaml",
                "--owned",
                "mallory@corp.example",
            ],
            &[
                "error: --owned: `mallory@corp.example` names no account of fixtures/topologies/atk-10-rbcd-takeover-by-key.yaml",
            ],
        ),
        (
            &[two, "--owned", "ALICE"],
            &[
                "--owned: `ALICE` names several principals",
                "alice@corp.example, alice@lab.example",
            ],
        ),
        (
            &[
                "fixtures/collections/sharphound-v6",
                "--owned",
                "TIER0@CORP.LOCAL",
            ],
            &["--owned: `TIER0@CORP.LOCAL` is the group Tier0@corp.local, which has no key"],
        ),
        (
            &["fixtures/topologies/no-such-file.yaml", "--owned", "alice"],
            &["no-such-file.yaml"],
        ),
        (
            &["fixtures/scripts/access-check-api.yaml", "--owned", "alice"],
            &["reads a topology"],
        ),
        (
            &[
                "fixtures/topologies/ad-rbcd-writers.yaml",
                "--owned",
                "alice",
                "--unpatched",
                "bronze-bit",
            ],
            &["a topology states it in its own fields"],
        ),
    ];
    for (args, said) in cases {
        let mut all = vec!["reach"];
        all.extend(args);
        let out = tokenhop(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        has(&stderr(&out), said);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's reach example is what `tokenhop reach` prints, line for line.
#[test]
fn the_readme_reach_example_is_what_reach_prints() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    let command = "$ tokenhop reach ";
    let start = readme
        .find(command)
        .expect("the README shows a reach command");
    let line_end = start + readme[start..].find('\n').unwrap();
    let args: Vec<String> = readme[start + command.len()..line_end]
        .split_whitespace()
        .map(|a| a.trim_matches('\'').to_owned())
        .collect();
    let shown_end = line_end + 1 + readme[line_end + 1..].find("```").unwrap();
    let shown = &readme[line_end + 1..shown_end];
    let mut all = vec!["reach"];
    all.extend(args.iter().map(String::as_str));
    let out = tokenhop(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        shown,
        "the README's reach example is out of date"
    );
}

/// `--to`: who reaches a server once owned, each owner with what it reaches there; an
/// unknown target is exit 2 naming `--to` and the name.
#[test]
fn to_a_server_lists_each_principal_that_reaches_it_and_how() {
    let every = "fixtures/topologies/reach-every-step.yaml";
    let text = reach(&[every, "--to", "FILES01"]);
    has(
        &text,
        &[
            "Who reaches FILES01 in",
            "Every query finished within them.",
            "== owning svc-web@corp.example",
            "files1 (cifs/files01)     files01  alice@corp.example",
            "key_s4u2proxy cifs/files01",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&reach(&[every, "--to", "files01", "--json"])).unwrap();
    assert_eq!(json["complete"], true);
    let owners = json["owners"].as_array().unwrap();
    assert!(
        owners.iter().any(|o| o["owned"] == "svc-web@corp.example"
            && !o["reached"].as_array().unwrap().is_empty()),
        "{json}"
    );
    let out = tokenhop(&["reach", every, "--to", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    has(&stderr(&out), &["--to: `nosuch` names no machine, service"]);
}

/// `--opengraph FILE` writes the payload (a `graph` of nodes and edges, one edge kind per
/// attacker step) and never overwrites a file.
#[test]
fn opengraph_writes_the_payload_and_does_not_overwrite() {
    let dir = scratch("opengraph");
    let file = dir.join("og.json");
    let path = file.to_str().unwrap();
    let args = [
        "fixtures/topologies/atk-10-rbcd-takeover-by-key.yaml",
        "--owned",
        "ATTACK01$",
        "--opengraph",
        path,
    ];
    reach(&args);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let kinds: Vec<&str> = doc["graph"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["TH_OwnKey", "TH_S4U2Self", "TH_S4U2Proxy", "TH_Present"] {
        assert!(kinds.contains(&kind), "no {kind} edge in {kinds:?}");
    }
    let mut again = vec!["reach"];
    again.extend(args);
    let out = tokenhop(&again);
    assert_eq!(out.status.code(), Some(2));
    has(&stderr(&out), &["--opengraph", "is not overwritten"]);
    let _ = std::fs::remove_dir_all(&dir);
}
