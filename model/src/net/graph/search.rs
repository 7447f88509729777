//! The search behind the delegation graph: from a user's logon, breadth first over chain
//! states, where every transition is one [`chain::try_step`]: the user's call to an entry
//! service, then from each place reached the calls a service may make onward as the user
//! (the most it may ask: Delegate with mutual authentication) and S4U2self. A state is kept
//! once per (service, what it holds for the user): the [`Holding`] abstraction of the
//! holder. The steps only an attacker takes (RBCD writes, coercion) are the graph's own
//! edges, not the client's search.
//!
//! Nothing here decides a hop: a transition exists when the step succeeds and still
//! presents the user, and its rules are the step's. Calls are grouped by
//! [`targets::class`]: the step is evaluated once per group of services that answer alike,
//! and then once for each service of a group that answered, so that the state kept is the
//! one the real step gives.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use super::super::chain::{self, ChainState, Step};
use super::super::directory::{AccountId, Directory, MachineId, Protocol, ServiceId};
use super::super::hop::{CallRequest, Holder, Package};
use super::targets::{self, TargetClass};
use super::{EdgeKind, Holding};
use crate::core::decision::Trail;
use crate::core::level::ImpersonationLevel;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// One transition the search took: from a place (or the user's logon), by a chain step, to
/// a service, and what that service then holds for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The service the step was taken at (none: the user's own logon).
    pub from: Option<ServiceId>,
    /// The service the chain is at afterwards.
    pub to: ServiceId,
    /// How the identity flowed, as the graph draws it.
    pub kind: EdgeKind,
    /// The chain step.
    pub step: Step,
    /// What the service holds for the user afterwards.
    pub holding: Holding,
    /// The rules the step applied.
    pub rules: Vec<RuleId>,
}

/// A state the search reached, with the transition that first reached it.
#[derive(Clone, Debug)]
pub struct Reached {
    /// The chain state.
    pub chain: ChainState,
    /// The state it was reached from (`None`: the user's logon).
    pub parent: Option<usize>,
    /// The transition.
    pub by: Transition,
}

/// The key a state is kept under.
type Key = (ServiceId, Holding);

/// A search for one user.
pub struct Search<'a> {
    dir: &'a Directory,
    readings: &'a Readings,
    user: AccountId,
    /// Every state reached, in the order reached.
    pub states: Vec<Reached>,
    seen: HashSet<Key>,
    queue: VecDeque<usize>,
    /// Step evaluations made.
    pub evaluations: usize,
    /// Whether calls are grouped by [`targets::class`] (the default); without, every
    /// service is called from every state, which the tests compare against.
    grouped: bool,
    /// Every transition taken, also to states already kept, when the search records them
    /// (to draw the graph): each `(from, to, kind)` once.
    pub edges: Option<std::collections::BTreeSet<(ServiceId, ServiceId, EdgeKind)>>,
}

/// The calls the search makes to `to`: the most a client may ask (Delegate, with mutual
/// authentication, by SPN; an RPC client that lets a delegation failure pass), and, where
/// Delegate is refused outright (a DCOM blanket cannot ignore the failure, RPC-10; a pipe
/// open over SMB refuses it, NET-5), Impersonate.
#[must_use]
pub fn requests(dir: &Directory, to: ServiceId) -> [CallRequest; 2] {
    let protocol = dir.service(to).protocol;
    let request = |level| CallRequest {
        service: to,
        level: Some(level),
        mutual_auth: true,
        package: Package::Negotiate,
        by_spn: true,
        as_self: false,
        honours_ok_as_delegate: true,
        binding_at_startup: false,
        dynamic_tracking: false,
        ignore_delegate_failure: protocol == Protocol::Rpc,
    };
    [
        request(ImpersonationLevel::Delegation),
        request(ImpersonationLevel::Impersonation),
    ]
}

impl<'a> Search<'a> {
    /// A search for `user` in `dir`.
    #[must_use]
    pub fn new(dir: &'a Directory, readings: &'a Readings, user: AccountId) -> Self {
        Search {
            dir,
            readings,
            user,
            states: Vec::new(),
            seen: HashSet::new(),
            queue: VecDeque::new(),
            evaluations: 0,
            grouped: true,
            edges: None,
        }
    }

    /// The same search recording every transition it takes ([`Search::edges`]): every
    /// member of a group of services that answered is called, not only those that lead to
    /// a new state.
    #[must_use]
    pub fn recording_edges(self) -> Self {
        Search {
            edges: Some(std::collections::BTreeSet::new()),
            ..self
        }
    }

    /// The same search calling every service from every state, without grouping: slower,
    /// and what the grouped search must find.
    #[must_use]
    pub fn calling_every_service(self) -> Self {
        Search {
            grouped: false,
            ..self
        }
    }

    /// Starts the user's logon at `machine` and its call to each of `entries`.
    pub fn enter(&mut self, machine: MachineId, entries: &[ServiceId]) {
        let logon = Step::Start {
            machine,
            user: self.user,
        };
        let Some((start, _)) = self.take(&ChainState::default(), &logon) else {
            return;
        };
        for entry in entries {
            self.call(&start, None, *entry, EdgeKind::Call);
        }
    }

    /// Explores every state reachable from those entered.
    pub fn run(&mut self) {
        while let Some(i) = self.queue.pop_front() {
            let Some(chain) = self.states.get(i).map(|r| r.chain.clone()) else {
                continue;
            };
            self.expand(i, &chain);
        }
    }

    fn expand(&mut self, i: usize, chain: &ChainState) {
        let Some(holder) = chain.holder.clone() else {
            return;
        };
        let Some(at) = holder.service else {
            return;
        };
        if self.dir.service(at).tcb {
            let s4u = Step::S4u2self { user: self.user };
            self.follow(chain, Some(i), s4u, EdgeKind::ProtocolTransition);
        }
        let mut groups: HashMap<TargetClass, Option<Holding>> = HashMap::new();
        for index in 0..self.dir.services.len() {
            let Ok(id) = u32::try_from(index) else {
                break;
            };
            let t = ServiceId(id);
            if t == at {
                continue;
            }
            if !self.grouped {
                let kind = kind_of_call(self.dir, &holder, t);
                self.call(chain, Some(i), t, kind);
                continue;
            }
            let class = targets::class(self.dir, chain, &holder, t);
            let answer = match groups.entry(class) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    let answer = self.answer(chain, t);
                    *e.insert(answer)
                }
            };
            let recording = self.edges.is_some();
            if let Some(holding) = answer
                && (recording || !self.seen.contains(&(t, holding)))
            {
                let kind = kind_of_call(self.dir, &holder, t);
                self.call(chain, Some(i), t, kind);
            }
        }
    }

    /// What a call from `chain` to `to` leaves the callee holding for the user, if it
    /// succeeds and still presents the user.
    fn answer(&mut self, chain: &ChainState, to: ServiceId) -> Option<Holding> {
        for req in requests(self.dir, to) {
            if let Some((next, _)) = self.take(chain, &Step::Call(req)) {
                return next
                    .holder
                    .as_ref()
                    .filter(|h| h.presents == Some(self.user))
                    .map(Holding::of);
            }
        }
        None
    }

    fn call(&mut self, chain: &ChainState, parent: Option<usize>, to: ServiceId, kind: EdgeKind) {
        for req in requests(self.dir, to) {
            if self.follow(chain, parent, Step::Call(req), kind) {
                return;
            }
        }
    }

    /// Takes `step` from `chain`; keeps the state it leads to when the step succeeds, the
    /// chain still presents the user at a service, and the state is new. Whether it
    /// succeeded.
    fn follow(
        &mut self,
        chain: &ChainState,
        parent: Option<usize>,
        step: Step,
        kind: EdgeKind,
    ) -> bool {
        let Some((next, rules)) = self.take(chain, &step) else {
            return false;
        };
        let Some(holder) = next.holder.as_ref() else {
            return true;
        };
        let Some(to) = holder
            .service
            .filter(|_| holder.presents == Some(self.user))
        else {
            return true;
        };
        let holding = Holding::of(holder);
        let kind = match (&step, kind) {
            (Step::Call(_), EdgeKind::Call | EdgeKind::Local) => {
                refine_by_ticket(self.dir, chain.holder.as_ref(), holder, kind)
            }
            _ => kind,
        };
        if let (Some(edges), Some(from)) = (
            self.edges.as_mut(),
            chain.holder.as_ref().and_then(|h| h.service),
        ) && from != to
        {
            edges.insert((from, to, kind));
        }
        if self.seen.insert((to, holding)) {
            self.states.push(Reached {
                by: Transition {
                    from: chain.holder.as_ref().and_then(|h| h.service),
                    to,
                    kind,
                    step,
                    holding,
                    rules,
                },
                chain: next,
                parent,
            });
            self.queue.push_back(self.states.len() - 1);
        }
        true
    }

    fn take(&mut self, chain: &ChainState, step: &Step) -> Option<(ChainState, Vec<RuleId>)> {
        self.evaluations += 1;
        let mut trail = Trail::rule_set();
        let next = chain::try_step(self.dir, self.readings, chain, step, &mut trail).ok()?;
        let mut rules = Vec::new();
        for rule in trail.rules().iter() {
            rules.push(rule);
        }
        Some((next, rules))
    }

    /// The transitions from the logon to state `i`.
    #[must_use]
    pub fn path(&self, i: usize) -> Vec<Transition> {
        let mut path = Vec::new();
        let mut at = Some(i);
        while let Some(j) = at {
            let Some(r) = self.states.get(j) else {
                break;
            };
            path.push(r.by.clone());
            at = r.parent;
        }
        path.reverse();
        path
    }
}

/// How a call from `from` moves the identity, as the graph draws it, before the ticket the
/// callee ends up holding says more: from the user's own logon a call; from a holder of the
/// user's TGT unconstrained delegation; from one of the user's password, a cleartext logon
/// or the ncalrpc exception; on one machine a local call.
fn kind_of_call(dir: &Directory, from: &Holder, to: ServiceId) -> EdgeKind {
    use super::super::hop::Credentials;
    let Some(at) = from.service else {
        return EdgeKind::Call;
    };
    if dir.service(to).machine == from.machine {
        return EdgeKind::Local;
    }
    match from.credentials {
        Credentials::Tgt(_) => EdgeKind::Unconstrained,
        Credentials::Password
            if dir.service(at).logon == super::super::directory::ServiceLogon::Network =>
        {
            EdgeKind::NcalrpcOneHop
        }
        Credentials::Password => EdgeKind::Cleartext,
        // A tool's key is held outside any service process (ATK-10): a plain call.
        Credentials::None | Credentials::Key { .. } => EdgeKind::Call,
    }
}

/// A call whose callee's ticket came from S4U2proxy requested by the caller's service is
/// constrained delegation (the callee's SPN in the caller's msDS-AllowedToDelegateTo) or
/// resource-based.
fn refine_by_ticket(
    dir: &Directory,
    from: Option<&Holder>,
    to: &Holder,
    kind: EdgeKind,
) -> EdgeKind {
    let (Some(from), Some(ticket)) = (from, to.evidence.as_ref()) else {
        return kind;
    };
    let Some(front) = from.service.map(|s| dir.service(s).account) else {
        return kind;
    };
    if ticket.transited.last() != Some(&front) {
        return kind;
    }
    let listed = to.service.is_some_and(|t| {
        dir.account(front)
            .allowed_to_delegate_to
            .iter()
            .any(|spn| spn.eq_ignore_ascii_case(&dir.service(t).spn))
    });
    if listed {
        EdgeKind::Constrained
    } else {
        EdgeKind::ResourceBased
    }
}
