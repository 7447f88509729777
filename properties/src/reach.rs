//! What a user's chains reach in a directory, by search over the chain state machine
//! (`chain::step`): from the user's interactive logon at the given machines (the
//! workstation), every chain of `call` and `s4u2self` steps (a chain may come back to a
//! service, holding its client otherwise) with `access` steps at its end, keeping the chains that
//! present the user. The answer maps each (entry service, place reached, identity
//! presented) to the highest level held there and a chain that gets it, so that a
//! metamorphic property can compare two directories and print the chain that tells them
//! apart. The entry (the service the user's own call reaches) is part of the key because
//! delegation is what services do with the identity they were given: any service the user
//! may call directly is reached from its workstation whatever the delegation settings.
//!
//! Only the user's own identity counts: a chain that goes on as ANONYMOUS LOGON (HOP-3) or
//! as a service's own account (LVL-7) no longer carries the user.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_model::net::directory::{
    AccountId, Directory, MachineId, Protocol, ResourceId, ServiceId, TooMany,
};
use tokenhop_model::net::graph::{self, DelegationGraph};
use tokenhop_model::net::hop::{CallRequest, Hold, Holder, Package};
use tokenhop_model::rules::readings::Readings;

/// A place a chain reaches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Place {
    /// A service, holding the user.
    Service(ServiceId),
    /// A right on a resource, opened as the user.
    Resource(ResourceId, Arc<str>),
}

/// What a reach is keyed by: the service the user's own call entered at, the place, and
/// the identity presented there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The service the user's own call reached.
    pub entry: ServiceId,
    /// The place.
    pub place: Place,
    /// The identity presented there.
    pub presents: AccountId,
}

/// The levels a client asks for: at its own first call, and at every call after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Asking {
    /// The level of the user's own call.
    pub first: ImpersonationLevel,
    /// The level of the calls the services make onward.
    pub onward: ImpersonationLevel,
}

impl Asking {
    /// The most a client may ask: Delegate everywhere.
    pub const MOST: Asking = Asking {
        first: ImpersonationLevel::Delegation,
        onward: ImpersonationLevel::Delegation,
    };
}

/// The call the search makes to `to` asking `level`, with mutual authentication and
/// Negotiate, by SPN, presenting the client. A named-pipe open over SMB asking for
/// Delegate is refused (NET-5) while the SMB redirector asks for delegation on its own
/// (NET-6, OQD-4), so an SMB call asks at most Impersonate.
#[must_use]
pub fn request(dir: &Directory, to: ServiceId, level: ImpersonationLevel) -> CallRequest {
    let level = if dir.service(to).protocol == Protocol::Smb {
        level.min(ImpersonationLevel::Impersonation)
    } else {
        level
    };
    CallRequest {
        service: to,
        level: Some(level),
        mutual_auth: true,
        package: Package::Negotiate,
        by_spn: true,
        as_self: false,
        honours_ok_as_delegate: true,
        binding_at_startup: false,
        dynamic_tracking: false,
        ignore_delegate_failure: false,
    }
}

/// The calls the search makes to `to` asking `level`: [`request`]; an RPC client asking
/// for Delegate lets a delegation failure pass (RPC-10), and where Delegate is refused
/// outright (a DCOM blanket, RPC-10) the search asks Impersonate next.
fn requests(dir: &Directory, to: ServiceId, level: ImpersonationLevel) -> Vec<CallRequest> {
    let mut first = request(dir, to, level);
    first.ignore_delegate_failure = dir.service(to).protocol == Protocol::Rpc;
    let mut all = vec![first];
    if level == ImpersonationLevel::Delegation {
        all.push(request(dir, to, ImpersonationLevel::Impersonation));
    }
    all
}

/// How well a place is held, ordered: a level, or the holder's own logon above them all.
#[must_use]
pub fn rank(hold: Hold) -> u8 {
    match hold {
        Hold::Impersonating(level) => level as u8,
        Hold::Own => 4,
    }
}

/// The name of a [`rank`].
#[must_use]
pub fn rank_name(rank: u8) -> &'static str {
    ImpersonationLevel::ALL
        .iter()
        .find(|l| **l as u8 == rank)
        .map_or("its own logon", |l| l.win32_name())
}

/// How a place was reached: the best level held there and the chain that got it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Way {
    /// The [`rank`] of the hold.
    pub rank: u8,
    /// The chain's steps, from `start`.
    pub steps: Vec<Step>,
}

/// What a user's chains reach: each key with the best way there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// The places.
    pub places: BTreeMap<Key, Way>,
    /// How many chain states the search visited.
    pub states: usize,
}

/// A key one reach has and another lacks, or holds lower.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excess {
    /// The key.
    pub key: Key,
    /// How the wider reach gets it.
    pub way: Way,
    /// The rank the other reach holds it at, if it reaches it at all.
    pub other: Option<u8>,
}

impl Reach {
    /// The first key `self` reaches that `other` does not, or reaches at a lower level:
    /// `None` when `self` is within `other`.
    #[must_use]
    pub fn excess_over(&self, other: &Reach) -> Option<Excess> {
        self.places.iter().find_map(|(key, way)| {
            let theirs = other.places.get(key).map(|w| w.rank);
            (theirs.is_none_or(|r| r < way.rank)).then(|| Excess {
                key: key.clone(),
                way: way.clone(),
                other: theirs,
            })
        })
    }

    /// The (entry, place) pairs, without identities or levels.
    #[must_use]
    pub fn place_set(&self) -> BTreeSet<(ServiceId, Place)> {
        self.places
            .keys()
            .map(|k| (k.entry, k.place.clone()))
            .collect()
    }
}

/// A place in words.
pub struct PlaceName<'a>(pub &'a Directory, pub &'a Place);

impl fmt::Display for PlaceName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Place::Service(s) => write!(f, "service {}", self.0.service(*s).name),
            Place::Resource(r, right) => {
                write!(f, "`{right}` on resource {}", self.0.resource(*r).name)
            }
        }
    }
}

/// A place with its entry, in words (`service files2 (entering at web1)`).
pub struct KeyName<'a>(pub &'a Directory, pub ServiceId, pub &'a Place);

impl fmt::Display for KeyName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (entering at {})",
            PlaceName(self.0, self.2),
            self.0.service(self.1).name
        )
    }
}

/// A search state: the entry and the holder, with what decides nothing cleared: its
/// boundary count, and of the services S4U2proxy went through all but the last (which the
/// invariants read). A chain may come back to a service it passed through, holding its
/// client otherwise (an RBCD bounce turns a non-forwardable ticket into a forwardable one).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Node {
    entry: Option<ServiceId>,
    holder: Holder,
}

fn normalized(holder: &Holder) -> Holder {
    let mut h = Holder {
        hops: 0,
        ..holder.clone()
    };
    if let Some(e) = h.evidence.as_mut() {
        let keep = e.transited.len().saturating_sub(1);
        e.transited.drain(..keep);
    }
    h
}

/// A chain being searched: its state, entry and steps.
struct Chain {
    state: ChainState,
    entry: Option<ServiceId>,
    steps: Vec<Step>,
}

/// What `user`'s chains reach in `dir`, the user signing in at `from` (its workstation)
/// and asking `asking` at each call.
#[must_use]
pub fn reach(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    from: &[MachineId],
    asking: Asking,
) -> Reach {
    search(dir, readings, user, from, None, asking)
}

/// What `user`'s chains reach in `dir` when the user's own call goes to `entry`: the
/// chain search of [`reach`] with its first call fixed, as the delegation graph's query
/// asks it.
#[must_use]
pub fn reach_entering(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    from: &[MachineId],
    entry: ServiceId,
    asking: Asking,
) -> Reach {
    search(dir, readings, user, from, Some(entry), asking)
}

fn search(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    from: &[MachineId],
    only_entry: Option<ServiceId>,
    asking: Asking,
) -> Reach {
    let mut out = Reach::default();
    let mut seen: HashSet<Node> = HashSet::new();
    let mut queue: VecDeque<Chain> = VecDeque::new();
    for machine in from {
        let start = Step::Start {
            machine: *machine,
            user,
        };
        let state = ChainState::default();
        let (next, outcome) = chain::step(dir, readings, &state, &start);
        if outcome.result.is_ok() {
            queue.push_back(Chain {
                state: next,
                entry: None,
                steps: vec![start],
            });
        }
    }
    let services: Vec<ServiceId> = dir.service_ids().collect();
    let resources: Vec<ResourceId> = dir.resource_ids().collect();
    while let Some(chain) = queue.pop_front() {
        let Chain {
            state,
            entry,
            steps,
        } = chain;
        let Some(holder) = state.holder.clone() else {
            continue;
        };
        if holder.presents != Some(user) {
            continue;
        }
        let node = Node {
            entry,
            holder: normalized(&holder),
        };
        if !seen.insert(node) {
            continue;
        }
        out.states += 1;
        if let (Some(at), Some(entry)) = (holder.service, entry) {
            let mut record = |place: Place, hold: Hold, steps: Vec<Step>| {
                let rank = rank(hold);
                let key = Key {
                    entry,
                    place,
                    presents: user,
                };
                if out.places.get(&key).is_none_or(|w| w.rank < rank) {
                    out.places.insert(key, Way { rank, steps });
                }
            };
            record(Place::Service(at), holder.hold, steps.clone());
            for r in resources.iter().filter(|r| dir.resource(**r).service == at) {
                for right in ["read", "write"] {
                    let access = Step::Access {
                        resource: *r,
                        rights: vec![Arc::from(right)],
                    };
                    let (after, outcome) = chain::step(dir, readings, &state, &access);
                    if outcome.result.is_ok()
                        && let Some(h) = after.holder.filter(|h| h.presents == Some(user))
                    {
                        let mut path = steps.clone();
                        path.push(access);
                        record(Place::Resource(*r, Arc::from(right)), h.hold, path);
                    }
                }
            }
            if dir.service(at).tcb {
                let s4u = Step::S4u2self { user };
                let (after, outcome) = chain::step(dir, readings, &state, &s4u);
                if outcome.result.is_ok() {
                    let mut path = steps.clone();
                    path.push(s4u);
                    queue.push_back(Chain {
                        state: after,
                        entry: Some(entry),
                        steps: path,
                    });
                }
            }
        }
        let level = if entry.is_some() {
            asking.onward
        } else {
            asking.first
        };
        for t in &services {
            if holder.service == Some(*t)
                || (entry.is_none() && only_entry.is_some_and(|e| e != *t))
            {
                continue;
            }
            for req in requests(dir, *t, level) {
                let call = Step::Call(req);
                let (after, outcome) = chain::step(dir, readings, &state, &call);
                if outcome.result.is_ok() {
                    let mut path = steps.clone();
                    path.push(call);
                    queue.push_back(Chain {
                        state: after,
                        entry: Some(entry.unwrap_or(*t)),
                        steps: path,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// What the delegation graph's query answers for `user` (AD-*, S4U-*, KRB-*): for each
/// entry service, the services it reaches as the user, and the rights on resources the
/// query grants.
///
/// # Errors
///
/// [`TooMany`] when `dir` has no machine id left for the graph's workstations.
pub fn graph_reach(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
) -> Result<BTreeSet<(ServiceId, Place)>, TooMany> {
    let g = DelegationGraph::build(dir, readings)?;
    let mut places = BTreeSet::new();
    for entry in dir.service_ids() {
        let r = graph::reach(&g, user, entry);
        places.extend(
            r.services
                .iter()
                .map(|s| (entry, Place::Service(s.service))),
        );
        for res in &r.resources {
            places.extend(res.rights.iter().map(|right| {
                (
                    entry,
                    Place::Resource(res.resource, Arc::from(right.as_str())),
                )
            }));
        }
    }
    Ok(places)
}
