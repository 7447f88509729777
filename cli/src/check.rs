//! `tokenhop check`: runs a built-in suite through the exhaustive explorer, shows progress
//! on long runs, and prints the summary (states, states per second, depth reached, each
//! invariant held or its shortest counterexample), as text or JSON. Exit status 0 when every
//! finding is what the suite expects, 1 when one is not, 2 for an unknown suite or
//! invariant.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use tokenhop_properties::suites::{self, SUITES, Suite};
use tokenhop_sim::explore::{Budget, Expectation, Finding, Options, Progress, Report};

/// What `tokenhop check` was asked.
#[derive(Debug)]
pub struct Request {
    /// The suite's name.
    pub suite: Option<String>,
    /// Only these invariants.
    pub invariants: Vec<String>,
    /// The depth bound.
    pub depth: Option<u32>,
    /// Worker threads.
    pub threads: Option<usize>,
    /// The state budget.
    pub max_states: Option<u64>,
    /// The time budget, in seconds.
    pub max_seconds: Option<u64>,
    /// The memory budget, in MiB.
    pub max_memory_mib: Option<u64>,
    /// Keep exploring after every property is decided.
    pub exhaustive: bool,
    /// Print JSON.
    pub json: bool,
}

fn list_suites() -> String {
    SUITES
        .iter()
        .map(|s| format!("  {:<12} {}", s.name, s.description))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the request.
pub fn check(req: &Request) -> ExitCode {
    let Some(name) = req.suite.as_deref() else {
        eprintln!(
            "error: `tokenhop check` needs `--suite NAME`; the suites:\n{}",
            list_suites()
        );
        return ExitCode::from(2);
    };
    let Some(suite) = suites::suite(name) else {
        eprintln!(
            "error: `{name}` is not a suite; the suites:\n{}",
            list_suites()
        );
        return ExitCode::from(2);
    };
    let known = (suite.properties)();
    for id in &req.invariants {
        if !known.iter().any(|k| k.id == id) {
            let ids: Vec<&str> = known.iter().map(|k| k.id).collect();
            eprintln!(
                "error: suite `{name}` checks no invariant `{id}`; it checks: {}",
                ids.join(", ")
            );
            return ExitCode::from(2);
        }
    }
    let defaults = Budget::default();
    let options = Options {
        budget: Budget {
            states: req.max_states.unwrap_or(defaults.states),
            depth: req.depth.unwrap_or(suite.depth),
            time: req.max_seconds.map_or(defaults.time, Duration::from_secs),
            memory: req.max_memory_mib.map_or(defaults.memory, |m| m << 20),
        },
        threads: req
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
        stop_when_decided: !req.exhaustive,
        only: req.invariants.clone(),
    };
    let show = !req.json && std::io::stderr().is_terminal();
    let last = Mutex::new(Instant::now());
    let progress = |p: &Progress| {
        if !show {
            return;
        }
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.elapsed() >= Duration::from_millis(200) {
            eprint!(
                "\r  depth {:>2}  {:>12} states  {:>10} waiting  {:>6.1} s",
                p.depth,
                p.states,
                p.frontier,
                p.elapsed.as_secs_f64()
            );
            *last = Instant::now();
        }
    };
    let report = (suite.run)(&options, &progress);
    if show {
        eprint!("\r{:72}\r", "");
    }
    let ok = report
        .findings
        .iter()
        .all(|f| suites::as_expected(suite, f));
    if req.json {
        let text = serde_json::to_string_pretty(&to_json(suite, &report)).unwrap_or_default();
        println!("{text}");
    } else {
        print!("{}", summary(suite, &report));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn verdict(suite: &Suite, f: &Finding) -> &'static str {
    match (
        f.expectation,
        f.trace.is_some(),
        suites::as_expected(suite, f),
    ) {
        (Expectation::Always, false, true) => "holds",
        (Expectation::Always, true, true) => "broken, as the attack predicts",
        (Expectation::Always, true, false) => "BROKEN",
        (Expectation::Always, false, false) => "NOT BROKEN, though the attack predicts it",
        (Expectation::Sometimes, true, _) => "exhibited",
        (Expectation::Sometimes, false, _) => "NOT EXHIBITED",
    }
}

/// The text summary.
fn summary(suite: &Suite, r: &Report) -> String {
    let mut out = format!(
        "suite {}: {}\n\n{} states, {} transitions, depth {}{} in {:.2} s ({:.0} states/s, {} threads, {:.0} bytes per stored state)\n",
        suite.name,
        suite.description,
        r.states,
        r.transitions,
        r.depth,
        if r.complete { " (the whole space)" } else { "" },
        r.elapsed.as_secs_f64(),
        r.states_per_second(),
        r.threads,
        r.bytes_per_state
    );
    if let Some(limit) = r.limit {
        out.push_str(&format!(
            "stopped early: {limit}; raise it with --max-states, --max-seconds or --max-memory\n"
        ));
    }
    for f in &r.findings {
        out.push_str(&format!(
            "\n{:<7} {}\n        {}\n",
            f.id,
            verdict(suite, f),
            f.statement
        ));
        if let Some(t) = &f.trace {
            let what = match f.expectation {
                Expectation::Always => "shortest counterexample",
                Expectation::Sometimes => "shortest witness",
            };
            out.push_str(&format!(
                "        {what} ({} steps):\n          start: {}\n",
                t.steps.len(),
                t.initial
            ));
            for (i, s) in t.steps.iter().enumerate() {
                out.push_str(&format!(
                    "          {}. {}\n             -> {}\n",
                    i + 1,
                    s.action,
                    s.state
                ));
            }
            out.push_str(&format!("          {}\n", t.reason));
        }
    }
    out
}

fn to_json(suite: &Suite, r: &Report) -> serde_json::Value {
    json!({
        "suite": suite.name,
        "states": r.states,
        "transitions": r.transitions,
        "depth": r.depth,
        "complete": r.complete,
        "limit": r.limit.map(|l| l.to_string()),
        "seconds": r.elapsed.as_secs_f64(),
        "states_per_second": r.states_per_second(),
        "threads": r.threads,
        "bytes_per_state": r.bytes_per_state,
        "findings": r.findings.iter().map(|f| json!({
            "id": f.id,
            "statement": f.statement,
            "expectation": match f.expectation { Expectation::Always => "always", Expectation::Sometimes => "sometimes" },
            "verdict": verdict(suite, f),
            "as_expected": suites::as_expected(suite, f),
            "trace": f.trace.as_ref().map(|t| json!({
                "initial": t.initial,
                "steps": t.steps.iter().map(|s| json!({ "action": s.action, "state": s.state })).collect::<Vec<_>>(),
                "reason": t.reason,
            })),
        })).collect::<Vec<_>>(),
    })
}
