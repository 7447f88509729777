//! The subcommands and their exit statuses: 0 success, 1 an expectation not met, 2 bad
//! input (an unreadable or invalid scenario, an unknown rule prefix).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::json;

use tokenhop_model::rules::readings::ambiguity;
use tokenhop_model::rules::{self, RuleId};
use tokenhop_sim::render;

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
    /// List the rule registry: ids, statements, status and citations.
    Rules {
        /// Only rules whose id starts with this prefix (`IMP`, `TOK-1`, ...).
        prefix: Option<String>,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs the command and returns the process's exit status.
pub fn execute(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run { file, json } => run(&file, json),
        Command::Explain { file, json } => explain(&file, json),
        Command::Rules { prefix, json } => list_rules(prefix.as_deref(), json),
    }
}

fn load(file: &std::path::Path) -> Result<tokenhop_sim::Scenario, ExitCode> {
    tokenhop_sim::load(file).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), ExitCode> {
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
        Ok(s) => s,
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
        Ok(s) => s,
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
                "call": s.call_text,
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
