//! The event log of the worker pool: what each worker did for which work item, and the
//! identity it did it under. Workers publish their events with each operation on the
//! process's shared state, so the log is one order in which the run could have happened;
//! printed one event a line it is the schedule a violation shows.

use std::fmt;

use tokenhop_model::managed::dotnet::HandOff;
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::{Ident, Misuse};
use tokenhop_model::rules::RuleId;

/// How an identity is named in schedules: `the service` for the process's own identity
/// (`None`), `client-A` for identity 1, `client-B` for 2 and so on.
#[must_use]
pub fn who(identity: Option<Ident>) -> String {
    match identity {
        None => "the service".into(),
        Some(client) => client_name(client),
    }
}

/// A client's name: `client-A` for identity 1 (`client-27` past the alphabet).
#[must_use]
pub fn client_name(client: Ident) -> String {
    match u8::try_from(client) {
        Ok(n @ 1..=26) => format!("client-{}", char::from(b'A' + n - 1)),
        _ => format!("client-{client}"),
    }
}

/// Which work item an event belongs to: the client it serves, which of that client's
/// requests, and which continuation of it (a label for schedules, not a key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemId {
    /// The client the item works for.
    pub client: Ident,
    /// The client's request it belongs to, from 1.
    pub request: u16,
    /// 0 for the request; a continuation is numbered its parent's number plus its place
    /// among the continuations the parent queued (1 for the request's first).
    pub continuation: u16,
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", client_name(self.client), self.request)?;
        if self.continuation > 0 {
            write!(f, ".{}", self.continuation)?;
        }
        Ok(())
    }
}

/// How a work item came to act as someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum How {
    /// `WindowsIdentity.Impersonate` (.NET Framework managed impersonation).
    Managed,
    /// `ImpersonateLoggedOnUser` / `RevertToSelf` through P/Invoke.
    PInvoke,
    /// `WindowsIdentity.RunImpersonated`.
    RunImpersonated,
    /// The identity flowed into a continuation with its context.
    Flowed,
}

/// What a worker did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deed {
    /// Took a client's request from the queue and entered its context.
    Start {
        /// How the listener queued it.
        hand_off: HandOff,
    },
    /// Took a continuation from the queue and entered the context it captured.
    Resume {
        /// How it was queued.
        hand_off: HandOff,
        /// The identity the flow rules give it, computed independently of the runtime
        /// model (see [`super::check::flowed_identity`]).
        expected: Option<Ident>,
    },
    /// Entering the item's context threw: the item did not run.
    EnterFailed(Exception),
    /// The runtime refused a call: it has no such call (the server was written for
    /// another runtime).
    Refused(Misuse),
    /// Began acting as the item's client.
    Impersonate(How),
    /// Stopped acting as the client.
    Revert(How),
    /// Opened a resource the server meant to open as `meant`.
    Access {
        /// The resource.
        resource: &'static str,
        /// The identity the server meant it to be opened as.
        meant: Option<Ident>,
    },
    /// Called a back end the server meant to call as `meant`.
    Outbound {
        /// The back end.
        target: &'static str,
        /// The identity the server meant to call it as.
        meant: Option<Ident>,
    },
    /// Opened a new database connection (its login is the identity in effect).
    Open {
        /// The connection's number.
        conn: u32,
    },
    /// Took a pooled connection (its login is the identity it was opened as).
    Reuse {
        /// The connection's number.
        conn: u32,
    },
    /// Ran a query the server meant to run as `meant`, on a connection.
    Query {
        /// The connection's number.
        conn: u32,
        /// The identity the server meant the database to see.
        meant: Option<Ident>,
    },
    /// A call failed with an exception (the item's error path).
    Failed(Exception),
    /// Returned a connection to the pool.
    Close {
        /// The connection's number.
        conn: u32,
    },
    /// Queued a continuation.
    Queue {
        /// How.
        hand_off: HandOff,
        /// The continuation queued.
        item: ItemId,
    },
    /// The item finished; the worker goes back to the pool with the identity shown.
    Finish,
}

impl fmt::Display for Deed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Deed::Start { hand_off } => write!(f, "start request ({})", hand_off.name()),
            Deed::Resume { hand_off, expected } => write!(
                f,
                "resume ({}; rules give {})",
                hand_off.name(),
                who(expected)
            ),
            Deed::EnterFailed(e) => write!(f, "entering its context threw {}", e.name()),
            Deed::Refused(m) => write!(f, "the runtime refused: {m}"),
            Deed::Impersonate(How::Managed) => f.write_str("WindowsIdentity.Impersonate"),
            Deed::Impersonate(How::PInvoke) => f.write_str("ImpersonateLoggedOnUser (P/Invoke)"),
            Deed::Impersonate(How::RunImpersonated) => f.write_str("RunImpersonated: enter"),
            Deed::Impersonate(How::Flowed) => f.write_str("impersonate (flowed)"),
            Deed::Revert(How::Managed) => f.write_str("WindowsImpersonationContext.Undo"),
            Deed::Revert(How::PInvoke) => f.write_str("RevertToSelf (P/Invoke)"),
            Deed::Revert(How::RunImpersonated) => f.write_str("RunImpersonated: leave"),
            Deed::Revert(How::Flowed) => f.write_str("revert (flowed)"),
            Deed::Access { resource, .. } => write!(f, "access({resource})"),
            Deed::Outbound { target, .. } => write!(f, "call({target})"),
            Deed::Open { conn } => write!(f, "open conn#{conn}"),
            Deed::Reuse { conn } => write!(f, "reuse pooled conn#{conn}"),
            Deed::Query { conn, .. } => write!(f, "query(db) on conn#{conn}"),
            Deed::Failed(Exception::Sql(n, _)) => write!(f, "failed: Msg {n}"),
            Deed::Failed(e) => write!(f, "failed: {}", e.name()),
            Deed::Close { conn } => write!(f, "return conn#{conn} to the pool"),
            Deed::Queue { hand_off, item } => write!(f, "queue {item} ({})", hand_off.name()),
            Deed::Finish => f.write_str("finish: back to the pool"),
        }
    }
}

/// One thing a worker did, in the order the log received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Its place in the log, from 1.
    pub seq: usize,
    /// The worker that did it, from 1.
    pub worker: usize,
    /// The work item it did it for.
    pub item: ItemId,
    /// What it did.
    pub deed: Deed,
    /// The identity in effect: the worker's OS token after the deed, or for a
    /// connection and its queries the login the connection was opened with.
    pub identity: Option<Ident>,
    /// The rules of the runtime model that decided it.
    pub rules: Vec<RuleId>,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let worker = format!("worker-{}", self.worker);
        let item = self.item.to_string();
        let deed = self.deed.to_string();
        write!(
            f,
            "{:>3}. {worker:<9} {item:<14} {deed:<52} as {}",
            self.seq,
            who(self.identity)
        )?;
        if !self.rules.is_empty() {
            let rules: Vec<&str> = self.rules.iter().map(|r| r.code()).collect();
            write!(f, "  [{}]", rules.join(" "))?;
        }
        Ok(())
    }
}
