//! The reverse question: who, once owned, reaches a target (a server's services, or a
//! resource), as whom and how. Answered with the forward query, owning each principal
//! whose ownership could lead there, and keeping the findings at the target.
//!
//! A principal's reach can touch a target only through what the index proposes from it:
//! the services on its machine, its msDS-AllowedToDelegateTo, the RBCD lists that admit it
//! or that it may write, a coercion into a service of its own (which with unconstrained
//! delegation, or a cleartext logon, hands it other identities' reusable credentials, and
//! so every service), and the resources whose DACL names it or a class it is in. So the
//! principals owned are those whose settings lead to the target's accounts (its services'
//! and its machine's), those on its machine, the harvesting listeners, and one of each
//! class of the rest, which reach the same things at the target up to their own name and
//! stand for their class.

use std::collections::BTreeSet;

use super::super::directory::{
    AccountId, AccountKind, Directory, ResourceId, ServiceId, ServiceLogon,
};
use super::index::Index;
use super::search::Search;
use super::{Attacker, Enumeration, Finding, Gain, Limits};
use crate::rules::readings::Readings;

/// What the reverse question asks about: services (a server's, or one) and the resources
/// they guard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// The services.
    pub services: Vec<ServiceId>,
    /// The resources.
    pub resources: Vec<ResourceId>,
}

/// One principal that reaches the target, once owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The principal owned.
    pub owned: AccountId,
    /// How many principals it stands for (the principals of its class that are alike in
    /// everything the query reads; 1 for one owned for itself).
    pub stands_for: usize,
    /// What it reaches at the target: services of the target and resources they guard,
    /// and reusable credentials held (which reach any service, the target's included).
    pub findings: Vec<Finding>,
}

/// The answer to the reverse question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reverse {
    /// The principals that reach the target, in the order of the directory.
    pub owners: Vec<Owner>,
    /// How many principals were owned, one query each.
    pub queries: usize,
    /// Chain states kept, over every query.
    pub states: usize,
    /// Whether a query hit its state limit: its owner's findings are then some, not all.
    pub stopped: bool,
}

/// Who reaches `target` in `dir`, each principal owned alone with its tools on `machine`.
#[must_use]
pub fn reverse(
    dir: &Directory,
    readings: &Readings,
    index: &Index,
    machine: super::super::directory::MachineId,
    target: &Target,
    limits: Limits,
) -> Reverse {
    let (owned, stand_ins, accounts) = candidates(dir, index, target);
    let mut out = Reverse {
        owners: Vec::new(),
        queries: 0,
        states: 0,
        stopped: false,
    };
    for principal in owned {
        let attacker = Attacker {
            owned: vec![principal],
            machine,
        };
        let mut search = Search::new(dir, readings, index, &attacker, Enumeration::Pruned, limits)
            .writing_only_to(accounts.clone());
        search.run();
        let answer = search.answer();
        out.queries += 1;
        out.states += answer.states;
        out.stopped |= answer.stopped;
        let findings = at_target(dir, index, target, answer.findings);
        if !findings.is_empty() {
            let stands_for = if stand_ins.contains(&principal) {
                index.class_size(principal)
            } else {
                1
            };
            out.owners.push(Owner {
                owned: principal,
                stands_for,
                findings,
            });
        }
    }
    out
}

/// The findings of `answer` at `target`: services of the target reached and resources
/// they guard, as any identity, and the reusable credentials of a privileged identity
/// ([`Index::privileged`]) or of the target's own machine account, which reach the target
/// as that identity. (Every listener holds some machine's credentials once it coerces that
/// machine; only these say something about the target.)
#[must_use]
pub fn at_target(
    dir: &Directory,
    index: &Index,
    target: &Target,
    findings: Vec<Finding>,
) -> Vec<Finding> {
    let machines: Vec<AccountId> = target
        .services
        .iter()
        .filter_map(|s| dir.machine(dir.service(*s).machine).account)
        .collect();
    findings
        .into_iter()
        .filter(|f| match &f.gain {
            Gain::Service(s) => target.services.contains(s),
            Gain::Resource(r, _) => {
                target.resources.contains(r) || target.services.contains(&dir.resource(*r).service)
            }
            Gain::Credentials => index.privileged(f.identity) || machines.contains(&f.identity),
        })
        .collect()
}

/// The principals to own: every one whose ownership the index could lead to the target,
/// and one of each class of the rest (the stand-ins, also returned); and the target's
/// accounts (its services' and machines').
fn candidates(
    dir: &Directory,
    index: &Index,
    target: &Target,
) -> (BTreeSet<AccountId>, BTreeSet<AccountId>, Vec<AccountId>) {
    let mut owned: BTreeSet<AccountId> = BTreeSet::new();
    let mut spns: Vec<String> = Vec::new();
    let mut accounts: Vec<AccountId> = Vec::new();
    for s in &target.services {
        let service = dir.service(*s);
        spns.push(service.spn.to_ascii_lowercase());
        accounts.push(service.account);
        if let Some(a) = dir.machine(service.machine).account {
            accounts.push(a);
        }
        owned.extend(
            index
                .services_on(service.machine)
                .iter()
                .map(|x| dir.service(*x).account),
        );
    }
    for r in &target.resources {
        accounts.push(dir.service(dir.resource(*r).service).account);
    }
    owned.extend(accounts.iter().copied());
    let mut stand_ins = BTreeSet::new();
    let mut classes = std::collections::HashSet::new();
    for id in dir.account_ids() {
        let a = dir.account(id);
        if a.kind == AccountKind::Group {
            continue;
        }
        // An SPN names its account's key: with altservice any of that account's services.
        let delegates_there = a
            .allowed_to_delegate_to
            .iter()
            .filter_map(|spn| dir.account_by_spn(spn))
            .any(|t| accounts.contains(&t));
        let admitted = accounts.iter().any(|t| index.admitted_by(id).contains(t));
        let writes = index.writable_by(id).iter().any(|t| accounts.contains(t));
        // A coercion into a listener trusted for delegation, or logging its clients on
        // with their password, hands it any machine's reusable credentials, a domain
        // controller's included; into one on a domain controller, that controller's.
        let harvests = index.services_of(id).iter().any(|s| {
            let service = dir.service(*s);
            a.trusted_for_delegation
                || service.logon != ServiceLogon::Network
                || dir.machine(service.machine).dc
        });
        if delegates_there || admitted || writes || harvests {
            owned.insert(id);
        } else if index.class(id).is_some_and(|c| classes.insert(c)) {
            owned.insert(id);
            stand_ins.insert(id);
        }
    }
    (owned, stand_ins, accounts)
}
