//! The subcommands and their exit statuses: 0 success, 1 an expectation not met, 2 bad
//! input (an unreadable or invalid scenario, an unknown rule prefix), 3 an answer a bound
//! left incomplete (`check`, `reach`).

use std::io::Write as _;
use std::num::{NonZeroU16, NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use tokenhop_model::rules::readings::ambiguity;
use tokenhop_model::rules::{self, RuleId};
use tokenhop_sim::{Document, render, runtime, topology};

/// Simulate and explain Windows impersonation: tokens, levels, threads and the rules
/// that govern them, each with the document that states it.
#[derive(Debug, Parser)]
#[command(name = "tokenhop", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a script on the model and print its trace; exit 1 if an `expect` is not met.
    Run {
        /// The script (YAML or JSON).
        file: PathBuf,
        /// Print the trace as JSON (the format the Windows adapter also writes).
        #[arg(long)]
        json: bool,
    },
    /// Narrate a script step by step: what was asked, what the model decided, under
    /// which rule, and which document says so.
    Explain {
        /// The script (YAML or JSON).
        file: PathBuf,
        /// Print the narration as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A topology's delegation graph (DOT or JSON), and with --from and --entry the
    /// services and resources a client reaches, and how.
    Graph {
        /// The topology (YAML or JSON).
        file: PathBuf,
        /// dot, json or text (text only answers a query); default dot, or text with a query.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
        /// The client account (`alice` or `alice@corp.example`).
        #[arg(long)]
        from: Option<String>,
        /// The service it enters at.
        #[arg(long)]
        entry: Option<String>,
    },
    /// Measure the delegation graph and its reachability query on generated domains, or
    /// (with --connections) the middle tier's connection pooling as clients grow.
    Bench {
        /// The largest domain, in accounts; the table also shows smaller ones.
        #[arg(long, default_value_t = 10_000, value_parser = generated_accounts)]
        accounts: usize,
        /// Queries per size (at least 1).
        #[arg(long, default_value = "200")]
        queries: NonZeroU32,
        /// Instead of measuring, write the generated domain of `--accounts` accounts to this
        /// file as a topology, for `tokenhop graph`.
        #[arg(long)]
        write: Option<PathBuf>,
        /// Instead, simulate a middle tier serving up to this many clients on a pool of
        /// worker threads, its database connections opened under each client's identity
        /// versus the service's (seed 001, MRT-3), and report connections and reuse.
        #[arg(long, value_name = "CLIENTS")]
        connections: Option<NonZeroU16>,
        /// With --connections: the worker threads of the pool (1 to 256).
        #[arg(long, default_value = "4", value_parser = pool_workers)]
        workers: NonZeroUsize,
        /// With --connections: requests each client makes.
        #[arg(long, default_value_t = 4)]
        requests: u16,
        /// Instead, generate BloodHound CE collections of these many objects (comma
        /// separated, e.g. 10000,100000,1000000), import each, and report the time, the
        /// throughput and the memory per object.
        #[arg(long, value_name = "OBJECTS", value_delimiter = ',', conflicts_with_all = ["write", "connections"])]
        collection: Vec<u32>,
    },
    /// Explore every state of a built-in suite, a script or a topology within budgets,
    /// check its invariants, and print each one's verdict or shortest counterexample.
    /// Exit 0 when every verdict is what the suite expects, 1 when one is not, 2 for bad
    /// input, 3 when a budget stopped the search before every invariant was decided
    /// (those are reported `undecided`, never `holds`).
    Check {
        /// List the built-in suites: what each checks and how long it usually takes.
        #[arg(long, conflicts_with_all = ["file", "suite"])]
        list: bool,
        /// A script or topology: explore every sequence of calls from its starting state.
        file: Option<PathBuf>,
        /// A built-in suite (`delegation`, `local`, `atk-1`, ...).
        #[arg(long)]
        suite: Option<String>,
        /// Check only this invariant (repeatable).
        #[arg(long = "invariant", value_name = "ID")]
        invariants: Vec<String>,
        /// The depth bound: transitions from an initial state.
        #[arg(long)]
        depth: Option<u32>,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Stop after storing this many distinct states.
        #[arg(long)]
        max_states: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        max_seconds: Option<u64>,
        /// Stop when the visited set would exceed this many MiB.
        #[arg(long)]
        max_memory: Option<u64>,
        /// Explore the whole bounded space even once every invariant is decided.
        #[arg(long)]
        exhaustive: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// Write each counterexample and witness as a scenario file (format v1) into this
        /// folder, for `tokenhop explain` or to keep as a fixture.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
    },
    /// Compare the model's trace of a script with one recorded on Windows or under Wine
    /// (by tokenhop-adapter), step by step; with --dir, every trace in a folder. Exit 1 if
    /// a difference is not explained by the known-differences file, or an entry of that
    /// file explains nothing.
    Conform {
        /// The script whose trace --observed is.
        script: Option<PathBuf>,
        /// The recorded trace of SCRIPT.
        #[arg(long, value_name = "TRACE")]
        observed: Option<PathBuf>,
        /// Instead, compare every trace (*.json) in this folder with its script (the script
        /// of the same file name, in the --scripts folders).
        #[arg(long, value_name = "DIR", conflicts_with_all = ["script", "observed"])]
        dir: Option<PathBuf>,
        /// Where the scripts of --dir are (repeatable; default fixtures/scripts and
        /// fixtures/conformance/scripts).
        #[arg(long = "scripts", value_name = "DIR")]
        scripts: Vec<PathBuf>,
        /// The known differences (default: known-differences.yaml beside the traces).
        #[arg(long, value_name = "FILE")]
        known: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// What an attacker owning some principals becomes in a topology or a BloodHound
    /// collection: every service and resource reached, as whom, at which level, and the
    /// credentials held, each with a path of chain steps that replays. Exit 0 when the
    /// search finished within its bounds, 3 when a bound stopped it, 2 for bad input.
    Reach(crate::reach::Args),
    /// Import a directory another tool collected, as a topology.
    Import {
        #[command(subcommand)]
        source: crate::import::Source,
    },
    /// List the rule registry: ids, statements, status and citations.
    Rules {
        /// Only rules whose id starts with this prefix (`IMP`, `TOK-1`, ...).
        prefix: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// Instead, report for each rule which fixtures, properties and suites exercise
        /// it; exit 1 if a rule is exercised by no fixture.
        #[arg(long)]
        coverage: bool,
        /// With --coverage: the fixtures folder (scripts/, topologies/, runtimes/).
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
        /// With --coverage: how deep each suite is explored for the rules it applies.
        #[arg(long, value_name = "N", default_value_t = 3)]
        suite_depth: u32,
    },
}

/// How `tokenhop graph` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    Dot,
    Json,
    Text,
}

/// Runs the command and returns the process's exit status.
pub fn execute(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run { file, json } => run(&file, json),
        Command::Explain { file, json } => explain(&file, json),
        Command::Rules {
            prefix,
            json,
            coverage,
            fixtures,
            suite_depth,
        } => {
            if coverage {
                crate::coverage::coverage(fixtures.as_deref(), suite_depth, json)
            } else {
                list_rules(prefix.as_deref(), json)
            }
        }
        Command::Check {
            list,
            file,
            suite,
            invariants,
            depth,
            threads,
            max_states,
            max_seconds,
            max_memory,
            exhaustive,
            json,
            write,
        } => crate::check::check(&crate::check::Request {
            list,
            file,
            suite,
            invariants,
            depth,
            threads,
            max_states,
            max_seconds,
            max_memory_mib: max_memory,
            exhaustive,
            json,
            write,
        }),
        Command::Conform {
            script,
            observed,
            dir,
            scripts,
            known,
            json,
        } => crate::conform::conform(&crate::conform::Request {
            script,
            observed,
            dir,
            scripts,
            known,
            json,
        }),
        Command::Import { source } => crate::import::import(&source),
        Command::Reach(args) => crate::reach::reach(&args),
        Command::Graph {
            file,
            format,
            from,
            entry,
        } => graph(&file, format, from.as_deref(), entry.as_deref()),
        Command::Bench {
            accounts,
            queries,
            write,
            connections,
            workers,
            requests,
            collection,
        } => match (write, connections) {
            _ if !collection.is_empty() => collection_bench(&collection),
            (Some(path), _) => write_generated(accounts, &path),
            (None, Some(clients)) => connections_bench(clients, requests, workers),
            (None, None) => bench(accounts, queries),
        },
    }
}

fn graph(
    file: &std::path::Path,
    format: Option<GraphFormat>,
    from: Option<&str>,
    entry: Option<&str>,
) -> ExitCode {
    let topology = match load(file) {
        Ok(Document::Topology(t)) => t,
        Ok(Document::Script(_) | Document::Runtime(_)) => {
            eprintln!(
                "error: {}: `tokenhop graph` reads a topology (`kind: topology`), and this is not one",
                file.display()
            );
            return ExitCode::from(2);
        }
        Err(code) => return code,
    };
    let g = match topology::graph::build(&topology) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let reach = match (from, entry) {
        (Some(f), Some(e)) => match topology::graph::query(&topology, &g, f, e) {
            Ok(r) => Some(r),
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::from(2);
            }
        },
        (None, None) => None,
        _ => {
            eprintln!("error: {}", topology::graph::QueryError::Incomplete);
            return ExitCode::from(2);
        }
    };
    let format = format.unwrap_or(if reach.is_some() {
        GraphFormat::Text
    } else {
        GraphFormat::Dot
    });
    match (format, &reach) {
        (GraphFormat::Dot, r) => print(&topology::graph::dot(&topology, &g, r.as_ref())),
        (GraphFormat::Json, r) => {
            if let Err(code) = print_json(&topology::graph::to_json(&topology, &g, r.as_ref())) {
                return code;
            }
        }
        (GraphFormat::Text, Some(r)) => print(&topology::graph::reach_text(&topology.dir, r)),
        (GraphFormat::Text, None) => {
            eprintln!(
                "error: --format text answers a query: give --from ACCOUNT and --entry SERVICE"
            );
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

fn write_generated(accounts: usize, path: &std::path::Path) -> ExitCode {
    let dir = match tokenhop_model::net::generate::domain(accounts, tokenhop_sim::bench::SEED) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: --accounts: {e}");
            return ExitCode::from(2);
        }
    };
    let text = topology::write::topology(&dir, &format!("generated-{accounts}"));
    match std::fs::write(path, text) {
        Ok(()) => {
            eprintln!(
                "wrote {}: {} accounts, {} machines, {} services",
                path.display(),
                dir.accounts.len(),
                dir.machines.len(),
                dir.services.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: cannot write the file: {e}", path.display());
            ExitCode::from(2)
        }
    }
}

/// `--accounts`: a number of accounts a generated domain can hold.
fn generated_accounts(text: &str) -> Result<usize, String> {
    let accounts: usize = text.parse().map_err(|e| format!("{e}"))?;
    if accounts > tokenhop_model::net::generate::MAX_ACCOUNTS {
        return Err(tokenhop_model::net::generate::TooLarge::Accounts(accounts).to_string());
    }
    Ok(accounts)
}

/// `--workers`: a number of worker threads from 1 to [`tokenhop_sim::pool::MAX_WORKERS`].
fn pool_workers(text: &str) -> Result<NonZeroUsize, String> {
    let most = tokenhop_sim::pool::MAX_WORKERS;
    text.parse::<NonZeroU16>()
        .ok()
        .filter(|n| n.get() <= most)
        .map(NonZeroUsize::from)
        .ok_or_else(|| format!("a pool runs 1 to {most} worker threads"))
}

fn connections_bench(clients: NonZeroU16, requests: u16, workers: NonZeroUsize) -> ExitCode {
    let rows = tokenhop_sim::pool::sweep(clients, requests, workers);
    print(&format!(
        "A middle tier serving {requests} requests per client on {workers} worker threads: database connections opened under the service's identity, then under each client's (seed 001, Performance Implications; MRT-3).\n\n{}",
        tokenhop_sim::pool::table(&rows)
    ));
    let broken: Vec<&String> = rows.iter().filter_map(|r| r.violation.as_ref()).collect();
    if broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        for v in broken {
            eprintln!("error: the simulated server broke a pool property:\n{v}");
        }
        ExitCode::from(1)
    }
}

fn collection_bench(sizes: &[u32]) -> ExitCode {
    let mut rows = Vec::new();
    for objects in sizes {
        eprintln!("generating and importing a collection of {objects} objects");
        match tokenhop_sim::bench_import::measure(*objects) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("error: --collection {objects}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    print(&format!(
        "Importing generated BloodHound CE collections (data format 6; about 75% users, 20% computers, 5% groups, with SPNs, delegation settings and a directory's default ACEs), read from disk:\n\n{}",
        tokenhop_sim::bench_import::table(&rows)
    ));
    for row in &rows {
        print(&tokenhop_sim::bench_reach::table(
            row.proportions.total(),
            &row.reach,
        ));
    }
    ExitCode::SUCCESS
}

fn bench(accounts: usize, queries: NonZeroU32) -> ExitCode {
    let mut sizes: Vec<usize> = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]
        .into_iter()
        .filter(|n| *n < accounts)
        .collect();
    sizes.push(accounts);
    let mut rows = Vec::new();
    let mut files = Vec::new();
    for n in sizes {
        let measured = tokenhop_sim::bench::measure(n, queries)
            .and_then(|row| Ok((row, tokenhop_sim::bench::from_file(n)?)));
        match measured {
            Ok((row, file)) => {
                rows.push(row);
                files.push(file);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        eprint!(".");
    }
    eprintln!();
    print(&format!(
        "The delegation graph of generated domains, {queries} reachability queries per size:\n{}\nOne query from a topology file (what `tokenhop graph FILE --from --entry` does):\n{}",
        tokenhop_sim::bench::table(&rows),
        tokenhop_sim::bench::file_table(&files)
    ));
    ExitCode::SUCCESS
}

fn load(file: &std::path::Path) -> Result<Document, ExitCode> {
    tokenhop_sim::document::load(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn status(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs a runtime scenario on the model, or says which step the model refused.
fn play_runtime(rt: &tokenhop_sim::runtime::Runtime) -> Result<runtime::run::RuntimeRun, ExitCode> {
    runtime::run::run(rt).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn run_runtime(rt: &tokenhop_sim::runtime::Runtime, json: bool) -> ExitCode {
    let run = match play_runtime(rt) {
        Ok(run) => run,
        Err(code) => return code,
    };
    if json {
        if let Err(code) = print_json(&run.trace) {
            return code;
        }
        if run.unmet() {
            eprint!("{}", runtime::render::expectation_summary(&run));
        }
    } else {
        print(&runtime::render::table(&run));
    }
    status(run.unmet())
}

fn explain_runtime(rt: &tokenhop_sim::runtime::Runtime, json: bool) -> ExitCode {
    let run = match play_runtime(rt) {
        Ok(run) => run,
        Err(code) => return code,
    };
    if json {
        let value = json!({
            "scenario": run.runtime.name,
            "description": run.runtime.description,
            "flow_mode": run.trace.flow_mode,
            "setup": run.setup.iter().map(|d| json!({ "rule": d.rule.code(), "detail": d.detail })).collect::<Vec<_>>(),
            "steps": run.steps.iter().zip(&run.trace.steps).map(|(s, t)| json!({
                "index": t.index,
                "thread": t.thread,
                "call": s.text,
                "ok": t.ok,
                "error": t.error,
                "identity": t.identity,
                "decisions": s.decisions.iter().map(|d| json!({ "rule": d.rule.code(), "detail": d.detail })).collect::<Vec<_>>(),
                "expectation_failures": s.failures,
            })).collect::<Vec<_>>(),
            "rules": run.rules_applied().into_iter().map(rule_json).collect::<Vec<_>>(),
        });
        if let Err(code) = print_json(&value) {
            return code;
        }
    } else {
        print(&runtime::render::explain(&run));
    }
    status(run.unmet())
}

fn run_topology(topology: &tokenhop_sim::topology::Topology, json: bool) -> ExitCode {
    let run = topology::run::run(topology);
    if json {
        if let Err(code) = print_json(&run.trace) {
            return code;
        }
        if run.failed().next().is_some() {
            eprint!("{}", topology::render::expectation_summary(&run));
        }
    } else {
        print(&topology::render::table(&run));
    }
    status(run.failed().next().is_some())
}

fn explain_topology(topology: &tokenhop_sim::topology::Topology, json: bool) -> ExitCode {
    let run = topology::run::run(topology);
    if json {
        let value = json!({
            "scenario": run.topology.name,
            "description": run.topology.description,
            "chains": run.chains.iter().map(|c| json!({
                "name": c.name,
                "description": c.description,
                "steps": c.steps.iter().map(|s| json!({
                    "index": s.step.index,
                    "step": s.text,
                    "ok": s.outcome.result.is_ok(),
                    "error": s.outcome.result.err().map(|e| e.symbol()),
                    "decisions": s.outcome.decisions.iter().map(|d| json!({ "rule": d.rule.code(), "detail": d.detail })).collect::<Vec<_>>(),
                    "expectation_failures": s.failures,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rules": run.rules_applied().into_iter().map(rule_json).collect::<Vec<_>>(),
        });
        if let Err(code) = print_json(&value) {
            return code;
        }
    } else {
        print(&topology::render::explain(&run));
    }
    status(run.failed().next().is_some())
}

pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), ExitCode> {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            print(&format!("{text}\n"));
            Ok(())
        }
        Err(e) => {
            eprintln!("error: cannot write JSON: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn run(file: &std::path::Path, json: bool) -> ExitCode {
    let scenario = match load(file) {
        Ok(Document::Script(s)) => s,
        Ok(Document::Topology(t)) => return run_topology(&t, json),
        Ok(Document::Runtime(r)) => return run_runtime(&r, json),
        Err(code) => return code,
    };
    let run = tokenhop_sim::run(&scenario);
    if json {
        if let Err(code) = print_json(&run.trace) {
            return code;
        }
        if run.failed().next().is_some() {
            eprint!("{}", render::expectation_summary(&run));
        }
    } else {
        print(&render::table(&run));
    }
    if run.failed().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn explain(file: &std::path::Path, json: bool) -> ExitCode {
    let scenario = match load(file) {
        Ok(Document::Script(s)) => s,
        Ok(Document::Topology(t)) => return explain_topology(&t, json),
        Ok(Document::Runtime(r)) => return explain_runtime(&r, json),
        Err(code) => return code,
    };
    let run = tokenhop_sim::run(&scenario);
    if json {
        let decisions = |ds: &[tokenhop_model::Decision]| {
            ds.iter()
                .map(|d| json!({ "rule": d.rule.code(), "detail": d.detail }))
                .collect::<Vec<_>>()
        };
        let value = json!({
            "scenario": run.scenario.name,
            "description": run.scenario.description,
            "setup": decisions(&run.scenario.setup),
            "steps": run.steps.iter().zip(&run.trace.steps).map(|(s, t)| json!({
                "index": t.index,
                "thread": t.thread,
                "call": s.step.text,
                "ok": t.ok,
                "error": t.error,
                "value": t.value,
                "skipped": t.skipped,
                "decisions": s.outcome.as_ref().map(|o| decisions(&o.decisions)).unwrap_or_default(),
                "expectation_failures": s.failures,
            })).collect::<Vec<_>>(),
            "rules": run.rules_applied().into_iter().map(rule_json).collect::<Vec<_>>(),
        });
        if let Err(code) = print_json(&value) {
            return code;
        }
    } else {
        print(&render::explain(&run));
    }
    if run.failed().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn rule_json(rule: RuleId) -> serde_json::Value {
    let info = rule.info();
    json!({
        "id": info.code,
        "statement": info.statement,
        "status": info.status.word(),
        "citations": info.citations.iter().map(|c| json!({
            "source": c.source.key,
            "title": c.source.title,
            "url": c.source.url,
            "locator": c.locator,
        })).collect::<Vec<_>>(),
        "readings": ambiguity(rule).map(|a| a.readings.iter().map(|r| json!({
            "name": r.name,
            "description": r.description,
        })).collect::<Vec<_>>()),
    })
}

fn list_rules(prefix: Option<&str>, json: bool) -> ExitCode {
    let selected: Vec<RuleId> = rules::all()
        .filter(|r| prefix.is_none_or(|p| r.code.starts_with(p)))
        .map(|r| r.id)
        .collect();
    if selected.is_empty() {
        let mut prefixes: Vec<&str> = rules::all().map(|r| r.id.prefix()).collect();
        prefixes.dedup();
        eprintln!(
            "error: no rule id starts with `{}`; prefixes: {}",
            prefix.unwrap_or(""),
            prefixes.join(", ")
        );
        return ExitCode::from(2);
    }
    if json {
        let value = serde_json::Value::Array(selected.into_iter().map(rule_json).collect());
        if let Err(code) = print_json(&value) {
            return code;
        }
    } else {
        let mut text = String::new();
        for rule in selected {
            text.push_str(&render::describe_rule(rule, None));
        }
        print(&text);
    }
    ExitCode::SUCCESS
}
