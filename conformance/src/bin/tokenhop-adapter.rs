//! `tokenhop-adapter`: runs v1 scripts on this Windows machine (or under Wine), each step as
//! one Win32 call, and writes one trace per script for `tokenhop conform` to compare with
//! the model.
//!
//! ```text
//! tokenhop-adapter SCRIPT|DIR... [--out DIR]
//! ```
//!
//! Without `--out` a single script's trace goes to standard output. `--idle` is the mode a
//! script's CreateProcess steps start the adapter in: it does nothing until ended. Scripts found in a
//! directory are run only if they are portable (one process, running as `current`, with
//! Windows' own handle limit); the others are listed with the reason. When several scripts run, each runs in a process of
//! its own (the adapter starts itself for each), so that what one leaves behind (RPC
//! endpoints that cannot be released, a listening server, COM's initialization) cannot
//! change another's answers. Exit status: 0 when
//! every script ran (steps may be skipped, with their reasons), 2 when a script could not
//! be read or the adapter could not start.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(windows)]
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == tokenhop_conformance::adapter::IDLE_ARGUMENT)
    {
        tokenhop_conformance::adapter::idle();
        return ExitCode::SUCCESS;
    }
    let mut inputs = Vec::new();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--out" {
            match args.next() {
                Some(dir) => out = Some(PathBuf::from(dir)),
                None => return usage("--out needs a directory"),
            }
        } else if arg == "--help" || arg == "-h" {
            return usage("");
        } else {
            inputs.push(PathBuf::from(arg));
        }
    }
    if inputs.is_empty() {
        return usage("name at least one script or directory of scripts");
    }
    let scripts = match scripts(&inputs) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tokenhop-adapter: {e}");
            return ExitCode::from(2);
        }
    };
    if out.is_none() && scripts.len() > 1 {
        return usage("several scripts need --out DIR");
    }
    let mut failed = false;
    for (script, from_dir) in &scripts {
        if *from_dir {
            match tokenhop_sim::scenario::load(script) {
                Ok(scenario) => {
                    if let Err(tokenhop_conformance::host::Skip(why)) =
                        tokenhop_conformance::host::portable(&scenario)
                    {
                        eprintln!("{}: not portable: {why}", script.display());
                        continue;
                    }
                }
                Err(e) => {
                    eprintln!("tokenhop-adapter: {e}");
                    failed = true;
                    continue;
                }
            }
        }
        let ran = match (scripts.len() > 1, out.as_deref()) {
            (true, Some(dir)) => run_apart(script, dir),
            (_, dir) => run_one(script, dir),
        };
        if let Err(e) = ran {
            eprintln!("tokenhop-adapter: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("tokenhop-adapter: {problem}");
    }
    eprintln!("usage: tokenhop-adapter SCRIPT|DIR... [--out DIR]");
    ExitCode::from(2)
}

/// The scripts named, and whether each was found in a directory.
fn scripts(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, String> {
    let mut found = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input)
                .map_err(|e| format!("{}: cannot list the directory: {e}", input.display()))?;
            let mut here: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                })
                .collect();
            here.sort();
            found.extend(here.into_iter().map(|p| (p, true)));
        } else {
            found.push((input.clone(), false));
        }
    }
    Ok(found)
}

/// Runs one script in a new process of this program.
fn run_apart(script: &Path, out: &Path) -> Result<(), String> {
    let me = std::env::current_exe()
        .map_err(|e| format!("cannot find this program to start it again: {e}"))?;
    let status = std::process::Command::new(me)
        .arg(script)
        .arg("--out")
        .arg(out)
        .status()
        .map_err(|e| format!("{}: cannot start the adapter for it: {e}", script.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: the adapter's run of it ended with {status}",
            script.display()
        ))
    }
}

#[cfg(windows)]
fn run_one(script: &Path, out: Option<&Path>) -> Result<(), String> {
    let scenario = tokenhop_sim::scenario::load(script).map_err(|e| e.to_string())?;
    let trace = tokenhop_conformance::adapter::run(&scenario)
        .map_err(|e| format!("{}: {e}", script.display()))?;
    let text = serde_json::to_string_pretty(&trace).map_err(|e| e.to_string())?;
    match out {
        None => println!("{text}"),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create the directory: {e}", dir.display()))?;
            let stem = script.file_stem().unwrap_or_default().to_string_lossy();
            let path = dir.join(format!("{stem}.json"));
            std::fs::write(&path, text + "\n")
                .map_err(|e| format!("{}: cannot write the trace: {e}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(not(windows))]
fn run_one(script: &Path, _out: Option<&Path>) -> Result<(), String> {
    Err(format!(
        "{}: the adapter runs scripts on Windows (or under Wine); build it with conformance/windows/build",
        script.display()
    ))
}
