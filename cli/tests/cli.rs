//! The command line as a user meets it: exit statuses (0 met, 1 an expectation not met,
//! 2 bad input), the JSON trace, the rule listing, and the README's example narration.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{stderr, stdout, tokenhop};

fn temp_script(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tokenhop-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    if let Err(e) = std::fs::write(&path, text) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

const README_EXAMPLE: &str = "fixtures/scripts/silent-downgrade-to-identification.yaml";

#[test]
fn run_exits_0_when_every_expectation_is_met() {
    let out = tokenhop(&["run", README_EXAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("ImpersonateLoggedOnUser"), "{text}");
    assert!(text.contains("expectations: 10 checked, all met"), "{text}");
}

#[test]
fn run_json_prints_the_v1_trace() {
    let out = tokenhop(&["run", README_EXAMPLE, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let trace: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON: {e}"),
    };
    assert_eq!(trace["version"], 1);
    assert_eq!(trace["engine"], "model");
    assert_eq!(trace["scenario"], "silent-downgrade-to-identification");
    let steps = trace["steps"].as_array().map_or(0, Vec::len);
    assert_eq!(steps, 10);
    assert_eq!(
        trace["steps"][3]["value"]["TokenImpersonationLevel"],
        "SecurityIdentification"
    );
    assert_eq!(trace["steps"][5]["error"], "ERROR_BAD_IMPERSONATION_LEVEL");
    assert_eq!(trace["steps"][5]["code"], 1346);
}

#[test]
fn run_exits_1_and_explains_an_unmet_expectation() {
    let path = temp_script(
        "unmet.yaml",
        "version: 1\nkind: script\nname: unmet\nsteps:\n  - call: ImpersonateSelf\n    args: { level: SecurityIdentification }\n  - call: OpenProcessToken\n    args: { access: [TOKEN_QUERY] }\n    expect: { ok: true }\n",
    );
    let out = tokenhop(&["run", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("unmet.yaml:7:5: step 1"), "{text}");
    assert!(
        text.contains(
            "expected the call to succeed, but it failed with ERROR_BAD_IMPERSONATION_LEVEL (1346)"
        ),
        "{text}"
    );
}

#[test]
fn a_step_on_a_thread_waiting_for_its_call_fails_the_run_and_says_why() {
    let path = temp_script(
        "blocked.yaml",
        "version: 1\nkind: script\nname: blocked\nprocesses:\n  - { name: server, user: LOCAL SERVICE, threads: [srv] }\n  - { name: client, threads: [cli] }\nsteps:\n  - { thread: srv, call: RpcServerUseProtseqEp, args: { protseq: ncalrpc, endpoint: demo } }\n  - { thread: cli, call: RpcBindingFromStringBinding, args: { string_binding: \"ncalrpc:[demo]\" }, out: b }\n  - { thread: cli, call: RpcCall, args: { binding: b, server: srv } }\n  - { thread: cli, call: RevertToSelf }\n",
    );
    let out = tokenhop(&["run", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("blocked.yaml:11:5: step 3"), "{text}");
    assert!(
        text.contains("thread `cli` is waiting for its call to return"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    let path = temp_script(
        "bad.yaml",
        "version: 1\nkind: script\nname: bad\nsteps:\n  - call: OpenThreadToken\n    args: { thread: nobody, access: [TOKEN_QUERY] }\n",
    );
    for command in ["run", "explain"] {
        let out = tokenhop(&[command, &path.to_string_lossy()]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains(
                "bad.yaml:6:21: `steps[0].args.thread`: `nobody` is neither a thread nor a handle"
            ),
            "{err}"
        );
        assert!(stdout(&out).is_empty());
    }
    let out = tokenhop(&["run", "no/such/script.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no/such/script.yaml: cannot read the file"));
}

#[test]
fn rules_lists_the_registry_with_citations() {
    let out = tokenhop(&["rules", "IMP", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let rules: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON: {e}"),
    };
    let list = rules.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 17, "IMP-1..IMP-17");
    assert!(
        list.iter()
            .all(|r| r["id"].as_str().is_some_and(|id| id.starts_with("IMP-")))
    );
    let imp4 = list
        .iter()
        .find(|r| r["id"] == "IMP-4")
        .cloned()
        .unwrap_or_default();
    assert_eq!(imp4["status"], "documented");
    assert!(imp4["citations"].as_array().is_some_and(|c| !c.is_empty()));

    let out = tokenhop(&["rules", "OQL-15"]);
    let text = stdout(&out);
    assert!(text.contains("The documents do not settle this."), "{text}");
    assert!(text.contains("held"), "{text}");

    let out = tokenhop(&["rules", "NOPE"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule id starts with `NOPE`"));
}

#[test]
fn explain_narrates_the_readme_example() {
    let out = tokenhop(&["explain", README_EXAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("readme_example_explained", stdout(&out));
    });
}

#[test]
fn explain_json_carries_each_decision() {
    let out = tokenhop(&["explain", README_EXAMPLE, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON: {e}"),
    };
    let decisions = &value["steps"][1]["decisions"];
    assert!(
        decisions
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x["rule"] == "IMP-2"))
    );
    assert!(
        value["rules"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["id"] == "IMP-2"))
    );
}

const TOPOLOGY: &str = "fixtures/topologies/lvl-seed-004-ncalrpc-one-hop.yaml";

#[test]
fn run_and_explain_accept_a_topology() {
    let out = tokenhop(&["run", TOPOLOGY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(engine: model, topology)"), "{text}");
    assert!(text.contains("all met"), "{text}");
    let out = tokenhop(&["explain", TOPOLOGY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("LVL-5"), "{text}");
    assert!(text.contains("Client Impersonation (RPC)"), "{text}");
}

#[test]
fn run_json_prints_the_topology_trace() {
    let out = tokenhop(&["run", TOPOLOGY, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the trace is JSON");
    let first = &trace["chains"][0]["steps"][1];
    for key in [
        "step",
        "ok",
        "presents",
        "level",
        "credentials",
        "hops",
        "rules",
    ] {
        assert!(first.get(key).is_some(), "a hop lacks `{key}`: {first}");
    }
}

#[test]
fn graph_writes_dot_and_json() {
    let out = tokenhop(&["graph", TOPOLOGY]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dot = stdout(&out);
    assert!(
        dot.starts_with("digraph \"lvl-seed-004-ncalrpc-one-hop\" {"),
        "{dot}"
    );
    assert!(dot.contains("[label=\"ncalrpc_one_hop\""), "{dot}");
    assert!(dot.contains("[label=\"unconstrained\""), "{dot}");
    let out = tokenhop(&["graph", TOPOLOGY, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let graph: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the graph is JSON");
    let edges = graph["edges"].as_array().expect("edges");
    assert!(
        edges
            .iter()
            .any(|e| e["kind"] == "ncalrpc_one_hop" && e["rules"][0] == "LVL-5"),
        "{graph}"
    );
}

#[test]
fn graph_answers_a_reachability_query_with_paths() {
    let out = tokenhop(&["graph", TOPOLOGY, "--from", "alice", "--entry", "lb"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("From alice@corp.example entering at lb:"),
        "{text}"
    );
    assert!(text.contains("-[ncalrpc_one_hop]->"), "{text}");
    let out = tokenhop(&[
        "graph", TOPOLOGY, "--from", "alice", "--entry", "lb", "--format", "json",
    ]);
    let graph: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the answer is JSON");
    let services = graph["query"]["services"].as_array().expect("services");
    assert!(
        services
            .iter()
            .all(|s| s["path"][0]["from"].is_null() && s["path"][0]["to"] == "lb"),
        "{graph}"
    );
}

#[test]
fn graph_rejects_unknown_names_and_scripts_with_exit_2() {
    let out = tokenhop(&["graph", TOPOLOGY, "--from", "mallory", "--entry", "lb"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--from: `mallory` is not an account of"),
        "{}",
        stderr(&out)
    );
    let out = tokenhop(&["graph", TOPOLOGY, "--from", "alice", "--entry", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--entry: `nowhere` is not a service of"),
        "{}",
        stderr(&out)
    );
    let out = tokenhop(&["graph", TOPOLOGY, "--from", "alice"]);
    assert_eq!(out.status.code(), Some(2));
    let out = tokenhop(&["graph", README_EXAMPLE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("reads a topology"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bench_writes_a_generated_domain_that_graph_reads() {
    let path = std::env::temp_dir().join(format!(
        "tokenhop-cli-{}-generated.yaml",
        std::process::id()
    ));
    let file = path.to_string_lossy().into_owned();
    let out = tokenhop(&["bench", "--accounts", "1000", "--write", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = tokenhop(&["graph", &file, "--from", "user3", "--entry", "s1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("From user3@corp.example entering at s1:"),
        "{}",
        stdout(&out)
    );
    let _ = std::fs::remove_file(&path);
}

/// Counts from the command line that a run cannot honour are refused with an error that
/// names the option, and exit 2, before anything runs: never a panic, never a silent clamp.
#[test]
fn bench_refuses_counts_it_cannot_honour() {
    for (args, option) in [
        (
            &["bench", "--accounts", "2000000000", "--write", "x.yaml"][..],
            "--accounts",
        ),
        (
            &["bench", "--accounts", "99999999999999999999999"][..],
            "--accounts",
        ),
        (&["bench", "--queries", "0"][..], "--queries"),
        (&["bench", "--connections", "0"][..], "--connections"),
        (
            &["bench", "--connections", "2", "--workers", "0"][..],
            "--workers",
        ),
        (
            &["bench", "--connections", "2", "--workers", "100000"][..],
            "--workers",
        ),
    ] {
        let out = tokenhop(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(option), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// `bench --collection` generates a BloodHound collection, imports it, and prints the
/// import's time, throughput and memory per object.
#[test]
fn bench_imports_a_generated_collection() {
    let out = tokenhop(&["bench", "--collection", "2000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("| 2000 (1500, 400, 100) |"), "{text}");
    assert!(text.contains("MB/s"), "{text}");
}

#[test]
fn bench_prints_the_cost_table() {
    let out = tokenhop(&["bench", "--accounts", "2000", "--queries", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\naccounts  services  nodes"), "{text}");
    assert!(text.contains("\nOne query from a topology file"), "{text}");
    let sizes = text
        .lines()
        .filter(|l| l.starts_with("1000 ") || l.starts_with("2000 "))
        .count();
    assert_eq!(sizes, 4, "1,000 and 2,000 accounts in both tables: {text}");
}

const RUNTIME: &str = "fixtures/runtimes/clr-seed-003-aspnet-default-no-flow.yaml";

#[test]
fn run_and_explain_accept_a_runtime() {
    let out = tokenhop(&["run", RUNTIME]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("flow mode no-flow"), "{text}");
    assert!(text.contains("all met"), "{text}");
    let out = tokenhop(&["explain", RUNTIME]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("CLR-7"), "{text}");
    assert!(text.contains("legacyImpersonationPolicy"), "{text}");
    let out = tokenhop(&["run", RUNTIME, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the trace is JSON");
    assert_eq!(trace["flow_mode"], "no-flow");
    assert_eq!(trace["steps"][2]["identity"], "AppPoolIdentity");
}

#[test]
fn a_runtime_with_an_undo_but_no_impersonate_exits_2_naming_the_field() {
    let path = temp_script(
        "undo-without-impersonate.yaml",
        "version: 1\nkind: runtime\nname: r\nprocess: { framework: \"4.8\", identity: svc }\nthreads: [t]\nsteps:\n  - { thread: t, call: undo, args: { context: ctx } }\n",
    );
    let out = tokenhop(&["run", path.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("undo-without-impersonate.yaml:7:47: `steps[0].args.context`"),
        "{err}"
    );
}

#[test]
fn a_runtime_expectation_not_met_exits_1() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(RUNTIME),
    )
    .unwrap_or_default()
    .replace(
        "expect: { identity: process, rules: [CLR-5] }",
        "expect: { identity: alice }",
    );
    let path = temp_script("runtime-unmet.yaml", &source);
    let out = tokenhop(&["run", path.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("expected identity alice, got AppPoolIdentity"));
}

/// MRT-3 on the command line: per-client connections grow with the clients.
#[test]
fn bench_connections_reports_per_client_and_service_pools() {
    let out = tokenhop(&[
        "bench",
        "--connections",
        "8",
        "--workers",
        "2",
        "--requests",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("| 8 | 16 | 2 | each client |"), "{text}");
    assert!(text.contains("| 8 | 16 | 2 | the service |"), "{text}");
}

#[test]
fn check_rejects_an_unknown_suite_or_invariant_with_exit_2() {
    let out = tokenhop(&["check", "--suite", "everything"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`everything` is not a suite"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("delegation"));
    let out = tokenhop(&["check", "--suite", "local", "--invariant", "INV-99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("checks no invariant `INV-99`"),
        "{}",
        stderr(&out)
    );
}

/// LOC-1..7 over every two-thread call sequence of length two, through the command line.
#[test]
fn check_runs_a_suite_and_prints_each_verdict() {
    let out = tokenhop(&["check", "--suite", "local", "--depth", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["suite"], "local");
    assert!(report["states"].as_u64().is_some_and(|n| n > 100));
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["verdict"] == "holds"),
        "{findings:?}"
    );
    let out = tokenhop(&[
        "check",
        "--suite",
        "local",
        "--depth",
        "2",
        "--invariant",
        "LOC-3",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("LOC-3   holds") && !text.contains("LOC-4"),
        "{text}"
    );
}

/// A check never claims more than it did: a search a budget stops reports every property it
/// did not decide as undecided (never `holds`), names the budget, and exits 3.
#[test]
fn check_stopped_by_a_budget_reports_undecided_and_exits_3() {
    let out = tokenhop(&["check", "--suite", "delegation", "--max-states", "2000"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    let verdicts: Vec<&str> = text.lines().filter(|l| l.starts_with("INV-")).collect();
    assert!(!verdicts.is_empty(), "{text}");
    assert!(
        verdicts
            .iter()
            .all(|l| l.contains("UNDECIDED") || l.contains("exhibited")),
        "{text}"
    );
    assert!(
        text.contains("INV-1   UNDECIDED: the state budget (2000 states) was reached at depth"),
        "{text}"
    );
    let out = tokenhop(&[
        "check",
        "--suite",
        "delegation",
        "--max-states",
        "2000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for f in report["findings"].as_array().expect("findings") {
        if f["verdict"] == "exhibited" {
            continue;
        }
        assert_eq!(f["verdict"], "undecided", "{f}");
        assert_eq!(f["decided"], false, "{f}");
        assert_eq!(f["as_expected"], false, "{f}");
        assert_eq!(f["undecided"]["bound"], 9, "{f}");
    }
}

/// `check --list` names every suite with what it checks and how long it usually takes.
#[test]
fn check_list_names_every_suite_with_its_properties_and_duration() {
    let out = tokenhop(&["check", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for suite in tokenhop_properties_suite_names() {
        assert!(
            text.contains(&format!("{suite}\n  checks: ")),
            "{suite}: {text}"
        );
    }
    assert!(text.contains("INV-1 (broken)"), "{text}");
    assert!(text.contains("usually about 3 to 4 minutes"), "{text}");
}

fn tokenhop_properties_suite_names() -> Vec<String> {
    let out = tokenhop(&["check", "--list", "--json"]);
    let suites: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let names: Vec<String> = suites
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["suite"].as_str().map(str::to_owned))
        .collect();
    assert!(names.len() >= 20, "{names:?}");
    names
}

/// `rules --coverage` runs the fixtures it is given and names each rule's fixtures,
/// properties and suites; rules no fixture exercises make it exit 1.
#[test]
fn rules_coverage_names_fixtures_properties_and_suites() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::temp_dir().join(format!("tokenhop-coverage-{}", std::process::id()));
    let scripts = dir.join("scripts");
    let _ = std::fs::create_dir_all(&scripts);
    let example = "silent-downgrade-to-identification.yaml";
    std::fs::copy(
        root.join("fixtures/scripts").join(example),
        scripts.join(example),
    )
    .expect("copy a fixture");
    let out = tokenhop(&[
        "rules",
        "--coverage",
        "--fixtures",
        dir.to_str().unwrap_or_default(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["fixtures_run"], 1);
    let rules = report["rules"].as_array().expect("rules");
    let imp4 = rules.iter().find(|r| r["id"] == "IMP-4").expect("IMP-4");
    assert_eq!(imp4["fixtures"][0], "silent-downgrade-to-identification");
    assert!(
        imp4["properties"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x == "LOC-6"))
    );
    let krb2 = rules.iter().find(|r| r["id"] == "KRB-2").expect("KRB-2");
    assert!(
        krb2["suites"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == "delegation"))
    );
    assert!(
        report["unexercised_by_fixtures"]
            .as_array()
            .is_some_and(|u| !u.is_empty())
    );
    let out = tokenhop(&["rules", "--coverage", "--fixtures", "/nonexistent-fixtures"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `tokenhop check FILE` explores a topology's own directory: the ATK-6 topology breaks
/// INV-1 (exit 1, with the S4U2self-then-RBCD counterexample), its fixed twin does not.
#[test]
fn check_explores_a_topology_and_finds_its_attack() {
    let out = tokenhop(&[
        "check",
        "fixtures/topologies/atk-6-protected-users-rbcd-reproduced.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("INV-1   BROKEN"), "{text}");
    assert!(text.contains("S4U2self for carol@corp.example"), "{text}");
    let out = tokenhop(&[
        "check",
        "fixtures/topologies/atk-6-protected-users-rbcd-fixed.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = tokenhop(&[
        "check",
        "fixtures/runtimes/clr-seed-003-aspnet-default-no-flow.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `check --write DIR` writes a counterexample as a topology that replays it: `run` meets
/// its expectation.
#[test]
fn check_writes_a_counterexample_that_replays() {
    let dir = std::env::temp_dir().join(format!("tokenhop-cex-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let out = tokenhop(&[
        "check",
        "fixtures/topologies/atk-6-protected-users-rbcd-reproduced.yaml",
        "--write",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let written = dir.join("check-atk-6-protected-users-rbcd-reproduced-inv-1.yaml");
    assert!(written.exists(), "{}", stderr(&out));
    let out = tokenhop(&["run", written.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("S4U-8"), "{}", stdout(&out));
}
