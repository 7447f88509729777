//! The delegation suite: every configuration of a three-tier deployment (a user; a front
//! end, a middle tier and a back end on three machines, plus an ncalrpc service on the
//! front end's machine) over the account flags that decide delegation, and every chain of
//! up to four calls from the user's logon (or from a compromised tier acting as itself)
//! through them, with every package, requested
//! level, mutual-authentication setting and OK-AS-DELEGATE behaviour of the client, plus
//! S4U2self and the Bronze Bit tampering a compromised service can do. Each state is one
//! configuration and the place the chain holds; each transition is one
//! `tokenhop_model::net` step, so the search plays exactly the model the topologies use.
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

use tokenhop_check::{Model, Property, Violation, fingerprint};
use tokenhop_model::core::decision::{RuleSet, Trail};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::actions;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    Account, AccountId, AccountKind, Directory, Domain, DomainId, LocalAccount, Machine, MachineId,
    Protocol, Service, ServiceId, ServiceLogon,
};
use tokenhop_model::net::hop::{self, CallRequest, Credentials, Hold, Holder, Package};
use tokenhop_model::net::kerberos;
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

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

/// The most machine boundaries a state records: "two or more" is all any rule or
/// invariant asks (LVL-6 tells none from some, INV-1 asks for two).
const HOPS_KEPT: u8 = 2;

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

/// The suite's model (or, built from a topology file, that file's model).
pub struct Delegation {
    dirs: Vec<Directory>,
    readings: Readings,
    requests: Vec<CallRequest>,
    /// The suite's mitigations, or `None` for a topology file's own settings.
    mitigations: Option<Mitigations>,
    /// The users whose S4U2self logons a compromised service may make.
    users: Vec<AccountId>,
    /// Where chains start: a user's interactive logon at a machine.
    starts: Vec<(AccountId, MachineId)>,
    /// The services whose own processes start chains (a compromised service).
    own: Vec<ServiceId>,
}

/// A state: a configuration and where the chain is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index (its bits).
    pub config: u16,
    /// The chain's holder.
    pub holder: Holder,
    /// The level asked on the first network call an ncalrpc server made as its client,
    /// once it has made one (INV-5 reads it at the next network hop).
    pub ncalrpc_out: Option<ImpersonationLevel>,
    /// Whether the holder got its client's identity by an NTLM logon (no ticket came with
    /// it); INV-7 reads it at the next network hop.
    pub ntlm: bool,
}

/// An action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A call, by its index among the suite's requests.
    Call(u16),
    /// The holder's service runs S4U2self for a user.
    S4u2self(AccountId),
    /// The holder's service sets FORWARDABLE on its evidence ticket (ATK-1).
    Tamper,
}

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
    for (i, spn) in spns.iter().enumerate() {
        let mut a = Account::new(&format!("svc{i}"), d, AccountKind::User, 1200 + i as u32);
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
    for i in 0..3 {
        dir.services.push(Service {
            name: Arc::from(["front", "middle", "back"][i]),
            machine: MachineId(1 + i as u32),
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
                        });
                    }
                }
            }
        }
    }
    all
}

impl Delegation {
    /// The suite over every configuration, under `mitigations`.
    #[must_use]
    pub fn new(mitigations: Mitigations) -> Self {
        Self::with_configs(
            mitigations,
            (0..1u32 << CONFIG_BITS).map(|c| u16::try_from(c).unwrap_or(u16::MAX)),
        )
    }

    /// The suite over the configurations `configs`.
    #[must_use]
    pub fn with_configs(mitigations: Mitigations, configs: impl Iterator<Item = u16>) -> Self {
        let mut dirs = Vec::new();
        for c in configs {
            let index = usize::from(c);
            if dirs.len() <= index {
                dirs.resize_with(index + 1, Directory::default);
            }
            if let Some(slot) = dirs.get_mut(index) {
                *slot = directory(c, mitigations);
            }
        }
        Delegation {
            dirs,
            readings: Readings::default(),
            requests: requests(TIERS.into_iter().chain([LOCAL])),
            mitigations: Some(mitigations),
            users: vec![USER],
            starts: vec![(USER, WORKSTATION), (USER, FRONT_MACHINE)],
            own: TIERS.to_vec(),
        }
    }

    /// The model of one topology's directory: every user signs in at every machine that
    /// runs no service (a workstation, added when the topology has none) and at every
    /// machine that runs an ncalrpc service; every service may start a chain as itself.
    #[must_use]
    pub fn from_topology(dir: &Directory, readings: Readings) -> Self {
        let mut dir = dir.clone();
        let users: Vec<AccountId> = (0..dir.accounts.len())
            .filter_map(|i| u32::try_from(i).ok().map(AccountId))
            .filter(|a| dir.account(*a).kind == AccountKind::User)
            .collect();
        let mut machines: Vec<MachineId> = (0..dir.machines.len())
            .filter_map(|i| u32::try_from(i).ok().map(MachineId))
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
            dir.machines.push(Machine {
                name: Arc::from("workstation"),
                domain: dir.domains.first().map(|_| DomainId(0)),
                account: None,
                dc: false,
            });
            machines.push(MachineId(
                u32::try_from(dir.machines.len() - 1).unwrap_or(0),
            ));
        }
        let starts = users
            .iter()
            .flat_map(|u| machines.iter().map(move |m| (*u, *m)))
            .collect();
        let services: Vec<ServiceId> = (0..dir.services.len())
            .filter_map(|i| u32::try_from(i).ok().map(ServiceId))
            .collect();
        Delegation {
            dirs: vec![dir],
            readings,
            requests: requests(services.iter().copied()),
            mitigations: None,
            users,
            starts,
            own: services,
        }
    }

    fn dir(&self, config: u16) -> Option<&Directory> {
        self.dirs
            .get(usize::from(config))
            .filter(|d| !d.domains.is_empty())
    }

    /// Whether `user` is sensitive in `config`: NOT_DELEGATED, or in Protected Users
    /// (the domain's functional level supports it).
    fn sensitive(&self, config: u16, user: AccountId) -> bool {
        self.dir(config)
            .is_some_and(|d| kerberos::is_sensitive(d, &self.readings, user))
    }
}

fn start(user: AccountId, machine: MachineId) -> Holder {
    Holder {
        machine,
        service: None,
        presents: Some(user),
        hold: Hold::Own,
        credentials: Credentials::Password,
        evidence: None,
        hops: 0,
    }
}

impl Model for Delegation {
    type State = State;
    type Action = Action;
    /// The rules the transition applied: the suite's properties read states, not
    /// decisions, so the trail keeps the set only and allocates nothing.
    type Outcome = RuleSet;

    fn initial_states(&self) -> Vec<State> {
        let mut states = Vec::new();
        for (i, d) in self.dirs.iter().enumerate() {
            if d.domains.is_empty() {
                continue;
            }
            let config = u16::try_from(i).unwrap_or(u16::MAX);
            for &(user, machine) in &self.starts {
                states.push(State {
                    config,
                    ncalrpc_out: None,
                    ntlm: false,
                    holder: start(user, machine),
                });
            }
            // A compromised service acting as itself, as the attacks on delegation begin.
            for &service in &self.own {
                states.push(State {
                    config,
                    ncalrpc_out: None,
                    ntlm: false,
                    holder: hop::own_process(d, service),
                });
            }
        }
        states
    }

    fn actions(&self, state: &State, out: &mut Vec<Action>) {
        for i in 0..self.requests.len() {
            out.push(Action::Call(u16::try_from(i).unwrap_or(u16::MAX)));
        }
        if state.holder.service.is_some() {
            out.extend(self.users.iter().map(|u| Action::S4u2self(*u)));
            if state.holder.evidence.is_some() {
                out.push(Action::Tamper);
            }
        }
    }

    fn next(&self, state: &State, action: &Action) -> Option<(State, RuleSet)> {
        let dir = self.dir(state.config)?;
        let mut trail = Trail::rule_set();
        let mut ncalrpc_out = state.ncalrpc_out;
        let mut ntlm = state.ntlm;
        let holder = match action {
            Action::Call(i) => {
                let req = self.requests.get(usize::from(*i))?;
                if Some(req.service) == state.holder.service {
                    return None;
                }
                let next = hop::call(dir, &self.readings, &state.holder, req, &mut trail).ok()?;
                let from_ncalrpc = state
                    .holder
                    .service
                    .is_some_and(|s| dir.service(s).protocol == Protocol::Ncalrpc);
                if from_ncalrpc && next.machine != state.holder.machine && ncalrpc_out.is_none() {
                    // What the call asks on the wire: the application's level, except that
                    // the SMB redirector asks for delegation itself (OQD-4's default).
                    let redirector = dir.service(req.service).protocol == Protocol::Smb
                        && !self.readings.alternative(RuleId::OQD_4);
                    ncalrpc_out = Some(if redirector {
                        ImpersonationLevel::Delegation
                    } else {
                        req.level.unwrap_or(ImpersonationLevel::Impersonation)
                    });
                }
                // A network logon that brought no ticket is an NTLM one (a Kerberos arrival
                // keeps the client's service ticket as evidence, KRB-5).
                ntlm = next.machine != state.holder.machine
                    && next.presents.is_some()
                    && next.evidence.is_none()
                    && !matches!(next.credentials, Credentials::Tgt(_));
                next
            }
            Action::S4u2self(user) => {
                ntlm = false;
                actions::s4u2self(dir, &self.readings, &state.holder, *user, &mut trail).ok()?
            }
            Action::Tamper => actions::tamper_forwardable(dir, &state.holder, &mut trail).ok()?,
        };
        let mut holder = holder;
        // The model tells no hop count above one from another, and INV-1 asks only
        // whether two were crossed: counting on would make every longer chain a new state.
        holder.hops = holder.hops.min(HOPS_KEPT);
        Some((
            State {
                config: state.config,
                holder,
                ncalrpc_out,
                ntlm,
            },
            trail.rules(),
        ))
    }

    fn rules(&self, outcome: &RuleSet, report: &mut dyn FnMut(RuleId)) {
        for rule in outcome.iter() {
            report(rule);
        }
    }

    fn applied_rules(&self, outcome: &RuleSet, set: &mut RuleSet) {
        set.extend(outcome);
    }

    fn fingerprint(&self, state: &State) -> u64 {
        // No symmetry: the state is its own canonical form, hashed without a copy.
        fingerprint::of(state)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }

    fn scenario(
        &self,
        initial: &State,
        actions: &[Action],
        name: &str,
        reason: &str,
    ) -> Option<String> {
        let dir = self.dir(initial.config)?;
        let h = &initial.holder;
        let mut steps = vec![match h.service {
            Some(service) => Step::StartService { service },
            None => Step::Start {
                machine: h.machine,
                user: h.presents?,
            },
        }];
        let mut state = initial.clone();
        for a in actions {
            steps.push(match a {
                Action::Call(i) => Step::Call(self.requests.get(usize::from(*i))?.clone()),
                Action::S4u2self(user) => Step::S4u2self { user: *user },
                Action::Tamper => Step::TamperForwardable,
            });
            state = self.next(&state, a)?.0;
        }
        let base = tokenhop_sim::topology::write::topology(dir, name);
        let setting = self.mitigations.map_or_else(
            || "the topology's own directory".to_owned(),
            |m| describe_config(initial.config, m),
        );
        let description = format!(
            "description: >-\n  The explorer's shortest counterexample: {reason}. Configuration: {setting}.\n"
        );
        let body = match base.find("\ndomains:\n") {
            Some(at) => {
                let (head, tail) = base.split_at(at + 1);
                format!("{head}{description}{tail}")
            }
            None => base,
        };
        let body = match body.find("chains:") {
            Some(at) => body.get(..at).unwrap_or_default().to_owned(),
            None => body,
        };
        let mut out = format!("{body}chains:\n  - name: counterexample\n    steps:\n");
        let last = steps.len().saturating_sub(1);
        for (i, step) in steps.iter().enumerate() {
            out.push_str(&format!(
                "      - {}\n",
                crate::directories::step_text(dir, step)
            ));
            if i == last {
                let presents = state
                    .holder
                    .presents
                    .map_or_else(|| "ANONYMOUS LOGON".to_owned(), |p| dir.qualified(p));
                out.push_str(&format!(
                    "        expect: {{ ok: true, presents: \"{presents}\" }}\n"
                ));
            }
        }
        Some(out)
    }

    fn describe_action(&self, state: &State, action: &Action) -> String {
        match action {
            Action::Call(i) => self.requests.get(usize::from(*i)).map_or_else(
                || "call ?".to_owned(),
                |r| {
                    let name = self
                        .dir(state.config)
                        .map(|d| d.service(r.service).name.to_string())
                        .unwrap_or_default();
                    format!(
                        "call {name} ({:?}, level {}, mutual {}, {} OK-AS-DELEGATE)",
                        r.package,
                        r.level
                            .map_or_else(|| "default".to_owned(), |l| l.to_string()),
                        r.mutual_auth,
                        if r.honours_ok_as_delegate {
                            "honours"
                        } else {
                            "ignores"
                        }
                    )
                },
            ),
            Action::S4u2self(user) => format!(
                "S4U2self for {}",
                self.dir(state.config)
                    .map(|d| d.qualified(*user))
                    .unwrap_or_default()
            ),
            Action::Tamper => "set FORWARDABLE on the evidence ticket (Bronze Bit)".to_owned(),
        }
    }

    fn describe_state(&self, state: &State) -> String {
        let Some(dir) = self.dir(state.config) else {
            return format!("{state:?}");
        };
        let h = &state.holder;
        let at = match h.service {
            Some(s) => format!("{}@{}", dir.service(s).name, dir.machine(h.machine).name),
            None => format!("a session on {}", dir.machine(h.machine).name),
        };
        let config = self
            .mitigations
            .map(|m| format!("[{}] ", describe_config(state.config, m)))
            .unwrap_or_default();
        format!(
            "{config}{at} holds {} ({}), credentials {}, {}{} machine boundaries",
            hop::presented_name(dir, h.presents),
            h.hold,
            h.credentials.word(),
            h.hops,
            if h.hops >= HOPS_KEPT { " or more" } else { "" }
        )
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

/// Whether the transition made the target's ticket by S4U2proxy from the source's service.
fn by_s4u2proxy(m: &Delegation, s: &State, t: &State) -> Option<AccountId> {
    let dir = m.dir(s.config)?;
    let from = dir.service(s.holder.service?).account;
    let e = t.holder.evidence.as_ref()?;
    (t.holder.service != s.holder.service && e.transited.last() == Some(&from)).then_some(from)
}

fn rank(hold: Hold) -> Option<ImpersonationLevel> {
    match hold {
        Hold::Own => None,
        Hold::Impersonating(l) => Some(l),
    }
}

/// INV-3's test of one S4U2proxy ticket: `front` may reach `target` only if the target's
/// SPN is in its msDS-AllowedToDelegateTo or the target's RBCD list admits it.
pub(crate) fn s4u2proxy_granted(
    dir: &Directory,
    front: AccountId,
    target: ServiceId,
) -> Result<(), Violation> {
    let back = dir.service(target);
    let listed = dir
        .account(front)
        .allowed_to_delegate_to
        .iter()
        .any(|spn| spn.eq_ignore_ascii_case(&back.spn));
    let admitted = dir.account(back.account).allowed_to_act.contains(&front);
    if listed || admitted {
        Ok(())
    } else {
        Err(Violation::new(format!(
            "S4U2proxy reached {} without a grant",
            back.name
        )))
    }
}

/// The properties the suite checks.
#[must_use]
pub fn properties() -> Vec<Property<Delegation>> {
    vec![
        Property::<Delegation>::always(
            "INV-1",
            "A sensitive user's identity is never delegated: no chain presents it two machines away, and no service gets a ticket in its name by S4U2proxy.",
            &[
                RuleId::AD_5,
                RuleId::AD_6,
                RuleId::KRB_2,
                RuleId::S4U_2,
                RuleId::S4U_8,
                RuleId::S4U_9,
                RuleId::NET_4,
            ],
            |m, s, _, t, _| {
                let delegated = t.holder.hops >= 2 || by_s4u2proxy(m, s, t).is_some();
                let Some(user) = t.holder.presents else {
                    return Ok(());
                };
                if delegated && m.sensitive(t.config, user) {
                    return Err(Violation::new(format!(
                        "{} is sensitive and is presented {} machine boundaries away{}",
                        m.dir(t.config)
                            .map(|d| d.qualified(user))
                            .unwrap_or_default(),
                        t.holder.hops,
                        if by_s4u2proxy(m, s, t).is_some() {
                            " through S4U2proxy"
                        } else {
                            ""
                        }
                    )));
                }
                Ok(())
            },
        ),
        Property::<Delegation>::always(
            "INV-2",
            "A server holds a user's TGT only if the user is not sensitive.",
            &[RuleId::KRB_2, RuleId::AD_5, RuleId::AD_6],
            |m, _, _, t, _| match &t.holder.credentials {
                Credentials::Tgt(ticket)
                    if t.holder.service.is_some() && m.sensitive(t.config, ticket.client) =>
                {
                    Err(Violation::new(
                        "a server holds the TGT of a sensitive user".to_owned(),
                    ))
                }
                _ => Ok(()),
            },
        ),
        Property::<Delegation>::always(
            "INV-3",
            "A ticket S4U2proxy issues to a front end is for a service in its msDS-AllowedToDelegateTo or one whose RBCD list admits it.",
            &[RuleId::S4U_4, RuleId::S4U_5, RuleId::AD_9, RuleId::AD_10],
            |m, s, _, t, _| {
                let Some(front) = by_s4u2proxy(m, s, t) else {
                    return Ok(());
                };
                let (Some(dir), Some(target)) = (m.dir(s.config), t.holder.service) else {
                    return Ok(());
                };
                s4u2proxy_granted(dir, front, target)
            },
        ),
        Property::<Delegation>::always(
            "INV-4",
            "The KDC never accepts evidence whose flags were changed after it issued them.",
            &[RuleId::S4U_9, RuleId::ATK_1],
            |m, s, _, t, _| {
                let tampered = s.holder.evidence.as_ref().is_some_and(|e| e.tampered);
                if tampered && by_s4u2proxy(m, s, t).is_some() {
                    Err(Violation::new("S4U2proxy accepted a ticket whose FORWARDABLE flag was set by the front end".to_owned()))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::always(
            "INV-5",
            "An ncalrpc client's identity crosses exactly one network hop from the local server unless that server's first network call asked for Delegate (an SMB call always does: its redirector asks itself), or the next server delegates it by S4U2proxy.",
            &[
                RuleId::LVL_5,
                RuleId::LVL_3,
                RuleId::LVL_4,
                RuleId::S4U_4,
                RuleId::S4U_5,
                RuleId::OQD_4,
                RuleId::KRB_4,
            ],
            |m, s, _, t, _| {
                let Some(asked) = s.ncalrpc_out else {
                    return Ok(());
                };
                let onward = t.holder.machine != s.holder.machine
                    && t.holder.presents.is_some()
                    && t.holder.presents == s.holder.presents
                    && s.holder.hold != Hold::Own;
                if onward
                    && asked < ImpersonationLevel::Delegation
                    && by_s4u2proxy(m, s, t).is_none()
                {
                    Err(Violation::new(format!(
                        "the ncalrpc server's first network call asked for {asked}, yet the client's identity crossed a second network hop"
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::always(
            "INV-6",
            "A server holding a network logon without a TGT, and without S4U2proxy rights, never presents the user on another machine.",
            &[RuleId::NET_1, RuleId::S4U_4, RuleId::S4U_5, RuleId::S4U_12],
            |m, s, _, t, _| {
                let (Some(dir), Some(service)) = (m.dir(s.config), s.holder.service) else {
                    return Ok(());
                };
                let account = dir.service(service).account;
                let rights = !dir.account(account).allowed_to_delegate_to.is_empty()
                    || dir
                        .accounts
                        .iter()
                        .any(|a| a.allowed_to_act.contains(&account));
                let dead_end = s.holder.presents.is_some()
                    && s.holder.hold != Hold::Own
                    && matches!(s.holder.credentials, Credentials::None)
                    && !rights;
                if dead_end
                    && t.holder.machine != s.holder.machine
                    && t.holder.presents == s.holder.presents
                {
                    Err(Violation::new("a network logon without credentials or S4U2proxy rights reached another machine as the user".to_owned()))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::always(
            "INV-7",
            "A server that got its client by an NTLM logon never presents the client on another machine, unless the logon kept the client's password (a cleartext logon) or the server delegates by S4U2proxy.",
            &[
                RuleId::NET_1,
                RuleId::NET_2,
                RuleId::NET_4,
                RuleId::S4U_4,
                RuleId::S4U_5,
            ],
            |m, s, _, t, _| {
                let onward = s.ntlm
                    && s.holder.hold != Hold::Own
                    && t.holder.machine != s.holder.machine
                    && t.holder.presents.is_some()
                    && t.holder.presents == s.holder.presents;
                if onward
                    && !matches!(s.holder.credentials, Credentials::Password)
                    && by_s4u2proxy(m, s, t).is_none()
                {
                    Err(Violation::new(
                        "the identity an NTLM logon brought went on to another machine".to_owned(),
                    ))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::always(
            "INV-8",
            "The level a hop holds never exceeds the level the previous hop held, except through S4U2proxy or the local ncalrpc exception.",
            &[RuleId::LVL_3, RuleId::LVL_4, RuleId::LVL_5, RuleId::S4U_10],
            |m, s, _, t, _| {
                let (Some(before), Some(after)) = (rank(s.holder.hold), rank(t.holder.hold)) else {
                    return Ok(());
                };
                let remote = t.holder.machine != s.holder.machine;
                // LVL-5: a token a local (ncalrpc) server got from a logon that holds the
                // user's credentials, its password or a forwarded TGT, goes out with them.
                let local_origin = !matches!(s.holder.credentials, Credentials::None);
                if remote
                    && t.holder.presents == s.holder.presents
                    && after > before
                    && !local_origin
                    && by_s4u2proxy(m, s, t).is_none()
                {
                    Err(Violation::new(format!(
                        "the level rose from {before} to {after} across machines"
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::always(
            "INV-10",
            "A server a local ncalrpc client asked for Identification never acts as the client.",
            &[RuleId::LVL_2, RuleId::LVL_5, RuleId::TOK_4],
            |m, s, a, t, _| {
                let Action::Call(i) = a else { return Ok(()) };
                let Some(req) = m.requests.get(usize::from(*i)) else {
                    return Ok(());
                };
                let low = req
                    .level
                    .is_some_and(|l| l <= ImpersonationLevel::Identification);
                let local = m
                    .dir(s.config)
                    .is_some_and(|d| d.service(req.service).protocol == Protocol::Ncalrpc);
                if local && low && t.holder.presents == s.holder.presents && t.holder.hold.acts() {
                    Err(Violation::new(format!(
                        "the ncalrpc server holds {} after the client asked for Identification",
                        t.holder.hold
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Delegation>::sometimes(
            "INV-21",
            "A client that ignores OK-AS-DELEGATE can give its TGT to a server not trusted for delegation: OK-AS-DELEGATE is the client's hint, not the KDC's access control.",
            &[RuleId::KRB_4, RuleId::KRB_2],
            |m, _, a, t, _| {
                let Action::Call(i) = a else { return false };
                let ignores = m
                    .requests
                    .get(usize::from(*i))
                    .is_some_and(|r| !r.honours_ok_as_delegate);
                let (Some(dir), Some(service)) = (m.dir(t.config), t.holder.service) else {
                    return false;
                };
                let td = dir
                    .account(dir.service(service).account)
                    .trusted_for_delegation;
                ignores && !td && matches!(t.holder.credentials, Credentials::Tgt(_))
            },
        ),
    ]
}
