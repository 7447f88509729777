//! What an attacker's tool does with an account's long-term key, from a machine of its own,
//! as Rubeus and impacket do: hold the key (ATK-10), ask the KDC for S4U2self (ATK-11) and
//! S4U2proxy (ATK-12) as the account, write another service name in the ticket it holds
//! (ATK-14), and present the ticket to a service (ATK-13).
//! The KDC's decisions are [`super::kerberos`]'s, the server's are [`super::hop`]'s: this
//! module owns only what the tool itself does and refuses.

use std::sync::Arc;

use super::directory::{
    AccountId, Directory, MachineId, Protocol, ServiceId, ServiceLogon, SpnMatch,
};
use super::hop::{self, Credentials, Hold, Holder, HopError};
use super::kerberos::{self, KdcError};
use crate::core::decision::Trail;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// Why a step of the tool failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyError {
    /// The chain holds no account's key in a tool (the step needs `own_key` first).
    NoKey,
    /// The tool holds no service ticket to use.
    NoTicket,
    /// The ticket is for another account than the service's: the service cannot decrypt it.
    WrongAccount,
    /// The ticket names another service than the one the tool presents it to.
    OtherService,
    /// The KDC refused.
    Kdc(KdcError),
    /// The server refused the presented ticket.
    Hop(HopError),
}

impl KeyError {
    /// The status symbol a trace reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            KeyError::NoKey | KeyError::NoTicket | KeyError::OtherService => "SEC_E_NO_CREDENTIALS",
            KeyError::WrongAccount => "KRB_AP_ERR_MODIFIED",
            KeyError::Kdc(e) => e.symbol(),
            KeyError::Hop(e) => e.symbol(),
        }
    }
}

/// The chain holds `account`'s key in a tool on `machine` (ATK-10).
#[must_use]
pub fn own_key(
    dir: &Directory,
    machine: MachineId,
    account: AccountId,
    trail: &mut Trail,
) -> Holder {
    let m = dir.machine(machine);
    trail.note(RuleId::ATK_10, || {
        format!(
            "a tool on {} holds {}'s key{}: it acts as the account with no Windows logon",
            m.name,
            dir.qualified(account),
            if m.domain.is_none() {
                ", on a machine in no domain"
            } else {
                ""
            }
        )
    });
    Holder {
        machine,
        service: None,
        presents: Some(account),
        hold: Hold::Own,
        credentials: Credentials::Key { sname: None },
        evidence: None,
        hops: 0,
        ntlm: false,
    }
}

/// The account whose key the holder's tool holds, or why there is none.
fn key_holder(holder: &Holder, trail: &mut Trail) -> Result<AccountId, KeyError> {
    match (
        holder.service,
        holder.hold,
        &holder.credentials,
        holder.presents,
    ) {
        (None, Hold::Own, Credentials::Key { .. }, Some(account)) => Ok(account),
        _ => {
            trail.note(RuleId::ATK_10, || {
                "the chain holds no account's key in a tool: it must own one first".to_owned()
            });
            Err(KeyError::NoKey)
        }
    }
}

/// The tool asks the KDC for S4U2self as its account, in `user`'s name (ATK-11, S4U-1,
/// S4U-2): the tool then holds that ticket.
pub fn s4u2self(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    user: AccountId,
    trail: &mut Trail,
) -> Result<Holder, KeyError> {
    let account = key_holder(holder, trail)?;
    trail.note(RuleId::ATK_11, || {
        format!(
            "the tool sends S4U2self for {} with {}'s TGT: no SeTcbPrivilege, LSA logon or service process is involved",
            dir.qualified(user),
            dir.qualified(account)
        )
    });
    let ticket = kerberos::s4u2self(dir, readings, account, user, trail).map_err(KeyError::Kdc)?;
    Ok(Holder {
        credentials: Credentials::Key { sname: None },
        evidence: Some(ticket),
        ..holder.clone()
    })
}

/// The tool asks the KDC for S4U2proxy as its account, with the ticket it holds as
/// evidence, for `spn` (ATK-12): the tool then holds the new ticket.
pub fn s4u2proxy(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    spn: &str,
    trail: &mut Trail,
) -> Result<Holder, KeyError> {
    let account = key_holder(holder, trail)?;
    let Some(evidence) = &holder.evidence else {
        trail.note(RuleId::ATK_12, || {
            "the tool holds no ticket to send as evidence".to_owned()
        });
        return Err(KeyError::NoTicket);
    };
    let ticket = kerberos::s4u2proxy_from_tool(dir, readings, account, evidence, spn, trail)
        .map_err(KeyError::Kdc)?;
    Ok(Holder {
        credentials: Credentials::Key {
            sname: Some(Arc::from(spn)),
        },
        evidence: Some(ticket),
        ..holder.clone()
    })
}

/// The tool presents the ticket it holds to `service` (ATK-13): the chain arrives there as
/// the ticket's client, through the server's Kerberos logon.
pub fn present(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    service: ServiceId,
    trail: &mut Trail,
) -> Result<Holder, KeyError> {
    key_holder(holder, trail)?;
    let s = dir.service(service);
    let Some(ticket) = holder.evidence.clone() else {
        trail.note(RuleId::ATK_13, || {
            format!("the tool holds no ticket to present to {}", s.name)
        });
        return Err(KeyError::NoTicket);
    };
    if s.protocol == Protocol::Ncalrpc && s.machine != holder.machine {
        trail.note(RuleId::LVL_5, || {
            format!(
                "{} is reached over ncalrpc, which does not leave its machine",
                s.name
            )
        });
        return Err(KeyError::Hop(HopError::NotLocal));
    }
    if s.logon != ServiceLogon::Network {
        trail.note(RuleId::NET_4, || {
            format!(
                "{} logs its clients on with their password (Basic, CredSSP), not with a ticket",
                s.name
            )
        });
        return Err(KeyError::Hop(HopError::NoKerberos));
    }
    if ticket.server != Some(s.account) {
        trail.note(RuleId::ATK_13, || {
            format!(
                "the ticket is for {}, and {} runs as {}: it cannot decrypt the ticket",
                ticket
                    .server
                    .map_or_else(|| "the KDC (a TGT)".to_owned(), |a| dir.qualified(a)),
                s.name,
                dir.qualified(s.account)
            )
        });
        return Err(KeyError::WrongAccount);
    }
    let sname = match &holder.credentials {
        Credentials::Key { sname } => sname.as_deref(),
        _ => None,
    };
    if !sname.is_some_and(|n| n.eq_ignore_ascii_case(&s.spn)) {
        trail.note(RuleId::ATK_14, || {
            format!(
                "the ticket names {}, not {}'s SPN {}: the tool must write that name in it first (altservice)",
                sname.map_or_else(|| "no SPN (it is S4U2self's)".to_owned(), str::to_owned),
                s.name,
                s.spn
            )
        });
        return Err(KeyError::OtherService);
    }
    trail.note(RuleId::ATK_13, || {
        format!(
            "the tool presents the ticket for {} to {}, which decrypts it with {}'s key",
            dir.qualified(ticket.client),
            s.name,
            dir.qualified(s.account)
        )
    });
    Ok(hop::present_ticket(
        dir, readings, holder, service, ticket, trail,
    ))
}

/// The tool writes `spn` as the service name of the ticket it holds (ATK-14): allowed when
/// `spn` is another SPN of the ticket's account (or a host alias of one, AD-14), whose
/// services decrypt it with the same key; refused for another account's.
pub fn altservice(
    dir: &Directory,
    holder: &Holder,
    spn: &str,
    trail: &mut Trail,
) -> Result<Holder, KeyError> {
    key_holder(holder, trail)?;
    let Some(server) = holder.evidence.as_ref().and_then(|t| t.server) else {
        trail.note(RuleId::ATK_14, || {
            "the tool holds no service ticket to rename".to_owned()
        });
        return Err(KeyError::NoTicket);
    };
    let found = dir.resolve_spn(spn);
    if let Some((account, SpnMatch::HostAlias)) = found {
        trail.note(RuleId::AD_14, || {
            format!(
                "no account holds {spn}; its service class is an alias of host (sPNMappings), so it names {}'s HOST SPN",
                dir.qualified(account)
            )
        });
    }
    if found.map(|(a, _)| a) != Some(server) {
        trail.note(RuleId::ATK_14, || {
            format!(
                "the ticket is encrypted with {}'s key, and {spn} {}: a service there could not decrypt it",
                dir.qualified(server),
                found.map_or_else(
                    || "is no account's SPN".to_owned(),
                    |(a, _)| format!("belongs to {}", dir.qualified(a))
                )
            )
        });
        return Err(KeyError::WrongAccount);
    }
    trail.note(RuleId::ATK_14, || {
        format!(
            "the service name is outside the ticket's encrypted part: the tool writes {spn}, another service of {}, which decrypts it with the same key; constrained delegation lists do not separate one account's services",
            dir.qualified(server)
        )
    });
    Ok(Holder {
        credentials: Credentials::Key {
            sname: Some(Arc::from(spn)),
        },
        ..holder.clone()
    })
}
