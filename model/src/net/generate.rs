//! Generated directories for benchmarks: one domain of a given number of accounts, with
//! the mix of delegation settings a large enterprise has (a few unconstrained hosts,
//! constrained delegation with and without protocol transition, RBCD grants, sensitive
//! users, Protected Users, ncalrpc and cleartext front ends). Deterministic: the same size
//! and seed give the same directory.

use std::sync::Arc;

use super::directory::{
    AccessRule, Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain,
    DomainId, LocalAccount, Machine, MachineId, Protocol, Resource, Service, ServiceLogon, Trustee,
    WellKnown,
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

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

fn id32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn account(name: String, kind: AccountKind, rid: u32) -> Account {
    Account::new(&name, DomainId(0), kind, rid)
}

/// A domain `corp.example` of `accounts` accounts (at least 100): about 1 in 10 a machine
/// (1 in 5 of those a server), 1 in 50 a service account, the rest users; one service per
/// server and per service account, each guarding one resource.
#[must_use]
pub fn domain(accounts: usize, seed: u64) -> Directory {
    let accounts = accounts.max(100);
    let mut rng = SplitMix::new(seed);
    let mut dir = Directory::default();
    dir.domains.push(Domain {
        name: Arc::from("corp.example"),
        forest: Arc::from("corp.example"),
        functional_level: 2016,
        kdc: 2019,
        ticket_signatures: true,
        rbcd_sensitive_enforced: true,
        sid: None,
        machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
    });
    let machines = accounts / 10;
    let service_accounts = accounts / 50;
    let users = accounts - machines - service_accounts;
    let mut rid = 1100_u32;
    let mut next_rid = || {
        rid += 1;
        rid
    };
    for i in 0..users {
        let mut a = account(format!("user{i}"), AccountKind::User, next_rid());
        a.not_delegated = rng.chance(2);
        a.protected_users = rng.chance(1);
        dir.accounts.push(a);
    }
    let first_service_account = dir.accounts.len();
    for i in 0..service_accounts {
        dir.accounts
            .push(account(format!("svc{i}"), AccountKind::User, next_rid()));
    }
    let first_machine_account = dir.accounts.len();
    for i in 0..machines {
        let name = format!("m{i}");
        dir.accounts.push(account(
            format!("{}$", name.to_ascii_uppercase()),
            AccountKind::Computer,
            next_rid(),
        ));
        dir.machines.push(Machine {
            name: Arc::from(name.as_str()),
            domain: Some(DomainId(0)),
            account: Some(AccountId(id32(first_machine_account + i))),
            dc: i == 0,
            credential_guard: false,
        });
    }
    if let Some(dc) = dir.accounts.get_mut(first_machine_account) {
        dc.trusted_for_delegation = true;
    }
    // Services: one per server machine (every fifth machine), one per service account.
    let servers: Vec<usize> = (0..machines).step_by(5).collect();
    let mut services: Vec<(usize, usize)> = servers
        .iter()
        .map(|m| (*m, first_machine_account + m))
        .collect();
    for i in 0..service_accounts {
        let m = servers.get(rng.below(servers.len())).copied().unwrap_or(0);
        services.push((m, first_service_account + i));
    }
    for (i, (m, acc)) in services.iter().enumerate() {
        let protocol = match rng.below(20) {
            0 => Protocol::Ncalrpc,
            1..=6 => Protocol::Smb,
            7..=9 => Protocol::Rpc,
            10 => Protocol::Dcom,
            _ => Protocol::Http,
        };
        let spn: Arc<str> = Arc::from(format!("svc{i}/m{m}").as_str());
        if let Some(a) = dir.accounts.get_mut(*acc) {
            a.spns.push(Arc::clone(&spn));
        }
        dir.services.push(Service {
            name: Arc::from(format!("s{i}").as_str()),
            machine: MachineId(id32(*m)),
            account: AccountId(id32(*acc)),
            spn,
            protocol,
            logon: if rng.chance(3) {
                ServiceLogon::Cleartext
            } else {
                ServiceLogon::Network
            },
            tcb: *acc >= first_machine_account,
            impersonate_privilege: true,
            checks_impersonation: true,
            com_plus: false,
            local_account: if *acc >= first_machine_account {
                LocalAccount::System
            } else {
                LocalAccount::Account
            },
        });
        dir.resources.push(Resource {
            name: Arc::from(format!("r{i}").as_str()),
            service: super::directory::ServiceId(id32(i)),
            dacl: vec![AccessRule {
                allow: true,
                trustee: Trustee::WellKnown(WellKnown::AuthenticatedUsers),
                rights: vec![Arc::from("read")],
            }],
        });
    }
    // Delegation settings.
    let spns: Vec<Arc<str>> = dir.services.iter().map(|s| Arc::clone(&s.spn)).collect();
    for i in 0..service_accounts {
        let Some(a) = dir.accounts.get_mut(first_service_account + i) else {
            continue;
        };
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
    for m in &servers {
        if rng.chance(2)
            && let Some(a) = dir.accounts.get_mut(first_machine_account + m)
        {
            a.trusted_for_delegation = true;
        }
        if rng.chance(5) {
            let admitted = AccountId(id32(
                first_service_account + rng.below(service_accounts.max(1)),
            ));
            if let Some(a) = dir.accounts.get_mut(first_machine_account + m) {
                a.allowed_to_act.push(admitted);
            }
        }
    }
    dir
}
