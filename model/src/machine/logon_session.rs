//! Logon sessions: who logged on, how, through which package, and which credentials the
//! session holds for onward use.

use serde::{Deserialize, Serialize};

use crate::machine::ids::{Luid, PrincipalId};

/// `LOGON32_LOGON_*`, plus the system's own sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LogonType {
    /// The system's own sessions (SYSTEM, LOCAL SERVICE, NETWORK SERVICE, ANONYMOUS).
    System,
    /// `LOGON32_LOGON_INTERACTIVE` (2).
    Interactive,
    /// `LOGON32_LOGON_NETWORK` (3).
    Network,
    /// `LOGON32_LOGON_BATCH` (4).
    Batch,
    /// `LOGON32_LOGON_SERVICE` (5).
    Service,
    /// `LOGON32_LOGON_NETWORK_CLEARTEXT` (8).
    NetworkCleartext,
    /// `LOGON32_LOGON_NEW_CREDENTIALS` (9).
    NewCredentials,
}

impl LogonType {
    /// The logon types `LogonUser` accepts, with their constants and values.
    pub const LOGON_USER_TYPES: &'static [(LogonType, &'static str, i64)] = &[
        (LogonType::Interactive, "LOGON32_LOGON_INTERACTIVE", 2),
        (LogonType::Network, "LOGON32_LOGON_NETWORK", 3),
        (LogonType::Batch, "LOGON32_LOGON_BATCH", 4),
        (LogonType::Service, "LOGON32_LOGON_SERVICE", 5),
        (
            LogonType::NetworkCleartext,
            "LOGON32_LOGON_NETWORK_CLEARTEXT",
            8,
        ),
        (
            LogonType::NewCredentials,
            "LOGON32_LOGON_NEW_CREDENTIALS",
            9,
        ),
    ];

    /// A word for narration.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            LogonType::System => "system",
            LogonType::Interactive => "interactive",
            LogonType::Network => "network",
            LogonType::Batch => "batch",
            LogonType::Service => "service",
            LogonType::NetworkCleartext => "network-cleartext",
            LogonType::NewCredentials => "new-credentials",
        }
    }
}

/// The security package that authenticated the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthPackage {
    /// Negotiate (the default for LogonUser and interactive logons).
    Negotiate,
    /// NTLM.
    Ntlm,
    /// Kerberos.
    Kerberos,
    /// The system's own sessions.
    System,
}

/// The credentials a logon session holds for onward use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Credentials {
    /// The session holds the user's password (or an equivalent reusable secret), so a
    /// process impersonating it can authenticate to other machines (TOK-7).
    pub reusable: bool,
    /// For a new-credentials logon: the identity presented on the network, which differs
    /// from the local identity.
    pub outbound_as: Option<PrincipalId>,
}

/// A logon session.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogonSession {
    /// The session's LUID (`AuthenticationId` of its tokens).
    pub luid: Luid,
    /// Who logged on.
    pub user: PrincipalId,
    /// How.
    pub logon_type: LogonType,
    /// Through which package.
    pub package: AuthPackage,
    /// What it holds for onward use.
    pub credentials: Credentials,
    /// The session's logon SID, if it has one.
    pub logon_sid: Option<PrincipalId>,
}
