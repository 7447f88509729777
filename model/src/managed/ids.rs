//! The small typed ids of a managed runtime: the threads of a .NET process and the objects
//! its code holds (impersonation contexts, token handles, work items, RunImpersonated
//! scopes, flow controls, pooled connections), and on SQL Server the sessions, assemblies,
//! routine calls, WindowsIdentity values, impersonation contexts and resources.
//!
//! An action that creates an object names the id it binds it to, as a program assigns a
//! variable; a scenario's loader gives each name its id once, a suite picks ids itself. An
//! id is an index into its table of the [`Runtime`](super::Runtime).

use std::fmt;

macro_rules! managed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u16);

        impl $name {
            /// The position of this id in its table.
            #[must_use]
            pub fn index(self) -> usize {
                usize::from(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

managed_id!(
    /// A thread of the .NET process.
    ThreadId
);
managed_id!(
    /// A WindowsImpersonationContext that WindowsIdentity.Impersonate returned.
    ContextId
);
managed_id!(
    /// A SafeAccessTokenHandle to a token (LogonUser, WindowsIdentity.AccessToken).
    HandleId
);
managed_id!(
    /// A work item: a callback queued by an asynchronous hand-off.
    ItemId
);
managed_id!(
    /// A WindowsIdentity.RunImpersonated delegate running on a thread.
    ScopeId
);
managed_id!(
    /// An AsyncFlowControl that a flow suppression returned.
    ControlId
);
managed_id!(
    /// A SqlConnection the program opened from the connection pool.
    SqlConnectionId
);
managed_id!(
    /// A resource (a file, a share, a remote service) the code opens.
    ResourceId
);
managed_id!(
    /// A client's session with SQL Server.
    SessionId
);
managed_id!(
    /// An assembly created in a database (CREATE ASSEMBLY).
    AssemblyId
);
managed_id!(
    /// One entry into a CLR routine from T-SQL.
    CallId
);
managed_id!(
    /// A WindowsIdentity value that SqlContext.WindowsIdentity returned (possibly null).
    IdentityId
);
managed_id!(
    /// A WindowsImpersonationContext that CLR code's Impersonate returned.
    SqlContextId
);

/// The entry of `table` at `id`, when it is bound.
pub(crate) fn get<T>(table: &[Option<T>], index: usize) -> Option<&T> {
    table.get(index).and_then(Option::as_ref)
}

/// The entry of `table` at `id`, to change, when it is bound.
pub(crate) fn get_mut<T>(table: &mut [Option<T>], index: usize) -> Option<&mut T> {
    table.get_mut(index).and_then(Option::as_mut)
}

/// Binds `value` at `index` of `table`, growing it as needed (a rebinding replaces the
/// old value, as assigning a variable again does).
pub(crate) fn bind<T>(table: &mut Vec<Option<T>>, index: usize, value: T) {
    if table.len() <= index {
        table.resize_with(index + 1, || None);
    }
    if let Some(slot) = table.get_mut(index) {
        *slot = Some(value);
    }
}
