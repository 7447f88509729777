//! What the command-line tests share: running the built `tokenhop` from the repository's
//! root, and its output as text.

#![allow(clippy::panic, reason = "a test reports failure by panicking")]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `tokenhop` with `args` from the repository's root.
pub fn tokenhop(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match Command::new(env!("CARGO_BIN_EXE_tokenhop"))
        .args(args)
        .current_dir(root)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("cannot run tokenhop: {e}"),
    }
}

/// What a run printed on stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a run printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
