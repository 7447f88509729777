//! Reading typed values out of nodes: mappings with known keys, strings, booleans,
//! integers, lists and words from a fixed vocabulary, each failure a located [`Fault`].

use tokenhop_model::rules::RuleId;

use crate::error::Fault;
use crate::node::{Node, NodeKind};

/// A result whose error is a located fault.
pub type Read<T> = Result<T, Fault>;

/// A mapping whose keys were checked against the allowed ones.
#[derive(Debug)]
pub struct Fields<'n> {
    node: &'n Node,
    entries: &'n [(Node, Node)],
    path: String,
}

impl<'n> Fields<'n> {
    /// Reads `node` as a mapping whose keys must be among `allowed`.
    pub fn new(node: &'n Node, path: &str, what: &str, allowed: &[&str]) -> Read<Self> {
        let NodeKind::Map(entries) = &node.kind else {
            return Err(Fault::new(
                node.span,
                path,
                format!("{what} must be a mapping, not {}", node.kind_name()),
            ));
        };
        for (key, _) in entries {
            let Some(name) = key.as_str() else {
                return Err(Fault::new(
                    key.span,
                    path,
                    format!("keys of {what} must be strings, not {}", key.kind_name()),
                ));
            };
            if !allowed.contains(&name) {
                return Err(Fault::new(
                    key.span,
                    join(path, name),
                    format!("`{name}` is not a field of {what}"),
                )
                .allowing(allowed.iter().copied()));
            }
        }
        Ok(Fields {
            node,
            entries,
            path: path.to_owned(),
        })
    }

    /// The node of the mapping itself.
    #[must_use]
    pub fn node(&self) -> &'n Node {
        self.node
    }

    /// The value of `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The value of `key`, which must be present.
    pub fn require(&self, key: &str, what: &str) -> Read<&'n Node> {
        self.get(key).ok_or_else(|| {
            Fault::new(
                self.node.span,
                self.path(key),
                format!("{what} needs `{key}`"),
            )
        })
    }

    /// The boolean at `key`, if present.
    pub fn optional_bool(&self, key: &str) -> Read<Option<bool>> {
        self.get(key)
            .map(|n| boolean(n, &self.path(key)))
            .transpose()
    }

    /// The string at `key`, if present.
    pub fn optional_string(&self, key: &str) -> Read<Option<String>> {
        self.get(key)
            .map(|n| string(n, &self.path(key)))
            .transpose()
    }

    /// The path of `key` under this mapping.
    #[must_use]
    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The mapping's own path.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.path
    }
}

/// `base.key`, or `key` at the top.
#[must_use]
pub fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[index]`.
#[must_use]
pub fn index(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// A string.
pub fn string(node: &Node, path: &str) -> Read<String> {
    match &node.kind {
        NodeKind::Str(s) => Ok(s.clone()),
        _ => Err(Fault::new(
            node.span,
            path,
            format!("expected a string, found {}", node.kind_name()),
        )),
    }
}

/// A boolean.
pub fn boolean(node: &Node, path: &str) -> Read<bool> {
    match &node.kind {
        NodeKind::Bool(b) => Ok(*b),
        _ => Err(Fault::new(
            node.span,
            path,
            format!("expected true or false, found {}", node.kind_name()),
        )),
    }
}

/// An integer.
pub fn integer(node: &Node, path: &str) -> Read<i64> {
    match &node.kind {
        NodeKind::Int(i) => Ok(*i),
        _ => Err(Fault::new(
            node.span,
            path,
            format!("expected an integer, found {}", node.kind_name()),
        )),
    }
}

/// A list (a single scalar is not accepted as a list of one).
pub fn list<'n>(node: &'n Node, path: &str) -> Read<&'n [Node]> {
    match &node.kind {
        NodeKind::Seq(items) => Ok(items),
        _ => Err(Fault::new(
            node.span,
            path,
            format!("expected a list, found {}", node.kind_name()),
        )),
    }
}

/// The entries of a mapping whose keys are free (privilege names, reading ids, ...).
pub fn entries<'n>(node: &'n Node, path: &str) -> Read<Vec<(String, &'n Node, &'n Node)>> {
    let NodeKind::Map(entries) = &node.kind else {
        return Err(Fault::new(
            node.span,
            path,
            format!("expected a mapping, found {}", node.kind_name()),
        ));
    };
    entries
        .iter()
        .map(|(k, v)| {
            let key = k.as_str().ok_or_else(|| {
                Fault::new(
                    k.span,
                    path,
                    format!("keys must be strings, not {}", k.kind_name()),
                )
            })?;
            Ok((key.to_owned(), k, v))
        })
        .collect()
}

/// A word from a fixed vocabulary, mapped to its value.
pub fn word<T: Copy>(node: &Node, path: &str, what: &str, vocabulary: &[(&str, T)]) -> Read<T> {
    let text = match &node.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        _ => {
            return Err(Fault::new(
                node.span,
                path,
                format!("expected {what}, found {}", node.kind_name()),
            )
            .allowing(vocabulary.iter().map(|(w, _)| *w)));
        }
    };
    vocabulary
        .iter()
        .find(|(w, _)| *w == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            Fault::new(node.span, path, format!("`{text}` is not {what}"))
                .allowing(vocabulary.iter().map(|(w, _)| *w))
        })
}

/// The header every scenario file starts with: `version: 1`, the `kind` this reader reads
/// (`script`, `topology`), a `name` and an optional `description`; the name and the
/// description.
pub fn header(top: &Fields<'_>, what: &str, kind: &'static str) -> Read<(String, String)> {
    word(
        top.require("version", what)?,
        "version",
        "a supported format version",
        &[("1", 1)],
    )?;
    word(
        top.require("kind", what)?,
        "kind",
        "a scenario kind this version reads",
        &[(kind, ())],
    )?;
    let name = string(top.require("name", what)?, "name")?;
    let description = match top.get("description") {
        Some(n) => string(n, "description")?,
        None => String::new(),
    };
    Ok((name, description))
}

/// A list of registered rule ids (`rules: [IMP-4, CLR-8]`).
pub fn rules(node: &Node, path: &str) -> Read<Vec<RuleId>> {
    let mut rules = Vec::new();
    for (i, item) in list(node, path)?.iter().enumerate() {
        let p = index(path, i);
        let code = string(item, &p)?;
        rules.push(RuleId::from_code(&code).ok_or_else(|| {
            Fault::new(
                item.span,
                &p,
                format!("`{code}` is not a registered rule (see `tokenhop rules`)"),
            )
        })?);
    }
    Ok(rules)
}
