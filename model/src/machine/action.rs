//! Actions: one API-level call made by one thread, with its arguments resolved to the
//! world's ids. The scenario layer builds these from script steps.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::level::{ImpersonationLevel, IntegrityLevel};
use crate::machine::com::Apartment;
use crate::machine::ids::{
    BindingId, ContextId, CredentialsId, HandleId, ObjectId, PrincipalId, ProcessId, ProxyId,
    ThreadId,
};
use crate::machine::logon_session::LogonType;
use crate::machine::pipe::{PipeAccess, PipeSecurity};
use crate::machine::privilege::Privilege;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::rpc::{Protseq, RpcQos};
use crate::machine::sspi::CredentialUse;

/// A handle argument: `None` is a NULL handle (also what a handle bound by a failed step
/// holds).
pub type HandleRef = Option<HandleId>;

/// An RPC binding-handle argument: `None` is a NULL handle (also what a binding named by
/// a failed step holds).
pub type BindingRef = Option<BindingId>;

/// Which call an RPC server function acts on (its `BindingHandle` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallRef {
    /// 0: the call the calling thread is serving.
    Current,
    /// The server binding handle of the call the named thread is serving.
    ServedBy(ThreadId),
    /// A client binding handle (the wrong kind for a server function).
    Client(BindingRef),
}

/// An SSPI credentials-handle argument: `None` is NULL.
pub type CredentialsRef = Option<CredentialsId>;

/// An SSPI context-handle argument: `None` is NULL.
pub type ContextRef = Option<ContextId>;

/// AcquireCredentialsHandle's `pAuthData`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthData {
    /// NULL: the caller's own identity.
    Current,
    /// A `SEC_WINNT_AUTH_IDENTITY`.
    Explicit {
        /// The user, if the name is an account of the machine.
        user: Option<PrincipalId>,
        /// The name as given.
        name: Arc<str>,
        /// The password.
        password: Arc<str>,
    },
    /// A `SCHANNEL_CRED` with a certificate (an index into the machine's certificates).
    Certificate(u32),
}

/// A COM proxy argument: `None` is NULL.
pub type ProxyRef = Option<ProxyId>;

/// Credentials passed as CoSetProxyBlanket's `pAuthInfo` (a SEC_WINNT_AUTH_IDENTITY).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthIdentity {
    /// The user, if the name is an account of the machine.
    pub user: Option<PrincipalId>,
    /// The name as given.
    pub name: Arc<str>,
    /// The password.
    pub password: Arc<str>,
}

/// CoSetProxyBlanket's `pAuthInfo`: credentials, or (for Schannel) a client certificate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlanketAuth {
    /// A SEC_WINNT_AUTH_IDENTITY.
    Credentials(AuthIdentity),
    /// A client certificate (an index into the machine's certificates).
    Certificate(u32),
}

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
    /// `CreateNamedPipe(\\.\pipe\name, dwOpenMode, PIPE_TYPE_MESSAGE|PIPE_READMODE_MESSAGE|PIPE_NOWAIT, nMaxInstances, ...)`.
    CreateNamedPipe {
        /// The pipe's name.
        name: Arc<str>,
        /// The direction.
        access: PipeAccess,
        /// `FILE_FLAG_FIRST_PIPE_INSTANCE`.
        first_instance: bool,
        /// `nMaxInstances` (255 is PIPE_UNLIMITED_INSTANCES).
        max_instances: i64,
        /// `lpSecurityAttributes`.
        security: PipeSecurity,
    },
    /// `ConnectNamedPipe(hNamedPipe, NULL)` on a nonblocking instance.
    ConnectNamedPipe {
        /// The server end.
        pipe: HandleRef,
    },
    /// `DisconnectNamedPipe(hNamedPipe)`.
    DisconnectNamedPipe {
        /// The server end.
        pipe: HandleRef,
    },
    /// `CreateFile(\\.\pipe\name, dwDesiredAccess, 0, NULL, OPEN_EXISTING, dwFlagsAndAttributes, NULL)`.
    CreateFile {
        /// The pipe's name.
        name: Arc<str>,
        /// The access asked for.
        access: AccessMask,
        /// `dwFlagsAndAttributes`: the SQOS bits.
        flags: u32,
    },
    /// `ReadFile(hFile, ...)` of one message.
    ReadFile {
        /// The handle.
        handle: HandleRef,
    },
    /// `WriteFile(hFile, ...)` of one message.
    WriteFile {
        /// The handle.
        handle: HandleRef,
    },
    /// `ImpersonateNamedPipeClient(hNamedPipe)`.
    ImpersonateNamedPipeClient {
        /// The server end.
        pipe: HandleRef,
    },
    /// `CloseHandle(hObject)`.
    CloseHandle {
        /// The handle.
        handle: HandleRef,
    },
    /// `RpcServerUseProtseqEp(Protseq, RPC_C_LISTEN_MAX_CALLS_DEFAULT, Endpoint, NULL)`.
    RpcServerUseProtseqEp {
        /// The protocol sequence.
        protseq: Protseq,
        /// The endpoint.
        endpoint: Arc<str>,
    },
    /// `RpcServerRegisterAuthInfo(NULL, AuthnSvc, NULL, NULL)`.
    RpcServerRegisterAuthInfo {
        /// The `RPC_C_AUTHN_*` service.
        service: u32,
    },
    /// `RpcBindingFromStringBinding("protseq:[endpoint,Security=...]")`.
    RpcBindingFromStringBinding {
        /// The protocol sequence.
        protseq: Protseq,
        /// The endpoint.
        endpoint: Arc<str>,
        /// The `Security=` option, if the string has one.
        security: Option<Qos>,
    },
    /// `RpcBindingSetAuthInfoEx(Binding, NULL, AuthnLevel, AuthnSvc, NULL, 0, SecurityQos)`.
    RpcBindingSetAuthInfoEx {
        /// The client binding.
        binding: BindingRef,
        /// The `RPC_C_AUTHN_LEVEL_*` level.
        level: u32,
        /// The `RPC_C_AUTHN_*` service.
        service: u32,
        /// The `RPC_SECURITY_QOS`, or NULL.
        qos: Option<RpcQos>,
    },
    /// A call through the binding to the test interface's one method, whose manager
    /// routine runs on `server` until it returns (`RpcReturn`).
    RpcCall {
        /// The client binding.
        binding: BindingRef,
        /// The server thread that runs the manager routine.
        server: ThreadId,
    },
    /// The manager routine of the call this thread serves returns.
    RpcReturn,
    /// `RpcImpersonateClient(BindingHandle)`.
    RpcImpersonateClient {
        /// Which call.
        call: CallRef,
    },
    /// `RpcRevertToSelf()`.
    RpcRevertToSelf,
    /// `RpcRevertToSelfEx(BindingHandle)`.
    RpcRevertToSelfEx {
        /// Which call.
        call: CallRef,
    },
    /// `RpcBindingInqAuthClient(ClientBinding, &Privs, NULL, &AuthnLevel, &AuthnSvc, &AuthzSvc)`.
    RpcBindingInqAuthClient {
        /// Which call.
        call: CallRef,
    },
    /// `RpcBindingFree(&Binding)`.
    RpcBindingFree {
        /// The client binding.
        binding: BindingRef,
    },
    /// `QuerySecurityPackageInfo(pszPackageName, &ppPackageInfo)`.
    QuerySecurityPackageInfo {
        /// The package name.
        package: Arc<str>,
    },
    /// `AcquireCredentialsHandle(NULL, pszPackage, fCredentialUse, NULL, pAuthData, ...)`.
    AcquireCredentialsHandle {
        /// The package name.
        package: Arc<str>,
        /// `fCredentialUse`.
        use_: CredentialUse,
        /// `pAuthData`.
        auth: AuthData,
    },
    /// `FreeCredentialsHandle(phCredential)`.
    FreeCredentialsHandle {
        /// The credentials.
        credentials: CredentialsRef,
    },
    /// `InitializeSecurityContext(phCredential, phContext, pszTargetName, fContextReq, ...)`.
    InitializeSecurityContext {
        /// The credentials.
        credentials: CredentialsRef,
        /// The context (NULL on the first call).
        context: ContextRef,
        /// The server context whose output token is the input (none on the first call).
        input: Option<ContextRef>,
        /// `fContextReq` (ISC_REQ_*).
        flags: u32,
    },
    /// `AcceptSecurityContext(phCredential, phContext, pInput, fContextReq, ...)`.
    AcceptSecurityContext {
        /// The credentials.
        credentials: CredentialsRef,
        /// The context (NULL on the first call).
        context: ContextRef,
        /// The client context whose output token is the input.
        input: ContextRef,
        /// `fContextReq` (ASC_REQ_*).
        flags: u32,
    },
    /// `ImpersonateSecurityContext(phContext)`.
    ImpersonateSecurityContext {
        /// The context.
        context: ContextRef,
    },
    /// `RevertSecurityContext(phContext)`.
    RevertSecurityContext {
        /// The context.
        context: ContextRef,
    },
    /// `QuerySecurityContextToken(phContext, &Token)`.
    QuerySecurityContextToken {
        /// The context.
        context: ContextRef,
    },
    /// `DeleteSecurityContext(phContext)`.
    DeleteSecurityContext {
        /// The context.
        context: ContextRef,
    },
    /// `CoInitializeEx(NULL, dwCoInit)`.
    CoInitializeEx {
        /// The apartment asked for.
        apartment: Apartment,
    },
    /// `CoInitializeSecurity(NULL, -1, NULL, NULL, dwAuthnLevel, dwImpLevel, NULL, dwCapabilities, NULL)`.
    CoInitializeSecurity {
        /// `dwAuthnLevel`.
        authn_level: u32,
        /// `dwImpLevel`.
        imp_level: u32,
        /// `dwCapabilities`.
        capabilities: u32,
    },
    /// `CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, iid, &p)`.
    CoCreateInstance {
        /// The class (an index into the machine's classes).
        class: u32,
    },
    /// `CoGetObject("queue:/new:<class>", ...)`: a queued component's recorder.
    CoGetObjectQueued {
        /// The class.
        class: u32,
    },
    /// `CoSetProxyBlanket(p, dwAuthnSvc, RPC_C_AUTHZ_NONE, NULL, dwAuthnLevel, dwImpLevel, pAuthInfo, dwCapabilities)`.
    CoSetProxyBlanket {
        /// The proxy.
        proxy: ProxyRef,
        /// `dwAuthnSvc`.
        authn_service: u32,
        /// `dwAuthnLevel`.
        authn_level: u32,
        /// `dwImpLevel`.
        imp_level: u32,
        /// `dwCapabilities`.
        capabilities: u32,
        /// `pAuthInfo`.
        auth_info: Option<BlanketAuth>,
    },
    /// `CoQueryProxyBlanket(p, ...)`.
    CoQueryProxyBlanket {
        /// The proxy.
        proxy: ProxyRef,
    },
    /// A call of the object's one method through the proxy, run on `server` until its
    /// `ComReturn` (for a queued component: recorded, and played later).
    ComCall {
        /// The proxy.
        proxy: ProxyRef,
        /// The server thread that runs the method (unused for a queued component).
        server: Option<ThreadId>,
    },
    /// The method of the call this thread serves returns.
    ComReturn,
    /// The queued-components player calls the next recorded message's method on this
    /// thread.
    ComPlayQueued,
    /// `CoImpersonateClient()`.
    CoImpersonateClient,
    /// `CoRevertToSelf()`.
    CoRevertToSelf,
    /// `ISecurityCallContext::IsCallerInRole(bstrRole, &pfInRole)`.
    IsCallerInRole {
        /// The role.
        role: Arc<str>,
    },
    /// `ISecurityCallContext::IsSecurityEnabled(&pfIsEnabled)`.
    IsSecurityEnabled,
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
            Call::CreateNamedPipe { .. } => "CreateNamedPipe",
            Call::ConnectNamedPipe { .. } => "ConnectNamedPipe",
            Call::DisconnectNamedPipe { .. } => "DisconnectNamedPipe",
            Call::CreateFile { .. } => "CreateFile",
            Call::ReadFile { .. } => "ReadFile",
            Call::WriteFile { .. } => "WriteFile",
            Call::ImpersonateNamedPipeClient { .. } => "ImpersonateNamedPipeClient",
            Call::CloseHandle { .. } => "CloseHandle",
            Call::RpcServerUseProtseqEp { .. } => "RpcServerUseProtseqEp",
            Call::RpcServerRegisterAuthInfo { .. } => "RpcServerRegisterAuthInfo",
            Call::RpcBindingFromStringBinding { .. } => "RpcBindingFromStringBinding",
            Call::RpcBindingSetAuthInfoEx { .. } => "RpcBindingSetAuthInfoEx",
            Call::RpcCall { .. } => "RpcCall",
            Call::RpcReturn => "RpcReturn",
            Call::RpcImpersonateClient { .. } => "RpcImpersonateClient",
            Call::RpcRevertToSelf => "RpcRevertToSelf",
            Call::RpcRevertToSelfEx { .. } => "RpcRevertToSelfEx",
            Call::RpcBindingInqAuthClient { .. } => "RpcBindingInqAuthClient",
            Call::RpcBindingFree { .. } => "RpcBindingFree",
            Call::QuerySecurityPackageInfo { .. } => "QuerySecurityPackageInfo",
            Call::AcquireCredentialsHandle { .. } => "AcquireCredentialsHandle",
            Call::FreeCredentialsHandle { .. } => "FreeCredentialsHandle",
            Call::InitializeSecurityContext { .. } => "InitializeSecurityContext",
            Call::AcceptSecurityContext { .. } => "AcceptSecurityContext",
            Call::ImpersonateSecurityContext { .. } => "ImpersonateSecurityContext",
            Call::RevertSecurityContext { .. } => "RevertSecurityContext",
            Call::QuerySecurityContextToken { .. } => "QuerySecurityContextToken",
            Call::DeleteSecurityContext { .. } => "DeleteSecurityContext",
            Call::CoInitializeEx { .. } => "CoInitializeEx",
            Call::CoInitializeSecurity { .. } => "CoInitializeSecurity",
            Call::CoCreateInstance { .. } => "CoCreateInstance",
            Call::CoGetObjectQueued { .. } => "CoGetObject",
            Call::CoSetProxyBlanket { .. } => "CoSetProxyBlanket",
            Call::CoQueryProxyBlanket { .. } => "CoQueryProxyBlanket",
            Call::ComCall { .. } => "ComCall",
            Call::ComReturn => "ComReturn",
            Call::ComPlayQueued => "ComPlayQueued",
            Call::CoImpersonateClient => "CoImpersonateClient",
            Call::CoRevertToSelf => "CoRevertToSelf",
            Call::IsCallerInRole { .. } => "IsCallerInRole",
            Call::IsSecurityEnabled => "IsSecurityEnabled",
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
