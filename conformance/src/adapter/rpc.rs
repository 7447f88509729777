//! The RPC calls, one function each, and the test interface a script's server serves.
//!
//! The model's scripts call one method of one interface (`RpcCall` on the client,
//! `RpcReturn` when the manager routine returns). The adapter defines that interface here
//! without MIDL: a server interface whose dispatch table has one raw dispatch function,
//! and a client interface with the same identifier. The client sends an empty request
//! with `I_RpcGetBuffer` and `I_RpcSendReceive`, which return their status instead of
//! raising an exception as MIDL stubs do. The dispatch function runs on a thread of the
//! RPC runtime; [`super::worker::serve_call`] makes that thread stand for the script's
//! server thread until the script's `RpcReturn`, then the function allocates the (empty)
//! reply with `I_RpcGetBuffer` and returns.
//!
//! When the script first uses an endpoint successfully, the adapter registers the test
//! interface (`RpcServerRegisterIf`, no security callback) and starts listening
//! (`RpcServerListen` without waiting): the model's RpcServerUseProtseqEp stands for a
//! server that serves the test interface on that endpoint (RPCA-1).

use std::ffi::c_void;
use std::sync::OnceLock;

use serde_json::Value as Json;
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{BindingRef, CallRef, Qos};
use tokenhop_model::machine::outcome::{Field, Value};
use tokenhop_model::machine::rpc::{Protseq, RpcQos, authn_level, authn_service};
use tokenhop_sim::trace::value_json;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::Security::TOKEN_QUERY;
use windows_sys::Win32::System::Rpc::{
    I_RpcFreeBuffer, I_RpcGetBuffer, I_RpcSendReceive, RPC_C_LISTEN_MAX_CALLS_DEFAULT,
    RPC_CLIENT_INTERFACE, RPC_DISPATCH_FUNCTION, RPC_MESSAGE, RPC_SECURITY_QOS,
    RPC_SERVER_INTERFACE, RPC_SYNTAX_IDENTIFIER, RPC_VERSION, RpcBindingFree,
    RpcBindingFromStringBindingW, RpcBindingInqAuthClientW, RpcBindingSetAuthInfoExW,
    RpcImpersonateClient, RpcRevertToSelf, RpcRevertToSelfEx, RpcServerListen,
    RpcServerRegisterAuthInfoW, RpcServerRegisterIf, RpcServerUseProtseqEpW,
};
use windows_sys::Win32::System::Threading::{GetCurrentThread, OpenThreadToken};
use windows_sys::core::GUID;

use super::Shared;
use super::names::{from_wide_ptr, wide};
use super::worker;
use crate::host::{Observed, Skip};

/// The test interface's identifier: tokenhop's own, version 1.0.
const INTERFACE_ID: GUID = GUID::from_u128(0x6f0c_2a52_3b1e_4d55_9a8e_7d2c_1b0e_4a11);
/// The NDR 2.0 transfer syntax, 8a885d04-1ceb-11c9-9fe8-08002b104860.
const NDR_SYNTAX: GUID = GUID::from_u128(0x8a88_5d04_1ceb_11c9_9fe8_0800_2b10_4860);
/// `NDR_LOCAL_DATA_REPRESENTATION`.
const LOCAL_DATA_REPRESENTATION: u32 = 0x10;
/// The request's size: one 32-bit zero, the method's only (unused) argument.
const REQUEST_BYTES: u32 = 4;
/// `RPC_SECURITY_QOS_VERSION`.
const QOS_VERSION: u32 = 1;

/// `RPC_DISPATCH_TABLE` as the runtime reads it: a pointer to the array of dispatch
/// functions (windows-sys declares the field as one function).
#[repr(C)]
struct DispatchTable {
    count: u32,
    functions: *const RPC_DISPATCH_FUNCTION,
    reserved: isize,
}

/// The addresses of the two interface structures, built once and never freed.
static INTERFACES: OnceLock<(usize, usize)> = OnceLock::new();

fn syntax(guid: GUID, major: u16, minor: u16) -> RPC_SYNTAX_IDENTIFIER {
    RPC_SYNTAX_IDENTIFIER {
        SyntaxGUID: guid,
        SyntaxVersion: RPC_VERSION {
            MajorVersion: major,
            MinorVersion: minor,
        },
    }
}

/// The server and client interface structures, as the addresses the runtime takes.
fn interfaces() -> (*const c_void, *const c_void) {
    let (server, client) = *INTERFACES.get_or_init(|| {
        let entry: RPC_DISPATCH_FUNCTION = Some(dispatch);
        let functions: &'static [RPC_DISPATCH_FUNCTION; 1] = Box::leak(Box::new([entry]));
        let table: &'static DispatchTable = Box::leak(Box::new(DispatchTable {
            count: 1,
            functions: functions.as_ptr(),
            reserved: 0,
        }));
        let server = Box::leak(Box::new(RPC_SERVER_INTERFACE {
            Length: super::dword::size_of::<RPC_SERVER_INTERFACE>(),
            InterfaceId: syntax(INTERFACE_ID, 1, 0),
            TransferSyntax: syntax(NDR_SYNTAX, 2, 0),
            DispatchTable: std::ptr::from_ref(table).cast_mut().cast(),
            RpcProtseqEndpointCount: 0,
            RpcProtseqEndpoint: std::ptr::null_mut(),
            DefaultManagerEpv: std::ptr::null_mut(),
            InterpreterInfo: std::ptr::null(),
            Flags: 0,
        }));
        let client = Box::leak(Box::new(RPC_CLIENT_INTERFACE {
            Length: super::dword::size_of::<RPC_CLIENT_INTERFACE>(),
            InterfaceId: syntax(INTERFACE_ID, 1, 0),
            TransferSyntax: syntax(NDR_SYNTAX, 2, 0),
            DispatchTable: std::ptr::null_mut(),
            RpcProtseqEndpointCount: 0,
            RpcProtseqEndpoint: std::ptr::null_mut(),
            Reserved: 0,
            InterpreterInfo: std::ptr::null(),
            Flags: 0,
        }));
        (
            std::ptr::from_mut(server) as usize,
            std::ptr::from_mut(client) as usize,
        )
    });
    (server as *const c_void, client as *const c_void)
}

/// The test interface's one method, as the runtime calls it on one of its threads.
unsafe extern "system" fn dispatch(message: *mut RPC_MESSAGE) {
    // SAFETY: the runtime passes the call's message, valid until this function returns.
    let binding = unsafe { (*message).Handle } as usize;
    worker::serve_call(binding);
    // SAFETY: as above; the reply is empty, allocated as a MIDL stub would.
    unsafe {
        (*message).BufferLength = 0;
        I_RpcGetBuffer(message);
    }
}

/// An RPC status as an outcome (RPC_S_OK is 0; every other status is a failure).
pub fn status_observed(code: i32) -> Observed {
    if code == 0 {
        Observed {
            ok: true,
            code: 0,
            value: Json::Null,
            created: None,
            object: None,
            symbol: None,
        }
    } else {
        Observed::failed(code as u32)
    }
}

/// A client binding handle of the script (NULL once freed, or if never made).
fn binding_handle(shared: &Shared, b: BindingRef) -> *mut c_void {
    b.and_then(|id| shared.bindings.get(id.index()))
        .map_or(0, |h| *h) as *mut c_void
}

/// The handle a server function is given for `call`: 0, the server binding handle of the
/// call a thread serves, or a client binding handle.
fn call_handle(shared: &Shared, call: CallRef) -> Result<*mut c_void, Skip> {
    match call {
        CallRef::Current => Ok(std::ptr::null_mut()),
        CallRef::ServedBy(thread) => shared
            .served
            .get(&thread)
            .map(|h| *h as *mut c_void)
            .ok_or_else(|| {
                Skip(
                    "the thread serves no call, so there is no server binding handle to pass"
                        .to_owned(),
                )
            }),
        CallRef::Client(b) => Ok(binding_handle(shared, b)),
    }
}

/// `RpcServerUseProtseqEp`, then, the first time one succeeds, the test interface's
/// registration and the start of listening.
pub fn use_protseq_ep(
    shared: &mut Shared,
    protseq: Protseq,
    endpoint: &str,
) -> Result<Observed, Skip> {
    let (p, e) = (wide(protseq.name()), wide(endpoint));
    // SAFETY: NUL-terminated strings; no security descriptor.
    let code = unsafe {
        RpcServerUseProtseqEpW(
            p.as_ptr(),
            RPC_C_LISTEN_MAX_CALLS_DEFAULT,
            e.as_ptr(),
            std::ptr::null(),
        )
    };
    if code == 0 && !shared.listening {
        let (server, _) = interfaces();
        // SAFETY: the interface structure lives for the whole process.
        let registered = unsafe { RpcServerRegisterIf(server, std::ptr::null(), std::ptr::null()) };
        if registered != 0 {
            return Err(Skip(format!(
                "the endpoint is in use, but the test interface could not be registered: RPC status {registered}"
            )));
        }
        // SAFETY: plain call.
        let listening = unsafe { RpcServerListen(1, RPC_C_LISTEN_MAX_CALLS_DEFAULT, 1) };
        if listening != 0 {
            return Err(Skip(format!(
                "the endpoint is in use, but the server could not start listening: RPC status {listening}"
            )));
        }
        shared.listening = true;
    }
    Ok(status_observed(code))
}

/// `RpcServerRegisterAuthInfo(NULL, AuthnSvc, NULL, NULL)`.
pub fn register_auth_info(service: u32) -> Observed {
    // SAFETY: NULL principal name, key function and argument.
    status_observed(unsafe {
        RpcServerRegisterAuthInfoW(std::ptr::null(), service, None, std::ptr::null())
    })
}

/// The `Security=` option's text.
fn security_option(qos: Qos) -> String {
    let level = match qos.level {
        ImpersonationLevel::Anonymous => "Anonymous",
        ImpersonationLevel::Identification => "Identification",
        ImpersonationLevel::Impersonation => "Impersonation",
        ImpersonationLevel::Delegation => "Delegation",
    };
    format!(
        "Security={level} {} {}",
        if qos.dynamic { "Dynamic" } else { "Static" },
        if qos.effective_only { "True" } else { "False" }
    )
}

/// `RpcBindingFromStringBinding("protseq:[endpoint,Security=...]")`.
pub fn from_string_binding(
    shared: &mut Shared,
    protseq: Protseq,
    endpoint: &str,
    security: Option<Qos>,
) -> Result<Observed, Skip> {
    let number = super::dword::next(&shared.bindings, "binding handles")?;
    let text = match security {
        Some(qos) => format!("{}:[{endpoint},{}]", protseq.name(), security_option(qos)),
        None => format!("{}:[{endpoint}]", protseq.name()),
    };
    let w = wide(&text);
    let mut binding: *mut c_void = std::ptr::null_mut();
    // SAFETY: a NUL-terminated string and an out pointer.
    let code = unsafe { RpcBindingFromStringBindingW(w.as_ptr(), &mut binding) };
    let mut o = status_observed(code);
    if o.ok {
        shared.bindings.push(binding as usize);
        o.created = Some(number);
    }
    Ok(o)
}

/// `RpcBindingSetAuthInfoEx(Binding, NULL, AuthnLevel, AuthnSvc, NULL, 0, SecurityQos)`.
pub fn set_auth_info_ex(
    shared: &Shared,
    binding: BindingRef,
    level: u32,
    service: u32,
    qos: Option<RpcQos>,
) -> Observed {
    let qos = qos.map(|q| RPC_SECURITY_QOS {
        Version: QOS_VERSION,
        Capabilities: q.capabilities,
        IdentityTracking: u32::from(q.dynamic),
        ImpersonationType: q.impersonation,
    });
    let qos_ptr = qos.as_ref().map_or(std::ptr::null(), std::ptr::from_ref);
    // SAFETY: the binding the script made (or NULL), and a QoS that outlives the call.
    status_observed(unsafe {
        RpcBindingSetAuthInfoExW(
            binding_handle(shared, binding),
            std::ptr::null(),
            level,
            service,
            std::ptr::null(),
            0,
            qos_ptr,
        )
    })
}

/// The client half of `RpcCall`: the request sent and the reply awaited. Runs on the
/// client's thread without the shared state, since the server's steps run meanwhile.
pub fn send_call(binding: usize) -> i32 {
    let (_, client) = interfaces();
    // SAFETY: a zeroed RPC_MESSAGE is the documented starting point; the buffer the
    // runtime allocates is written within its length and freed after a successful call
    // (the runtime frees it when the call fails).
    unsafe {
        let mut message: RPC_MESSAGE = std::mem::zeroed();
        message.Handle = binding as *mut c_void;
        message.DataRepresentation = LOCAL_DATA_REPRESENTATION;
        message.BufferLength = REQUEST_BYTES;
        message.ProcNum = 0;
        message.RpcInterfaceInformation = client.cast_mut();
        let code = I_RpcGetBuffer(&mut message);
        if code != 0 {
            return code;
        }
        message.Buffer.cast::<u32>().write_unaligned(0);
        let code = I_RpcSendReceive(&mut message);
        if code == 0 {
            I_RpcFreeBuffer(&mut message);
        }
        code
    }
}

/// The client binding `RpcCall` goes through.
pub fn call_binding(shared: &Shared, binding: BindingRef) -> usize {
    binding_handle(shared, binding) as usize
}

/// `RpcImpersonateClient(BindingHandle)`.
pub fn impersonate_client(shared: &Shared, call: CallRef) -> Result<Observed, Skip> {
    let h = call_handle(shared, call)?;
    // SAFETY: 0, a server binding handle of a call in progress, or a client binding.
    Ok(status_observed(unsafe { RpcImpersonateClient(h) }))
}

/// `RpcRevertToSelf()`.
pub fn revert_to_self() -> Observed {
    // SAFETY: plain call.
    status_observed(unsafe { RpcRevertToSelf() })
}

/// `RpcRevertToSelfEx(BindingHandle)`.
pub fn revert_to_self_ex(shared: &Shared, call: CallRef) -> Result<Observed, Skip> {
    let h = call_handle(shared, call)?;
    // SAFETY: as for RpcImpersonateClient.
    Ok(status_observed(unsafe { RpcRevertToSelfEx(h) }))
}

/// `RpcBindingInqAuthClient(ClientBinding, &Privs, NULL, &AuthnLevel, &AuthnSvc, &AuthzSvc)`.
/// For WINNT and Negotiate `Privs` is the client's principal name, reported under the
/// script's name for that account.
pub fn inq_auth_client(shared: &Shared, call: CallRef) -> Result<Observed, Skip> {
    let h = call_handle(shared, call)?;
    let mut privs: *mut c_void = std::ptr::null_mut();
    let (mut level, mut service, mut authz) = (0u32, 0u32, 0u32);
    // SAFETY: out pointers to locals; the handle as above.
    let code = unsafe {
        RpcBindingInqAuthClientW(
            h,
            &mut privs,
            std::ptr::null_mut(),
            &mut level,
            &mut service,
            &mut authz,
        )
    };
    let mut o = status_observed(code);
    if !o.ok {
        return Ok(o);
    }
    let mut fields = vec![
        ("AuthnLevel", Field::Text(authn_level::name(level).into())),
        ("AuthnSvc", Field::Text(authn_service::name(service).into())),
        (
            "AuthzSvc",
            Field::Text(if authz == 0 {
                "RPC_C_AUTHZ_NONE".into()
            } else {
                authz.to_string().into()
            }),
        ),
    ];
    let names_a_principal =
        service == authn_service::WINNT || service == authn_service::GSS_NEGOTIATE;
    if names_a_principal && !privs.is_null() {
        // SAFETY: for these services Privs is a NUL-terminated wide string the runtime owns.
        let account = unsafe { from_wide_ptr(privs.cast()) };
        fields.push((
            "Privs",
            Field::Text(shared.names.name_of_account(&account).into()),
        ));
    }
    o.value = value_json(&Value::Record(fields));
    Ok(o)
}

/// `RpcBindingFree(&Binding)`, which sets the program's handle to NULL.
pub fn binding_free(shared: &mut Shared, binding: BindingRef) -> Observed {
    let mut h = binding_handle(shared, binding);
    // SAFETY: the script's binding, or NULL.
    let code = unsafe { RpcBindingFree(&mut h) };
    if let Some(slot) = binding.and_then(|id| shared.bindings.get_mut(id.index())) {
        *slot = h as usize;
    }
    status_observed(code)
}

/// Whether the calling thread has an impersonation token (asked before a call arrives, so
/// that a server thread that impersonates is not silently replaced by the runtime's
/// thread, which does not).
pub fn thread_impersonates() -> bool {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the calling thread's pseudo-handle and an out pointer.
    unsafe {
        if OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, 1, &mut token) == 0 {
            return false;
        }
        CloseHandle(token);
    }
    true
}
