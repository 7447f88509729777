//! The process: its configuration, the queue its listener fills with client requests, the
//! shared state its workers contend for, and the run that spawns the workers and joins
//! them.
//!
//! One lock guards the process's shared state (the work queue, the connection pool, the
//! database and the event log). Workers take items until the queue is empty and then exit:
//! there is no idle wait, so under loom every run ends. An item that queues a
//! continuation does so before it finishes, and its worker looks at the queue again
//! before exiting, so every continuation runs.

use std::collections::VecDeque;
use std::mem;

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{self, Carried, FlowMode, HandOff, Handles, ManagedThread};
use tokenhop_model::managed::{HandleId, Ident};

use super::check::{self, Violation};
use super::connections::{ConnectionPool, ConnectionStats, Database, PoolKey};
use super::event::{Action, Event, ItemId};
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

/// A work item waiting in the queue.
pub(crate) struct WorkItem {
    pub(crate) id: ItemId,
    /// What its hand-off captured ([`dotnet::capture`]).
    pub(crate) carried: Carried,
    /// The event it starts with: [`Action::Start`] or [`Action::Resume`].
    pub(crate) start: Action,
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

/// The clients' tokens a .NET Core server holds, one handle each, for RunImpersonated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub(crate) handles: Handles,
    of: Vec<(Ident, HandleId)>,
}

impl Tokens {
    fn open(&mut self, client: Ident) {
        if self.handle(client).is_none() {
            let handle = HandleId(u16::try_from(self.of.len()).unwrap_or(u16::MAX));
            self.handles.open(handle, client);
            self.of.push((client, handle));
        }
    }

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
    queue: VecDeque<WorkItem>,
    listener: ManagedThread,
    requests: Vec<(Ident, u16)>,
    tokens: Tokens,
}

impl Pool {
    /// A process with an empty queue.
    #[must_use]
    pub fn new(config: PoolConfig) -> Self {
        Pool {
            config,
            queue: VecDeque::new(),
            listener: ManagedThread::default(),
            requests: Vec::new(),
            tokens: Tokens::default(),
        }
    }

    /// The listener, running as the process, queues a request of `client` by `hand_off`
    /// (capturing what that hand-off carries from the listener's thread). The server logs
    /// the client on as it accepts it, so a token handle for RunImpersonated exists.
    pub fn submit(&mut self, client: Ident, hand_off: HandOff, body: Body) -> ItemId {
        self.tokens.open(client);
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
        let mut trail = Trail::rules_only();
        let carried = dotnet::capture(self.config.mode, hand_off, &self.listener, &mut trail);
        self.queue.push_back(WorkItem {
            id,
            carried,
            start: Action::Start { hand_off },
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
        let mode = self.config.mode;
        let spawned: Vec<_> = (1..=workers)
            .map(|index| {
                let shared = Arc::clone(&shared);
                let tokens = self.tokens.clone();
                thread::spawn(move || worker::work(index, &shared, mode, &tokens))
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
