//! Known differences: where an engine other than Windows (Wine) departs from documented
//! Windows behaviour, each recorded with the rule the model follows and the document that
//! shows Windows behaves as the model says. A difference that no entry explains is a
//! finding (a model bug, or a divergence not yet recorded); an entry that explains no
//! difference is stale. Both fail a conformance run.
//!
//! ```yaml
//! version: 1
//! engine: wine
//! differences:
//!   - script: duplicate-cannot-raise-impersonation-level
//!     step: 10                   # or a list: [10, 11]
//!     field: ok                  # optional: a field or a prefix (`value.TokenGroups`)
//!     rule: TOK-5
//!     observed: Wine makes a primary token from an Identification-level token.
//!     windows: DuplicateTokenEx fails with ERROR_BAD_IMPERSONATION_LEVEL.
//!     source: "DuplicateTokenEx, Remarks: https://learn.microsoft.com/..."
//! ```

use std::path::{Path, PathBuf};

use tokenhop_model::rules::RuleId;
use tokenhop_sim::LoadError;
use tokenhop_sim::error::{self, Fault};
use tokenhop_sim::node::{Node, NodeKind, Span};
use tokenhop_sim::reader::{Fields, Read, index, integer, list, string};

/// One recorded difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDifference {
    /// Where it was written.
    pub span: Span,
    /// The script's name.
    pub script: String,
    /// The steps' indices (`step: 3` or `step: [3, 5]`).
    pub steps: Vec<usize>,
    /// The field, or a prefix of it; `None` covers every field of the step.
    pub field: Option<String>,
    /// The rule the model follows there.
    pub rule: RuleId,
    /// What the engine does.
    pub observed: String,
    /// What Windows does, as documented.
    pub windows: String,
    /// The document that says so.
    pub source: String,
}

impl KnownDifference {
    /// Whether this entry explains a difference on `field` of step `step` of `script`.
    #[must_use]
    pub fn explains(&self, script: &str, step: usize, field: &str) -> bool {
        self.script == script
            && self.steps.contains(&step)
            && self.field.as_deref().is_none_or(|f| {
                field == f
                    || field
                        .strip_prefix(f)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }
}

/// A known-differences file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDifferences {
    /// The file.
    pub path: PathBuf,
    /// The engine the entries are about.
    pub engine: String,
    /// The entries.
    pub differences: Vec<KnownDifference>,
}

impl KnownDifferences {
    /// The entry explaining a difference, if one does.
    #[must_use]
    pub fn explaining(&self, script: &str, step: usize, field: &str) -> Option<&KnownDifference> {
        self.differences
            .iter()
            .find(|d| d.explains(script, step, field))
    }
}

/// Reads a known-differences file.
pub fn load(path: &Path) -> Result<KnownDifferences, LoadError> {
    parse(&error::read_source(path)?, path)
}

/// Parses a known-differences file given as text; `path` names it in errors.
pub fn parse(source: &str, path: &Path) -> Result<KnownDifferences, LoadError> {
    let root = error::parse_source(source, path)?;
    error::located(path, build(&root, path))
}

fn build(root: &Node, path: &Path) -> Read<KnownDifferences> {
    let top = Fields::new(
        root,
        "",
        "a known-differences file",
        &["version", "engine", "differences"],
    )?;
    let version_node = top.require("version", "a known-differences file")?;
    let version = integer(version_node, "version")?;
    if version != 1 {
        return Err(Fault::new(
            version_node.span,
            "version",
            format!("version {version} is not 1, the version this tool reads"),
        ));
    }
    let engine = string(top.require("engine", "a known-differences file")?, "engine")?;
    let mut differences = Vec::new();
    if let Some(n) = top.get("differences") {
        for (i, d) in list(n, "differences")?.iter().enumerate() {
            differences.push(entry(d, &index("differences", i))?);
        }
    }
    Ok(KnownDifferences {
        path: path.to_owned(),
        engine,
        differences,
    })
}

fn entry(n: &Node, p: &str) -> Read<KnownDifference> {
    const WHAT: &str = "a known difference";
    let f = Fields::new(
        n,
        p,
        WHAT,
        &[
            "script", "step", "field", "rule", "observed", "windows", "source",
        ],
    )?;
    let text = |key: &str| string(f.require(key, WHAT)?, &f.path(key));
    let step_node = f.require("step", WHAT)?;
    let step_path = f.path("step");
    let step_nodes = match &step_node.kind {
        NodeKind::Seq(items) => items.iter().collect::<Vec<_>>(),
        _ => vec![step_node],
    };
    let steps = step_nodes
        .into_iter()
        .map(|n| {
            usize::try_from(integer(n, &step_path)?)
                .map_err(|_| Fault::new(n.span, step_path.clone(), "a step index is 0 or more"))
        })
        .collect::<Read<Vec<usize>>>()?;
    let rule_node = f.require("rule", WHAT)?;
    let code = string(rule_node, &f.path("rule"))?;
    let rule = RuleId::from_code(&code).ok_or_else(|| {
        Fault::new(
            rule_node.span,
            f.path("rule"),
            format!("`{code}` is not a rule of the registry"),
        )
    })?;
    let field = f
        .get("field")
        .map(|n| string(n, &f.path("field")))
        .transpose()?;
    Ok(KnownDifference {
        span: n.span,
        script: text("script")?,
        steps,
        field,
        rule,
        observed: text("observed")?,
        windows: text("windows")?,
        source: text("source")?,
    })
}
