//! Errors in scenario files: each names the file, line, column and field, says what is
//! wrong, and lists the allowed values when there is a short list.

use std::fmt;
use std::path::PathBuf;

use crate::node::Span;

/// A fault at one place in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Where.
    pub span: Span,
    /// The field, as a path (`steps[2].args.access[0]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// The allowed values, when there is a short list.
    pub allowed: Vec<String>,
}

impl Fault {
    /// A fault at `span` in `field`.
    pub fn new(span: Span, field: impl Into<String>, message: impl Into<String>) -> Self {
        Fault {
            span,
            field: field.into(),
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    /// Adds the allowed values.
    #[must_use]
    pub fn allowing<I, S>(mut self, allowed: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed = allowed.into_iter().map(Into::into).collect();
        self
    }
}

/// The most allowed values a message lists before it summarises.
const MAX_LISTED: usize = 24;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "`{}`: {}", self.field, self.message)?;
        }
        if !self.allowed.is_empty() {
            let shown: Vec<&str> = self
                .allowed
                .iter()
                .take(MAX_LISTED)
                .map(String::as_str)
                .collect();
            write!(f, "; expected one of: {}", shown.join(", "))?;
            if self.allowed.len() > MAX_LISTED {
                write!(f, ", ... ({} in all)", self.allowed.len())?;
            }
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read the file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid YAML or JSON.
    #[error("{path}:{position}: syntax error: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where, as `line:column` (or `1:1` when the parser does not say).
        position: Span,
        /// What the parser said.
        message: String,
    },
    /// The file is well-formed but not a valid scenario.
    #[error("{path}:{}: {fault}", fault.span)]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The fault.
        fault: Fault,
    },
}

impl LoadError {
    /// The fault, for an invalid scenario.
    #[must_use]
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            LoadError::Invalid { fault, .. } => Some(fault),
            _ => None,
        }
    }
}

/// The text of the file at `path`.
pub fn read_source(path: &std::path::Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })
}

/// `source` as a tree of located nodes; a syntax error names `path`.
pub fn parse_source(source: &str, path: &std::path::Path) -> Result<crate::node::Node, LoadError> {
    crate::node::parse(source).map_err(|e| LoadError::Syntax {
        path: path.to_owned(),
        position: e.span.unwrap_or(Span { line: 1, column: 1 }),
        message: e.message,
    })
}

/// What a builder made of `path`'s nodes, or its fault located in `path`.
pub fn located<T>(path: &std::path::Path, built: Result<T, Fault>) -> Result<T, LoadError> {
    built.map_err(|fault| LoadError::Invalid {
        path: path.to_owned(),
        fault,
    })
}
