//! `tokenhop conform` as a user meets it: the recorded Wine traces agree with the model
//! wherever no known difference explains otherwise; an unexplained difference or a stale
//! entry exits 1; a trace of another script, another format version, a truncated file or a
//! malformed known-differences file exits 2 with a message naming the file.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RECORDED: &str = "fixtures/conformance/wine-8.0";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tokenhop(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_tokenhop"))
        .args(args)
        .current_dir(root())
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("cannot run tokenhop: {e}"),
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tokenhop-conform-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn recorded(name: &str) -> String {
    std::fs::read_to_string(root().join(RECORDED).join(format!("{name}.json"))).unwrap()
}

#[test]
fn every_recorded_wine_difference_is_explained_by_a_known_difference() {
    let out = tokenhop(&["conform", "--dir", RECORDED, "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(report["passes"], true);
    assert_eq!(report["totals"]["unexplained"], 0);
    let scripts = report["totals"]["scripts"].as_u64().unwrap();
    let full = report["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["skipped"] == 0)
        .count();
    assert!(scripts >= 30, "only {scripts} scripts recorded");
    assert!(full >= 30, "only {full} scripts ran every step under Wine");
}

#[test]
fn every_recorded_folder_of_traces_passes_against_its_known_differences() {
    let folders: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/conformance"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && std::fs::read_dir(p)
                    .unwrap()
                    .filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .collect();
    assert!(!folders.is_empty());
    for folder in folders {
        let out = tokenhop(&["conform", "--dir", folder.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            folder.display(),
            text(&out)
        );
    }
}

#[test]
fn a_single_script_compares_with_its_trace_and_names_the_model_rules() {
    let out = tokenhop(&[
        "conform",
        "fixtures/scripts/duplicate-cannot-raise-impersonation-level.yaml",
        "--observed",
        &format!("{RECORDED}/duplicate-cannot-raise-impersonation-level.json"),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("10 agree, 1 differ, 0 skipped"), "{t}");
    assert!(t.contains("known (TOK-10)"), "{t}");
}

#[test]
fn an_unexplained_difference_exits_1_with_the_rules_and_their_documents() {
    let dir = temp_dir("unexplained");
    let name = "duplicate-cannot-raise-impersonation-level";
    std::fs::write(dir.join(format!("{name}.json")), recorded(name)).unwrap();
    std::fs::write(
        dir.join("known-differences.yaml"),
        "version: 1\nengine: wine\ndifferences: []\n",
    )
    .unwrap();
    let out = tokenhop(&["conform", "--dir", dir.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("step 10 DuplicateTokenEx"), "{t}");
    assert!(t.contains("UNEXPLAINED"), "{t}");
    assert!(t.contains("model rule TOK-10"), "{t}");
    assert!(
        t.contains("tokenlif.c"),
        "the rule's citation is printed: {t}"
    );
}

#[test]
fn a_stale_known_difference_exits_1() {
    let dir = temp_dir("stale");
    let name = "same-user-thread-tokens-are-per-thread";
    std::fs::write(dir.join(format!("{name}.json")), recorded(name)).unwrap();
    std::fs::write(
        dir.join("known-differences.yaml"),
        format!(
            "version: 1\nengine: wine\ndifferences:\n  - {{ script: {name}, step: 2, rule: THR-8, observed: \"a\", windows: \"b\", source: \"c\" }}\n"
        ),
    )
    .unwrap();
    let out = tokenhop(&["conform", "--dir", dir.to_str().unwrap()]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("stale entry"), "{t}");
}

#[test]
fn bad_traces_and_known_files_exit_2_naming_the_file() {
    let script = "fixtures/scripts/duplicate-cannot-raise-impersonation-level.yaml";
    let dir = temp_dir("bad");
    let good = recorded("duplicate-cannot-raise-impersonation-level");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_owned(),
            "not a trace",
        ),
        (
            "version",
            good.replacen("\"version\": 1", "\"version\": 7", 1),
            "format version 7",
        ),
        (
            "other-scenario",
            good.replacen(
                "\"scenario\": \"duplicate-cannot-raise-impersonation-level\"",
                "\"scenario\": \"another\"",
                1,
            ),
            "different scripts",
        ),
        (
            "other-calls",
            good.replacen(
                "\"call\": \"RevertToSelf\"",
                "\"call\": \"ImpersonateSelf\"",
                1,
            ),
            "another version of the script",
        ),
    ];
    for (name, body, message) in cases {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, body).unwrap();
        let out = tokenhop(&["conform", script, "--observed", path.to_str().unwrap()]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {t}");
        assert!(t.contains(message), "{name}: {t}");
        assert!(
            t.contains(&format!("{name}.json")),
            "{name} names the file: {t}"
        );
    }
    let known = dir.join("bad-known.yaml");
    std::fs::write(
        &known,
        "version: 1\nengine: wine\ndifferences:\n  - { script: x, step: 1, rule: NOPE-1, observed: a, windows: b, source: c }\n",
    )
    .unwrap();
    let out = tokenhop(&[
        "conform",
        "--dir",
        RECORDED,
        "--known",
        known.to_str().unwrap(),
    ]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("bad-known.yaml:4:"), "{t}");
    assert!(t.contains("`NOPE-1` is not a rule of the registry"), "{t}");
}
