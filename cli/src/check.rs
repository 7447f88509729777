//! `tokenhop check`: runs a built-in suite, or the model of a script or topology, through
//! the exhaustive explorer, shows progress
//! on long runs, and prints the summary (states, states per second, depth reached, each
//! invariant held or its shortest counterexample), as text or JSON. Exit status 0 when every
//! finding is what the suite expects, 1 when one is not, 2 for an unknown suite or
//! invariant, 3 when a budget stopped the search before every property was decided (each
//! such property is reported `undecided`, with the budget that stopped it).

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::json;

use tokenhop_check::{Budget, Expectation, Extent, Finding, Options, Progress, Report, Verdict};
use tokenhop_properties::suites::chains::Chains;
use tokenhop_properties::suites::delegation::Delegation;
use tokenhop_properties::suites::local::Local;
use tokenhop_properties::suites::{self, SUITES, Suite};
use tokenhop_sim::Document;

/// The exit status of a search a budget stopped before every property was decided.
const UNDECIDED: u8 = 3;

/// What `tokenhop check` was asked.
#[derive(Debug)]
pub struct Request {
    /// List the suites instead of running one.
    pub list: bool,
    /// A script or topology to explore from.
    pub file: Option<std::path::PathBuf>,
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
    /// Write each counterexample and witness as a scenario file into this folder.
    pub write: Option<std::path::PathBuf>,
}

fn list_suites() -> String {
    SUITES
        .iter()
        .map(|s| format!("  {:<14} {}", s.name, s.description))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `tokenhop check --list`: each suite, what it checks, its depth and its usual duration.
fn list(json: bool) -> ExitCode {
    if json {
        let suites: Vec<_> = SUITES
            .iter()
            .map(|s| {
                json!({
                    "suite": s.name,
                    "description": s.description,
                    "depth": s.depth,
                    "usual_duration": s.duration,
                    "properties": (s.properties)().iter().map(|p| json!({
                        "id": p.id,
                        "statement": p.statement,
                        "expected": if s.expect_broken.contains(&p.id) { "broken" } else { "holds" },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&suites).unwrap_or_default()
        );
        return ExitCode::SUCCESS;
    }
    let mut out = String::new();
    for s in SUITES {
        let ids: Vec<String> = (s.properties)()
            .iter()
            .map(|p| {
                if s.expect_broken.contains(&p.id) {
                    format!("{} (broken)", p.id)
                } else {
                    p.id.to_owned()
                }
            })
            .collect();
        out.push_str(&format!(
            "{}\n  checks: {}\n  depth {}, usually {}\n  {}\n\n",
            s.name,
            ids.join(", "),
            s.depth,
            s.duration,
            s.description
        ));
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// What to explore: a built-in suite, or the model of one scenario file.
enum Target {
    Suite(&'static Suite),
    Topology(String, Box<Chains<Delegation>>),
    Script(String, Box<Local>),
}

impl Target {
    fn name(&self) -> &str {
        match self {
            Target::Suite(s) => s.name,
            Target::Topology(n, _) | Target::Script(n, _) => n,
        }
    }

    fn description(&self) -> String {
        match self {
            Target::Suite(s) => s.description.to_owned(),
            Target::Topology(..) => "every chain of calls, S4U2self and Bronze Bit tampering from each user's logon at each workstation and from each service acting as itself, over the topology's directory: INV-1, 2, 3, 4, 6, 8, 10 must hold".to_owned(),
            Target::Script(..) => "every sequence of token and thread calls by the script's first two threads, from its starting world: LOC-1..7 must hold".to_owned(),
        }
    }

    fn depth(&self) -> u32 {
        match self {
            Target::Suite(s) => s.depth,
            Target::Topology(..) => 5,
            Target::Script(..) => 4,
        }
    }

    fn properties(&self) -> Vec<suites::PropertyInfo> {
        match self {
            Target::Suite(s) => (s.properties)(),
            Target::Topology(..) => {
                suites::infos(&tokenhop_properties::suites::delegation::properties())
            }
            Target::Script(..) => suites::infos(&tokenhop_properties::suites::local::properties()),
        }
    }

    fn run(
        &self,
        options: &Options,
        progress: &suites::ProgressFn<'_>,
    ) -> Result<Report, suites::SuiteError> {
        match self {
            Target::Suite(s) => (s.run)(options, progress),
            Target::Topology(_, m) => Ok(tokenhop_check::explore(m.as_ref(), options, progress)),
            Target::Script(_, m) => Ok(tokenhop_check::explore(m.as_ref(), options, progress)),
        }
    }

    /// Whether a finding is what is expected: the suite's attack breaks its invariants,
    /// and nothing else may be broken; a file's invariants must all hold, except that a
    /// reachability claim the file does not exhibit is no failure.
    fn as_expected(&self, f: &Finding) -> bool {
        match self {
            Target::Suite(s) => suites::as_expected(s, f),
            Target::Topology(..) | Target::Script(..) => {
                f.verdict.decided() && (f.expectation == Expectation::Sometimes || f.holds())
            }
        }
    }
}

fn target(req: &Request) -> Result<Target, String> {
    match (&req.file, req.suite.as_deref()) {
        (Some(_), Some(_)) => Err("give either a file or `--suite NAME`, not both".to_owned()),
        (None, None) => Err(format!(
            "`tokenhop check` needs a script, a topology or `--suite NAME`; the suites:\n{}",
            list_suites()
        )),
        (None, Some(name)) => suites::suite(name)
            .map(Target::Suite)
            .ok_or_else(|| format!("`{name}` is not a suite; the suites:\n{}", list_suites())),
        (Some(path), None) => {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match tokenhop_sim::document::load(path) {
                Ok(Document::Topology(t)) => Delegation::from_topology(&t.dir, t.readings)
                    .map(|m| Target::Topology(name, Box::new(m)))
                    .map_err(|e| format!("{}: {e}", path.display())),
                Ok(Document::Script(s)) => {
                    let objects = s.world.object_ids().collect();
                    Ok(Target::Script(
                        name,
                        Box::new(Local::from_world(s.world.clone(), objects)),
                    ))
                }
                Ok(Document::Runtime(_)) => Err(format!(
                    "{}: `tokenhop check` explores scripts and topologies; runtimes are model-checked by the loom suite (properties/tests/loom_pool.rs)",
                    path.display()
                )),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

/// Runs the request.
pub fn check(req: &Request) -> ExitCode {
    if req.list {
        return list(req.json);
    }
    if let Some(dir) = &req.write
        && !dir.is_dir()
    {
        eprintln!(
            "error: --write: {} is not a folder; create it first",
            dir.display()
        );
        return ExitCode::from(2);
    }
    let target = match target(req) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let name = target.name().to_owned();
    let known = target.properties();
    for id in &req.invariants {
        if !known.iter().any(|k| k.id == id) {
            let ids: Vec<&str> = known.iter().map(|k| k.id).collect();
            eprintln!(
                "error: `{name}` checks no invariant `{id}`; it checks: {}",
                ids.join(", ")
            );
            return ExitCode::from(2);
        }
    }
    let defaults = Budget::default();
    let options = Options {
        budget: Budget {
            states: req.max_states.unwrap_or(defaults.states),
            depth: req.depth.unwrap_or(target.depth()),
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
    let report = match target.run(&options, &progress) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if show {
        eprint!("\r{:72}\r", "");
    }
    let ok = report.findings.iter().all(|f| target.as_expected(f));
    let undecided = report.findings.iter().any(|f| !f.verdict.decided());
    if let Some(dir) = &req.write {
        for f in &report.findings {
            let Some(scenario) = f.trace().and_then(|t| t.scenario.as_ref()) else {
                continue;
            };
            let file = format!("check-{}-{}", name, f.id.to_lowercase().replace('/', "-"));
            let text = scenario.replacen(
                &format!("name: \"{}\"", f.id),
                &format!("name: \"{file}\""),
                1,
            );
            let path = dir.join(format!("{file}.yaml"));
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: {}: cannot write: {e}", path.display());
                return ExitCode::from(2);
            }
            eprintln!("wrote {}", path.display());
        }
    }
    if req.json {
        let text = serde_json::to_string_pretty(&to_json(&target, &report)).unwrap_or_default();
        println!("{text}");
    } else {
        print!("{}", summary(&target, &report));
    }
    let unexpected = report
        .findings
        .iter()
        .any(|f| f.verdict.decided() && !target.as_expected(f));
    if unexpected {
        ExitCode::from(1)
    } else if undecided {
        ExitCode::from(UNDECIDED)
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn verdict(target: &Target, f: &Finding) -> String {
    let expected = target.as_expected(f);
    match &f.verdict {
        Verdict::Holds(Extent::Exhausted) if expected => "holds".to_owned(),
        Verdict::Holds(Extent::Bounded(d)) if expected => format!("holds within depth {d}"),
        Verdict::Holds(_) => "NOT BROKEN, though the attack predicts it".to_owned(),
        Verdict::Broken(_) if expected => "broken, as the attack predicts".to_owned(),
        Verdict::Broken(_) => "BROKEN".to_owned(),
        Verdict::Exhibited(_) => "exhibited".to_owned(),
        Verdict::NotExhibited(_) if expected => "not exhibited here".to_owned(),
        Verdict::NotExhibited(_) => "NOT EXHIBITED".to_owned(),
        Verdict::Undecided {
            limit,
            depth,
            bound,
        } => format!("UNDECIDED: {limit} at depth {depth} of {bound}"),
    }
}

/// The text summary.
fn summary(target: &Target, r: &Report) -> String {
    let mut out = format!(
        "{}: {}\n\n{} states, {} transitions, depth {}{} in {:.2} s ({:.0} states/s, {} threads, {:.0} bytes per stored state)\n",
        target.name(),
        target.description(),
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
            verdict(target, f),
            f.statement
        ));
        if let Some(t) = f.trace() {
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

fn to_json(target: &Target, r: &Report) -> serde_json::Value {
    json!({
        "suite": target.name(),
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
            "verdict": f.verdict.word(),
            "summary": verdict(target, f),
            "decided": f.verdict.decided(),
            "as_expected": f.verdict.decided() && target.as_expected(f),
            "undecided": match &f.verdict {
                Verdict::Undecided { limit, depth, bound } => json!({
                    "limit": limit.to_string(),
                    "depth": depth,
                    "bound": bound,
                }),
                _ => serde_json::Value::Null,
            },
            "trace": f.trace().map(|t| json!({
                "initial": t.initial,
                "steps": t.steps.iter().map(|s| json!({ "action": s.action, "state": s.state })).collect::<Vec<_>>(),
                "reason": t.reason,
            })),
        })).collect::<Vec<_>>(),
    })
}
