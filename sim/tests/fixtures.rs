//! Every script under fixtures/scripts, every topology under fixtures/topologies and every
//! runtime under fixtures/runtimes runs on the model, meets every `expect` it states, and
//! matches its reviewed snapshots (the JSON trace and the narration); together the fixtures
//! exercise every registered rule and every reading of the managed-runtime ambiguities.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tokenhop_model::rules::{self, RuleId};
use tokenhop_sim::{render, runtime, topology};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts")
}

fn topology_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies")
}

fn topology_paths() -> Vec<PathBuf> {
    yaml_files(&topology_dir())
}

fn run_topology(path: &Path) -> topology::run::TopologyRun {
    match tokenhop_sim::document::load(path) {
        Ok(tokenhop_sim::Document::Topology(t)) => topology::run::run(&t),
        Ok(_) => panic!("{}: not a topology", path.display()),
        Err(e) => panic!("fixture does not load: {e}"),
    }
}

fn runtime_paths() -> Vec<PathBuf> {
    yaml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/runtimes"))
}

fn run_runtime(path: &Path) -> runtime::run::RuntimeRun {
    match tokenhop_sim::document::load(path) {
        Ok(tokenhop_sim::Document::Runtime(r)) => {
            runtime::run::run(&r).unwrap_or_else(|e| panic!("{e}"))
        }
        Ok(_) => panic!("{}: not a runtime", path.display()),
        Err(e) => panic!("fixture does not load: {e}"),
    }
}

#[test]
fn runtime_fixtures_meet_their_expectations() {
    let paths = runtime_paths();
    assert!(paths.len() >= 30, "only {} runtime fixtures", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let run = run_runtime(path);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if run.runtime.name != name {
            failures.push(format!("{}: named `{}`", path.display(), run.runtime.name));
        }
        if run.expectations() == 0 {
            failures.push(format!("{}: states no expectation", path.display()));
        }
        if run.unmet() {
            failures.push(runtime::render::expectation_summary(&run));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn runtime_fixtures_match_their_snapshots() {
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("../../fixtures/runtimes", "*.yaml", |path| {
            let run = run_runtime(path);
            let trace = serde_json::to_string_pretty(&run.trace).unwrap_or_default();
            insta::assert_snapshot!("runtime-trace", trace);
            insta::assert_snapshot!("runtime-explain", runtime::render::explain(&run));
        });
    });
}

/// Each reading of each managed-runtime ambiguity (OQD-7, OQR-1, OQD-8, OQD-9, OQS-1, OQS-2) is selected
/// in so many words by a runtime fixture that exercises the rule.
#[test]
fn every_reading_of_the_runtime_ambiguities_has_a_fixture() {
    let runs: Vec<_> = runtime_paths().iter().map(|p| run_runtime(p)).collect();
    let mut missing = Vec::new();
    for rule in [
        RuleId::OQD_7,
        RuleId::OQR_1,
        RuleId::OQD_8,
        RuleId::OQD_9,
        RuleId::OQS_1,
    ] {
        let ambiguity = rules::readings::ambiguity(rule).expect("an ambiguity");
        for reading in ambiguity.readings {
            let found = runs.iter().any(|r| {
                r.runtime.setup.readings.named(rule)
                    && r.runtime.setup.readings.selected(rule).map(|x| x.name) == Some(reading.name)
                    && r.rules_applied().contains(&rule)
            });
            if !found {
                missing.push(format!("{} {}", rule.code(), reading.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "readings with no fixture: {}",
        missing.join(", ")
    );
}

fn fixture_paths() -> Vec<PathBuf> {
    yaml_files(&fixture_dir())
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

fn run(path: &Path) -> tokenhop_sim::Run {
    let scenario = match tokenhop_sim::load(path) {
        Ok(s) => s,
        Err(e) => panic!("fixture does not load: {e}"),
    };
    tokenhop_sim::run(&scenario)
}

#[test]
fn fixtures_meet_their_expectations() {
    let paths = fixture_paths();
    assert!(paths.len() >= 40, "only {} fixtures", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let run = run(path);
        if run.expectations() == 0 {
            failures.push(format!("{}: states no expectation", path.display()));
        }
        if run.failed().next().is_some() {
            failures.push(render::expectation_summary(&run));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn topology_fixtures_meet_their_expectations() {
    let paths = topology_paths();
    assert!(paths.len() >= 40, "only {} topology fixtures", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let run = run_topology(path);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if run.topology.name != name {
            failures.push(format!("{}: named `{}`", path.display(), run.topology.name));
        }
        if run.expectations() == 0 {
            failures.push(format!("{}: states no expectation", path.display()));
        }
        if run.failed().next().is_some() {
            failures.push(topology::render::expectation_summary(&run));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn topology_fixtures_match_their_snapshots() {
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("../../fixtures/topologies", "*.yaml", |path| {
            let run = run_topology(path);
            let trace = serde_json::to_string_pretty(&run.trace).unwrap_or_default();
            insta::assert_snapshot!("topology-trace", trace);
            insta::assert_snapshot!("topology-explain", topology::render::explain(&run));
        });
    });
}

#[test]
fn fixtures_match_their_snapshots() {
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("../../fixtures/scripts", "*.{yaml,json}", |path| {
            let run = run(path);
            let trace = serde_json::to_string_pretty(&run.trace).unwrap_or_default();
            insta::assert_snapshot!("trace", trace);
            insta::assert_snapshot!("explain", render::explain(&run));
        });
    });
}

#[test]
fn every_registered_rule_is_exercised_by_a_fixture() {
    let mut applied = BTreeSet::new();
    for path in fixture_paths() {
        applied.extend(run(&path).rules_applied());
    }
    for path in topology_paths() {
        applied.extend(run_topology(&path).rules_applied());
    }
    for path in runtime_paths() {
        applied.extend(run_runtime(&path).rules_applied());
    }
    let missing: Vec<&str> = rules::all()
        .filter(|r| !applied.contains(&r.id))
        .map(|r| r.code)
        .collect();
    assert!(
        missing.is_empty(),
        "rules no fixture exercises: {}",
        missing.join(", ")
    );
}

#[test]
fn traces_name_only_registered_rules() {
    for path in fixture_paths() {
        let run = run(&path);
        for code in run
            .trace
            .steps
            .iter()
            .flat_map(|s| &s.rules)
            .chain(&run.trace.setup_rules)
        {
            assert!(
                RuleId::from_code(code).is_some(),
                "{}: unregistered rule {code}",
                path.display()
            );
        }
    }
}

#[test]
fn topology_traces_name_only_registered_rules() {
    for path in topology_paths() {
        let run = run_topology(&path);
        for code in run
            .trace
            .chains
            .iter()
            .flat_map(|c| &c.steps)
            .flat_map(|s| &s.rules)
            .chain(&run.trace.setup_rules)
        {
            assert!(
                RuleId::from_code(code).is_some(),
                "{}: unregistered rule {code}",
                path.display()
            );
        }
    }
}

#[test]
fn the_readme_example_topology_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap_or_default();
    let Some(section) = readme.find("## Topologies") else {
        panic!("the README has no topology section");
    };
    let Some(start) = readme[section..]
        .find("```yaml\n")
        .map(|i| section + i + "```yaml\n".len())
    else {
        panic!("the README's topology section has no example");
    };
    let end = readme[start..]
        .find("```")
        .map_or(readme.len(), |e| start + e);
    let topology =
        match tokenhop_sim::document::load_str(&readme[start..end], Path::new("README.md")) {
            Ok(tokenhop_sim::Document::Topology(t)) => t,
            Ok(_) => panic!("the README's topology example is not a topology"),
            Err(e) => panic!("the README's topology example does not load: {e}"),
        };
    let run = topology::run::run(&topology);
    assert!(run.expectations() > 0);
    assert!(
        run.failed().next().is_none(),
        "{}",
        topology::render::expectation_summary(&run)
    );
}

#[test]
fn the_lessons_name_only_existing_scripts() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let scripts: BTreeSet<String> = fixture_paths()
        .iter()
        .chain(topology_paths().iter())
        .chain(runtime_paths().iter())
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut missing = Vec::new();
    let entries = std::fs::read_dir(&docs)
        .map(|e| e.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default();
    assert!(!entries.is_empty(), "no lessons under docs/");
    for lesson in entries {
        let text = std::fs::read_to_string(&lesson).unwrap_or_default();
        for (i, part) in text.split('`').enumerate() {
            let looks_like_script = i % 2 == 1
                && part.contains('-')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if looks_like_script && !scripts.contains(part) {
                missing.push(format!("{}: `{part}`", lesson.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "lessons name scripts that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_example_script_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap_or_default();
    let start = readme
        .find("```yaml\nversion: 1")
        .map(|i| i + "```yaml\n".len());
    let Some(start) = start else {
        panic!("the README has no example script");
    };
    let end = readme[start..]
        .find("```")
        .map_or(readme.len(), |e| start + e);
    let scenario = match tokenhop_sim::load_str(&readme[start..end], Path::new("README.md")) {
        Ok(s) => s,
        Err(e) => panic!("the README's example does not load: {e}"),
    };
    let run = tokenhop_sim::run(&scenario);
    assert!(
        run.failed().next().is_none(),
        "{}",
        render::expectation_summary(&run)
    );
}

/// The README's table of calls lists every call of the model's table, each once, and no
/// other: the calls' names are written once, in the model, and the README follows them.
#[test]
fn the_readme_lists_every_call_once() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap_or_default();
    let Some(start) = readme.find("| call | arguments | `out` |") else {
        panic!("the README has no table of calls");
    };
    let listed: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(|cell| cell.split(','))
        .map(str::trim)
        .collect();
    let mut names: Vec<&str> = tokenhop_model::machine::action::CallKind::ALL
        .iter()
        .map(|k| k.name())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    names.sort_unstable();
    assert_eq!(sorted, names, "the README lists {listed:?}");
}

#[test]
fn the_readme_example_runtime_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap_or_default();
    let Some(section) = readme.find("## Runtimes") else {
        panic!("the README has no runtime section");
    };
    let Some(start) = readme[section..]
        .find("```yaml\n")
        .map(|i| section + i + "```yaml\n".len())
    else {
        panic!("the README's runtime section has no example");
    };
    let end = readme[start..]
        .find("```")
        .map_or(readme.len(), |e| start + e);
    let rt = match tokenhop_sim::document::load_str(&readme[start..end], Path::new("README.md")) {
        Ok(tokenhop_sim::Document::Runtime(r)) => r,
        Ok(_) => panic!("the README's runtime example is not a runtime"),
        Err(e) => panic!("the README's runtime example does not load: {e}"),
    };
    let run = runtime::run::run(&rt).unwrap_or_else(|e| panic!("{e}"));
    assert!(run.expectations() > 0);
    assert!(
        run.failed().next().is_none(),
        "{}",
        runtime::render::expectation_summary(&run)
    );
}
