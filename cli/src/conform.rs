//! `tokenhop conform`: the model's trace of each script against a trace recorded where
//! Windows (or Wine) ran it, every difference shown with the rules the model applied and
//! their documents, and classified by the known-differences file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use tokenhop_conformance::known::{self, KnownDifferences};
use tokenhop_conformance::report::{Finding, Report, ScriptResult};
use tokenhop_conformance::{Comparison, StepVerdict, compare, read_trace};
use tokenhop_model::rules::RuleId;
use tokenhop_sim::trace::Trace;

use crate::commands::{print, print_json};

/// What `tokenhop conform` was asked.
pub struct Request {
    pub script: Option<PathBuf>,
    pub observed: Option<PathBuf>,
    pub dir: Option<PathBuf>,
    pub scripts: Vec<PathBuf>,
    pub known: Option<PathBuf>,
    pub json: bool,
}

const KNOWN_FILE: &str = "known-differences.yaml";
const DEFAULT_SCRIPTS: &[&str] = &["fixtures/scripts", "fixtures/conformance/scripts"];

/// Runs the command.
pub fn conform(request: &Request) -> ExitCode {
    match run(request) {
        Ok((report, engines)) => {
            if request.json {
                if let Err(code) = print_json(&report_json(&report, &engines)) {
                    return code;
                }
            } else {
                print(&report_text(&report, &engines));
            }
            if report.passes() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The comparisons to make: (script, trace) pairs, and the known-differences file.
fn run(request: &Request) -> Result<(Report, Vec<String>), String> {
    let (pairs, default_known) = match (&request.dir, &request.script, &request.observed) {
        (Some(dir), _, _) => (pairs_in(dir, &request.scripts)?, Some(dir.join(KNOWN_FILE))),
        (None, Some(script), Some(observed)) => (
            vec![(script.clone(), observed.clone())],
            observed.parent().map(|d| d.join(KNOWN_FILE)),
        ),
        (None, Some(_), None) => return Err("SCRIPT needs --observed TRACE".to_owned()),
        _ => return Err("give SCRIPT --observed TRACE, or --dir DIR".to_owned()),
    };
    let known_path = request
        .known
        .clone()
        .or(default_known.filter(|p| p.is_file()));
    let known: Option<KnownDifferences> = known_path
        .as_deref()
        .map(known::load)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut comparisons = Vec::new();
    let mut engines = Vec::new();
    for (script, trace_path) in &pairs {
        let (comparison, observed) = compare_one(script, trace_path)?;
        let engine = format!("{} ({})", observed.engine, observed.platform.build);
        if !engines.contains(&engine) {
            engines.push(engine);
        }
        comparisons.push(comparison);
    }
    Ok((Report::new(comparisons, known.as_ref()), engines))
}

fn compare_one(script: &Path, trace_path: &Path) -> Result<(Comparison, Trace), String> {
    let scenario = tokenhop_sim::scenario::load(script).map_err(|e| e.to_string())?;
    let observed = read_trace(trace_path).map_err(|e| e.to_string())?;
    let model = tokenhop_sim::run(&scenario).trace;
    let comparison =
        compare(&model, &observed).map_err(|e| format!("{}: {e}", trace_path.display()))?;
    Ok((comparison, observed))
}

/// Every trace in `dir` with the script of the same name.
fn pairs_in(dir: &Path, script_dirs: &[PathBuf]) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let defaults: Vec<PathBuf> = DEFAULT_SCRIPTS.iter().map(PathBuf::from).collect();
    let script_dirs = if script_dirs.is_empty() {
        &defaults
    } else {
        script_dirs
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot list the folder: {e}", dir.display()))?;
    let mut traces: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    traces.sort();
    if traces.is_empty() {
        return Err(format!(
            "{}: no traces (*.json) in the folder",
            dir.display()
        ));
    }
    traces
        .into_iter()
        .map(|trace| {
            let stem = trace
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            script_dirs
                .iter()
                .flat_map(|d| ["yaml", "yml", "json"].map(|x| d.join(format!("{stem}.{x}"))))
                .find(|p| p.is_file())
                .map(|script| (script, trace.clone()))
                .ok_or_else(|| {
                    format!(
                        "{}: no script `{stem}` in {}",
                        trace.display(),
                        script_dirs
                            .iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
        })
        .collect()
}

fn report_text(report: &Report, engines: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "observed on: {}", engines.join(", "));
    for s in &report.scripts {
        script_text(&mut out, s);
    }
    let t = report.totals();
    let _ = writeln!(
        out,
        "\n{} scripts ({} agree on every step run): {} steps agree, {} differ, {} skipped; \
         {} differences explained by known differences, {} unexplained",
        t.scripts, t.scripts_agreeing, t.agree, t.differ, t.skipped, t.explained, t.unexplained
    );
    for stale in &report.stale {
        let _ = writeln!(
            out,
            "stale entry (explains no difference): {}:{}: {} step {:?}{}",
            report
                .known
                .as_ref()
                .map_or_else(|| KNOWN_FILE.to_owned(), |p| p.display().to_string()),
            stale.span,
            stale.script,
            stale.steps,
            stale
                .field
                .as_deref()
                .map(|f| format!(" {f}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if report.passes() {
            "conformance: every difference is explained"
        } else {
            "conformance: FAILED (unexplained differences or stale entries)"
        }
    );
    out
}

fn script_text(out: &mut String, s: &ScriptResult) {
    let (agree, differ, skipped) = s.counts();
    let _ = writeln!(
        out,
        "\n{}: {agree} agree, {differ} differ, {skipped} skipped",
        s.comparison.scenario
    );
    let mut by_step: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for f in &s.findings {
        by_step.entry(f.step).or_default().push(f);
    }
    for (step, findings) in by_step {
        let call = &findings[0].call;
        let _ = writeln!(out, "  step {step} {call}:");
        for f in &findings {
            let d = &f.difference;
            let _ = writeln!(
                out,
                "    {}: model {}, observed {}",
                d.field, d.model, d.observed
            );
            match &f.known {
                Some(k) => {
                    let _ = writeln!(
                        out,
                        "      known ({}): {} Windows: {} ({})",
                        k.rule.code(),
                        k.observed,
                        k.windows,
                        k.source
                    );
                }
                None => {
                    let _ = writeln!(out, "      UNEXPLAINED");
                }
            }
        }
        let rules = &findings[0].rules;
        if findings.iter().any(|f| f.known.is_none()) {
            for code in rules {
                rule_text(out, code);
            }
        }
    }
    for (step, call, verdict) in &s.comparison.steps {
        if let StepVerdict::Skipped { reason } = verdict {
            let _ = writeln!(out, "  step {step} {call}: skipped: {reason}");
        }
    }
}

fn rule_text(out: &mut String, code: &str) {
    let Some(rule) = RuleId::from_code(code) else {
        let _ = writeln!(out, "      model rule {code}");
        return;
    };
    let info = rule.info();
    let _ = writeln!(out, "      model rule {}: {}", info.code, info.statement);
    for c in info.citations {
        let _ = writeln!(out, "        {}, {}", c.source.title, c.locator);
    }
}

fn report_json(report: &Report, engines: &[String]) -> serde_json::Value {
    let t = report.totals();
    json!({
        "engines": engines,
        "passes": report.passes(),
        "totals": {
            "scripts": t.scripts,
            "scripts_agreeing": t.scripts_agreeing,
            "agree": t.agree,
            "differ": t.differ,
            "skipped": t.skipped,
            "explained": t.explained,
            "unexplained": t.unexplained,
        },
        "scripts": report.scripts.iter().map(|s| {
            let (agree, differ, skipped) = s.counts();
            json!({
                "scenario": s.comparison.scenario,
                "agree": agree,
                "differ": differ,
                "skipped": skipped,
                "differences": s.findings.iter().map(|f| json!({
                    "step": f.step,
                    "call": f.call,
                    "field": f.difference.field,
                    "model": f.difference.model,
                    "observed": f.difference.observed,
                    "rules": f.rules,
                    "known": f.known.as_ref().map(|k| json!({
                        "rule": k.rule.code(),
                        "observed": k.observed,
                        "windows": k.windows,
                        "source": k.source,
                    })),
                })).collect::<Vec<_>>(),
                "skipped_steps": s.comparison.steps.iter().filter_map(|(step, call, v)| match v {
                    StepVerdict::Skipped { reason } => Some(json!({"step": step, "call": call, "reason": reason})),
                    _ => None,
                }).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "stale": report.stale.iter().map(|k| json!({
            "script": k.script,
            "steps": k.steps,
            "field": k.field,
            "rule": k.rule.code(),
        })).collect::<Vec<_>>(),
    })
}
