//! The old path's lookups (kept until the typed decode replaces it): what a step's
//! arguments may name, decoded again against the live ids when each step runs.

use tokenhop_model::World;
use tokenhop_model::machine::action::{
    BindingRef, ContextRef, CredentialsRef, HandleRef, ProxyRef,
};
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::machine::principal::PrincipalKind;
use tokenhop_model::machine::rights::ObjectType;

/// Lookups a step's arguments need. Ids may be placeholders during validation.
pub trait Scope {
    /// The world whose principals and accounts the names refer to.
    fn world(&self) -> &World;
    /// A principal by name.
    fn principal(&self, name: &str) -> Option<PrincipalId> {
        self.world().principals.find(name)
    }
    /// A user account of the machine by name.
    fn user(&self, name: &str) -> Option<PrincipalId> {
        let world = self.world();
        world
            .principals
            .find(name)
            .filter(|id| world.accounts.user(*id).is_some())
    }
    /// Every principal name (logon SIDs aside), for messages.
    fn principal_names(&self) -> Vec<String> {
        self.world()
            .principals
            .iter()
            .filter(|(_, p)| p.kind != PrincipalKind::LogonSid)
            .map(|(_, p)| p.name.to_string())
            .collect()
    }
    /// A thread by name (`Some(None)`: bound by a step that failed to create it).
    fn thread(&self, name: &str) -> Option<Option<ThreadId>>;
    /// A process by name.
    fn process(&self, name: &str) -> Option<Option<ProcessId>>;
    /// A securable object by name, with its type.
    fn object(&self, name: &str) -> Option<(Option<ObjectId>, ObjectType)>;
    /// A handle bound by an earlier step.
    fn handle(&self, name: &str) -> Option<HandleRef>;
    /// An RPC binding bound by an earlier step.
    fn binding(&self, name: &str) -> Option<BindingRef>;
    /// An SSPI credentials handle bound by an earlier step.
    fn credentials(&self, name: &str) -> Option<CredentialsRef>;
    /// An SSPI context handle bound by an earlier step.
    fn context(&self, name: &str) -> Option<ContextRef>;
    /// A COM proxy bound by an earlier step.
    fn proxy(&self, name: &str) -> Option<ProxyRef>;
    /// The names of one kind, for messages (`thread`, `process`, `object`, `handle`,
    /// `binding`, `credentials`, `context`, `proxy`, `user`).
    fn names(&self, kind: &str) -> Vec<String>;
}

/// Reads argument `key` of `f`, which names something an earlier step bound with `out`
/// (`null` is NULL): `noun` says what in messages (`a binding`), `kind` which names to list,
/// and `lookup` finds the name in the scope.
pub fn bound_arg<T>(
    f: &crate::reader::Fields<'_>,
    key: &str,
    what: &str,
    (noun, kind): (&str, &str),
    scope: &dyn Scope,
    lookup: impl Fn(&str) -> Option<Option<T>>,
) -> crate::reader::Read<Option<T>> {
    let node = f.require(key, what)?;
    bound_node(node, &f.path(key), (noun, kind), scope, lookup)
}

/// [`bound_arg`] for a node already in hand, at `path`.
pub fn bound_node<T>(
    node: &crate::node::Node,
    path: &str,
    (noun, kind): (&str, &str),
    scope: &dyn Scope,
    lookup: impl Fn(&str) -> Option<Option<T>>,
) -> crate::reader::Read<Option<T>> {
    if node.is_null() {
        return Ok(None);
    }
    let name = crate::reader::string(node, path)?;
    lookup(&name).ok_or_else(|| {
        crate::error::Fault::new(
            node.span,
            path,
            format!("`{name}` is not {noun} bound by an earlier step's `out`"),
        )
        .allowing(scope.names(kind))
    })
}
