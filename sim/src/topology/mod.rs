//! Topologies (`kind: topology`, format v1): a directory of domains, accounts, machines,
//! services and resources, and chains of steps that carry a client's identity across them.
//! [`load`] reads one with located errors, [`run`] plays its chains on the model and
//! writes the trace, [`render`] prints the table and the narration.

pub mod graph;
pub mod load;
pub mod render;
pub mod run;
pub mod write;

use std::path::PathBuf;

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Directory};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

use crate::node::Span;

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
