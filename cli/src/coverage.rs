//! `tokenhop rules --coverage`: for each registered rule, which fixtures applied it (every
//! script, topology and runtime under the fixtures folder is run), which properties rest on
//! it (the transition invariants and every suite's invariants), and which suites applied it
//! (each suite explored to a small depth). Rules no fixture exercises are listed at the end;
//! the fixture tests fail on any such rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use tokenhop_check::{Budget, Options};
use tokenhop_model::rules::{self, RuleId};
use tokenhop_properties::invariants::INVARIANTS;
use tokenhop_properties::suites::SUITES;
use tokenhop_sim::Document;

/// Which fixtures, properties and suites exercised each rule.
#[derive(Default)]
struct Coverage {
    fixtures: BTreeMap<RuleId, Vec<String>>,
    properties: BTreeMap<RuleId, BTreeSet<&'static str>>,
    suites: BTreeMap<RuleId, Vec<&'static str>>,
    fixture_count: usize,
}

/// The scenario files under `dir`, sorted.
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["scripts", "topologies", "runtimes"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json")),
            );
        }
    }
    files.sort();
    files
}

/// The rules a scenario file applied, or why it could not be run.
fn rules_of(path: &Path) -> Result<Vec<RuleId>, String> {
    match tokenhop_sim::document::load(path) {
        Ok(Document::Script(s)) => Ok(tokenhop_sim::run(&s).rules_applied()),
        Ok(Document::Topology(t)) => Ok(tokenhop_sim::topology::run::run(&t).rules_applied()),
        Ok(Document::Runtime(r)) => tokenhop_sim::runtime::run::run(&r)
            .map(|run| run.rules_applied())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn measure(fixtures: &Path, suite_depth: u32) -> Result<Coverage, String> {
    let files = scenario_files(fixtures);
    if files.is_empty() {
        return Err(format!(
            "{}: no scenario files under scripts/, topologies/ or runtimes/ (give the fixtures folder with --fixtures DIR)",
            fixtures.display()
        ));
    }
    let mut c = Coverage {
        fixture_count: files.len(),
        ..Coverage::default()
    };
    for path in &files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for rule in rules_of(path)? {
            c.fixtures.entry(rule).or_default().push(name.clone());
        }
    }
    for inv in INVARIANTS {
        for rule in inv.rests_on {
            c.properties.entry(*rule).or_default().insert(inv.id);
        }
    }
    for suite in SUITES {
        for p in (suite.properties)() {
            for rule in p.rests_on {
                c.properties.entry(*rule).or_default().insert(p.id);
            }
        }
        let options = Options {
            budget: Budget {
                depth: suite.depth.min(suite_depth),
                states: 500_000,
                time: Duration::from_secs(30),
                ..Budget::default()
            },
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            stop_when_decided: false,
            only: Vec::new(),
        };
        let report = (suite.run)(&options, &|_| {}).map_err(|e| format!("{}: {e}", suite.name))?;
        for rule in report.rules {
            c.suites.entry(rule).or_default().push(suite.name);
        }
    }
    Ok(c)
}

/// Runs `tokenhop rules --coverage`.
pub fn coverage(fixtures: Option<&Path>, suite_depth: u32, json: bool) -> ExitCode {
    let dir = fixtures.map_or_else(|| PathBuf::from("fixtures"), Path::to_path_buf);
    let c = match measure(&dir, suite_depth) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let unexercised: Vec<&str> = rules::all()
        .filter(|r| !c.fixtures.contains_key(&r.id))
        .map(|r| r.code)
        .collect();
    if json {
        let value = json!({
            "fixtures_run": c.fixture_count,
            "rules": rules::all().map(|r| json!({
                "id": r.code,
                "fixtures": c.fixtures.get(&r.id).cloned().unwrap_or_default(),
                "properties": c.properties.get(&r.id).map(|p| p.iter().copied().collect::<Vec<_>>()).unwrap_or_default(),
                "suites": c.suites.get(&r.id).cloned().unwrap_or_default(),
            })).collect::<Vec<_>>(),
            "unexercised_by_fixtures": unexercised,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        let mut out = format!(
            "{:<9} {:>8}  {:<28} {:<20} first fixture\n",
            "rule", "fixtures", "properties", "suites"
        );
        for r in rules::all() {
            let fx = c.fixtures.get(&r.id);
            let props = c
                .properties
                .get(&r.id)
                .map(|p| p.iter().copied().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let suites = c.suites.get(&r.id).map(|s| s.join(" ")).unwrap_or_default();
            out.push_str(&format!(
                "{:<9} {:>8}  {:<28} {:<20} {}\n",
                r.code,
                fx.map_or(0, Vec::len),
                props,
                suites,
                fx.and_then(|f| f.first()).map_or("", String::as_str)
            ));
        }
        let total = rules::all().count();
        out.push_str(&format!(
            "\n{total} rules; {} fixtures run. Exercised by a fixture: {}; named by a property: {}; applied by a suite: {}.\n",
            c.fixture_count,
            total - unexercised.len(),
            c.properties.len(),
            c.suites.len()
        ));
        if unexercised.is_empty() {
            out.push_str("Every rule is exercised by a fixture.\n");
        } else {
            out.push_str(&format!(
                "Exercised by no fixture: {}\n",
                unexercised.join(", ")
            ));
        }
        print!("{out}");
    }
    if unexercised.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
