//! The reach query against the chain step it is made of: for every topology fixture and
//! generated domains, owning each account in turn (and pairs of accounts), the pruned
//! search (the steps the index proposes, one user per class) finds what the exhaustive one
//! (every user, SPN, service and account at every state) finds, up to the class of the
//! identity; and every path either reports replays, step by step through
//! `chain::step`, to a state that presents the identity where the finding says.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::collections::BTreeSet;

use tokenhop_model::net::chain::{self, ChainState};
use tokenhop_model::net::directory::{AccountId, AccountKind, Directory};
use tokenhop_model::net::hop::Credentials;
use tokenhop_model::net::reach::reverse::{self, Target};
use tokenhop_model::net::reach::{
    self, Answer, Attacker, Enumeration, Finding, Gain, Index, Limits,
};
use tokenhop_model::rules::readings::Readings;

/// A finding as the comparison sees it: what, as which class of principal, held how.
type Key = (Gain, Option<reach::index::PrincipalClass>, String);

fn key(index: &Index, f: &Finding) -> Key {
    (
        f.gain.clone(),
        index.class(f.identity),
        format!("{:?}", f.hold),
    )
}

/// Every finding's path replays: each step succeeds through `chain::step`, and the last
/// state presents the finding's identity at the finding's service.
fn replays(dir: &Directory, readings: &Readings, answer: &Answer, what: &str) {
    for f in &answer.findings {
        let mut state = ChainState::default();
        for (n, p) in f.path.iter().enumerate() {
            let (next, outcome) = chain::step(dir, readings, &state, &p.step);
            assert!(
                outcome.result.is_ok(),
                "{what}: step {n} of the path to {:?} fails on replay: {:?}",
                f.gain,
                outcome.result
            );
            let applied: BTreeSet<_> = outcome.decisions.iter().map(|d| d.rule).collect();
            let reported: BTreeSet<_> = p.rules.iter().copied().collect();
            assert_eq!(
                applied, reported,
                "{what}: step {n} applies other rules on replay"
            );
            state = next;
        }
        let holder = state.holder.as_ref().expect("a path starts the chain");
        assert_eq!(holder.presents, Some(f.identity), "{what}: {:?}", f.gain);
        match &f.gain {
            Gain::Service(s) => assert_eq!(holder.service, Some(*s), "{what}"),
            Gain::Resource(r, _) => {
                assert_eq!(holder.service, Some(dir.resource(*r).service), "{what}");
            }
            Gain::Credentials => assert!(
                matches!(
                    holder.credentials,
                    Credentials::Tgt(_) | Credentials::Password
                ),
                "{what}: a credentials finding's chain holds a TGT or a password"
            ),
        }
    }
}

/// The pruned search finds exactly what the exhaustive one does, up to the identity's
/// class.
fn agree(dir: &Directory, readings: &Readings, attacker: &Attacker, what: &str) -> usize {
    let index = Index::of(dir);
    let limits = Limits::default();
    let pruned = reach::reach(dir, readings, &index, attacker, Enumeration::Pruned, limits);
    let every = reach::reach(
        dir,
        readings,
        &index,
        attacker,
        Enumeration::Everything,
        limits,
    );
    assert!(
        !pruned.stopped && !every.stopped,
        "{what}: a search hit its limit"
    );
    replays(dir, readings, &pruned, what);
    let found: BTreeSet<String> = pruned
        .findings
        .iter()
        .map(|f| format!("{:?}", key(&index, f)))
        .collect();
    let expected: BTreeSet<String> = every
        .findings
        .iter()
        .map(|f| format!("{:?}", key(&index, f)))
        .collect();
    let missing: Vec<String> = every
        .findings
        .iter()
        .filter(|f| expected.contains(&format!("{:?}", key(&index, f))))
        .filter(|f| !found.contains(&format!("{:?}", key(&index, f))))
        .map(|f| shown(dir, f))
        .collect();
    let extra: Vec<String> = pruned
        .findings
        .iter()
        .filter(|f| !expected.contains(&format!("{:?}", key(&index, f))))
        .map(|f| shown(dir, f))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: the pruned search misses {missing:#?} and adds {extra:#?}"
    );
    pruned.findings.len()
}

/// A finding and its path, for a failure's message.
fn shown(dir: &Directory, f: &Finding) -> String {
    let steps: Vec<String> = f.path.iter().map(|p| format!("{:?}", p.step)).collect();
    format!(
        "{:?} as {}: {}",
        f.gain,
        dir.qualified(f.identity),
        steps.join(" / ")
    )
}

fn principals(dir: &Directory) -> Vec<AccountId> {
    dir.account_ids()
        .filter(|a| dir.account(*a).kind != AccountKind::Group)
        .collect()
}

#[test]
fn reach_equals_the_exhaustive_search_on_every_topology_fixture() {
    let mut findings = 0;
    for (path, t) in common::topologies() {
        let (dir, machine) = common::with_attacker_machine(&t.dir);
        for owned in principals(&dir) {
            let attacker = Attacker {
                owned: vec![owned],
                machine,
            };
            let what = format!("{} owning {}", path.display(), dir.qualified(owned));
            findings += agree(&dir, &t.readings, &attacker, &what);
        }
    }
    assert!(
        findings > 0,
        "the fixtures give the query something to find"
    );
}

#[test]
fn reach_equals_the_exhaustive_search_on_generated_domains() {
    let mut findings = 0;
    for seed in 1..=6 {
        let generated = tokenhop_model::net::generate::domain(40, seed).unwrap();
        let (dir, machine) = common::with_attacker_machine(&generated);
        let all = principals(&dir);
        for (i, owned) in all.iter().enumerate() {
            let mut owned = vec![*owned];
            // Every third run owns a second account too: chains that switch keys.
            if i % 3 == 0
                && let Some(other) = all.get((i * 7 + 1) % all.len())
                && !owned.contains(other)
            {
                owned.push(*other);
            }
            let attacker = Attacker { owned, machine };
            let what = format!("generated domain (seed {seed}) owning {:?}", attacker.owned);
            findings += agree(&dir, &Readings::default(), &attacker, &what);
        }
    }
    assert!(
        findings > 0,
        "generated domains give the query something to find"
    );
}

/// The reverse question's answer as the comparison sees it: each owner's class, with each
/// finding's key.
fn reverse_keys(
    index: &Index,
    owners: impl Iterator<Item = (AccountId, Vec<Finding>)>,
) -> BTreeSet<String> {
    owners
        .flat_map(|(owner, findings)| {
            findings
                .into_iter()
                .map(move |f| format!("{:?} {:?}", index.class(owner), key(index, &f)))
        })
        .collect()
}

/// Who reaches `target`, asked once in reverse, equals owning every principal in turn.
fn reverse_agrees(dir: &Directory, readings: &Readings, target: &Target, what: &str) {
    let index = Index::of(dir);
    let machine = dir.machine_ids().last().unwrap();
    let limits = Limits::default();
    let answer = reverse::reverse(dir, readings, &index, machine, target, limits);
    let asked = reverse_keys(
        &index,
        answer.owners.into_iter().map(|o| (o.owned, o.findings)),
    );
    let every = principals(dir).into_iter().map(|p| {
        let attacker = Attacker {
            owned: vec![p],
            machine,
        };
        let a = reach::reach(
            dir,
            readings,
            &index,
            &attacker,
            Enumeration::Pruned,
            limits,
        );
        (p, reverse::at_target(dir, &index, target, a.findings))
    });
    let brute = reverse_keys(&index, every);
    let missing: Vec<_> = brute.difference(&asked).collect();
    assert!(
        missing.is_empty(),
        "{what}: the reverse query misses {missing:#?}"
    );
    assert!(
        asked.is_subset(&brute),
        "{what}: the reverse query finds what no owner reaches"
    );
}

/// The targets asked about: each machine's services.
fn machine_targets(dir: &Directory) -> Vec<(String, Target)> {
    dir.machine_ids()
        .map(|m| {
            let services: Vec<_> = dir
                .service_ids()
                .filter(|s| dir.service(*s).machine == m)
                .collect();
            let name = dir.machine(m).name.to_string();
            (
                name,
                Target {
                    services,
                    resources: Vec::new(),
                },
            )
        })
        .filter(|(_, t)| !t.services.is_empty())
        .collect()
}

#[test]
fn reach_to_a_server_equals_owning_every_principal_on_every_topology_fixture() {
    for (path, t) in common::topologies() {
        let (dir, _) = common::with_attacker_machine(&t.dir);
        for (name, target) in machine_targets(&dir) {
            let what = format!("{} to {name}", path.display());
            reverse_agrees(&dir, &t.readings, &target, &what);
        }
    }
}

#[test]
fn reach_to_a_server_equals_owning_every_principal_on_generated_domains() {
    for seed in 1..=3 {
        let generated = tokenhop_model::net::generate::domain(40, seed).unwrap();
        let (dir, _) = common::with_attacker_machine(&generated);
        for (name, target) in machine_targets(&dir).into_iter().take(6) {
            let what = format!("generated domain (seed {seed}) to {name}");
            reverse_agrees(&dir, &Readings::default(), &target, &what);
        }
    }
}
