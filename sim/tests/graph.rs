//! The delegation graph's reachability query agrees with the hop semantics it summarises:
//! for every topology fixture, every user and every entry service, the services the query
//! says the user reaches are exactly those a search over chains of `call` and `s4u2self`
//! steps, played by the model, reaches as that user; and every path the query reports,
//! replayed as a chain, presents the user at its end.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokenhop_model::core::decision::Trail;
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::actions;
use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Directory, Machine, MachineId, Protocol, ServiceId,
};
use tokenhop_model::net::graph::{self, DelegationGraph, EdgeKind};
use tokenhop_model::net::hop::{self, CallRequest, Holder, Package};
use tokenhop_model::rules::readings::Readings;
use tokenhop_sim::topology::Topology;

fn topologies() -> Vec<(PathBuf, Topology)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/topologies");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .map(|p| match tokenhop_sim::document::load(&p) {
            Ok(tokenhop_sim::Document::Topology(t)) => (p, *t),
            _ => panic!("{}: not a topology", p.display()),
        })
        .collect()
}

/// A workstation of `user`'s domain that no service runs on, added to the directory.
fn with_client_machine(dir: &Directory, user: AccountId) -> (Directory, MachineId) {
    let mut d = dir.clone();
    d.machines.push(Machine {
        name: Arc::from("graph-test-client"),
        domain: Some(dir.account(user).domain),
        account: None,
        dc: false,
    });
    let id = MachineId(u32::try_from(d.machines.len() - 1).unwrap());
    (d, id)
}

/// The most a hop may ask for: Delegate with mutual authentication (Impersonate for SMB,
/// which refuses Delegate for pipes; its redirector asks for delegation on its own).
fn request(dir: &Directory, to: ServiceId) -> CallRequest {
    let smb = dir.service(to).protocol == Protocol::Smb;
    CallRequest {
        service: to,
        level: Some(if smb {
            ImpersonationLevel::Impersonation
        } else {
            ImpersonationLevel::Delegation
        }),
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

/// The services a breadth-first search over calls and S4U2self steps reaches as `user`,
/// entering at `entry` from a workstation (or, for an ncalrpc entry, from the entry's own
/// machine).
fn simulated(
    dir: &Directory,
    readings: &Readings,
    user: AccountId,
    entry: ServiceId,
) -> BTreeSet<ServiceId> {
    let (dir, ws) = with_client_machine(dir, user);
    let machine = if dir.service(entry).protocol == Protocol::Ncalrpc {
        dir.service(entry).machine
    } else {
        ws
    };
    let start = Holder::logged_on(user, machine);
    let mut reached = BTreeSet::new();
    let mut seen: HashSet<Holder> = HashSet::new();
    let mut queue = VecDeque::new();
    let mut trail = Trail::rules_only();
    if let Ok(h) = hop::call(&dir, readings, &start, &request(&dir, entry), &mut trail) {
        queue.push_back(h);
    }
    while let Some(h) = queue.pop_front() {
        if h.presents != Some(user)
            || !seen.insert(Holder {
                hops: 0,
                ..h.clone()
            })
        {
            continue;
        }
        if let Some(s) = h.service {
            reached.insert(s);
        }
        for t in (0..dir.services.len()).map(|i| ServiceId(u32::try_from(i).unwrap())) {
            if Some(t) != h.service {
                let mut trail = Trail::rules_only();
                if let Ok(next) = hop::call(&dir, readings, &h, &request(&dir, t), &mut trail) {
                    queue.push_back(next);
                }
            }
        }
        if h.service.is_some_and(|s| dir.service(s).tcb) {
            let mut trail = Trail::rules_only();
            if let Ok(next) = actions::s4u2self(&dir, readings, &h, user, &mut trail) {
                queue.push_back(next);
            }
        }
    }
    reached
}

fn users(dir: &Directory) -> Vec<AccountId> {
    dir.accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == AccountKind::User)
        .map(|(i, _)| AccountId(u32::try_from(i).unwrap()))
        .collect()
}

#[test]
fn the_query_reaches_what_the_hops_reach() {
    let mut disagreements = Vec::new();
    let mut pairs = 0;
    for (path, t) in topologies() {
        let g = DelegationGraph::build(&t.dir);
        for user in users(&t.dir) {
            for e in 0..t.dir.services.len() {
                let entry = ServiceId(u32::try_from(e).unwrap());
                pairs += 1;
                let by_graph: BTreeSet<ServiceId> =
                    graph::reach(&g, &t.dir, &t.readings, user, entry)
                        .services
                        .iter()
                        .map(|r| r.service)
                        .collect();
                let by_hops = simulated(&t.dir, &t.readings, user, entry);
                if by_graph != by_hops {
                    let names = |s: &BTreeSet<ServiceId>| {
                        s.iter()
                            .map(|x| t.dir.service(*x).name.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    disagreements.push(format!(
                        "{}: {} entering at {}: the graph reaches [{}], the hops reach [{}]",
                        path.file_name().unwrap().to_string_lossy(),
                        t.dir.qualified(user),
                        t.dir.service(entry).name,
                        names(&by_graph),
                        names(&by_hops)
                    ));
                }
            }
        }
    }
    assert!(pairs > 500, "only {pairs} (user, entry) pairs");
    assert!(
        disagreements.is_empty(),
        "{} of {pairs} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn the_query_reaches_what_the_hops_reach_in_generated_domains() {
    let readings = Readings::default();
    let mut disagreements = Vec::new();
    let mut pairs = 0;
    for seed in 1..=6 {
        let dir = tokenhop_model::net::generate::domain(400, seed);
        let g = DelegationGraph::build(&dir);
        let all = users(&dir);
        for user in all.iter().step_by(7).copied() {
            for e in 0..dir.services.len() {
                let entry = ServiceId(u32::try_from(e).unwrap());
                pairs += 1;
                let by_graph: BTreeSet<ServiceId> = graph::reach(&g, &dir, &readings, user, entry)
                    .services
                    .iter()
                    .map(|r| r.service)
                    .collect();
                let by_hops = simulated(&dir, &readings, user, entry);
                if by_graph != by_hops {
                    disagreements.push(format!(
                        "seed {seed}: {} at {}: graph {:?}, hops {:?}",
                        dir.qualified(user),
                        dir.service(entry).name,
                        by_graph,
                        by_hops
                    ));
                }
            }
        }
    }
    assert!(pairs > 1000, "only {pairs} (user, entry) pairs");
    assert!(
        disagreements.is_empty(),
        "{} of {pairs} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Replays every path the query reports from `user` at `entry` as a chain; the failures.
fn replay(
    dir0: &Directory,
    readings: &Readings,
    g: &DelegationGraph,
    user: AccountId,
    entry: ServiceId,
) -> Vec<String> {
    let mut failures = Vec::new();
    let reach = graph::reach(g, dir0, readings, user, entry);
    let (dir, ws) = with_client_machine(dir0, user);
    let machine = if dir.service(entry).protocol == Protocol::Ncalrpc {
        dir.service(entry).machine
    } else {
        ws
    };
    for r in &reach.services {
        let mut state = ChainState::default();
        let mut steps = vec![Step::Start { machine, user }];
        for hop in &r.path {
            if hop.kind == EdgeKind::ProtocolTransition {
                steps.push(Step::S4u2self { user });
            } else {
                steps.push(Step::Call(request(&dir, hop.to)));
            }
        }
        for step in &steps {
            let (next, outcome) = chain::step(&dir, readings, &state, step);
            if outcome.result.is_err() {
                failures.push(format!(
                    "{} to {} by {:?}: step {step:?} failed with {:?}",
                    dir.qualified(user),
                    dir.service(r.service).name,
                    r.path
                        .iter()
                        .map(|h| (h.kind, dir.service(h.to).name.to_string(), h.holding))
                        .collect::<Vec<_>>(),
                    outcome.result
                ));
            }
            state = next;
        }
        let end = state.holder.as_ref().and_then(|h| h.presents);
        if end != Some(user) {
            failures.push(format!(
                "the path of {} to {} by {:?} ends presenting {end:?}",
                dir.qualified(user),
                dir.service(r.service).name,
                r.path
                    .iter()
                    .map(|h| (h.kind, dir.service(h.to).name.to_string(), h.holding))
                    .collect::<Vec<_>>()
            ));
        }
    }
    failures
}

#[test]
fn every_reported_path_replays_as_a_chain() {
    let mut failures = Vec::new();
    for (path, t) in topologies() {
        let g = DelegationGraph::build(&t.dir);
        for user in users(&t.dir) {
            for e in 0..t.dir.services.len() {
                let entry = ServiceId(u32::try_from(e).unwrap());
                for f in replay(&t.dir, &t.readings, &g, user, entry) {
                    failures.push(format!(
                        "{}: {f}",
                        path.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    for seed in 1..=6 {
        let dir = tokenhop_model::net::generate::domain(400, seed);
        let g = DelegationGraph::build(&dir);
        for user in users(&dir).iter().step_by(7).copied() {
            for e in 0..dir.services.len() {
                for f in replay(
                    &dir,
                    &Readings::default(),
                    &g,
                    user,
                    ServiceId(u32::try_from(e).unwrap()),
                ) {
                    failures.push(format!("seed {seed}: {f}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_generated_domain_answers_with_paths_from_the_entry() {
    let dir = tokenhop_model::net::generate::domain(2_000, 1);
    let g = DelegationGraph::build(&dir);
    let readings = Readings::default();
    let user = users(&dir)[0];
    let entry = ServiceId(0);
    let reach = graph::reach(&g, &dir, &readings, user, entry);
    assert!(!reach.services.is_empty());
    for r in &reach.services {
        let first = r.path.first().expect("a path has a first hop");
        assert_eq!(first.from, None, "a path starts at the client");
        assert_eq!(first.to, entry, "a path enters at the entry");
        assert_eq!(
            r.path.last().map(|h| h.to),
            Some(r.service),
            "a path ends at its service"
        );
        for pair in r.path.windows(2) {
            assert_eq!(
                pair[1].from,
                Some(pair[0].to),
                "each hop leaves where the last arrived"
            );
        }
    }
}
