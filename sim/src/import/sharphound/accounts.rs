//! The accounts of an import: users, computers and groups, domain by domain (the order a
//! topology lists them in), with their flags, SPNs and delegation settings; then the links
//! between them (group members, primary groups, RBCD lists, who may write an account's RBCD
//! list or SPNs), Protected Users membership through nested groups (the group whose SID ends
//! in -525), and the delegation targets no account holds.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokenhop_model::net::directory::{
    Account, AccountId, AccountKind, Directory, DomainId, host_alias,
};

use super::domains::DomainTable;
use super::error::{ImportError, next_id};
use super::read::Collection;
use super::records::Principal;
use super::report::Report;

/// The accounts placed in the directory: the collection's principals in account order, and
/// each account by its object identifier.
pub struct Placed {
    /// Indices into the collection's principals, in account order.
    pub order: Vec<usize>,
    /// Accounts by upper-cased object identifier.
    pub ids: HashMap<Box<str>, AccountId>,
}

/// Principal Self (S-1-5-10): an ACE naming it is about the account itself, which may write
/// its own RBCD list anyway (AD-11).
fn is_self(id: &str) -> bool {
    id == "S-1-5-10" || id.ends_with("-S-1-5-10")
}

/// The well-known groups whose members are implicit (no `member` attribute lists them).
const IMPLICIT: &[(&str, &str)] = &[("S-1-1-0", "Everyone"), ("S-1-5-11", "Authenticated Users")];

/// Adds the collection's accounts to `dir` (whose domains are `table`'s) and links them.
///
/// # Errors
///
/// When an object's domain cannot be told, or two objects share an identifier, a name or a
/// RID in one domain.
pub fn build(
    col: &Collection,
    table: &DomainTable,
    dir: &mut Directory,
    report: &mut Report,
) -> Result<Placed, ImportError> {
    let domains = col
        .principals
        .iter()
        .map(|p| domain_of(p, table))
        .collect::<Result<Vec<_>, _>>()?;
    let mut order: Vec<usize> = (0..col.principals.len()).collect();
    order.sort_by_key(|i| domains.get(*i).copied());
    let ids = accounts(col, &order, &domains, dir, report)?;
    let placed = Placed { order, ids };
    links(col, &placed, dir, report);
    spns(col, &placed, dir, report);
    protected_users(dir, report);
    implicit_members(dir, report);
    stale_targets(dir, report);
    counts(dir, report);
    Ok(placed)
}

/// A principal's domain: the one its properties name, else the one its SID is of.
fn domain_of(p: &Principal, table: &DomainTable) -> Result<DomainId, ImportError> {
    if let Some(d) = p.domain.as_deref().and_then(|n| table.by_name(n)) {
        return Ok(d);
    }
    p.sid
        .rsplit_once('-')
        .and_then(|(domain, _)| table.by_sid(domain))
        .ok_or_else(|| {
            ImportError::invalid(
                &p.origin.file,
                p.origin.field("Properties.domain"),
                format!(
                    "missing, and the SID `{}` is of no domain of the collection",
                    p.sid
                ),
            )
        })
}

/// One account per principal, in `order`; duplicates are located errors.
fn accounts(
    col: &Collection,
    order: &[usize],
    domains: &[DomainId],
    dir: &mut Directory,
    report: &mut Report,
) -> Result<HashMap<Box<str>, AccountId>, ImportError> {
    let mut ids: HashMap<Box<str>, AccountId> = HashMap::with_capacity(order.len());
    let mut names: HashMap<(DomainId, String), AccountId> = HashMap::with_capacity(order.len());
    let mut rids: HashMap<(DomainId, u32), AccountId> = HashMap::with_capacity(order.len());
    for &i in order {
        let (Some(p), Some(&domain)) = (col.principals.get(i), domains.get(i)) else {
            continue;
        };
        let id = AccountId(next_id(dir.accounts.len(), "accounts")?);
        let at = |field: &str, message: String| {
            ImportError::invalid(&p.origin.file, p.origin.field(field), message)
        };
        if let Some(other) = ids.insert(p.id.clone(), id) {
            return Err(at(
                "ObjectIdentifier",
                format!(
                    "duplicate object identifier `{}`: {} has it too",
                    p.id,
                    dir.qualified(other)
                ),
            ));
        }
        if let Some(other) = names.insert((domain, p.sam.to_ascii_lowercase()), id) {
            return Err(at(
                "Properties.samaccountname",
                format!("`{}` is also the name of {}", p.sam, dir.qualified(other)),
            ));
        }
        if let Some(other) = rids.insert((domain, p.rid), id) {
            return Err(at(
                "ObjectIdentifier",
                format!("RID {} is also {}'s", p.rid, dir.qualified(other)),
            ));
        }
        let mut a = Account::new(&p.sam, domain, p.kind, p.rid);
        a.sid = Some(Arc::from(&*p.sid));
        a.enabled = p.enabled;
        a.trusted_for_delegation = p.trusted_for_delegation;
        a.not_delegated = p.not_delegated;
        a.trusted_to_auth_for_delegation = p.trusted_to_auth;
        a.allowed_to_delegate_to = p
            .allowed_to_delegate_to
            .iter()
            .map(|s| Arc::from(&**s))
            .collect();
        if p.dc && !a.trusted_for_delegation {
            // AD-4: a domain controller's account is TRUSTED_FOR_DELEGATION.
            a.trusted_for_delegation = true;
            report.notes.push(format!(
                "{}@{}: a domain controller collected without TRUSTED_FOR_DELEGATION, set as AD-4 has it",
                p.sam,
                dir.domain(domain).name
            ));
        }
        dir.accounts.push(a);
    }
    Ok(ids)
}

/// Group members and primary groups, RBCD lists and the writers ACEs give; principals
/// outside the collection are counted and skipped.
fn links(col: &Collection, placed: &Placed, dir: &mut Directory, report: &mut Report) {
    let mut members: HashMap<AccountId, Vec<AccountId>> = HashMap::new();
    for (&i, account) in placed.order.iter().zip(0..) {
        let Some(p) = col.principals.get(i) else {
            continue;
        };
        let me = AccountId(account);
        for m in &p.members {
            match placed.ids.get(m) {
                Some(id) => members.entry(me).or_default().push(*id),
                None => report.outside.members += 1,
            }
        }
        if let Some(g) = &p.primary_group {
            match placed.ids.get(g) {
                Some(id) => members.entry(*id).or_default().push(me),
                None => report.outside.primary_groups += 1,
            }
        }
        let mut acts = Vec::new();
        for a in &p.allowed_to_act {
            match placed.ids.get(a) {
                Some(id) if !acts.contains(id) => acts.push(*id),
                Some(_) => {}
                None => report.outside.allowed_to_act += 1,
            }
        }
        let (mut rbcd, mut spn) = (Vec::new(), Vec::new());
        for (who, writes) in &p.writers {
            if is_self(who) {
                continue;
            }
            match placed.ids.get(who) {
                Some(id) if *id == me => {}
                Some(id) => {
                    if writes.rbcd {
                        rbcd.push(*id);
                    }
                    if writes.spn {
                        spn.push(*id);
                    }
                }
                None => report.outside.aces += 1,
            }
        }
        let a = dir.account_mut(me);
        a.allowed_to_act = acts;
        a.rbcd_writers = rbcd;
        a.spn_writers = spn;
    }
    for (group, list) in members {
        if dir.account(group).kind == AccountKind::Group {
            dir.account_mut(group).members = once_each(list);
        }
    }
}

/// `list` with each id once, in order of first appearance.
fn once_each(list: Vec<AccountId>) -> Vec<AccountId> {
    let mut seen = HashSet::with_capacity(list.len());
    list.into_iter().filter(|x| seen.insert(*x)).collect()
}

/// Each account's SPNs; an SPN a second account holds too is kept on the first only.
fn spns(col: &Collection, placed: &Placed, dir: &mut Directory, report: &mut Report) {
    let mut owner: HashMap<String, AccountId> = HashMap::new();
    for (&i, account) in placed.order.iter().zip(0..) {
        let Some(p) = col.principals.get(i) else {
            continue;
        };
        let me = AccountId(account);
        let mut kept = Vec::with_capacity(p.spns.len());
        for spn in &p.spns {
            report.spns += 1;
            match owner.get(&spn.to_ascii_lowercase()) {
                Some(first) => report.duplicate_spns.push(format!(
                    "{spn} (on {}, dropped from {})",
                    dir.qualified(*first),
                    dir.qualified(me)
                )),
                None => {
                    owner.insert(spn.to_ascii_lowercase(), me);
                    kept.push(Arc::from(&**spn));
                }
            }
        }
        dir.account_mut(me).spns = kept;
    }
}

/// Every ids of `dir`'s accounts, in order.
fn account_ids(dir: &Directory) -> impl Iterator<Item = AccountId> + use<> {
    (0..dir.accounts.len()).map_while(|i| u32::try_from(i).ok().map(AccountId))
}

/// Protected Users (a domain group of RID 525) and the users and computers in it, through
/// nested groups too.
fn protected_users(dir: &mut Directory, report: &mut Report) {
    let groups: Vec<AccountId> = account_ids(dir)
        .filter(|a| {
            let a = dir.account(*a);
            a.kind == AccountKind::Group
                && a.rid == 525
                && a.sid.as_deref().is_some_and(|s| s.starts_with("S-1-5-21-"))
        })
        .collect();
    let mut seen = vec![false; dir.accounts.len()];
    let mut stack = groups;
    while let Some(g) = stack.pop() {
        match seen.get_mut(g.index()) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        if dir.account(g).kind == AccountKind::Group {
            stack.extend(dir.account(g).members.iter().copied());
        } else {
            dir.account_mut(g).protected_users = true;
            report.protected_users += 1;
        }
    }
}

/// Everyone and Authenticated Users, when an ACE names them as writers: every user and
/// computer is a member, though no `member` attribute says so.
fn implicit_members(dir: &mut Directory, report: &mut Report) {
    let used: HashSet<AccountId> = dir
        .accounts
        .iter()
        .flat_map(|a| a.rbcd_writers.iter().chain(&a.spn_writers).copied())
        .collect();
    let everyone: Vec<AccountId> = account_ids(dir)
        .filter(|a| dir.account(*a).kind != AccountKind::Group)
        .collect();
    for g in account_ids(dir).collect::<Vec<_>>() {
        let a = dir.account(g);
        let Some((_, name)) = IMPLICIT
            .iter()
            .find(|(sid, _)| a.sid.as_deref() == Some(*sid))
        else {
            continue;
        };
        if a.kind == AccountKind::Group && used.contains(&g) {
            report
                .implicit_groups
                .push(format!("{name} ({})", dir.qualified(g)));
            dir.account_mut(g).members.clone_from(&everyone);
        }
    }
}

/// The msDS-AllowedToDelegateTo entries the KDC would find no account for (AD-14 counted):
/// kept, and reported.
fn stale_targets(dir: &Directory, report: &mut Report) {
    let held: HashSet<String> = dir
        .accounts
        .iter()
        .flat_map(|a| a.spns.iter().map(|s| s.to_ascii_lowercase()))
        .collect();
    let finds = |spn: &str| {
        held.contains(&spn.to_ascii_lowercase())
            || host_alias(spn).is_some_and(|h| held.contains(&h.to_ascii_lowercase()))
    };
    for id in account_ids(dir) {
        for spn in &dir.account(id).allowed_to_delegate_to {
            if !finds(spn) {
                report
                    .stale_targets
                    .push(format!("{} -> {spn}", dir.qualified(id)));
            }
        }
    }
}

/// The counts of accounts and delegation settings.
fn counts(dir: &Directory, report: &mut Report) {
    for a in &dir.accounts {
        match a.kind {
            AccountKind::User => report.users += 1,
            AccountKind::Computer => report.computers += 1,
            AccountKind::Group => report.groups += 1,
        }
        report.disabled += usize::from(!a.enabled);
        report.unconstrained += usize::from(a.trusted_for_delegation);
        report.sensitive += usize::from(a.not_delegated);
        if !a.allowed_to_delegate_to.is_empty() {
            report.constrained += 1;
            report.protocol_transition += usize::from(a.trusted_to_auth_for_delegation);
        }
        report.rbcd += usize::from(!a.allowed_to_act.is_empty());
        report.writers.0 += a.rbcd_writers.len();
        report.writers.1 += a.spn_writers.len();
    }
}
