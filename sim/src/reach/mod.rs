//! `tokenhop reach`: what an attacker owning some accounts becomes in a directory read from
//! a topology or a BloodHound collection. This module reads the source ([`source`]), finds
//! the owned principals by the names people write ([`names`]), adds the machine the
//! attacker's tools run on, and asks the model's query
//! ([`tokenhop_model::net::reach::reach`]); [`text`], [`json`], [`dot`], [`chains`] and
//! [`opengraph`] write its answer. Every decision is the model's: nothing here decides a hop, it reads
//! the steps the query reports.

pub mod chains;
pub mod dot;
pub mod json;
pub mod names;
pub mod opengraph;
pub mod source;
pub mod text;
pub mod to;

use std::collections::HashSet;
use std::sync::Arc;

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, Directory, Machine, MachineId, ServiceId, TooMany,
};
use tokenhop_model::net::reach::{
    self, Answer, Attacker, Enumeration, Finding, Gain, Index, Limits,
};
use tokenhop_model::rules::readings::Readings;

pub use names::NameError;
pub use source::{Source, SourceError, SourceKind};

/// The name of the machine the attacker's tools run on, unless a machine has it.
pub const ATTACKER_MACHINE: &str = "attacker";

/// Why a query could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    /// An owned principal is not found.
    #[error("--owned: {0}")]
    Owned(#[from] NameError),
    /// The target of `--to` is not found.
    #[error("{0}")]
    Target(#[from] to::TargetError),
    /// The directory has no machine id left for the attacker's machine.
    #[error("{read}: {error}")]
    Machine {
        /// What was read.
        read: String,
        /// Why no machine could be added.
        error: TooMany,
    },
}

/// A query answered: the directory it was asked in (with the attacker's machine), who the
/// attacker is, the bounds, and the model's answer.
#[derive(Clone, Debug)]
pub struct Reached {
    /// The paths read, for messages.
    pub source: String,
    /// The source's name (a topology's, a collection's first domain).
    pub name: String,
    /// The directory as read, with the attacker's machine added.
    pub dir: Directory,
    /// The readings the source selected.
    pub readings: Readings,
    /// The owned accounts and the attacker's machine.
    pub attacker: Attacker,
    /// The bounds the query ran under.
    pub limits: Limits,
    /// What the query found.
    pub answer: Answer,
}

impl Reached {
    /// The owned accounts, as `name@domain`.
    #[must_use]
    pub fn owned_names(&self) -> Vec<String> {
        self.attacker
            .owned
            .iter()
            .map(|a| self.dir.qualified(*a))
            .collect()
    }

    /// The name of the attacker's machine.
    #[must_use]
    pub fn machine_name(&self) -> &str {
        &self.dir.machine(self.attacker.machine).name
    }

    /// Whether the search explored every state within its bounds.
    #[must_use]
    pub fn complete(&self) -> bool {
        !self.answer.stopped
    }
}

/// Asks what owning the principals `owned` (as [`names::principal`] reads them) gives in
/// `source`, within `limits`.
///
/// # Errors
///
/// When an owned name names no principal, several, or a group, or the directory has no
/// room for the attacker's machine.
pub fn ask(source: Source, owned: &[String], limits: Limits) -> Result<Reached, ReachError> {
    let Source {
        label,
        name,
        mut dir,
        readings,
        ..
    } = source;
    let mut accounts: Vec<AccountId> = Vec::new();
    for n in owned {
        let account = names::principal(&dir, n, &label)?;
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    let machine = attacker_machine(&mut dir).map_err(|error| ReachError::Machine {
        read: label.clone(),
        error,
    })?;
    let attacker = Attacker {
        owned: accounts,
        machine,
    };
    let index = Index::of(&dir);
    let answer = reach::reach(
        &dir,
        &readings,
        &index,
        &attacker,
        Enumeration::Pruned,
        limits,
    );
    Ok(Reached {
        source: label,
        name,
        dir,
        readings,
        attacker,
        limits,
        answer,
    })
}

/// Adds the machine the attacker's tools run on, in no domain: `attacker`, or `attacker-2`,
/// `attacker-3`... if a machine has that name.
///
/// # Errors
///
/// When the directory has no machine id left.
pub fn attacker_machine(dir: &mut Directory) -> Result<MachineId, TooMany> {
    let taken: HashSet<String> = dir
        .machines
        .iter()
        .map(|m| m.name.to_ascii_lowercase())
        .collect();
    let mut name = ATTACKER_MACHINE.to_owned();
    // At most one name per machine is taken, so this ends by `attacker-{machines + 1}`.
    for n in 2..=taken.len() + 1 {
        if !taken.contains(&name) {
            break;
        }
        name = format!("{ATTACKER_MACHINE}-{n}");
    }
    dir.push_machine(Machine {
        name: Arc::from(name.as_str()),
        domain: None,
        account: None,
        dc: false,
        credential_guard: false,
    })
}

/// The service whose process holds what `finding` gives: the service reached, the one
/// guarding the resource, or, for credentials, the service the path's last step that moves
/// the chain arrives at (a call, a presented ticket, a coercion, a started service).
#[must_use]
pub fn held_at(dir: &Directory, finding: &Finding) -> Option<ServiceId> {
    match &finding.gain {
        Gain::Service(s) => Some(*s),
        Gain::Resource(r, _) => Some(dir.resource(*r).service),
        Gain::Credentials => finding.path.iter().rev().find_map(|p| arrives_at(&p.step)),
    }
}

/// The service a step moves the chain to, if it moves it.
#[must_use]
pub fn arrives_at(step: &Step) -> Option<ServiceId> {
    match step {
        Step::Call(req) => Some(req.service),
        Step::Present { service } | Step::StartService { service } => Some(*service),
        Step::Coerce { to, .. } => Some(*to),
        _ => None,
    }
}
