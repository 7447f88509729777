//! RPC on one machine: endpoints, client binding handles with their authentication and
//! quality of service, and the calls in progress with the client identity each carries
//! (RPC-*, RPCA-*). The behaviour lives in the `calls::rpc_*` modules.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::action::Qos;
use crate::machine::capture::{ClientContext, ClientSource};
use crate::machine::ids::{BindingId, CallId, ProcessId, ThreadId};
use crate::machine::table::{self, Table, TableFull};

/// The protocol sequences the model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protseq {
    /// `ncalrpc`: local RPC over ALPC.
    Ncalrpc,
    /// `ncacn_np`: RPC over a named pipe.
    NcacnNp,
    /// `ncacn_ip_tcp`: RPC over TCP.
    NcacnIpTcp,
}

impl Protseq {
    /// Every protocol sequence, with its name.
    pub const ALL: &'static [(Protseq, &'static str)] = &[
        (Protseq::Ncalrpc, "ncalrpc"),
        (Protseq::NcacnNp, "ncacn_np"),
        (Protseq::NcacnIpTcp, "ncacn_ip_tcp"),
    ];

    /// The name (`ncalrpc`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Protseq::Ncalrpc => "ncalrpc",
            Protseq::NcacnNp => "ncacn_np",
            Protseq::NcacnIpTcp => "ncacn_ip_tcp",
        }
    }

    /// Whether the transport itself carries the client's identity (RPC-4).
    #[must_use]
    pub fn carries_identity(self) -> bool {
        matches!(self, Protseq::Ncalrpc | Protseq::NcacnNp)
    }
}

impl std::fmt::Display for Protseq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `RPC_C_AUTHN_LEVEL_*` values.
pub mod authn_level {
    /// `RPC_C_AUTHN_LEVEL_DEFAULT`.
    pub const DEFAULT: u32 = 0;
    /// `RPC_C_AUTHN_LEVEL_NONE`.
    pub const NONE: u32 = 1;
    /// `RPC_C_AUTHN_LEVEL_CONNECT`.
    pub const CONNECT: u32 = 2;
    /// `RPC_C_AUTHN_LEVEL_CALL`.
    pub const CALL: u32 = 3;
    /// `RPC_C_AUTHN_LEVEL_PKT`.
    pub const PKT: u32 = 4;
    /// `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`.
    pub const PKT_INTEGRITY: u32 = 5;
    /// `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`.
    pub const PKT_PRIVACY: u32 = 6;

    /// Every level with its constant's name.
    pub const NAMES: &[(u32, &str)] = &[
        (DEFAULT, "RPC_C_AUTHN_LEVEL_DEFAULT"),
        (NONE, "RPC_C_AUTHN_LEVEL_NONE"),
        (CONNECT, "RPC_C_AUTHN_LEVEL_CONNECT"),
        (CALL, "RPC_C_AUTHN_LEVEL_CALL"),
        (PKT, "RPC_C_AUTHN_LEVEL_PKT"),
        (PKT_INTEGRITY, "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY"),
        (PKT_PRIVACY, "RPC_C_AUTHN_LEVEL_PKT_PRIVACY"),
    ];

    /// The constant's name, or the number.
    #[must_use]
    pub fn name(level: u32) -> String {
        NAMES
            .iter()
            .find(|(v, _)| *v == level)
            .map_or_else(|| level.to_string(), |(_, n)| (*n).to_owned())
    }
}

/// `RPC_C_AUTHN_*` authentication-service values.
pub mod authn_service {
    /// `RPC_C_AUTHN_NONE`.
    pub const NONE: u32 = 0;
    /// `RPC_C_AUTHN_GSS_NEGOTIATE`.
    pub const GSS_NEGOTIATE: u32 = 9;
    /// `RPC_C_AUTHN_WINNT` (NTLM).
    pub const WINNT: u32 = 10;
    /// `RPC_C_AUTHN_GSS_SCHANNEL`.
    pub const GSS_SCHANNEL: u32 = 14;
    /// `RPC_C_AUTHN_GSS_KERBEROS`.
    pub const GSS_KERBEROS: u32 = 16;
    /// `RPC_C_AUTHN_DEFAULT`.
    pub const DEFAULT: u32 = 0xFFFF_FFFF;

    /// Every service with its constant's name.
    pub const NAMES: &[(u32, &str)] = &[
        (NONE, "RPC_C_AUTHN_NONE"),
        (GSS_NEGOTIATE, "RPC_C_AUTHN_GSS_NEGOTIATE"),
        (WINNT, "RPC_C_AUTHN_WINNT"),
        (GSS_SCHANNEL, "RPC_C_AUTHN_GSS_SCHANNEL"),
        (GSS_KERBEROS, "RPC_C_AUTHN_GSS_KERBEROS"),
        (DEFAULT, "RPC_C_AUTHN_DEFAULT"),
    ];

    /// The constant's name, or the number.
    #[must_use]
    pub fn name(service: u32) -> String {
        NAMES
            .iter()
            .find(|(v, _)| *v == service)
            .map_or_else(|| service.to_string(), |(_, n)| (*n).to_owned())
    }

    /// Whether a security provider with this service id exists.
    #[must_use]
    pub fn known(service: u32) -> bool {
        matches!(service, GSS_NEGOTIATE | WINNT | GSS_SCHANNEL | GSS_KERBEROS)
    }
}

/// `RPC_C_IMP_LEVEL_*` values (RPC-6).
pub mod imp_level {
    use crate::core::level::ImpersonationLevel;

    /// `RPC_C_IMP_LEVEL_DEFAULT`.
    pub const DEFAULT: u32 = 0;
    /// `RPC_C_IMP_LEVEL_ANONYMOUS`.
    pub const ANONYMOUS: u32 = 1;
    /// `RPC_C_IMP_LEVEL_IDENTIFY`.
    pub const IDENTIFY: u32 = 2;
    /// `RPC_C_IMP_LEVEL_IMPERSONATE`.
    pub const IMPERSONATE: u32 = 3;
    /// `RPC_C_IMP_LEVEL_DELEGATE`.
    pub const DELEGATE: u32 = 4;

    /// Every level with its constant's name.
    pub const NAMES: &[(u32, &str)] = &[
        (DEFAULT, "RPC_C_IMP_LEVEL_DEFAULT"),
        (ANONYMOUS, "RPC_C_IMP_LEVEL_ANONYMOUS"),
        (IDENTIFY, "RPC_C_IMP_LEVEL_IDENTIFY"),
        (IMPERSONATE, "RPC_C_IMP_LEVEL_IMPERSONATE"),
        (DELEGATE, "RPC_C_IMP_LEVEL_DELEGATE"),
    ];

    /// The kernel level a non-default value stands for (the value minus one, RPC-6).
    #[must_use]
    pub fn to_kernel(value: u32) -> Option<ImpersonationLevel> {
        value
            .checked_sub(1)
            .and_then(|v| ImpersonationLevel::from_raw(i64::from(v)))
    }

    /// The constant's name, or the number.
    #[must_use]
    pub fn name(value: u32) -> String {
        NAMES
            .iter()
            .find(|(v, _)| *v == value)
            .map_or_else(|| value.to_string(), |(_, n)| (*n).to_owned())
    }
}

/// `RPC_C_QOS_CAPABILITIES_*` bits.
pub mod capabilities {
    /// `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH`.
    pub const MUTUAL_AUTH: u32 = 0x1;
    /// `RPC_C_QOS_CAPABILITIES_MAKE_FULLSIC`.
    pub const MAKE_FULLSIC: u32 = 0x2;
    /// `RPC_C_QOS_CAPABILITIES_ANY_AUTHORITY`.
    pub const ANY_AUTHORITY: u32 = 0x4;
    /// `RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE`.
    pub const IGNORE_DELEGATE_FAILURE: u32 = 0x8;
    /// `RPC_C_QOS_CAPABILITIES_LOCAL_MA_HINT`.
    pub const LOCAL_MA_HINT: u32 = 0x10;

    /// Every bit with its constant's name.
    pub const NAMES: &[(u32, &str)] = &[
        (MUTUAL_AUTH, "RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH"),
        (MAKE_FULLSIC, "RPC_C_QOS_CAPABILITIES_MAKE_FULLSIC"),
        (ANY_AUTHORITY, "RPC_C_QOS_CAPABILITIES_ANY_AUTHORITY"),
        (
            IGNORE_DELEGATE_FAILURE,
            "RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE",
        ),
        (LOCAL_MA_HINT, "RPC_C_QOS_CAPABILITIES_LOCAL_MA_HINT"),
    ];
}

/// An `RPC_SECURITY_QOS` passed to RpcBindingSetAuthInfoEx.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RpcQos {
    /// `ImpersonationType` (an `RPC_C_IMP_LEVEL_*` value).
    pub impersonation: u32,
    /// `Capabilities` (`RPC_C_QOS_CAPABILITIES_*` bits).
    pub capabilities: u32,
    /// `IdentityTracking`: dynamic (true) or static.
    pub dynamic: bool,
}

/// What RpcBindingSetAuthInfoEx left on a binding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthInfo {
    /// The authentication level, after the runtime's adjustments.
    pub level: u32,
    /// The authentication service, `RPC_C_AUTHN_DEFAULT` resolved.
    pub service: u32,
    /// The kernel level the client grants, after the provider's adjustments.
    pub grants: crate::core::level::ImpersonationLevel,
    /// Dynamic identity tracking.
    pub dynamic: bool,
    /// `RPC_C_QOS_CAPABILITIES_*` bits.
    pub capabilities: u32,
    /// Whether the client asked for Delegate and the provider could not give it, so the
    /// call must fail (RPC-10), unless the capability says to go on.
    pub delegate_refused: bool,
    /// Under static tracking, the client's identity as it was when the authentication was
    /// set; the first call authenticates with it and the connection keeps the result.
    pub snapshot: Option<ClientSource>,
}

/// An endpoint a server process listens on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RpcEndpoint {
    /// The protocol sequence.
    pub protseq: Protseq,
    /// The endpoint (`\pipe\name`, a port number, an ALPC port name).
    pub name: Arc<str>,
    /// The server process.
    pub process: ProcessId,
}

/// A client binding handle.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RpcBinding {
    /// The process that holds it.
    pub process: ProcessId,
    /// The protocol sequence.
    pub protseq: Protseq,
    /// The endpoint.
    pub endpoint: Arc<str>,
    /// The transport-level QoS from the string binding's `Security=` option.
    pub transport_qos: Option<Qos>,
    /// The RPC-level authentication, if RpcBindingSetAuthInfoEx set one.
    pub auth: Option<AuthInfo>,
    /// The identity the connection captured under static transport tracking, once the
    /// first call has connected.
    pub connection: Option<ClientContext>,
    /// Whether RpcBindingFree released it.
    pub freed: bool,
}

/// What the server side knows of a call's authentication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallAuth {
    /// The authentication level.
    pub level: u32,
    /// The authentication service.
    pub service: u32,
}

/// A call in progress (or finished).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RpcCall {
    /// When it started, in the order of all calls on the machine.
    pub seq: u64,
    /// The binding the client called through.
    pub binding: BindingId,
    /// The protocol sequence.
    pub protseq: Protseq,
    /// The client thread, waiting for the call to return.
    pub client: ThreadId,
    /// The server thread running the manager routine.
    pub server: ThreadId,
    /// Whether the manager routine is still running.
    pub active: bool,
    /// The identity the server may impersonate, if the call carries one.
    pub identity: Option<ClientContext>,
    /// RPC-level authentication, as RpcBindingInqAuthClient reports it.
    pub auth: Option<CallAuth>,
    /// The threads that impersonated this call and have not reverted through RPC.
    pub impersonating: Vec<ThreadId>,
}

/// Everything RPC on the machine: endpoints, the services servers registered, bindings and
/// calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RpcState {
    /// Endpoints in use.
    pub endpoints: Vec<RpcEndpoint>,
    /// The authentication services each server process registered.
    pub services: Vec<(ProcessId, u32)>,
    /// Client binding handles.
    pub bindings: Vec<RpcBinding>,
    /// Calls, finished ones included.
    pub calls: Vec<RpcCall>,
}

#[expect(
    clippy::indexing_slicing,
    reason = "binding and call ids are minted by this table and never removed, so they index in bounds"
)]
impl RpcState {
    /// The binding `id`.
    #[must_use]
    pub fn binding(&self, id: BindingId) -> &RpcBinding {
        &self.bindings[id.index()]
    }

    /// The binding `id`, to change.
    pub fn binding_mut(&mut self, id: BindingId) -> &mut RpcBinding {
        &mut self.bindings[id.index()]
    }

    /// The call `id`.
    #[must_use]
    pub fn call(&self, id: CallId) -> &RpcCall {
        &self.calls[id.index()]
    }

    /// The call `id`, to change.
    pub fn call_mut(&mut self, id: CallId) -> &mut RpcCall {
        &mut self.calls[id.index()]
    }

    /// Adds a client binding handle.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_binding(&mut self, binding: RpcBinding) -> Result<BindingId, TableFull> {
        table::push(
            &mut self.bindings,
            binding,
            Table::RpcBindings,
            BindingId::from_index,
        )
    }

    /// Adds a call; every call has an id, so the lookups below find each one.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_call(&mut self, call: RpcCall) -> Result<CallId, TableFull> {
        table::push(&mut self.calls, call, Table::RpcCalls, CallId::from_index)
    }

    /// The call `thread` is serving, if any.
    #[must_use]
    pub fn served_by(&self, thread: ThreadId) -> Option<CallId> {
        self.calls
            .iter()
            .position(|c| c.active && c.server == thread)
            .and_then(CallId::from_index)
    }

    /// The call `thread` is waiting on, if any.
    #[must_use]
    pub fn waited_on_by(&self, thread: ThreadId) -> Option<CallId> {
        self.calls
            .iter()
            .position(|c| c.active && c.client == thread)
            .and_then(CallId::from_index)
    }

    /// The endpoint `name` of `protseq`, if a server uses it.
    #[must_use]
    pub fn endpoint(&self, protseq: Protseq, name: &str) -> Option<&RpcEndpoint> {
        self.endpoints
            .iter()
            .find(|e| e.protseq == protseq && &*e.name == name)
    }

    /// Whether `process` registered `service`.
    #[must_use]
    pub fn registered(&self, process: ProcessId, service: u32) -> bool {
        self.services.contains(&(process, service))
    }
}
