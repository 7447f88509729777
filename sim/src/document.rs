//! Reading any scenario file: its `kind` decides whether it is a script, a topology or a
//! runtime.

use std::path::Path;

use crate::error::LoadError;
use crate::node::{self, NodeKind, Span};
use crate::runtime::Runtime;
use crate::scenario::Scenario;
use crate::topology::Topology;

/// A scenario of either kind.
#[derive(Clone, Debug)]
pub enum Document {
    /// A script (`kind: script`).
    Script(Box<Scenario>),
    /// A topology (`kind: topology`).
    Topology(Box<Topology>),
    /// A runtime (`kind: runtime`).
    Runtime(Box<Runtime>),
}

/// Reads and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Document, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    load_str(&source, path)
}

/// Reads and validates a scenario given as text; `path` names it in errors.
pub fn load_str(source: &str, path: &Path) -> Result<Document, LoadError> {
    let root = node::parse(source).map_err(|e| LoadError::Syntax {
        path: path.to_owned(),
        position: e.span.unwrap_or(Span { line: 1, column: 1 }),
        message: e.message,
    })?;
    let kind = match &root.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("kind"))
            .and_then(|(_, v)| v.as_str()),
        _ => None,
    };
    if kind == Some("runtime") {
        crate::runtime::load::build(&root, path)
            .map(|r| Document::Runtime(Box::new(r)))
            .map_err(|fault| LoadError::Invalid {
                path: path.to_owned(),
                fault,
            })
    } else if kind == Some("topology") {
        crate::topology::load::build(&root, path)
            .map(|t| Document::Topology(Box::new(t)))
            .map_err(|fault| LoadError::Invalid {
                path: path.to_owned(),
                fault,
            })
    } else {
        crate::scenario::load_str(source, path).map(|s| Document::Script(Box::new(s)))
    }
}
