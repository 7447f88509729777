//! What a holder does besides calling a service: open a resource its service guards, log a
//! user on by S4U2self, change a ticket it holds the key of, write an account's RBCD list,
//! or, as an attacker, make a machine authenticate to it (HOP-1, HOP-2, S4U-1, ATK-1..3,
//! AD-11).

use std::sync::Arc;

use super::directory::{AccountId, AccountKind, Directory, ResourceId, Trustee, WellKnown};
use super::hop::{Credentials, Hold, Holder, presented_name, process_account};
use super::kerberos::{self, KdcError};
use crate::core::decision::Trail;
use crate::core::level::ImpersonationLevel;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// Why an action failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionError {
    /// The resource refused (or the thread may not open anything).
    AccessDenied,
    /// The thread holds its client only at Identification.
    BadImpersonationLevel,
    /// The action needs a service's process (S4U2self, holding a service key).
    NotAService,
    /// There is no ticket to change.
    NoTicket,
    /// The KDC refused.
    Kdc(KdcError),
}

impl ActionError {
    /// The symbol a trace reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            ActionError::AccessDenied => "ERROR_ACCESS_DENIED",
            ActionError::BadImpersonationLevel => "ERROR_BAD_IMPERSONATION_LEVEL",
            ActionError::NotAService => "SEC_E_NO_CREDENTIALS",
            ActionError::NoTicket => "SEC_E_NO_CREDENTIALS",
            ActionError::Kdc(e) => e.symbol(),
        }
    }
}

/// Whether `trustee` names `presents` (an account, one of its groups, or a well-known group
/// it belongs to).
fn names(dir: &Directory, trustee: Trustee, presents: Option<AccountId>) -> bool {
    match (trustee, presents) {
        (Trustee::WellKnown(WellKnown::Anonymous), None) => true,
        (Trustee::WellKnown(WellKnown::Anonymous), Some(_)) => false,
        (Trustee::WellKnown(_), None) => false,
        (Trustee::WellKnown(WellKnown::Everyone | WellKnown::AuthenticatedUsers), Some(_)) => true,
        (Trustee::Account(a), Some(p)) => dir.is_member(p, a),
        (Trustee::Account(_), None) => false,
    }
}

/// Whether `resource`'s DACL allows (`Some(true)`), denies (`Some(false)`) or does not
/// mention (`None`) `right` for `presents`: the first entry naming it or one of its groups
/// with that right or `full` decides (HOP-2).
#[must_use]
pub fn decides(
    dir: &Directory,
    resource: ResourceId,
    presents: Option<AccountId>,
    right: &str,
) -> Option<bool> {
    dir.resource(resource)
        .dacl
        .iter()
        .find(|entry| {
            entry.rights.iter().any(|x| &**x == right || &**x == "full")
                && names(dir, entry.trustee, presents)
        })
        .map(|entry| entry.allow)
}

/// Opens `resource` with `rights` as the holder (HOP-2, LVL-1).
pub fn access(
    dir: &Directory,
    holder: &Holder,
    resource: ResourceId,
    rights: &[Arc<str>],
    trail: &mut Trail,
) -> Result<(), ActionError> {
    let r = dir.resource(resource);
    let who = presented_name(dir, holder.presents);
    if !holder.hold.acts() {
        trail.note(RuleId::HOP_2, || {
            format!(
                "the thread holds {who} at {}, which opens nothing",
                holder.hold
            )
        });
        return Err(ActionError::BadImpersonationLevel);
    }
    for right in rights {
        let decided = decides(dir, resource, holder.presents, right);
        if decided != Some(true) {
            trail.note(RuleId::HOP_2, || {
                format!(
                    "`{}` {} {who} `{right}`",
                    r.name,
                    if decided == Some(false) {
                        "denies"
                    } else {
                        "grants no entry giving"
                    }
                )
            });
            return Err(ActionError::AccessDenied);
        }
    }
    trail.note(RuleId::HOP_2, || {
        format!(
            "`{}` grants {who} {}",
            r.name,
            rights
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    Ok(())
}

/// The holder's service logs `user` on by S4U2self (S4U-1, S4U-2, HOP-1).
pub fn s4u2self(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    user: AccountId,
    trail: &mut Trail,
) -> Result<Holder, ActionError> {
    let Some(service) = holder.service else {
        trail.note(RuleId::S4U_1, || {
            "S4U2self is a service's request, made with its own TGT".to_owned()
        });
        return Err(ActionError::NotAService);
    };
    let s = dir.service(service);
    let ticket =
        kerberos::s4u2self(dir, readings, s.account, user, trail).map_err(ActionError::Kdc)?;
    let level = if !s.tcb {
        ImpersonationLevel::Identification
    } else if s.impersonate_privilege {
        ImpersonationLevel::Impersonation
    } else if readings.alternative(RuleId::HOP_5) {
        trail.note(RuleId::HOP_5, || {
            format!(
                "{} lacks SeImpersonatePrivilege; reading identification: it holds the S4U logon at Identification",
                s.name
            )
        });
        ImpersonationLevel::Identification
    } else {
        trail.note(RuleId::HOP_5, || {
            format!(
                "{} lacks SeImpersonatePrivilege; reading origin: the S4U token comes from its own logon session, which the impersonation check allows",
                s.name
            )
        });
        ImpersonationLevel::Impersonation
    };
    trail.note(RuleId::HOP_1, || {
        format!(
            "the S4U logon gives {} a token of {} at {level}{}",
            s.name,
            dir.qualified(user),
            if s.tcb {
                " (it holds SeTcbPrivilege)"
            } else {
                " (it does not hold SeTcbPrivilege)"
            }
        )
    });
    Ok(Holder {
        machine: holder.machine,
        service: holder.service,
        presents: Some(user),
        hold: Hold::Impersonating(level),
        credentials: Credentials::None,
        evidence: Some(ticket),
        hops: 0,
        ntlm: false,
    })
}

/// The holder, which has its service's key, sets FORWARDABLE on its evidence ticket (ATK-1).
pub fn tamper_forwardable(
    dir: &Directory,
    holder: &Holder,
    trail: &mut Trail,
) -> Result<Holder, ActionError> {
    if holder.service.is_none() {
        return Err(ActionError::NotAService);
    }
    let Some(ticket) = &holder.evidence else {
        trail.note(RuleId::ATK_1, || {
            "the thread holds no ticket to change".to_owned()
        });
        return Err(ActionError::NoTicket);
    };
    trail.note(RuleId::ATK_1, || {
        format!(
            "{} decrypts the ticket for {} with its own key, sets FORWARDABLE and encrypts it again",
            presented_name(dir, process_account(dir, holder)),
            dir.qualified(ticket.client)
        )
    });
    let mut changed = ticket.clone();
    changed.forwardable = true;
    changed.tampered = true;
    Ok(Holder {
        evidence: Some(changed),
        ..holder.clone()
    })
}

/// Whether the holder's identity may write `target`'s RBCD list to admit `allow` (AD-11);
/// the chain records the entry written ([`super::chain::ChainState::rbcd_added`]).
pub fn set_rbcd(
    dir: &Directory,
    holder: &Holder,
    target: AccountId,
    allow: AccountId,
    trail: &mut Trail,
) -> Result<(), ActionError> {
    let writer = if holder.hold.acts() {
        holder.presents
    } else {
        None
    };
    let at_dc = dir.machine(holder.machine).dc;
    if writer.is_some()
        && holder.hold != Hold::Own
        && holder.credentials == Credentials::None
        && !at_dc
    {
        trail.note(RuleId::NET_1, || {
            format!(
                "writing the attribute is an LDAP call to a domain controller, another hop, and the thread holds {} through a logon with no reusable credentials",
                presented_name(dir, writer)
            )
        });
        trail.note(RuleId::AD_11, || {
            format!(
                "the write is made as whoever reaches the domain controller, and {} does not",
                presented_name(dir, writer)
            )
        });
        return Err(ActionError::AccessDenied);
    }
    // A computer account writes its own list (AD-11); any other writer needs an ACE.
    let own = |w: AccountId| w == target && dir.account(target).kind == AccountKind::Computer;
    let may = writer.is_some_and(|w| {
        own(w)
            || dir
                .account(target)
                .rbcd_writers
                .iter()
                .any(|x| dir.is_member(w, *x))
    });
    let who = presented_name(dir, writer);
    if !may {
        trail.note(RuleId::AD_11, || {
            format!(
                "{who} has no write access to {}'s msDS-AllowedToActOnBehalfOfOtherIdentity",
                dir.qualified(target)
            )
        });
        return Err(ActionError::AccessDenied);
    }
    trail.note(RuleId::AD_11, || {
        format!(
            "{who} may write {}'s RBCD list (write access suffices, no privilege) and adds {}",
            dir.qualified(target),
            dir.qualified(allow)
        )
    });
    trail.note(RuleId::ATK_2, || {
        format!(
            "whoever controls {} can now get tickets to {}'s services as any user who is not sensitive (S4U2self, then S4U2proxy through RBCD): the RBCD takeover",
            dir.qualified(allow),
            dir.qualified(target)
        )
    });
    Ok(())
}
