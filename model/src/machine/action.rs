//! Actions: one API-level call made by one thread. A [`Call`]'s arguments refer to threads,
//! processes, objects and handles through [`Refs`]: by the world's ids ([`Ids`]) in the
//! calls the model runs, or by a script's names in the scenario layer, which decodes each
//! step once when it loads a script and [`Call::resolve`]s it when the step runs.
//! [`CallKind`] is the table of calls, each named by its Win32 name, written once.

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

/// How a [`Call`]'s arguments refer to the things of a world: each associated type is the
/// type of one kind of reference argument.
pub trait Refs {
    /// A handle (NULL included).
    type Handle;
    /// A thread by identity (OpenThread's thread, the thread that serves an RPC or COM call).
    type Thread;
    /// A thread by handle: the caller's pseudo-handle, a thread's own, or an opened one.
    type ThreadRef;
    /// A process by handle.
    type ProcessRef;
    /// A securable object.
    type Object;
    /// An RPC server function's `BindingHandle`.
    type CallRef;
    /// An RPC client binding handle (NULL included).
    type Binding;
    /// An SSPI credentials handle (NULL included).
    type Credentials;
    /// An SSPI context handle (NULL included).
    type Context;
    /// A COM proxy (NULL included).
    type Proxy;
}

/// References by the world's ids: the calls the model runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ids;

impl Refs for Ids {
    type Handle = HandleRef;
    type Thread = ThreadId;
    type ThreadRef = ThreadRef;
    type ProcessRef = ProcessRef;
    type Object = ObjectId;
    type CallRef = CallRef;
    type Binding = BindingRef;
    type Credentials = CredentialsRef;
    type Context = ContextRef;
    type Proxy = ProxyRef;
}

/// Turns each kind of reference of `From` into the same kind of `To` (for a script, its
/// names into the ids of the world the step runs in), or says why one does not resolve.
pub trait Resolve<From: Refs, To: Refs> {
    /// Why a reference does not resolve.
    type Error;
    /// A handle.
    fn handle(&mut self, r: &From::Handle) -> Result<To::Handle, Self::Error>;
    /// A thread by identity.
    fn thread(&mut self, r: &From::Thread) -> Result<To::Thread, Self::Error>;
    /// A thread by handle.
    fn thread_ref(&mut self, r: &From::ThreadRef) -> Result<To::ThreadRef, Self::Error>;
    /// A process by handle.
    fn process_ref(&mut self, r: &From::ProcessRef) -> Result<To::ProcessRef, Self::Error>;
    /// A securable object.
    fn object(&mut self, r: &From::Object) -> Result<To::Object, Self::Error>;
    /// An RPC server function's `BindingHandle`.
    fn call_ref(&mut self, r: &From::CallRef) -> Result<To::CallRef, Self::Error>;
    /// An RPC client binding.
    fn binding(&mut self, r: &From::Binding) -> Result<To::Binding, Self::Error>;
    /// SSPI credentials.
    fn credentials(&mut self, r: &From::Credentials) -> Result<To::Credentials, Self::Error>;
    /// An SSPI context.
    fn context(&mut self, r: &From::Context) -> Result<To::Context, Self::Error>;
    /// A COM proxy.
    fn proxy(&mut self, r: &From::Proxy) -> Result<To::Proxy, Self::Error>;
}

/// Declares [`Call`] and derives from its variants what every call has:
///
/// - [`CallKind`], one kind per variant, [`CallKind::ALL`] in declaration order, and each
///   kind's name, which is the variant's own identifier: a call's Win32 name is written once,
///   as its variant;
/// - [`Call::resolve`], which turns each field whose type is a reference (`R::Handle`,
///   `Option<R::Context>`, ...) into the same field of another [`Refs`] and copies every
///   other field.
macro_rules! calls {
    (
        $(#[$meta:meta])*
        pub enum Call<R: Refs = Ids> {
            $( $(#[$variant_meta:meta])* $variant:ident $({ $($fields:tt)* })? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum Call<R: Refs = Ids> {
            $( $(#[$variant_meta])* $variant $({ $($fields)* })? ),*
        }

        /// Which call, without its arguments: the table of every call a script can make,
        /// each named by its Win32 name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CallKind {
            $( $(#[$variant_meta])* $variant ),*
        }

        impl CallKind {
            /// Every call, in the order [`Call`] declares them.
            pub const ALL: &'static [CallKind] = &[$(CallKind::$variant),*];

            /// The Win32 name of the call.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $(CallKind::$variant => stringify!($variant)),*
                }
            }

            /// The call named `name`, if there is one.
            #[must_use]
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.name() == name)
            }
        }

        impl<R: Refs> Call<R> {
            /// Which call this is.
            #[must_use]
            pub fn kind(&self) -> CallKind {
                match self {
                    $(Call::$variant { .. } => CallKind::$variant),*
                }
            }

            /// The Win32 name of the call.
            #[must_use]
            pub fn name(&self) -> &'static str {
                self.kind().name()
            }

            /// The same call with every reference resolved by `r`: for a loaded script's
            /// step, its names made the ids of the world it runs in. The first reference
            /// that does not resolve stops it.
            pub fn resolve<To: Refs, E>(
                &self,
                r: &mut impl Resolve<R, To, Error = E>,
            ) -> Result<Call<To>, E> {
                Ok(match self {
                    $(
                        fields_pattern!($variant [] [$($($fields)*)?])
                            => fields_resolved!(r, $variant [] [$($($fields)*)?])
                    ),*
                })
            }
        }
    };
}

/// The pattern of one arm of [`Call::resolve`]: the variant with each of its fields bound
/// (a tt-muncher over the fields as declared, `[...]` collecting their names).
macro_rules! fields_pattern {
    ($variant:ident [$($p:ident)*] []) => {
        Call::$variant { $($p),* }
    };
    ($variant:ident [$($p:ident)*] [#[$m:meta] $($fields:tt)*]) => {
        fields_pattern!($variant [$($p)*] [$($fields)*])
    };
    ($variant:ident [$($p:ident)*] [$f:ident : $ty:ty $(, $($fields:tt)*)?]) => {
        fields_pattern!($variant [$($p)* $f] [$($($fields)*)?])
    };
}

/// The value of one arm of [`Call::resolve`]: the variant rebuilt field by field, each
/// reference (`R::Kind`, `Option<R::Kind>`) resolved, any other field copied.
macro_rules! fields_resolved {
    ($r:ident, $variant:ident [$($built:tt)*] []) => {
        Call::$variant { $($built)* }
    };
    ($r:ident, $variant:ident [$($built:tt)*] [#[$m:meta] $($fields:tt)*]) => {
        fields_resolved!($r, $variant [$($built)*] [$($fields)*])
    };
    ($r:ident, $variant:ident [$($built:tt)*] [$f:ident : R :: $kind:ident $(, $($fields:tt)*)?]) => {
        fields_resolved!($r, $variant [$($built)* $f: by_kind!($r, $kind, $f)?,] [$($($fields)*)?])
    };
    (
        $r:ident, $variant:ident [$($built:tt)*]
        [$f:ident : Option<R :: $kind:ident> $(, $($fields:tt)*)?]
    ) => {
        fields_resolved!(
            $r, $variant
            [$($built)* $f: $f.as_ref().map(|x| by_kind!($r, $kind, x)).transpose()?,]
            [$($($fields)*)?]
        )
    };
    ($r:ident, $variant:ident [$($built:tt)*] [$f:ident : $ty:ty $(, $($fields:tt)*)?]) => {
        fields_resolved!($r, $variant [$($built)* $f: Clone::clone($f),] [$($($fields)*)?])
    };
}

/// The [`Resolve`] method for a reference of kind `$kind` (an associated type of [`Refs`]).
macro_rules! by_kind {
    ($r:ident, Handle, $x:expr) => {
        $r.handle($x)
    };
    ($r:ident, Thread, $x:expr) => {
        $r.thread($x)
    };
    ($r:ident, ThreadRef, $x:expr) => {
        $r.thread_ref($x)
    };
    ($r:ident, ProcessRef, $x:expr) => {
        $r.process_ref($x)
    };
    ($r:ident, Object, $x:expr) => {
        $r.object($x)
    };
    ($r:ident, CallRef, $x:expr) => {
        $r.call_ref($x)
    };
    ($r:ident, Binding, $x:expr) => {
        $r.binding($x)
    };
    ($r:ident, Credentials, $x:expr) => {
        $r.credentials($x)
    };
    ($r:ident, Context, $x:expr) => {
        $r.context($x)
    };
    ($r:ident, Proxy, $x:expr) => {
        $r.proxy($x)
    };
}

calls! {
/// One API call. Its arguments refer to the world's threads, processes, objects and handles
/// as `R` says: by id ([`Ids`], what the model runs), or as a loaded script names them (the
/// scenario layer's symbolic references, resolved with [`Call::resolve`] when the step runs).
///
/// Each variant is named after the Win32 function it stands for, and that name is the
/// call's name everywhere (scripts, traces, the adapter): see [`CallKind`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Call<R: Refs = Ids> {
    /// `OpenProcessToken(ProcessHandle, DesiredAccess, &TokenHandle)`.
    OpenProcessToken {
        /// The process.
        process: R::ProcessRef,
        /// The access asked for.
        access: AccessMask,
    },
    /// `OpenThreadToken(ThreadHandle, DesiredAccess, OpenAsSelf, &TokenHandle)`.
    OpenThreadToken {
        /// The thread.
        thread: R::ThreadRef,
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
        token: R::Handle,
        /// The level.
        level: ImpersonationLevel,
    },
    /// `DuplicateTokenEx(hExistingToken, dwDesiredAccess, NULL, ImpersonationLevel, TokenType, &phNewToken)`.
    DuplicateTokenEx {
        /// The source.
        token: R::Handle,
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
        thread: Option<R::ThreadRef>,
        /// The token (`None` written as `null`: stop impersonating).
        token: Option<R::Handle>,
    },
    /// `ImpersonateLoggedOnUser(hToken)`.
    ImpersonateLoggedOnUser {
        /// The token.
        token: R::Handle,
    },
    /// `ImpersonateAnonymousToken(ThreadHandle)`.
    ImpersonateAnonymousToken {
        /// The thread.
        thread: R::ThreadRef,
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
        token: R::Handle,
        /// The class.
        class: InfoClass,
    },
    /// `SetTokenInformation(TokenHandle, TokenIntegrityLevel, ...)`.
    SetTokenInformation {
        /// The token.
        token: R::Handle,
        /// The new level.
        level: IntegrityLevel,
    },
    /// `AdjustTokenPrivileges(TokenHandle, DisableAllPrivileges, NewState, ...)`.
    AdjustTokenPrivileges {
        /// The token.
        token: R::Handle,
        /// `DisableAllPrivileges`.
        disable_all: bool,
        /// `NewState`.
        changes: Vec<(Privilege, PrivilegeChange)>,
    },
    /// `CreateRestrictedToken(ExistingTokenHandle, Flags, SidsToDisable, PrivilegesToDelete, SidsToRestrict, &NewTokenHandle)`.
    CreateRestrictedToken {
        /// The source.
        token: R::Handle,
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
        object: R::Object,
        /// The client token.
        token: R::Handle,
        /// The desired access (unmapped generic bits are an error).
        access: AccessMask,
    },
    /// `PrivilegeCheck(ClientToken, RequiredPrivileges, &pfResult)`.
    PrivilegeCheck {
        /// The token.
        token: R::Handle,
        /// The privileges.
        privileges: Vec<Privilege>,
        /// `PRIVILEGE_SET_ALL_NECESSARY`.
        all_necessary: bool,
    },
    /// `CheckTokenMembership(TokenHandle, SidToCheck, &IsMember)`.
    CheckTokenMembership {
        /// The token (`None`: NULL, the calling thread's effective token).
        token: Option<R::Handle>,
        /// The SID.
        sid: PrincipalId,
    },
    /// Opens a securable object of the scenario with the effective token (CreateFile
    /// OPEN_EXISTING, RegOpenKeyEx, OpenEvent, ... by type).
    OpenObject {
        /// The object.
        object: R::Object,
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
        thread: R::Thread,
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
        token: R::Handle,
        /// The new process's name.
        name: Arc<str>,
    },
    /// `CreateProcessWithTokenW(hToken, ...)`.
    CreateProcessWithTokenW {
        /// The token.
        token: R::Handle,
        /// The new process's name.
        name: Arc<str>,
    },
    /// `NtImpersonateThread(ThreadHandle, ThreadToImpersonate, SecurityQos)`.
    NtImpersonateThread {
        /// The thread that will impersonate (the server).
        thread: R::ThreadRef,
        /// The thread whose identity is taken (the client).
        client: R::ThreadRef,
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
        pipe: R::Handle,
    },
    /// `DisconnectNamedPipe(hNamedPipe)`.
    DisconnectNamedPipe {
        /// The server end.
        pipe: R::Handle,
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
        handle: R::Handle,
    },
    /// `WriteFile(hFile, ...)` of one message.
    WriteFile {
        /// The handle.
        handle: R::Handle,
    },
    /// `ImpersonateNamedPipeClient(hNamedPipe)`.
    ImpersonateNamedPipeClient {
        /// The server end.
        pipe: R::Handle,
    },
    /// `CloseHandle(hObject)`.
    CloseHandle {
        /// The handle.
        handle: R::Handle,
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
        binding: R::Binding,
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
        binding: R::Binding,
        /// The server thread that runs the manager routine.
        server: R::Thread,
    },
    /// The manager routine of the call this thread serves returns.
    RpcReturn,
    /// `RpcImpersonateClient(BindingHandle)`.
    RpcImpersonateClient {
        /// Which call.
        call: R::CallRef,
    },
    /// `RpcRevertToSelf()`.
    RpcRevertToSelf,
    /// `RpcRevertToSelfEx(BindingHandle)`.
    RpcRevertToSelfEx {
        /// Which call.
        call: R::CallRef,
    },
    /// `RpcBindingInqAuthClient(ClientBinding, &Privs, NULL, &AuthnLevel, &AuthnSvc, &AuthzSvc)`.
    RpcBindingInqAuthClient {
        /// Which call.
        call: R::CallRef,
    },
    /// `RpcBindingFree(&Binding)`.
    RpcBindingFree {
        /// The client binding.
        binding: R::Binding,
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
        credentials: R::Credentials,
    },
    /// `InitializeSecurityContext(phCredential, phContext, pszTargetName, fContextReq, ...)`.
    InitializeSecurityContext {
        /// The credentials.
        credentials: R::Credentials,
        /// The context (NULL on the first call).
        context: R::Context,
        /// The server context whose output token is the input (none on the first call).
        input: Option<R::Context>,
        /// `fContextReq` (ISC_REQ_*).
        flags: u32,
    },
    /// `AcceptSecurityContext(phCredential, phContext, pInput, fContextReq, ...)`.
    AcceptSecurityContext {
        /// The credentials.
        credentials: R::Credentials,
        /// The context (NULL on the first call).
        context: R::Context,
        /// The client context whose output token is the input.
        input: R::Context,
        /// `fContextReq` (ASC_REQ_*).
        flags: u32,
    },
    /// `ImpersonateSecurityContext(phContext)`.
    ImpersonateSecurityContext {
        /// The context.
        context: R::Context,
    },
    /// `RevertSecurityContext(phContext)`.
    RevertSecurityContext {
        /// The context.
        context: R::Context,
    },
    /// `QuerySecurityContextToken(phContext, &Token)`.
    QuerySecurityContextToken {
        /// The context.
        context: R::Context,
    },
    /// `DeleteSecurityContext(phContext)`.
    DeleteSecurityContext {
        /// The context.
        context: R::Context,
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
    CoGetObject {
        /// The class.
        class: u32,
    },
    /// `CoSetProxyBlanket(p, dwAuthnSvc, RPC_C_AUTHZ_NONE, NULL, dwAuthnLevel, dwImpLevel, pAuthInfo, dwCapabilities)`.
    CoSetProxyBlanket {
        /// The proxy.
        proxy: R::Proxy,
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
        proxy: R::Proxy,
    },
    /// A call of the object's one method through the proxy, run on `server` until its
    /// `ComReturn` (for a queued component: recorded, and played later).
    ComCall {
        /// The proxy.
        proxy: R::Proxy,
        /// The server thread that runs the method (unused for a queued component).
        server: Option<R::Thread>,
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
}

/// One call made by one thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    /// The calling thread.
    pub caller: ThreadId,
    /// The call.
    pub call: Call,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves every id by 100, to show which fields `resolve` treats as references.
    struct Shift;

    impl Resolve<Ids, Ids> for Shift {
        type Error = ();
        fn handle(&mut self, r: &HandleRef) -> Result<HandleRef, ()> {
            Ok(r.map(|h| HandleId(h.0 + 100)))
        }
        fn thread(&mut self, r: &ThreadId) -> Result<ThreadId, ()> {
            Ok(ThreadId(r.0 + 100))
        }
        fn thread_ref(&mut self, r: &ThreadRef) -> Result<ThreadRef, ()> {
            Ok(match *r {
                ThreadRef::Thread(t) => ThreadRef::Thread(ThreadId(t.0 + 100)),
                other => other,
            })
        }
        fn process_ref(&mut self, r: &ProcessRef) -> Result<ProcessRef, ()> {
            Ok(*r)
        }
        fn object(&mut self, r: &ObjectId) -> Result<ObjectId, ()> {
            Ok(ObjectId(r.0 + 100))
        }
        fn call_ref(&mut self, r: &CallRef) -> Result<CallRef, ()> {
            Ok(*r)
        }
        fn binding(&mut self, r: &BindingRef) -> Result<BindingRef, ()> {
            Ok(*r)
        }
        fn credentials(&mut self, r: &CredentialsRef) -> Result<CredentialsRef, ()> {
            Ok(*r)
        }
        fn context(&mut self, r: &ContextRef) -> Result<ContextRef, ()> {
            Ok(r.map(|c| ContextId(c.0 + 100)))
        }
        fn proxy(&mut self, _: &ProxyRef) -> Result<ProxyRef, ()> {
            Err(())
        }
    }

    #[test]
    fn every_call_is_named_once_by_its_variant() {
        let mut names: Vec<&str> = CallKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.first(), Some(&"OpenProcessToken"));
        assert!(names.contains(&"SetTokenInformation") && names.contains(&"CoGetObject"));
        for kind in CallKind::ALL {
            assert_eq!(CallKind::parse(kind.name()), Some(*kind));
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert_eq!(Call::<Ids>::RevertToSelf.name(), "RevertToSelf");
    }

    #[test]
    fn resolve_maps_the_references_and_copies_the_rest() {
        let call: Call = Call::AccessCheck {
            object: ObjectId(1),
            token: Some(HandleId(2)),
            access: AccessMask(7),
        };
        assert_eq!(
            call.resolve(&mut Shift),
            Ok(Call::AccessCheck {
                object: ObjectId(101),
                token: Some(HandleId(102)),
                access: AccessMask(7),
            })
        );
        let call: Call = Call::SetThreadToken {
            thread: Some(ThreadRef::Thread(ThreadId(3))),
            token: Some(None),
        };
        assert_eq!(
            call.resolve(&mut Shift),
            Ok(Call::SetThreadToken {
                thread: Some(ThreadRef::Thread(ThreadId(103))),
                token: Some(None),
            })
        );
        let call: Call = Call::InitializeSecurityContext {
            credentials: None,
            context: None,
            input: Some(Some(ContextId(4))),
            flags: 9,
        };
        assert_eq!(
            call.resolve(&mut Shift),
            Ok(Call::InitializeSecurityContext {
                credentials: None,
                context: None,
                input: Some(Some(ContextId(104))),
                flags: 9,
            })
        );
        let call: Call = Call::ComCall {
            proxy: None,
            server: Some(ThreadId(5)),
        };
        assert_eq!(call.resolve(&mut Shift), Err(()));
        assert_eq!(
            Call::<Ids>::RevertToSelf.resolve(&mut Shift),
            Ok(Call::RevertToSelf)
        );
    }
}
