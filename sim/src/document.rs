//! Reading any scenario file: its `kind` decides whether it is a script or a topology.

use std::path::Path;

use crate::error::LoadError;
use crate::node::{self, NodeKind, Span};
use crate::scenario::Scenario;
use crate::topology::Topology;

/// A scenario of either kind.
#[derive(Clone, Debug)]
pub enum Document {
    /// A script (`kind: script`).
    Script(Box<Scenario>),
    /// A topology (`kind: topology`).
    Topology(Box<Topology>),
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
    let topology = match &root.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .any(|(k, v)| k.as_str() == Some("kind") && v.as_str() == Some("topology")),
        _ => false,
    };
    if topology {
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
