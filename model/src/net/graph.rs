//! The delegation graph of a directory: a node per account, service and resource, and an
//! edge for each way a client's identity can flow from one service to another
//! (unconstrained, constrained and resource-based delegation, protocol transition, the
//! ncalrpc exception, cleartext logons, local calls), each edge naming its rules; and the
//! reachability query "from this client entering at this service, which services and
//! resources can be reached as the client, and along which hops".
//!
//! The query is a breadth-first search over (service, what the service holds for the
//! client) pairs; what a hop gives is decided by the same facts [`super::hop`] plays
//! (AD-*, KRB-*, S4U-*, NET-*, LVL-*), taking at each hop the most the client and each
//! server may ask for: Delegate with mutual authentication, and S4U2self where a service
//! may use it.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::directory::{
    AccountId, Directory, Protocol, ResourceId, ServiceId, ServiceLogon, TrustKind,
};
use super::kerberos::is_sensitive;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// A node of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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
    /// A client's own authenticated call to a service (a chain's `call`).
    Call,
    /// A service trusted for delegation holds the client's TGT and reaches any service
    /// (AD-3, KRB-2, KRB-3).
    Unconstrained,
    /// Classic constrained delegation to an SPN in msDS-AllowedToDelegateTo (AD-9, S4U-4).
    Constrained,
    /// S4U2self: the service gets a ticket in any user's name (AD-8, S4U-1, S4U-2).
    ProtocolTransition,
    /// Resource-based constrained delegation admitted by the back end (AD-10, S4U-5).
    ResourceBased,
    /// A local server reached over ncalrpc shares the client's logon session and makes one
    /// network call as it (LVL-5).
    NcalrpcOneHop,
    /// A service that makes cleartext logons holds the client's password (NET-4).
    Cleartext,
    /// A call to another service on the same machine (local IPC, LVL-1).
    Local,
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

    fn index(self) -> usize {
        self as usize
    }

    const COUNT: usize = 6;
}

/// The delegation graph.
#[derive(Clone, Debug)]
pub struct DelegationGraph {
    /// The graph.
    pub graph: DiGraph<Node, EdgeKind>,
    accounts: Vec<NodeIndex>,
    services: Vec<NodeIndex>,
    resources: Vec<NodeIndex>,
}

/// Whether a principal of `from` can reach a service of `to` by Kerberos, and whether
/// OK-AS-DELEGATE survives the way (KRB-8).
fn kerberos_way(
    dir: &Directory,
    from: super::directory::DomainId,
    to: super::directory::DomainId,
) -> Option<bool> {
    if from == to {
        return Some(true);
    }
    let trust = dir.trust(from, to)?;
    Some(
        (trust.kind == TrustKind::WithinForest || trust.enable_tgt_delegation)
            && !trust.quarantined,
    )
}

impl DelegationGraph {
    /// Builds the graph of `dir`.
    #[must_use]
    pub fn build(dir: &Directory) -> Self {
        let mut graph = DiGraph::with_capacity(
            dir.accounts.len() + dir.services.len() + dir.resources.len(),
            dir.services.len() * 4,
        );
        let accounts: Vec<NodeIndex> = (0..dir.accounts.len())
            .map(|i| {
                graph.add_node(Node::Account(AccountId(
                    u32::try_from(i).unwrap_or(u32::MAX),
                )))
            })
            .collect();
        let services: Vec<NodeIndex> = (0..dir.services.len())
            .map(|i| {
                graph.add_node(Node::Service(ServiceId(
                    u32::try_from(i).unwrap_or(u32::MAX),
                )))
            })
            .collect();
        let resources: Vec<NodeIndex> = (0..dir.resources.len())
            .map(|i| {
                graph.add_node(Node::Resource(ResourceId(
                    u32::try_from(i).unwrap_or(u32::MAX),
                )))
            })
            .collect();
        let mut g = DelegationGraph {
            graph,
            accounts,
            services,
            resources,
        };
        g.add_edges(dir);
        g
    }

    fn add_edges(&mut self, dir: &Directory) {
        let spn_owner: HashMap<String, AccountId> = dir
            .accounts
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.spns.iter().map(move |s| {
                    (
                        s.to_ascii_lowercase(),
                        AccountId(u32::try_from(i).unwrap_or(u32::MAX)),
                    )
                })
            })
            .collect();
        let by_spn: HashMap<String, ServiceId> = dir
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.spn.to_ascii_lowercase(),
                    ServiceId(u32::try_from(i).unwrap_or(u32::MAX)),
                )
            })
            .collect();
        // Services reached by RBCD, per front-end account.
        let mut rbcd: HashMap<AccountId, Vec<ServiceId>> = HashMap::new();
        for (ti, t) in dir.services.iter().enumerate() {
            let target = ServiceId(u32::try_from(ti).unwrap_or(u32::MAX));
            if dir.domain(dir.account(t.account).domain).kdc < 2012 {
                continue;
            }
            for admitted in &dir.account(t.account).allowed_to_act {
                rbcd.entry(*admitted).or_default().push(target);
            }
        }
        let joined: Vec<ServiceId> = (0..dir.services.len())
            .map(|i| ServiceId(u32::try_from(i).unwrap_or(u32::MAX)))
            .filter(|s| dir.machine(dir.service(*s).machine).domain.is_some())
            .collect();
        let mut by_machine: HashMap<super::directory::MachineId, Vec<ServiceId>> = HashMap::new();
        for (i, s) in dir.services.iter().enumerate() {
            by_machine
                .entry(s.machine)
                .or_default()
                .push(ServiceId(u32::try_from(i).unwrap_or(u32::MAX)));
        }
        for (si, s) in dir.services.iter().enumerate() {
            let me = ServiceId(u32::try_from(si).unwrap_or(u32::MAX));
            let node = self.service_node(me);
            let account = dir.account(s.account);
            self.graph
                .add_edge(node, self.account_node(s.account), EdgeKind::RunsAs);
            let remote = |t: &ServiceId| {
                dir.service(*t).machine != s.machine
                    && dir.service(*t).protocol != Protocol::Ncalrpc
            };
            if account.trusted_for_delegation {
                for t in joined.iter().filter(|t| remote(t)) {
                    self.graph
                        .add_edge(node, self.service_node(*t), EdgeKind::Unconstrained);
                }
            }
            if s.protocol == Protocol::Ncalrpc || s.logon != ServiceLogon::Network {
                let kind = if s.protocol == Protocol::Ncalrpc {
                    EdgeKind::NcalrpcOneHop
                } else {
                    EdgeKind::Cleartext
                };
                for (ti, _) in dir.services.iter().enumerate() {
                    let t = ServiceId(u32::try_from(ti).unwrap_or(u32::MAX));
                    if remote(&t) {
                        self.graph.add_edge(node, self.service_node(t), kind);
                    }
                }
            }
            for spn in &account.allowed_to_delegate_to {
                let key = spn.to_ascii_lowercase();
                if let (Some(t), Some(owner)) = (by_spn.get(&key), spn_owner.get(&key))
                    && dir.account(*owner).domain == account.domain
                    && remote(t)
                {
                    self.graph
                        .add_edge(node, self.service_node(*t), EdgeKind::Constrained);
                }
            }
            let members: Vec<AccountId> = rbcd
                .keys()
                .copied()
                .filter(|p| dir.is_member(s.account, *p))
                .collect();
            for p in members {
                for t in rbcd.get(&p).into_iter().flatten() {
                    let target_domain = dir.account(dir.service(*t).account).domain;
                    let referrals = target_domain == account.domain
                        || dir
                            .domain(target_domain)
                            .kdc
                            .min(dir.domain(account.domain).kdc)
                            >= 2012;
                    if remote(t) && referrals {
                        self.graph
                            .add_edge(node, self.service_node(*t), EdgeKind::ResourceBased);
                    }
                }
            }
            if s.tcb && account.kind != super::directory::AccountKind::Group {
                self.graph
                    .add_edge(node, node, EdgeKind::ProtocolTransition);
            }
            for t in by_machine.get(&s.machine).into_iter().flatten() {
                if *t != me {
                    self.graph
                        .add_edge(node, self.service_node(*t), EdgeKind::Local);
                }
            }
        }
        for (ri, r) in dir.resources.iter().enumerate() {
            let res = ResourceId(u32::try_from(ri).unwrap_or(u32::MAX));
            self.graph.add_edge(
                self.service_node(r.service),
                self.resource_node(res),
                EdgeKind::Guards,
            );
        }
    }

    /// Adds a `call` edge from an account or service to a service.
    pub fn add_call(&mut self, from: Node, to: ServiceId) {
        let from = self.node(from);
        let to = self.service_node(to);
        if !self
            .graph
            .edges_connecting(from, to)
            .any(|e| *e.weight() == EdgeKind::Call)
        {
            self.graph.add_edge(from, to, EdgeKind::Call);
        }
    }

    fn node(&self, n: Node) -> NodeIndex {
        match n {
            Node::Account(a) => self.account_node(a),
            Node::Service(s) => self.service_node(s),
            Node::Resource(r) => self.resource_node(r),
        }
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "ids are minted by the directory the graph was built from"
    )]
    fn account_node(&self, a: AccountId) -> NodeIndex {
        self.accounts[a.index()]
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "ids are minted by the directory the graph was built from"
    )]
    fn service_node(&self, s: ServiceId) -> NodeIndex {
        self.services[s.index()]
    }

    #[expect(
        clippy::indexing_slicing,
        reason = "ids are minted by the directory the graph was built from"
    )]
    fn resource_node(&self, r: ResourceId) -> NodeIndex {
        self.resources[r.index()]
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
    /// The service it reaches.
    pub to: ServiceId,
    /// How.
    pub kind: EdgeKind,
    /// What the service reached holds for the client afterwards.
    pub holding: Holding,
    /// The rules that decided it.
    pub rules: Vec<RuleId>,
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
    /// The services reached as the client, nearest first.
    pub services: Vec<Reached>,
    /// The resources reached as the client.
    pub resources: Vec<ReachedResource>,
    /// The (service, holding) states the search visited.
    pub states: usize,
}

/// What a service that holds the client as `from` gets from a hop to `to`, as KRB-2,
/// KRB-5, KRB-8, NET-1, NET-2, NET-4 and AD-6 decide for a client that asks for Delegate
/// with mutual authentication.
fn first_hop(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    to: ServiceId,
    rules: &mut Vec<RuleId>,
) -> Option<Holding> {
    let t = dir.service(to);
    let sensitive = is_sensitive(dir, readings, user);
    let protected = dir.account(user).protected_users && sensitive;
    if t.logon != ServiceLogon::Network {
        rules.push(RuleId::NET_4);
        let member = super::kerberos::protected_member(dir, readings, user);
        return (t.logon == ServiceLogon::Cleartext || !member).then_some(Holding::Password);
    }
    let user_domain = dir.account(user).domain;
    let machine_domain = dir.machine(t.machine).domain;
    let way = kerberos_way(dir, user_domain, dir.account(t.account).domain);
    let Some(keeps_ok_as_delegate) = way.filter(|_| machine_domain.is_some()) else {
        rules.push(RuleId::NET_3);
        if !machine_domain.is_some_and(|d| dir.kerberos_path(d, user_domain)) {
            rules.push(RuleId::HOP_4);
            return None;
        }
        if protected {
            rules.push(RuleId::AD_6);
            return None;
        }
        rules.push(RuleId::NET_2);
        return Some(Holding::Nothing);
    };
    rules.push(RuleId::NET_3);
    if sensitive {
        rules.push(RuleId::AD_13);
        return Some(Holding::Nothing);
    }
    let forwards = dir.account(t.account).trusted_for_delegation
        && keeps_ok_as_delegate
        && !readings.alternative(RuleId::OQD_3)
        && (t.protocol != Protocol::Smb || !readings.alternative(RuleId::OQD_4));
    if forwards {
        rules.extend([RuleId::AD_3, RuleId::KRB_2]);
        Some(Holding::Tgt)
    } else {
        rules.push(RuleId::KRB_5);
        Some(Holding::Forwardable)
    }
}

/// What S4U2self gives the service `at` for `user` (S4U-2, OQD-1).
fn s4u2self_holding(
    dir: &Directory,
    readings: &Readings,
    at: ServiceId,
    user: AccountId,
) -> Option<Holding> {
    let svc = dir.account(dir.service(at).account);
    let user_domain = dir.account(user).domain;
    if !dir.kerberos_path(svc.domain, user_domain) {
        return None;
    }
    let cross_realm_lost = user_domain != svc.domain && readings.alternative(RuleId::OQD_11);
    let forwardable = !is_sensitive(dir, readings, user)
        && !cross_realm_lost
        && (svc.trusted_to_auth_for_delegation
            || (svc.allowed_to_delegate_to.is_empty() && readings.alternative(RuleId::OQD_1)));
    Some(if forwardable {
        Holding::Forwardable
    } else if dir.account(user).not_delegated {
        Holding::Nothing
    } else {
        Holding::S4uEvidence
    })
}

/// Whether RBCD from `from` to `to` grants non-forwardable S4U2self evidence for `user`
/// (S4U-7, S4U-8, OQD-2).
fn rbcd_takes_s4u_evidence(
    dir: &Directory,
    readings: &Readings,
    from: ServiceId,
    to: ServiceId,
    user: AccountId,
) -> bool {
    let front = dir.account(dir.service(from).account);
    let spn = &dir.service(to).spn;
    if readings.alternative(RuleId::OQD_2)
        && front
            .allowed_to_delegate_to
            .iter()
            .any(|s| s.eq_ignore_ascii_case(spn))
    {
        return false;
    }
    !is_sensitive(dir, readings, user)
        || !dir
            .domain(dir.account(dir.service(to).account).domain)
            .rbcd_sensitive_enforced
}

/// From `user` entering at `entry`, the services and resources reached as the user.
#[must_use]
pub fn reach(
    graph: &DelegationGraph,
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    entry: ServiceId,
) -> Reach {
    let n = dir.services.len();
    let mut parent: Vec<Option<(usize, Hop)>> = vec![None; n * Holding::COUNT];
    let mut seen = vec![false; n * Holding::COUNT];
    let mut order: Vec<usize> = Vec::new();
    let mut queue = VecDeque::new();
    let state = |s: ServiceId, h: Holding| s.index() * Holding::COUNT + h.index();
    let mut visit = |s: ServiceId,
                     h: Holding,
                     from: Option<(usize, Hop)>,
                     queue: &mut VecDeque<(ServiceId, Holding)>| {
        let i = state(s, h);
        if let Some(done) = seen.get_mut(i)
            && !*done
        {
            *done = true;
            if let Some(p) = parent.get_mut(i) {
                *p = from;
            }
            order.push(i);
            queue.push_back((s, h));
        }
    };
    // The client's own call.
    let e = dir.service(entry);
    let mut rules = Vec::new();
    let first = if e.protocol == Protocol::Ncalrpc {
        rules.push(RuleId::LVL_5);
        Some(Holding::Password)
    } else {
        first_hop(dir, readings, user, entry, &mut rules)
    };
    if let Some(h) = first {
        let h = cap_level(dir, entry, user, h, &mut rules);
        let hop = Hop {
            from: None,
            to: entry,
            kind: EdgeKind::Call,
            holding: h,
            rules,
        };
        visit(entry, h, Some((usize::MAX, hop)), &mut queue);
    }
    while let Some((s, holding)) = queue.pop_front() {
        let here = state(s, holding);
        for edge in graph
            .graph
            .edges_directed(graph.service_node(s), Direction::Outgoing)
        {
            let Node::Service(t) = graph.graph[edge.target()] else {
                continue;
            };
            let kind = *edge.weight();
            // A client held at Identification goes no further (LVL-1), but the service
            // itself can still log the user on by S4U2self.
            if holding == Holding::Identification && kind != EdgeKind::ProtocolTransition {
                continue;
            }
            let mut rules: Vec<RuleId> = Vec::new();
            let next = match (kind, holding) {
                (EdgeKind::Unconstrained, Holding::Tgt) => {
                    let way = kerberos_way(
                        dir,
                        dir.account(user).domain,
                        dir.account(dir.service(t).account).domain,
                    );
                    let takes_password = dir.service(t).logon != ServiceLogon::Network;
                    (way.is_some() && !takes_password).then(|| {
                        rules.push(RuleId::S4U_12);
                        first_hop(dir, readings, user, t, &mut rules).unwrap_or(Holding::Nothing)
                    })
                }
                (EdgeKind::NcalrpcOneHop | EdgeKind::Cleartext, Holding::Password) => {
                    first_hop(dir, readings, user, t, &mut rules)
                }
                // A service that logs its clients on with their password (NET-4) gets
                // nothing from a ticket: S4U2proxy does not reach it as the user.
                (EdgeKind::Constrained | EdgeKind::ResourceBased, _)
                    if dir.service(t).logon != ServiceLogon::Network =>
                {
                    None
                }
                (EdgeKind::Constrained, Holding::Forwardable) => {
                    rules.extend([RuleId::S4U_4, RuleId::S4U_10]);
                    Some(Holding::Forwardable)
                }
                (EdgeKind::ResourceBased, Holding::Forwardable) => {
                    rules.extend([RuleId::S4U_5, RuleId::S4U_10]);
                    Some(Holding::Forwardable)
                }
                (EdgeKind::ResourceBased, Holding::S4uEvidence) => {
                    rbcd_takes_s4u_evidence(dir, readings, s, t, user).then(|| {
                        rules.extend([RuleId::S4U_7, RuleId::S4U_5, RuleId::S4U_10]);
                        Holding::Forwardable
                    })
                }
                (EdgeKind::ProtocolTransition, _) => {
                    rules.extend([RuleId::S4U_1, RuleId::S4U_2, RuleId::HOP_1]);
                    s4u2self_holding(dir, readings, s, user).filter(|h| *h != holding)
                }
                (EdgeKind::Local, Holding::Password | Holding::Tgt)
                    if dir.service(t).protocol == Protocol::Ncalrpc =>
                {
                    rules.push(RuleId::LVL_5);
                    Some(holding)
                }
                (EdgeKind::Local, _) => {
                    rules.push(RuleId::LVL_1);
                    Some(Holding::Nothing)
                }
                _ => None,
            };
            let Some(h) = next else {
                continue;
            };
            // An S4U logon is made by the service's own logon session: under HOP-5's default
            // reading the impersonation check allows it without SeImpersonatePrivilege.
            let h = if kind == EdgeKind::ProtocolTransition && !readings.alternative(RuleId::HOP_5)
            {
                if !dir.service(t).impersonate_privilege {
                    rules.push(RuleId::HOP_5);
                }
                h
            } else {
                cap_level(dir, t, user, h, &mut rules)
            };
            let hop = Hop {
                from: Some(s),
                to: t,
                kind,
                holding: h,
                rules,
            };
            visit(t, h, Some((here, hop)), &mut queue);
        }
    }
    let path_to = |mut i: usize| -> Vec<Hop> {
        let mut hops = Vec::new();
        while let Some(Some((p, hop))) = parent.get(i) {
            hops.push(hop.clone());
            if *p == usize::MAX {
                break;
            }
            i = *p;
        }
        hops.reverse();
        hops
    };
    let mut services: Vec<Reached> = Vec::new();
    let mut resources: Vec<ReachedResource> = Vec::new();
    for &i in &order {
        let service = ServiceId(u32::try_from(i / Holding::COUNT).unwrap_or(u32::MAX));
        let holding = match i % Holding::COUNT {
            0 => Holding::Tgt,
            1 => Holding::Password,
            2 => Holding::Forwardable,
            3 => Holding::S4uEvidence,
            4 => Holding::Nothing,
            _ => Holding::Identification,
        };
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
        let path = path_to(i);
        if holding != Holding::Identification {
            for edge in graph
                .graph
                .edges_directed(graph.service_node(service), Direction::Outgoing)
            {
                if let Node::Resource(r) = graph.graph[edge.target()] {
                    let rights = granted(dir, r, user);
                    if !rights.is_empty() && !resources.iter().any(|x| x.resource == r) {
                        resources.push(ReachedResource {
                            resource: r,
                            rights,
                            path: path.clone(),
                        });
                    }
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
        services,
        resources,
        states: order.len(),
    }
}

/// A service without SeImpersonatePrivilege holds its clients at Identification (LVL-8).
fn cap_level(
    dir: &Directory,
    at: ServiceId,
    user: AccountId,
    h: Holding,
    rules: &mut Vec<RuleId>,
) -> Holding {
    let s = dir.service(at);
    if !s.impersonate_privilege && s.account != user {
        rules.push(RuleId::LVL_8);
        return Holding::Identification;
    }
    h
}

/// The rights `resource`'s DACL grants `user` (HOP-2).
fn granted(dir: &Directory, resource: ResourceId, user: AccountId) -> Vec<String> {
    let mut rights: Vec<String> = Vec::new();
    for entry in &dir.resource(resource).dacl {
        for right in &entry.rights {
            if !rights.iter().any(|r| **r == **right)
                && super::actions::decides(dir, resource, Some(user), right) == Some(true)
            {
                rights.push(right.to_string());
            }
        }
    }
    rights
}
