//! SSPI on one machine: the security packages and what they advertise, credentials
//! handles, and the client and server contexts of a handshake with the identity the
//! server ends up holding (SSPI-*, SSPA-*). The behaviour lives in `calls::sspi_*`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::capture::{ClientContext, ClientSource};
use crate::machine::ids::{ContextId, CredentialsId, PrincipalId, ProcessId, ThreadId};
use crate::machine::table::{self, Table, TableFull};

/// The security packages the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Package {
    /// `Negotiate`: picks Kerberos or NTLM.
    Negotiate,
    /// `Kerberos`.
    Kerberos,
    /// `NTLM`.
    Ntlm,
    /// `Schannel` (`Microsoft Unified Security Protocol Provider`): TLS.
    Schannel,
}

/// What QuerySecurityPackageInfo reports for a package (SSPA-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackageInfo {
    /// `Name`.
    pub name: &'static str,
    /// `Comment`.
    pub comment: &'static str,
    /// `fCapabilities`.
    pub capabilities: u32,
    /// `wRPCID`.
    pub rpc_id: u16,
    /// `cbMaxToken`.
    pub max_token: u32,
}

impl Package {
    /// Every package.
    pub const ALL: &'static [Package] = &[
        Package::Negotiate,
        Package::Kerberos,
        Package::Ntlm,
        Package::Schannel,
    ];

    /// Finds a package by the name QuerySecurityPackageInfo takes (case-insensitive).
    #[must_use]
    pub fn find(name: &str) -> Option<Package> {
        Package::ALL.iter().copied().find(|p| {
            p.info().name.eq_ignore_ascii_case(name)
                || (*p == Package::Schannel
                    && name.eq_ignore_ascii_case("Microsoft Unified Security Protocol Provider"))
        })
    }

    /// What the package reports (SSPA-2).
    #[must_use]
    pub fn info(self) -> PackageInfo {
        match self {
            Package::Negotiate => PackageInfo {
                name: "Negotiate",
                comment: "Microsoft Package Negotiator",
                capabilities: 0x0008_3BB3,
                rpc_id: 9,
                max_token: 0x2FE0,
            },
            Package::Kerberos => PackageInfo {
                name: "Kerberos",
                comment: "Microsoft Kerberos V1.0",
                capabilities: 0x000F_3BBF,
                rpc_id: 16,
                max_token: 0xBB80,
            },
            Package::Ntlm => PackageInfo {
                name: "NTLM",
                comment: "NTLM Security Package",
                capabilities: 0x0008_2B37,
                rpc_id: 10,
                max_token: 0xB48,
            },
            Package::Schannel => PackageInfo {
                name: "Schannel",
                comment: "Schannel Security Package",
                capabilities: 0x0001_07B3,
                rpc_id: 14,
                max_token: 0x6000,
            },
        }
    }

    /// Whether the package advertises `flag`.
    #[must_use]
    pub fn has(self, flag: u32) -> bool {
        self.info().capabilities & flag != 0
    }
}

impl std::fmt::Display for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info().name)
    }
}

/// A named flag.
pub type FlagName = (u32, &'static str);

/// The names of the bits set in `value`, in table order.
#[must_use]
pub fn flag_names(value: u32, table: &[FlagName]) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(bit, _)| value & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

/// `SECPKG_FLAG_*` (SecPkgInfo.fCapabilities).
pub mod secpkg_flag {
    use super::FlagName;

    /// `SECPKG_FLAG_IMPERSONATION`.
    pub const IMPERSONATION: u32 = 0x100;
    /// `SECPKG_FLAG_MUTUAL_AUTH`.
    pub const MUTUAL_AUTH: u32 = 0x1_0000;
    /// `SECPKG_FLAG_DELEGATION`.
    pub const DELEGATION: u32 = 0x2_0000;

    /// Every flag.
    pub const NAMES: &[FlagName] = &[
        (0x1, "SECPKG_FLAG_INTEGRITY"),
        (0x2, "SECPKG_FLAG_PRIVACY"),
        (0x4, "SECPKG_FLAG_TOKEN_ONLY"),
        (0x8, "SECPKG_FLAG_DATAGRAM"),
        (0x10, "SECPKG_FLAG_CONNECTION"),
        (0x20, "SECPKG_FLAG_MULTI_REQUIRED"),
        (0x40, "SECPKG_FLAG_CLIENT_ONLY"),
        (0x80, "SECPKG_FLAG_EXTENDED_ERROR"),
        (IMPERSONATION, "SECPKG_FLAG_IMPERSONATION"),
        (0x200, "SECPKG_FLAG_ACCEPT_WIN32_NAME"),
        (0x400, "SECPKG_FLAG_STREAM"),
        (0x800, "SECPKG_FLAG_NEGOTIABLE"),
        (0x1000, "SECPKG_FLAG_GSS_COMPATIBLE"),
        (0x2000, "SECPKG_FLAG_LOGON"),
        (0x4000, "SECPKG_FLAG_ASCII_BUFFERS"),
        (0x8000, "SECPKG_FLAG_FRAGMENT"),
        (MUTUAL_AUTH, "SECPKG_FLAG_MUTUAL_AUTH"),
        (DELEGATION, "SECPKG_FLAG_DELEGATION"),
        (0x4_0000, "SECPKG_FLAG_READONLY_WITH_CHECKSUM"),
        (0x8_0000, "SECPKG_FLAG_RESTRICTED_TOKENS"),
        (0x10_0000, "SECPKG_FLAG_NEGO_EXTENDER"),
        (0x20_0000, "SECPKG_FLAG_NEGOTIABLE2"),
    ];
}

/// `ISC_REQ_*` and `ISC_RET_*`.
pub mod isc {
    use super::FlagName;

    /// `ISC_REQ_DELEGATE`.
    pub const DELEGATE: u32 = 0x1;
    /// `ISC_REQ_MUTUAL_AUTH`.
    pub const MUTUAL_AUTH: u32 = 0x2;
    /// `ISC_REQ_PROMPT_FOR_CREDS`.
    pub const PROMPT_FOR_CREDS: u32 = 0x40;
    /// `ISC_REQ_CONNECTION`.
    pub const CONNECTION: u32 = 0x800;
    /// `ISC_REQ_IDENTIFY`.
    pub const IDENTIFY: u32 = 0x2_0000;

    /// The request flags a script may pass.
    pub const REQ_NAMES: &[FlagName] = &[
        (DELEGATE, "ISC_REQ_DELEGATE"),
        (MUTUAL_AUTH, "ISC_REQ_MUTUAL_AUTH"),
        (0x4, "ISC_REQ_REPLAY_DETECT"),
        (0x8, "ISC_REQ_SEQUENCE_DETECT"),
        (0x10, "ISC_REQ_CONFIDENTIALITY"),
        (PROMPT_FOR_CREDS, "ISC_REQ_PROMPT_FOR_CREDS"),
        (0x100, "ISC_REQ_ALLOCATE_MEMORY"),
        (CONNECTION, "ISC_REQ_CONNECTION"),
        (0x1_0000, "ISC_REQ_INTEGRITY"),
        (IDENTIFY, "ISC_REQ_IDENTIFY"),
    ];

    /// The attribute flags the model reports.
    pub const RET_NAMES: &[FlagName] = &[
        (DELEGATE, "ISC_RET_DELEGATE"),
        (MUTUAL_AUTH, "ISC_RET_MUTUAL_AUTH"),
        (0x4, "ISC_RET_REPLAY_DETECT"),
        (0x8, "ISC_RET_SEQUENCE_DETECT"),
        (0x10, "ISC_RET_CONFIDENTIALITY"),
        (0x100, "ISC_RET_ALLOCATED_MEMORY"),
        (CONNECTION, "ISC_RET_CONNECTION"),
        (0x1_0000, "ISC_RET_INTEGRITY"),
        (IDENTIFY, "ISC_RET_IDENTIFY"),
    ];
}

/// `ASC_REQ_*` and `ASC_RET_*` (they differ from ISC's above 0x2000).
pub mod asc {
    use super::FlagName;

    /// `ASC_REQ_DELEGATE`.
    pub const DELEGATE: u32 = 0x1;
    /// `ASC_REQ_MUTUAL_AUTH`.
    pub const MUTUAL_AUTH: u32 = 0x2;
    /// `ASC_REQ_CONNECTION`.
    pub const CONNECTION: u32 = 0x800;
    /// `ASC_RET_IDENTIFY`.
    pub const IDENTIFY: u32 = 0x8_0000;

    /// The request flags a script may pass.
    pub const REQ_NAMES: &[FlagName] = &[
        (DELEGATE, "ASC_REQ_DELEGATE"),
        (MUTUAL_AUTH, "ASC_REQ_MUTUAL_AUTH"),
        (0x4, "ASC_REQ_REPLAY_DETECT"),
        (0x8, "ASC_REQ_SEQUENCE_DETECT"),
        (0x10, "ASC_REQ_CONFIDENTIALITY"),
        (0x100, "ASC_REQ_ALLOCATE_MEMORY"),
        (CONNECTION, "ASC_REQ_CONNECTION"),
        (0x2_0000, "ASC_REQ_INTEGRITY"),
    ];

    /// The attribute flags the model reports.
    pub const RET_NAMES: &[FlagName] = &[
        (DELEGATE, "ASC_RET_DELEGATE"),
        (MUTUAL_AUTH, "ASC_RET_MUTUAL_AUTH"),
        (0x4, "ASC_RET_REPLAY_DETECT"),
        (0x8, "ASC_RET_SEQUENCE_DETECT"),
        (0x10, "ASC_RET_CONFIDENTIALITY"),
        (0x100, "ASC_RET_ALLOCATED_MEMORY"),
        (CONNECTION, "ASC_RET_CONNECTION"),
        (0x2_0000, "ASC_RET_INTEGRITY"),
        (IDENTIFY, "ASC_RET_IDENTIFY"),
    ];
}

/// `fCredentialUse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CredentialUse {
    /// `SECPKG_CRED_INBOUND`: a server's.
    Inbound,
    /// `SECPKG_CRED_OUTBOUND`: a client's.
    Outbound,
    /// `SECPKG_CRED_BOTH`.
    Both,
}

impl CredentialUse {
    /// Whether a client may use these (InitializeSecurityContext).
    #[must_use]
    pub fn outbound(self) -> bool {
        matches!(self, CredentialUse::Outbound | CredentialUse::Both)
    }

    /// Whether a server may use these (AcceptSecurityContext).
    #[must_use]
    pub fn inbound(self) -> bool {
        matches!(self, CredentialUse::Inbound | CredentialUse::Both)
    }
}

/// A certificate a script declares, for Schannel.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Certificate {
    /// Its name in the script.
    pub name: Arc<str>,
    /// The account the server's certificate mapping finds for it, if any.
    pub maps_to: Option<PrincipalId>,
}

/// Whose identity a credentials handle stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Identity {
    /// The caller's own (pAuthData NULL): its effective token when the handle was acquired.
    Caller(ClientSource),
    /// Explicit credentials (a SEC_WINNT_AUTH_IDENTITY): a user name and password,
    /// checked when the server completes the handshake.
    Explicit {
        /// The user, if the name is an account of the machine.
        user: Option<PrincipalId>,
        /// The name as given.
        name: Arc<str>,
        /// The password.
        password: Arc<str>,
    },
    /// A certificate (Schannel).
    Certificate(Option<u32>),
}

/// A credentials handle.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Credentials {
    /// The process that holds it.
    pub process: ProcessId,
    /// The package.
    pub package: Package,
    /// Inbound, outbound or both.
    pub use_: CredentialUse,
    /// Whose identity it stands for.
    pub identity: Identity,
    /// Whether FreeCredentialsHandle released it.
    pub freed: bool,
}

/// Which side of a handshake a context is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// Made by InitializeSecurityContext.
    Client,
    /// Made by AcceptSecurityContext.
    Server,
}

/// One handshake between a client and a server context.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handshake {
    /// The package that runs it (Negotiate resolved).
    pub package: Package,
    /// How many calls it takes, the client's first.
    pub legs: u8,
    /// The next leg (0-based; even legs are the client's).
    pub next: u8,
    /// The client context.
    pub client: ContextId,
    /// The server context, once AcceptSecurityContext made it.
    pub server: Option<ContextId>,
    /// The client's ISC_REQ_* flags.
    pub client_req: u32,
    /// The server's ASC_REQ_* flags.
    pub server_req: u32,
    /// Whether the handshake failed (both contexts are then dead).
    pub failed: bool,
}

/// A security context handle.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Context {
    /// The process that holds it.
    pub process: ProcessId,
    /// Client or server.
    pub side: Side,
    /// The package the caller named.
    pub package: Package,
    /// Its credentials.
    pub credentials: CredentialsId,
    /// The handshake it belongs to (an index into the handshakes).
    pub handshake: u32,
    /// Whether the handshake completed on this side.
    pub complete: bool,
    /// The attribute flags (ISC_RET_* or ASC_RET_*), valid once complete.
    pub attributes: u32,
    /// On a complete server context: the client's identity, if the package produced a
    /// token (Schannel without a mapped certificate does not).
    pub client: Option<ClientContext>,
    /// Whether DeleteSecurityContext released it.
    pub deleted: bool,
    /// The threads impersonating through it.
    pub impersonating: Vec<ThreadId>,
}

/// Everything SSPI on the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SspiState {
    /// Certificates the script declares.
    pub certificates: Vec<Certificate>,
    /// Credentials handles.
    pub credentials: Vec<Credentials>,
    /// Context handles.
    pub contexts: Vec<Context>,
    /// Handshakes.
    pub handshakes: Vec<Handshake>,
}

#[expect(
    clippy::indexing_slicing,
    reason = "credentials, context and handshake ids are minted by these tables and never removed, so they index in bounds"
)]
impl SspiState {
    /// The index of the certificate called `name`, if one is. Certificates are declared by
    /// `Setup::add_certificate`, which refuses one whose index would not fit in 32 bits:
    /// every position converts.
    #[must_use]
    pub fn certificate_named(&self, name: &str) -> Option<u32> {
        self.certificates
            .iter()
            .position(|c| *c.name == *name)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The credentials `id`.
    #[must_use]
    pub fn credentials(&self, id: CredentialsId) -> &Credentials {
        &self.credentials[id.index()]
    }

    /// The credentials `id`, to change.
    pub fn credentials_mut(&mut self, id: CredentialsId) -> &mut Credentials {
        &mut self.credentials[id.index()]
    }

    /// The context `id`.
    #[must_use]
    pub fn context(&self, id: ContextId) -> &Context {
        &self.contexts[id.index()]
    }

    /// The context `id`, to change.
    pub fn context_mut(&mut self, id: ContextId) -> &mut Context {
        &mut self.contexts[id.index()]
    }

    /// Adds a new, unfinished context of `process` on `side` of handshake `handshake`.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn new_context(
        &mut self,
        process: ProcessId,
        side: Side,
        package: Package,
        credentials: CredentialsId,
        handshake: u32,
    ) -> Result<ContextId, TableFull> {
        let context = Context {
            process,
            side,
            package,
            credentials,
            handshake,
            complete: false,
            attributes: 0,
            client: None,
            deleted: false,
            impersonating: Vec::new(),
        };
        table::push(
            &mut self.contexts,
            context,
            Table::SspiContexts,
            ContextId::from_index,
        )
    }

    /// Adds `credentials`.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_credentials(
        &mut self,
        credentials: Credentials,
    ) -> Result<CredentialsId, TableFull> {
        table::push(
            &mut self.credentials,
            credentials,
            Table::SspiCredentials,
            CredentialsId::from_index,
        )
    }

    /// Adds `handshake` and returns its index.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no number left (RES-1).
    pub fn add_handshake(&mut self, handshake: Handshake) -> Result<u32, TableFull> {
        table::push(
            &mut self.handshakes,
            handshake,
            Table::SspiHandshakes,
            table::number,
        )
    }

    /// The index the next handshake will have.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no number left (RES-1).
    pub fn next_handshake(&self) -> Result<u32, TableFull> {
        table::number(self.handshakes.len()).ok_or(TableFull::of_ids(Table::SspiHandshakes))
    }

    /// The handshake `index`.
    #[must_use]
    pub fn handshake(&self, index: u32) -> &Handshake {
        &self.handshakes[index as usize]
    }

    /// The handshake `index`, to change.
    pub fn handshake_mut(&mut self, index: u32) -> &mut Handshake {
        &mut self.handshakes[index as usize]
    }
}
