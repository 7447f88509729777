//! Topologies (`kind: topology`, format v1): a directory of domains, accounts, machines,
//! services and resources, and chains of steps that carry a client's identity across them.
//! [`load_file`] reads one with located errors ([`load`] builds it from the parsed file),
//! [`run`] plays its chains on the model and writes the trace, [`render`] prints the table
//! and the narration. A loaded [`Topology`] names its elements' ids ([`Topology::account`],
//! [`Topology::service`], ...), for code that steps or explores its directory.

pub mod graph;
pub mod load;
pub mod render;
pub mod run;
pub mod write;

use std::path::{Path, PathBuf};

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Directory, MachineId, ResourceId, ServiceId};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

use crate::error::LoadError;
use crate::node::{Node, NodeKind, Span};
use crate::reader::Read;

/// Reads and validates the topology at `path`.
///
/// # Errors
///
/// When the file cannot be read, is not YAML or JSON, or is not a valid topology (a
/// script or a runtime included: its `kind` is located as the fault), each error naming
/// the file, line, column and field.
pub fn load_file(path: &Path) -> Result<Topology, LoadError> {
    load_str(&crate::error::read_source(path)?, path)
}

/// Reads and validates a topology given as text; `path` names it in errors.
///
/// # Errors
///
/// As [`load_file`], but for the text.
pub fn load_str(source: &str, path: &Path) -> Result<Topology, LoadError> {
    let root = crate::error::parse_source(source, path)?;
    crate::error::located(
        path,
        of_kind_topology(&root).and_then(|()| load::build(&root, path)),
    )
}

/// A file of another kind (a script, a runtime) is told so at its `kind`, before its
/// fields are read as a topology's.
fn of_kind_topology(root: &Node) -> Read<()> {
    if let NodeKind::Map(entries) = &root.kind
        && let Some((_, kind)) = entries.iter().find(|(k, _)| k.as_str() == Some("kind"))
    {
        crate::reader::word(kind, "kind", "a topology's kind", &[("topology", ())])?;
    }
    Ok(())
}

/// Why a name picks no element of a topology.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing of that kind has the name.
    #[error("`{name}` is not {what} of the topology")]
    Unknown {
        /// What was looked for (`an account`, `a service`, ...).
        what: &'static str,
        /// The name.
        name: String,
    },
    /// Accounts of several domains have the name.
    #[error("`{name}` names accounts in several domains; write `{name}@<domain>`")]
    Ambiguous {
        /// The name.
        name: String,
    },
}

/// An account name as a topology writes it, `alice` or `alice@corp.example`: the name and
/// the domain, if given.
pub(crate) fn split_account_name(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((bare, domain)) => (bare, Some(domain)),
        None => (name, None),
    }
}

/// Whether account `id` of `dir` belongs to `domain` (any domain when `None`); domain names,
/// like account names, compare without regard to case, as in Active Directory.
pub(crate) fn in_domain(dir: &Directory, id: AccountId, domain: Option<&str>) -> bool {
    domain.is_none_or(|d| {
        dir.domain(dir.account(id).domain)
            .name
            .eq_ignore_ascii_case(d)
    })
}

/// The id, of `ids` in the same order as `names`, of the element of `names` equal to
/// `name`: the loader keeps machine, service and resource names unique and exact.
fn named<I>(
    ids: impl Iterator<Item = I>,
    names: impl Iterator<Item = impl AsRef<str>>,
    name: &str,
    what: &'static str,
) -> Result<I, NameError> {
    ids.zip(names)
        .find(|(_, n)| n.as_ref() == name)
        .map(|(id, _)| id)
        .ok_or_else(|| NameError::Unknown {
            what,
            name: name.to_owned(),
        })
}

impl Topology {
    /// The account a chain step of the topology would mean by `name` (`alice`, or
    /// `alice@corp.example` when several domains have an `alice`; case-insensitive).
    ///
    /// # Errors
    ///
    /// When no account has the name, or accounts of several domains do.
    pub fn account(&self, name: &str) -> Result<AccountId, NameError> {
        let (bare, domain) = split_account_name(name);
        let mut found = self.dir.account_ids().filter(|a| {
            self.dir.account(*a).name.eq_ignore_ascii_case(bare) && in_domain(&self.dir, *a, domain)
        });
        match (found.next(), found.next()) {
            (Some(one), None) => Ok(one),
            (None, _) => Err(NameError::Unknown {
                what: "an account",
                name: name.to_owned(),
            }),
            (Some(_), Some(_)) => Err(NameError::Ambiguous {
                name: name.to_owned(),
            }),
        }
    }

    /// The machine named `name`.
    ///
    /// # Errors
    ///
    /// When no machine has the name.
    pub fn machine(&self, name: &str) -> Result<MachineId, NameError> {
        named(
            self.dir.machine_ids(),
            self.dir.machines.iter().map(|m| &m.name),
            name,
            "a machine",
        )
    }

    /// The service named `name`.
    ///
    /// # Errors
    ///
    /// When no service has the name.
    pub fn service(&self, name: &str) -> Result<ServiceId, NameError> {
        named(
            self.dir.service_ids(),
            self.dir.services.iter().map(|s| &s.name),
            name,
            "a service",
        )
    }

    /// The resource named `name`.
    ///
    /// # Errors
    ///
    /// When no resource has the name.
    pub fn resource(&self, name: &str) -> Result<ResourceId, NameError> {
        named(
            self.dir.resource_ids(),
            self.dir.resources.iter().map(|r| &r.name),
            name,
            "a resource",
        )
    }
}

/// A loaded topology.
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The readings selected for ambiguous rules.
    pub readings: Readings,
    /// The directory.
    pub dir: Directory,
    /// Its chains.
    pub chains: Vec<Chain>,
}

/// One chain of steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Its steps.
    pub steps: Vec<ChainStep>,
}

/// One step of a chain, with where it was written and what it expects.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainStep {
    /// Its position in the chain.
    pub index: usize,
    /// Where it was written.
    pub span: Span,
    /// Its kind as written (`call`, `access`, ...).
    pub kind: &'static str,
    /// The step.
    pub step: Step,
    /// Free text for the narration.
    pub note: Option<String>,
    /// What it must do.
    pub expect: Option<TopologyExpect>,
}

/// What a chain step must do.
#[derive(Clone, Debug, PartialEq)]
pub struct TopologyExpect {
    /// Where it was written.
    pub span: Span,
    /// Success or failure.
    pub ok: Option<bool>,
    /// The status it fails with.
    pub error: Option<String>,
    /// Whom the chain presents afterwards (`None`: ANONYMOUS LOGON).
    pub presents: Option<Option<AccountId>>,
    /// The level it holds afterwards (`own` or a SECURITY_IMPERSONATION_LEVEL name).
    pub level: Option<&'static str>,
    /// The credentials it holds afterwards (`none`, `password`, `tgt`).
    pub credentials: Option<&'static str>,
    /// Whether its ticket in the client's name is forwardable.
    pub forwardable: Option<bool>,
    /// How many machine boundaries the presented identity has crossed.
    pub hops: Option<u8>,
    /// Rules the model must have applied.
    pub rules: Vec<RuleId>,
}
