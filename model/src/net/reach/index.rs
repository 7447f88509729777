//! What the reach search looks up about a directory at every state, built once per
//! directory in time and memory linear in its size: services by account and by machine,
//! the services that guard resources, which accounts an account may write the RBCD list of,
//! which accounts admit an account by RBCD, the LocalSystem service of each machine (the one
//! a coercion makes authenticate), and the classes of principals the hop tells apart, each
//! with one representative.
//!
//! Nothing here decides a hop: the index only proposes the steps worth trying, and
//! [`crate::net::chain::try_step`] decides each.

use std::collections::HashMap;

use super::super::directory::{
    AccountId, AccountKind, Directory, DomainId, LocalAccount, MachineId, ResourceId, ServiceId,
    Trustee,
};

/// The well-known groups whose members the answer calls privileged: Domain Admins (512),
/// Enterprise Admins (519) and Administrators (544). No rule reads them: a class of users
/// is named by one of their members when it has one.
const PRIVILEGED_GROUP_RIDS: [u32; 3] = [512, 519, 544];

/// What a principal is, as far as the hop and the answer tell principals apart: two
/// principals of one class are treated alike by every rule, up to their names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalClass {
    domain: DomainId,
    kind: AccountKind,
    rid_500: bool,
    not_delegated: bool,
    protected_users: bool,
    domain_controller: bool,
    /// The principal is named by a resource's DACL (directly or through a group): then it
    /// is a class of its own. (Being named by an RBCD list or as its writer matters to
    /// the principal acting with its own key or credentials, which the attacker holds only
    /// for the accounts it owns, not to the users it obtains tickets for.)
    singled_out: Option<AccountId>,
}

/// The lookups.
#[derive(Debug)]
pub struct Index {
    services_of: HashMap<AccountId, Vec<ServiceId>>,
    services_on: HashMap<MachineId, Vec<ServiceId>>,
    guards: Vec<ServiceId>,
    resources_of: HashMap<ServiceId, Vec<ResourceId>>,
    writable_by: HashMap<AccountId, Vec<AccountId>>,
    writers: Vec<AccountId>,
    admitted_by: HashMap<AccountId, Vec<AccountId>>,
    victims: Vec<ServiceId>,
    victim_representatives: Vec<Vec<ServiceId>>,
    classes: Vec<PrincipalClass>,
    privileged: std::collections::HashSet<AccountId>,
    representatives: Vec<Vec<AccountId>>,
    class_sizes: HashMap<PrincipalClass, usize>,
}

impl Index {
    /// The index of `dir`.
    #[must_use]
    pub fn of(dir: &Directory) -> Self {
        // The directory's SPN index is built on its first lookup: build it here, once,
        // rather than in whichever query looks an SPN up first.
        let _ = dir.account_holding_spn("");
        let mut services_of: HashMap<AccountId, Vec<ServiceId>> = HashMap::new();
        let mut services_on: HashMap<MachineId, Vec<ServiceId>> = HashMap::new();
        let mut victims: HashMap<MachineId, ServiceId> = HashMap::new();
        for s in dir.service_ids() {
            let service = dir.service(s);
            services_of.entry(service.account).or_default().push(s);
            services_on.entry(service.machine).or_default().push(s);
            if service.local_account == LocalAccount::System {
                victims.entry(service.machine).or_insert(s);
            }
        }
        let mut resources_of: HashMap<ServiceId, Vec<ResourceId>> = HashMap::new();
        for r in dir.resource_ids() {
            resources_of
                .entry(dir.resource(r).service)
                .or_default()
                .push(r);
        }
        let mut guards: Vec<ServiceId> = resources_of.keys().copied().collect();
        guards.sort_unstable();
        let mut victims: Vec<ServiceId> = victims.into_values().collect();
        victims.sort_unstable();
        let (writable_by, admitted_by) = delegation_relations(dir);
        let mut writers: Vec<AccountId> = writable_by.keys().copied().collect();
        writers.sort_unstable();
        let (classes, privileged) = classes(dir);
        let victim_representatives = victim_representatives(dir, &victims, &classes);
        let representatives = representatives(dir, &classes, &privileged);
        let mut class_sizes: HashMap<PrincipalClass, usize> = HashMap::new();
        for class in &classes {
            *class_sizes.entry(*class).or_default() += 1;
        }
        Index {
            services_of,
            services_on,
            guards,
            resources_of,
            writable_by,
            writers,
            admitted_by,
            victims,
            victim_representatives,
            classes,
            privileged,
            representatives,
            class_sizes,
        }
    }

    /// The services running as `account`.
    #[must_use]
    pub fn services_of(&self, account: AccountId) -> &[ServiceId] {
        self.services_of.get(&account).map_or(&[], Vec::as_slice)
    }

    /// The services on `machine`.
    #[must_use]
    pub fn services_on(&self, machine: MachineId) -> &[ServiceId] {
        self.services_on.get(&machine).map_or(&[], Vec::as_slice)
    }

    /// The services that guard a resource.
    #[must_use]
    pub fn guards(&self) -> &[ServiceId] {
        &self.guards
    }

    /// The accounts whose RBCD list `writer`'s ACEs (or a group's it is in) let it write,
    /// and `writer` itself for a computer account (which writes its own, AD-11), in the
    /// order of their ids.
    #[must_use]
    pub fn writable_by(&self, writer: AccountId) -> &[AccountId] {
        self.writable_by.get(&writer).map_or(&[], Vec::as_slice)
    }

    /// The accounts that may write some account's RBCD list (through an ACE, directly or
    /// through a group; computers, which write their own, included), in the order of
    /// their ids.
    #[must_use]
    pub fn writers(&self) -> &[AccountId] {
        &self.writers
    }

    /// The accounts whose stored RBCD list admits `account` (directly or through a group).
    #[must_use]
    pub fn admitted_by(&self, account: AccountId) -> &[AccountId] {
        self.admitted_by.get(&account).map_or(&[], Vec::as_slice)
    }

    /// One LocalSystem service per machine: what a coercion makes authenticate.
    #[must_use]
    pub fn victims(&self) -> &[ServiceId] {
        &self.victims
    }

    /// One of [`Index::victims`] per class of victim (victims whose service and machine
    /// account every rule treats alike) whose account is not one of `except`.
    pub fn victim_representatives<'a>(
        &'a self,
        dir: &'a Directory,
        except: &'a [AccountId],
    ) -> impl Iterator<Item = ServiceId> + 'a {
        self.victim_representatives
            .iter()
            .filter_map(move |members| {
                members
                    .iter()
                    .find(|v| !except.contains(&dir.service(**v).account))
                    .copied()
            })
    }

    /// The victims on `machine`.
    pub fn victims_on(&self, machine: MachineId) -> impl Iterator<Item = ServiceId> + '_ {
        self.services_on(machine)
            .iter()
            .copied()
            .filter(|s| self.victims.binary_search(s).is_ok())
    }

    /// One user of each class that is not one of `except` (the accounts an attacker
    /// owns: what it becomes by them is the point of the question).
    pub fn representatives<'a>(
        &'a self,
        except: &'a [AccountId],
    ) -> impl Iterator<Item = AccountId> + 'a {
        self.representatives
            .iter()
            .filter_map(move |members| members.iter().find(|m| !except.contains(m)).copied())
    }

    /// The resources `service` guards.
    #[must_use]
    pub fn resources_of(&self, service: ServiceId) -> &[ResourceId] {
        self.resources_of.get(&service).map_or(&[], Vec::as_slice)
    }

    /// How many principals share `account`'s class (1 for one singled out).
    #[must_use]
    pub fn class_size(&self, account: AccountId) -> usize {
        self.class(account)
            .and_then(|c| self.class_sizes.get(&c).copied())
            .unwrap_or(1)
    }

    /// Whether `account` is privileged in the answer's sense: the built-in Administrator
    /// (RID 500), a member of Domain Admins, Enterprise Admins or Administrators, or a
    /// domain controller's machine account.
    #[must_use]
    pub fn privileged(&self, account: AccountId) -> bool {
        self.privileged.contains(&account)
            || self
                .class(account)
                .is_some_and(|c| c.rid_500 || c.domain_controller)
    }

    /// The class of `account`.
    #[must_use]
    pub fn class(&self, account: AccountId) -> Option<PrincipalClass> {
        self.classes.get(account.index()).copied()
    }
}

/// Who may write whose RBCD list, and who is admitted by whose, with groups expanded to
/// their members.
type Relations = (
    HashMap<AccountId, Vec<AccountId>>,
    HashMap<AccountId, Vec<AccountId>>,
);

fn delegation_relations(dir: &Directory) -> Relations {
    let mut writable_by: HashMap<AccountId, Vec<AccountId>> = HashMap::new();
    let mut admitted_by: HashMap<AccountId, Vec<AccountId>> = HashMap::new();
    let mut members: HashMap<AccountId, Vec<AccountId>> = HashMap::new();
    for target in dir.account_ids() {
        let a = dir.account(target);
        for writer in &a.rbcd_writers {
            for w in expanded(dir, *writer, &mut members) {
                writable_by.entry(w).or_default().push(target);
            }
        }
        for allowed in &a.allowed_to_act {
            for p in expanded(dir, *allowed, &mut members) {
                admitted_by.entry(p).or_default().push(target);
            }
        }
    }
    for (id, a) in dir.account_ids().zip(&dir.accounts) {
        if a.kind == AccountKind::Computer {
            writable_by.entry(id).or_default().push(id);
        }
    }
    for targets in writable_by.values_mut() {
        targets.sort_unstable();
        targets.dedup();
    }
    (writable_by, admitted_by)
}

/// `principal` and, for a group, every member, directly or through nested groups
/// (memoised per group).
fn expanded(
    dir: &Directory,
    principal: AccountId,
    memo: &mut HashMap<AccountId, Vec<AccountId>>,
) -> Vec<AccountId> {
    if dir.account(principal).members.is_empty() {
        return vec![principal];
    }
    if let Some(known) = memo.get(&principal) {
        return known.clone();
    }
    let mut out = vec![principal];
    let mut stack = vec![principal];
    let mut seen = std::collections::HashSet::from([principal]);
    while let Some(g) = stack.pop() {
        for m in &dir.account(g).members {
            if seen.insert(*m) {
                out.push(*m);
                stack.push(*m);
            }
        }
    }
    memo.insert(principal, out.clone());
    out
}

/// Every account's class, and the members of the privileged groups.
fn classes(dir: &Directory) -> (Vec<PrincipalClass>, std::collections::HashSet<AccountId>) {
    let mut memo = HashMap::new();
    let mut privileged = std::collections::HashSet::new();
    let mut singled = std::collections::HashSet::new();
    for g in dir.account_ids() {
        let a = dir.account(g);
        if a.kind == AccountKind::Group && PRIVILEGED_GROUP_RIDS.contains(&a.rid) {
            privileged.extend(expanded(dir, g, &mut memo));
        }
    }
    let controllers: std::collections::HashSet<AccountId> = dir
        .machines
        .iter()
        .filter(|m| m.dc)
        .filter_map(|m| m.account)
        .collect();
    for r in &dir.resources {
        for entry in &r.dacl {
            if let Trustee::Account(t) = entry.trustee {
                singled.extend(expanded(dir, t, &mut memo));
            }
        }
    }
    let classes = dir
        .account_ids()
        .map(|id| {
            let a = dir.account(id);
            PrincipalClass {
                domain: a.domain,
                kind: a.kind,
                rid_500: a.rid == 500,
                not_delegated: a.not_delegated,
                protected_users: a.protected_users,
                domain_controller: controllers.contains(&id),
                singled_out: singled.contains(&id).then_some(id),
            }
        })
        .collect();
    (classes, privileged)
}

/// The users of each class (the built-in Administrator, RID 500, is a class of its own),
/// classes in the order their first user comes in the directory, and in each class the
/// members of privileged groups first, then enabled accounts: the answer names the most
/// telling member of a class.
fn representatives(
    dir: &Directory,
    classes: &[PrincipalClass],
    privileged: &std::collections::HashSet<AccountId>,
) -> Vec<Vec<AccountId>> {
    let mut slot_of: HashMap<PrincipalClass, usize> = HashMap::new();
    let mut out: Vec<Vec<AccountId>> = Vec::new();
    for (id, class) in dir.account_ids().zip(classes) {
        if dir.account(id).kind != AccountKind::User {
            continue;
        }
        let slot = *slot_of.entry(*class).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        if let Some(members) = out.get_mut(slot) {
            members.push(id);
        }
    }
    for members in &mut out {
        members.sort_by_key(|m| (!privileged.contains(m), !dir.account(*m).enabled));
    }
    out
}

/// What a coercion reads of its victim: the class of the account its service runs as, the
/// service's own settings, and its machine's domain and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct VictimClass {
    account: Option<PrincipalClass>,
    protocol: super::super::directory::Protocol,
    logon: super::super::directory::ServiceLogon,
    local_account: LocalAccount,
    tcb: bool,
    impersonate_privilege: bool,
    checks_impersonation: bool,
    com_plus: bool,
    machine_domain: Option<DomainId>,
    machine_dc: bool,
    credential_guard: bool,
}

/// The victims of each [`VictimClass`], classes in the order of their first victim.
fn victim_representatives(
    dir: &Directory,
    victims: &[ServiceId],
    classes: &[PrincipalClass],
) -> Vec<Vec<ServiceId>> {
    let mut slot_of: HashMap<VictimClass, usize> = HashMap::new();
    let mut out: Vec<Vec<ServiceId>> = Vec::new();
    for v in victims {
        let s = dir.service(*v);
        let m = dir.machine(s.machine);
        let class = VictimClass {
            account: classes.get(s.account.index()).copied(),
            protocol: s.protocol,
            logon: s.logon,
            local_account: s.local_account,
            tcb: s.tcb,
            impersonate_privilege: s.impersonate_privilege,
            checks_impersonation: s.checks_impersonation,
            com_plus: s.com_plus,
            machine_domain: m.domain,
            machine_dc: m.dc,
            credential_guard: m.credential_guard,
        };
        let slot = *slot_of.entry(class).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        if let Some(members) = out.get_mut(slot) {
            members.push(*v);
        }
    }
    out
}
