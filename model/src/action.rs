//! Actions: one API-level call made by one thread, with its arguments resolved to the
//! world's ids. The scenario layer builds these from script steps.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::access::{AccessMask, ObjectType};
use crate::ids::{HandleId, ObjectId, PrincipalId, ProcessId, ThreadId};
use crate::level::{ImpersonationLevel, IntegrityLevel};
use crate::logon::LogonType;
use crate::privilege::Privilege;

/// A handle argument: `None` is a NULL handle (also what a handle bound by a failed step
/// holds).
pub type HandleRef = Option<HandleId>;

/// How a call names a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ThreadRef {
    /// The calling thread (`GetCurrentThread()`, a pseudo-handle with full access, HND-4).
    Current,
    /// A thread of the scenario, through the full-access handle its creator holds (HND-5).
    Thread(ThreadId),
    /// A handle opened by an earlier step.
    Handle(HandleRef),
}

/// How a call names a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcessRef {
    /// The calling thread's own process (`GetCurrentProcess`).
    Current,
    /// A process of the scenario, through the full-access handle its creator holds (HND-5).
    Process(ProcessId),
}

/// `TOKEN_INFORMATION_CLASS` values the model answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InfoClass {
    /// `TokenUser`.
    TokenUser,
    /// `TokenGroups`.
    TokenGroups,
    /// `TokenPrivileges`.
    TokenPrivileges,
    /// `TokenOwner`.
    TokenOwner,
    /// `TokenType`.
    TokenType,
    /// `TokenImpersonationLevel`.
    TokenImpersonationLevel,
    /// `TokenStatistics`.
    TokenStatistics,
    /// `TokenRestrictedSids`.
    TokenRestrictedSids,
    /// `TokenSessionId`.
    TokenSessionId,
    /// `TokenOrigin`.
    TokenOrigin,
    /// `TokenElevationType`.
    TokenElevationType,
    /// `TokenLinkedToken`.
    TokenLinkedToken,
    /// `TokenElevation`.
    TokenElevation,
    /// `TokenHasRestrictions`.
    TokenHasRestrictions,
    /// `TokenIntegrityLevel`.
    TokenIntegrityLevel,
}

impl InfoClass {
    /// Every class the model answers, with its Win32 name.
    pub const NAMES: &'static [(InfoClass, &'static str)] = &[
        (InfoClass::TokenUser, "TokenUser"),
        (InfoClass::TokenGroups, "TokenGroups"),
        (InfoClass::TokenPrivileges, "TokenPrivileges"),
        (InfoClass::TokenOwner, "TokenOwner"),
        (InfoClass::TokenType, "TokenType"),
        (
            InfoClass::TokenImpersonationLevel,
            "TokenImpersonationLevel",
        ),
        (InfoClass::TokenStatistics, "TokenStatistics"),
        (InfoClass::TokenRestrictedSids, "TokenRestrictedSids"),
        (InfoClass::TokenSessionId, "TokenSessionId"),
        (InfoClass::TokenOrigin, "TokenOrigin"),
        (InfoClass::TokenElevationType, "TokenElevationType"),
        (InfoClass::TokenLinkedToken, "TokenLinkedToken"),
        (InfoClass::TokenElevation, "TokenElevation"),
        (InfoClass::TokenHasRestrictions, "TokenHasRestrictions"),
        (InfoClass::TokenIntegrityLevel, "TokenIntegrityLevel"),
    ];

    /// The Win32 name.
    #[must_use]
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("?", |(_, n)| n)
    }

    /// Parses a Win32 name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| *c)
    }
}

/// What AdjustTokenPrivileges asks of one privilege.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrivilegeChange {
    /// `SE_PRIVILEGE_ENABLED`.
    Enable,
    /// Attributes 0: disable.
    Disable,
    /// `SE_PRIVILEGE_REMOVED`.
    Remove,
}

/// CreateRestrictedToken flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RestrictFlags {
    /// `DISABLE_MAX_PRIVILEGE`.
    pub disable_max_privilege: bool,
    /// `WRITE_RESTRICTED`.
    pub write_restricted: bool,
}

/// A `SECURITY_QUALITY_OF_SERVICE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Qos {
    /// The level granted to the server.
    pub level: ImpersonationLevel,
    /// Dynamic (true) or static tracking.
    pub dynamic: bool,
    /// Whether only enabled groups and privileges pass.
    pub effective_only: bool,
}

/// One API call with resolved arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Call {
    /// `OpenProcessToken(ProcessHandle, DesiredAccess, &TokenHandle)`.
    OpenProcessToken {
        /// The process.
        process: ProcessRef,
        /// The access asked for.
        access: AccessMask,
    },
    /// `OpenThreadToken(ThreadHandle, DesiredAccess, OpenAsSelf, &TokenHandle)`.
    OpenThreadToken {
        /// The thread.
        thread: ThreadRef,
        /// The access asked for.
        access: AccessMask,
        /// Whether to check access as the process.
        open_as_self: bool,
    },
    /// `ImpersonateSelf(ImpersonationLevel)`.
    ImpersonateSelf {
        /// The level.
        level: ImpersonationLevel,
    },
    /// `DuplicateToken(ExistingTokenHandle, ImpersonationLevel, &DuplicateTokenHandle)`.
    DuplicateToken {
        /// The source.
        token: HandleRef,
        /// The level.
        level: ImpersonationLevel,
    },
    /// `DuplicateTokenEx(hExistingToken, dwDesiredAccess, NULL, ImpersonationLevel, TokenType, &phNewToken)`.
    DuplicateTokenEx {
        /// The source.
        token: HandleRef,
        /// The access for the new handle (0 = the source handle's).
        access: AccessMask,
        /// The level.
        level: ImpersonationLevel,
        /// The raw `TOKEN_TYPE` (1 primary, 2 impersonation; anything else is invalid).
        token_type: i64,
    },
    /// `SetThreadToken(Thread, Token)`.
    SetThreadToken {
        /// The thread (`None`: the calling thread).
        thread: Option<ThreadRef>,
        /// The token (`None` written as `null`: stop impersonating).
        token: Option<HandleRef>,
    },
    /// `ImpersonateLoggedOnUser(hToken)`.
    ImpersonateLoggedOnUser {
        /// The token.
        token: HandleRef,
    },
    /// `ImpersonateAnonymousToken(ThreadHandle)`.
    ImpersonateAnonymousToken {
        /// The thread.
        thread: ThreadRef,
    },
    /// `RevertToSelf()`.
    RevertToSelf,
    /// `LogonUserW(user, ".", password, type, LOGON32_PROVIDER_DEFAULT, &token)`.
    LogonUser {
        /// The account.
        user: PrincipalId,
        /// The password given (`None`: NULL).
        password: Option<Arc<str>>,
        /// The logon type.
        logon_type: LogonType,
    },
    /// `GetTokenInformation(TokenHandle, class, ...)`.
    GetTokenInformation {
        /// The token.
        token: HandleRef,
        /// The class.
        class: InfoClass,
    },
    /// `SetTokenInformation(TokenHandle, TokenIntegrityLevel, ...)`.
    SetTokenIntegrityLevel {
        /// The token.
        token: HandleRef,
        /// The new level.
        level: IntegrityLevel,
    },
    /// `AdjustTokenPrivileges(TokenHandle, DisableAllPrivileges, NewState, ...)`.
    AdjustTokenPrivileges {
        /// The token.
        token: HandleRef,
        /// `DisableAllPrivileges`.
        disable_all: bool,
        /// `NewState`.
        changes: Vec<(Privilege, PrivilegeChange)>,
    },
    /// `CreateRestrictedToken(ExistingTokenHandle, Flags, SidsToDisable, PrivilegesToDelete, SidsToRestrict, &NewTokenHandle)`.
    CreateRestrictedToken {
        /// The source.
        token: HandleRef,
        /// The flags.
        flags: RestrictFlags,
        /// `SidsToDisable`.
        disable_sids: Vec<PrincipalId>,
        /// `PrivilegesToDelete`.
        delete_privileges: Vec<Privilege>,
        /// `SidsToRestrict`.
        restrict_sids: Vec<PrincipalId>,
    },
    /// `AccessCheck(object's SD, ClientToken, DesiredAccess, mapping, ...)`.
    AccessCheck {
        /// The object whose descriptor is checked.
        object: ObjectId,
        /// The client token.
        token: HandleRef,
        /// The desired access (unmapped generic bits are an error).
        access: AccessMask,
    },
    /// `PrivilegeCheck(ClientToken, RequiredPrivileges, &pfResult)`.
    PrivilegeCheck {
        /// The token.
        token: HandleRef,
        /// The privileges.
        privileges: Vec<Privilege>,
        /// `PRIVILEGE_SET_ALL_NECESSARY`.
        all_necessary: bool,
    },
    /// `CheckTokenMembership(TokenHandle, SidToCheck, &IsMember)`.
    CheckTokenMembership {
        /// The token (`None`: NULL, the calling thread's effective token).
        token: Option<HandleRef>,
        /// The SID.
        sid: PrincipalId,
    },
    /// Opens a securable object of the scenario with the effective token (CreateFile
    /// OPEN_EXISTING, RegOpenKeyEx, OpenEvent, ... by type).
    OpenObject {
        /// The object.
        object: ObjectId,
        /// The access asked for.
        access: AccessMask,
    },
    /// Creates a new securable object with no explicit security (CreateFile CREATE_NEW,
    /// RegCreateKeyEx, CreateEvent, ... by type).
    CreateObject {
        /// Its name.
        name: Arc<str>,
        /// Its type.
        object_type: ObjectType,
        /// The access asked for on the returned handle.
        access: AccessMask,
    },
    /// `CreateThread(NULL, ...)` in the calling thread's process.
    CreateThread {
        /// The new thread's name.
        name: Arc<str>,
    },
    /// `OpenThread(dwDesiredAccess, FALSE, id)`.
    OpenThread {
        /// The thread.
        thread: ThreadId,
        /// The access asked for.
        access: AccessMask,
    },
    /// `CreateProcess(...)`: the child runs with the caller's process token.
    CreateProcess {
        /// The new process's name (its first thread has the same name).
        name: Arc<str>,
    },
    /// `CreateProcessAsUser(hToken, ...)`.
    CreateProcessAsUser {
        /// The token.
        token: HandleRef,
        /// The new process's name.
        name: Arc<str>,
    },
    /// `CreateProcessWithTokenW(hToken, ...)`.
    CreateProcessWithTokenW {
        /// The token.
        token: HandleRef,
        /// The new process's name.
        name: Arc<str>,
    },
    /// `NtImpersonateThread(ThreadHandle, ThreadToImpersonate, SecurityQos)`.
    NtImpersonateThread {
        /// The thread that will impersonate (the server).
        thread: ThreadRef,
        /// The thread whose identity is taken (the client).
        client: ThreadRef,
        /// The quality of service.
        qos: Qos,
    },
    /// `CloseHandle(hObject)`.
    CloseHandle {
        /// The handle.
        handle: HandleRef,
    },
}

impl Call {
    /// The Win32 name of the call.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Call::OpenProcessToken { .. } => "OpenProcessToken",
            Call::OpenThreadToken { .. } => "OpenThreadToken",
            Call::ImpersonateSelf { .. } => "ImpersonateSelf",
            Call::DuplicateToken { .. } => "DuplicateToken",
            Call::DuplicateTokenEx { .. } => "DuplicateTokenEx",
            Call::SetThreadToken { .. } => "SetThreadToken",
            Call::ImpersonateLoggedOnUser { .. } => "ImpersonateLoggedOnUser",
            Call::ImpersonateAnonymousToken { .. } => "ImpersonateAnonymousToken",
            Call::RevertToSelf => "RevertToSelf",
            Call::LogonUser { .. } => "LogonUser",
            Call::GetTokenInformation { .. } => "GetTokenInformation",
            Call::SetTokenIntegrityLevel { .. } => "SetTokenInformation",
            Call::AdjustTokenPrivileges { .. } => "AdjustTokenPrivileges",
            Call::CreateRestrictedToken { .. } => "CreateRestrictedToken",
            Call::AccessCheck { .. } => "AccessCheck",
            Call::PrivilegeCheck { .. } => "PrivilegeCheck",
            Call::CheckTokenMembership { .. } => "CheckTokenMembership",
            Call::OpenObject { .. } => "OpenObject",
            Call::CreateObject { .. } => "CreateObject",
            Call::CreateThread { .. } => "CreateThread",
            Call::OpenThread { .. } => "OpenThread",
            Call::CreateProcess { .. } => "CreateProcess",
            Call::CreateProcessAsUser { .. } => "CreateProcessAsUser",
            Call::CreateProcessWithTokenW { .. } => "CreateProcessWithTokenW",
            Call::NtImpersonateThread { .. } => "NtImpersonateThread",
            Call::CloseHandle { .. } => "CloseHandle",
        }
    }
}

/// One call made by one thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    /// The calling thread.
    pub caller: ThreadId,
    /// The call.
    pub call: Call,
}
