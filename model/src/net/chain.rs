//! The network family's one step function: a chain of hops as a state machine. The state
//! is the holder the chain has reached and what its steps changed (RBCD entries written);
//! each step maps it, against a directory, to the next state and an outcome with the
//! decisions taken, as [`crate::machine::step`] does for one machine. Every consumer of the
//! network semantics (topology runs, the explorer's suites, the delegation graph and the
//! reach query) steps through [`try_step`]; nothing else decides a hop.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::actions::{self, ActionError};
use super::attacker::{self, KeyError};
use super::directory::{AccountId, Directory, MachineId, Protocol, ResourceId, ServiceId};
use super::hop::{self, CallRequest, Credentials, Hold, Holder, HopError, Package, own_process};
use crate::core::decision::{Decision, Trail};
use crate::core::level::ImpersonationLevel;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// One step of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// A user logs on interactively at a machine: the chain holds its own logon.
    Start {
        /// The machine.
        machine: MachineId,
        /// The user.
        user: AccountId,
    },
    /// The chain holds a service's own process (a compromised service, or one acting as
    /// itself).
    StartService {
        /// The service.
        service: ServiceId,
    },
    /// The holder calls a service.
    Call(CallRequest),
    /// The holder opens a resource of its service.
    Access {
        /// The resource.
        resource: ResourceId,
        /// The rights.
        rights: Vec<Arc<str>>,
    },
    /// The holder's service logs a user on by S4U2self.
    S4u2self {
        /// The user.
        user: AccountId,
    },
    /// The holder sets FORWARDABLE on the ticket it holds (Bronze Bit).
    TamperForwardable,
    /// The holder's identity adds `allow` to `target`'s RBCD list.
    SetRbcd {
        /// The account whose list is written.
        target: AccountId,
        /// The account admitted.
        allow: AccountId,
    },
    /// An attacker makes `victim` authenticate to `to` as its own account, as the printer
    /// bug makes a spooler do over SMB, or a Potato makes a local SYSTEM service do; the
    /// chain continues at `to`.
    Coerce {
        /// The coerced service.
        victim: ServiceId,
        /// The service it authenticates to.
        to: ServiceId,
    },
    /// The holder's process starts a program: with CreateProcess (the process's primary
    /// token, LVL-12) or with the token it impersonates (CreateProcessWithTokenW, TOK-19).
    CreateProcess {
        /// Whether the program gets the impersonated token.
        with_token: bool,
    },
    /// Time passes (LVL-13).
    Wait {
        /// How long.
        minutes: u32,
    },
    /// An attacker's tool on `machine` holds `account`'s long-term key (ATK-10); the chain
    /// starts there, presenting the account.
    OwnKey {
        /// The machine the tool runs on (often one in no domain).
        machine: MachineId,
        /// The account whose key it holds.
        account: AccountId,
    },
    /// The tool asks for S4U2self with its key, in `user`'s name (ATK-11).
    KeyS4u2self {
        /// The user.
        user: AccountId,
    },
    /// The tool asks for S4U2proxy with its key and the ticket it holds, for `spn` (ATK-12).
    KeyS4u2proxy {
        /// The SPN asked for.
        spn: Arc<str>,
    },
    /// The tool presents the ticket it holds to a service (ATK-13).
    Present {
        /// The service.
        service: ServiceId,
    },
    /// The tool writes another service name in the ticket it holds (ATK-14).
    AltService {
        /// The SPN written.
        spn: Arc<str>,
    },
}

/// The RBCD entries a chain wrote, each `(target, allowed)`, in the order written. Most
/// chains write none, which costs a null pointer: a chain state is copied and hashed at
/// every transition the explorer takes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RbcdWrites(Option<Box<[(AccountId, AccountId)]>>);

impl RbcdWrites {
    /// Whether the chain wrote none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The entries, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = &(AccountId, AccountId)> {
        self.0.iter().flat_map(|entries| entries.iter())
    }

    /// Whether `entry` was written.
    #[must_use]
    pub fn contains(&self, entry: &(AccountId, AccountId)) -> bool {
        self.iter().any(|e| e == entry)
    }

    /// These entries and `entry`.
    #[must_use]
    pub fn with(&self, entry: (AccountId, AccountId)) -> Self {
        let mut all: Vec<(AccountId, AccountId)> = self.iter().copied().collect();
        all.push(entry);
        RbcdWrites(Some(all.into_boxed_slice()))
    }
}

/// The state of a chain: where it is, and what its steps changed or did that a later
/// step or a reader of the chain needs. The directory itself is not part of it: a step is
/// taken against a directory ([`ChainState::directory`] applies the changes the chain made).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainState {
    /// Where the chain is, once started.
    pub holder: Option<Holder>,
    /// The RBCD entries the chain's steps wrote (AD-11), each `(target, allowed)`: the
    /// target account's msDS-AllowedToActOnBehalfOfOtherIdentity now admits `allowed`.
    pub rbcd_added: RbcdWrites,
    /// The level the first network call a local (ncalrpc) server made as its client asked
    /// for on the wire, once one was made (LVL-5, RPC-11: the remote server goes further as
    /// the client only if that call asked for Delegate).
    pub onward_from_local: Option<ImpersonationLevel>,
}

impl ChainState {
    /// The directory as the chain's steps left it: `base` with the RBCD entries the chain
    /// wrote on top of its tables ([`Directory::with_rbcd_written`]). Borrowed when the
    /// chain wrote none.
    #[must_use]
    pub fn directory<'a>(&self, base: &'a Directory) -> Cow<'a, Directory> {
        if self.rbcd_added.is_empty() {
            return Cow::Borrowed(base);
        }
        Cow::Owned(base.with_rbcd_written(self.rbcd_added.iter().copied()))
    }
}

/// Why a step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChainError {
    /// The step needs a holder and the chain has not started.
    NotStarted,
    /// A call failed.
    Hop(HopError),
    /// An action other than a call failed.
    Action(ActionError),
    /// A token held below Impersonation cannot become a primary token (LVL-1).
    BadImpersonationLevel,
    /// CreateProcessWithTokenW without SeImpersonatePrivilege (TOK-19).
    PrivilegeNotHeld,
    /// A step of an attacker's tool failed.
    Key(KeyError),
}

impl ChainError {
    /// The status symbol a trace reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            ChainError::NotStarted => "CHAIN_NOT_STARTED",
            ChainError::Hop(e) => e.symbol(),
            ChainError::Action(e) => e.symbol(),
            ChainError::BadImpersonationLevel => "ERROR_BAD_IMPERSONATION_LEVEL",
            ChainError::PrivilegeNotHeld => "ERROR_PRIVILEGE_NOT_HELD",
            ChainError::Key(e) => e.symbol(),
        }
    }
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.symbol())
    }
}

impl std::error::Error for ChainError {}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// Success, or why it failed.
    pub result: Result<(), ChainError>,
    /// The decisions, each naming its rule.
    pub decisions: Vec<Decision>,
}

/// Runs `step` from `state` against `dir`, recording every decision with its detail (a
/// failed step leaves the state as it was).
#[must_use]
pub fn step(
    dir: &Directory,
    readings: &Readings,
    state: &ChainState,
    step: &Step,
) -> (ChainState, StepOutcome) {
    let mut trail = Trail::detailed();
    let result = try_step(dir, readings, state, step, &mut trail);
    let decisions = trail.into_decisions();
    match result {
        Ok(next) => (
            next,
            StepOutcome {
                result: Ok(()),
                decisions,
            },
        ),
        Err(e) => (
            state.clone(),
            StepOutcome {
                result: Err(e),
                decisions,
            },
        ),
    }
}

/// The one place a hop is decided: runs `step` from `state` against `dir`, recording the
/// decisions in `trail` (a [`Trail::rule_set`] for the explorer, which reads no prose), and
/// gives the next state, or why the step failed.
///
/// # Errors
///
/// The status the step fails with.
pub fn try_step(
    dir: &Directory,
    readings: &Readings,
    state: &ChainState,
    step: &Step,
    trail: &mut Trail,
) -> Result<ChainState, ChainError> {
    if state.rbcd_added.is_empty() {
        return apply(dir, readings, state, step, trail);
    }
    let dir = state.directory(dir);
    apply(&dir, readings, state, step, trail)
}

impl ChainState {
    /// The state with `holder` in place of the one it has, and everything else kept.
    fn holding(&self, holder: Holder) -> ChainState {
        ChainState {
            holder: Some(holder),
            rbcd_added: self.rbcd_added.clone(),
            onward_from_local: self.onward_from_local,
        }
    }
}

fn apply(
    dir: &Directory,
    readings: &Readings,
    before: &ChainState,
    step: &Step,
    trail: &mut Trail,
) -> Result<ChainState, ChainError> {
    match step {
        Step::Start { machine, user } => {
            trail.note(RuleId::NET_4, || {
                format!(
                    "{} logs on interactively at {}: the logon keeps the credentials",
                    dir.qualified(*user),
                    dir.machine(*machine).name
                )
            });
            Ok(before.holding(Holder::logged_on(*user, *machine)))
        }
        Step::StartService { service } => {
            let s = dir.service(*service);
            trail.note(RuleId::NET_4, || {
                format!(
                    "the chain holds {}'s process, running as {} with its own credentials",
                    s.name,
                    dir.qualified(s.account)
                )
            });
            Ok(before.holding(own_process(dir, *service)))
        }
        Step::Call(req) => {
            let holder = started(before)?;
            let next = hop::call(dir, readings, holder, req, trail).map_err(ChainError::Hop)?;
            let onward = onward_from_local(dir, readings, before, req, &next);
            Ok(ChainState {
                onward_from_local: onward,
                ..before.holding(next)
            })
        }
        Step::Access { resource, rights } => {
            let holder = started(before)?;
            let guard = dir.resource(*resource).service;
            if holder.service != Some(guard) {
                trail.note(RuleId::HOP_2, || {
                    format!(
                        "`{}` is guarded by {}, which the chain has not reached: only that service's process opens it",
                        dir.resource(*resource).name,
                        dir.service(guard).name
                    )
                });
                return Err(ChainError::Action(ActionError::AccessDenied));
            }
            actions::access(dir, holder, *resource, rights, trail).map_err(ChainError::Action)?;
            Ok(before.clone())
        }
        Step::S4u2self { user } => {
            let holder = started(before)?;
            let next = actions::s4u2self(dir, readings, holder, *user, trail)
                .map_err(ChainError::Action)?;
            Ok(before.holding(next))
        }
        Step::TamperForwardable => {
            let holder = started(before)?;
            let next =
                actions::tamper_forwardable(dir, holder, trail).map_err(ChainError::Action)?;
            Ok(before.holding(next))
        }
        Step::SetRbcd { target, allow } => {
            let holder = started(before)?;
            actions::set_rbcd(dir, holder, *target, *allow, trail).map_err(ChainError::Action)?;
            let mut next = before.clone();
            if !dir.allowed_to_act(*target).any(|a| a == *allow) {
                next.rbcd_added = next.rbcd_added.with((*target, *allow));
            }
            Ok(next)
        }
        Step::Coerce { victim, to } => {
            let next = coerce(dir, readings, *victim, *to, trail)?;
            Ok(before.holding(next))
        }
        Step::CreateProcess { with_token } => {
            let holder = started(before)?;
            let next = create_process(dir, holder, *with_token, trail)?;
            Ok(before.holding(next))
        }
        Step::Wait { minutes } => {
            let holder = started(before)?.clone();
            Ok(before.holding(wait(dir, readings, holder, *minutes, trail)))
        }
        Step::OwnKey { machine, account } => {
            Ok(before.holding(attacker::own_key(dir, *machine, *account, trail)))
        }
        Step::KeyS4u2self { user } => {
            let holder = started(before)?;
            let next =
                attacker::s4u2self(dir, readings, holder, *user, trail).map_err(ChainError::Key)?;
            Ok(before.holding(next))
        }
        Step::KeyS4u2proxy { spn } => {
            let holder = started(before)?;
            let next =
                attacker::s4u2proxy(dir, readings, holder, spn, trail).map_err(ChainError::Key)?;
            Ok(before.holding(next))
        }
        Step::AltService { spn } => {
            let holder = started(before)?;
            let next = attacker::altservice(dir, holder, spn, trail).map_err(ChainError::Key)?;
            Ok(before.holding(next))
        }
        Step::Present { service } => {
            let holder = started(before)?;
            let next = attacker::present(dir, readings, holder, *service, trail)
                .map_err(ChainError::Key)?;
            Ok(before.holding(next))
        }
    }
}

/// [`ChainState::onward_from_local`] after a call from `before` that reached `next`: the
/// level the first network call a local (ncalrpc) server makes as its client asks for on
/// the wire (LVL-5), once it is made.
fn onward_from_local(
    dir: &Directory,
    readings: &Readings,
    before: &ChainState,
    req: &CallRequest,
    next: &Holder,
) -> Option<ImpersonationLevel> {
    if before.onward_from_local.is_some() {
        return before.onward_from_local;
    }
    let from = before.holder.as_ref()?;
    let from_local = from
        .service
        .is_some_and(|s| dir.service(s).protocol == Protocol::Ncalrpc);
    (from_local && next.machine != from.machine).then(|| hop::level_on_the_wire(dir, readings, req))
}

/// `victim` is made to authenticate to `to` as its own account (ATK-3, ATK-5).
fn coerce(
    dir: &Directory,
    readings: &Readings,
    victim: ServiceId,
    to: ServiceId,
    trail: &mut Trail,
) -> Result<Holder, ChainError> {
    let v = dir.service(victim);
    let local = v.machine == dir.service(to).machine;
    trail.note(if local { RuleId::ATK_5 } else { RuleId::ATK_3 }, || {
        format!(
            "{} is made to authenticate to {} as {}{}",
            v.name,
            dir.service(to).name,
            dir.qualified(v.account),
            if local {
                ", on its own machine (the Potato family)"
            } else {
                " (the printer bug and its kin)"
            }
        )
    });
    let from = own_process(dir, victim);
    let req = CallRequest {
        service: to,
        level: Some(ImpersonationLevel::Impersonation),
        mutual_auth: true,
        package: Package::Negotiate,
        by_spn: true,
        as_self: true,
        honours_ok_as_delegate: true,
        binding_at_startup: false,
        dynamic_tracking: false,
        ignore_delegate_failure: false,
    };
    let next = hop::call(dir, readings, &from, &req, trail).map_err(ChainError::Hop)?;
    if matches!(next.credentials, Credentials::Tgt(_)) {
        trail.note(RuleId::ATK_3, || {
            format!(
                "{} now holds {}'s TGT",
                dir.service(to).name,
                dir.qualified(v.account)
            )
        });
    }
    Ok(next)
}

/// A program started by the holder's process (LVL-12, TOK-19).
fn create_process(
    dir: &Directory,
    holder: &Holder,
    with_token: bool,
    trail: &mut Trail,
) -> Result<Holder, ChainError> {
    if !with_token {
        trail.note(RuleId::LVL_12, || {
            "CreateProcess uses the process's primary token, impersonating or not".to_owned()
        });
        return Ok(match holder.service {
            Some(s) => own_process(dir, s),
            None => Holder {
                hold: Hold::Own,
                ..holder.clone()
            },
        });
    }
    if !holder.hold.acts() {
        trail.note(RuleId::LVL_1, || {
            format!(
                "the thread holds {} at {}, which cannot be made a primary token",
                hop::presented_name(dir, holder.presents),
                holder.hold
            )
        });
        return Err(ChainError::BadImpersonationLevel);
    }
    if let Some(s) = holder.service
        && !dir.service(s).impersonate_privilege
    {
        trail.note(RuleId::TOK_19, || {
                "CreateProcessWithTokenW needs SeImpersonatePrivilege, which the process does not hold".to_owned()
            });
        return Err(ChainError::PrivilegeNotHeld);
    }
    trail.note(RuleId::TOK_19, || {
        format!(
            "CreateProcessWithTokenW starts a program as {} (the process holds SeImpersonatePrivilege)",
            hop::presented_name(dir, holder.presents)
        )
    });
    Ok(Holder {
        hold: Hold::Own,
        evidence: None,
        ..holder.clone()
    })
}

/// The holder after `minutes`: a Kerberos-derived identity keeps its off-machine use for a
/// while only (LVL-13, OQD-13).
fn wait(
    dir: &Directory,
    readings: &Readings,
    holder: Holder,
    minutes: u32,
    trail: &mut Trail,
) -> Holder {
    if holder.hold == Hold::Own
        && holder.credentials == Credentials::Password
        && let Some(user) = holder.presents.filter(|u| {
            dir.account(*u).protected_users && super::kerberos::is_sensitive(dir, readings, *u)
        })
    {
        let lifetime = if readings.alternative(RuleId::OQD_5) {
            600
        } else {
            240
        };
        trail.note(RuleId::OQD_5, || {
                format!(
                    "under the selected reading ({}) a Protected Users member's TGT lives {lifetime} minutes",
                    if lifetime == 240 { "four-hours" } else { "600-minutes" }
                )
            });
        if minutes > lifetime {
            trail.note(RuleId::AD_6, || {
                    format!(
                        "{minutes} minutes pass: {}'s TGT has expired, and its host kept no long-term key to get another; it must sign in again",
                        dir.qualified(user)
                    )
                });
            return Holder {
                credentials: Credentials::None,
                ..holder
            };
        }
    }
    let kerberos = matches!(holder.credentials, Credentials::Tgt(_)) || holder.evidence.is_some();
    if !kerberos || holder.hold == Hold::Own {
        trail.note(RuleId::LVL_13, || {
            format!(
                "{minutes} minutes pass; the thread holds no Kerberos-derived identity to expire"
            )
        });
        return holder;
    }
    let limit = if readings.alternative(RuleId::OQD_13) {
        5
    } else {
        480
    };
    if minutes <= limit {
        trail.note(RuleId::LVL_13, || {
            format!("{minutes} minutes pass: the Kerberos-derived identity is still valid off the machine")
        });
        if minutes > 5 {
            trail.note(RuleId::OQD_13, || {
                "the page says only \"between 5 minutes and 8 hours\"; under the selected reading (eight-hours) it lasts the longest".to_owned()
            });
        }
        return holder;
    }
    trail.note(RuleId::LVL_13, || {
        format!("{minutes} minutes pass: the Kerberos-derived identity is now valid only on this machine")
    });
    if minutes <= 480 {
        trail.note(RuleId::OQD_13, || {
            "the page says only \"between 5 minutes and 8 hours\"; under the selected reading (five-minutes) it lasts the shortest".to_owned()
        });
    }
    let hold = match holder.hold {
        Hold::Impersonating(level) => {
            Hold::Impersonating(level.min(ImpersonationLevel::Impersonation))
        }
        Hold::Own => Hold::Own,
    };
    Holder {
        hold,
        credentials: Credentials::None,
        evidence: None,
        ..holder
    }
}

/// What the directory says before any chain runs: the delegation flags in their LDAP
/// encoding (AD-1) and the domain controllers trusted for delegation (AD-4).
#[must_use]
pub fn setup(dir: &Directory) -> Vec<Decision> {
    let mut trail = Trail::detailed();
    for m in &dir.machines {
        if let (true, Some(a)) = (m.dc, m.account) {
            trail.note(RuleId::AD_4, || {
                format!(
                    "{} is a domain controller: its account {} is TRUSTED_FOR_DELEGATION",
                    m.name,
                    dir.qualified(a)
                )
            });
        }
    }
    for (id, a) in dir.account_ids().zip(&dir.accounts) {
        let flags = [
            (
                a.trusted_for_delegation,
                "TRUSTED_FOR_DELEGATION",
                0x8_0000_u32,
            ),
            (a.not_delegated, "NOT_DELEGATED", 0x10_0000),
            (
                a.trusted_to_auth_for_delegation,
                "TRUSTED_TO_AUTH_FOR_DELEGATION",
                0x100_0000,
            ),
        ];
        let set: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
        if set.is_empty() {
            continue;
        }
        let value: u32 = flags.iter().filter(|f| f.0).map(|f| f.2).sum();
        trail.note(RuleId::AD_1, || {
            format!(
                "{}: userAccountControl includes {} ({value:#x})",
                dir.qualified(id),
                set.join(" | ")
            )
        });
    }
    trail.into_decisions()
}

fn started(state: &ChainState) -> Result<&Holder, ChainError> {
    state.holder.as_ref().ok_or(ChainError::NotStarted)
}
