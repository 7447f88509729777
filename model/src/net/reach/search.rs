//! The reach search itself: breadth first over chain states from the attacker's owned
//! accounts, each transition one [`chain::try_step`], each state kept once (with whether the
//! attacker controls the process the chain is at), findings recorded as states are taken.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use super::super::chain::{self, ChainState, Step};
use super::super::directory::{AccountId, AccountKind, Directory, ServiceId};
use super::super::graph::Holding;
use super::super::graph::search::requests;
use super::super::hop::{Credentials, Hold, Holder};
use super::super::kerberos::Ticket;
use super::index::Index;
use super::{Answer, Attacker, Enumeration, Finding, Gain, Limits, PathStep};
use crate::core::decision::Trail;
use crate::rules::readings::Readings;

/// A state kept: the chain's, whether the attacker controls the process the chain is at
/// (a process on a machine it owns, or a service it listens as), and how it was reached.
struct Node {
    chain: ChainState,
    controlled: bool,
    parent: Option<usize>,
    by: PathStep,
}

/// Whether the search goes on from a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expand {
    Yes,
    No,
}

/// A step to try, and whether the attacker controls where it leads.
type Proposal = (Step, bool);

/// One query in progress.
pub(super) struct Search<'a> {
    dir: &'a Directory,
    readings: &'a Readings,
    index: &'a Index,
    attacker: &'a Attacker,
    enumeration: Enumeration,
    limits: Limits,
    nodes: Vec<Node>,
    seen: HashSet<(ChainState, bool)>,
    queue: VecDeque<usize>,
    evaluations: usize,
    stopped: bool,
    found: HashMap<(Gain, AccountId, Hold), usize>,
    findings: Vec<Finding>,
    /// The only accounts whose RBCD lists the attacker writes, when the question is about
    /// them alone ([`super::reverse`]); every one it may write when `None`.
    write_targets: Option<Vec<AccountId>>,
}

impl<'a> Search<'a> {
    pub(super) fn new(
        dir: &'a Directory,
        readings: &'a Readings,
        index: &'a Index,
        attacker: &'a Attacker,
        enumeration: Enumeration,
        limits: Limits,
    ) -> Self {
        Search {
            dir,
            readings,
            index,
            attacker,
            enumeration,
            limits,
            nodes: Vec::new(),
            seen: HashSet::new(),
            queue: VecDeque::new(),
            evaluations: 0,
            stopped: false,
            found: HashMap::new(),
            findings: Vec::new(),
            write_targets: None,
        }
    }

    /// The same search writing only `accounts`' RBCD lists: a write to another account
    /// admits the attacker to that account's services only, so a question about these
    /// accounts' services loses nothing by it.
    pub(super) fn writing_only_to(self, accounts: Vec<AccountId>) -> Self {
        Search {
            write_targets: Some(accounts),
            ..self
        }
    }

    pub(super) fn run(&mut self) {
        let root = ChainState::default();
        for account in self.attacker.owned.clone() {
            let own_key = Step::OwnKey {
                machine: self.attacker.machine,
                account,
            };
            self.follow(&root, None, own_key, false);
            for service in self.index.services_of(account) {
                let start = Step::StartService { service: *service };
                self.follow(&root, None, start, true);
            }
        }
        while let Some(i) = self.queue.pop_front() {
            if self.nodes.len() >= self.limits.max_states {
                self.stopped = true;
                break;
            }
            let Some(node) = self.nodes.get(i) else {
                continue;
            };
            let (chain, controlled) = (node.chain.clone(), node.controlled);
            for (step, leads_to_control) in self.proposals(&chain, controlled) {
                self.follow(&chain, Some(i), step, leads_to_control);
            }
        }
    }

    pub(super) fn answer(self) -> Answer {
        Answer {
            findings: self.findings,
            states: self.nodes.len(),
            evaluations: self.evaluations,
            stopped: self.stopped,
        }
    }

    /// Takes `step` from `chain` and keeps the state it leads to if it is new.
    fn follow(&mut self, chain: &ChainState, parent: Option<usize>, step: Step, controlled: bool) {
        self.evaluations += 1;
        let mut trail = Trail::rule_set();
        let Ok(next) = chain::try_step(self.dir, self.readings, chain, &step, &mut trail) else {
            return;
        };
        let by = PathStep {
            step,
            rules: trail.rules().iter().collect(),
        };
        // Another's service the chain has reached is where the attacker stops: it is
        // authenticated there and may open what the service guards, but the service's
        // process is not the attacker's. Its findings are recorded; it is not kept.
        let leaf = !controlled && next.holder.as_ref().is_some_and(|h| h.service.is_some());
        if leaf {
            self.record(parent, Some(&by), &next, controlled);
            return;
        }
        if !self.seen.insert((key(&next), controlled)) {
            return;
        }
        let expand = self.record(parent, Some(&by), &next, controlled);
        self.nodes.push(Node {
            chain: next,
            controlled,
            parent,
            by,
        });
        if expand == Expand::Yes {
            self.queue.push_back(self.nodes.len() - 1);
        }
    }

    /// The steps from the first to node `at` (none: the start), then `last`.
    fn path(&self, at: Option<usize>, last: Option<&PathStep>) -> Vec<PathStep> {
        let mut path: Vec<PathStep> = last.into_iter().cloned().collect();
        let mut at = at;
        while let Some(j) = at {
            let Some(node) = self.nodes.get(j) else {
                break;
            };
            path.push(node.by.clone());
            at = node.parent;
        }
        path.reverse();
        path
    }

    fn owned(&self, account: AccountId) -> bool {
        self.attacker.owned.contains(&account)
    }

    /// Records what state `i` gives the attacker, and says whether to go on from it: not
    /// from another identity's reusable credentials in a process the attacker controls,
    /// which stand for whatever that identity may do (a query owning it says what).
    fn record(
        &mut self,
        at: Option<usize>,
        last: Option<&PathStep>,
        chain: &ChainState,
        controlled: bool,
    ) -> Expand {
        let Some(holder) = chain.holder.as_ref() else {
            return Expand::Yes;
        };
        let (Some(service), Some(identity)) = (holder.service, holder.presents) else {
            return Expand::Yes;
        };
        let mut expand = Expand::Yes;
        if controlled {
            let reusable = matches!(
                holder.credentials,
                Credentials::Tgt(_) | Credentials::Password
            );
            if reusable && !self.owned(identity) {
                self.note(at, last, Gain::Credentials, identity, holder);
                expand = Expand::No;
            }
        } else if !self.owned(identity) {
            self.note(at, last, Gain::Service(service), identity, holder);
        }
        if holder.hold.acts() {
            for (resource, rights) in self.granted(chain, service) {
                self.note(at, last, Gain::Resource(resource, rights), identity, holder);
            }
        }
        expand
    }

    fn note(
        &mut self,
        at: Option<usize>,
        last: Option<&PathStep>,
        gain: Gain,
        identity: AccountId,
        holder: &Holder,
    ) {
        let key = (gain.clone(), identity, holder.hold);
        if self.found.contains_key(&key) {
            return;
        }
        self.found.insert(key, self.findings.len());
        let finding = Finding {
            gain,
            identity,
            hold: holder.hold,
            holding: Holding::of(holder),
            stands_for: self.index.class_size(identity),
            path: self.path(at, last),
        };
        self.findings.push(finding);
    }

    /// The rights each resource `service` guards grants the chain's holder, each found by
    /// the chain's `access` step (HOP-2).
    fn granted(
        &mut self,
        chain: &ChainState,
        service: ServiceId,
    ) -> Vec<(super::super::directory::ResourceId, Vec<Arc<str>>)> {
        let mut out = Vec::new();
        for r in self.index.resources_of(service).to_vec() {
            let mut rights: Vec<Arc<str>> = Vec::new();
            for entry in &self.dir.resource(r).dacl {
                for right in &entry.rights {
                    if rights.contains(right) {
                        continue;
                    }
                    let access = Step::Access {
                        resource: r,
                        rights: vec![right.clone()],
                    };
                    self.evaluations += 1;
                    let mut trail = Trail::rule_set();
                    if chain::try_step(self.dir, self.readings, chain, &access, &mut trail).is_ok()
                    {
                        rights.push(right.clone());
                    }
                }
            }
            if !rights.is_empty() {
                out.push((r, rights));
            }
        }
        out
    }

    /// The steps worth trying from a state.
    fn proposals(&self, chain: &ChainState, controlled: bool) -> Vec<Proposal> {
        let mut out = Vec::new();
        if !chain.rbcd_added.is_empty() || self.enumeration == Enumeration::Everything {
            for account in &self.attacker.owned {
                let own_key = Step::OwnKey {
                    machine: self.attacker.machine,
                    account: *account,
                };
                out.push((own_key, false));
            }
        }
        let Some(holder) = chain.holder.as_ref() else {
            return out;
        };
        match (holder.service, &holder.credentials, holder.presents) {
            (None, Credentials::Key { .. }, Some(account)) => {
                self.tool_steps(chain, holder, account, &mut out);
            }
            (Some(service), _, presents) if controlled => {
                self.process_steps(chain, holder, service, presents, &mut out);
            }
            _ => {}
        }
        out
    }

    /// What a tool holding `account`'s key tries.
    fn tool_steps(
        &self,
        chain: &ChainState,
        holder: &Holder,
        account: AccountId,
        out: &mut Vec<Proposal>,
    ) {
        let everything = self.enumeration == Enumeration::Everything;
        if holder.evidence.is_none() || everything {
            for user in self.users() {
                out.push((Step::KeyS4u2self { user }, false));
            }
            self.rbcd_writes(chain, account, false, out);
            self.coercions(account, out);
            let targets: Vec<ServiceId> = if everything {
                self.dir.service_ids().collect()
            } else {
                self.index.guards().to_vec()
            };
            self.calls(&targets, out);
        }
        let Some(ticket) = holder.evidence.as_ref() else {
            return;
        };
        let server = ticket.server;
        let spns: Vec<Arc<str>> = if everything {
            self.every_spn()
        } else {
            self.proxy_spns(chain, account)
        };
        for spn in spns {
            out.push((Step::KeyS4u2proxy { spn }, false));
        }
        let Some(server) = server else {
            return;
        };
        let (alt, present): (Vec<Arc<str>>, Vec<ServiceId>) = if everything {
            (self.every_spn(), self.dir.service_ids().collect())
        } else {
            // A name no service of the account answers to is presented nowhere.
            let services = self.index.services_of(server).to_vec();
            let names: Vec<Arc<str>> = services
                .iter()
                .map(|s| self.dir.service(*s).spn.clone())
                .collect();
            (names, services)
        };
        for spn in alt {
            out.push((Step::AltService { spn }, false));
        }
        for service in present {
            out.push((Step::Present { service }, false));
        }
    }

    /// What a process the attacker controls tries: S4U2self where it may, calls onward
    /// where its account may delegate or on its own machine, and RBCD writes as the
    /// identity it presents.
    fn process_steps(
        &self,
        chain: &ChainState,
        holder: &Holder,
        service: ServiceId,
        presents: Option<AccountId>,
        out: &mut Vec<Proposal>,
    ) {
        let s = self.dir.service(service);
        // Without SeTcbPrivilege the token is at Identification (HOP-5), but the ticket
        // still serves as S4U2proxy evidence. On a domain controller the identity obtained
        // writes RBCD lists as itself (AD-11), so every user that may write one is tried
        // too, not only one per class.
        let mut users = self.users();
        if self.enumeration == Enumeration::Pruned && self.dir.machine(s.machine).dc {
            let writers: Vec<AccountId> = self
                .index
                .writers()
                .iter()
                .copied()
                .filter(|u| self.dir.account(*u).kind == AccountKind::User && !users.contains(u))
                .filter(|u| self.writes_within_focus(*u))
                .collect();
            users.extend(writers);
        }
        for user in users {
            out.push((Step::S4u2self { user }, true));
        }
        // A write is an LDAP call to a domain controller: a thread impersonating a logon
        // with no credentials makes it only on one (NET-1, AD-11), so from anywhere else
        // the attacker's writes as that identity are not worth proposing.
        let reaches_a_dc = holder.hold == Hold::Own
            || holder.credentials != Credentials::None
            || self.dir.machine(holder.machine).dc;
        if let Some(identity) = presents.filter(|_| holder.hold.acts() && reaches_a_dc) {
            self.rbcd_writes(chain, identity, true, out);
        }
        let targets: Vec<ServiceId> = if self.enumeration == Enumeration::Everything {
            self.dir.service_ids().collect()
        } else {
            let mut t = self.proxy_services(chain, s.account);
            t.extend(self.index.services_on(s.machine));
            t.extend(self.index.guards());
            t.sort_unstable();
            t.dedup();
            t
        };
        self.calls(&targets, out);
    }

    /// Calls to each of `targets`, at the most a client may ask and, where Delegate is
    /// refused outright, at Impersonation.
    /// A call lands at another's service, which the attacker does not control.
    fn calls(&self, targets: &[ServiceId], out: &mut Vec<Proposal>) {
        for t in targets {
            for req in requests(self.dir, *t) {
                out.push((Step::Call(req), false));
            }
        }
    }

    /// Whether `writer` may write an RBCD list the question is about (any, when the
    /// question is not about some accounts alone).
    fn writes_within_focus(&self, writer: AccountId) -> bool {
        let writable = self.index.writable_by(writer);
        self.write_targets
            .as_ref()
            .is_none_or(|focus| focus.iter().any(|t| writable.binary_search(t).is_ok()))
    }

    /// The users S4U2self is tried for.
    fn users(&self) -> Vec<AccountId> {
        match self.enumeration {
            Enumeration::Pruned => self.index.representatives(&self.attacker.owned).collect(),
            Enumeration::Everything => self
                .dir
                .account_ids()
                .filter(|a| self.dir.account(*a).kind == AccountKind::User)
                .collect(),
        }
    }

    /// RBCD writes `writer` may make, each admitting an owned account.
    fn rbcd_writes(
        &self,
        chain: &ChainState,
        writer: AccountId,
        controlled: bool,
        out: &mut Vec<Proposal>,
    ) {
        if chain.rbcd_added.iter().count() >= self.limits.max_rbcd_writes {
            return;
        }
        // A write admits the attacker to the target's services: to an account that runs
        // none, it admits it nowhere.
        let serves = |t: &AccountId| !self.index.services_of(*t).is_empty();
        let targets: Vec<AccountId> = match (self.enumeration, &self.write_targets) {
            (Enumeration::Pruned, None) => self
                .index
                .writable_by(writer)
                .iter()
                .copied()
                .filter(serves)
                .collect(),
            (Enumeration::Pruned, Some(focus)) => {
                let writable = self.index.writable_by(writer);
                focus
                    .iter()
                    .copied()
                    .filter(|t| writable.binary_search(t).is_ok() && serves(t))
                    .collect()
            }
            (Enumeration::Everything, None) => self.dir.account_ids().collect(),
            (Enumeration::Everything, Some(focus)) => focus.clone(),
        };
        for target in targets {
            for allow in &self.attacker.owned {
                // A write leaves the holder where it was.
                out.push((
                    Step::SetRbcd {
                        target,
                        allow: *allow,
                    },
                    controlled,
                ));
            }
        }
    }

    /// Coercions of machines' LocalSystem services into a service running as `account`,
    /// whose key the attacker holds: unconstrained delegation hands it the machine's TGT,
    /// any other listener an impersonation of the machine's account. One victim per class
    /// of victims (the index's), and every victim on the listener's own machine (the
    /// Potato family).
    fn coercions(&self, account: AccountId, out: &mut Vec<Proposal>) {
        let listeners = self.index.services_of(account);
        if listeners.is_empty() {
            return;
        }
        for to in listeners {
            let machine = self.dir.service(*to).machine;
            let victims: Vec<ServiceId> = match self.enumeration {
                Enumeration::Pruned => {
                    let mut v: Vec<ServiceId> = self
                        .index
                        .victim_representatives(self.dir, &self.attacker.owned)
                        .collect();
                    v.extend(self.index.victims_on(machine));
                    v.sort_unstable();
                    v.dedup();
                    v
                }
                Enumeration::Everything => self.index.victims().to_vec(),
            };
            for victim in victims {
                out.push((Step::Coerce { victim, to: *to }, true));
            }
        }
    }

    /// The SPNs `account` may ask S4U2proxy for: its msDS-AllowedToDelegateTo, and one
    /// service of each account whose RBCD list admits it (the tickets for an account's
    /// services differ in the service name only, which altservice rewrites).
    fn proxy_spns(&self, chain: &ChainState, account: AccountId) -> Vec<Arc<str>> {
        let mut spns: Vec<Arc<str>> = self.dir.account(account).allowed_to_delegate_to.clone();
        for target in self.admitting(chain, account) {
            if let Some(s) = self.index.services_of(target).first() {
                spns.push(self.dir.service(*s).spn.clone());
            }
        }
        spns
    }

    /// The services `account` may reach by S4U2proxy: those its msDS-AllowedToDelegateTo
    /// names, and those of the accounts whose RBCD list admits it.
    fn proxy_services(&self, chain: &ChainState, account: AccountId) -> Vec<ServiceId> {
        let mut out = Vec::new();
        for spn in &self.dir.account(account).allowed_to_delegate_to {
            if let Some(target) = self.dir.account_by_spn(spn) {
                out.extend(self.index.services_of(target));
            }
        }
        for target in self.admitting(chain, account) {
            out.extend(self.index.services_of(target));
        }
        out
    }

    /// The accounts whose RBCD list admits `account`: stored, or written by the chain
    /// (directly or through a group it is in).
    fn admitting(&self, chain: &ChainState, account: AccountId) -> Vec<AccountId> {
        let mut out = self.index.admitted_by(account).to_vec();
        out.extend(
            chain
                .rbcd_added
                .iter()
                .filter(|(_, allowed)| self.dir.is_member(account, *allowed))
                .map(|(target, _)| *target),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every SPN the directory names: its services', its accounts' and its delegation
    /// lists'.
    fn every_spn(&self) -> Vec<Arc<str>> {
        let mut spns: Vec<Arc<str>> = Vec::new();
        for s in &self.dir.services {
            spns.push(s.spn.clone());
        }
        for a in &self.dir.accounts {
            spns.extend(a.spns.iter().cloned());
            spns.extend(a.allowed_to_delegate_to.iter().cloned());
        }
        spns.sort_unstable();
        spns.dedup();
        spns
    }
}

/// The state a chain is kept under: itself, with each ticket's S4U_DELEGATION_INFO
/// collapsed where one account follows itself. A tool may send the ticket S4U2proxy gave it
/// back as evidence, and each round appends its account again; no rule reads that list but
/// for its last account (and narration), so the rounds lead nowhere new.
fn key(chain: &ChainState) -> ChainState {
    let Some(holder) = chain.holder.as_ref() else {
        return chain.clone();
    };
    let repeats = |t: &Ticket| t.transited.windows(2).any(|w| w.first() == w.get(1));
    let tgt_repeats = matches!(&holder.credentials, Credentials::Tgt(t) if repeats(t));
    if !holder.evidence.as_ref().is_some_and(repeats) && !tgt_repeats {
        return chain.clone();
    }
    let mut kept = chain.clone();
    if let Some(h) = kept.holder.as_mut() {
        if let Some(t) = h.evidence.as_mut() {
            t.transited.dedup();
        }
        if let Credentials::Tgt(t) = &mut h.credentials {
            t.transited.dedup();
        }
    }
    kept
}
