//! Outcomes: what a call returned (a value, the things it created, or the exact status it
//! failed with) and the decisions that led there.

use std::sync::Arc;

use crate::core::decision::Decision;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use crate::machine::ids::{
    BindingId, ContextId, CredentialsId, HandleId, Luid, ObjectId, ProcessId, ProxyId, ThreadId,
};
use crate::machine::privilege::{Privilege, PrivilegeState};
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::token::{ElevationType, GroupAttrs};

/// `TOKEN_STATISTICS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenStatistics {
    /// `TokenId`.
    pub token_id: Luid,
    /// `AuthenticationId`.
    pub authentication_id: Luid,
    /// `TokenType`.
    pub token_type: TokenType,
    /// `ImpersonationLevel` (the stored level, also for primary tokens: TOK-1).
    pub impersonation_level: ImpersonationLevel,
    /// `GroupCount` (without the user): a `usize`, the type of the token's group list's
    /// length, so that counting the logon SID with them cannot overflow.
    pub group_count: usize,
    /// `PrivilegeCount`.
    pub privilege_count: u32,
    /// `ModifiedId`.
    pub modified_id: Luid,
}

/// What GetTokenInformation returned, keyed by class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenInfo {
    /// `TokenUser`: the user's name.
    User(Arc<str>),
    /// `TokenGroups`: each group's name and attributes (the integrity label included).
    Groups(Vec<(Arc<str>, GroupAttrs)>),
    /// `TokenPrivileges`.
    Privileges(Vec<(Privilege, PrivilegeState)>),
    /// `TokenOwner`.
    Owner(Arc<str>),
    /// `TokenType`.
    Type(TokenType),
    /// `TokenImpersonationLevel`.
    ImpersonationLevel(ImpersonationLevel),
    /// `TokenStatistics`.
    Statistics(TokenStatistics),
    /// `TokenRestrictedSids`.
    RestrictedSids(Vec<Arc<str>>),
    /// `TokenSessionId`.
    SessionId(u32),
    /// `TokenOrigin`.
    Origin(Luid),
    /// `TokenElevationType`.
    ElevationType(ElevationType),
    /// `TokenLinkedToken`: the handle is in [`Success::created`].
    LinkedToken,
    /// `TokenElevation`.
    Elevation(bool),
    /// `TokenHasRestrictions`.
    HasRestrictions(bool),
    /// `TokenIntegrityLevel`.
    IntegrityLevel(IntegrityLevel),
}

/// The output a successful call reports.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// Nothing beyond success (or only a handle).
    #[default]
    None,
    /// GetTokenInformation's answer.
    TokenInfo(TokenInfo),
    /// AccessCheck's `AccessStatus` and `GrantedAccess`.
    AccessCheck {
        /// `AccessStatus`.
        status: bool,
        /// `GrantedAccess`.
        granted: AccessMask,
        /// The type the mask is of (for naming its rights).
        object_type: ObjectType,
    },
    /// PrivilegeCheck's `pfResult`.
    PrivilegeCheck(bool),
    /// CheckTokenMembership's `IsMember`.
    IsMember(bool),
    /// Named outputs of the RPC, SSPI and COM calls, each under its Win32 parameter name
    /// without the Hungarian prefix (`AuthnLevel`, `fCapabilities` as `Capabilities`).
    Record(Vec<(&'static str, Field)>),
}

/// One named output in a [`Value::Record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A constant's name (`RPC_C_AUTHN_WINNT`) or a string (a principal name).
    Text(Arc<str>),
    /// A number.
    Number(u64),
    /// A boolean.
    Flag(bool),
    /// A set of flags, by their constants' names.
    Flags(Vec<&'static str>),
}

/// Something a call created, for the scenario to name with `out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// A handle.
    Handle(HandleId),
    /// A new thread (and the handle to it).
    Thread(ThreadId),
    /// A new process with its first thread.
    Process(ProcessId, ThreadId),
    /// A new securable object and the handle to it.
    Object(ObjectId, HandleId),
    /// An RPC client binding handle.
    Binding(BindingId),
    /// An SSPI credentials handle.
    Credentials(CredentialsId),
    /// An SSPI context handle.
    Context(ContextId),
    /// A COM proxy.
    Proxy(ProxyId),
}

/// A call that succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Success {
    /// What it reported.
    pub value: Value,
    /// What it created.
    pub created: Option<Created>,
    /// A status left in `GetLastError` although the call succeeded
    /// (`ERROR_NOT_ALL_ASSIGNED` from AdjustTokenPrivileges).
    pub last_error: Option<ErrorCode>,
}

impl Success {
    /// Success with nothing to report.
    #[must_use]
    pub fn empty() -> Self {
        Success::default()
    }

    /// Success reporting `value`.
    #[must_use]
    pub fn value(value: Value) -> Self {
        Success {
            value,
            ..Success::default()
        }
    }

    /// Success that created `created`.
    #[must_use]
    pub fn created(created: Created) -> Self {
        Success {
            created: Some(created),
            ..Success::default()
        }
    }
}

/// What a call returned: success, or the status it failed with.
pub type CallResult = Result<Success, ErrorCode>;

/// A call's result and the decisions taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The result.
    pub result: CallResult,
    /// The decisions, in order, each naming its rule.
    pub decisions: Vec<Decision>,
}
