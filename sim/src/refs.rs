//! What a loaded script's calls refer to: the model's [`Call`] over [`Symbolic`]
//! references. Loading decodes each step once into a [`StepCall`]; whatever the script
//! declares (its threads, processes and objects) is resolved then, to the starting world's
//! ids, and whatever a step makes (a handle, a thread, a binding, ...) is named by that
//! step, for the step loop to resolve when a later step runs.

use std::sync::Arc;

use tokenhop_model::machine::action::{Call, Refs};
use tokenhop_model::machine::ids::{ObjectId, ProcessId, ThreadId};

/// A step's call as loaded: typed, with symbolic references.
pub type StepCall = Call<Symbolic>;

/// Something a step made: a handle, thread, process, object, binding, credentials, context
/// or proxy, known by the step that makes it and the name the script gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Made {
    /// The index of the step that makes it.
    pub step: usize,
    /// Its name in the script (the step's `out`, or a new object's `name`).
    pub name: Arc<str>,
}

/// A thread, process or object: declared by the script (with its id in the starting
/// world) or made by a step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Named<Id> {
    /// Declared by the script.
    Declared(Id),
    /// Made by a step.
    Made(Made),
}

/// A thread named through a handle argument (`ThreadHandle`): the model's
/// [`tokenhop_model::machine::action::ThreadRef`] with symbolic references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreadArg {
    /// The calling thread (`GetCurrentThread()`).
    Current,
    /// A thread of the script, through its creator's handle.
    Thread(Named<ThreadId>),
    /// A handle a step opened (`None`: NULL).
    Handle(Option<Made>),
}

/// A process named through a handle argument: the model's
/// [`tokenhop_model::machine::action::ProcessRef`] with symbolic references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProcessArg {
    /// The calling thread's process (`GetCurrentProcess()`).
    Current,
    /// A process of the script, through its creator's handle.
    Process(Named<ProcessId>),
}

/// An RPC server function's `BindingHandle`: the model's
/// [`tokenhop_model::machine::action::CallRef`] with symbolic references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallArg {
    /// 0: the call the calling thread serves.
    Current,
    /// The handle of the call a thread serves.
    ServedBy(Named<ThreadId>),
    /// A client binding a step made (`None`: NULL).
    Client(Option<Made>),
}

/// References as a loaded script holds them. Handle-like arguments are `None` for NULL
/// (written `null`) or the step that makes the handle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Symbolic;

impl Refs for Symbolic {
    type Handle = Option<Made>;
    type Thread = Named<ThreadId>;
    type ThreadRef = ThreadArg;
    type ProcessRef = ProcessArg;
    type Object = Named<ObjectId>;
    type CallRef = CallArg;
    type Binding = Option<Made>;
    type Credentials = Option<Made>;
    type Context = Option<Made>;
    type Proxy = Option<Made>;
}
