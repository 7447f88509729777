//! The answer as one JSON object (`tokenhop reach --json`): the owned principals, the
//! attacker's machine, what was reached (each finding with its path, every step as the
//! topology format writes it, in words, and with its rules), the search's size, whether it
//! finished and the bounds it ran under. The README documents the format.

use serde::Serialize;

use tokenhop_model::net::graph::Holding;
use tokenhop_model::net::reach::{Finding, Gain};

use super::{Reached, held_at};
use crate::topology::run::{describe, hold_word};
use crate::topology::write::{self, Written};

/// The answer.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    /// The paths read.
    pub source: String,
    /// The owned principals, as `name@domain`.
    pub owned: Vec<String>,
    /// The machine (in no domain) the attacker's tools run on.
    pub attacker_machine: String,
    /// What was reached, nearest first.
    pub reached: Vec<Reach>,
    /// Chain states kept.
    pub states: usize,
    /// Chain steps evaluated.
    pub evaluations: usize,
    /// Whether the search explored every state within the bounds (if not, `reached` is some
    /// of what is reachable, not all).
    pub complete: bool,
    /// The bounds the search ran under.
    pub bounds: Bounds,
}

/// The bounds of a search.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Bounds {
    /// The most chain states kept.
    pub max_states: usize,
    /// The most RBCD entries one path writes.
    pub rbcd_writes: usize,
}

/// One thing reached.
#[derive(Clone, Debug, Serialize)]
pub struct Reach {
    /// `service`, `resource` or `credentials`.
    pub kind: &'static str,
    /// The SPN of the service reached, or of the one guarding the resource; null for
    /// credentials.
    pub service: Option<String>,
    /// The machine of the service where it is held.
    pub machine: Option<String>,
    /// For credentials, the SPN of the service whose process holds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_at: Option<String>,
    /// The identity, as `name@domain`.
    #[serde(rename = "as")]
    pub identity: String,
    /// `own`, or the impersonation level (`SecurityImpersonation`, ...).
    pub level: String,
    /// What is held for the identity.
    pub holding: Holding,
    /// The resource opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The rights its DACL grants the identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights: Option<Vec<String>>,
    /// How many principals the identity stands for (the users of its class).
    pub stands_for: usize,
    /// The path, from the attacker's first step.
    pub steps: Vec<PathStep>,
}

/// One step of a path.
#[derive(Clone, Debug, Serialize)]
pub struct PathStep {
    /// The step as the topology format writes it (`{ "own_key": { ... } }`).
    pub step: Written,
    /// The step in words.
    pub text: String,
    /// The rules it applied.
    pub rules: Vec<&'static str>,
}

/// The answer of `r`.
#[must_use]
pub fn answer(r: &Reached) -> Answer {
    Answer {
        source: r.source.clone(),
        owned: r.owned_names(),
        attacker_machine: r.machine_name().to_owned(),
        reached: r.answer.findings.iter().map(|f| reach(r, f)).collect(),
        states: r.answer.states,
        evaluations: r.answer.evaluations,
        complete: r.complete(),
        bounds: Bounds {
            max_states: r.limits.max_states,
            rbcd_writes: r.limits.max_rbcd_writes,
        },
    }
}

fn reach(r: &Reached, f: &Finding) -> Reach {
    let dir = &r.dir;
    let at = held_at(dir, f);
    let spn = at.map(|s| dir.service(s).spn.to_string());
    let (kind, resource, rights) = match &f.gain {
        Gain::Service(_) => ("service", None, None),
        Gain::Resource(res, rights) => (
            "resource",
            Some(dir.resource(*res).name.to_string()),
            Some(rights.iter().map(ToString::to_string).collect()),
        ),
        Gain::Credentials => ("credentials", None, None),
    };
    let credentials = kind == "credentials";
    Reach {
        kind,
        service: if credentials { None } else { spn.clone() },
        machine: at.map(|s| dir.machine(dir.service(s).machine).name.to_string()),
        held_at: if credentials { spn } else { None },
        identity: dir.qualified(f.identity),
        level: hold_word(f.hold),
        holding: f.holding,
        resource,
        rights,
        stands_for: f.stands_for,
        steps: f
            .path
            .iter()
            .map(|p| PathStep {
                step: write::chains::step(dir, &p.step),
                text: describe(dir, &p.step),
                rules: p.rules.iter().map(|r| r.code()).collect(),
            })
            .collect(),
    }
}
