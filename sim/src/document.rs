//! Reading any scenario file: its `kind` decides whether it is a script, a topology or a
//! runtime.

use std::path::Path;

use crate::error::LoadError;
use crate::node::NodeKind;
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
    load_str(&crate::error::read_source(path)?, path)
}

/// Reads and validates a scenario given as text; `path` names it in errors.
pub fn load_str(source: &str, path: &Path) -> Result<Document, LoadError> {
    let root = crate::error::parse_source(source, path)?;
    let kind = match &root.kind {
        NodeKind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("kind"))
            .and_then(|(_, v)| v.as_str()),
        _ => None,
    };
    if kind == Some("runtime") {
        crate::error::located(path, crate::runtime::load::build(&root, path))
            .map(|r| Document::Runtime(Box::new(r)))
    } else if kind == Some("topology") {
        crate::error::located(path, crate::topology::load::build(&root, path))
            .map(|t| Document::Topology(Box::new(t)))
    } else {
        crate::scenario::load_str(source, path).map(|s| Document::Script(Box::new(s)))
    }
}
