//! The delegation suite: every configuration of a three-tier deployment (a user; a front
//! end, a middle tier and a back end on three machines, plus an ncalrpc service on the
//! front end's machine) over the account flags that decide delegation, and every chain of
//! up to four calls from the user's logon (or from a compromised tier acting as itself)
//! through them, with every package, requested
//! level, mutual-authentication setting and OK-AS-DELEGATE behaviour of the client, plus
//! S4U2self and the Bronze Bit tampering a compromised service can do. The suite is a
//! [`Scenario`] of the family's one model, [`Chains`]: each state is one configuration and
//! the chain in it, each transition one `tokenhop_model::net::chain` step, and the
//! properties are the family's invariants ([`crate::invariants::net`]), so the search plays
//! exactly the model the topologies use and decides nothing itself.
//!
//! The configuration bits: the user NOT_DELEGATED and in Protected Users; each service
//! account TRUSTED_FOR_DELEGATION and TRUSTED_TO_AUTH_FOR_DELEGATION; the front end and
//! middle tier allowed to delegate to the next tier (msDS-AllowedToDelegateTo); the middle
//! tier and back end admitting the previous tier by RBCD; the front end a web service
//! (HTTP), a file server (SMB), an RPC or a DCOM server; the middle tier an RPC or a DCOM
//! server; the back end a file server (SMB) or a web service (HTTP) (the local service
//! speaks ncalrpc). The mitigations (ticket
//! signatures, the CVE-2020-16996 RBCD check) are the suite's parameters, so that each
//! attack is searched for with its fix off and with it on.

use std::sync::Arc;

use tokenhop_check::Property;
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::{ChainState, Step};
use tokenhop_model::net::directory::{
    Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain, DomainId,
    LocalAccount, Machine, MachineId, Protocol, Service, ServiceId, ServiceLogon,
};
use tokenhop_model::net::hop::{CallRequest, Package};
use tokenhop_model::rules::readings::Readings;

use super::chains::{Chains, ChainsError, Config, Scenario};

/// The mitigations a delegation suite runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mitigations {
    /// KDCs enforce ticket signatures (the Bronze Bit fix, S4U-9).
    pub ticket_signatures: bool,
    /// KDCs refuse RBCD with a sensitive user's evidence (the CVE-2020-16996 fix, S4U-8).
    pub rbcd_sensitive_enforced: bool,
}

impl Mitigations {
    /// Every fix on.
    pub const ON: Mitigations = Mitigations {
        ticket_signatures: true,
        rbcd_sensitive_enforced: true,
    };
}

/// The user.
const USER: AccountId = AccountId(0);
/// The service accounts of the front end, middle tier and back end.
const SVC: [AccountId; 3] = [AccountId(1), AccountId(2), AccountId(3)];
/// The tiers.
const TIERS: [ServiceId; 3] = [ServiceId(0), ServiceId(1), ServiceId(2)];
/// The ncalrpc service on the front end's machine.
const LOCAL: ServiceId = ServiceId(3);
/// The user's workstation and the front end's machine.
const WORKSTATION: MachineId = MachineId(0);
const FRONT_MACHINE: MachineId = MachineId(1);

/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 16;

/// The bit of each setting: the user's two flags, then per tier TRUSTED_FOR_DELEGATION,
/// TRUSTED_TO_AUTH_FOR_DELEGATION, delegation to the next tier (front and middle) and RBCD
/// admitting the previous tier (middle and back).
const NOT_DELEGATED: u32 = 0;
const PROTECTED: u32 = 1;
const TD: [u32; 3] = [2, 5, 9];
const TA: [u32; 3] = [3, 6, 10];
const A2D2_NEXT: [Option<u32>; 3] = [Some(4), Some(7), None];
const RBCD_PREV: [Option<u32>; 3] = [None, Some(8), Some(11)];
/// The middle tier is a DCOM server rather than an RPC one (COM's own default level).
const MIDDLE_DCOM: u32 = 12;
/// The back end is a web service (HTTP) rather than a file server (SMB, whose redirector
/// asks for delegation itself).
const BACK_HTTP: u32 = 13;
/// The front end's protocol, two bits: HTTP, SMB, RPC or DCOM.
const FRONT_PROTOCOL: [u32; 2] = [14, 15];

fn bit(config: u16, n: u32) -> bool {
    config & (1 << n) != 0
}

/// The front end's protocol in configuration `config`.
fn front_protocol(config: u16) -> Protocol {
    match (
        bit(config, FRONT_PROTOCOL[0]),
        bit(config, FRONT_PROTOCOL[1]),
    ) {
        (false, false) => Protocol::Http,
        (true, false) => Protocol::Smb,
        (false, true) => Protocol::Rpc,
        (true, true) => Protocol::Dcom,
    }
}

/// The directory of configuration `config`.
#[must_use]
pub fn directory(config: u16, m: Mitigations) -> Directory {
    let mut dir = Directory::default();
    dir.domains.push(Domain {
        name: Arc::from("corp.example"),
        forest: Arc::from("corp.example"),
        functional_level: 2016,
        kdc: 2019,
        ticket_signatures: m.ticket_signatures,
        rbcd_sensitive_enforced: m.rbcd_sensitive_enforced,
        sid: None,
        machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
    });
    let d = DomainId(0);
    let mut user = Account::new("alice", d, AccountKind::User, 1104);
    user.not_delegated = bit(config, NOT_DELEGATED);
    user.protected_users = bit(config, PROTECTED);
    dir.accounts.push(user);
    let front = front_protocol(config);
    let spns = [
        match front {
            Protocol::Smb => "cifs/front",
            Protocol::Rpc | Protocol::Dcom => "RPC/front",
            _ => "HTTP/front",
        },
        "RPC/middle",
        if bit(config, BACK_HTTP) {
            "HTTP/back"
        } else {
            "cifs/back"
        },
    ];
    for ((i, spn), rid) in spns.iter().enumerate().zip(1200..) {
        let mut a = Account::new(&format!("svc{i}"), d, AccountKind::User, rid);
        a.trusted_for_delegation = bit(config, TD[i]);
        a.trusted_to_auth_for_delegation = bit(config, TA[i]);
        if let (Some(b), Some(next)) = (A2D2_NEXT[i], spns.get(i + 1))
            && bit(config, b)
        {
            a.allowed_to_delegate_to.push(Arc::from(*next));
        }
        if let Some(b) = RBCD_PREV[i]
            && bit(config, b)
            && i > 0
        {
            a.allowed_to_act.push(SVC[i - 1]);
        }
        a.spns.push(Arc::from(*spn));
        dir.accounts.push(a);
    }
    for name in ["ws", "front", "middle", "back", "dc"] {
        dir.machines.push(Machine {
            name: Arc::from(name),
            domain: Some(d),
            account: None,
            dc: name == "dc",
            credential_guard: false,
        });
    }
    let middle = if bit(config, MIDDLE_DCOM) {
        Protocol::Dcom
    } else {
        Protocol::Rpc
    };
    let back = if bit(config, BACK_HTTP) {
        Protocol::Http
    } else {
        Protocol::Smb
    };
    let protocols = [front, middle, back];
    for (i, machine) in (0..3).zip(1..) {
        dir.services.push(Service {
            name: Arc::from(["front", "middle", "back"][i]),
            machine: MachineId(machine),
            account: SVC[i],
            spn: Arc::from(spns[i]),
            protocol: protocols[i],
            logon: ServiceLogon::Network,
            tcb: true,
            impersonate_privilege: true,
            checks_impersonation: true,
            com_plus: false,
            local_account: LocalAccount::Account,
        });
    }
    dir.services.push(Service {
        name: Arc::from("local"),
        machine: FRONT_MACHINE,
        account: SVC[0],
        spn: Arc::from("RPC/front-local"),
        protocol: Protocol::Ncalrpc,
        logon: ServiceLogon::Network,
        tcb: true,
        impersonate_privilege: true,
        checks_impersonation: true,
        com_plus: false,
        local_account: LocalAccount::Account,
    });
    dir
}

/// Every request variant a client may make to each of `services`.
fn requests(services: impl IntoIterator<Item = ServiceId>) -> Vec<CallRequest> {
    let mut all = Vec::new();
    for service in services {
        for package in [Package::Negotiate, Package::Kerberos, Package::Ntlm] {
            for level in [
                None,
                Some(ImpersonationLevel::Identification),
                Some(ImpersonationLevel::Impersonation),
                Some(ImpersonationLevel::Delegation),
            ] {
                for mutual_auth in [false, true] {
                    for honours_ok_as_delegate in [true, false] {
                        all.push(CallRequest {
                            service,
                            level,
                            mutual_auth,
                            package,
                            by_spn: true,
                            as_self: false,
                            honours_ok_as_delegate,
                            binding_at_startup: false,
                            dynamic_tracking: false,
                            ignore_delegate_failure: false,
                        });
                    }
                }
            }
        }
    }
    all
}

/// The delegation suite's sweep: the users whose S4U2self logons a compromised service
/// may make, where chains start (each user's interactive logon at a machine, each
/// service's own process), and every call request to every service.
pub struct Delegation {
    starts: Vec<Step>,
    steps: Vec<Step>,
}

impl Scenario for Delegation {
    fn starts(&self) -> &[Step] {
        &self.starts
    }

    fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The chain is placed once: the user's logon or a compromised tier begins it.
    fn placed_once(&self) -> bool {
        true
    }

    /// A service does not call itself; only a service's process runs S4U2self; only a
    /// holder of evidence can tamper with it.
    fn tries(&self, chain: &ChainState, step: &Step) -> bool {
        let Some(holder) = &chain.holder else {
            return false;
        };
        match step {
            Step::Call(req) => holder.service != Some(req.service),
            Step::S4u2self { .. } => holder.service.is_some(),
            Step::TamperForwardable => holder.service.is_some() && holder.evidence.is_some(),
            _ => true,
        }
    }

    fn properties() -> Vec<Property<Chains<Self>>> {
        properties()
    }
}

impl Delegation {
    /// The sweep: chains start at `starts` and at the own process of each of `own`; calls
    /// go to every one of `called`; S4U2self is made for each of `users`.
    fn sweep(
        users: &[AccountId],
        starts: Vec<Step>,
        own: &[ServiceId],
        called: impl IntoIterator<Item = ServiceId>,
    ) -> Self {
        let own = own
            .iter()
            .map(|service| Step::StartService { service: *service });
        let mut steps: Vec<Step> = requests(called).into_iter().map(Step::Call).collect();
        steps.extend(users.iter().map(|u| Step::S4u2self { user: *u }));
        steps.push(Step::TamperForwardable);
        Delegation {
            starts: starts.into_iter().chain(own).collect(),
            steps,
        }
    }

    /// The suite over every configuration, under `mitigations`.
    ///
    /// # Errors
    ///
    /// As [`Chains::new`] (never, for the suite's 65,536 configurations).
    pub fn new(mitigations: Mitigations) -> Result<Chains<Delegation>, ChainsError> {
        Self::with_configs(mitigations, (0..=u16::MAX).take(1 << CONFIG_BITS))
    }

    /// The suite over the configurations `configs`, numbered in their order.
    ///
    /// # Errors
    ///
    /// As [`Chains::new`].
    pub fn with_configs(
        mitigations: Mitigations,
        configs: impl Iterator<Item = u16>,
    ) -> Result<Chains<Delegation>, ChainsError> {
        let configs = configs
            .map(|c| Config {
                dir: directory(c, mitigations),
                words: describe_config(c, mitigations),
            })
            .collect();
        let scenario = Self::sweep(
            &[USER],
            vec![
                Step::Start {
                    machine: WORKSTATION,
                    user: USER,
                },
                Step::Start {
                    machine: FRONT_MACHINE,
                    user: USER,
                },
            ],
            &TIERS,
            TIERS.into_iter().chain([LOCAL]),
        );
        Chains::new(scenario, configs)
    }

    /// The model of one topology's directory: every user signs in at every machine that
    /// runs no service (a workstation, added when the topology has none) and at every
    /// machine that runs an ncalrpc service; every service may start a chain as itself.
    /// From there, every call to every service (each package, requested level, mutual
    /// authentication and OK-AS-DELEGATE behaviour), S4U2self for every user and Bronze Bit
    /// tampering. It is the model `tokenhop check FILE` explores; its one configuration's
    /// directory ([`Chains::initial_dir`]) is the one its steps run against.
    ///
    /// # Errors
    ///
    /// As [`Chains::new`] (never, for one configuration), and [`ChainsError::Directory`]
    /// when the directory has no machine id left for the workstation.
    pub fn from_topology(
        dir: &Directory,
        readings: Readings,
    ) -> Result<Chains<Delegation>, ChainsError> {
        let mut dir = dir.clone();
        let users: Vec<AccountId> = dir
            .account_ids()
            .filter(|a| dir.account(*a).kind == AccountKind::User)
            .collect();
        let mut machines: Vec<MachineId> = dir
            .machine_ids()
            .filter(|m| {
                !dir.machine(*m).dc
                    && dir
                        .services
                        .iter()
                        .all(|s| s.machine != *m || s.protocol == Protocol::Ncalrpc)
            })
            .collect();
        if !machines
            .iter()
            .any(|m| dir.services.iter().all(|s| s.machine != *m))
        {
            let workstation = dir.push_machine(Machine {
                name: Arc::from("workstation"),
                domain: dir.domains.first().map(|_| DomainId(0)),
                account: None,
                dc: false,
                credential_guard: false,
            })?;
            machines.push(workstation);
        }
        let starts = users
            .iter()
            .flat_map(|u| {
                machines.iter().map(move |m| Step::Start {
                    machine: *m,
                    user: *u,
                })
            })
            .collect();
        let services: Vec<ServiceId> = dir.service_ids().collect();
        let scenario = Self::sweep(&users, starts, &services, services.iter().copied());
        let config = Config {
            dir,
            words: "the topology's own directory".to_owned(),
        };
        Ok(Chains::new(scenario, vec![config])?.with_readings(readings))
    }
}

/// A configuration in words.
#[must_use]
pub fn describe_config(config: u16, m: Mitigations) -> String {
    let mut flags = Vec::new();
    if bit(config, NOT_DELEGATED) {
        flags.push("alice NOT_DELEGATED".to_owned());
    }
    if bit(config, PROTECTED) {
        flags.push("alice in Protected Users".to_owned());
    }
    for (i, name) in ["front", "middle", "back"].iter().enumerate() {
        if bit(config, TD[i]) {
            flags.push(format!("{name} TRUSTED_FOR_DELEGATION"));
        }
        if bit(config, TA[i]) {
            flags.push(format!("{name} TRUSTED_TO_AUTH_FOR_DELEGATION"));
        }
        if A2D2_NEXT[i].is_some_and(|b| bit(config, b)) {
            flags.push(format!("{name} may delegate to the next tier"));
        }
        if RBCD_PREV[i].is_some_and(|b| bit(config, b)) {
            flags.push(format!("{name} admits the previous tier by RBCD"));
        }
    }
    match front_protocol(config) {
        Protocol::Smb => flags.push("front serves SMB".to_owned()),
        Protocol::Rpc => flags.push("front serves RPC".to_owned()),
        Protocol::Dcom => flags.push("front serves DCOM".to_owned()),
        _ => {}
    }
    if bit(config, MIDDLE_DCOM) {
        flags.push("middle serves DCOM".to_owned());
    }
    if bit(config, BACK_HTTP) {
        flags.push("back serves HTTP".to_owned());
    }
    if !m.ticket_signatures {
        flags.push("ticket signatures not enforced".to_owned());
    }
    if !m.rbcd_sensitive_enforced {
        flags.push("CVE-2020-16996 fix not enforced".to_owned());
    }
    if flags.is_empty() {
        "no delegation settings".to_owned()
    } else {
        flags.join(", ")
    }
}

/// The properties the suite checks: the family's invariants of a delegation sweep.
#[must_use]
pub fn properties() -> Vec<Property<Chains<Delegation>>> {
    crate::invariants::net::delegation()
}
