//! Whether an action can happen at all in a world. A synchronous RPC or COM call blocks
//! its client thread until the method returns, so a waiting thread makes no call, except
//! that a single-threaded apartment waiting on a COM call still serves incoming COM calls
//! (COMA-2); a method runs on a free thread of the server's process; only a thread serving
//! a call returns from one. Scripts that break these are refused before the model runs
//! the step, and the explorer generates only enabled actions.

use std::sync::Arc;

use crate::machine::action::{Action, Call};
use crate::machine::com::Apartment;
use crate::machine::ids::ThreadId;
use crate::machine::world::World;

/// Why an action cannot happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotEnabled {
    /// The calling thread waits for a call to return.
    #[error(
        "thread `{thread}` is waiting for its call to return (the method runs on thread `{server}`, which has not returned)"
    )]
    Waiting {
        /// The blocked thread.
        thread: Arc<str>,
        /// The thread serving its call.
        server: Arc<str>,
    },
    /// The server thread named by a call belongs to another process.
    #[error(
        "thread `{thread}` cannot run the call: it is not in process `{process}`, which serves `{server_of}`"
    )]
    NotInServer {
        /// The thread named.
        thread: Arc<str>,
        /// The server process.
        process: Arc<str>,
        /// The endpoint or class.
        server_of: Arc<str>,
    },
    /// The server thread named by a call cannot take it now.
    #[error("thread `{thread}` cannot run the call: it is {doing}")]
    Busy {
        /// The thread named.
        thread: Arc<str>,
        /// What it is doing.
        doing: &'static str,
    },
    /// A return on a thread that serves no call of that kind.
    #[error("thread `{thread}` is serving no {kind} call, so it has nothing to return from")]
    NoCall {
        /// The thread.
        thread: Arc<str>,
        /// RPC or COM.
        kind: &'static str,
    },
    /// A COM call needs something the script did not give.
    #[error("{0}")]
    Com(String),
}

/// The latest active call `thread` waits on: its sequence number and server thread.
fn waiting(world: &World, thread: ThreadId) -> Option<(u64, ThreadId, bool)> {
    let rpc = world
        .rpc
        .calls
        .iter()
        .filter(|c| c.active && c.client == thread)
        .map(|c| (c.seq, c.server, false));
    let com = world
        .com
        .calls
        .iter()
        .filter(|c| c.active && c.client == Some(thread))
        .map(|c| (c.seq, c.server, true));
    rpc.chain(com).max_by_key(|(seq, _, _)| *seq)
}

/// The latest active call `thread` serves: its sequence number and whether it is COM.
fn serving(world: &World, thread: ThreadId) -> Option<(u64, bool)> {
    let rpc = world
        .rpc
        .calls
        .iter()
        .filter(|c| c.active && c.server == thread)
        .map(|c| (c.seq, false));
    let com = world
        .com
        .calls
        .iter()
        .filter(|c| c.active && c.server == thread)
        .map(|c| (c.seq, true));
    rpc.chain(com).max_by_key(|(seq, _)| *seq)
}

/// Whether `thread` is blocked in a call of its own (and serves nothing newer).
#[must_use]
pub fn blocked(world: &World, thread: ThreadId) -> bool {
    match (waiting(world, thread), serving(world, thread)) {
        (Some((w, _, _)), Some((s, _))) => w > s,
        (Some(_), None) => true,
        _ => false,
    }
}

/// What keeps `server` from taking a new call, if anything (`com`: a COM call).
fn unavailable(
    world: &World,
    caller: ThreadId,
    server: ThreadId,
    com: bool,
) -> Option<&'static str> {
    if server == caller {
        return Some("the calling thread itself");
    }
    let busy_waiting = waiting(world, server);
    let busy_serving = serving(world, server);
    let sta = world.com.apartment(server) == Some(Apartment::Sta);
    match (busy_waiting, busy_serving) {
        (None, None) => None,
        (Some((w, _, waits_on_com)), s) if s.is_none_or(|(s, _)| w > s) => {
            if com && sta && waits_on_com {
                None
            } else if com && sta {
                Some("waiting on an RPC call, which does not pump its apartment")
            } else {
                Some("waiting for a call of its own")
            }
        }
        _ => Some("already serving a call"),
    }
}

/// Checks that `action` can happen in `world`.
pub fn check(world: &World, action: &Action) -> Result<(), NotEnabled> {
    let caller = action.caller;
    let name = |t: ThreadId| world.thread(t).name.clone();
    if blocked(world, caller) {
        let server = waiting(world, caller).map_or(caller, |(_, s, _)| s);
        return Err(NotEnabled::Waiting {
            thread: name(caller),
            server: name(server),
        });
    }
    match &action.call {
        Call::RpcReturn if serving(world, caller).is_none_or(|(_, com)| com) => {
            Err(NotEnabled::NoCall {
                thread: name(caller),
                kind: "RPC",
            })
        }
        Call::ComReturn if serving(world, caller).is_none_or(|(_, com)| !com) => {
            Err(NotEnabled::NoCall {
                thread: name(caller),
                kind: "COM",
            })
        }
        Call::RpcCall {
            binding: Some(binding),
            server,
        } => {
            let b = world.rpc.binding(*binding);
            let Some(endpoint) = world.rpc.endpoint(b.protseq, &b.endpoint) else {
                return Ok(());
            };
            let thread = world.thread(*server);
            if thread.process != endpoint.process {
                return Err(NotEnabled::NotInServer {
                    thread: thread.name.clone(),
                    process: world.process(endpoint.process).name.clone(),
                    server_of: endpoint.name.clone(),
                });
            }
            match unavailable(world, caller, *server, false) {
                Some(doing) => Err(NotEnabled::Busy {
                    thread: thread.name.clone(),
                    doing,
                }),
                None => Ok(()),
            }
        }
        Call::ComCall { proxy, server } => {
            let Some(proxy) = proxy else {
                return Err(NotEnabled::Com(
                    "the proxy is NULL (the step that was to create it failed), so there is no object to call".to_owned(),
                ));
            };
            let p = world.com.proxies.get(proxy.index());
            let Some(p) = p else {
                return Err(NotEnabled::Com("the proxy does not exist".to_owned()));
            };
            if p.queued {
                return Ok(());
            }
            let Some(server) = server else {
                return Err(NotEnabled::Com(
                    "a call on a proxy to a local server needs `server`, the thread that runs the method".to_owned(),
                ));
            };
            let class = world.com.classes.get(p.class as usize);
            let Some(class) = class else {
                return Err(NotEnabled::Com(
                    "the proxy's class does not exist".to_owned(),
                ));
            };
            let thread = world.thread(*server);
            if thread.process != class.server {
                return Err(NotEnabled::NotInServer {
                    thread: thread.name.clone(),
                    process: world.process(class.server).name.clone(),
                    server_of: class.name.clone(),
                });
            }
            if world.com.apartment(*server).is_none() {
                return Err(NotEnabled::Com(format!(
                    "thread `{}` has not called CoInitializeEx, so COM cannot run the method on it",
                    thread.name
                )));
            }
            match unavailable(world, caller, *server, true) {
                Some(doing) => Err(NotEnabled::Busy {
                    thread: thread.name.clone(),
                    doing,
                }),
                None => Ok(()),
            }
        }
        Call::ComPlayQueued => {
            if serving(world, caller).is_some() {
                return Err(NotEnabled::Busy {
                    thread: name(caller),
                    doing: "already serving a call",
                });
            }
            let process = world.thread(caller).process;
            let queued = world.com.queue.iter().any(|m| {
                world
                    .com
                    .classes
                    .get(m.class as usize)
                    .is_some_and(|c| c.server == process)
            });
            if queued {
                Ok(())
            } else {
                Err(NotEnabled::Com(format!(
                    "no recorded message waits for process `{}`",
                    world.process(process).name
                )))
            }
        }
        _ => Ok(()),
    }
}
