//! A worker thread of the pool and the context a work item's body runs with.
//!
//! A worker owns a [`ManagedThread`]: its OS token and what the runtime knows about it.
//! For each item it takes, it runs [`dotnet::enter`] with what the item's hand-off
//! captured, then the body, then [`dotnet::leave`]; a continuation the body queues is
//! captured with [`dotnet::capture`]. The identity flow under test is therefore exactly
//! the runtime model's. Each operation of the body records an [`Event`]; events of the
//! worker's own thread are buffered and published with its next operation on the shared
//! state.

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::dotnet::{
    self, FlowMode, HandOff, ImpersonationContext, ManagedThread,
};
use tokenhop_model::managed::exception::Exception;

use super::check::{Acting, flowed_identity};
use super::connections::Connection;
use super::event::{Action, Event, How, ItemId};
use super::process::{Shared, Tokens, WorkItem};
use super::sync::{Mutex, MutexGuard, lock};

/// The body of a work item: server code, run on whichever worker takes the item.
pub type Body = Box<dyn FnOnce(&mut Ctx<'_>) + Send>;

/// What [`Ctx::impersonate_client`] returns and [`Ctx::undo`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Impersonation {
    context: ImpersonationContext,
    previous: Option<Acting>,
}

/// The context a work item's body runs with: the worker's thread and the process's
/// shared state, through operations that record what they did and as whom.
pub struct Ctx<'a> {
    worker: usize,
    item: ItemId,
    mode: FlowMode,
    thread: &'a mut ManagedThread,
    shared: &'a Mutex<Shared>,
    tokens: &'a Tokens,
    pending: &'a mut Vec<Event>,
    trail: Trail,
    noted: usize,
    acting: Option<Acting>,
    queued: u16,
}

impl Ctx<'_> {
    /// The client the item works for.
    #[must_use]
    pub fn client(&self) -> Ident {
        self.item.client
    }

    /// The item being run.
    #[must_use]
    pub fn item(&self) -> ItemId {
        self.item
    }

    /// The worker's OS token now (`None`: it acts as the process).
    #[must_use]
    pub fn identity(&self) -> Option<Ident> {
        self.thread.os_token
    }

    /// `WindowsIdentity.Impersonate` of the item's client (.NET Framework managed
    /// impersonation, CLR-3).
    pub fn impersonate_client(&mut self) -> Impersonation {
        let who = self.client();
        let context = dotnet::impersonate(self.thread, who, &mut self.trail);
        let previous = self.acting.replace(Acting {
            how: How::Managed,
            who,
        });
        self.record(Action::Impersonate(How::Managed));
        Impersonation { context, previous }
    }

    /// `WindowsImpersonationContext.Undo` (MRT-1).
    pub fn undo(&mut self, impersonation: Impersonation) {
        dotnet::undo(self.thread, impersonation.context, &mut self.trail);
        self.acting = impersonation.previous;
        self.record(Action::Revert(How::Managed));
    }

    /// `ImpersonateLoggedOnUser` of the item's client through P/Invoke: the OS token only,
    /// which the runtime does not see (CLR-3).
    pub fn pinvoke_impersonate(&mut self) {
        let who = self.client();
        dotnet::pinvoke_impersonate(self.thread, who, &mut self.trail);
        self.acting = Some(Acting {
            how: How::PInvoke,
            who,
        });
        self.record(Action::Impersonate(How::PInvoke));
    }

    /// `RevertToSelf` through P/Invoke.
    pub fn pinvoke_revert(&mut self) {
        dotnet::pinvoke_revert(self.thread, &mut self.trail);
        self.acting = None;
        self.record(Action::Revert(How::PInvoke));
    }

    /// `WindowsIdentity.RunImpersonated` with the client's token handle around `f`; the
    /// runtime reverts when `f` returns, whatever it did (CLR-12, CLR-14).
    pub fn run_impersonated<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> Result<R, Exception> {
        let who = self.client();
        let Some(handle) = self.tokens.handle(who) else {
            self.record(Action::Failed(Exception::ObjectDisposed));
            return Err(Exception::ObjectDisposed);
        };
        let frame = match dotnet::run_impersonated(
            self.mode,
            self.thread,
            handle,
            &self.tokens.handles,
            &mut self.trail,
        ) {
            Ok(frame) => frame,
            Err(e) => {
                self.record(Action::Failed(e));
                return Err(e);
            }
        };
        let previous = self.acting.replace(Acting {
            how: How::RunImpersonated,
            who,
        });
        self.record(Action::Impersonate(How::RunImpersonated));
        let result = f(self);
        dotnet::leave(frame, self.thread, &mut self.trail);
        self.acting = previous;
        self.record(Action::Revert(How::RunImpersonated));
        Ok(result)
    }

    /// Opens `resource`, which the server means to open as its client.
    pub fn access(&mut self, resource: &'static str) {
        let meant = Some(self.client());
        self.record(Action::Access { resource, meant });
    }

    /// Calls the back end `target`, which the server means to call as its client.
    pub fn outbound_call(&mut self, target: &'static str) {
        let meant = Some(self.client());
        self.record(Action::Outbound { target, meant });
    }

    /// Takes a connection from the pool for the identity in effect, or opens one as it.
    pub fn open_connection(&mut self) -> Connection {
        let identity = self.thread.os_token;
        let mut shared = locked(self.shared, self.pending);
        let (connection, reused) = shared.connections.get(identity);
        let action = if reused {
            Action::Reuse {
                conn: connection.id,
            }
        } else {
            Action::Open {
                conn: connection.id,
            }
        };
        let event = self.event(action, connection.opened_as);
        shared.push(event);
        connection
    }

    /// Runs a transaction on `connection`, which the server means the database to see as
    /// `meant`: the database sees the connection's login. It fails when the database
    /// picks it as deadlock victim.
    pub fn query(&mut self, connection: Connection, meant: Option<Ident>) -> Result<(), Exception> {
        let mut shared = locked(self.shared, self.pending);
        let begun = shared.db.begin();
        let action = match begun {
            Ok(()) => Action::Query {
                conn: connection.id,
                meant,
            },
            Err(e) => Action::Failed(e),
        };
        let event = self.event(action, connection.opened_as);
        shared.push(event);
        drop(shared);
        begun?;
        locked(self.shared, self.pending).db.commit();
        Ok(())
    }

    /// Returns `connection` to the pool.
    pub fn close_connection(&mut self, connection: Connection) {
        let mut shared = locked(self.shared, self.pending);
        shared.connections.put(connection);
        let event = self.event(
            Action::Close {
                conn: connection.id,
            },
            connection.opened_as,
        );
        shared.push(event);
    }

    /// Queues `body` as a continuation of this item by `hand_off`: the runtime captures
    /// what the hand-off carries from this thread now (CLR-2..13).
    pub fn queue_continuation(&mut self, hand_off: HandOff, body: Body) -> ItemId {
        let carried = dotnet::capture(self.mode, hand_off, self.thread, &mut self.trail);
        let expected = flowed_identity(self.mode, hand_off, self.acting);
        self.queued += 1;
        let id = ItemId {
            continuation: self.item.continuation + self.queued,
            ..self.item
        };
        let event = self.event(Action::Queue { hand_off, item: id }, self.thread.os_token);
        let mut shared = locked(self.shared, self.pending);
        shared.push(event);
        shared.queue.push_back(WorkItem {
            id,
            carried,
            start: Action::Resume { hand_off, expected },
            body,
        });
        id
    }

    /// Records an event of this thread, under the worker's OS token.
    fn record(&mut self, action: Action) {
        let event = self.event(action, self.thread.os_token);
        self.pending.push(event);
    }

    /// An event with the rules the runtime model noted since the last one.
    fn event(&mut self, action: Action, identity: Option<Ident>) -> Event {
        let mut rules = Vec::new();
        for decision in self.trail.decisions().iter().skip(self.noted) {
            if !rules.contains(&decision.rule) {
                rules.push(decision.rule);
            }
        }
        self.noted = self.trail.decisions().len();
        Event {
            seq: 0,
            worker: self.worker,
            item: self.item,
            action,
            identity,
            rules,
        }
    }
}

/// Locks the shared state and publishes a worker's buffered events.
fn locked<'s>(shared: &'s Mutex<Shared>, pending: &mut Vec<Event>) -> MutexGuard<'s, Shared> {
    let mut state = lock(shared);
    state.publish(pending);
    state
}

/// A worker: takes items until the queue is empty, then exits with its thread's state.
pub(crate) fn work(
    worker: usize,
    shared: &Mutex<Shared>,
    mode: FlowMode,
    tokens: &Tokens,
) -> ManagedThread {
    let mut thread = ManagedThread::default();
    let mut pending = Vec::new();
    loop {
        let item = locked(shared, &mut pending).queue.pop_front();
        let Some(item) = item else {
            break;
        };
        run(
            worker,
            item,
            &mut thread,
            shared,
            mode,
            tokens,
            &mut pending,
        );
    }
    thread
}

/// Runs one item: enter its context, its body, leave.
fn run(
    worker: usize,
    item: WorkItem,
    thread: &mut ManagedThread,
    shared: &Mutex<Shared>,
    mode: FlowMode,
    tokens: &Tokens,
    pending: &mut Vec<Event>,
) {
    let acting = match item.start {
        Action::Resume {
            expected: Some(who),
            ..
        } => Some(Acting {
            how: How::Flowed,
            who,
        }),
        _ => None,
    };
    let mut ctx = Ctx {
        worker,
        item: item.id,
        mode,
        thread,
        shared,
        tokens,
        pending,
        trail: Trail::rules_only(),
        noted: 0,
        acting,
        queued: 0,
    };
    let entered = dotnet::enter(item.carried, ctx.thread, &tokens.handles, &mut ctx.trail);
    let frame = match entered {
        Ok(frame) => frame,
        Err(e) => {
            ctx.record(Action::EnterFailed(e));
            ctx.record(Action::Finish);
            return;
        }
    };
    ctx.record(item.start);
    (item.body)(&mut ctx);
    dotnet::leave(frame, ctx.thread, &mut ctx.trail);
    ctx.record(Action::Finish);
}
