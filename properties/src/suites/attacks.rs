//! The attack suites: the known attacks of the catalogue (domain rules, section 10) that
//! the delegation suite does not already cover, each searched for as a counterexample with
//! its mitigation off (`atk-N`) and shown absent with it on (`atk-N-fixed`).
//!
//! Every suite but ATK-9's is a [`Chains`] model: a small topology, built in code as the
//! `fixtures/topologies/atk-*` files declare theirs, swept over the configuration bits that
//! matter to the attack, and every sequence of `tokenhop_model::net::chain` steps (calls,
//! S4U2self, RBCD writes, coerced authentications, process creation, resource opens) the
//! attacker or the user can take through it. A state is a configuration and the
//! [`ChainState`] (directory and holder); a transition is exactly one
//! [`chain::step`], so the search plays the model the topology fixtures play, and the
//! properties read only what the steps produced. ATK-9's model drives
//! `tokenhop_model::managed::sql` the same way ([`sql`]).
//!
//! - [`rbcd`]: ATK-2, the RBCD takeover (write access to RBCD is the only gate).
//! - [`printer_bug`]: ATK-3, unconstrained delegation plus a coerced DC authentication.
//! - [`protocol_transition`]: ATK-4, constrained delegation with protocol transition.
//! - [`potato`]: ATK-5, SeImpersonatePrivilege plus a coerced local SYSTEM authentication.
//! - [`double_hop`]: ATK-7, the double hop as a safety property and its enabling settings.
//! - [`unchecked`]: ATK-8, an unchecked failed impersonation.
//! - [`sql`]: ATK-9, CLR code that runs as the SQL Server service account.

/// Implements [`Scenario`] for a scenario struct with `starts` and `steps` fields, in a
/// module that defines its `properties()`.
macro_rules! scenario_with_steps {
    ($t:ty) => {
        impl $crate::suites::attacks::Scenario for $t {
            fn starts(&self) -> &[tokenhop_model::net::chain::Step] {
                &self.starts
            }

            fn steps(&self) -> &[tokenhop_model::net::chain::Step] {
                &self.steps
            }

            fn properties() -> Vec<tokenhop_check::Property<$crate::suites::attacks::Chains<Self>>>
            {
                properties()
            }
        }
    };
}

pub mod double_hop;
pub mod potato;
pub mod printer_bug;
pub mod protocol_transition;
pub mod rbcd;
pub mod sql;
pub mod unchecked;

use std::sync::Arc;

use tokenhop_check::{Model, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::{self, ChainState, Step, StepOutcome};
use tokenhop_model::net::directory::{
    AccessRule, Account, AccountId, AccountKind, Directory, Domain, DomainId, LocalAccount,
    Machine, MachineId, Protocol, Resource, ResourceId, Service, ServiceId, ServiceLogon, Trustee,
};
use tokenhop_model::net::hop::{self, CallRequest, Holder, Package};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// The first domain of every suite's directory.
pub const CORP: DomainId = DomainId(0);

/// One configuration of a chain suite: its directory and what sets it apart, in words.
#[derive(Clone, Debug)]
pub struct Config {
    /// The directory.
    pub dir: Directory,
    /// Its settings, in words.
    pub words: String,
}

/// What an attack suite over topology chains declares: the steps that can be taken and the
/// properties it checks (the configurations it sweeps are given to [`Chains::new`]).
pub trait Scenario: Sync + Sized {
    /// The steps that place the chain (a logon, a service's own process, a coerced
    /// authentication): available from every state, the first one included.
    fn starts(&self) -> &[Step];
    /// The steps available once the chain holds someone.
    fn steps(&self) -> &[Step];
    /// The properties.
    fn properties() -> Vec<Property<Chains<Self>>>;
}

/// A suite's model: every sequence of [`chain::step`]s over every configuration.
pub struct Chains<S> {
    /// The attack's ids and settings.
    pub scenario: S,
    configs: Vec<Config>,
    readings: Readings,
}

/// A state: a configuration and the chain in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The directory (an RBCD write changes it) and the holder, once placed.
    pub chain: ChainState,
}

impl State {
    /// The chain's holder, once placed.
    #[must_use]
    pub fn holder(&self) -> Option<&Holder> {
        self.chain.holder.as_ref()
    }
}

impl<S: Scenario> Chains<S> {
    /// The model of `scenario` over `configs`, under the default readings.
    #[must_use]
    pub fn new(scenario: S, configs: Vec<Config>) -> Self {
        Chains {
            scenario,
            configs,
            readings: Readings::default(),
        }
    }

    /// The model over every configuration `build` makes of `configs`; the scenario, the same
    /// for every configuration, is the one `build` makes of `seed`.
    #[must_use]
    pub fn built<C: Copy>(
        configs: impl IntoIterator<Item = C>,
        seed: C,
        build: impl Fn(C) -> (Config, S),
    ) -> Self {
        let configs = configs.into_iter().map(|c| build(c).0).collect();
        Chains::new(build(seed).1, configs)
    }

    /// The same model under `readings` (the selected readings of the ambiguous rules).
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Chains { readings, ..self }
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// Configuration `config`.
    #[must_use]
    pub fn config(&self, config: u16) -> Option<&Config> {
        self.configs.get(usize::from(config))
    }

    /// The readings the model runs under.
    #[must_use]
    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    /// The directory configuration `config` starts with (before any step changed it).
    #[must_use]
    pub fn initial_dir(&self, config: u16) -> Option<&Directory> {
        self.config(config).map(|c| &c.dir)
    }
}

impl<S: Scenario> Model for Chains<S> {
    type State = State;
    type Action = Step;
    type Outcome = StepOutcome;

    fn initial_states(&self) -> Vec<State> {
        self.configs
            .iter()
            .enumerate()
            .map(|(i, c)| State {
                config: u16::try_from(i).unwrap_or(u16::MAX),
                chain: ChainState {
                    dir: c.dir.clone(),
                    holder: None,
                },
            })
            .collect()
    }

    fn actions(&self, state: &State, out: &mut Vec<Step>) {
        out.extend(self.scenario.starts().iter().cloned());
        if state.chain.holder.is_some() {
            out.extend(self.scenario.steps().iter().cloned());
        }
    }

    fn next(&self, state: &State, action: &Step) -> Option<(State, StepOutcome)> {
        let (chain, outcome) = chain::step(&self.readings, &state.chain, action);
        outcome.result.ok()?;
        Some((
            State {
                config: state.config,
                chain,
            },
            outcome,
        ))
    }

    fn rules(&self, outcome: &StepOutcome, report: &mut dyn FnMut(RuleId)) {
        for d in &outcome.decisions {
            report(d.rule);
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        S::properties()
    }

    fn describe_action(&self, state: &State, action: &Step) -> String {
        describe_step(&state.chain.dir, action)
    }

    fn describe_state(&self, state: &State) -> String {
        let words = self
            .config(state.config)
            .map_or("?", |c| c.words.as_str())
            .to_owned();
        let dir = &state.chain.dir;
        let mut text = format!("[{words}] ");
        match &state.chain.holder {
            None => text.push_str("nothing held yet"),
            Some(h) => text.push_str(&describe_holder(dir, h)),
        }
        if let Some(initial) = self.initial_dir(state.config) {
            for (i, (now, then)) in dir.accounts.iter().zip(&initial.accounts).enumerate() {
                for added in now
                    .allowed_to_act
                    .iter()
                    .filter(|a| !then.allowed_to_act.contains(a))
                {
                    let target = AccountId(u32::try_from(i).unwrap_or(u32::MAX));
                    text.push_str(&format!(
                        "; {}'s RBCD list now admits {}",
                        dir.account(target).name,
                        dir.account(*added).name
                    ));
                }
            }
        }
        text
    }
}

/// A holder in words: where it is, whom it presents, how, with what.
#[must_use]
pub fn describe_holder(dir: &Directory, h: &Holder) -> String {
    let at = match h.service {
        Some(s) => format!("{}@{}", dir.service(s).name, dir.machine(h.machine).name),
        None => format!("a logon session on {}", dir.machine(h.machine).name),
    };
    let evidence = h.evidence.as_ref().map_or(String::new(), |t| {
        format!(
            ", a {}forwardable ticket{}",
            if t.forwardable { "" } else { "non-" },
            if t.tampered { " (tampered)" } else { "" }
        )
    });
    format!(
        "{at} holds {} ({}), credentials {}{evidence}, {} machine boundaries",
        hop::presented_name(dir, h.presents),
        h.hold,
        h.credentials.word(),
        h.hops
    )
}

/// A call request in words.
#[must_use]
pub fn describe_request(dir: &Directory, r: &CallRequest) -> String {
    let s = dir.service(r.service);
    if r.package == Package::None {
        return format!(
            "call {}@{} without authentication",
            s.name,
            dir.machine(s.machine).name
        );
    }
    format!(
        "call {}@{} ({:?}, level {}{}{}{})",
        s.name,
        dir.machine(s.machine).name,
        r.package,
        r.level
            .map_or_else(|| "default".to_owned(), |l| l.to_string()),
        if r.mutual_auth { ", mutual" } else { "" },
        if r.by_spn { "" } else { ", by address" },
        if r.as_self {
            ", as the process itself"
        } else {
            ""
        },
    )
}

/// A chain step in words.
#[must_use]
pub fn describe_step(dir: &Directory, step: &Step) -> String {
    match step {
        Step::Start { machine, user } => format!(
            "{} logs on at {}",
            dir.account(*user).name,
            dir.machine(*machine).name
        ),
        Step::StartService { service } => {
            let s = dir.service(*service);
            format!(
                "take {}'s process on {} (running as {})",
                s.name,
                dir.machine(s.machine).name,
                dir.account(s.account).name
            )
        }
        Step::Call(r) => describe_request(dir, r),
        Step::Access { resource, rights } => format!(
            "open {} for {}",
            dir.resource(*resource).name,
            rights
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::S4u2self { user } => format!("S4U2self for {}", dir.account(*user).name),
        Step::TamperForwardable => "set FORWARDABLE on the evidence ticket (Bronze Bit)".to_owned(),
        Step::SetRbcd { target, allow } => format!(
            "write {}'s RBCD list (msDS-AllowedToActOnBehalfOfOtherIdentity) to admit {}",
            dir.account(*target).name,
            dir.account(*allow).name
        ),
        Step::Coerce { victim, to } => {
            let v = dir.service(*victim);
            let t = dir.service(*to);
            format!(
                "coerce {}@{} into authenticating to {}@{} (as {})",
                v.name,
                dir.machine(v.machine).name,
                t.name,
                dir.machine(t.machine).name,
                dir.account(v.account).name
            )
        }
        Step::CreateProcess { with_token: true } => {
            "start a program with the impersonated token (CreateProcessWithTokenW)".to_owned()
        }
        Step::CreateProcess { with_token: false } => {
            "start a program with CreateProcess (the process's own token)".to_owned()
        }
        Step::Wait { minutes } => format!("wait {minutes} minutes"),
    }
}

/// Whether bit `n` of `config` is set.
#[must_use]
pub fn bit(config: u16, n: u32) -> bool {
    config & (1 << n) != 0
}

/// Every request to `service` over `packages`, `levels` and mutual authentication on and
/// off, named by SPN, honouring OK-AS-DELEGATE (as Windows clients do).
#[must_use]
pub fn requests(
    service: ServiceId,
    packages: &[Package],
    levels: &[Option<ImpersonationLevel>],
    mutual: &[bool],
) -> Vec<Step> {
    let mut out = Vec::new();
    for &package in packages {
        for &level in levels {
            for &mutual_auth in mutual {
                out.push(Step::Call(CallRequest {
                    service,
                    level,
                    mutual_auth,
                    package,
                    by_spn: true,
                    as_self: false,
                    honours_ok_as_delegate: true,
                    binding_at_startup: false,
                    dynamic_tracking: false,
                }));
            }
        }
    }
    out
}

/// Builds a topology's directory in code, with the defaults the topology loader gives
/// (`sim/src/topology/load.rs`): a joined machine's computer account `NAME$`, a service
/// running as its machine's account is LocalSystem with SeTcbPrivilege, every service holds
/// SeImpersonatePrivilege and checks impersonation, makes network logons and registers its
/// SPN on its account.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    /// The directory built so far.
    pub dir: Directory,
}

impl Builder {
    /// A builder with one domain, `name`, at functional level 2016 with 2019 KDCs that
    /// enforce ticket signatures and the CVE-2020-16996 RBCD check.
    #[must_use]
    pub fn new(name: &str) -> Self {
        let mut b = Builder::default();
        b.domain(name, name);
        b
    }

    /// Adds a domain of `forest`.
    pub fn domain(&mut self, name: &str, forest: &str) -> DomainId {
        self.dir.domains.push(Domain {
            name: Arc::from(name),
            forest: Arc::from(forest),
            functional_level: 2016,
            kdc: 2019,
            ticket_signatures: true,
            rbcd_sensitive_enforced: true,
        });
        DomainId(u32::try_from(self.dir.domains.len() - 1).unwrap_or(u32::MAX))
    }

    /// Adds an account of the first domain.
    pub fn account(&mut self, name: &str, kind: AccountKind) -> AccountId {
        self.account_in(name, kind, DomainId(0))
    }

    /// Adds an account of `domain`.
    pub fn account_in(&mut self, name: &str, kind: AccountKind, domain: DomainId) -> AccountId {
        let id = u32::try_from(self.dir.accounts.len()).unwrap_or(u32::MAX);
        self.dir
            .accounts
            .push(Account::new(name, domain, kind, 1100 + id));
        AccountId(id)
    }

    /// Adds a machine joined to `domain`, with its computer account `NAME$` (trusted for
    /// delegation if it is a domain controller, AD-4).
    pub fn machine(&mut self, name: &str, domain: DomainId, dc: bool) -> (MachineId, AccountId) {
        let account = self.account_in(
            &format!("{}$", name.to_ascii_uppercase()),
            AccountKind::Computer,
            domain,
        );
        self.dir.account_mut(account).trusted_for_delegation = dc;
        self.dir.machines.push(Machine {
            name: Arc::from(name),
            domain: Some(domain),
            account: Some(account),
            dc,
        });
        (
            MachineId(u32::try_from(self.dir.machines.len() - 1).unwrap_or(u32::MAX)),
            account,
        )
    }

    /// Adds a service on `machine` running as `account`, named by `spn` (or the loader's
    /// default SPN for its protocol).
    pub fn service(
        &mut self,
        name: &str,
        machine: MachineId,
        account: AccountId,
        spn: Option<&str>,
        protocol: Protocol,
    ) -> ServiceId {
        let machine_account = self.dir.machine(machine).account == Some(account);
        let class = match protocol {
            Protocol::Smb => "cifs",
            Protocol::Http => "HTTP",
            Protocol::Rpc | Protocol::Ncalrpc | Protocol::Dcom => "HOST",
        };
        let spn: Arc<str> = spn.map_or_else(
            || Arc::from(format!("{class}/{}", self.dir.machine(machine).name)),
            Arc::from,
        );
        let acc = self.dir.account_mut(account);
        if !acc.spns.iter().any(|x| x.eq_ignore_ascii_case(&spn)) {
            acc.spns.push(Arc::clone(&spn));
        }
        self.dir.services.push(Service {
            name: Arc::from(name),
            machine,
            account,
            spn,
            protocol,
            logon: ServiceLogon::Network,
            tcb: machine_account,
            impersonate_privilege: true,
            checks_impersonation: true,
            com_plus: false,
            local_account: if machine_account {
                LocalAccount::System
            } else {
                LocalAccount::Account
            },
        });
        ServiceId(u32::try_from(self.dir.services.len() - 1).unwrap_or(u32::MAX))
    }

    /// The service `id`, to change its settings.
    pub fn service_mut(&mut self, id: ServiceId) -> Option<&mut Service> {
        self.dir.services.get_mut(id.index())
    }

    /// Adds a resource `service` guards, its DACL allowing each trustee its rights.
    pub fn resource(
        &mut self,
        name: &str,
        service: ServiceId,
        allow: &[(Trustee, &[&str])],
    ) -> ResourceId {
        self.dir.resources.push(Resource {
            name: Arc::from(name),
            service,
            dacl: allow
                .iter()
                .map(|(trustee, rights)| AccessRule {
                    allow: true,
                    trustee: *trustee,
                    rights: rights.iter().map(|r| Arc::from(*r)).collect(),
                })
                .collect(),
        });
        ResourceId(u32::try_from(self.dir.resources.len() - 1).unwrap_or(u32::MAX))
    }
}

/// An access step opening `resource` for `rights`.
#[must_use]
pub fn access(resource: ResourceId, rights: &[&str]) -> Step {
    Step::Access {
        resource,
        rights: rights.iter().map(|r| Arc::from(*r)).collect(),
    }
}

/// The front end whose S4U2proxy request made the target's ticket, if the transition was
/// one: the target holds evidence whose transited list ends with the source's service
/// account.
#[must_use]
pub fn proxied_by(s: &State, t: &State) -> Option<AccountId> {
    let source = s.holder()?;
    let from = s.chain.dir.service(source.service?).account;
    let h = t.holder()?;
    let e = h.evidence.as_ref()?;
    (h.service != source.service && e.transited.last() == Some(&from)).then_some(from)
}

/// INV-3, the constrained target set, for any chain suite.
#[must_use]
pub fn inv_3<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        "INV-3",
        "A ticket S4U2proxy issues to a front end is for a service in its msDS-AllowedToDelegateTo or one whose RBCD list admits it.",
        &[RuleId::S4U_4, RuleId::S4U_5, RuleId::AD_9, RuleId::AD_10],
        |_, s, _, t, _| {
            let (Some(front), Some(target)) =
                (proxied_by(s, t), t.holder().and_then(|h| h.service))
            else {
                return Ok(());
            };
            super::delegation::s4u2proxy_granted(&s.chain.dir, front, target)
        },
    )
}

/// INV-4, flag integrity, for any chain suite.
#[must_use]
pub fn inv_4<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        "INV-4",
        "The KDC never accepts evidence whose flags were changed after it issued them.",
        &[RuleId::S4U_9, RuleId::ATK_1],
        |_, s, _, t, _| {
            let tampered = s
                .holder()
                .and_then(|h| h.evidence.as_ref())
                .is_some_and(|e| e.tampered);
            if tampered && proxied_by(s, t).is_some() {
                Err(Violation::new(
                    "S4U2proxy accepted a ticket whose FORWARDABLE flag was set by the front end"
                        .to_owned(),
                ))
            } else {
                Ok(())
            }
        },
    )
}
