//! A client's identity on the move: who holds whom, where, at what level and with which
//! credentials, and what one authenticated call to a service makes of it: Negotiate's
//! choice, Kerberos tickets and delegation, NTLM, network and cleartext logons, the SMB
//! session, the ncalrpc exception (NET-*, LVL-*, KRB-*, S4U-12).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::directory::{
    AccountId, Directory, LocalAccount, MachineId, Protocol, ServiceId, ServiceLogon,
};
use super::kerberos::{self, KdcError, Ticket};
use crate::core::decision::Trail;
use crate::core::level::ImpersonationLevel;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// What a holder can authenticate onward with, for the identity it presents.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Credentials {
    /// None: a network logon without a delegated TGT (NET-1).
    None,
    /// The identity's password or keys: its own logon, or a cleartext logon (NET-4).
    Password,
    /// A forwarded TGT (KRB-3).
    Tgt(Ticket),
    /// The identity's long-term key (its password, NT hash or AES key), held by a tool
    /// outside any Windows logon, which speaks to the KDC itself (ATK-10): the AS exchange
    /// gives it the account's TGT from any machine that reaches a KDC, and the NT hash
    /// answers NTLM; a cleartext logon (Basic, CredSSP) still needs the password itself.
    Key {
        /// The service name written in the ticket the tool holds ([`Holder::evidence`]),
        /// which its encryption does not protect (ATK-14): the SPN the KDC issued it for, or
        /// the one the tool wrote in its place; `None` for none (an S4U2self ticket names
        /// the account itself).
        sname: Option<Arc<str>>,
    },
}

impl Credentials {
    /// A word for traces.
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Password => "password",
            Credentials::Tgt(_) => "tgt",
            Credentials::Key { .. } => "key",
        }
    }
}

/// What a thread holds: its own logon, or an impersonation at a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Hold {
    /// Its own logon (a primary token).
    Own,
    /// An impersonation token at this level.
    Impersonating(ImpersonationLevel),
}

impl Hold {
    /// Whether the holder may act as the identity on its own machine (LVL-1).
    #[must_use]
    pub fn acts(self) -> bool {
        match self {
            Hold::Own => true,
            Hold::Impersonating(level) => level >= ImpersonationLevel::Impersonation,
        }
    }
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::Own => f.write_str("its own logon"),
            Hold::Impersonating(level) => write!(f, "{level}"),
        }
    }
}

/// Who acts, where: a thread of a process on a machine, presenting an identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Holder {
    /// The machine.
    pub machine: MachineId,
    /// The service whose process this is, or `None` for a user's own session.
    pub service: Option<ServiceId>,
    /// The identity the thread presents; `None` is ANONYMOUS LOGON.
    pub presents: Option<AccountId>,
    /// How it holds that identity.
    pub hold: Hold,
    /// What it can authenticate onward with.
    pub credentials: Credentials,
    /// A service ticket in the presented user's name to this service, usable as S4U2proxy
    /// evidence (S4U-5, S4U-6).
    pub evidence: Option<Ticket>,
    /// How many machine boundaries the presented identity has crossed since it left a logon
    /// of its own (LVL-6).
    pub hops: u8,
    /// Whether the thread's token came from an NTLM network logon (NET-2): the server
    /// authenticated the client by challenge and response, so no ticket came with it.
    pub ntlm: bool,
}

impl Holder {
    /// `user`'s own interactive logon at `machine`, holding its credentials (NET-4).
    #[must_use]
    pub fn logged_on(user: AccountId, machine: MachineId) -> Self {
        Holder {
            machine,
            service: None,
            presents: Some(user),
            hold: Hold::Own,
            credentials: Credentials::Password,
            evidence: None,
            hops: 0,
            ntlm: false,
        }
    }
}

/// The security package a call asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Package {
    /// Negotiate (SPNEGO).
    Negotiate,
    /// Kerberos only.
    Kerberos,
    /// NTLM only.
    Ntlm,
    /// No authentication at all (RPC_C_AUTHN_NONE, a NULL session, anonymous HTTP).
    None,
}

/// One authenticated call a holder makes to a service.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallRequest {
    /// The service called.
    pub service: ServiceId,
    /// The level the caller asks for (LVL-3); `None` takes the layer's default (LVL-2).
    pub level: Option<ImpersonationLevel>,
    /// Mutual authentication.
    pub mutual_auth: bool,
    /// The package.
    pub package: Package,
    /// Whether the caller names the service by its SPN (else by address: NTLM, NET-3).
    pub by_spn: bool,
    /// Whether the call presents the process's own identity (no cloaking) rather than the
    /// identity the thread impersonates (LVL-7).
    pub as_self: bool,
    /// Whether the client honours OK-AS-DELEGATE (Windows does; KRB-4).
    pub honours_ok_as_delegate: bool,
    /// Whether the RPC binding was authenticated when the process started, before it
    /// impersonated anyone (LVL-14).
    pub binding_at_startup: bool,
    /// Whether the binding uses dynamic identity tracking (RPC_C_QOS_IDENTITY_DYNAMIC,
    /// LVL-14).
    pub dynamic_tracking: bool,
    /// Whether an RPC client set RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE, so that a
    /// Delegate request the security provider cannot honour proceeds at Impersonate
    /// instead of failing (RPC-10). Only RPC_SECURITY_QOS has it: a COM proxy blanket's
    /// capabilities do not.
    pub ignore_delegate_failure: bool,
}

/// The level a resolved request asks for.
fn asked(req: &CallRequest) -> ImpersonationLevel {
    req.level.unwrap_or(ImpersonationLevel::Impersonation)
}

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HopError {
    /// The KDC or the Kerberos client refused.
    Kdc(KdcError),
    /// Kerberos was required and cannot be used.
    NoKerberos,
    /// The holder has no credentials the package can use (SEC_E_NO_CREDENTIALS).
    NoCredentials,
    /// The holder holds its client only at Identification (or Anonymous).
    BadImpersonationLevel,
    /// The domain controller refuses NTLM for a Protected Users member.
    LogonDenied,
    /// A local call to a service on another machine, or an ncalrpc call across machines.
    NotLocal,
    /// The server could not impersonate an unauthenticated caller, checked, and refused
    /// (LVL-9), with the status the RPC runtime gave.
    ImpersonationFailed(&'static str),
    /// An SMB server refused a named-pipe open asking for Delegate (NET-5).
    SmbDelegate,
    /// An RPC or DCOM call asked for Delegate, which its security provider cannot honour
    /// (NTLM, or Kerberos without mutual authentication), and did not let it proceed
    /// without (RPC-10).
    DelegateRefused,
}

impl HopError {
    /// The symbol a trace reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            HopError::Kdc(e) => e.symbol(),
            HopError::NoKerberos => "SEC_E_NO_AUTHENTICATING_AUTHORITY",
            HopError::NoCredentials => "SEC_E_NO_CREDENTIALS",
            HopError::BadImpersonationLevel => "ERROR_BAD_IMPERSONATION_LEVEL",
            HopError::LogonDenied => "SEC_E_LOGON_DENIED",
            HopError::NotLocal => "RPC_S_SERVER_UNAVAILABLE",
            HopError::ImpersonationFailed(status) => status,
            HopError::SmbDelegate => "STATUS_BAD_IMPERSONATION_LEVEL",
            HopError::DelegateRefused => "RPC_S_SEC_PKG_ERROR",
        }
    }
}

/// The account a holder's process runs as.
#[must_use]
pub fn process_account(dir: &Directory, holder: &Holder) -> Option<AccountId> {
    match holder.service {
        Some(s) => Some(dir.service(s).account),
        None => holder.presents,
    }
}

/// The name of a holder's presented identity.
#[must_use]
pub fn presented_name(dir: &Directory, presents: Option<AccountId>) -> String {
    presents.map_or_else(|| "ANONYMOUS LOGON".to_owned(), |a| dir.qualified(a))
}

/// A service's own process, holding its account's credentials.
#[must_use]
pub fn own_process(dir: &Directory, service: ServiceId) -> Holder {
    let s = dir.service(service);
    Holder {
        machine: s.machine,
        service: Some(service),
        presents: Some(s.account),
        hold: Hold::Own,
        credentials: Credentials::Password,
        evidence: None,
        hops: 0,
        ntlm: false,
    }
}

/// A server's thread that has just impersonated `user` at `level`, holding `credentials`.
fn arrived_at(
    dir: &Directory,
    service: ServiceId,
    user: AccountId,
    level: ImpersonationLevel,
    credentials: Credentials,
) -> Holder {
    Holder {
        machine: dir.service(service).machine,
        service: Some(service),
        presents: Some(user),
        hold: Hold::Impersonating(level),
        credentials,
        evidence: None,
        hops: 0,
        ntlm: false,
    }
}

/// A server's thread holding nobody: ANONYMOUS LOGON, as a NULL session gives.
fn anonymous_at(dir: &Directory, service: ServiceId) -> Holder {
    Holder {
        machine: dir.service(service).machine,
        service: Some(service),
        presents: None,
        hold: Hold::Impersonating(ImpersonationLevel::Impersonation),
        credentials: Credentials::None,
        evidence: None,
        hops: 0,
        ntlm: false,
    }
}

/// One call from `holder` to `req.service` (NET-1..6, LVL-2..11, LVL-14, KRB-2, KRB-6,
/// S4U-12).
pub fn call(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    req: &CallRequest,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    let local = service.machine == holder.machine;
    let requested = requested_level(dir, req, local, trail);
    let resolved = CallRequest {
        level: Some(provider_level(dir, readings, req, local, requested, trail)),
        ..req.clone()
    };
    let req = &resolved;
    let (presents, hold, credentials) = outbound_identity(dir, holder, req, trail)?;
    if req.package == Package::None
        && let Some(done) = unauthenticated(dir, readings, req, local, trail)
    {
        return done;
    }
    let arrived = if local {
        local_call(dir, readings, req, presents, hold, credentials, trail)
    } else {
        remote_call(dir, readings, holder, req, presents, credentials, trail)?
    };
    Ok(arrive(dir, holder, req, hold, arrived, trail))
}

/// The level the call asks for: the one given, or the layer's default (LVL-2); Anonymous
/// off the machine becomes Identify over RPC (LVL-11).
fn requested_level(
    dir: &Directory,
    req: &CallRequest,
    local: bool,
    trail: &mut Trail,
) -> ImpersonationLevel {
    let service = dir.service(req.service);
    let level = req.level.unwrap_or_else(|| {
        let (level, why) = match service.protocol {
            Protocol::Dcom if service.com_plus => (
                ImpersonationLevel::Impersonation,
                "a COM+ server application's default is Impersonate",
            ),
            Protocol::Dcom => {
                trail.note(RuleId::OQD_12, || {
                    "COM's \"system default\" IDENTIFY is COM's own; RPC and pipes keep Impersonate".to_owned()
                });
                (ImpersonationLevel::Identification, "COM's default impersonation level is IDENTIFY")
            }
            Protocol::Smb => (
                ImpersonationLevel::Impersonation,
                "the SMB client gives Impersonation when the application gives no level",
            ),
            Protocol::Rpc | Protocol::Ncalrpc => (
                ImpersonationLevel::Impersonation,
                "RPC's default impersonation level is Impersonate",
            ),
            Protocol::Http => (
                ImpersonationLevel::Impersonation,
                "an HTTP client's security package asks for Impersonate",
            ),
        };
        trail.note(RuleId::LVL_2, || format!("the call gives no level: {why}"));
        level
    });
    if level == ImpersonationLevel::Anonymous && !local && service.protocol.is_rpc() {
        trail.note(RuleId::LVL_11, || {
            "RPC_C_IMP_LEVEL_ANONYMOUS is honoured only on local IPC: off the machine it becomes IDENTIFY".to_owned()
        });
        return ImpersonationLevel::Identification;
    }
    level
}

/// The level an RPC security provider works with: NTLM except over ncalrpc, and Negotiate
/// and Kerberos everywhere, may treat Anonymous and Identify as Impersonate (RPC-7); whether
/// they do is OQL-6's question. COM's pages say nothing of it, so DCOM keeps the level.
fn provider_level(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    local: bool,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> ImpersonationLevel {
    let protocol = dir.service(req.service).protocol;
    let rpc = matches!(protocol, Protocol::Rpc | Protocol::Ncalrpc);
    if !rpc || req.package == Package::None || level > ImpersonationLevel::Identification {
        return level;
    }
    // Anonymous is honoured on local IPC (LVL-11): the client sends no identity to raise.
    if level == ImpersonationLevel::Anonymous && local {
        return level;
    }
    if req.package == Package::Ntlm && protocol == Protocol::Ncalrpc {
        trail.note(RuleId::RPC_7, || format!("NTLM on ncalrpc honours {level}"));
        return level;
    }
    if readings.alternative(RuleId::OQL_6) {
        trail.note(RuleId::OQL_6, || {
            format!("the provider may raise {level} to Impersonation (RPC-7); under the selected reading (honoured) it keeps {level}")
        });
        return level;
    }
    trail.note(RuleId::RPC_7, || {
        format!("the security provider may treat {level} as Impersonate over RPC")
    });
    trail.note(RuleId::OQL_6, || {
        "whether it does is unsettled; under the selected reading (promoted) the server is granted Impersonation".to_owned()
    });
    ImpersonationLevel::Impersonation
}

/// Whether the SMB redirector asks for delegation itself, whatever the application asked
/// (OQD-4's default reading, redirector-delegates).
fn redirector_delegates(readings: &Readings) -> bool {
    !readings.alternative(RuleId::OQD_4)
}

/// The level a call to another machine asks for on the wire: the level the application
/// asked (or its layer's default, LVL-2, LVL-11), except that an SMB call asks for
/// Delegate when the redirector does so itself (OQD-4).
#[must_use]
pub fn level_on_the_wire(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
) -> ImpersonationLevel {
    if dir.service(req.service).protocol == Protocol::Smb && redirector_delegates(readings) {
        return ImpersonationLevel::Delegation;
    }
    requested_level(dir, req, false, &mut Trail::rule_set())
}

/// A call without authentication (RPC-3, RPC-4, OQL-12, LVL-9, ATK-8): `None` when the
/// transport still carries the caller's identity (ncalrpc, a local pipe).
fn unauthenticated(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    local: bool,
    trail: &mut Trail,
) -> Option<Result<Holder, HopError>> {
    let service = dir.service(req.service);
    if local && matches!(service.protocol, Protocol::Ncalrpc | Protocol::Smb) {
        trail.note(RuleId::RPC_4, || {
            format!(
                "{} is reached over local IPC, which carries the caller's identity without authentication",
                service.name
            )
        });
        return None;
    }
    if !service.protocol.is_rpc() {
        trail.note(RuleId::LVL_1, || {
            format!(
                "the call carries no authentication: {} sees ANONYMOUS LOGON",
                service.name
            )
        });
        return Some(Ok(anonymous_at(dir, req.service)));
    }
    let status = if readings.alternative(RuleId::OQL_12) {
        "RPC_S_CANNOT_SUPPORT"
    } else {
        "RPC_S_NO_CONTEXT_AVAILABLE"
    };
    trail.note(RuleId::RPC_3, || {
        format!(
            "the call reaches {} without RPC authentication: RpcImpersonateClient fails",
            service.name
        )
    });
    trail.note(RuleId::OQL_12, || {
        format!("under the selected reading the status is {status}")
    });
    if service.checks_impersonation {
        trail.note(RuleId::LVL_9, || {
            format!(
                "{} checks that impersonation succeeded and refuses the request",
                service.name
            )
        });
        return Some(Err(HopError::ImpersonationFailed(status)));
    }
    trail.note(RuleId::LVL_9, || {
        format!(
            "{} does not check, and its thread goes on as its own process, {}",
            service.name,
            dir.qualified(service.account)
        )
    });
    trail.note(RuleId::ATK_8, || {
        "the unchecked failure: the request runs with the server's own rights".to_owned()
    });
    Some(Ok(own_process(dir, req.service)))
}

/// What the server makes of an identity that arrived: the level its privileges allow
/// (LVL-8), the Potato pattern (ATK-5), and the boundaries crossed (LVL-6).
fn arrive(
    dir: &Directory,
    from: &Holder,
    req: &CallRequest,
    sent: Hold,
    mut arrived: Holder,
    trail: &mut Trail,
) -> Holder {
    let service = dir.service(req.service);
    let local = service.machine == from.machine;
    let crossed = u8::from(!local);
    let same_identity = arrived.presents.is_some() && arrived.presents == from.presents;
    arrived.hops = match (same_identity, sent) {
        (true, Hold::Impersonating(_)) => from.hops.saturating_add(crossed),
        (true, Hold::Own) | (false, _) if arrived.presents.is_some() => crossed,
        _ => 0,
    };
    let Hold::Impersonating(level) = arrived.hold else {
        return arrived;
    };
    if arrived.presents.is_none() || level < ImpersonationLevel::Impersonation {
        return arrived;
    }
    let machine_account = dir.machine(service.machine).account;
    let machine_identity_locally = local && arrived.presents == machine_account;
    let own = arrived.presents == Some(service.account)
        && !(machine_identity_locally && service.local_account != LocalAccount::System);
    if own {
        trail.note(RuleId::LVL_8, || {
            format!(
                "{} impersonates its own identity, which needs no privilege: the full level",
                service.name
            )
        });
        return arrived;
    }
    if !service.impersonate_privilege {
        trail.note(RuleId::LVL_8, || {
            format!(
                "{} lacks SeImpersonatePrivilege: impersonating {} succeeds, but at Identification",
                service.name,
                presented_name(dir, arrived.presents)
            )
        });
        arrived.hold = Hold::Impersonating(ImpersonationLevel::Identification);
        return arrived;
    }
    trail.note(RuleId::LVL_8, || {
        format!(
            "{} holds SeImpersonatePrivilege, so impersonating {} gives the full level",
            service.name,
            presented_name(dir, arrived.presents)
        )
    });
    if machine_identity_locally {
        trail.note(RuleId::ATK_5, || {
            format!(
                "{} now impersonates {}, the machine's own identity, which a local caller running as LocalSystem presents: SYSTEM",
                service.name,
                presented_name(dir, arrived.presents)
            )
        });
    }
    arrived
}

/// Whose identity the call presents and with what (LVL-1, LVL-7, LVL-14).
fn outbound_identity(
    dir: &Directory,
    holder: &Holder,
    req: &CallRequest,
    trail: &mut Trail,
) -> Result<(Option<AccountId>, Hold, Credentials), HopError> {
    let impersonating = holder.service.is_some() && holder.hold != Hold::Own;
    let mut as_self = req.as_self;
    if req.binding_at_startup && impersonating && !req.as_self {
        if req.dynamic_tracking {
            trail.note(RuleId::LVL_14, || {
                "the binding uses dynamic identity tracking: the call presents the thread's identity now".to_owned()
            });
        } else {
            trail.note(RuleId::LVL_14, || {
                "the binding was authenticated at startup with static identity tracking: it keeps the identity it had then, the process's own".to_owned()
            });
            as_self = true;
        }
    }
    if as_self {
        let own = process_account(dir, holder);
        if req.as_self {
            trail.note(RuleId::LVL_7, || {
                format!(
                    "without cloaking the call presents the process's own identity, {}",
                    presented_name(dir, own)
                )
            });
        }
        return Ok((own, Hold::Own, Credentials::Password));
    }
    if !holder.hold.acts() {
        trail.note(RuleId::LVL_1, || {
            format!(
                "the thread holds {} only at {}, which cannot be used to authenticate anywhere",
                presented_name(dir, holder.presents),
                holder.hold
            )
        });
        return Err(HopError::BadImpersonationLevel);
    }
    if impersonating {
        trail.note(RuleId::LVL_7, || {
            format!(
                "the thread impersonates {}, so the call presents that identity (cloaking, in COM's words)",
                presented_name(dir, holder.presents)
            )
        });
    }
    Ok((holder.presents, holder.hold, holder.credentials.clone()))
}

/// A call to a service on the same machine: local IPC, no network logon; over ncalrpc
/// the server shares the client's logon session and credentials (LVL-5, LVL-10, LVL-11).
fn local_call(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    presents: Option<AccountId>,
    hold: Hold,
    credentials: Credentials,
    trail: &mut Trail,
) -> Holder {
    let service = dir.service(req.service);
    let level = match hold {
        Hold::Own => asked(req),
        Hold::Impersonating(l) => asked(req).min(l),
    };
    if service.protocol == Protocol::Smb {
        trail.note(RuleId::LVL_10, || {
            format!("a local pipe client limits the level with its CreateFile flags: {level}")
        });
    }
    if level == ImpersonationLevel::Anonymous {
        trail.note(RuleId::LVL_11, || {
            format!(
                "Anonymous is honoured on local IPC: {} sees ANONYMOUS LOGON, not {}",
                service.name,
                presented_name(dir, presents)
            )
        });
        return Holder {
            hold: Hold::Impersonating(ImpersonationLevel::Anonymous),
            ..anonymous_at(dir, req.service)
        };
    }
    let same_session = match service.protocol {
        Protocol::Ncalrpc | Protocol::Dcom | Protocol::Smb => true,
        Protocol::Http | Protocol::Rpc => {
            let client_token = !readings.alternative(RuleId::OQM_10);
            trail.note(RuleId::OQM_10, || {
                if client_token {
                    format!("{} authenticates its local client over the loopback: under the selected reading (client-token) it gets a copy of the client's own token", service.name)
                } else {
                    format!("{} authenticates its local client over the loopback: under the selected reading (network-logon) it gets a new network logon, with no reusable credentials", service.name)
                }
            });
            client_token
        }
    };
    let shares = same_session
        && level >= ImpersonationLevel::Impersonation
        && credentials != Credentials::None;
    if shares {
        trail.note(RuleId::LVL_5, || {
            format!(
                "{} is a local server holding {} at {level}: it shares the client's logon session and its credentials, so it may make one network call as the client",
                service.name,
                presented_name(dir, presents)
            )
        });
    } else {
        trail.note(RuleId::LVL_1, || {
            format!("a local call: {} holds the client at {level}", service.name)
        });
    }
    Holder {
        machine: service.machine,
        service: Some(req.service),
        presents,
        hold: Hold::Impersonating(level),
        credentials: if shares {
            credentials
        } else {
            Credentials::None
        },
        evidence: None,
        hops: 0,
        ntlm: false,
    }
}

/// A call to a service on another machine (LVL-5, LVL-6, NET-1..6).
fn remote_call(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    req: &CallRequest,
    presents: Option<AccountId>,
    credentials: Credentials,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    if service.protocol == Protocol::Ncalrpc {
        trail.note(RuleId::LVL_5, || {
            format!(
                "{} is reached over ncalrpc, which does not leave its machine",
                service.name
            )
        });
        return Err(HopError::NotLocal);
    }
    let Some(user) = presents else {
        trail.note(RuleId::NET_1, || {
            "the thread presents ANONYMOUS LOGON: the call goes out as a NULL session".to_owned()
        });
        return Ok(anonymous_at(dir, req.service));
    };
    if hold_is_own_without_credentials(holder, req) {
        trail.note(RuleId::AD_6, || {
            format!(
                "{}'s own logon no longer holds credentials (its Protected Users TGT expired): it must sign in again",
                dir.qualified(user)
            )
        });
        return Err(HopError::NoCredentials);
    }
    let impersonating =
        holder.service.is_some() && holder.hold != Hold::Own && presents == holder.presents;
    if impersonating && !req.as_self {
        match (&credentials, holder.hops) {
            (Credentials::Tgt(_), _) => trail.note(RuleId::LVL_6, || {
                format!(
                    "{} is held at Delegate, with a forwarded TGT: it may cross another machine boundary",
                    dir.qualified(user)
                )
            }),
            (Credentials::None, 1..) => trail.note(RuleId::LVL_6, || {
                format!(
                    "{} has already crossed a machine boundary at Impersonate to reach this server: it goes no further with credentials of its own",
                    dir.qualified(user)
                )
            }),
            (Credentials::Password, 0) => trail.note(RuleId::LVL_6, || {
                format!(
                    "{} has not yet crossed a machine boundary: this call is its one hop",
                    dir.qualified(user)
                )
            }),
            _ => {}
        }
    }
    if service.protocol == Protocol::Smb && asked(req) == ImpersonationLevel::Delegation {
        trail.note(RuleId::NET_5, || {
            "a named-pipe open over SMB asking for Delegate: the server refuses it with STATUS_BAD_IMPERSONATION_LEVEL".to_owned()
        });
        return Err(HopError::SmbDelegate);
    }
    if impersonating
        && !req.as_self
        && credentials == Credentials::Password
        && let Some(front) = holder.service.map(|s| dir.service(s))
    {
        if front.logon != ServiceLogon::Network {
            trail.note(RuleId::NET_4, || {
                format!(
                    "{}'s cleartext logon kept {}'s password: it authenticates onward with it",
                    front.name,
                    dir.qualified(user)
                )
            });
        } else if front.machine == holder.machine {
            trail.note(RuleId::LVL_5, || {
                    format!(
                        "{} reached {} locally and shares its logon session: this network call as the client is the one hop that allows",
                        front.name,
                        dir.qualified(user)
                    )
                });
        }
    }
    if service.logon != ServiceLogon::Network {
        if credentials != Credentials::Password {
            trail.note(RuleId::NET_4, || {
                format!(
                    "{} takes the client's password, which the thread does not hold",
                    service.name
                )
            });
            return without_credentials(dir, readings, req, user, trail);
        }
        return cleartext_call(dir, readings, req, user, trail);
    }
    if kerberos_usable(dir, holder, req, user, &credentials, trail) {
        match kerberos_call(dir, readings, holder, req, user, &credentials, trail) {
            Err(e @ (HopError::Kdc(_) | HopError::NoCredentials))
                if req.package == Package::Negotiate =>
            {
                trail.note(RuleId::NET_3, || {
                    format!(
                        "Kerberos failed ({}), so Negotiate falls back to NTLM",
                        e.symbol()
                    )
                });
            }
            done => return done,
        }
    } else if req.package == Package::Kerberos {
        trail.note(RuleId::NET_3, || {
            "Kerberos was required and cannot be used here".to_owned()
        });
        return Err(HopError::NoKerberos);
    }
    ntlm_call(dir, readings, req, user, &credentials, trail)
}

/// Whether the thread calls with a logon of its own that has lost its credentials (a
/// Protected Users member's expired TGT, AD-6).
fn hold_is_own_without_credentials(holder: &Holder, req: &CallRequest) -> bool {
    holder.hold == Hold::Own && holder.credentials == Credentials::None && !req.as_self
}

/// A call made with nothing to authenticate the client with (NET-1, HOP-3, ATK-7): a NULL
/// session, or a failure, as the selected reading says.
fn without_credentials(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    user: AccountId,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    trail.note(RuleId::NET_1, || {
        format!(
            "the thread holds {} through a logon with no reusable credentials: it cannot present the client to {}",
            dir.qualified(user),
            service.name
        )
    });
    trail.note(RuleId::ATK_7, || {
        "the double hop fails: the client's identity stops at this server".to_owned()
    });
    if readings.alternative(RuleId::HOP_3) {
        trail.note(RuleId::HOP_3, || {
            "under the selected reading (fails) the security package has nothing to authenticate with".to_owned()
        });
        return Err(HopError::NoCredentials);
    }
    trail.note(RuleId::HOP_3, || {
        format!(
            "under the selected reading (anonymous) the call goes out as a NULL session: {} sees ANONYMOUS LOGON",
            service.name
        )
    });
    Ok(anonymous_at(dir, req.service))
}

/// Whether this call can use Kerberos: Negotiate's choice (NET-3).
fn kerberos_usable(
    dir: &Directory,
    holder: &Holder,
    req: &CallRequest,
    user: AccountId,
    credentials: &Credentials,
    trail: &mut Trail,
) -> bool {
    if req.package == Package::Ntlm {
        return false;
    }
    let service = dir.service(req.service);
    let server_domain = dir.machine(service.machine).domain;
    let client_domain = dir.machine(holder.machine).domain;
    let user_domain = dir.account(user).domain;
    let reason = if !req.by_spn {
        Some("the service is named by address, not by SPN")
    } else if server_domain.is_none()
        || (client_domain.is_none() && !matches!(credentials, Credentials::Key { .. }))
    {
        // A tool holding a key reaches the KDC itself, joined or not (ATK-10).
        Some("a machine is not in a domain")
    } else if !dir.kerberos_path(user_domain, dir.account(service.account).domain) {
        Some("no trust joins the client's domain and the service's")
    } else if *credentials == Credentials::None && holder.evidence.is_none() {
        if holder.service.is_some() && holder.hold != Hold::Own {
            trail.note(RuleId::S4U_6, || {
                format!(
                    "{} did not reach this server with Kerberos: without protocol transition there is no ticket in its name to use as evidence",
                    dir.qualified(user)
                )
            });
        }
        Some("the thread has no Kerberos credentials for the client")
    } else {
        None
    };
    match reason {
        None => {
            if client_domain.is_none() {
                trail.note(RuleId::ATK_10, || {
                    format!(
                        "{} is in no domain, but the tool holding {}'s key speaks Kerberos itself: it reaches a KDC of {} for the AS exchange",
                        dir.machine(holder.machine).name,
                        dir.qualified(user),
                        dir.domain(user_domain).name
                    )
                });
            }
            if req.package == Package::Negotiate {
                trail.note(RuleId::NET_3, || "Negotiate picks Kerberos".to_owned());
            }
            true
        }
        Some(why) => {
            trail.note(RuleId::NET_3, || {
                if req.package == Package::Negotiate {
                    format!("Negotiate cannot use Kerberos ({why}), so it falls back to NTLM")
                } else {
                    format!("Kerberos cannot be used: {why}")
                }
            });
            false
        }
    }
}

/// A Kerberos call: the ticket (from a TGT, a forwarded TGT or S4U2proxy), delegation, and
/// the server's network logon (KRB-2..6, S4U-12, NET-1, NET-5, NET-6, LVL-3, LVL-4).
fn kerberos_call(
    dir: &Directory,
    readings: &Readings,
    holder: &Holder,
    req: &CallRequest,
    user: AccountId,
    credentials: &Credentials,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    let spn = service.spn.clone();
    let tgt = match credentials {
        Credentials::Password => Some(kerberos::tgt(dir, readings, user, trail)),
        Credentials::Key { .. } => {
            trail.note(RuleId::ATK_10, || {
                format!(
                    "the tool sends the AS exchange with {}'s key and gets its TGT",
                    dir.qualified(user)
                )
            });
            Some(kerberos::tgt(dir, readings, user, trail))
        }
        Credentials::Tgt(t) => {
            trail.note(RuleId::S4U_12, || {
                "the thread's logon holds the client's forwarded TGT, which the Kerberos package uses first".to_owned()
            });
            trail.note(RuleId::KRB_3, || {
                format!(
                    "with the forwarded TGT the server gets a ticket as {} to {}",
                    dir.qualified(user),
                    service.name
                )
            });
            Some(t.clone())
        }
        Credentials::None => None,
    };
    let ticket = match (&tgt, &holder.evidence) {
        (Some(t), _) => kerberos::service_ticket(dir, t, &spn, trail).map_err(HopError::Kdc)?,
        (None, Some(evidence)) => {
            let front = process_account(dir, holder).unwrap_or(user);
            trail.note(RuleId::S4U_12, || {
                "no TGT for the client: the Kerberos package tries S4U2proxy with the service's evidence".to_owned()
            });
            kerberos::s4u2proxy(dir, readings, front, evidence, &spn, trail)
                .map_err(HopError::Kdc)?
        }
        (None, None) => return Err(HopError::NoCredentials),
    };
    let smb = service.protocol == Protocol::Smb;
    let asks_delegation = if smb {
        let redirector = redirector_delegates(readings);
        trail.note(RuleId::OQD_4, || {
            if redirector {
                "under the selected reading (redirector-delegates) the SMB redirector asks for delegation itself, whatever the application asked".to_owned()
            } else {
                "under the selected reading (never) the SMB redirector does not ask for delegation".to_owned()
            }
        });
        redirector
    } else {
        trail.note(RuleId::LVL_3, || match asked(req) {
            ImpersonationLevel::Delegation => {
                "the requested Delegate goes to the security provider as the delegation flag"
                    .to_owned()
            }
            ImpersonationLevel::Identification | ImpersonationLevel::Anonymous => {
                "the requested Identify goes to the security provider as the identify flag"
                    .to_owned()
            }
            ImpersonationLevel::Impersonation => {
                "the requested Impersonate sets neither the identify nor the delegation flag"
                    .to_owned()
            }
        });
        if asked(req) != ImpersonationLevel::Delegation {
            trail.note(RuleId::KRB_2, || {
                "the client does not ask for delegation: it keeps its TGT".to_owned()
            });
        }
        asked(req) == ImpersonationLevel::Delegation
    };
    let mutual = req.mutual_auth || smb;
    let forwarded = if !asks_delegation {
        None
    } else if !mutual {
        trail.note(RuleId::KRB_6, || {
            "delegation needs mutual authentication, which the client did not ask for".to_owned()
        });
        refuse_undelegable(dir, req, "Kerberos without mutual authentication", trail)?;
        None
    } else {
        delegate(dir, readings, req, tgt.as_ref(), &ticket, trail)
    };
    Ok(kerberos_logon(
        dir, readings, req, user, ticket, forwarded, trail,
    ))
}

/// The server side of a Kerberos call: the network logon `ticket` gives `req.service` of
/// `user`, with the TGT the client forwarded, if any, and the level the server holds it at
/// (NET-1, NET-5, NET-6, KRB-3, KRB-5, LVL-4). Every arrival by ticket goes through it: a
/// Windows client's call, and a tool's presented ticket ([`present_ticket`]).
fn kerberos_logon(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    user: AccountId,
    ticket: Ticket,
    forwarded: Option<Ticket>,
    trail: &mut Trail,
) -> Holder {
    let service = dir.service(req.service);
    let smb = service.protocol == Protocol::Smb;
    if smb && forwarded.is_some() {
        trail.note(RuleId::NET_6, || {
            format!(
                "the SMB session to {}, a server trusted for delegation, carries {}'s TGT whatever the application asked",
                service.name,
                dir.qualified(user)
            )
        });
    }
    let level = if smb {
        smb_level(readings, asked(req), forwarded.is_some(), trail)
    } else if forwarded.is_some() {
        ImpersonationLevel::Delegation
    } else {
        if asked(req) == ImpersonationLevel::Delegation {
            trail.note(RuleId::LVL_4, || {
                "delegation was not given, so the server holds the client at Impersonate".to_owned()
            });
        }
        asked(req).min(ImpersonationLevel::Impersonation)
    };
    let credentials = match forwarded {
        Some(t) => {
            trail.note(RuleId::KRB_3, || {
                format!(
                    "{} holds {}'s forwarded TGT: it can get tickets as the client to any service",
                    service.name,
                    dir.qualified(user)
                )
            });
            Credentials::Tgt(t)
        }
        None => {
            trail.note(RuleId::NET_1, || {
                format!(
                    "{} gets a network logon of {}, which holds no reusable credentials",
                    service.name,
                    dir.qualified(user)
                )
            });
            Credentials::None
        }
    };
    if !matches!(credentials, Credentials::Tgt(_)) {
        trail.note(RuleId::KRB_5, || {
            if ticket.forwardable {
                "the client's service ticket is forwardable: evidence for constrained delegation".to_owned()
            } else {
                format!("{}'s service ticket is not forwardable: no evidence for constrained delegation", dir.qualified(user))
            }
        });
    }
    Holder {
        evidence: Some(ticket),
        ..arrived_at(dir, req.service, user, level, credentials)
    }
}

/// A tool presents `ticket` to `service` (ATK-13): the server's Kerberos network logon of
/// the ticket's client (`kerberos_logon`, as a Kerberos call arrives), then what its
/// privileges make of it (LVL-8, `arrive`). The tool asks for no delegation: it holds no TGT
/// of the client to forward.
/// The caller checks that `service`'s account is the ticket's.
#[must_use]
pub fn present_ticket(
    dir: &Directory,
    readings: &Readings,
    from: &Holder,
    service: ServiceId,
    ticket: Ticket,
    trail: &mut Trail,
) -> Holder {
    let req = CallRequest {
        service,
        level: Some(ImpersonationLevel::Impersonation),
        mutual_auth: true,
        package: Package::Kerberos,
        by_spn: true,
        as_self: false,
        honours_ok_as_delegate: true,
        binding_at_startup: false,
        dynamic_tracking: false,
        ignore_delegate_failure: false,
    };
    let user = ticket.client;
    let arrived = kerberos_logon(dir, readings, &req, user, ticket, None, trail);
    arrive(dir, from, &req, Hold::Own, arrived, trail)
}

/// The level a remote pipe or share open gives the server (OQL-5, NET-6): the level SMB
/// CREATE carries, or the session's, as the selected reading says.
fn smb_level(
    readings: &Readings,
    asked: ImpersonationLevel,
    delegated: bool,
    trail: &mut Trail,
) -> ImpersonationLevel {
    if !readings.alternative(RuleId::OQL_5) {
        let level = if delegated {
            ImpersonationLevel::Delegation
        } else {
            ImpersonationLevel::Impersonation
        };
        trail.note(RuleId::OQL_5, || {
            format!("under the selected reading (ignored) the open's level flags do not count: the server gets {level} from the session")
        });
        trail.note(RuleId::NET_5, || {
            "the SMB server takes the token from the session, not from the open's level".to_owned()
        });
        trail.note(RuleId::NET_6, || {
            format!("the level flags of a remote open are ignored ({asked} was asked)")
        });
        return level;
    }
    let level = asked.min(ImpersonationLevel::Impersonation);
    trail.note(RuleId::OQL_5, || {
        format!("under the selected reading (smb-level) the level travels in SMB CREATE: the server gets {level}")
    });
    level
}

/// Whether a client that asked for delegation with mutual authentication forwards its TGT,
/// and the forwarded TGT if so (KRB-2, KRB-4, OQD-3, LVL-4).
fn delegate(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    tgt: Option<&Ticket>,
    ticket: &Ticket,
    trail: &mut Trail,
) -> Option<Ticket> {
    let Some(tgt) = tgt else {
        trail.note(RuleId::S4U_11, || {
            "the ticket came from S4U2proxy: there is no TGT to forward".to_owned()
        });
        return None;
    };
    let ok_as_delegate = if readings.alternative(RuleId::OQD_3) {
        trail.note(RuleId::OQD_3, || {
            "under the selected reading (tgt) the client looks for OK-AS-DELEGATE on its TGT, which never carries it".to_owned()
        });
        false
    } else {
        trail.note(RuleId::OQD_3, || {
            "under the selected reading (service-ticket) the client looks for OK-AS-DELEGATE on the service ticket".to_owned()
        });
        ticket.ok_as_delegate
    };
    if !ok_as_delegate {
        if req.honours_ok_as_delegate {
            trail.note(RuleId::KRB_2, || {
                "the service ticket lacks OK-AS-DELEGATE (the server is not trusted for delegation): the client keeps its TGT".to_owned()
            });
            return None;
        }
        trail.note(RuleId::KRB_4, || {
            "OK-AS-DELEGATE is advisory, and this client ignores it".to_owned()
        });
    }
    let Some(forwarded) = kerberos::forwarded(tgt) else {
        trail.note(RuleId::KRB_2, || {
            format!(
                "{}'s TGT is not forwardable: nothing to delegate",
                dir.qualified(tgt.client)
            )
        });
        trail.note(RuleId::KRB_1, || {
            "the KDC issues a FORWARDED TGT only from a forwardable one".to_owned()
        });
        return None;
    };
    trail.note(RuleId::KRB_2, || {
        "delegation asked, mutual authentication, OK-AS-DELEGATE, a forwardable TGT: the client forwards its TGT".to_owned()
    });
    trail.note(RuleId::KRB_1, || {
        "the KDC issues a FORWARDED TGT".to_owned()
    });
    Some(forwarded)
}

/// An RPC or DCOM call that asked for Delegate its security provider cannot honour (RPC-10,
/// `why`): the call fails with RPC_S_SEC_PKG_ERROR, unless an RPC client set
/// RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE, when it proceeds without delegation.
/// HTTP and SMB clients go on without delegation.
fn refuse_undelegable(
    dir: &Directory,
    req: &CallRequest,
    why: &str,
    trail: &mut Trail,
) -> Result<(), HopError> {
    let protocol = dir.service(req.service).protocol;
    if asked(req) != ImpersonationLevel::Delegation || !protocol.is_rpc() {
        return Ok(());
    }
    if req.ignore_delegate_failure && protocol != Protocol::Dcom {
        trail.note(RuleId::RPC_10, || {
            format!("{why} cannot delegate; RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE lets the call proceed at Impersonate")
        });
        return Ok(());
    }
    trail.note(RuleId::RPC_10, || {
        format!(
            "Delegate was asked for and {why} cannot delegate: the call fails with RPC_S_SEC_PKG_ERROR{}",
            if protocol == Protocol::Dcom {
                " (DCOM secures its calls with RPC, and a proxy blanket has no flag to ignore the failure)"
            } else {
                ""
            }
        )
    });
    Err(HopError::DelegateRefused)
}

/// An NTLM call (NET-2, AD-6, NET-1).
fn ntlm_call(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    user: AccountId,
    credentials: &Credentials,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    if matches!(credentials, Credentials::Key { .. }) {
        trail.note(RuleId::ATK_10, || {
            format!(
                "the tool answers NTLM's challenge with {}'s NT hash",
                dir.qualified(user)
            )
        });
    } else if *credentials != Credentials::Password {
        trail.note(RuleId::NET_2, || {
            format!(
                "NTLM needs {}'s password, which the thread does not hold",
                dir.qualified(user)
            )
        });
        return without_credentials(dir, readings, req, user, trail);
    }
    if kerberos::is_sensitive(dir, readings, user) && dir.account(user).protected_users {
        kerberos::sensitive(dir, readings, user, trail);
        trail.note(RuleId::AD_6, || {
            format!(
                "domain controllers refuse NTLM for {}, a Protected Users member",
                dir.qualified(user)
            )
        });
        return Err(HopError::LogonDenied);
    }
    let user_domain = dir.account(user).domain;
    let reachable = match dir.machine(service.machine).domain {
        Some(d) => dir.kerberos_path(d, user_domain),
        None => false,
    };
    if !reachable {
        trail.note(RuleId::HOP_4, || {
            format!(
                "{} cannot pass {}'s NTLM logon to a domain controller of {}: no trust joins its domain to that one",
                service.name,
                dir.qualified(user),
                dir.domain(user_domain).name
            )
        });
        return Err(HopError::LogonDenied);
    }
    refuse_undelegable(dir, req, "NTLM", trail)?;
    if asked(req) == ImpersonationLevel::Delegation {
        trail.note(RuleId::NET_2, || {
            "NTLM cannot delegate across machines: the server gets at most Impersonation".to_owned()
        });
        trail.note(RuleId::KRB_2, || {
            "no Kerberos, so no TGT to forward".to_owned()
        });
        trail.note(RuleId::LVL_4, || {
            "Delegate across computers needs Kerberos: the server holds the client at Impersonate".to_owned()
        });
    }
    trail.note(RuleId::NET_1, || {
        format!(
            "{} gets an NTLM network logon of {}, which holds no reusable credentials",
            service.name,
            dir.qualified(user)
        )
    });
    Ok(Holder {
        ntlm: true,
        ..arrived_at(
            dir,
            req.service,
            user,
            asked(req).min(ImpersonationLevel::Impersonation),
            Credentials::None,
        )
    })
}

/// A call to a service that takes the password itself (Basic, CredSSP): a cleartext logon
/// that keeps it (NET-4, AD-6); the caller holds the password.
fn cleartext_call(
    dir: &Directory,
    readings: &Readings,
    req: &CallRequest,
    user: AccountId,
    trail: &mut Trail,
) -> Result<Holder, HopError> {
    let service = dir.service(req.service);
    let account = dir.account(user);
    if service.logon == ServiceLogon::Credssp && kerberos::protected_member(dir, readings, user) {
        trail.note(RuleId::AD_6, || {
            format!(
                "{} is in Protected Users: its host keeps no plaintext credentials for CredSSP to delegate",
                dir.qualified(user)
            )
        });
        trail.note(RuleId::NET_4, || "CredSSP with the signed-in user's credentials does not work for a Protected Users member".to_owned());
        return Err(HopError::LogonDenied);
    }
    if account.protected_users && kerberos::is_sensitive(dir, readings, user) {
        trail.note(RuleId::AD_6, || {
            format!(
                "{} is in Protected Users: {} logs it on by Kerberos only (no NTLM), and its TGT is not forwardable",
                dir.qualified(user),
                service.name
            )
        });
    }
    trail.note(RuleId::NET_4, || {
        format!(
            "{} makes a cleartext logon of {}, which keeps the credentials: it can authenticate onward as the client",
            service.name,
            dir.qualified(user)
        )
    });
    Ok(arrived_at(
        dir,
        req.service,
        user,
        ImpersonationLevel::Impersonation,
        Credentials::Password,
    ))
}
