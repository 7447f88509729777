//! Writing chains in the topology format (v1): every chain step kind as the loader reads it
//! ([`step`], a [`Written`] value `{ kind: body }` that [`flow`] writes as a line of YAML and
//! serde as JSON), the
//! expectation of a step ([`Expectation`]), a topology's `readings`, and whole chains after
//! a directory ([`with_chains`]). What a step means is the model's; this module only spells
//! it.

use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, Serializer};

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Directory};
use tokenhop_model::net::hop::{CallRequest, Hold, Package};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::{AMBIGUITIES, Readings};

use crate::topology::load::{call_level_word, package_word};
use crate::topology::run::hold_word;

/// A value as the topology format writes it, its keys in the order written: a word or
/// name, a flag, a number, a list or a mapping. It serialises (to JSON, say) in that order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// A string.
    Text(String),
    /// A flag.
    Flag(bool),
    /// A number.
    Number(u64),
    /// A list.
    List(Vec<Written>),
    /// A mapping, in the order written.
    Map(Vec<(&'static str, Written)>),
}

impl Written {
    fn text(s: impl Into<String>) -> Self {
        Written::Text(s.into())
    }

    fn map(fields: Vec<(&'static str, Written)>) -> Self {
        Written::Map(fields)
    }

    /// A mapping of one key, as a step is written (`kind: body`).
    fn one(key: &'static str, body: Written) -> Self {
        Written::Map(vec![(key, body)])
    }
}

impl Serialize for Written {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Written::Text(s) => serializer.serialize_str(s),
            Written::Flag(b) => serializer.serialize_bool(*b),
            Written::Number(n) => serializer.serialize_u64(*n),
            Written::List(items) => items.serialize(serializer),
            Written::Map(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// One chain step as the topology format writes it: a mapping with one key, the step's
/// kind (`own_key`, `call`, ...), whose value is its body (accounts as `name@domain`,
/// services, machines and resources by name, a call's fields only where they differ from
/// the defaults).
#[must_use]
pub fn step(dir: &Directory, step: &Step) -> Written {
    let account = |a: AccountId| Written::Text(dir.qualified(a));
    let service = |s| Written::text(dir.service(s).name.as_ref());
    let machine = |m| Written::text(dir.machine(m).name.as_ref());
    let (kind, body) = match step {
        Step::Start { machine: m, user } => (
            "start",
            Written::map(vec![("user", account(*user)), ("machine", machine(*m))]),
        ),
        Step::StartService { service: s } => (
            "start_service",
            Written::map(vec![("service", service(*s))]),
        ),
        Step::Call(req) => ("call", call(dir, req)),
        Step::Access { resource, rights } => (
            "access",
            Written::map(vec![
                (
                    "resource",
                    Written::text(dir.resource(*resource).name.as_ref()),
                ),
                (
                    "rights",
                    Written::List(rights.iter().map(|r| Written::text(r.as_ref())).collect()),
                ),
            ]),
        ),
        Step::S4u2self { user } => ("s4u2self", Written::map(vec![("user", account(*user))])),
        Step::TamperForwardable => ("tamper", Written::text("forwardable")),
        Step::SetRbcd { target, allow } => (
            "set_rbcd",
            Written::map(vec![
                ("target", account(*target)),
                ("allow", account(*allow)),
            ]),
        ),
        Step::Coerce { victim, to } => (
            "coerce",
            Written::map(vec![("victim", service(*victim)), ("to", service(*to))]),
        ),
        Step::CreateProcess { with_token } => (
            "create_process",
            Written::map(vec![(
                "with",
                Written::text(if *with_token { "token" } else { "primary" }),
            )]),
        ),
        Step::Wait { minutes } => (
            "wait",
            Written::map(vec![("minutes", Written::Number(u64::from(*minutes)))]),
        ),
        Step::OwnKey {
            machine: m,
            account: a,
        } => (
            "own_key",
            Written::map(vec![("account", account(*a)), ("machine", machine(*m))]),
        ),
        Step::KeyS4u2self { user } => {
            ("key_s4u2self", Written::map(vec![("user", account(*user))]))
        }
        Step::KeyS4u2proxy { spn } => (
            "key_s4u2proxy",
            Written::map(vec![("spn", Written::text(spn.as_ref()))]),
        ),
        Step::Present { service: s } => ("present", Written::map(vec![("service", service(*s))])),
        Step::AltService { spn } => (
            "altservice",
            Written::map(vec![("spn", Written::text(spn.as_ref()))]),
        ),
    };
    Written::one(kind, body)
}

/// A call's body: its service, and each field that differs from the loader's default.
fn call(dir: &Directory, req: &CallRequest) -> Written {
    let mut body = vec![(
        "service",
        Written::text(dir.service(req.service).name.as_ref()),
    )];
    if let Some(level) = req.level {
        body.push(("level", Written::text(call_level_word(level))));
    }
    if req.mutual_auth {
        body.push(("mutual_auth", Written::Flag(true)));
    }
    if req.package != Package::Negotiate {
        body.push(("package", Written::text(package_word(req.package))));
    }
    if !req.by_spn {
        body.push(("by", Written::text("address")));
    }
    if req.as_self {
        body.push(("as", Written::text("self")));
    }
    if !req.honours_ok_as_delegate {
        body.push(("honours_ok_as_delegate", Written::Flag(false)));
    }
    if req.binding_at_startup {
        body.push(("binding", Written::text("at_startup")));
    }
    if req.dynamic_tracking {
        body.push(("tracking", Written::text("dynamic")));
    }
    if req.ignore_delegate_failure {
        body.push((
            "capabilities",
            Written::List(vec![Written::text(
                "RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE",
            )]),
        ));
    }
    Written::Map(body)
}

/// One chain step as a line of the topology format (`own_key: { account: ..., machine: ... }`).
#[must_use]
pub fn step_text(dir: &Directory, s: &Step) -> String {
    match step(dir, s) {
        Written::Map(fields) => entries(&fields),
        other => flow(&other),
    }
}

/// A mapping's entries as `key: value, ...`, in flow style, without the braces: a block
/// mapping on one line (a list item's step).
fn entries(fields: &[(&'static str, Written)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}: {}", scalar(k), flow(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a step is expected to do, as far as a writer states it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expectation {
    /// Success or failure.
    pub ok: Option<bool>,
    /// Whom the chain presents afterwards (`Some(None)`: ANONYMOUS LOGON).
    pub presents: Option<Option<AccountId>>,
    /// How it holds that identity.
    pub level: Option<Hold>,
    /// What it can authenticate onward with (`none`, `password`, `tgt`, `key`).
    pub credentials: Option<&'static str>,
    /// Rules the model must apply.
    pub rules: Vec<RuleId>,
}

impl Expectation {
    /// The expectation as the format writes it.
    #[must_use]
    pub fn written(&self, dir: &Directory) -> Written {
        let mut body = Vec::new();
        if let Some(ok) = self.ok {
            body.push(("ok", Written::Flag(ok)));
        }
        if let Some(p) = self.presents {
            let name = p.map_or_else(|| "ANONYMOUS LOGON".to_owned(), |a| dir.qualified(a));
            body.push(("presents", Written::Text(name)));
        }
        if let Some(hold) = self.level {
            body.push(("level", Written::Text(hold_word(hold))));
        }
        if let Some(c) = self.credentials {
            body.push(("credentials", Written::text(c)));
        }
        if !self.rules.is_empty() {
            let codes = self.rules.iter().map(|r| Written::text(r.code())).collect();
            body.push(("rules", Written::List(codes)));
        }
        Written::Map(body)
    }
}

/// A chain to write: its name, what it shows, and its steps, each with what it expects.
#[derive(Clone, Debug, PartialEq)]
pub struct WrittenChain {
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Its steps, each with its expectation, if any.
    pub steps: Vec<(Step, Option<Expectation>)>,
}

/// `dir` as a topology named `name` that says `description`, selects `readings`, and has
/// `chains`.
#[must_use]
pub fn with_chains(
    dir: &Directory,
    name: &str,
    description: &str,
    readings: &Readings,
    chains: &[WrittenChain],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "version: 1\nkind: topology\nname: {}\ndescription: {}",
        scalar(name),
        scalar(description)
    );
    readings_section(&mut out, readings);
    super::sections(&mut out, dir);
    if chains.is_empty() {
        out.push_str("chains: []\n");
        return out;
    }
    out.push_str("chains:\n");
    for c in chains {
        let _ = writeln!(
            out,
            "  - name: {}\n    description: {}\n    steps:",
            scalar(&c.name),
            scalar(&c.description)
        );
        for (s, expect) in &c.steps {
            let _ = writeln!(out, "      - {}", step_text(dir, s));
            if let Some(e) = expect {
                let _ = writeln!(out, "        expect: {}", flow(&e.written(dir)));
            }
        }
    }
    out
}

/// The `readings` line: every ambiguous rule whose reading was selected by name or is not
/// the default, as `RULE: reading`; nothing when none is.
fn readings_section(out: &mut String, readings: &Readings) {
    let selected: Vec<String> = AMBIGUITIES
        .iter()
        .filter(|a| readings.named(a.rule) || readings.alternative(a.rule))
        .filter_map(|a| {
            readings
                .selected(a.rule)
                .map(|r| format!("{}: {}", a.rule.code(), scalar(r.name)))
        })
        .collect();
    if !selected.is_empty() {
        let _ = writeln!(out, "readings: {{ {} }}", selected.join(", "));
    }
}

/// `value` in YAML's flow style: `{ key: value, ... }`, `[a, b]`, strings plain where YAML
/// reads them back as the same string, else double-quoted.
#[must_use]
pub fn flow(value: &Written) -> String {
    match value {
        Written::Map(fields) if fields.is_empty() => "{}".to_owned(),
        Written::Map(fields) => format!("{{ {} }}", entries(fields)),
        Written::List(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Written::Text(s) => scalar(s),
        Written::Flag(b) => b.to_string(),
        Written::Number(n) => n.to_string(),
    }
}

/// A string as a YAML scalar: plain when it is a word YAML cannot read as anything but that
/// string (letters, digits, `_` and `-`, starting with a letter, not a boolean or null),
/// otherwise double-quoted.
fn scalar(text: &str) -> String {
    const SPECIAL: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let word = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !SPECIAL.iter().any(|s| s.eq_ignore_ascii_case(text));
    if word {
        text.to_owned()
    } else {
        super::quoted(text)
    }
}
