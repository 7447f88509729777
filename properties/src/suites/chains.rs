//! The network family's model for the explorer: every sequence of
//! [`tokenhop_model::net::chain::try_step`]s over a set of directory configurations. A
//! state is a configuration and the [`ChainState`] in it (the holder, and the RBCD entries
//! the chain wrote); a transition is exactly one chain step, taken with a rules-only trail
//! (the properties read states, not prose), so every suite of the family (delegation and
//! the attacks) plays the model the topology fixtures play, and decides nothing itself.
//!
//! What a suite chooses is what to sweep, never what a step does: its configurations, the
//! steps that place the chain and the steps tried from a placed one ([`Scenario`]). The one
//! abstraction the model makes is on the count of machine boundaries the presented
//! identity crossed: it keeps "none", "one" and "two or more", because no rule tells two
//! from three (LVL-6 tells none from some, INV-1 asks for two), and counting on would make
//! every longer chain a new state.

use std::borrow::Cow;
use std::sync::Arc;

use tokenhop_check::{Claim, Model, Property, Violation, fingerprint};
use tokenhop_model::core::decision::{RuleSet, Trail};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_model::net::directory::{
    AccessRule, Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain,
    DomainId, LocalAccount, Machine, MachineId, Protocol, Resource, ResourceId, Service, ServiceId,
    ServiceLogon, TooMany, Trustee,
};
use tokenhop_model::net::hop::{self, CallRequest, Holder, Package};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// The most machine boundaries a state records.
pub const HOPS_KEPT: u8 = 2;

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

/// What a suite over chains declares: the steps that place the chain, the steps tried
/// once it is placed, and the properties it checks (the configurations it sweeps are given
/// to [`Chains::new`]).
pub trait Scenario: Sync + Sized {
    /// The steps that place the chain (a logon, a service's own process, a coerced
    /// authentication).
    fn starts(&self) -> &[Step];
    /// The steps tried once the chain holds someone.
    fn steps(&self) -> &[Step];
    /// Whether the chain is placed once: the starts make the initial states and are not
    /// offered again. By default they are offered from every state, the empty first one
    /// included, as an attacker may begin anew.
    fn placed_once(&self) -> bool {
        false
    }
    /// Whether `step` is worth trying from `chain` (a sweep's choice, never a semantic
    /// decision: a step tried where it fails only costs a transition). By default, every
    /// step.
    fn tries(&self, chain: &ChainState, step: &Step) -> bool {
        let _ = (chain, step);
        true
    }
    /// The properties.
    fn properties() -> Vec<Property<Chains<Self>>>;
}

/// A suite's model: every sequence of chain steps over every configuration. Explore it
/// with `tokenhop_check::explore` to check the suite's own properties, or with
/// `tokenhop_check::explore_with` to check properties of your own ([`Chains::invariant`]
/// states one over a chain step); [`crate::suites::delegation::Delegation::from_topology`]
/// builds the model of a topology file's directory.
pub struct Chains<S> {
    /// The suite's ids and steps.
    pub scenario: S,
    configs: Vec<Config>,
    readings: Readings,
}

/// A state: a configuration and the chain in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The holder, once placed, and what the chain changed.
    pub chain: ChainState,
}

impl State {
    /// The chain's holder, once placed.
    #[must_use]
    pub fn holder(&self) -> Option<&Holder> {
        self.chain.holder.as_ref()
    }
}

/// A step of a suite, as the explorer's action: its index among the suite's starts
/// followed by its steps (a counterexample names it by the step it stands for).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StepId(pub u16);

/// Why a suite's model could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainsError {
    /// More configurations than a state's index can name.
    #[error("{0} configurations: a suite sweeps at most 65,536")]
    TooManyConfigurations(usize),
    /// More starts and steps than an action's index can name.
    #[error("{0} starts and steps: a suite tries at most 65,536")]
    TooManySteps(usize),
    /// A configuration's directory with no id left for an entry its [`Builder`] adds.
    #[error(transparent)]
    Directory(#[from] TooMany),
}

impl<S: Scenario> Chains<S> {
    /// The model of `scenario` over `configs`, under the default readings.
    ///
    /// # Errors
    ///
    /// When there are more configurations than a state's `u16` index names.
    pub fn new(scenario: S, configs: Vec<Config>) -> Result<Self, ChainsError> {
        if configs.len() > usize::from(u16::MAX) + 1 {
            return Err(ChainsError::TooManyConfigurations(configs.len()));
        }
        let steps = scenario.starts().len() + scenario.steps().len();
        if steps > usize::from(u16::MAX) + 1 {
            return Err(ChainsError::TooManySteps(steps));
        }
        Ok(Chains {
            scenario,
            configs,
            readings: Readings::default(),
        })
    }

    /// The model over every configuration `build` makes of `configs`; the scenario, the same
    /// for every configuration, is the one `build` makes of `seed`.
    ///
    /// # Errors
    ///
    /// As [`Chains::new`], and [`ChainsError::Directory`] when `build` fails.
    pub fn built<C: Copy>(
        configs: impl IntoIterator<Item = C>,
        seed: C,
        build: impl Fn(C) -> Result<(Config, S), TooMany>,
    ) -> Result<Self, ChainsError> {
        let configs = configs
            .into_iter()
            .map(|c| build(c).map(|(config, _)| config))
            .collect::<Result<_, _>>()?;
        Chains::new(build(seed)?.1, configs)
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

    /// The directory `state`'s configuration starts with. A chain changes only RBCD lists
    /// (AD-11): [`Chains::admits`] and [`Chains::effective_dir`] read those as the chain
    /// left them; everything else the directory says is here.
    #[must_use]
    pub fn dir(&self, state: &State) -> Option<&Directory> {
        self.initial_dir(state.config)
    }

    /// The directory as `state`'s chain left it: its configuration's, with the RBCD
    /// entries the chain wrote.
    #[must_use]
    pub fn effective_dir(&self, state: &State) -> Option<Cow<'_, Directory>> {
        self.initial_dir(state.config)
            .map(|d| state.chain.directory(d))
    }

    /// Whether `target`'s RBCD list admits `front` in `state` (as configured, or as the
    /// chain wrote it).
    #[must_use]
    pub fn admits(&self, state: &State, target: AccountId, front: AccountId) -> bool {
        state.chain.rbcd_added.contains(&(target, front))
            || self
                .dir(state)
                .is_some_and(|d| d.account(target).allowed_to_act.contains(&front))
    }

    /// Whether some account's RBCD list admits `front` in `state`.
    #[must_use]
    pub fn admitted_anywhere(&self, state: &State, front: AccountId) -> bool {
        state.chain.rbcd_added.iter().any(|(_, a)| *a == front)
            || self
                .dir(state)
                .is_some_and(|d| d.accounts.iter().any(|a| a.allowed_to_act.contains(&front)))
    }

    /// Whether `user` is sensitive in `state`'s directory: NOT_DELEGATED, or in Protected
    /// Users where the domain's functional level supports it.
    #[must_use]
    pub fn sensitive(&self, state: &State, user: AccountId) -> bool {
        self.dir(state)
            .is_some_and(|d| tokenhop_model::net::kerberos::is_sensitive(d, &self.readings, user))
    }

    /// The step an action stands for.
    #[must_use]
    pub fn step(&self, id: &StepId) -> Option<&Step> {
        let starts = self.scenario.starts();
        let i = usize::from(id.0);
        match i.checked_sub(starts.len()) {
            None => starts.get(i),
            Some(j) => self.scenario.steps().get(j),
        }
    }

    /// An invariant of the model stated in the chain step's own terms (the directory the
    /// chain runs against, the chain before, the step, the chain after) rather than the
    /// explorer's (configuration indexes and step ids), so that one function serves the
    /// explorer and a property test that steps chains itself with
    /// [`chain::step`]. The directory is the one the state's configuration starts with;
    /// [`ChainState::directory`] applies the RBCD entries the chain wrote.
    ///
    /// A transition whose configuration or step the model does not know (none the explorer
    /// makes) is reported as a violation rather than passed over.
    pub fn invariant(
        claim: Claim,
        check: impl Fn(&Directory, &ChainState, &Step, &ChainState) -> Result<(), Violation>
        + Send
        + Sync
        + 'static,
    ) -> Property<Self> {
        Property::<Self>::always(claim, move |m, s, a, t, _| match (m.dir(s), m.step(a)) {
            (Some(dir), Some(step)) => check(dir, &s.chain, step, &t.chain),
            _ => Err(Violation::new(format!(
                "the transition names configuration {} or step {} the model does not have",
                s.config, a.0
            ))),
        })
    }

    fn take(&self, state: &State, action: &Step, trail: &mut Trail) -> Option<State> {
        let dir = self.initial_dir(state.config)?;
        let mut chain = chain::try_step(dir, &self.readings, &state.chain, action, trail).ok()?;
        if let Some(h) = chain.holder.as_mut() {
            h.hops = h.hops.min(HOPS_KEPT);
        }
        Some(State {
            config: state.config,
            chain,
        })
    }
}

impl<S: Scenario> Model for Chains<S> {
    type State = State;
    type Action = StepId;
    /// The rules the transition applied: the properties read states, not decisions, so the
    /// trail keeps the set only and allocates nothing.
    type Outcome = RuleSet;

    fn initial_states(&self) -> Vec<State> {
        let mut states = Vec::new();
        for index in 0..self.configs.len() {
            let Ok(config) = u16::try_from(index) else {
                break;
            };
            let empty = State {
                config,
                chain: ChainState::default(),
            };
            if !self.scenario.placed_once() {
                states.push(empty);
                continue;
            }
            for start in self.scenario.starts() {
                if let Some(placed) = self.take(&empty, start, &mut Trail::rule_set()) {
                    states.push(placed);
                }
            }
        }
        states
    }

    fn actions(&self, state: &State, out: &mut Vec<StepId>) {
        let starts = self.scenario.starts().len();
        if !self.scenario.placed_once() {
            // Chains::new checked that every index fits.
            out.extend((0..starts).filter_map(|i| u16::try_from(i).ok().map(StepId)));
        }
        if state.chain.holder.is_some() {
            out.extend(
                self.scenario
                    .steps()
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| self.scenario.tries(&state.chain, s))
                    .filter_map(|(i, _)| u16::try_from(starts + i).ok().map(StepId)),
            );
        }
    }

    fn next(&self, state: &State, action: &StepId) -> Option<(State, RuleSet)> {
        let mut trail = Trail::rule_set();
        let next = self.take(state, self.step(action)?, &mut trail)?;
        Some((next, trail.rules()))
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
        S::properties()
    }

    fn describe_action(&self, state: &State, action: &StepId) -> String {
        match (self.dir(state), self.step(action)) {
            (Some(d), Some(step)) => describe_step(d, step),
            _ => format!("{action:?}"),
        }
    }

    fn describe_state(&self, state: &State) -> String {
        let words = self
            .config(state.config)
            .map_or("?", |c| c.words.as_str())
            .to_owned();
        let Some(dir) = self.effective_dir(state) else {
            return format!("{state:?}");
        };
        let mut text = format!("[{words}] ");
        match &state.chain.holder {
            None => text.push_str("nothing held yet"),
            Some(h) => text.push_str(&describe_holder(&dir, h)),
        }
        for (target, added) in state.chain.rbcd_added.iter() {
            text.push_str(&format!(
                "; {}'s RBCD list now admits {}",
                dir.account(*target).name,
                dir.account(*added).name
            ));
        }
        text
    }

    fn scenario(
        &self,
        initial: &State,
        actions: &[StepId],
        name: &str,
        reason: &str,
    ) -> Option<String> {
        let config = self.config(initial.config)?;
        let mut steps: Vec<Step> = Vec::new();
        if self.scenario.placed_once() {
            // The initial state was placed by one of the starts: name it first.
            let placed = self.scenario.starts().iter().find(|start| {
                let empty = State {
                    config: initial.config,
                    chain: ChainState::default(),
                };
                self.take(&empty, start, &mut Trail::rule_set()).as_ref() == Some(initial)
            })?;
            steps.push(placed.clone());
        }
        let mut state = initial.clone();
        for a in actions {
            steps.push(self.step(a)?.clone());
            state = self.next(&state, a)?.0;
        }
        Some(counterexample_topology(
            &config.dir,
            &config.words,
            &steps,
            state.holder(),
            name,
            reason,
        ))
    }
}

/// A path as a topology file (format v1) whose one chain replays it, its last step
/// expecting the identity the path presents.
fn counterexample_topology(
    dir: &Directory,
    words: &str,
    steps: &[Step],
    last: Option<&Holder>,
    name: &str,
    reason: &str,
) -> String {
    let base = tokenhop_sim::topology::write::topology(dir, name);
    let description = format!(
        "description: >-\n  The explorer's shortest counterexample: {reason}. Configuration: {words}.\n"
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
    let count = steps.len();
    for (i, step) in steps.iter().enumerate() {
        out.push_str(&format!(
            "      - {}\n",
            tokenhop_sim::topology::write::step_text(dir, step)
        ));
        if i + 1 == count
            && let Some(h) = last
        {
            out.push_str(&format!(
                "        expect: {{ ok: true, presents: \"{}\" }}\n",
                hop::presented_name(dir, h.presents)
            ));
        }
    }
    out
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
        "{at} holds {} ({}), credentials {}{evidence}, {} machine boundaries{}",
        hop::presented_name(dir, h.presents),
        h.hold,
        h.credentials.word(),
        h.hops,
        if h.hops >= HOPS_KEPT { " or more" } else { "" }
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
        "call {}@{} ({:?}, level {}{}{}{}{}{})",
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
        if r.honours_ok_as_delegate {
            ""
        } else {
            ", ignoring OK-AS-DELEGATE"
        },
        if r.ignore_delegate_failure {
            ", ignoring a delegation failure"
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
        Step::S4u2self { user } => format!("S4U2self for {}", dir.qualified(*user)),
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
        Step::OwnKey { machine, account } => format!(
            "hold {}'s key in a tool on {}",
            dir.qualified(*account),
            dir.machine(*machine).name
        ),
        Step::KeyS4u2self { user } => {
            format!("S4U2self with the key for {}", dir.qualified(*user))
        }
        Step::KeyS4u2proxy { spn } => format!("S4U2proxy with the key to {spn}"),
        Step::AltService { spn } => format!("write {spn} as the ticket's service name"),
        Step::Present { service } => {
            let s = dir.service(*service);
            format!(
                "present the ticket to {}@{}",
                s.name,
                dir.machine(s.machine).name
            )
        }
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
                    ignore_delegate_failure: false,
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
    ///
    /// # Errors
    ///
    /// As every method that adds an entry: [`TooMany`] when its table has no id left.
    pub fn new(name: &str) -> Result<Self, TooMany> {
        let mut b = Builder::default();
        b.domain(name, name)?;
        Ok(b)
    }

    /// Adds a domain of `forest`.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn domain(&mut self, name: &str, forest: &str) -> Result<DomainId, TooMany> {
        self.dir.push_domain(Domain {
            name: Arc::from(name),
            forest: Arc::from(forest),
            functional_level: 2016,
            kdc: 2019,
            ticket_signatures: true,
            rbcd_sensitive_enforced: true,
            sid: None,
            machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
        })
    }

    /// Adds an account of the first domain.
    ///
    /// # Errors
    ///
    /// As [`Builder::account_in`].
    pub fn account(&mut self, name: &str, kind: AccountKind) -> Result<AccountId, TooMany> {
        self.account_in(name, kind, DomainId(0))
    }

    /// Adds an account of `domain`, of RID 1100 plus its position.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left, or no RID.
    pub fn account_in(
        &mut self,
        name: &str,
        kind: AccountKind,
        domain: DomainId,
    ) -> Result<AccountId, TooMany> {
        let rid = AccountId::from_index(self.dir.accounts.len())
            .and_then(|next| next.0.checked_add(1100))
            .ok_or(TooMany("accounts"))?;
        self.dir.push_account(Account::new(name, domain, kind, rid))
    }

    /// Adds a machine joined to `domain`, with its computer account `NAME$` (trusted for
    /// delegation if it is a domain controller, AD-4).
    ///
    /// # Errors
    ///
    /// [`TooMany`] when a table has no id left.
    pub fn machine(
        &mut self,
        name: &str,
        domain: DomainId,
        dc: bool,
    ) -> Result<(MachineId, AccountId), TooMany> {
        let account = self.account_in(
            &format!("{}$", name.to_ascii_uppercase()),
            AccountKind::Computer,
            domain,
        )?;
        self.dir.account_mut(account).trusted_for_delegation = dc;
        let id = self.dir.push_machine(Machine {
            name: Arc::from(name),
            domain: Some(domain),
            account: Some(account),
            dc,
            credential_guard: false,
        })?;
        Ok((id, account))
    }

    /// Adds a service on `machine` running as `account`, named by `spn` (or the loader's
    /// default SPN for its protocol).
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn service(
        &mut self,
        name: &str,
        machine: MachineId,
        account: AccountId,
        spn: Option<&str>,
        protocol: Protocol,
    ) -> Result<ServiceId, TooMany> {
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
        self.dir.push_service(Service {
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
        })
    }

    /// The service `id`, to change its settings.
    pub fn service_mut(&mut self, id: ServiceId) -> Option<&mut Service> {
        self.dir.services.get_mut(id.index())
    }

    /// Adds a resource `service` guards, its DACL allowing each trustee its rights.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn resource(
        &mut self,
        name: &str,
        service: ServiceId,
        allow: &[(Trustee, &[&str])],
    ) -> Result<ResourceId, TooMany> {
        self.dir.push_resource(Resource {
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
        })
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
