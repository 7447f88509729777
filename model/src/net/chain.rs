//! A chain of hops as a state machine: the directory (which a step may change) and the
//! holder the chain has reached; each step maps them to the next state and an outcome with
//! the decisions taken, as [`crate::machine::step`] does for a script.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::actions::{self, ActionError};
use super::directory::{AccountId, Directory, MachineId, ResourceId, ServiceId};
use super::hop::{self, CallRequest, Credentials, Hold, Holder, Package, own_process};
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
}

/// The state of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainState {
    /// The directory (SetRbcd changes it).
    pub dir: Directory,
    /// Where the chain is, once started.
    pub holder: Option<Holder>,
}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// Success, or the status it failed with.
    pub result: Result<(), &'static str>,
    /// The decisions, each naming its rule.
    pub decisions: Vec<Decision>,
}

/// Runs `step` from `state` (a failed step leaves the holder where it was).
#[must_use]
pub fn step(readings: &Readings, state: &ChainState, step: &Step) -> (ChainState, StepOutcome) {
    let mut next = state.clone();
    let mut trail = Trail::detailed();
    let result = apply(readings, &mut next, step, &mut trail);
    let decisions = trail.into_decisions();
    match result {
        Ok(()) => (
            next,
            StepOutcome {
                result: Ok(()),
                decisions,
            },
        ),
        Err(symbol) => (
            state.clone(),
            StepOutcome {
                result: Err(symbol),
                decisions,
            },
        ),
    }
}

fn apply(
    readings: &Readings,
    state: &mut ChainState,
    step: &Step,
    trail: &mut Trail,
) -> Result<(), &'static str> {
    match step {
        Step::Start { machine, user } => {
            trail.note(RuleId::NET_4, || {
                format!(
                    "{} logs on interactively at {}: the logon keeps the credentials",
                    state.dir.qualified(*user),
                    state.dir.machine(*machine).name
                )
            });
            state.holder = Some(Holder {
                machine: *machine,
                service: None,
                presents: Some(*user),
                hold: Hold::Own,
                credentials: Credentials::Password,
                evidence: None,
                hops: 0,
            });
            Ok(())
        }
        Step::StartService { service } => {
            let s = state.dir.service(*service);
            trail.note(RuleId::NET_4, || {
                format!(
                    "the chain holds {}'s process, running as {} with its own credentials",
                    s.name,
                    state.dir.qualified(s.account)
                )
            });
            state.holder = Some(own_process(&state.dir, *service));
            Ok(())
        }
        Step::Call(req) => {
            let holder = started(state)?;
            let next =
                hop::call(&state.dir, readings, &holder, req, trail).map_err(|e| e.symbol())?;
            state.holder = Some(next);
            Ok(())
        }
        Step::Access { resource, rights } => {
            let holder = started(state)?;
            let guard = state.dir.resource(*resource).service;
            if holder.service != Some(guard) {
                trail.note(RuleId::HOP_2, || {
                    format!(
                        "`{}` is guarded by {}, which the chain has not reached: only that service's process opens it",
                        state.dir.resource(*resource).name,
                        state.dir.service(guard).name
                    )
                });
                return Err(ActionError::AccessDenied.symbol());
            }
            actions::access(&state.dir, &holder, *resource, rights, trail)
                .map_err(ActionError::symbol)
        }
        Step::S4u2self { user } => {
            let holder = started(state)?;
            let next = actions::s4u2self(&state.dir, readings, &holder, *user, trail)
                .map_err(ActionError::symbol)?;
            state.holder = Some(next);
            Ok(())
        }
        Step::TamperForwardable => {
            let holder = started(state)?;
            let next = actions::tamper_forwardable(&state.dir, &holder, trail)
                .map_err(ActionError::symbol)?;
            state.holder = Some(next);
            Ok(())
        }
        Step::SetRbcd { target, allow } => {
            let holder = started(state)?;
            actions::set_rbcd(&mut state.dir, &holder, *target, *allow, trail)
                .map_err(ActionError::symbol)
        }
        Step::Coerce { victim, to } => {
            let v = state.dir.service(*victim);
            let local = v.machine == state.dir.service(*to).machine;
            trail.note(if local { RuleId::ATK_5 } else { RuleId::ATK_3 }, || {
                format!(
                    "{} is made to authenticate to {} as {}{}",
                    v.name,
                    state.dir.service(*to).name,
                    state.dir.qualified(v.account),
                    if local {
                        ", on its own machine (the Potato family)"
                    } else {
                        " (the printer bug and its kin)"
                    }
                )
            });
            let from = own_process(&state.dir, *victim);
            let req = CallRequest {
                service: *to,
                level: Some(ImpersonationLevel::Impersonation),
                mutual_auth: true,
                package: Package::Negotiate,
                by_spn: true,
                as_self: true,
                honours_ok_as_delegate: true,
                binding_at_startup: false,
                dynamic_tracking: false,
            };
            let next =
                hop::call(&state.dir, readings, &from, &req, trail).map_err(|e| e.symbol())?;
            if matches!(next.credentials, Credentials::Tgt(_)) {
                trail.note(RuleId::ATK_3, || {
                    format!(
                        "{} now holds {}'s TGT",
                        state.dir.service(*to).name,
                        state.dir.qualified(v.account)
                    )
                });
            }
            state.holder = Some(next);
            Ok(())
        }
        Step::CreateProcess { with_token } => {
            let holder = started(state)?;
            let next = create_process(&state.dir, &holder, *with_token, trail)?;
            state.holder = Some(next);
            Ok(())
        }
        Step::Wait { minutes } => {
            let holder = started(state)?;
            state.holder = Some(wait(&state.dir, readings, holder, *minutes, trail));
            Ok(())
        }
    }
}

/// A program started by the holder's process (LVL-12, TOK-19).
fn create_process(
    dir: &Directory,
    holder: &Holder,
    with_token: bool,
    trail: &mut Trail,
) -> Result<Holder, &'static str> {
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
        return Err("ERROR_BAD_IMPERSONATION_LEVEL");
    }
    if let Some(s) = holder.service
        && !dir.service(s).impersonate_privilege
    {
        trail.note(RuleId::TOK_19, || {
                "CreateProcessWithTokenW needs SeImpersonatePrivilege, which the process does not hold".to_owned()
            });
        return Err("ERROR_PRIVILEGE_NOT_HELD");
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
    for (i, a) in dir.accounts.iter().enumerate() {
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
        let id = super::directory::AccountId(u32::try_from(i).unwrap_or(u32::MAX));
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

fn started(state: &ChainState) -> Result<Holder, &'static str> {
    state.holder.clone().ok_or("CHAIN_NOT_STARTED")
}
