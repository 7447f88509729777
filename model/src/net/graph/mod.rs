//! The delegation graph of a directory: a node per account, service and resource, and an
//! edge for each way a client's identity can flow from one service to another, each edge
//! found by playing the network family's one step function ([`super::chain::try_step`]),
//! never by a second statement of the hop; and the reachability query "from this client
//! entering at this service, which services and resources can be reached as the client,
//! and along which hops".
//!
//! - The query ([`reach`]) is a breadth-first search over chain states ([`search`]): the
//!   client's call to the entry, then every call a service may make onward as the client
//!   (the most it may ask: Delegate with mutual authentication) and S4U2self; each path it
//!   reports replays as a chain.
//! - The graph's identity edges are the transitions of that search for one representative
//!   of each class of user that the hop tells apart (domain, NOT_DELEGATED, Protected
//!   Users, the built-in Administrator), entering at every service: a rule added to the
//!   hop changes the graph without a second edit. Coercion edges are the coerced
//!   authentications ([`super::chain::Step::Coerce`]) that leave the listener acting as the
//!   victim's machine; RBCD-write edges are the accounts allowed to write an RBCD list.

pub mod search;
pub mod targets;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use super::chain::{self, ChainState, Step};
use super::directory::{
    AccountId, AccountKind, Directory, DomainId, LocalAccount, Machine, MachineId, Protocol,
    ResourceId, ServiceId, TooMany,
};
use super::hop::{Credentials, Holder};
use super::kerberos::Origin;
use crate::core::decision::Trail;
use crate::rules::RuleId;
use crate::rules::readings::Readings;
use search::Search;

/// A node of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Node {
    /// An account.
    Account(AccountId),
    /// A service.
    Service(ServiceId),
    /// A resource.
    Resource(ResourceId),
}

/// How an identity flows along an edge (or, for `RunsAs` and `Guards`, how the topology
/// is built).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A client's own authenticated call to a service, or a call that carries no more
    /// than a network logon.
    Call,
    /// A service holding the client's TGT calls onward as it (AD-3, KRB-2, KRB-3).
    Unconstrained,
    /// Classic constrained delegation to an SPN in msDS-AllowedToDelegateTo (AD-9, S4U-4).
    Constrained,
    /// S4U2self: the service gets a ticket in the client's name (AD-8, S4U-1, S4U-2).
    ProtocolTransition,
    /// Resource-based constrained delegation admitted by the back end (AD-10, S4U-5).
    ResourceBased,
    /// A local server sharing the client's logon session makes one network call as it
    /// (LVL-5).
    NcalrpcOneHop,
    /// A service that made a cleartext logon of the client calls onward with its password
    /// (NET-4).
    Cleartext,
    /// A call to another service on the same machine (local IPC, LVL-1).
    Local,
    /// The client's identity writes an account's RBCD list (AD-11): in the query a step at
    /// a service, in the graph an edge from a principal allowed to write to the account.
    RbcdWrite,
    /// A machine is made to authenticate (its LocalSystem service, as the machine's
    /// account) to a service, which then acts as that machine (ATK-3, ATK-5): an edge from
    /// the machine's account to the service.
    Coerce,
    /// A service runs as an account.
    RunsAs,
    /// A service guards a resource (HOP-2).
    Guards,
}

impl EdgeKind {
    /// The rules that make this edge.
    #[must_use]
    pub fn rules(self) -> &'static [RuleId] {
        match self {
            EdgeKind::Call => &[RuleId::NET_3],
            EdgeKind::Unconstrained => &[RuleId::AD_3, RuleId::KRB_2, RuleId::KRB_3],
            EdgeKind::Constrained => &[RuleId::AD_9, RuleId::S4U_4],
            EdgeKind::ProtocolTransition => &[RuleId::AD_8, RuleId::S4U_1, RuleId::S4U_2],
            EdgeKind::ResourceBased => &[RuleId::AD_10, RuleId::S4U_5],
            EdgeKind::NcalrpcOneHop => &[RuleId::LVL_5],
            EdgeKind::Cleartext => &[RuleId::NET_4],
            EdgeKind::Local => &[RuleId::LVL_1],
            EdgeKind::RbcdWrite => &[RuleId::AD_11],
            EdgeKind::Coerce => &[RuleId::ATK_3, RuleId::ATK_5],
            EdgeKind::RunsAs => &[],
            EdgeKind::Guards => &[RuleId::HOP_2],
        }
    }

    /// Its name in the graph's output.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            EdgeKind::Call => "call",
            EdgeKind::Unconstrained => "unconstrained",
            EdgeKind::Constrained => "constrained",
            EdgeKind::ProtocolTransition => "protocol_transition",
            EdgeKind::ResourceBased => "resource_based",
            EdgeKind::NcalrpcOneHop => "ncalrpc_one_hop",
            EdgeKind::Cleartext => "cleartext",
            EdgeKind::Local => "local",
            EdgeKind::RbcdWrite => "rbcd_write",
            EdgeKind::Coerce => "coerce",
            EdgeKind::RunsAs => "runs_as",
            EdgeKind::Guards => "guards",
        }
    }

    /// Whether an identity flows along it.
    #[must_use]
    pub fn carries_identity(self) -> bool {
        !matches!(self, EdgeKind::RunsAs | EdgeKind::Guards)
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What a service holds for the client it reached, as far as going further depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Holding {
    /// The client's forwarded TGT (KRB-3).
    Tgt,
    /// The client's password or its logon session's credentials (NET-4, LVL-5).
    Password,
    /// A forwardable ticket in the client's name: evidence for S4U2proxy (KRB-5).
    Forwardable,
    /// A non-forwardable S4U2self ticket the S4U client still sends (S4U-3, S4U-7).
    S4uEvidence,
    /// Nothing it can authenticate onward with (NET-1).
    Nothing,
    /// The client at Identification only: it can be checked, not acted as (LVL-1, LVL-8).
    Identification,
}

impl Holding {
    /// What `holder` holds for the identity it presents.
    #[must_use]
    pub fn of(holder: &Holder) -> Holding {
        if !holder.hold.acts() {
            return Holding::Identification;
        }
        match (&holder.credentials, &holder.evidence) {
            (Credentials::Tgt(_), _) => Holding::Tgt,
            // A key answers the AS exchange as the password does (ATK-10).
            (Credentials::Password | Credentials::Key { .. }, _) => Holding::Password,
            (Credentials::None, Some(t)) if t.forwardable => Holding::Forwardable,
            (Credentials::None, Some(t)) if t.origin == Origin::S4u2self => Holding::S4uEvidence,
            (Credentials::None, _) => Holding::Nothing,
        }
    }

    /// Its name in the query's answer.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Holding::Tgt => "the client's TGT",
            Holding::Password => "the client's password",
            Holding::Forwardable => "a forwardable ticket",
            Holding::S4uEvidence => "a non-forwardable S4U2self ticket",
            Holding::Nothing => "no credentials",
            Holding::Identification => "the client at Identification only",
        }
    }
}

/// The delegation graph, and the directory its searches play in.
#[derive(Clone, Debug)]
pub struct DelegationGraph {
    /// The graph.
    pub graph: DiGraph<Node, EdgeKind>,
    accounts: Vec<NodeIndex>,
    services: Vec<NodeIndex>,
    resources: Vec<NodeIndex>,
    /// The directory, with a workstation added to each domain for its users to sign in
    /// at (machines after the directory's own).
    dir: Directory,
    readings: Readings,
    workstations: HashMap<DomainId, MachineId>,
    /// Chain steps evaluated to build the graph.
    pub evaluations: usize,
}

impl DelegationGraph {
    /// Builds the graph of `dir` under `readings`.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when `dir` has no machine id left for the workstation each domain's
    /// users sign in at.
    pub fn build(dir: &Directory, readings: &Readings) -> Result<Self, TooMany> {
        let mut dir = dir.clone();
        let mut workstations = HashMap::new();
        for d in dir.domain_ids() {
            let workstation = dir.push_machine(Machine {
                name: format!("{} workstation", dir.domain(d).name).into(),
                domain: Some(d),
                account: None,
                dc: false,
                credential_guard: false,
            })?;
            workstations.insert(d, workstation);
        }
        let mut graph = DiGraph::new();
        let accounts = dir
            .account_ids()
            .map(|a| graph.add_node(Node::Account(a)))
            .collect();
        let services = dir
            .service_ids()
            .map(|s| graph.add_node(Node::Service(s)))
            .collect();
        let resources = dir
            .resource_ids()
            .map(|r| graph.add_node(Node::Resource(r)))
            .collect();
        let mut g = DelegationGraph {
            graph,
            accounts,
            services,
            resources,
            dir,
            readings: *readings,
            workstations,
            evaluations: 0,
        };
        g.add_structure();
        g.add_identity_edges();
        g.add_coercions();
        Ok(g)
    }

    /// The directory the graph's searches play in: the one it was built from, with a
    /// workstation per domain after its own machines.
    #[must_use]
    pub fn directory(&self) -> &Directory {
        &self.dir
    }

    /// Where `user` signs in to call `entry`: the entry's own machine for an ncalrpc
    /// service, else a workstation of the user's domain.
    #[must_use]
    pub fn client_machine(&self, user: AccountId, entry: ServiceId) -> Option<MachineId> {
        let e = self.dir.service(entry);
        if e.protocol == Protocol::Ncalrpc {
            return Some(e.machine);
        }
        self.workstations
            .get(&self.dir.account(user).domain)
            .copied()
    }

    fn add_structure(&mut self) {
        let runs: Vec<(ServiceId, AccountId)> = self
            .dir
            .service_ids()
            .map(|s| (s, self.dir.service(s).account))
            .collect();
        for (s, a) in runs {
            self.add_edge(Node::Service(s), Node::Account(a), EdgeKind::RunsAs);
        }
        let guarded: Vec<(ResourceId, ServiceId)> = self
            .dir
            .resource_ids()
            .map(|r| (r, self.dir.resource(r).service))
            .collect();
        for (r, s) in guarded {
            self.add_edge(Node::Service(s), Node::Resource(r), EdgeKind::Guards);
        }
        let writers: Vec<(AccountId, AccountId)> = self
            .dir
            .account_ids()
            .flat_map(|a| {
                self.dir
                    .account(a)
                    .rbcd_writers
                    .iter()
                    .map(move |w| (*w, a))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (w, a) in writers {
            self.add_edge(Node::Account(w), Node::Account(a), EdgeKind::RbcdWrite);
        }
    }

    /// One user of each class the hop tells apart.
    fn representatives(&self) -> Vec<AccountId> {
        let mut seen = BTreeSet::new();
        self.dir
            .account_ids()
            .filter(|u| {
                let a = self.dir.account(*u);
                a.kind == AccountKind::User
                    && seen.insert((a.domain, a.not_delegated, a.protected_users, a.rid == 500))
            })
            .collect()
    }

    fn add_identity_edges(&mut self) {
        let entries: Vec<ServiceId> = self.dir.service_ids().collect();
        let mut found: BTreeSet<(ServiceId, ServiceId, EdgeKind)> = BTreeSet::new();
        for user in self.representatives() {
            let mut search = Search::new(&self.dir, &self.readings, user).recording_edges();
            for entry in &entries {
                if let Some(machine) = self.client_machine(user, *entry) {
                    search.enter(machine, &[*entry]);
                }
            }
            search.run();
            self.evaluations += search.evaluations;
            found.extend(search.edges.into_iter().flatten());
        }
        for (from, to, kind) in found {
            self.add_edge(Node::Service(from), Node::Service(to), kind);
        }
    }

    /// Each machine whose LocalSystem service (the spooler and its kin) can be made to
    /// authenticate to a service on its own machine or one trusted for delegation, leaving
    /// the listener acting as the machine: an edge from the machine's account to the
    /// listener, found by the chain's coerce step.
    fn add_coercions(&mut self) {
        let mut found = Vec::new();
        let mut victims: HashMap<MachineId, ServiceId> = HashMap::new();
        for s in self.dir.service_ids() {
            if self.dir.service(s).local_account == LocalAccount::System {
                victims.entry(self.dir.service(s).machine).or_insert(s);
            }
        }
        let mut victims: Vec<ServiceId> = victims.into_values().collect();
        victims.sort_unstable();
        for victim in victims {
            let v = self.dir.service(victim);
            for to in self.dir.service_ids() {
                let l = self.dir.service(to);
                let trusted = self.dir.account(l.account).trusted_for_delegation;
                if l.account == v.account || (l.machine != v.machine && !trusted) {
                    continue;
                }
                self.evaluations += 1;
                let step = Step::Coerce { victim, to };
                let mut trail = Trail::rule_set();
                let Ok(next) = chain::try_step(
                    &self.dir,
                    &self.readings,
                    &ChainState::default(),
                    &step,
                    &mut trail,
                ) else {
                    continue;
                };
                let acts_as_machine = next.holder.as_ref().is_some_and(|h| {
                    h.presents == Some(v.account)
                        && (matches!(h.credentials, Credentials::Tgt(_)) || h.hold.acts())
                        && Holding::of(h) != Holding::Identification
                });
                if acts_as_machine {
                    found.push((v.account, to));
                }
            }
        }
        for (machine_account, to) in found {
            self.add_edge(
                Node::Account(machine_account),
                Node::Service(to),
                EdgeKind::Coerce,
            );
        }
    }

    fn add_edge(&mut self, from: Node, to: Node, kind: EdgeKind) {
        // Every id the graph is given was minted by the directory it was built from.
        let (Some(from), Some(to)) = (self.node(from), self.node(to)) else {
            return;
        };
        if !self
            .graph
            .edges_connecting(from, to)
            .any(|e| *e.weight() == kind)
        {
            self.graph.add_edge(from, to, kind);
        }
    }

    /// Adds a `call` edge from an account or service to a service.
    pub fn add_call(&mut self, from: Node, to: ServiceId) {
        self.add_edge(from, Node::Service(to), EdgeKind::Call);
    }

    fn node(&self, n: Node) -> Option<NodeIndex> {
        match n {
            Node::Account(a) => self.accounts.get(a.index()),
            Node::Service(s) => self.services.get(s.index()),
            Node::Resource(r) => self.resources.get(r.index()),
        }
        .copied()
    }

    /// How many nodes and edges the graph has.
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        (self.graph.node_count(), self.graph.edge_count())
    }
}

/// One hop of a path the query found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The service the hop leaves (none: the client itself).
    pub from: Option<ServiceId>,
    /// The service it reaches (for an RBCD write or S4U2self, the one it stays at).
    pub to: ServiceId,
    /// How.
    pub kind: EdgeKind,
    /// What the service reached holds for the client afterwards.
    pub holding: Holding,
    /// The rules that decided it.
    pub rules: Vec<RuleId>,
    /// The chain step, to replay it.
    #[serde(skip)]
    pub step: Step,
}

/// A service the client reaches, with the shortest way there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reached {
    /// The service.
    pub service: ServiceId,
    /// What it holds for the client on the shortest way.
    pub holding: Holding,
    /// The hops from the client.
    pub path: Vec<Hop>,
}

/// A resource the client reaches through a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReachedResource {
    /// The resource.
    pub resource: ResourceId,
    /// The rights its DACL grants the client.
    pub rights: Vec<String>,
    /// The hops to the service that guards it.
    pub path: Vec<Hop>,
}

/// The answer to a reachability query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// The client.
    pub client: AccountId,
    /// The service it enters at.
    pub entry: ServiceId,
    /// The machine the client signed in at (a workstation of its domain, or an ncalrpc
    /// entry's own machine), in [`DelegationGraph::directory`].
    pub machine: Option<MachineId>,
    /// The services reached as the client, nearest first.
    pub services: Vec<Reached>,
    /// The resources reached as the client.
    pub resources: Vec<ReachedResource>,
    /// The chain states the search kept.
    pub states: usize,
}

fn hops(path: Vec<search::Transition>) -> Vec<Hop> {
    path.into_iter()
        .map(|t| Hop {
            from: t.from,
            to: t.to,
            kind: t.kind,
            holding: t.holding,
            rules: t.rules,
            step: t.step,
        })
        .collect()
}

/// From `user` entering at `entry`, the services and resources reached as the user.
#[must_use]
pub fn reach(graph: &DelegationGraph, user: AccountId, entry: ServiceId) -> Reach {
    answer(
        graph,
        user,
        entry,
        Search::new(&graph.dir, &graph.readings, user),
    )
}

/// [`reach`], calling every service from every state instead of one per group of services
/// that answer alike: the reference the grouped search is tested against, and measured.
#[must_use]
pub fn reach_calling_every_service(
    graph: &DelegationGraph,
    user: AccountId,
    entry: ServiceId,
) -> Reach {
    let search = Search::new(&graph.dir, &graph.readings, user).calling_every_service();
    answer(graph, user, entry, search)
}

fn answer(
    graph: &DelegationGraph,
    user: AccountId,
    entry: ServiceId,
    mut search: Search<'_>,
) -> Reach {
    let machine = graph.client_machine(user, entry);
    if let Some(m) = machine {
        search.enter(m, &[entry]);
    }
    search.run();
    let mut services: Vec<Reached> = Vec::new();
    let mut resources: Vec<ReachedResource> = Vec::new();
    for (i, state) in search.states.iter().enumerate() {
        let service = state.by.to;
        let holding = state.by.holding;
        // A service is listed with the first way it is reached, unless that way holds the
        // client at Identification and a later one acts as it.
        let known = services.iter().position(|r| r.service == service);
        if let Some(k) = known
            && (holding == Holding::Identification
                || services
                    .get(k)
                    .is_some_and(|r| r.holding != Holding::Identification))
        {
            continue;
        }
        let path = hops(search.path(i));
        if holding != Holding::Identification {
            for (r, rights) in granted(graph, &state.chain, service) {
                if !resources.iter().any(|x| x.resource == r) {
                    resources.push(ReachedResource {
                        resource: r,
                        rights,
                        path: path.clone(),
                    });
                }
            }
        }
        let reached = Reached {
            service,
            holding,
            path,
        };
        match known.and_then(|k| services.get_mut(k)) {
            Some(slot) => *slot = reached,
            None => services.push(reached),
        }
    }
    Reach {
        client: user,
        entry,
        machine,
        services,
        resources,
        states: search.states.len(),
    }
}

/// The rights the resources `service` guards grant the chain's holder, each found by the
/// chain's `access` step (HOP-2).
fn granted(
    graph: &DelegationGraph,
    chain: &ChainState,
    service: ServiceId,
) -> Vec<(ResourceId, Vec<String>)> {
    let dir = &graph.dir;
    let mut out = Vec::new();
    for r in dir.resource_ids() {
        if dir.resource(r).service != service {
            continue;
        }
        let mut rights: Vec<String> = Vec::new();
        for entry in &dir.resource(r).dacl {
            for right in &entry.rights {
                if rights.iter().any(|x| **x == **right) {
                    continue;
                }
                let access = Step::Access {
                    resource: r,
                    rights: vec![right.clone()],
                };
                let mut trail = Trail::rule_set();
                if chain::try_step(dir, &graph.readings, chain, &access, &mut trail).is_ok() {
                    rights.push(right.to_string());
                }
            }
        }
        if !rights.is_empty() {
            out.push((r, rights));
        }
    }
    out
}
