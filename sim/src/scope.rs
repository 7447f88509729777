//! What a step's arguments may name, as a script is loaded: the principals of the machine,
//! the threads, processes and objects the script declares, and what earlier steps make
//! (each `out`, and the objects CreateObject creates). Every name a step uses is checked
//! here, once, and becomes a [`crate::refs`] reference; the step loop resolves the
//! references to things steps make when the steps run.

use std::collections::HashMap;

use tokenhop_model::World;
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::machine::principal::PrincipalKind;
use tokenhop_model::machine::rights::ObjectType;

use crate::error::Fault;
use crate::node::Node;
use crate::reader::{Fields, Read, string};
use crate::refs::{Made, Named};

/// What an `out` name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutKind {
    /// A handle (to a token, a thread or an object).
    Handle,
    /// A thread (created by CreateThread).
    Thread,
    /// A process and its first thread (created by CreateProcess*).
    Process,
    /// An RPC client binding handle.
    Binding,
    /// An SSPI credentials handle.
    Credentials,
    /// An SSPI security context handle.
    Context,
    /// A COM proxy.
    Proxy,
}

impl OutKind {
    /// A word for messages.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            OutKind::Handle => "a handle",
            OutKind::Thread => "a thread",
            OutKind::Process => "a process",
            OutKind::Binding => "an RPC binding",
            OutKind::Credentials => "an SSPI credentials handle",
            OutKind::Context => "an SSPI context handle",
            OutKind::Proxy => "a COM proxy",
        }
    }
}

/// Which names a message lists as the allowed ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    /// Threads, declared or made by a step.
    Threads,
    /// Processes, declared or made by a step.
    Processes,
    /// Securable objects, declared or created by a step.
    Objects,
    /// The machine's user accounts.
    Users,
    /// What earlier steps bound with `out` as this kind.
    Bound(OutKind),
}

/// The names known at one step of a script being loaded: those it declares and those
/// earlier steps bound.
#[derive(Debug)]
pub struct Names<'w> {
    world: &'w World,
    threads: HashMap<String, ThreadId>,
    processes: HashMap<String, ProcessId>,
    objects: HashMap<String, (Named<ObjectId>, ObjectType)>,
    outs: HashMap<String, (OutKind, Made)>,
}

impl<'w> Names<'w> {
    /// The names a script declares, in the world its setup built.
    #[must_use]
    pub fn new(
        world: &'w World,
        threads: HashMap<String, ThreadId>,
        processes: HashMap<String, ProcessId>,
        objects: HashMap<String, (ObjectId, ObjectType)>,
    ) -> Self {
        Names {
            world,
            threads,
            processes,
            objects: objects
                .into_iter()
                .map(|(name, (id, ty))| (name, (Named::Declared(id), ty)))
                .collect(),
            outs: HashMap::new(),
        }
    }

    /// The world whose principals, accounts, certificates and COM classes names refer to.
    #[must_use]
    pub fn world(&self) -> &'w World {
        self.world
    }

    /// A principal by name.
    #[must_use]
    pub fn principal(&self, name: &str) -> Option<PrincipalId> {
        self.world.principals.find(name)
    }

    /// A user account of the machine by name.
    #[must_use]
    pub fn user(&self, name: &str) -> Option<PrincipalId> {
        self.world
            .principals
            .find(name)
            .filter(|id| self.world.accounts.user(*id).is_some())
    }

    /// Every principal name (logon SIDs aside), for messages.
    #[must_use]
    pub fn principal_names(&self) -> Vec<String> {
        self.world
            .principals
            .iter()
            .filter(|(_, p)| p.kind != PrincipalKind::LogonSid)
            .map(|(_, p)| p.name.to_string())
            .collect()
    }

    /// A thread: one the script declares, or one an earlier step made (a new thread, or
    /// the first thread of a new process).
    #[must_use]
    pub fn thread(&self, name: &str) -> Option<Named<ThreadId>> {
        if let Some(t) = self.threads.get(name) {
            return Some(Named::Declared(*t));
        }
        match self.outs.get(name) {
            Some((OutKind::Thread | OutKind::Process, made)) => Some(Named::Made(made.clone())),
            _ => None,
        }
    }

    /// A process: one the script declares, or one an earlier step made.
    #[must_use]
    pub fn process(&self, name: &str) -> Option<Named<ProcessId>> {
        if let Some(p) = self.processes.get(name) {
            return Some(Named::Declared(*p));
        }
        match self.outs.get(name) {
            Some((OutKind::Process, made)) => Some(Named::Made(made.clone())),
            _ => None,
        }
    }

    /// A securable object, with its type: declared, or created by an earlier step.
    #[must_use]
    pub fn object(&self, name: &str) -> Option<(Named<ObjectId>, ObjectType)> {
        self.objects.get(name).cloned()
    }

    /// What an earlier step bound as `kind` under `name`.
    #[must_use]
    pub fn bound(&self, name: &str, kind: OutKind) -> Option<Made> {
        match self.outs.get(name) {
            Some((k, made)) if *k == kind => Some(made.clone()),
            _ => None,
        }
    }

    /// Whether an earlier step bound `name` with `out`, as anything.
    #[must_use]
    pub fn bound_any(&self, name: &str) -> bool {
        self.outs.contains_key(name)
    }

    /// Whether `name` already names something (a new name must be fresh).
    #[must_use]
    pub fn taken(&self, name: &str) -> bool {
        self.threads.contains_key(name)
            || self.processes.contains_key(name)
            || self.objects.contains_key(name)
            || self.outs.contains_key(name)
    }

    /// Binds `name` to what step `step` makes, as `kind`.
    pub fn bind(&mut self, name: &str, kind: OutKind, step: usize) {
        let made = Made {
            step,
            name: name.into(),
        };
        self.outs.insert(name.to_owned(), (kind, made));
    }

    /// Records the object step `step` creates, named `name`.
    pub fn create_object(&mut self, name: &str, object_type: ObjectType, step: usize) {
        let made = Made {
            step,
            name: name.into(),
        };
        self.objects
            .insert(name.to_owned(), (Named::Made(made), object_type));
    }

    /// The names of one kind, sorted, for messages.
    #[must_use]
    pub fn names(&self, listed: Listed) -> Vec<String> {
        let outs = |keep: &dyn Fn(OutKind) -> bool| -> Vec<String> {
            self.outs
                .iter()
                .filter(|(_, (k, _))| keep(*k))
                .map(|(n, _)| n.clone())
                .collect()
        };
        let mut names: Vec<String> = match listed {
            Listed::Threads => self
                .threads
                .keys()
                .cloned()
                .chain(outs(&|k| matches!(k, OutKind::Thread | OutKind::Process)))
                .collect(),
            Listed::Processes => self
                .processes
                .keys()
                .cloned()
                .chain(outs(&|k| k == OutKind::Process))
                .collect(),
            Listed::Objects => self.objects.keys().cloned().collect(),
            Listed::Users => self
                .world
                .accounts
                .users
                .iter()
                .map(|u| self.world.name_of(u.principal).to_string())
                .collect(),
            Listed::Bound(kind) => outs(&|k| k == kind),
        };
        names.sort();
        names
    }
}

/// Reads argument `key` of `f`, which names something an earlier step bound with `out` as
/// `kind` (`null` is NULL): `noun` says what in messages (`a binding`).
pub fn bound_arg(
    f: &Fields<'_>,
    key: &str,
    what: &str,
    (noun, kind): (&str, OutKind),
    names: &Names<'_>,
) -> Read<Option<Made>> {
    let node = f.require(key, what)?;
    bound_node(node, &f.path(key), (noun, kind), names)
}

/// [`bound_arg`] for a node already in hand, at `path`.
pub fn bound_node(
    node: &Node,
    path: &str,
    (noun, kind): (&str, OutKind),
    names: &Names<'_>,
) -> Read<Option<Made>> {
    if node.is_null() {
        return Ok(None);
    }
    let name = string(node, path)?;
    names.bound(&name, kind).map(Some).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{name}` is not {noun} bound by an earlier step's `out`"),
        )
        .allowing(names.names(Listed::Bound(kind)))
    })
}
