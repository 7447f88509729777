//! Reading a trace file, with errors that say which file and where.

use std::path::{Path, PathBuf};

use tokenhop_sim::trace::{TRACE_VERSION, Trace};

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("{path}: cannot read the trace: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a trace (bad or truncated JSON, missing fields).
    #[error("{path}:{line}:{column}: not a trace: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The trace is of another format version.
    #[error(
        "{path}: trace format version {found} is not {TRACE_VERSION}, the version this tool reads"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
}

/// Reads the trace at `path`.
pub fn read_trace(path: &Path) -> Result<Trace, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_trace(&text, path)
}

/// Parses a trace given as text; `path` names it in errors.
pub fn parse_trace(text: &str, path: &Path) -> Result<Trace, ReadError> {
    let trace: Trace = serde_json::from_str(text).map_err(|e| ReadError::Malformed {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    })?;
    if trace.version != TRACE_VERSION {
        return Err(ReadError::Version {
            path: path.to_owned(),
            found: trace.version,
        });
    }
    Ok(trace)
}
