//! `tokenhop reach SOURCE --to NAME`: the reverse question, who reaches a server (a machine's
//! services and the resources they guard), a service or a resource once owned, as whom and
//! how. The model answers it ([`tokenhop_model::net::reach::reverse`]); this module finds
//! the target by name and writes the answer in words or as JSON, each owner's findings as
//! `--owned` writes them.

use std::fmt::Write as _;

use serde::Serialize;

use tokenhop_model::net::directory::{Directory, MachineId};
use tokenhop_model::net::reach::reverse::{self, Reverse, Target};
use tokenhop_model::net::reach::{Attacker, Index, Limits};
use tokenhop_model::rules::readings::Readings;

use super::{ReachError, Reached, Source, attacker_machine, json, text};

/// Why `--to` names nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "--to: `{name}` names no machine, service (by name or SPN) or resource of {read}{}",
    if .known.is_empty() { String::new() } else { format!("; its machines: {}", .known.join(", ")) }
)]
pub struct TargetError {
    /// The name given.
    pub name: String,
    /// What was read.
    pub read: String,
    /// The machines of a small directory, to choose from.
    pub known: Vec<String>,
}

/// The reverse question answered.
#[derive(Debug)]
pub struct Asked {
    /// What was read.
    pub source: String,
    /// The target as named.
    pub target_name: String,
    /// The directory, with the attacker's machine.
    pub dir: Directory,
    /// The readings the source selected.
    pub readings: Readings,
    /// The attacker's machine.
    pub machine: MachineId,
    /// The bounds each query ran under.
    pub limits: Limits,
    /// The answer.
    pub answer: Reverse,
}

impl Asked {
    /// Whether every query explored every state within its bounds.
    #[must_use]
    pub fn complete(&self) -> bool {
        !self.answer.stopped
    }

    /// Owner `n`'s answer, as `--owned` would give it.
    fn owner(&self, n: usize) -> Option<Reached> {
        let owner = self.answer.owners.get(n)?;
        Some(Reached {
            source: self.source.clone(),
            name: String::new(),
            dir: self.dir.clone(),
            readings: self.readings,
            attacker: Attacker {
                owned: vec![owner.owned],
                machine: self.machine,
            },
            limits: self.limits,
            answer: tokenhop_model::net::reach::Answer {
                findings: owner.findings.clone(),
                states: 0,
                evaluations: 0,
                stopped: self.answer.stopped,
            },
        })
    }
}

/// Who reaches `name` in `source`, within `limits` for each principal owned.
///
/// # Errors
///
/// When `name` names nothing, or the directory has no room for the attacker's machine.
pub fn ask(source: Source, name: &str, limits: Limits) -> Result<Asked, ReachError> {
    let Source {
        label,
        mut dir,
        readings,
        ..
    } = source;
    let target = target(&dir, name, &label)?;
    let machine = attacker_machine(&mut dir).map_err(|error| ReachError::Machine {
        read: label.clone(),
        error,
    })?;
    let index = Index::of(&dir);
    let answer = reverse::reverse(&dir, &readings, &index, machine, &target, limits);
    Ok(Asked {
        source: label,
        target_name: name.to_owned(),
        dir,
        readings,
        machine,
        limits,
        answer,
    })
}

/// What `name` names: a machine (its services), a service by name or SPN, or a resource;
/// without regard to case.
fn target(dir: &Directory, name: &str, read: &str) -> Result<Target, TargetError> {
    let is = |n: &str| n.eq_ignore_ascii_case(name);
    let machines: Vec<MachineId> = dir
        .machine_ids()
        .filter(|m| is(&dir.machine(*m).name))
        .collect();
    let services: Vec<_> = dir
        .service_ids()
        .filter(|s| {
            let service = dir.service(*s);
            machines.contains(&service.machine) || is(&service.name) || is(&service.spn)
        })
        .collect();
    let resources: Vec<_> = dir
        .resource_ids()
        .filter(|r| is(&dir.resource(*r).name))
        .collect();
    if services.is_empty() && resources.is_empty() {
        let known = if dir.machines.len() <= 30 {
            dir.machines.iter().map(|m| m.name.to_string()).collect()
        } else {
            Vec::new()
        };
        return Err(TargetError {
            name: name.to_owned(),
            read: read.to_owned(),
            known,
        });
    }
    Ok(Target {
        services,
        resources,
    })
}

/// The answer in words: the bounds, then for each owner what it reaches at the target and
/// how, as `--owned` prints it.
#[must_use]
pub fn render(a: &Asked) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Who reaches {} in {}: every principal whose ownership could lead there owned in turn ({} queries, {} chain states), one principal of each class of the rest standing for its class. At the target: its services and the resources they guard, as any identity, and the reusable credentials of a privileged identity or of the target's own machine account.",
        a.target_name, a.source, a.answer.queries, a.answer.states
    );
    let _ = writeln!(
        out,
        "Bounds: at most {} chain states per query, at most {} RBCD write{} per path.{}",
        a.limits.max_states,
        a.limits.max_rbcd_writes,
        text::plural(a.limits.max_rbcd_writes),
        if a.complete() {
            " Every query finished within them."
        } else {
            " INCOMPLETE: a query stopped at its state bound; its owner's findings are some, not all."
        }
    );
    if a.answer.owners.is_empty() {
        out.push_str("\nNo principal reaches it.\n");
        return out;
    }
    for (n, owner) in a.answer.owners.iter().enumerate() {
        let who = a.dir.qualified(owner.owned);
        let _ = writeln!(
            out,
            "\n== owning {who}{}",
            match owner.stands_for {
                1 => String::new(),
                k => format!(" (stands for {k} principals alike)"),
            }
        );
        if let Some(reached) = a.owner(n) {
            out.push_str(&text::findings(&reached));
        }
    }
    out
}

/// The answer as one JSON object.
#[derive(Clone, Debug, Serialize)]
pub struct ToJson {
    /// What was read.
    pub source: String,
    /// The target as named.
    pub to: String,
    /// Each owner with what it reaches at the target.
    pub owners: Vec<OwnerJson>,
    /// Principals owned, one query each.
    pub queries: usize,
    /// Chain states, over every query.
    pub states: usize,
    /// Whether every query finished within its bounds.
    pub complete: bool,
}

/// One owner in the JSON answer.
#[derive(Clone, Debug, Serialize)]
pub struct OwnerJson {
    /// The principal owned, `name@domain`.
    pub owned: String,
    /// How many principals it stands for.
    pub stands_for: usize,
    /// What it reaches at the target, each as `--owned --json` writes a finding.
    pub reached: Vec<json::Reach>,
}

/// The answer as JSON.
#[must_use]
pub fn to_json(a: &Asked) -> ToJson {
    let owners = a
        .answer
        .owners
        .iter()
        .enumerate()
        .map(|(n, owner)| OwnerJson {
            owned: a.dir.qualified(owner.owned),
            stands_for: owner.stands_for,
            reached: a
                .owner(n)
                .map(|r| json::answer(&r).reached)
                .unwrap_or_default(),
        })
        .collect();
    ToJson {
        source: a.source.clone(),
        to: a.target_name.clone(),
        owners,
        queries: a.answer.queries,
        states: a.answer.states,
        complete: a.complete(),
    }
}
