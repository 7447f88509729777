//! # tokenhop
//!
//! The command line: `tokenhop run FILE [--json]` prints a scenario's trace (exit 1 when
//! an `expect` is not met), `tokenhop explain FILE` narrates it rule by rule with the
//! documents behind each rule, and `tokenhop rules [PREFIX] [--json]` lists the rule
//! registry, `tokenhop check --suite NAME` explores a built-in suite exhaustively, and
//! `tokenhop conform` compares the model with traces recorded on Windows or under Wine, and
//! `tokenhop import sharphound` turns a BloodHound collection into a topology, and
//! `tokenhop reach SOURCE --owned NAME` says what an attacker owning those principals
//! reaches in a topology or a collection.
//! Bad input is reported with its file, line, column and field, and exits 2.
//!
//! The binary is glue: scenarios are read and run by `tokenhop-sim`, the suites and their
//! invariants are `tokenhop-properties`', and the semantics are `tokenhop-model`'s.

mod check;
mod commands;
mod conform;
mod coverage;
mod import;
mod reach;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    commands::execute(cli)
}
