//! Interned identifiers for everything a [`World`](crate::World) holds.
//!
//! Worlds refer to principals, tokens, threads, processes, handles, logon sessions and
//! objects by small copyable ids rather than by name, so that worlds stay cheap to clone,
//! compare and hash. Names live once, in the world's tables.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of this id in its table.
            #[must_use]
            pub fn index(self) -> usize {
                $crate::core::widen::usize_of(self.0)
            }

            /// The id of position `index` in its table, or `None` past the 2^32 ids there
            /// are: the checked way to mint an id from a table's length.
            #[must_use]
            pub fn from_index(index: usize) -> Option<Self> {
                u32::try_from(index).ok().map(Self)
            }
        }
    };
}
pub(crate) use id_type;

id_type!(
    /// A security principal: a user, a group, a well-known SID or a logon SID.
    PrincipalId
);
id_type!(
    /// A token object.
    TokenId
);
id_type!(
    /// A thread.
    ThreadId
);
id_type!(
    /// A process.
    ProcessId
);
id_type!(
    /// An open handle in some process's handle table.
    HandleId
);
id_type!(
    /// A securable object of the script (a file, a key, an event, ...).
    ObjectId
);
id_type!(
    /// A logon session.
    LogonId
);
id_type!(
    /// One instance of a named pipe.
    PipeId
);
id_type!(
    /// An RPC client binding handle.
    BindingId
);
id_type!(
    /// An RPC call.
    CallId
);
id_type!(
    /// An SSPI credentials handle.
    CredentialsId
);
id_type!(
    /// An SSPI security context handle.
    ContextId
);
id_type!(
    /// A COM proxy a client holds.
    ProxyId
);

/// A locally unique identifier, as the kernel hands out for tokens and logon sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Luid(pub u64);

impl Luid {
    /// The SYSTEM logon session (TOK-16).
    pub const SYSTEM: Luid = Luid(0x3e7);
    /// The LOCAL SERVICE logon session (TOK-16).
    pub const LOCAL_SERVICE: Luid = Luid(0x3e5);
    /// The NETWORK SERVICE logon session (TOK-16).
    pub const NETWORK_SERVICE: Luid = Luid(0x3e4);
    /// The anonymous logon session (TOK-16).
    pub const ANONYMOUS: Luid = Luid(0x3e6);
    /// The zero LUID (a network logon's origin, TOKEN_ORIGIN).
    pub const ZERO: Luid = Luid(0);
}

impl fmt::Display for Luid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
