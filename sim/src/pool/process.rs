//! The process: its configuration, the queue its listener fills with client requests, the
//! shared state its workers contend for, and the run that spawns the workers and joins
//! them.
//!
//! One lock guards the process's shared state (the work queue, the connection pool, the
//! database and the event log). Workers take items until the queue is empty and then exit:
//! there is no idle wait, so under loom every run ends. An item that queues a
//! continuation does so before it finishes, and its worker looks at the queue again
//! before exiting, so every continuation runs.
//!
//! The identity decisions are the runtime model's: the listener's thread and each worker
//! hold their own copy of the process's `tokenhop_model::managed::Runtime`, in which
//! their thread is [`THREAD`], and step it with `managed::step`; a work item carries the
//! context the model captured on the queuing thread (ExecutionContext.Capture), which the
//! worker that takes it runs (ExecutionContext.Run). A thread's identity depends only on
//! its own calls and on the contexts it runs, so the copies need no lock of their own.

use std::collections::VecDeque;
use std::mem;

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{
    Carried, Family, FlowConfig, FlowMode, HandOff, Host, ManagedThread,
};
use tokenhop_model::managed::{
    Action as Call, HandleId, Ident, Misuse, Runtime, Setup, ThreadId, Value, step_with,
};

use super::check::{self, Violation};
use super::connections::{ConnectionPool, ConnectionStats, Database, PoolKey};
use super::event::{Deed, Event, ItemId};
use super::sync::{Arc, Mutex, lock, thread};
use super::worker::{self, Body};

/// How the process is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolConfig {
    /// How the runtime flows identities across hand-offs.
    pub mode: FlowMode,
    /// How its connection pool finds a connection to reuse.
    pub pool_key: PoolKey,
    /// Whether overlapping database transactions deadlock (see [`Database::deadlocks`]).
    pub deadlocks: bool,
}

/// The thread each copy of the runtime gives its holder: the listener's, or a worker's.
pub const THREAD: ThreadId = ThreadId(0);

/// A runtime configuration whose process starts in `mode` (the model decides it when the
/// process starts): .NET Framework 1.1 for no context, 4.8 with legacy impersonation for
/// no flow, with always-flow for always-flow, by default for fast-flow, and .NET for the
/// AsyncLocal; one thread, each holder's own.
#[must_use]
pub fn setup(mode: FlowMode) -> Setup {
    let (family, config) = match mode {
        FlowMode::NoContext => (Family::Framework1, FlowConfig::default()),
        FlowMode::NoFlow => (
            Family::Framework2,
            FlowConfig {
                legacy: Some(true),
                ..FlowConfig::default()
            },
        ),
        FlowMode::AlwaysFlow => (
            Family::Framework2,
            FlowConfig {
                always_flow: Some(true),
                ..FlowConfig::default()
            },
        ),
        FlowMode::FastFlow => (Family::Framework2, FlowConfig::default()),
        FlowMode::AsyncLocal => (Family::Core, FlowConfig::default()),
    };
    Setup::dotnet(family.newest(), Host::App, config, 1)
}

/// A work item waiting in the queue.
pub(crate) struct WorkItem {
    pub(crate) id: ItemId,
    /// What its hand-off captured on the queuing thread, or why the runtime refused.
    pub(crate) context: Result<Carried, Misuse>,
    /// The event it starts with: [`Deed::Start`] or [`Deed::Resume`].
    pub(crate) start: Deed,
    pub(crate) body: Body,
}

/// The state the workers share, behind one lock.
pub(crate) struct Shared {
    pub(crate) queue: VecDeque<WorkItem>,
    pub(crate) connections: ConnectionPool,
    pub(crate) db: Database,
    log: Vec<Event>,
}

impl Shared {
    /// Appends `event` to the log, numbering it.
    pub(crate) fn push(&mut self, mut event: Event) {
        event.seq = self.log.len() + 1;
        self.log.push(event);
    }

    /// Appends a worker's buffered events, in its program order.
    pub(crate) fn publish(&mut self, pending: &mut Vec<Event>) {
        for event in pending.drain(..) {
            self.push(event);
        }
    }
}

/// The token handle the server holds for each client, for RunImpersonated (the handles
/// themselves are the runtime's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tokens {
    of: Vec<(Ident, HandleId)>,
}

impl Tokens {
    /// The handle to `client`'s token.
    pub(crate) fn handle(&self, client: Ident) -> Option<HandleId> {
        self.of.iter().find(|&&(c, _)| c == client).map(|&(_, h)| h)
    }
}

/// What a run of the pool left: its event log, the workers' final thread states and the
/// connection pool's counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// Everything the workers did, in the order the log received it.
    pub events: Vec<Event>,
    /// Each worker's thread as it exited (worker 1 first).
    pub finals: Vec<ManagedThread>,
    /// The connection pool's counters at the end.
    pub connections: ConnectionStats,
}

impl Served {
    /// Checks the pool's properties over the run ([`check::check`]).
    pub fn check(&self) -> Result<(), Violation> {
        check::check(&self.events, &self.finals)
    }
}

/// A process about to serve: its configuration and the requests its listener queued.
pub struct Pool {
    config: PoolConfig,
    setup: Setup,
    /// The runtime as the listener's thread holds it: started, the clients' tokens open.
    listener: Runtime,
    queue: VecDeque<WorkItem>,
    requests: Vec<(Ident, u16)>,
    tokens: Tokens,
}

impl Pool {
    /// A process with an empty queue: its runtime started.
    #[must_use]
    pub fn new(config: PoolConfig) -> Self {
        let setup = setup(config.mode);
        let fresh = Runtime::new(&setup);
        // A fresh runtime always starts: `Start` is refused only once started.
        let listener = step_with(&setup, &fresh, &Call::Start, Trail::rules_only())
            .map_or(fresh, |(started, _)| started);
        Pool {
            config,
            setup,
            listener,
            queue: VecDeque::new(),
            requests: Vec::new(),
            tokens: Tokens::default(),
        }
    }

    /// The flow mode the runtime started in.
    #[must_use]
    pub fn mode(&self) -> Option<FlowMode> {
        self.listener.mode()
    }

    /// The listener logs `client` on, once: a token handle for RunImpersonated.
    fn log_on(&mut self, client: Ident) {
        if self.tokens.handle(client).is_some() {
            return;
        }
        // One handle per client logged on, `client` not among them: of the 2^16 clients an
        // `Ident` numbers, at most 2^16 - 1 are, so the next handle's number fits.
        let Ok(next) = u16::try_from(self.tokens.of.len()) else {
            return;
        };
        let handle = HandleId(next);
        let open = Call::OpenToken {
            thread: THREAD,
            identity: client,
            handle,
        };
        if let Ok((next, _)) = step_with(&self.setup, &self.listener, &open, Trail::rules_only()) {
            self.listener = next;
            self.tokens.of.push((client, handle));
        }
    }

    /// The listener, running as the process, queues a request of `client` by `hand_off`
    /// (capturing what that hand-off carries from the listener's thread). The server logs
    /// the client on as it accepts it, so a token handle for RunImpersonated exists.
    pub fn submit(&mut self, client: Ident, hand_off: HandOff, body: Body) -> ItemId {
        self.log_on(client);
        let request = match self.requests.iter_mut().find(|(c, _)| *c == client) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.requests.push((client, 1));
                1
            }
        };
        let id = ItemId {
            client,
            request,
            continuation: 0,
        };
        let capture = Call::Capture {
            thread: THREAD,
            hand_off,
        };
        let context = step_with(&self.setup, &self.listener, &capture, Trail::rules_only())
            .and_then(|(_, outcome)| captured(&outcome.result));
        self.queue.push_back(WorkItem {
            id,
            context,
            start: Deed::Start { hand_off },
            body,
        });
        id
    }

    /// Runs the queued requests, and every continuation they queue, on `workers` worker
    /// threads, and returns once all of them have exited.
    #[must_use]
    pub fn run(self, workers: usize) -> Served {
        let shared = Arc::new(Mutex::new(Shared {
            queue: self.queue,
            connections: ConnectionPool::new(self.config.pool_key),
            db: Database::new(self.config.deadlocks),
            log: Vec::new(),
        }));
        let spawned: Vec<_> = (1..=workers)
            .map(|index| {
                let shared = Arc::clone(&shared);
                let tokens = self.tokens.clone();
                let setup = self.setup.clone();
                let runtime = self.listener.clone();
                thread::spawn(move || worker::work(index, &shared, &setup, runtime, &tokens))
            })
            .collect();
        let finals = spawned
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect();
        let mut state = lock(&shared);
        let events = mem::take(&mut state.log);
        let connections = state.connections.stats();
        drop(state);
        Served {
            events,
            finals,
            connections,
        }
    }
}

/// The context a `Capture` returned: the model answers one with
/// [`Value::Captured`], whatever the hand-off.
pub(crate) fn captured(
    result: &Result<Value, tokenhop_model::managed::exception::Exception>,
) -> Result<Carried, Misuse> {
    match result {
        Ok(Value::Captured(context)) => Ok(*context),
        _ => Err(Misuse::Unavailable("ExecutionContext.Capture")),
    }
}
