//! The delegation graph's reachability query against the chain step it is made of: for
//! every topology fixture, every user and every entry service, the query (which calls one
//! service per group of services that answer alike) reaches exactly what the same search
//! calling every service reaches; every path it reports, replayed as a chain, presents the
//! user at its end; and the graph's edges include the RBCD writes and coercions that
//! chains reproduce.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::collections::BTreeSet;
use tokenhop_sim::topology::Topology;

use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_model::net::directory::{AccountId, AccountKind, Directory, ServiceId};
use tokenhop_model::net::graph::{self, DelegationGraph, EdgeKind, Holding, Node, Reach};
use tokenhop_model::rules::readings::Readings;

fn users(dir: &Directory) -> Vec<AccountId> {
    dir.accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == AccountKind::User)
        .map(|(i, _)| AccountId(u32::try_from(i).unwrap()))
        .collect()
}

fn places(r: &Reach) -> BTreeSet<(ServiceId, Holding)> {
    r.services.iter().map(|s| (s.service, s.holding)).collect()
}

/// The query against the same search calling every service, for every user and entry of
/// `dir`; the disagreements, named.
fn grouped_against_every_call(
    name: &str,
    dir: &Directory,
    readings: &Readings,
    step: usize,
) -> (usize, Vec<String>) {
    let g = DelegationGraph::build(dir, readings).unwrap();
    let mut pairs = 0;
    let mut disagreements = Vec::new();
    for user in users(dir).iter().step_by(step).copied() {
        for entry in dir.service_ids() {
            pairs += 1;
            let grouped = graph::reach(&g, user, entry);
            let every = graph::reach_calling_every_service(&g, user, entry);
            if places(&grouped) != places(&every) {
                disagreements.push(format!(
                    "{name}: {} entering at {}: grouped {:?}, every call {:?}",
                    dir.qualified(user),
                    dir.service(entry).name,
                    places(&grouped),
                    places(&every)
                ));
            }
        }
    }
    (pairs, disagreements)
}

/// Grouping the services a call answers alike (targets::class) loses nothing: the query
/// reaches what calling every service reaches, on every fixture.
#[test]
fn the_query_reaches_what_calling_every_service_reaches() {
    let mut disagreements = Vec::new();
    let mut pairs = 0;
    for (path, t) in common::topologies() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (n, mut d) = grouped_against_every_call(&name, &t.dir, &t.readings, 1);
        pairs += n;
        disagreements.append(&mut d);
    }
    assert!(pairs > 500, "only {pairs} (user, entry) pairs");
    assert!(
        disagreements.is_empty(),
        "{} of {pairs} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// The same on generated domains, whose services repeat the same settings many times over.
#[test]
fn the_query_reaches_what_calling_every_service_reaches_in_generated_domains() {
    let mut disagreements = Vec::new();
    let mut pairs = 0;
    for seed in 1..=4 {
        let dir = tokenhop_model::net::generate::domain(300, seed).unwrap();
        let (n, mut d) =
            grouped_against_every_call(&format!("seed {seed}"), &dir, &Readings::default(), 9);
        pairs += n;
        disagreements.append(&mut d);
    }
    assert!(pairs > 300, "only {pairs} (user, entry) pairs");
    assert!(
        disagreements.is_empty(),
        "{} of {pairs} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Replays every path the query reports from `user` at `entry` as a chain; the failures.
fn replay(
    g: &DelegationGraph,
    user: AccountId,
    entry: ServiceId,
    readings: &Readings,
) -> Vec<String> {
    let dir = g.directory();
    let reach = graph::reach(g, user, entry);
    let Some(machine) = reach.machine else {
        return Vec::new();
    };
    let mut failures = Vec::new();
    for r in &reach.services {
        let mut state = ChainState::default();
        let steps: Vec<Step> = std::iter::once(Step::Start { machine, user })
            .chain(r.path.iter().map(|h| h.step.clone()))
            .collect();
        for step in &steps {
            let (next, outcome) = chain::step(dir, readings, &state, step);
            assert!(
                outcome.result.is_ok(),
                "{} to {}: step {step:?} failed with {:?}",
                dir.qualified(user),
                dir.service(r.service).name,
                outcome.result
            );
            state = next;
        }
        let holder = state.holder.expect("a placed chain");
        if holder.presents != Some(user) || holder.service != Some(r.service) {
            failures.push(format!(
                "{} to {}: the replayed chain ends at {:?} presenting {:?}",
                dir.qualified(user),
                dir.service(r.service).name,
                holder.service,
                holder.presents
            ));
        }
    }
    failures
}

#[test]
fn every_reported_path_replays_as_a_chain() {
    let mut failures = Vec::new();
    for (path, t) in common::topologies() {
        let g = DelegationGraph::build(&t.dir, &t.readings).unwrap();
        for user in users(&t.dir) {
            for entry in t.dir.service_ids() {
                for f in replay(&g, user, entry, &t.readings) {
                    failures.push(format!(
                        "{}: {f}",
                        path.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_generated_domain_answers_with_paths_from_the_entry() {
    let dir = tokenhop_model::net::generate::domain(2_000, 1).unwrap();
    let g = DelegationGraph::build(&dir, &Readings::default()).unwrap();
    let user = users(&dir)[0];
    let entry = ServiceId(0);
    let reach = graph::reach(&g, user, entry);
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

fn edges(g: &DelegationGraph) -> BTreeSet<(Node, Node, EdgeKind)> {
    g.graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            Some((g.graph[a], g.graph[b], g.graph[e]))
        })
        .collect()
}

fn fixture(name: &str) -> Topology {
    let (_, t) = common::topologies()
        .into_iter()
        .find(|(p, _)| p.file_stem().is_some_and(|s| s == name))
        .unwrap_or_else(|| panic!("no fixture {name}"));
    t
}

fn service(dir: &Directory, name: &str) -> ServiceId {
    ServiceId(u32::try_from(dir.services.iter().position(|s| &*s.name == name).unwrap()).unwrap())
}

fn account(dir: &Directory, name: &str) -> AccountId {
    AccountId(u32::try_from(dir.accounts.iter().position(|a| &*a.name == name).unwrap()).unwrap())
}

/// The printer bug's chain (ATK-3) is in the graph: dc01, coerced through its spooler,
/// authenticates to the unconstrained host's listener, which then acts as DC01$; every
/// coercion edge ends at a service trusted for delegation or on the coerced machine.
#[test]
fn atk_3_coercion_into_an_unconstrained_host_is_an_edge() {
    let t = fixture("atk-3-printer-bug-reproduced");
    let g = DelegationGraph::build(&t.dir, &t.readings).unwrap();
    let coerced: Vec<(AccountId, ServiceId)> = edges(&g)
        .into_iter()
        .filter(|(_, _, k)| *k == EdgeKind::Coerce)
        .map(|(a, b, _)| match (a, b) {
            (Node::Account(a), Node::Service(b)) => (a, b),
            _ => panic!("a coercion joins a machine's account to a service"),
        })
        .collect();
    assert!(
        coerced.contains(&(account(&t.dir, "DC01$"), service(&t.dir, "listener"))),
        "{coerced:?}"
    );
    for (machine_account, to) in &coerced {
        let l = t.dir.service(*to);
        let on_its_machine = t.dir.machine(l.machine).account == Some(*machine_account);
        assert!(
            t.dir.account(l.account).trusted_for_delegation || on_its_machine,
            "{machine_account:?} -> {}",
            l.name
        );
    }
}

/// The RBCD takeover's write (ATK-2, AD-11) is in the graph as an edge from the writer to
/// the account whose list it may write.
#[test]
fn atk_2_an_rbcd_writer_is_an_edge_to_the_account() {
    let t = fixture("atk-2-rbcd-takeover-reproduced");
    let g = DelegationGraph::build(&t.dir, &t.readings).unwrap();
    let writes: Vec<(Node, Node)> = edges(&g)
        .into_iter()
        .filter(|(_, _, k)| *k == EdgeKind::RbcdWrite)
        .map(|(a, b, _)| (a, b))
        .collect();
    assert!(
        writes.contains(&(
            Node::Account(account(&t.dir, "mallory")),
            Node::Account(account(&t.dir, "FILES01$"))
        )),
        "{writes:?}"
    );
}
