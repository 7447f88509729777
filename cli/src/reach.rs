//! `tokenhop reach SOURCE... --owned NAME...`: what an attacker owning these principals
//! becomes in a topology or a BloodHound collection, printed in words, as JSON or as DOT,
//! with `--chains FILE` written as a topology whose chains replay every path and with
//! `--opengraph FILE` as a BloodHound OpenGraph payload; `--to NAME`, who reaches a target
//! once owned. Exit 0
//! when the search explored every state within its bounds, 3 when a bound stopped it (the
//! answer is then some of what is reachable, not all), 2 for bad input (an unreadable
//! source, an unknown or ambiguous name, a chains file that exists or cannot be written).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ArgGroup;

use tokenhop_model::net::reach::Limits;
use tokenhop_sim::reach::{self, SourceKind};

use crate::commands::{print, print_json};
use crate::import::ImportSettings;

/// `tokenhop reach`'s arguments.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("question").required(true).args(["owned", "to"])))]
#[command(group(ArgGroup::new("format").args(["json", "dot"])))]
pub struct Args {
    /// A topology file, or a BloodHound collection (SharpHound's or bloodhound.py's: a zip,
    /// a folder, or its JSON files).
    #[arg(required = true, value_name = "SOURCE")]
    sources: Vec<PathBuf>,
    /// The principals the attacker owns (their keys; for a computer, SYSTEM on it too):
    /// `USER@DOMAIN`, a computer's DNS name (`WS01.CORP.EXAMPLE`),
    /// `samaccountname@domain` (`WS01$@corp.example`), or a bare name naming one account;
    /// case-insensitive.
    #[arg(long, value_name = "NAME", num_args = 1..)]
    owned: Vec<String>,
    /// Instead, who reaches this target once owned (a machine by its name, a service by
    /// its name or SPN, or a resource), as whom and how: every principal whose ownership
    /// could lead there is owned in turn, one of each class of the rest standing for it.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["owned", "chains", "opengraph", "dot"])]
    to: Option<String>,
    /// Also write what was found to FILE (not overwritten if it exists) as a BloodHound
    /// OpenGraph payload: one edge per step of every path, with its level, credentials and
    /// rules, beside the collector's nodes.
    #[arg(long, value_name = "FILE")]
    opengraph: Option<PathBuf>,
    /// Print the answer as one JSON object.
    #[arg(long)]
    json: bool,
    /// Print the answer as a Graphviz DOT graph.
    #[arg(long)]
    dot: bool,
    /// Also write a topology to FILE (not overwritten if it exists): the directory as read,
    /// with one chain per finding, for `tokenhop run` and `tokenhop explain`.
    #[arg(long, value_name = "FILE")]
    chains: Option<PathBuf>,
    /// Stop after keeping this many chain states (the answer then says it is incomplete,
    /// and the exit status is 3).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_states, value_parser = states)]
    max_states: usize,
    /// The most RBCD entries one path writes.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_rbcd_writes)]
    rbcd_writes: usize,
    #[command(flatten)]
    settings: ImportSettings,
}

/// Runs `tokenhop reach`.
pub fn reach(args: &Args) -> ExitCode {
    let settings = match args.settings.settings() {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let source = match reach::source::load(&args.sources, &settings) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    if source.kind == SourceKind::Topology && args.settings.given() {
        return fail(&format!(
            "{}: --kdc, --unpatched, --machine-account-quota and --credential-guard say what a collection does not show; a topology states it in its own fields",
            source.label
        ));
    }
    if let Some(report) = &source.report {
        eprint!("{report}");
    }
    let limits = Limits {
        max_states: args.max_states,
        max_rbcd_writes: args.rbcd_writes,
    };
    if let Some(name) = &args.to {
        return reach_to(source, name, limits, args.json);
    }
    let reached = match reach::ask(source, &args.owned, limits) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(path) = &args.chains
        && let Err(e) = write_new("--chains", path, &reach::chains::topology(&reached))
    {
        return fail(&e);
    }
    if let Some(path) = &args.opengraph {
        let written = reach::opengraph::document(&reached.dir, &reached.readings, &reached.answer)
            .map_err(|e| format!("--opengraph: {e}"))
            .and_then(|doc| {
                serde_json::to_string_pretty(&doc).map_err(|e| format!("--opengraph: {e}"))
            })
            .and_then(|text| write_new("--opengraph", path, &text));
        if let Err(e) = written {
            return fail(&e);
        }
    }
    if args.json {
        if let Err(code) = print_json(&reach::json::answer(&reached)) {
            return code;
        }
    } else if args.dot {
        print(&reach::dot::dot(&reached));
    } else {
        print(&reach::text::render(&reached));
    }
    finished(reached.complete(), args.json || args.dot, || {
        reach::text::bounds(&reached)
    })
}

/// `--to NAME`: who reaches the target.
fn reach_to(source: reach::Source, name: &str, limits: Limits, json: bool) -> ExitCode {
    let asked = match reach::to::ask(source, name, limits) {
        Ok(a) => a,
        Err(e) => return fail(&e.to_string()),
    };
    if json {
        if let Err(code) = print_json(&reach::to::to_json(&asked)) {
            return code;
        }
    } else {
        print(&reach::to::render(&asked));
    }
    finished(asked.complete(), json, || {
        "a query stopped at its state bound (--max-states)\n".to_owned()
    })
}

/// Exit 0 when the search finished within its bounds, else 3, saying so on stderr where
/// the output is for a program.
fn finished(complete: bool, machine_output: bool, bounds: impl Fn() -> String) -> ExitCode {
    if complete {
        return ExitCode::SUCCESS;
    }
    if machine_output {
        eprint!("incomplete: {}", bounds());
    }
    ExitCode::from(3)
}

/// `--max-states`: a number of chain states, from 1.
fn states(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("the search keeps at least 1 chain state".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Writes `text` to `path` (given as `option`), which must not exist yet.
fn write_new(option: &str, path: &Path, text: &str) -> Result<(), String> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                format!(
                    "{option} {}: the file exists, and is not overwritten: name a new file",
                    path.display()
                )
            } else {
                format!("{option} {}: cannot create the file: {e}", path.display())
            }
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{option} {}: cannot write the file: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
