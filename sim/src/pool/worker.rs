//! A worker thread of the pool and the context a work item's body runs with.
//!
//! A worker holds its own copy of the process's runtime, in which its thread is
//! [`THREAD`]. For each item it takes, it runs the context the item's hand-off captured
//! (`RunCaptured`), then the body, then returns (`Finish`); every call of the body that
//! carries an identity (Impersonate, Undo, P/Invoke, RevertToSelf, RunImpersonated, a
//! continuation's capture) is one `tokenhop_model::managed::step` too. The identity flow
//! under test is therefore exactly the runtime model's. Each operation of the body records
//! an [`Event`], with the rules of the steps it took; events of the worker's own thread
//! are buffered and published with its next operation on the shared state.

use tokenhop_model::RuleId;
use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{HandOff, ManagedThread};
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::{
    Action as Call, ContextId, Ident, ItemId as ModelItem, Misuse, Outcome, Runtime, ScopeId,
    Setup, step_in_place,
};

use super::check::{Acting, flowed_identity};
use super::connections::Connection;
use super::event::{Deed, Event, How, ItemId};
use super::process::{Shared, THREAD, Tokens, WorkItem, captured};
use super::sync::{Mutex, MutexGuard, lock};

/// The body of a work item: server code, run on whichever worker takes the item.
pub type Body = Box<dyn FnOnce(&mut Ctx<'_>) + Send>;

/// The work item a worker runs, as its runtime names it: one at a time.
const ITEM: ModelItem = ModelItem(0);

/// What [`Ctx::impersonate_client`] returns and [`Ctx::undo`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Impersonation {
    context: ContextId,
    previous: Option<Acting>,
}

/// Why a call of the body did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Failure {
    /// It threw.
    Threw(Exception),
    /// The runtime has no such call (the server was written for another runtime).
    Refused(Misuse),
}

/// The context a work item's body runs with: the worker's runtime and the process's
/// shared state, through operations that record what they did and as whom.
pub struct Ctx<'a> {
    worker: usize,
    item: ItemId,
    setup: &'a Setup,
    runtime: &'a mut Runtime,
    shared: &'a Mutex<Shared>,
    tokens: &'a Tokens,
    pending: &'a mut Vec<Event>,
    /// The rules the steps took since the last event, in order.
    rules: Vec<RuleId>,
    acting: Option<Acting>,
    queued: u16,
    contexts: u16,
    scopes: u16,
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
        self.runtime.thread(THREAD).and_then(|t| t.os_token)
    }

    /// Steps the worker's runtime with `call`, keeping the rules it applied for the next
    /// event; a call the runtime refuses is recorded.
    fn call(&mut self, call: Call) -> Result<Outcome, Misuse> {
        match step_in_place(self.setup, self.runtime, &call, Trail::rules_only()) {
            Ok(outcome) => {
                for d in &outcome.decisions {
                    if !self.rules.contains(&d.rule) {
                        self.rules.push(d.rule);
                    }
                }
                Ok(outcome)
            }
            Err(misuse) => {
                self.record(Deed::Refused(misuse));
                Err(misuse)
            }
        }
    }

    /// `WindowsIdentity.Impersonate` of the item's client (.NET Framework managed
    /// impersonation, CLR-3).
    pub fn impersonate_client(&mut self) -> Impersonation {
        let who = self.client();
        let context = ContextId(self.contexts);
        self.contexts = self.contexts.saturating_add(1);
        let _ = self.call(Call::Impersonate {
            thread: THREAD,
            identity: who,
            context,
        });
        let previous = self.acting.replace(Acting {
            how: How::Managed,
            who,
        });
        self.record(Deed::Impersonate(How::Managed));
        Impersonation { context, previous }
    }

    /// `WindowsImpersonationContext.Undo` (MRT-1).
    pub fn undo(&mut self, impersonation: Impersonation) {
        let _ = self.call(Call::Undo {
            thread: THREAD,
            context: impersonation.context,
        });
        self.acting = impersonation.previous;
        self.record(Deed::Revert(How::Managed));
    }

    /// `ImpersonateLoggedOnUser` of the item's client through P/Invoke: the OS token only,
    /// which the runtime does not see (CLR-3, CLR-13).
    pub fn pinvoke_impersonate(&mut self) {
        let who = self.client();
        let _ = self.call(Call::PinvokeImpersonate {
            thread: THREAD,
            identity: who,
        });
        self.acting = Some(Acting {
            how: How::PInvoke,
            who,
        });
        self.record(Deed::Impersonate(How::PInvoke));
    }

    /// `RevertToSelf` through P/Invoke.
    pub fn pinvoke_revert(&mut self) {
        let _ = self.call(Call::PinvokeRevert { thread: THREAD });
        self.acting = None;
        self.record(Deed::Revert(How::PInvoke));
    }

    /// `WindowsIdentity.RunImpersonated` with the client's token handle around `f`; the
    /// runtime reverts when `f` returns, whatever it did (CLR-12, CLR-14).
    pub fn run_impersonated<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> Result<R, Failure> {
        let who = self.client();
        let Some(handle) = self.tokens.handle(who) else {
            self.record(Deed::Failed(Exception::ObjectDisposed));
            return Err(Failure::Threw(Exception::ObjectDisposed));
        };
        let scope = ScopeId(self.scopes);
        self.scopes = self.scopes.saturating_add(1);
        let entered = self
            .call(Call::RunImpersonated {
                thread: THREAD,
                handle,
                scope,
            })
            .map_err(Failure::Refused)?;
        if let Err(e) = entered.result {
            self.record(Deed::Failed(e));
            return Err(Failure::Threw(e));
        }
        let previous = self.acting.replace(Acting {
            how: How::RunImpersonated,
            who,
        });
        self.record(Deed::Impersonate(How::RunImpersonated));
        let result = f(self);
        let _ = self.call(Call::End {
            thread: THREAD,
            scope,
        });
        self.acting = previous;
        self.record(Deed::Revert(How::RunImpersonated));
        Ok(result)
    }

    /// Opens `resource`, which the server means to open as its client.
    pub fn access(&mut self, resource: &'static str) {
        let meant = Some(self.client());
        self.record(Deed::Access { resource, meant });
    }

    /// Calls the back end `target`, which the server means to call as its client.
    pub fn outbound_call(&mut self, target: &'static str) {
        let meant = Some(self.client());
        self.record(Deed::Outbound { target, meant });
    }

    /// Takes a connection from the pool for the identity in effect, or opens one as it.
    pub fn open_connection(&mut self) -> Connection {
        let identity = self.identity();
        let mut shared = locked(self.shared, self.pending);
        let (connection, reused) = shared.connections.get(identity);
        let deed = if reused {
            Deed::Reuse {
                conn: connection.id,
            }
        } else {
            Deed::Open {
                conn: connection.id,
            }
        };
        let event = self.event(deed, connection.opened_as);
        shared.push(event);
        connection
    }

    /// Runs a transaction on `connection`, which the server means the database to see as
    /// `meant`: the database sees the connection's login. It fails when the database
    /// picks it as deadlock victim.
    pub fn query(&mut self, connection: Connection, meant: Option<Ident>) -> Result<(), Exception> {
        let mut shared = locked(self.shared, self.pending);
        let begun = shared.db.begin();
        let deed = match begun {
            Ok(()) => Deed::Query {
                conn: connection.id,
                meant,
            },
            Err(e) => Deed::Failed(e),
        };
        let event = self.event(deed, connection.opened_as);
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
            Deed::Close {
                conn: connection.id,
            },
            connection.opened_as,
        );
        shared.push(event);
    }

    /// Queues `body` as a continuation of this item by `hand_off`: the runtime captures
    /// what the hand-off carries from this thread now (CLR-2..13).
    pub fn queue_continuation(&mut self, hand_off: HandOff, body: Body) -> ItemId {
        let context = self
            .call(Call::Capture {
                thread: THREAD,
                hand_off,
            })
            .and_then(|outcome| captured(&outcome.result));
        let mode = self.runtime.mode();
        let expected = mode.and_then(|m| flowed_identity(m, hand_off, self.acting));
        self.queued += 1;
        let id = ItemId {
            continuation: self.item.continuation + self.queued,
            ..self.item
        };
        let event = self.event(Deed::Queue { hand_off, item: id }, self.identity());
        let mut shared = locked(self.shared, self.pending);
        shared.push(event);
        shared.queue.push_back(WorkItem {
            id,
            context,
            start: Deed::Resume { hand_off, expected },
            body,
        });
        id
    }

    /// Records an event of this thread, under the worker's OS token.
    fn record(&mut self, deed: Deed) {
        let event = self.event(deed, self.identity());
        self.pending.push(event);
    }

    /// An event with the rules the runtime model applied since the last one.
    fn event(&mut self, deed: Deed, identity: Option<Ident>) -> Event {
        Event {
            seq: 0,
            worker: self.worker,
            item: self.item,
            deed,
            identity,
            rules: std::mem::take(&mut self.rules),
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
    setup: &Setup,
    mut runtime: Runtime,
    tokens: &Tokens,
) -> ManagedThread {
    let mut pending = Vec::new();
    loop {
        let item = locked(shared, &mut pending).queue.pop_front();
        let Some(item) = item else {
            break;
        };
        let ctx = Ctx {
            worker,
            item: item.id,
            setup,
            runtime: &mut runtime,
            shared,
            tokens,
            pending: &mut pending,
            rules: Vec::new(),
            acting: None,
            queued: 0,
            contexts: 0,
            scopes: 0,
        };
        run(ctx, item);
    }
    runtime.thread(THREAD).copied().unwrap_or_default()
}

/// Runs one item: enter its context, its body, return.
fn run(mut ctx: Ctx<'_>, item: WorkItem) {
    ctx.acting = match item.start {
        Deed::Resume {
            expected: Some(who),
            ..
        } => Some(Acting {
            how: How::Flowed,
            who,
        }),
        _ => None,
    };
    let entered = match item.context {
        Ok(context) => ctx.call(Call::RunCaptured {
            thread: THREAD,
            item: ITEM,
            context,
        }),
        Err(misuse) => {
            ctx.record(Deed::Refused(misuse));
            Err(misuse)
        }
    };
    match entered.map(|outcome| outcome.result) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            ctx.record(Deed::EnterFailed(e));
            ctx.record(Deed::Finish);
            return;
        }
        Err(_) => {
            ctx.record(Deed::Finish);
            return;
        }
    }
    ctx.record(item.start);
    (item.body)(&mut ctx);
    let _ = ctx.call(Call::Finish {
        thread: THREAD,
        item: ITEM,
    });
    ctx.record(Deed::Finish);
}
