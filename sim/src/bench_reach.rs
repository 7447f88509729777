//! Measuring the reach query on an imported directory: the index built once, then one
//! `reach --owned` for an owned principal of each kind a directory has (a plain user,
//! service accounts with constrained delegation with and without protocol transition, a
//! computer trusted for unconstrained delegation, a computer admitted by RBCD, a
//! workstation, then a member of a helpdesk group with write access to some computers, and
//! last, since its search is by far the largest and the memory it frees slows the
//! allocations of any query after it, a member of Domain Admins, who may write every
//! account's RBCD list), then one `reach --to` a domain controller. Used by `tokenhop bench
//! --collection`, after the import it measures.

use std::time::{Duration, Instant};

use tokenhop_model::net::directory::{AccountId, AccountKind, Directory, TooMany};
use tokenhop_model::net::reach::reverse::{self, Target};
use tokenhop_model::net::reach::{self, Attacker, Enumeration, Index, Limits};
use tokenhop_model::rules::readings::Readings;

/// One `reach --owned` measured.
#[derive(Clone, Debug)]
pub struct OwnedQuery {
    /// What kind of principal was owned.
    pub kind: &'static str,
    /// Its name, `name@domain`.
    pub name: String,
    /// The time the query took.
    pub time: Duration,
    /// Chain states kept.
    pub states: usize,
    /// Findings.
    pub findings: usize,
}

/// The reach measurements on one directory.
#[derive(Clone, Debug)]
pub struct ReachRow {
    /// Time to build the index.
    pub index: Duration,
    /// One query per kind of owned principal the directory has.
    pub owned: Vec<OwnedQuery>,
    /// `reach --to` the first domain controller: its time, the principals owned to answer
    /// it, and the owners found.
    pub to: Option<(Duration, usize, usize)>,
}

/// Measures the reach query on `dir`, with the attacker's machine added to it.
///
/// # Errors
///
/// [`TooMany`] when the directory has no machine id left for the attacker's machine.
pub fn measure(mut dir: Directory) -> Result<ReachRow, TooMany> {
    let machine = crate::reach::attacker_machine(&mut dir)?;
    let readings = Readings::default();
    let started = Instant::now();
    let index = Index::of(&dir);
    let index_time = started.elapsed();
    let mut owned = Vec::new();
    for (kind, account) in samples(&dir) {
        let attacker = Attacker {
            owned: vec![account],
            machine,
        };
        let started = Instant::now();
        let answer = reach::reach(
            &dir,
            &readings,
            &index,
            &attacker,
            Enumeration::Pruned,
            Limits::default(),
        );
        owned.push(OwnedQuery {
            kind,
            name: dir.qualified(account),
            time: started.elapsed(),
            states: answer.states,
            findings: answer.findings.len(),
        });
    }
    let to = dir.machine_ids().find(|m| dir.machine(*m).dc).map(|dc| {
        let target = Target {
            services: dir
                .service_ids()
                .filter(|s| dir.service(*s).machine == dc)
                .collect(),
            resources: Vec::new(),
        };
        let started = Instant::now();
        let answer = reverse::reverse(&dir, &readings, &index, machine, &target, Limits::default());
        (started.elapsed(), answer.queries, answer.owners.len())
    });
    Ok(ReachRow {
        index: index_time,
        owned,
        to,
    })
}

/// The first principal of each kind measured, in the order of the directory.
fn samples(dir: &Directory) -> Vec<(&'static str, AccountId)> {
    let writers: std::collections::HashSet<AccountId> = dir
        .accounts
        .iter()
        .flat_map(|a| a.rbcd_writers.iter().copied())
        .collect();
    let admitted: std::collections::HashSet<AccountId> = dir
        .accounts
        .iter()
        .flat_map(|a| a.allowed_to_act.iter().copied())
        .collect();
    // The groups every default ACE names (Domain Admins, Enterprise Admins, Account
    // Operators, Administrators), and the others that write RBCD lists.
    let admins: Vec<AccountId> = dir
        .account_ids()
        .filter(|g| {
            let a = dir.account(*g);
            a.kind == AccountKind::Group && [512, 519, 544, 548].contains(&a.rid)
        })
        .collect();
    let helpdesks: Vec<AccountId> = writers
        .iter()
        .copied()
        .filter(|w| dir.account(*w).kind == AccountKind::Group && !admins.contains(w))
        .collect();
    let kinds: [(&'static str, &dyn Fn(AccountId) -> bool); 8] = [
        ("user", &|id| {
            let a = dir.account(id);
            a.kind == AccountKind::User
                && a.spns.is_empty()
                && !writers.iter().any(|w| dir.is_member(id, *w))
                && !admins.iter().any(|g| dir.is_member(id, *g))
        }),
        (
            "service account, constrained with protocol transition",
            &|id| {
                let a = dir.account(id);
                a.kind == AccountKind::User
                    && !a.allowed_to_delegate_to.is_empty()
                    && a.trusted_to_auth_for_delegation
            },
        ),
        (
            "service account, constrained without protocol transition",
            &|id| {
                let a = dir.account(id);
                a.kind == AccountKind::User
                    && !a.allowed_to_delegate_to.is_empty()
                    && !a.trusted_to_auth_for_delegation
            },
        ),
        ("computer trusted for unconstrained delegation", &|id| {
            let a = dir.account(id);
            a.kind == AccountKind::Computer
                && a.trusted_for_delegation
                && !dir.machines.iter().any(|m| m.dc && m.account == Some(id))
        }),
        ("computer admitted by RBCD", &|id| {
            dir.account(id).kind == AccountKind::Computer && admitted.contains(&id)
        }),
        ("workstation", &|id| {
            let a = dir.account(id);
            a.kind == AccountKind::Computer
                && !a.trusted_for_delegation
                && a.allowed_to_delegate_to.is_empty()
                && !admitted.contains(&id)
        }),
        ("member of a helpdesk group that writes computers", &|id| {
            dir.account(id).kind == AccountKind::User
                && !admins.iter().any(|g| dir.is_member(id, *g))
                && helpdesks.iter().any(|w| dir.is_member(id, *w))
        }),
        ("member of Domain Admins", &|id| {
            dir.account(id).kind == AccountKind::User
                && admins
                    .iter()
                    .any(|g| dir.account(*g).rid == 512 && dir.is_member(id, *g))
        }),
    ];
    kinds
        .iter()
        .filter_map(|(kind, is)| dir.account_ids().find(|id| is(*id)).map(|id| (*kind, id)))
        .collect()
}

/// The table `tokenhop bench --collection` prints after the import's.
#[must_use]
pub fn table(objects: u64, row: &ReachRow) -> String {
    let mut out = format!(
        "Reach on the collection of {objects} objects (index built in {:.2} s):\n\n| owned | principal | time | states | findings |\n| --- | --- | --- | --- | --- |\n",
        row.index.as_secs_f64()
    );
    for q in &row.owned {
        out.push_str(&format!(
            "| {} | {} | {:.1} ms | {} | {} |\n",
            q.kind,
            q.name,
            q.time.as_secs_f64() * 1e3,
            q.states,
            q.findings
        ));
    }
    if let Some((time, queries, owners)) = row.to {
        out.push_str(&format!(
            "\n`reach --to` the first domain controller: {:.2} s, {queries} principals owned in turn, {owners} reach it\n",
            time.as_secs_f64()
        ));
    }
    out
}
