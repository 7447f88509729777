//! Reach: what an attacker holding some accounts can become. From each owned account (its
//! key in a tool on the attacker's machine, ATK-10, and the processes that run as it), a
//! breadth-first search over chain states in which every transition is one
//! [`crate::net::chain::try_step`]: the attacker's steps (S4U2self and S4U2proxy with a key,
//! altservice, presenting a ticket, writing an RBCD list, coercing a machine into a service
//! it holds, switching to another owned key) and, from a process it controls, the calls and
//! S4U2self a service makes. Each finding is a service reached as an identity at a level, a
//! resource opened with rights, or an identity's TGT or password held; each comes with the chain of steps that
//! replays it, and the rules each step applied.
//!
//! The steps worth trying at a state are proposed by [`index::Index`] (the SPNs a key's
//! account may ask S4U2proxy for, the services of a ticket's account, the lists the account
//! may write); users are tried as one representative per [`index::PrincipalClass`], since
//! every rule treats two users of a class alike. [`Enumeration::Everything`] proposes every
//! user, SPN, service and account instead: the exhaustive search the pruned one is tested
//! against.

pub mod index;
pub mod reverse;
mod search;

use std::sync::Arc;

use serde::Serialize;

use super::chain::Step;
use super::directory::{AccountId, Directory, MachineId, ResourceId, ServiceId};
use super::graph::Holding;
use super::hop::Hold;
use crate::rules::RuleId;
use crate::rules::readings::Readings;
pub use index::Index;

/// Who the attacker is: the accounts it owns, and the machine its tools run on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attacker {
    /// The accounts whose keys it holds (for a computer account, also SYSTEM on its machine).
    pub owned: Vec<AccountId>,
    /// The machine its tools run on (usually one in no domain).
    pub machine: MachineId,
}

/// Which steps the search tries at each state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enumeration {
    /// The steps the index proposes, users by class (the query).
    Pruned,
    /// Every user, SPN, service and account (the exhaustive reference, for small
    /// directories).
    Everything,
}

/// What a finding gives the attacker.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gain {
    /// The attacker is authenticated at a service as the identity.
    Service(ServiceId),
    /// A resource's DACL grants the identity these rights, through the service guarding it.
    Resource(ResourceId, Vec<Arc<str>>),
    /// The attacker holds the identity's reusable credentials (its TGT, or its password
    /// from a cleartext logon) in a process it controls: any service the identity may
    /// call. [`Finding::holding`] says which.
    Credentials,
}

/// One step of a finding's path, with the rules it applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathStep {
    /// The chain step.
    pub step: Step,
    /// The rules the step applied, in the order of their ids.
    pub rules: Vec<RuleId>,
}

/// Something the attacker reaches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What.
    pub gain: Gain,
    /// As whom.
    pub identity: AccountId,
    /// How the identity is held there (its own logon, or impersonated at a level).
    pub hold: Hold,
    /// What is held for it, as far as going further depends on it.
    pub holding: Holding,
    /// How many users the identity stands for: the users of its class (1 for a principal
    /// reached as itself).
    pub stands_for: usize,
    /// The steps from the attacker's first, each replayable as a chain step.
    pub path: Vec<PathStep>,
}

/// The answer to a reach query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// What was reached, nearest first: each (gain, identity, hold) once, with its
    /// shortest path.
    pub findings: Vec<Finding>,
    /// Chain states kept.
    pub states: usize,
    /// Chain steps evaluated.
    pub evaluations: usize,
    /// Whether the state limit stopped the search before it had explored every state: the
    /// findings are then some of what is reachable, not all.
    pub stopped: bool,
}

/// Limits of one query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Stop after keeping this many chain states (the answer then says it stopped).
    pub max_states: usize,
    /// The most RBCD entries one path writes. Every RBCD attack the sources describe
    /// writes one; each more multiplies the states by the lists the attacker may write,
    /// so the bound is part of the question, reported with the answer.
    pub max_rbcd_writes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_states: 1_000_000,
            max_rbcd_writes: 1,
        }
    }
}

/// What `attacker` reaches in `dir` under `readings`, with the steps `enumeration` tries,
/// using `index` (the index of `dir`, built once for many queries).
#[must_use]
pub fn reach(
    dir: &Directory,
    readings: &Readings,
    index: &Index,
    attacker: &Attacker,
    enumeration: Enumeration,
    limits: Limits,
) -> Answer {
    let mut search = search::Search::new(dir, readings, index, attacker, enumeration, limits);
    search.run();
    search.answer()
}
