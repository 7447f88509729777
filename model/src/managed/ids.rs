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

/// A table of objects by id: a sequence of slots, bound or not.
pub(crate) trait Slots<T> {
    /// The slots.
    fn slots(&self) -> &[Option<T>];
    /// The slots, to change.
    fn slots_mut(&mut self) -> &mut [Option<T>];
    /// Grows to `len` slots, the new ones unbound.
    fn extend_to(&mut self, len: usize);
    /// Drops the last slot.
    fn drop_last(&mut self);
}

impl<T> Slots<T> for Vec<Option<T>> {
    fn slots(&self) -> &[Option<T>] {
        self
    }

    fn slots_mut(&mut self) -> &mut [Option<T>] {
        self
    }

    fn extend_to(&mut self, len: usize) {
        if self.len() < len {
            self.resize_with(len, || None);
        }
    }

    fn drop_last(&mut self) {
        self.pop();
    }
}

impl<T: Copy, const N: usize> Slots<T> for super::short::Short<Option<T>, N> {
    fn slots(&self) -> &[Option<T>] {
        self.as_slice()
    }

    fn slots_mut(&mut self) -> &mut [Option<T>] {
        self.as_mut_slice()
    }

    fn extend_to(&mut self, len: usize) {
        self.grow_to(len);
    }

    fn drop_last(&mut self) {
        self.pop();
    }
}

/// The entry of `table` at `index`, when it is bound.
pub(crate) fn get<T>(table: &impl Slots<T>, index: usize) -> Option<&T> {
    table.slots().get(index).and_then(Option::as_ref)
}

/// The entry of `table` at `index`, to change, when it is bound.
pub(crate) fn get_mut<T>(table: &mut impl Slots<T>, index: usize) -> Option<&mut T> {
    table.slots_mut().get_mut(index).and_then(Option::as_mut)
}

/// Unbinds `index` of `table`, dropping the unbound entries at its end, so that a table
/// whose objects are all gone is empty again.
pub(crate) fn unbind<T>(table: &mut impl Slots<T>, index: usize) {
    if let Some(slot) = table.slots_mut().get_mut(index) {
        *slot = None;
    }
    while table.slots().last().is_some_and(Option::is_none) {
        table.drop_last();
    }
}

/// Binds `value` at `index` of `table`, growing it as needed (a rebinding replaces the
/// old value, as assigning a variable again does).
pub(crate) fn bind<T>(table: &mut impl Slots<T>, index: usize, value: T) {
    table.extend_to(index + 1);
    if let Some(slot) = table.slots_mut().get_mut(index) {
        *slot = Some(value);
    }
}
