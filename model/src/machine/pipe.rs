//! Named pipes: instances, their state, the client's quality of service, the messages in
//! each direction, and the client security context the server may impersonate.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::acl::SecurityDescriptor;
use crate::machine::action::Qos;
use crate::machine::capture::ClientContext;
use crate::machine::ids::ProcessId;
use crate::machine::rights::AccessMask;

/// The direction of a pipe (`PIPE_ACCESS_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PipeAccess {
    /// `PIPE_ACCESS_INBOUND`: the client writes, the server reads.
    Inbound,
    /// `PIPE_ACCESS_OUTBOUND`: the server writes, the client reads.
    Outbound,
    /// `PIPE_ACCESS_DUPLEX`: both.
    Duplex,
}

impl PipeAccess {
    /// The access the server's handle carries (NP-1).
    #[must_use]
    pub fn server_access(self) -> AccessMask {
        let read = AccessMask(0x0012_0089);
        let write = AccessMask(0x0012_0116);
        match self {
            PipeAccess::Inbound => read,
            PipeAccess::Outbound => write,
            PipeAccess::Duplex => read.with(write),
        }
    }

    /// The Win32 constant.
    #[must_use]
    pub fn win32_name(self) -> &'static str {
        match self {
            PipeAccess::Inbound => "PIPE_ACCESS_INBOUND",
            PipeAccess::Outbound => "PIPE_ACCESS_OUTBOUND",
            PipeAccess::Duplex => "PIPE_ACCESS_DUPLEX",
        }
    }
}

/// Where a pipe instance is in its life (the NPFS states).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PipeState {
    /// Waiting for a client: a new instance, or one the server reopened with ConnectNamedPipe.
    Listening,
    /// A client has the other end open.
    Connected,
    /// The client closed its end; the server has not disconnected.
    Closing,
    /// The server disconnected the client; ConnectNamedPipe makes it listen again.
    Disconnected,
    /// The server closed its handle: the instance is gone.
    Closed,
}

/// The security a new pipe gets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PipeSecurity {
    /// No security attributes: the documented default DACL (NP-2).
    Default,
    /// A NULL DACL.
    NullDacl,
    /// An explicit DACL.
    Dacl(Vec<crate::machine::acl::Ace>),
}

/// One instance of a named pipe.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pipe {
    /// The pipe's name (without `\\.\pipe\`).
    pub name: Arc<str>,
    /// The process that created this instance.
    pub server_process: ProcessId,
    /// The pipe's security.
    pub sd: SecurityDescriptor,
    /// The direction.
    pub access: PipeAccess,
    /// The instance limit given at creation.
    pub max_instances: u32,
    /// The state.
    pub state: PipeState,
    /// The quality of service the connected client gave.
    pub client_qos: Option<Qos>,
    /// The context captured at open, under static tracking (PIPE-7).
    pub static_context: Option<ClientContext>,
    /// Messages from client to server, each with the writer's context under dynamic
    /// tracking (PIPE-6).
    pub to_server: Vec<Option<ClientContext>>,
    /// Messages from server to client.
    pub to_client: u32,
    /// Whether the server has read a message from this client.
    pub read_from_client: bool,
    /// The context of the last message read, under dynamic tracking.
    pub last_read: Option<ClientContext>,
}
