//! One function per Win32 call. Each takes the decoded arguments, makes exactly one API
//! call with them, and reports what the call returned: success, the status it returned or
//! left in `GetLastError`, and its outputs in the trace's vocabulary. Nothing here decides
//! what a call should do; a call the adapter does not make is skipped with its reason.
//!
//! The last error is cleared before each call, and a successful call reports the error it
//! left, if any (AdjustTokenPrivileges' ERROR_NOT_ALL_ASSIGNED, ConnectNamedPipe's states).

use serde_json::{Map, Value as Json, json};
use tokenhop_model::World;
use tokenhop_model::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use tokenhop_model::machine::action::Qos;
use tokenhop_model::machine::action::{
    Call, HandleRef, InfoClass, PrivilegeChange, ProcessRef, RestrictFlags, ThreadRef,
};
use tokenhop_model::machine::com::Apartment;
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::machine::logon_session::LogonType;
use tokenhop_model::machine::outcome::Value;
use tokenhop_model::machine::pipe::{PipeAccess, PipeSecurity};
use tokenhop_model::machine::privilege::Privilege;
use tokenhop_model::machine::rights::{AccessMask, ObjectType};
use tokenhop_model::machine::token::GroupAttrs;
use tokenhop_sim::trace::value_json;
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, HANDLE, INVALID_HANDLE_VALUE, LUID, SetLastError,
};
use windows_sys::Win32::Security::{
    AccessCheck, AdjustTokenPrivileges, CheckTokenMembership, CreateRestrictedToken,
    DuplicateToken, DuplicateTokenEx, GENERIC_MAPPING, GetTokenInformation,
    ImpersonateAnonymousToken, ImpersonateLoggedOnUser, ImpersonateSelf, LUID_AND_ATTRIBUTES,
    LogonUserW, LookupPrivilegeNameW, LookupPrivilegeValueW, PSID, PrivilegeCheck, RevertToSelf,
    SECURITY_ATTRIBUTES, SID_AND_ATTRIBUTES, SetTokenInformation, TOKEN_MANDATORY_LABEL,
    TokenIntegrityLevel,
};
use windows_sys::Win32::Storage::FileSystem::{CreateFileW, OPEN_EXISTING, ReadFile, WriteFile};
use windows_sys::Win32::System::Com::CoInitializeEx;
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, ImpersonateNamedPipeClient,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentThread, OpenProcessToken, OpenThread, OpenThreadToken,
    SetThreadToken,
};

use super::Shared;
use super::names::{SidBuf, from_wide_ptr, wide};
use super::objects;
use super::processes;
use super::rpc;
use super::sspi;
use crate::host::{Observed, Skip};

/// Performs `call` on the calling thread.
///
/// The match names every call (no wildcard), so the compiler checks that each one is routed
/// to the family whose dispatcher makes it, or is one the adapter does not make.
pub fn perform(world: &World, shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::OpenProcessToken { .. }
        | Call::OpenThreadToken { .. }
        | Call::DuplicateToken { .. }
        | Call::DuplicateTokenEx { .. }
        | Call::LogonUser { .. }
        | Call::GetTokenInformation { .. }
        | Call::SetTokenInformation { .. }
        | Call::AdjustTokenPrivileges { .. }
        | Call::PrivilegeCheck { .. }
        | Call::CreateRestrictedToken { .. }
        | Call::AccessCheck { .. }
        | Call::CheckTokenMembership { .. } => token_call(world, shared, call),
        Call::ImpersonateSelf { .. }
        | Call::SetThreadToken { .. }
        | Call::ImpersonateLoggedOnUser { .. }
        | Call::ImpersonateAnonymousToken { .. }
        | Call::RevertToSelf
        | Call::NtImpersonateThread { .. } => impersonation_call(shared, call),
        Call::OpenObject { .. }
        | Call::CreateObject { .. }
        | Call::OpenThread { .. }
        | Call::CloseHandle { .. } => object_call(world, shared, call),
        Call::CreateNamedPipe { .. }
        | Call::ConnectNamedPipe { .. }
        | Call::DisconnectNamedPipe { .. }
        | Call::CreateFile { .. }
        | Call::ReadFile { .. }
        | Call::WriteFile { .. }
        | Call::ImpersonateNamedPipeClient { .. } => pipe_call(world, shared, call),
        Call::RpcServerUseProtseqEp { .. }
        | Call::RpcServerRegisterAuthInfo { .. }
        | Call::RpcBindingFromStringBinding { .. }
        | Call::RpcBindingSetAuthInfoEx { .. }
        | Call::RpcImpersonateClient { .. }
        | Call::RpcRevertToSelf
        | Call::RpcRevertToSelfEx { .. }
        | Call::RpcBindingInqAuthClient { .. }
        | Call::RpcBindingFree { .. } => rpc_call(shared, call),
        Call::QuerySecurityPackageInfo { .. }
        | Call::AcquireCredentialsHandle { .. }
        | Call::FreeCredentialsHandle { .. }
        | Call::InitializeSecurityContext { .. }
        | Call::AcceptSecurityContext { .. }
        | Call::ImpersonateSecurityContext { .. }
        | Call::RevertSecurityContext { .. }
        | Call::QuerySecurityContextToken { .. }
        | Call::DeleteSecurityContext { .. } => sspi_call(world, shared, call),
        Call::CoInitializeEx { apartment } => co_initialize_ex(*apartment),
        Call::CreateThread { .. }
        | Call::CreateProcess { .. }
        | Call::CreateProcessAsUser { .. }
        | Call::CreateProcessWithTokenW { .. }
        | Call::RpcCall { .. }
        | Call::RpcReturn
        | Call::CoInitializeSecurity { .. }
        | Call::CoCreateInstance { .. }
        | Call::CoGetObject { .. }
        | Call::CoSetProxyBlanket { .. }
        | Call::CoQueryProxyBlanket { .. }
        | Call::ComCall { .. }
        | Call::ComReturn
        | Call::ComPlayQueued
        | Call::CoImpersonateClient
        | Call::CoRevertToSelf
        | Call::IsCallerInRole { .. }
        | Call::IsSecurityEnabled => Err(not_made(call)),
    }
}

/// Why the adapter skips `call`: it does not make calls of its kind. [`perform`] routes the
/// calls it does not make here, and each family's dispatcher answers the same for a call of
/// another family, which [`perform`] never routes to it (a match on [`Call`] cannot be
/// narrowed to one family's variants).
fn not_made(call: &Call) -> Skip {
    Skip(format!(
        "the adapter does not make {} calls yet",
        call.name()
    ))
}

/// The calls on tokens: opening, duplicating, logging on, querying and adjusting them,
/// restricting them, and the checks made with them.
fn token_call(world: &World, shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::OpenProcessToken { process, access } => open_process_token(shared, *process, *access),
        Call::OpenThreadToken {
            thread,
            access,
            open_as_self,
        } => open_thread_token(shared, *thread, *access, *open_as_self),
        Call::DuplicateToken { token, level } => duplicate_token(shared, *token, *level),
        Call::DuplicateTokenEx {
            token,
            access,
            level,
            token_type,
        } => duplicate_token_ex(shared, *token, *access, *level, *token_type),
        Call::LogonUser {
            user,
            password,
            logon_type,
        } => logon_user(world, shared, *user, password.as_deref(), *logon_type),
        Call::GetTokenInformation { token, class } => get_token_information(shared, *token, *class),
        Call::SetTokenInformation { token, level } => {
            set_token_integrity_level(shared, *token, *level)
        }
        Call::AdjustTokenPrivileges {
            token,
            disable_all,
            changes,
        } => adjust_token_privileges(shared, *token, *disable_all, changes),
        Call::PrivilegeCheck {
            token,
            privileges,
            all_necessary,
        } => privilege_check(shared, *token, privileges, *all_necessary),
        Call::CreateRestrictedToken {
            token,
            flags,
            disable_sids,
            delete_privileges,
            restrict_sids,
        } => create_restricted_token(
            world,
            shared,
            *token,
            *flags,
            disable_sids,
            delete_privileges,
            restrict_sids,
        ),
        Call::AccessCheck {
            object,
            token,
            access,
        } => access_check(world, shared, *object, *token, *access),
        Call::CheckTokenMembership { token, sid } => {
            check_token_membership(world, shared, *token, *sid)
        }
        _ => Err(not_made(call)),
    }
}

/// The calls that set or end a thread's impersonation.
fn impersonation_call(shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::ImpersonateSelf { level } => impersonate_self(*level),
        Call::SetThreadToken { thread, token } => set_thread_token(shared, *thread, *token),
        Call::ImpersonateLoggedOnUser { token } => impersonate_logged_on_user(shared, *token),
        Call::ImpersonateAnonymousToken { thread } => impersonate_anonymous_token(shared, *thread),
        Call::RevertToSelf => revert_to_self(),
        Call::NtImpersonateThread {
            thread,
            client,
            qos,
        } => nt_impersonate_thread(shared, *thread, *client, *qos),
        _ => Err(not_made(call)),
    }
}

/// The calls that open, create and close securable objects and threads.
fn object_call(world: &World, shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::OpenObject { object, access } => open_object(shared, *object, *access),
        Call::CreateObject {
            name,
            object_type,
            access,
        } => create_object(world, shared, name, *object_type, *access),
        Call::OpenThread { thread, access } => open_thread(shared, *thread, *access),
        Call::CloseHandle { handle } => close_handle(shared, *handle),
        _ => Err(not_made(call)),
    }
}

/// The calls on named pipes, from both ends.
fn pipe_call(world: &World, shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::CreateNamedPipe {
            name,
            access,
            first_instance,
            max_instances,
            security,
        } => create_named_pipe(
            world,
            shared,
            name,
            *access,
            *first_instance,
            *max_instances,
            security,
        ),
        Call::ConnectNamedPipe { pipe } => connect_named_pipe(shared, *pipe),
        Call::DisconnectNamedPipe { pipe } => disconnect_named_pipe(shared, *pipe),
        Call::CreateFile {
            name,
            access,
            flags,
        } => create_file(shared, name, *access, *flags),
        Call::ReadFile { handle } => read_file(shared, *handle),
        Call::WriteFile { handle } => write_file(shared, *handle),
        Call::ImpersonateNamedPipeClient { pipe } => impersonate_named_pipe_client(shared, *pipe),
        _ => Err(not_made(call)),
    }
}

/// The RPC runtime's calls, on the server's and the client's side.
fn rpc_call(shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::RpcServerUseProtseqEp { protseq, endpoint } => {
            rpc::use_protseq_ep(shared, *protseq, endpoint)
        }
        Call::RpcServerRegisterAuthInfo { service } => Ok(rpc::register_auth_info(*service)),
        Call::RpcBindingFromStringBinding {
            protseq,
            endpoint,
            security,
        } => rpc::from_string_binding(shared, *protseq, endpoint, *security),
        Call::RpcBindingSetAuthInfoEx {
            binding,
            level,
            service,
            qos,
        } => Ok(rpc::set_auth_info_ex(
            shared, *binding, *level, *service, *qos,
        )),
        Call::RpcImpersonateClient { call } => rpc::impersonate_client(shared, *call),
        Call::RpcRevertToSelf => Ok(rpc::revert_to_self()),
        Call::RpcRevertToSelfEx { call } => rpc::revert_to_self_ex(shared, *call),
        Call::RpcBindingInqAuthClient { call } => rpc::inq_auth_client(shared, *call),
        Call::RpcBindingFree { binding } => Ok(rpc::binding_free(shared, *binding)),
        _ => Err(not_made(call)),
    }
}

/// The SSPI calls: packages, credentials, the handshake and the contexts it makes.
fn sspi_call(world: &World, shared: &mut Shared, call: &Call) -> Result<Observed, Skip> {
    match call {
        Call::QuerySecurityPackageInfo { package } => sspi::query_security_package_info(package),
        Call::AcquireCredentialsHandle {
            package,
            use_,
            auth,
        } => sspi::acquire_credentials_handle(world, shared, package, *use_, auth),
        Call::FreeCredentialsHandle { credentials } => {
            sspi::free_credentials_handle(shared, *credentials)
        }
        Call::InitializeSecurityContext {
            credentials,
            context,
            input,
            flags,
        } => sspi::handshake(
            shared,
            sspi::Side::Client,
            *credentials,
            *context,
            *input,
            *flags,
        ),
        Call::AcceptSecurityContext {
            credentials,
            context,
            input,
            flags,
        } => sspi::handshake(
            shared,
            sspi::Side::Server,
            *credentials,
            *context,
            input.map(Some),
            *flags,
        ),
        Call::ImpersonateSecurityContext { context } => {
            sspi::impersonate_security_context(shared, *context)
        }
        Call::RevertSecurityContext { context } => sspi::revert_security_context(shared, *context),
        Call::QuerySecurityContextToken { context } => {
            sspi::query_security_context_token(shared, *context)
        }
        Call::DeleteSecurityContext { context } => sspi::delete_security_context(shared, *context),
        _ => Err(not_made(call)),
    }
}

// ---- what every call shares ------------------------------------------------------------

/// Clears the last error before a call.
pub(super) fn clear() {
    // SAFETY: sets the calling thread's last error.
    unsafe { SetLastError(0) }
}

/// The outcome of a call that returned a BOOL.
pub(super) fn outcome(ok: i32) -> Observed {
    // SAFETY: reads the calling thread's last error.
    let code = unsafe { GetLastError() };
    Observed {
        ok: ok != 0,
        code: if ok != 0 || code != 0 { code } else { 1 },
        value: Json::Null,
        created: None,
        object: None,
        symbol: None,
    }
}

/// The outcome of a call that returned a handle through an out parameter.
fn opened(shared: &mut Shared, ok: i32, handle: HANDLE) -> Result<Observed, Skip> {
    let mut o = outcome(ok);
    if o.ok {
        o.created = Some(keep(shared, handle)?);
    }
    Ok(o)
}

/// Keeps `handle`, which a step opened, under the next number of the script's handles; one
/// that cannot be numbered is closed and the step skipped.
fn keep(shared: &mut Shared, handle: HANDLE) -> Result<u32, Skip> {
    let number = super::dword::next(&shared.handles, "handles").inspect_err(|_| {
        // SAFETY: a handle the step just opened, which nothing else holds.
        unsafe { CloseHandle(handle) };
    })?;
    shared.handles.push(handle as usize);
    Ok(number)
}

fn handle(shared: &Shared, h: HandleRef) -> HANDLE {
    h.and_then(|id| shared.handles.get(id.index()).copied())
        .unwrap_or(0) as HANDLE
}

fn thread_handle(shared: &Shared, t: ThreadRef) -> Result<HANDLE, Skip> {
    match t {
        // SAFETY: returns a pseudo-handle.
        ThreadRef::Current => Ok(unsafe { GetCurrentThread() }),
        ThreadRef::Thread(id) => shared
            .threads
            .get(&id)
            .map(|(h, _)| *h as HANDLE)
            .ok_or_else(|| Skip("the thread is not one the adapter runs".to_owned())),
        ThreadRef::Handle(h) => Ok(handle(shared, h)),
    }
}

fn level(l: ImpersonationLevel) -> i32 {
    l as i32
}

fn privilege_luid(p: Privilege) -> Result<LUID, Skip> {
    let name = wide(p.name());
    let mut luid = LUID {
        LowPart: 0,
        HighPart: 0,
    };
    // SAFETY: a NUL-terminated name and a LUID to fill.
    let ok = unsafe { LookupPrivilegeValueW(std::ptr::null(), name.as_ptr(), &mut luid) };
    if ok == 0 {
        return Err(Skip(format!("this machine does not know {}", p.name())));
    }
    Ok(luid)
}

fn luid_text(luid: LUID) -> String {
    let value = (u64::from(luid.HighPart as u32) << 32) | u64::from(luid.LowPart);
    format!("{value:#x}")
}

// ---- tokens ----------------------------------------------------------------------------

fn open_process_token(
    shared: &mut Shared,
    process: ProcessRef,
    access: AccessMask,
) -> Result<Observed, Skip> {
    match process {
        ProcessRef::Current => {}
        ProcessRef::Process(p) if p.index() == 0 => {}
        ProcessRef::Process(p) => {
            return open_created_process_token(shared, p, access);
        }
    }
    let mut token: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: the adapter's own process and an out handle.
    let ok = unsafe { OpenProcessToken(GetCurrentProcess(), access.0, &mut token) };
    opened(shared, ok, token)
}

/// `OpenProcessToken` on a process a step created, through its creator's handle.
fn open_created_process_token(
    shared: &mut Shared,
    process: ProcessId,
    access: AccessMask,
) -> Result<Observed, Skip> {
    let h = processes::handle(shared, process).ok_or_else(|| {
        Skip(
            "the process is not the adapter's own or one a step created, and the adapter runs one process"
                .to_owned(),
        )
    })?;
    let mut token: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: the creator's full-access handle and an out pointer.
    let ok = unsafe { OpenProcessToken(h, access.0, &mut token) };
    opened(shared, ok, token)
}

fn open_thread_token(
    shared: &mut Shared,
    thread: ThreadRef,
    access: AccessMask,
    open_as_self: bool,
) -> Result<Observed, Skip> {
    let t = thread_handle(shared, thread)?;
    let mut token: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: a thread handle and an out handle.
    let ok = unsafe { OpenThreadToken(t, access.0, i32::from(open_as_self), &mut token) };
    opened(shared, ok, token)
}

fn impersonate_self(l: ImpersonationLevel) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a plain call.
    Ok(outcome(unsafe { ImpersonateSelf(level(l)) }))
}

fn duplicate_token(
    shared: &mut Shared,
    token: HandleRef,
    l: ImpersonationLevel,
) -> Result<Observed, Skip> {
    let mut new: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: a token handle and an out handle.
    let ok = unsafe { DuplicateToken(handle(shared, token), level(l), &mut new) };
    opened(shared, ok, new)
}

fn duplicate_token_ex(
    shared: &mut Shared,
    token: HandleRef,
    access: AccessMask,
    l: ImpersonationLevel,
    token_type: i64,
) -> Result<Observed, Skip> {
    let mut new: HANDLE = std::ptr::null_mut();
    let raw_type = i32::try_from(token_type).map_err(|_| {
        Skip(format!(
            "TokenType {token_type} does not fit the call's TOKEN_TYPE"
        ))
    })?;
    clear();
    // SAFETY: a token handle, no security attributes and an out handle.
    let ok = unsafe {
        DuplicateTokenEx(
            handle(shared, token),
            access.0,
            std::ptr::null(),
            level(l),
            raw_type,
            &mut new,
        )
    };
    opened(shared, ok, new)
}

fn set_thread_token(
    shared: &mut Shared,
    thread: Option<ThreadRef>,
    token: Option<HandleRef>,
) -> Result<Observed, Skip> {
    let t = thread.map(|t| thread_handle(shared, t)).transpose()?;
    let tok = token.map_or(std::ptr::null_mut(), |h| handle(shared, h));
    clear();
    // SAFETY: NULL or a pointer to a thread handle that outlives the call.
    let ok = unsafe {
        match &t {
            Some(h) => SetThreadToken(h, tok),
            None => SetThreadToken(std::ptr::null(), tok),
        }
    };
    Ok(outcome(ok))
}

/// `SE_GROUP_INTEGRITY`, the attribute of a token's integrity label.
const SE_GROUP_INTEGRITY: u32 = 0x20;

/// `SetTokenInformation(hToken, TokenIntegrityLevel, &TOKEN_MANDATORY_LABEL, ...)`.
fn set_token_integrity_level(
    shared: &mut Shared,
    token: HandleRef,
    level: IntegrityLevel,
) -> Result<Observed, Skip> {
    let label = SidBuf::parse(&format!("S-1-16-{}", level.rid()))
        .ok_or_else(|| Skip("this machine does not parse the label's SID".to_owned()))?;
    let info = TOKEN_MANDATORY_LABEL {
        Label: SID_AND_ATTRIBUTES {
            Sid: label.as_psid(),
            Attributes: SE_GROUP_INTEGRITY,
        },
    };
    let size = std::mem::size_of::<TOKEN_MANDATORY_LABEL>() + label.byte_len();
    clear();
    // SAFETY: a label that outlives the call, with the size of the structure and its SID.
    let ok = unsafe {
        SetTokenInformation(
            handle(shared, token),
            TokenIntegrityLevel,
            std::ptr::from_ref(&info).cast(),
            super::dword::count(size, "the label's size")?,
        )
    };
    Ok(outcome(ok))
}

fn impersonate_logged_on_user(shared: &mut Shared, token: HandleRef) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a token handle.
    Ok(outcome(unsafe {
        ImpersonateLoggedOnUser(handle(shared, token))
    }))
}

fn impersonate_anonymous_token(shared: &mut Shared, thread: ThreadRef) -> Result<Observed, Skip> {
    let t = thread_handle(shared, thread)?;
    clear();
    // SAFETY: a thread handle.
    Ok(outcome(unsafe { ImpersonateAnonymousToken(t) }))
}

fn revert_to_self() -> Result<Observed, Skip> {
    clear();
    // SAFETY: a plain call.
    Ok(outcome(unsafe { RevertToSelf() }))
}

fn logon_user(
    world: &World,
    shared: &mut Shared,
    user: PrincipalId,
    password: Option<&str>,
    logon_type: LogonType,
) -> Result<Observed, Skip> {
    let name = world.principals.name(user);
    shared.names.sid_of(world, user)?;
    let password = password.ok_or_else(|| {
        Skip(format!(
            "the script gives no password for `{name}`, and the adapter does not guess one"
        ))
    })?;
    let raw_type = LogonType::LOGON_USER_TYPES
        .iter()
        .find(|(t, _, _)| *t == logon_type)
        .map(|(_, _, v)| *v)
        .ok_or_else(|| Skip(format!("{logon_type:?} is not a LogonUser logon type")))?;
    let (user_w, domain_w, password_w) = (wide(&name), wide("."), wide(password));
    let mut token: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: NUL-terminated strings and an out handle.
    let ok = unsafe {
        LogonUserW(
            user_w.as_ptr(),
            domain_w.as_ptr(),
            password_w.as_ptr(),
            u32::try_from(raw_type).map_err(|_| {
                Skip(format!(
                    "logon type {raw_type} does not fit the call's DWORD"
                ))
            })?,
            0,
            &mut token,
        )
    };
    opened(shared, ok, token)
}

fn get_token_information(
    shared: &mut Shared,
    token: HandleRef,
    class: InfoClass,
) -> Result<Observed, Skip> {
    let raw_class = info_class(class);
    let mut buf = vec![0u64; 1024];
    let mut len = 0u32;
    clear();
    // SAFETY: a buffer of the size passed.
    let ok = unsafe {
        GetTokenInformation(
            handle(shared, token),
            raw_class,
            buf.as_mut_ptr().cast(),
            8 * 1024,
            &mut len,
        )
    };
    let mut o = outcome(ok);
    if o.ok {
        // SAFETY: GetTokenInformation wrote the structure of `class` into buf.
        let (value, linked) = unsafe { render_info(shared, class, buf.as_ptr().cast()) };
        o.value = value;
        if let Some(h) = linked {
            o.created = Some(keep(shared, h)?);
        }
    }
    Ok(o)
}

fn info_class(class: InfoClass) -> i32 {
    match class {
        InfoClass::TokenUser => 1,
        InfoClass::TokenGroups => 2,
        InfoClass::TokenPrivileges => 3,
        InfoClass::TokenOwner => 4,
        InfoClass::TokenType => 8,
        InfoClass::TokenImpersonationLevel => 9,
        InfoClass::TokenStatistics => 10,
        InfoClass::TokenRestrictedSids => 11,
        InfoClass::TokenSessionId => 12,
        InfoClass::TokenOrigin => 17,
        InfoClass::TokenElevationType => 18,
        InfoClass::TokenLinkedToken => 19,
        InfoClass::TokenElevation => 20,
        InfoClass::TokenHasRestrictions => 21,
        InfoClass::TokenIntegrityLevel => 25,
    }
}

/// The trace value of a `GetTokenInformation` answer, keyed by its class, and the handle
/// it returned (TokenLinkedToken).
///
/// # Safety
/// `p` must point to the structure Windows returns for `class`.
unsafe fn render_info(shared: &Shared, class: InfoClass, p: *const u8) -> (Json, Option<HANDLE>) {
    let names = &shared.names;
    // SAFETY: the caller guarantees the layout of each class's structure.
    unsafe {
        let u32_at = |offset: usize| std::ptr::read_unaligned(p.add(offset).cast::<u32>());
        let luid_at = |offset: usize| std::ptr::read_unaligned(p.add(offset).cast::<LUID>());
        let sid_at = |offset: usize| std::ptr::read_unaligned(p.add(offset).cast::<PSID>());
        let groups = || {
            let count = u32_at(0) as usize;
            let first = p.add(8).cast::<SID_AND_ATTRIBUTES>();
            (0..count)
                .map(|i| std::ptr::read_unaligned(first.add(i)))
                .collect::<Vec<_>>()
        };
        let value = match class {
            InfoClass::TokenUser => json!(names.name_of(sid_at(0))),
            InfoClass::TokenOwner => json!(names.name_of(sid_at(0))),
            InfoClass::TokenGroups => Json::Object(
                groups()
                    .iter()
                    .map(|g| {
                        (
                            names.name_of(g.Sid),
                            json!(GroupAttrs(g.Attributes).names()),
                        )
                    })
                    .collect::<Map<_, _>>(),
            ),
            InfoClass::TokenRestrictedSids => json!(
                groups()
                    .iter()
                    .map(|g| names.name_of(g.Sid))
                    .collect::<Vec<_>>()
            ),
            InfoClass::TokenPrivileges => {
                let count = u32_at(0) as usize;
                let first = p.add(4).cast::<LUID_AND_ATTRIBUTES>();
                Json::Object(
                    (0..count)
                        .map(|i| {
                            let la = std::ptr::read_unaligned(first.add(i));
                            (
                                privilege_name(la.Luid),
                                json!(privilege_attrs(la.Attributes)),
                            )
                        })
                        .collect::<Map<_, _>>(),
                )
            }
            InfoClass::TokenType => json!(token_type_name(u32_at(0))),
            InfoClass::TokenImpersonationLevel => json!(level_name(u32_at(0))),
            InfoClass::TokenStatistics => {
                // TOKEN_STATISTICS: TokenId, AuthenticationId (LUIDs), ExpirationTime (8),
                // TokenType, ImpersonationLevel, DynamicCharged, DynamicAvailable,
                // GroupCount, PrivilegeCount (u32s), ModifiedId (LUID).
                json!({
                    "TokenId": luid_text(luid_at(0)),
                    "AuthenticationId": luid_text(luid_at(8)),
                    "TokenType": token_type_name(u32_at(24)),
                    "ImpersonationLevel": level_name(u32_at(28)),
                    "GroupCount": u32_at(40),
                    "PrivilegeCount": u32_at(44),
                    "ModifiedId": luid_text(luid_at(48)),
                })
            }
            InfoClass::TokenSessionId => json!(u32_at(0)),
            InfoClass::TokenOrigin => json!(luid_text(luid_at(0))),
            InfoClass::TokenElevationType => json!(match u32_at(0) {
                1 => "TokenElevationTypeDefault".to_owned(),
                2 => "TokenElevationTypeFull".to_owned(),
                3 => "TokenElevationTypeLimited".to_owned(),
                n => n.to_string(),
            }),
            InfoClass::TokenLinkedToken => {
                let h = std::ptr::read_unaligned(p.cast::<HANDLE>());
                return (Json::Null, Some(h));
            }
            InfoClass::TokenElevation | InfoClass::TokenHasRestrictions => json!(u32_at(0) != 0),
            InfoClass::TokenIntegrityLevel => {
                let text = super::names::sid_text(sid_at(0));
                let level = text
                    .rsplit('-')
                    .next()
                    .and_then(|r| r.parse::<u32>().ok())
                    .and_then(|rid| IntegrityLevel::ALL.iter().find(|l| l.rid() == rid));
                json!(level.map_or(text.clone(), |l| l.win32_name().to_owned()))
            }
        };
        let mut map = Map::new();
        map.insert(class.name().to_owned(), value);
        (Json::Object(map), None)
    }
}

fn token_type_name(raw: u32) -> String {
    TokenType::from_raw(i64::from(raw))
        .map_or_else(|| raw.to_string(), |t| t.win32_name().to_owned())
}

fn level_name(raw: u32) -> String {
    ImpersonationLevel::from_raw(i64::from(raw))
        .map_or_else(|| raw.to_string(), |l| l.win32_name().to_owned())
}

fn privilege_name(luid: LUID) -> String {
    let mut name = vec![0u16; 128];
    let mut len = 128u32;
    // SAFETY: a buffer of the size passed.
    let ok = unsafe { LookupPrivilegeNameW(std::ptr::null(), &luid, name.as_mut_ptr(), &mut len) };
    if ok == 0 {
        return luid_text(luid);
    }
    // SAFETY: the name is NUL-terminated.
    unsafe { from_wide_ptr(name.as_ptr()) }
}

fn privilege_attrs(attrs: u32) -> Vec<&'static str> {
    let mut out = Vec::new();
    if attrs & 0x1 != 0 {
        out.push("SE_PRIVILEGE_ENABLED_BY_DEFAULT");
    }
    if attrs & 0x2 != 0 {
        out.push("SE_PRIVILEGE_ENABLED");
    }
    out
}

fn adjust_token_privileges(
    shared: &mut Shared,
    token: HandleRef,
    disable_all: bool,
    changes: &[(Privilege, PrivilegeChange)],
) -> Result<Observed, Skip> {
    // TOKEN_PRIVILEGES: a count, then LUID_AND_ATTRIBUTES (LowPart, HighPart, Attributes).
    let mut buf: Vec<u32> = vec![super::dword::count(
        changes.len(),
        "the privileges changed",
    )?];
    for (p, change) in changes {
        let luid = privilege_luid(*p)?;
        buf.push(luid.LowPart);
        buf.push(luid.HighPart as u32);
        buf.push(match change {
            PrivilegeChange::Enable => 0x2,
            PrivilegeChange::Disable => 0,
            PrivilegeChange::Remove => 0x4,
        });
    }
    clear();
    // SAFETY: a TOKEN_PRIVILEGES laid out as above; no previous state asked for.
    let ok = unsafe {
        AdjustTokenPrivileges(
            handle(shared, token),
            i32::from(disable_all),
            if disable_all {
                std::ptr::null()
            } else {
                buf.as_ptr().cast()
            },
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    Ok(outcome(ok))
}

fn sids_and_attributes(
    world: &World,
    shared: &Shared,
    ids: &[PrincipalId],
) -> Result<(Vec<SidBuf>, Vec<SID_AND_ATTRIBUTES>), Skip> {
    let sids = ids
        .iter()
        .map(|id| shared.names.sid_of(world, *id))
        .collect::<Result<Vec<_>, _>>()?;
    let entries = sids
        .iter()
        .map(|s| SID_AND_ATTRIBUTES {
            Sid: s.as_psid(),
            Attributes: 0,
        })
        .collect();
    Ok((sids, entries))
}

fn create_restricted_token(
    world: &World,
    shared: &mut Shared,
    token: HandleRef,
    flags: RestrictFlags,
    disable_sids: &[PrincipalId],
    delete_privileges: &[Privilege],
    restrict_sids: &[PrincipalId],
) -> Result<Observed, Skip> {
    let (_disable_keep, disable) = sids_and_attributes(world, shared, disable_sids)?;
    let (_restrict_keep, restrict) = sids_and_attributes(world, shared, restrict_sids)?;
    let delete = delete_privileges
        .iter()
        .map(|p| {
            privilege_luid(*p).map(|luid| LUID_AND_ATTRIBUTES {
                Luid: luid,
                Attributes: 0,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let raw_flags =
        u32::from(flags.disable_max_privilege) | (u32::from(flags.write_restricted) << 3);
    let counts = (
        super::dword::count(disable.len(), "the SIDs disabled")?,
        super::dword::count(delete.len(), "the privileges deleted")?,
        super::dword::count(restrict.len(), "the restricting SIDs")?,
    );
    let mut new: HANDLE = std::ptr::null_mut();
    clear();
    // SAFETY: arrays of the counts passed, whose SIDs outlive the call; an out handle.
    let ok = unsafe {
        CreateRestrictedToken(
            handle(shared, token),
            raw_flags,
            counts.0,
            disable.as_ptr(),
            counts.1,
            delete.as_ptr(),
            counts.2,
            restrict.as_ptr(),
            &mut new,
        )
    };
    opened(shared, ok, new)
}

fn access_check(
    world: &World,
    shared: &mut Shared,
    object: ObjectId,
    token: HandleRef,
    access: AccessMask,
) -> Result<Observed, Skip> {
    let object_type = world.object(object).object_type;
    let placed = objects::placed(shared, object)?;
    let m = object_type.generic_mapping();
    let mapping = GENERIC_MAPPING {
        GenericRead: m.read.0,
        GenericWrite: m.write.0,
        GenericExecute: m.execute.0,
        GenericAll: m.all.0,
    };
    let mut privileges = vec![0u32; 64];
    let mut privileges_len = 256u32;
    let mut granted = 0u32;
    let mut status = 0i32;
    clear();
    // SAFETY: the object's security descriptor, buffers of the sizes passed.
    let ok = unsafe {
        AccessCheck(
            placed.descriptor()?,
            handle(shared, token),
            access.0,
            &mapping,
            privileges.as_mut_ptr().cast(),
            &mut privileges_len,
            &mut granted,
            &mut status,
        )
    };
    let mut o = outcome(ok);
    if o.ok {
        o.value = value_json(&Value::AccessCheck {
            status: status != 0,
            granted: AccessMask(granted),
            object_type,
        });
    }
    Ok(o)
}

fn privilege_check(
    shared: &mut Shared,
    token: HandleRef,
    privileges: &[Privilege],
    all_necessary: bool,
) -> Result<Observed, Skip> {
    // PRIVILEGE_SET: a count, a control word, then LUID_AND_ATTRIBUTES.
    let mut buf: Vec<u32> = vec![
        super::dword::count(privileges.len(), "the privileges checked")?,
        u32::from(all_necessary),
    ];
    for p in privileges {
        let luid = privilege_luid(*p)?;
        buf.extend([luid.LowPart, luid.HighPart as u32, 0]);
    }
    let mut result = 0i32;
    clear();
    // SAFETY: a PRIVILEGE_SET laid out as above.
    let ok = unsafe { PrivilegeCheck(handle(shared, token), buf.as_mut_ptr().cast(), &mut result) };
    let mut o = outcome(ok);
    if o.ok {
        o.value = value_json(&Value::PrivilegeCheck(result != 0));
    }
    Ok(o)
}

fn check_token_membership(
    world: &World,
    shared: &mut Shared,
    token: Option<HandleRef>,
    sid: PrincipalId,
) -> Result<Observed, Skip> {
    let sid = shared.names.sid_of(world, sid)?;
    let tok = token.map_or(std::ptr::null_mut(), |h| handle(shared, h));
    let mut member = 0i32;
    clear();
    // SAFETY: a token handle or NULL, a SID the adapter owns.
    let ok = unsafe { CheckTokenMembership(tok, sid.as_psid(), &mut member) };
    let mut o = outcome(ok);
    if o.ok {
        o.value = value_json(&Value::IsMember(member != 0));
    }
    Ok(o)
}

// ---- objects and threads ---------------------------------------------------------------

fn open_object(
    shared: &mut Shared,
    object: ObjectId,
    access: AccessMask,
) -> Result<Observed, Skip> {
    let placed = objects::placed(shared, object)?.clone();
    clear();
    let h = placed.place.open(access.0);
    let ok = i32::from(!h.is_null() && h != INVALID_HANDLE_VALUE);
    opened(shared, ok, h)
}

fn create_object(
    world: &World,
    shared: &mut Shared,
    name: &str,
    object_type: ObjectType,
    access: AccessMask,
) -> Result<Observed, Skip> {
    let id = ObjectId::from_index(world.objects.len() + shared.objects.len())
        .ok_or_else(|| Skip("the model numbers no more objects".to_owned()))?;
    let place = objects::Place::new(&shared.dir, name, object_type)?;
    clear();
    let h = place.create(access.0);
    let ok = i32::from(!h.is_null() && h != INVALID_HANDLE_VALUE);
    let mut o = opened(shared, ok, h)?;
    if o.ok {
        shared
            .objects
            .insert(id, Ok(objects::Placed::created(place)));
        o.object = Some(id);
    }
    Ok(o)
}

fn open_thread(
    shared: &mut Shared,
    thread: ThreadId,
    access: AccessMask,
) -> Result<Observed, Skip> {
    let (_, id) = *shared
        .threads
        .get(&thread)
        .ok_or_else(|| Skip("the thread is not one the adapter runs".to_owned()))?;
    clear();
    // SAFETY: a thread id of this process.
    let h = unsafe { OpenThread(access.0, 0, id) };
    let ok = i32::from(!h.is_null());
    opened(shared, ok, h)
}

/// `SECURITY_QUALITY_OF_SERVICE`.
#[repr(C)]
struct SecurityQos {
    length: u32,
    level: i32,
    dynamic_tracking: u8,
    effective_only: u8,
}

type NtImpersonateThreadFn = unsafe extern "system" fn(HANDLE, HANDLE, *const SecurityQos) -> i32;
type RtlNtStatusToDosErrorFn = unsafe extern "system" fn(i32) -> u32;

/// An export of ntdll, as GetProcAddress returns it.
type NtProc = unsafe extern "system" fn() -> isize;

fn ntdll(name: &std::ffi::CStr) -> Result<NtProc, Skip> {
    let module = wide("ntdll.dll");
    // SAFETY: ntdll is loaded in every process; the names are NUL-terminated.
    unsafe { GetProcAddress(GetModuleHandleW(module.as_ptr()), name.as_ptr().cast()) }
        .ok_or_else(|| Skip(format!("ntdll has no {}", name.to_string_lossy())))
}

fn nt_impersonate_thread(
    shared: &mut Shared,
    thread: ThreadRef,
    client: ThreadRef,
    qos: Qos,
) -> Result<Observed, Skip> {
    let server = thread_handle(shared, thread)?;
    let client = thread_handle(shared, client)?;
    // SAFETY: the documented signatures of the two ntdll exports.
    let (impersonate, to_dos): (NtImpersonateThreadFn, RtlNtStatusToDosErrorFn) = unsafe {
        (
            std::mem::transmute::<NtProc, NtImpersonateThreadFn>(ntdll(c"NtImpersonateThread")?),
            std::mem::transmute::<NtProc, RtlNtStatusToDosErrorFn>(ntdll(
                c"RtlNtStatusToDosError",
            )?),
        )
    };
    let qos = SecurityQos {
        length: super::dword::size_of::<SecurityQos>(),
        level: level(qos.level),
        dynamic_tracking: u8::from(qos.dynamic),
        effective_only: u8::from(qos.effective_only),
    };
    clear();
    // SAFETY: two thread handles and a QoS structure that outlives the call.
    let status = unsafe { impersonate(server, client, &qos) };
    let mut o = outcome(i32::from(status >= 0));
    if status < 0 {
        // SAFETY: a plain conversion.
        o.code = unsafe { to_dos(status) };
    }
    Ok(o)
}

// ---- COM --------------------------------------------------------------------------------

fn co_initialize_ex(apartment: Apartment) -> Result<Observed, Skip> {
    let flags = match apartment {
        Apartment::Sta => 0x2,
        Apartment::Mta => 0x0,
    };
    // SAFETY: the reserved argument is NULL.
    let hr = unsafe { CoInitializeEx(std::ptr::null(), flags) };
    Ok(Observed {
        ok: hr >= 0,
        code: hr as u32,
        value: Json::Null,
        created: None,
        object: None,
        symbol: (hr == 1).then_some("S_FALSE"),
    })
}

// ---- named pipes -----------------------------------------------------------------------

/// The local path of the script's pipe `name`, made unique to this run.
fn pipe_path(name: &str) -> Result<Vec<u16>, Skip> {
    if name.contains('\\') || name.contains('/') {
        return Err(Skip(format!(
            "`{name}` is not a local pipe name; the adapter opens local pipes only"
        )));
    }
    Ok(wide(&format!(
        r"\\.\pipe\tokenhop-{}-{name}",
        std::process::id()
    )))
}

fn create_named_pipe(
    world: &World,
    shared: &mut Shared,
    name: &str,
    access: PipeAccess,
    first_instance: bool,
    max_instances: i64,
    security: &PipeSecurity,
) -> Result<Observed, Skip> {
    let path = pipe_path(name)?;
    let max_instances = u32::try_from(max_instances).map_err(|_| {
        Skip(format!(
            "nMaxInstances {max_instances} does not fit the call's DWORD"
        ))
    })?;
    let open_mode = match access {
        PipeAccess::Inbound => 0x1,
        PipeAccess::Outbound => 0x2,
        PipeAccess::Duplex => 0x3,
    } | if first_instance { 0x0008_0000 } else { 0 };
    // PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_NOWAIT: the model's instances are
    // nonblocking (NP-3), so that a script's steps never wait on each other.
    let pipe_mode = 0x1;
    let descriptor = match security {
        PipeSecurity::Default => None,
        PipeSecurity::NullDacl => Some(objects::Descriptor::from_sddl("D:NO_ACCESS_CONTROL")?),
        PipeSecurity::Dacl(aces) => {
            Some(objects::Descriptor::from_aces(world, &shared.names, aces)?)
        }
    };
    let attributes = descriptor.as_ref().map(|d| SECURITY_ATTRIBUTES {
        nLength: super::dword::size_of::<SECURITY_ATTRIBUTES>(),
        lpSecurityDescriptor: d.as_ptr(),
        bInheritHandle: 0,
    });
    clear();
    // SAFETY: a NUL-terminated name and security attributes that outlive the call.
    let h = unsafe {
        CreateNamedPipeW(
            path.as_ptr(),
            open_mode,
            pipe_mode,
            max_instances,
            4096,
            4096,
            0,
            attributes
                .as_ref()
                .map_or(std::ptr::null(), |a| a as *const SECURITY_ATTRIBUTES),
        )
    };
    let ok = i32::from(h != INVALID_HANDLE_VALUE);
    opened(shared, ok, h)
}

fn connect_named_pipe(shared: &mut Shared, pipe: HandleRef) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a pipe handle, no overlapped structure (the instance is nonblocking).
    Ok(outcome(unsafe {
        ConnectNamedPipe(handle(shared, pipe), std::ptr::null_mut())
    }))
}

fn disconnect_named_pipe(shared: &mut Shared, pipe: HandleRef) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a pipe handle.
    Ok(outcome(unsafe {
        DisconnectNamedPipe(handle(shared, pipe))
    }))
}

fn create_file(
    shared: &mut Shared,
    name: &str,
    access: AccessMask,
    flags: u32,
) -> Result<Observed, Skip> {
    let path = pipe_path(name)?;
    clear();
    // SAFETY: a NUL-terminated name, no security attributes.
    let h = unsafe {
        CreateFileW(
            path.as_ptr(),
            access.0,
            0,
            std::ptr::null(),
            OPEN_EXISTING,
            flags,
            std::ptr::null_mut(),
        )
    };
    let ok = i32::from(h != INVALID_HANDLE_VALUE);
    opened(shared, ok, h)
}

fn read_file(shared: &mut Shared, h: HandleRef) -> Result<Observed, Skip> {
    let mut buf = [0u8; 64];
    let mut read = 0u32;
    clear();
    // SAFETY: a buffer of the size passed, no overlapped structure.
    let ok = unsafe {
        ReadFile(
            handle(shared, h),
            buf.as_mut_ptr(),
            64,
            &mut read,
            std::ptr::null_mut(),
        )
    };
    Ok(outcome(ok))
}

fn write_file(shared: &mut Shared, h: HandleRef) -> Result<Observed, Skip> {
    let message = b"tokenhop";
    let mut written = 0u32;
    clear();
    // SAFETY: a buffer of the size passed, no overlapped structure.
    let ok = unsafe {
        WriteFile(
            handle(shared, h),
            message.as_ptr(),
            8,
            &mut written,
            std::ptr::null_mut(),
        )
    };
    Ok(outcome(ok))
}

fn impersonate_named_pipe_client(shared: &mut Shared, pipe: HandleRef) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a pipe handle.
    Ok(outcome(unsafe {
        ImpersonateNamedPipeClient(handle(shared, pipe))
    }))
}

fn close_handle(shared: &mut Shared, h: HandleRef) -> Result<Observed, Skip> {
    clear();
    // SAFETY: a handle the script opened (or NULL, which CloseHandle refuses).
    Ok(outcome(unsafe { CloseHandle(handle(shared, h)) }))
}
