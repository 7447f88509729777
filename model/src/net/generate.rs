//! Generated directories for benchmarks: one domain of a given number of accounts, with
//! the mix of delegation settings a large enterprise has (a few unconstrained hosts,
//! constrained delegation with and without protocol transition, RBCD grants, sensitive
//! users, Protected Users, ncalrpc and cleartext front ends). Deterministic: the same size
//! and seed give the same directory.

use std::sync::Arc;

use super::directory::{
    AccessRule, Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain,
    DomainId, LocalAccount, Machine, MachineId, Protocol, Resource, Service, ServiceLogon, TooMany,
    Trustee, WellKnown,
};

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = crate::core::widen::u64_of(n.max(1));
        // The remainder is below `n`, a usize: the cast is lossless.
        (self.next_u64() % n64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The most accounts [`domain`] generates: a domain's RIDs are 30-bit ("Managing RID
/// Issuance"), and the generated ones start at 1101. Below it, every id and RID fits.
pub const MAX_ACCOUNTS: usize = (1 << 30) - 1101;

/// A domain too large to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    /// More accounts than a domain's RIDs number.
    #[error(
        "{0} accounts is more than a generated domain holds: at most {MAX_ACCOUNTS}, as a domain's RIDs are 30-bit"
    )]
    Accounts(usize),
    /// The RIDs ran out (past 32 bits).
    #[error("the generated domain ran out of RIDs")]
    Rids,
    /// A table of the directory has no id left.
    #[error(transparent)]
    Table(#[from] TooMany),
}

fn account(name: String, kind: AccountKind, rid: u32) -> Account {
    Account::new(&name, DomainId(0), kind, rid)
}

/// A domain `corp.example` of `accounts` accounts (at least 100): about 1 in 10 a machine
/// (1 in 5 of those a server), 1 in 50 a service account, the rest users; one service per
/// server and per service account, each guarding one resource.
///
/// # Errors
///
/// [`TooLarge`] for more than [`MAX_ACCOUNTS`] accounts.
pub fn domain(accounts: usize, seed: u64) -> Result<Directory, TooLarge> {
    if accounts > MAX_ACCOUNTS {
        return Err(TooLarge::Accounts(accounts));
    }
    let accounts = accounts.max(100);
    let mut rng = SplitMix::new(seed);
    let mut dir = Directory::default();
    dir.push_domain(Domain {
        name: Arc::from("corp.example"),
        forest: Arc::from("corp.example"),
        functional_level: 2016,
        kdc: 2019,
        ticket_signatures: true,
        rbcd_sensitive_enforced: true,
        sid: None,
        machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
    })?;
    let machines = accounts / 10;
    let service_accounts = accounts / 50;
    let users = accounts - machines - service_accounts;
    let mut rids = Rids(1101);
    for i in 0..users {
        let mut a = account(format!("user{i}"), AccountKind::User, rids.next()?);
        a.not_delegated = rng.chance(2);
        a.protected_users = rng.chance(1);
        dir.push_account(a)?;
    }
    let mut service_account_ids = Vec::with_capacity(service_accounts);
    for i in 0..service_accounts {
        let a = account(format!("svc{i}"), AccountKind::User, rids.next()?);
        service_account_ids.push(dir.push_account(a)?);
    }
    let mut machine_ids = Vec::with_capacity(machines);
    for i in 0..machines {
        let name = format!("m{i}");
        let a = account(
            format!("{}$", name.to_ascii_uppercase()),
            AccountKind::Computer,
            rids.next()?,
        );
        let account = dir.push_account(a)?;
        let machine = dir.push_machine(Machine {
            name: Arc::from(name.as_str()),
            domain: Some(DomainId(0)),
            account: Some(account),
            dc: i == 0,
            credential_guard: false,
        })?;
        machine_ids.push((machine, account));
    }
    if let Some((_, dc)) = machine_ids.first() {
        dir.account_mut(*dc).trusted_for_delegation = true;
    }
    services(&mut dir, &mut rng, &machine_ids, &service_account_ids)?;
    delegation(&mut dir, &mut rng, &machine_ids, &service_account_ids);
    Ok(dir)
}

/// The RIDs of the generated accounts, one each, from 1101.
struct Rids(u32);

impl Rids {
    /// The next RID.
    fn next(&mut self) -> Result<u32, TooLarge> {
        let rid = self.0;
        self.0 = rid.checked_add(1).ok_or(TooLarge::Rids)?;
        Ok(rid)
    }
}

/// Services: one per server machine (every fifth machine) run by its machine account, and
/// one per service account on a random server; each guards one resource.
fn services(
    dir: &mut Directory,
    rng: &mut SplitMix,
    machines: &[(MachineId, AccountId)],
    service_accounts: &[AccountId],
) -> Result<(), TooMany> {
    let servers: Vec<usize> = (0..machines.len()).step_by(5).collect();
    let mut services: Vec<(usize, AccountId, bool)> = servers
        .iter()
        .filter_map(|m| machines.get(*m).map(|(_, account)| (*m, *account, true)))
        .collect();
    for account in service_accounts {
        if let Some(m) = servers.get(rng.below(servers.len())) {
            services.push((*m, *account, false));
        }
    }
    for (i, (m, account, machine_account)) in services.into_iter().enumerate() {
        let Some(&(machine, _)) = machines.get(m) else {
            continue;
        };
        let protocol = match rng.below(20) {
            0 => Protocol::Ncalrpc,
            1..=6 => Protocol::Smb,
            7..=9 => Protocol::Rpc,
            10 => Protocol::Dcom,
            _ => Protocol::Http,
        };
        let spn: Arc<str> = Arc::from(format!("svc{i}/m{m}").as_str());
        dir.account_mut(account).spns.push(Arc::clone(&spn));
        let service = dir.push_service(Service {
            name: Arc::from(format!("s{i}").as_str()),
            machine,
            account,
            spn,
            protocol,
            logon: if rng.chance(3) {
                ServiceLogon::Cleartext
            } else {
                ServiceLogon::Network
            },
            tcb: machine_account,
            impersonate_privilege: true,
            checks_impersonation: true,
            com_plus: false,
            local_account: if machine_account {
                LocalAccount::System
            } else {
                LocalAccount::Account
            },
        })?;
        dir.push_resource(Resource {
            name: Arc::from(format!("r{i}").as_str()),
            service,
            dacl: vec![AccessRule {
                allow: true,
                trustee: Trustee::WellKnown(WellKnown::AuthenticatedUsers),
                rights: vec![Arc::from("read")],
            }],
        })?;
    }
    Ok(())
}

/// Delegation settings: constrained delegation (with protocol transition or not) and
/// unconstrained delegation on service accounts, unconstrained delegation and RBCD grants
/// to a service account on servers.
fn delegation(
    dir: &mut Directory,
    rng: &mut SplitMix,
    machines: &[(MachineId, AccountId)],
    service_accounts: &[AccountId],
) {
    let spns: Vec<Arc<str>> = dir.services.iter().map(|s| Arc::clone(&s.spn)).collect();
    for id in service_accounts {
        let a = dir.account_mut(*id);
        if rng.chance(30) {
            for _ in 0..=rng.below(3) {
                if let Some(spn) = spns.get(rng.below(spns.len())) {
                    a.allowed_to_delegate_to.push(Arc::clone(spn));
                }
            }
            a.trusted_to_auth_for_delegation = rng.chance(50);
        }
        a.trusted_for_delegation = rng.chance(3);
    }
    for (_, server) in machines.iter().step_by(5) {
        if rng.chance(2) {
            dir.account_mut(*server).trusted_for_delegation = true;
        }
        if rng.chance(5)
            && let Some(admitted) = service_accounts.get(rng.below(service_accounts.len()))
        {
            dir.account_mut(*server).allowed_to_act.push(*admitted);
        }
    }
}
