//! The real threads that stand for a script's threads. Each runs the calls of its steps,
//! one at a time, so that a thread's impersonation token is that thread's own, as in the
//! script. The step loop waits for each call before it sends the next, so the threads
//! never run at the same time; the shared state travels with each call.
//!
//! An RPC call changes which real thread stands for a script thread. The client's thread
//! blocks inside the call without the shared state; the RPC runtime runs the manager
//! routine on a thread of its own, which announces itself ([`serve_call`]) and from then
//! on runs the server thread's steps until the script's `RpcReturn`. The client's thread
//! reports when its call returns.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use tokenhop_model::machine::ids::ThreadId;
use windows_sys::Win32::Foundation::CloseHandle;
use windows_sys::Win32::System::Threading::{
    CreateThread, GetCurrentThreadId, OpenThread, THREAD_ALL_ACCESS,
};

use super::Shared;
use crate::host::{Observed, Skip};

type Job = Box<dyn FnOnce(&mut Shared) -> Result<Observed, Skip> + Send>;
type Done = (Box<Shared>, Result<Observed, Skip>);
/// A call that blocks its thread and returns a status, made without the shared state.
type Blocking = Box<dyn FnOnce() -> i32 + Send>;

/// How long the adapter waits for an RPC call to reach its server or to return.
const RPC_WAIT: Duration = Duration::from_secs(30);

enum Message {
    /// Run a step's call with the shared state and send it back.
    Run(Box<Shared>, Job),
    /// Make a blocking call for the script thread named, and report its status.
    Block(ThreadId, Blocking),
    /// The manager routine returns (sent to a thread serving a call).
    Return,
    /// The script is over.
    Stop,
}

/// What happens on the RPC runtime's side, reported to the step loop.
enum Arrival {
    /// A call reached the manager routine on a runtime thread: where to send that
    /// thread's steps, a full-access handle to it, its id, and the call's server binding.
    Called {
        to: Sender<Message>,
        handle: usize,
        id: u32,
        binding: usize,
    },
    /// A blocking call made for a script thread returned with a status.
    Returned { client: ThreadId, status: i32 },
}

/// Where a runtime thread reports a call and sends back the shared state.
struct Link {
    arrivals: Sender<Arrival>,
    back: Sender<Done>,
}

/// The link of the script being run (one per process: the adapter runs one script at a
/// time).
static LINK: Mutex<Option<Link>> = Mutex::new(None);

/// A runtime thread standing for a script's server thread during a call.
struct Serving {
    to: Sender<Message>,
    handle: usize,
    /// The thread the script thread had before the call (restored after it).
    before: Option<(usize, u32)>,
    client: ThreadId,
}

struct Worker {
    to: Sender<Message>,
    /// How to wait for it: a thread the adapter started itself, or one a step created
    /// with CreateThread (not waited for).
    join: Option<JoinHandle<()>>,
}

/// What a thread created by a step's CreateThread starts with.
struct Start {
    from: Receiver<Message>,
    back: Sender<Done>,
    arrivals: Sender<Arrival>,
}

/// The start routine of a thread a step created: it runs the steps sent to it.
unsafe extern "system" fn created_thread_start(parameter: *mut std::ffi::c_void) -> u32 {
    // SAFETY: the parameter is the Start that create_thread leaked for this thread alone.
    let start = unsafe { Box::from_raw(parameter.cast::<Start>()) };
    run_messages(&start.from, &start.back, &start.arrivals);
    0
}

/// The threads, and the shared state while no call runs.
pub struct Workers {
    workers: HashMap<ThreadId, Worker>,
    back: Receiver<Done>,
    arrivals: Receiver<Arrival>,
    shared: Option<Box<Shared>>,
    /// Script threads served by a runtime thread during a call.
    serving: HashMap<ThreadId, Serving>,
    /// Senders to the step loop and the RPC side, for threads steps create.
    back_to: Sender<Done>,
    arrivals_to: Sender<Arrival>,
    /// Client script threads blocked in a call, with the server thread serving it.
    waiting: HashMap<ThreadId, ThreadId>,
}

/// Runs the messages a thread receives until it is told to return or stop.
fn run_messages(from: &Receiver<Message>, back: &Sender<Done>, arrivals: &Sender<Arrival>) {
    while let Ok(message) = from.recv() {
        match message {
            Message::Run(mut shared, job) => {
                let result = job(&mut shared);
                if back.send((shared, result)).is_err() {
                    break;
                }
            }
            Message::Block(client, call) => {
                let status = call();
                if arrivals.send(Arrival::Returned { client, status }).is_err() {
                    break;
                }
            }
            Message::Return | Message::Stop => break,
        }
    }
}

/// A full-access handle to the calling thread, and its id.
fn own_thread() -> (usize, u32) {
    // SAFETY: plain calls on the calling thread's own id.
    unsafe {
        let id = GetCurrentThreadId();
        (OpenThread(THREAD_ALL_ACCESS, 0, id) as usize, id)
    }
}

/// Called by the test interface's manager routine: announces the call and runs the server
/// thread's steps on this (runtime) thread until the script's `RpcReturn`.
pub fn serve_call(binding: usize) {
    let link = LINK
        .lock()
        .ok()
        .and_then(|l| l.as_ref().map(|l| (l.arrivals.clone(), l.back.clone())));
    let Some((arrivals, back)) = link else {
        return;
    };
    let (to, from) = channel();
    let (handle, id) = own_thread();
    let called = Arrival::Called {
        to,
        handle,
        id,
        binding,
    };
    if arrivals.send(called).is_ok() {
        run_messages(&from, &back, &arrivals);
    }
}

impl Workers {
    /// Starts one thread for each of `threads`; each opens a full-access handle to itself.
    pub fn start(threads: &[ThreadId], mut shared: Shared) -> std::io::Result<Self> {
        let (back_to, back) = channel::<Done>();
        let (arrivals_to, arrivals) = channel::<Arrival>();
        let (ready_to, ready) = channel::<(ThreadId, usize, u32)>();
        let mut workers = HashMap::new();
        for &thread in threads {
            let (to, from) = channel::<Message>();
            let (back_to, arrivals_to, ready_to) =
                (back_to.clone(), arrivals_to.clone(), ready_to.clone());
            let join = std::thread::Builder::new()
                .name(format!("script-thread-{}", thread.0))
                .spawn(move || {
                    let (handle, id) = own_thread();
                    let _ = ready_to.send((thread, handle, id));
                    run_messages(&from, &back_to, &arrivals_to);
                })?;
            workers.insert(
                thread,
                Worker {
                    to,
                    join: Some(join),
                },
            );
        }
        drop(ready_to);
        for (thread, handle, id) in ready.iter().take(threads.len()) {
            shared.threads.insert(thread, (handle, id));
        }
        if let Ok(mut link) = LINK.lock() {
            *link = Some(Link {
                arrivals: arrivals_to.clone(),
                back: back_to.clone(),
            });
        }
        Ok(Workers {
            workers,
            back,
            arrivals,
            back_to,
            arrivals_to,
            shared: Some(Box::new(shared)),
            serving: HashMap::new(),
            waiting: HashMap::new(),
        })
    }

    /// Where the steps of `thread` go now: the runtime thread serving a call for it, or
    /// its own thread.
    fn route(&self, thread: ThreadId) -> Result<&Sender<Message>, Skip> {
        if self.waiting.contains_key(&thread) {
            return Err(Skip(
                "the thread is waiting for its RPC call to return, so it cannot make another call"
                    .to_owned(),
            ));
        }
        self.serving
            .get(&thread)
            .map(|s| &s.to)
            .or_else(|| self.workers.get(&thread).map(|w| &w.to))
            .ok_or_else(|| Skip("the adapter has no thread standing for this one".to_owned()))
    }

    /// The shared state, between calls.
    pub fn shared(&self) -> Option<&Shared> {
        self.shared.as_deref()
    }

    /// Runs `job` on the thread standing for `thread` and waits for it.
    pub fn run_on(
        &mut self,
        thread: ThreadId,
        job: impl FnOnce(&mut Shared) -> Result<Observed, Skip> + Send + 'static,
    ) -> Result<Observed, Skip> {
        let to = self.route(thread)?.clone();
        let shared = self
            .shared
            .take()
            .ok_or_else(|| Skip("an earlier call did not return".to_owned()))?;
        to.send(Message::Run(shared, Box::new(job)))
            .map_err(|_| Skip("the thread standing for this one has stopped".to_owned()))?;
        let (shared, result) = self.back.recv().map_err(|_| {
            Skip("the thread standing for this one stopped during the call".to_owned())
        })?;
        self.shared = Some(shared);
        result
    }

    /// Whether the thread standing for `thread` has an impersonation token.
    fn impersonates(&mut self, thread: ThreadId) -> Result<bool, Skip> {
        let asked = self.run_on(thread, |_| {
            let mut o = Observed::failed(0);
            o.ok = super::rpc::thread_impersonates();
            Ok(o)
        })?;
        Ok(asked.ok)
    }

    /// `CreateThread(NULL, 0, ...)` made by the thread standing for `caller`: the new thread
    /// runs the steps of the script's thread `id` from then on.
    pub fn create_thread(&mut self, caller: ThreadId, id: ThreadId) -> Result<Observed, Skip> {
        let (to, from) = channel();
        let start = Box::new(Start {
            from,
            back: self.back_to.clone(),
            arrivals: self.arrivals_to.clone(),
        });
        let parameter = Box::into_raw(start) as usize;
        let created = self.run_on(caller, move |shared| {
            let mut thread_id = 0u32;
            super::win32::clear();
            // SAFETY: default security attributes and stack; the start routine takes the
            // parameter over, which is reclaimed here if no thread was created.
            let h = unsafe {
                CreateThread(
                    std::ptr::null(),
                    0,
                    Some(created_thread_start),
                    parameter as *const std::ffi::c_void,
                    0,
                    &mut thread_id,
                )
            };
            let mut o = super::win32::outcome(i32::from(!h.is_null()));
            if o.ok {
                shared.threads.insert(id, (h as usize, thread_id));
                o.created = Some(id.0);
            } else {
                // SAFETY: no thread took the parameter.
                drop(unsafe { Box::from_raw(parameter as *mut Start) });
            }
            Ok(o)
        })?;
        if created.ok {
            self.workers.insert(id, Worker { to, join: None });
        }
        Ok(created)
    }

    /// The next report from the RPC side, or why none came.
    fn next_arrival(&self) -> Result<Arrival, Skip> {
        self.arrivals.recv_timeout(RPC_WAIT).map_err(|e| {
            Skip(match e {
                RecvTimeoutError::Timeout => format!(
                    "the RPC call neither reached the manager routine nor returned within {} s",
                    RPC_WAIT.as_secs()
                ),
                RecvTimeoutError::Disconnected => "the RPC side stopped reporting".to_owned(),
            })
        })
    }

    /// `RpcCall`: `client` calls through `binding` (made by `call`), and the call's manager
    /// routine stands for `server`. Succeeds once the call reaches the manager routine;
    /// fails with the client's status if it returns without reaching it.
    pub fn call_rpc(
        &mut self,
        client: ThreadId,
        server: ThreadId,
        server_name: &str,
        call: Blocking,
    ) -> Result<Observed, Skip> {
        if self.serving.contains_key(&server) || self.waiting.contains_key(&server) {
            return Err(Skip(format!(
                "thread `{server_name}` is already in an RPC call; the adapter serves one call per thread"
            )));
        }
        if !self.workers.contains_key(&server) {
            return Err(Skip(format!(
                "thread `{server_name}` is not one the adapter runs"
            )));
        }
        if self.impersonates(server)? {
            return Err(Skip(format!(
                "thread `{server_name}` impersonates as the call arrives, and the RPC runtime's thread that runs the manager routine in its place starts without a token"
            )));
        }
        self.route(client)?
            .send(Message::Block(client, call))
            .map_err(|_| Skip("the thread standing for the client has stopped".to_owned()))?;
        match self.next_arrival()? {
            Arrival::Called {
                to,
                handle,
                id,
                binding,
            } => {
                let before = self.shared.as_mut().and_then(|s| {
                    s.served.insert(server, binding);
                    s.threads.insert(server, (handle, id))
                });
                self.serving.insert(
                    server,
                    Serving {
                        to,
                        handle,
                        before,
                        client,
                    },
                );
                self.waiting.insert(client, server);
                Ok(super::rpc::status_observed(0))
            }
            Arrival::Returned { status, .. } => Ok(super::rpc::status_observed(status)),
        }
    }

    /// `RpcReturn` on `server`: the manager routine returns, and the client's call with it.
    /// Reports the status the client's call returned.
    ///
    /// A manager routine that returns while impersonating is not returned: after the call
    /// the script's thread is again the adapter's own, and what the runtime does to its
    /// thread's token then (OQM-11) could not be seen on it.
    pub fn return_call(&mut self, server: ThreadId) -> Result<Observed, Skip> {
        if !self.serving.contains_key(&server) {
            return Err(Skip(
                "RpcReturn ends a manager routine, and no call is being served on this thread"
                    .to_owned(),
            ));
        }
        if self.impersonates(server)? {
            return Err(Skip(
                "the manager routine would return while impersonating; after the call the script's thread is the adapter's own again, on which what the runtime does to its thread's token cannot be seen".to_owned(),
            ));
        }
        self.end_call(server)
    }

    /// Returns the manager routine serving `server` and waits for the client's call.
    fn end_call(&mut self, server: ThreadId) -> Result<Observed, Skip> {
        let served = self
            .serving
            .remove(&server)
            .ok_or_else(|| Skip("no call is being served on this thread".to_owned()))?;
        self.waiting.remove(&served.client);
        if let Some(shared) = self.shared.as_mut() {
            shared.served.remove(&server);
            match served.before {
                Some(before) => shared.threads.insert(server, before),
                None => shared.threads.remove(&server),
            };
        }
        // SAFETY: the handle this adapter opened to the runtime thread.
        unsafe { CloseHandle(served.handle as _) };
        served
            .to
            .send(Message::Return)
            .map_err(|_| Skip("the runtime thread serving the call has stopped".to_owned()))?;
        loop {
            match self.next_arrival()? {
                Arrival::Returned { client, status } if client == served.client => {
                    return Ok(super::rpc::status_observed(status));
                }
                _ => {}
            }
        }
    }

    /// Ends the calls still being served, stops every thread and hands back the shared
    /// state.
    pub fn stop(mut self) -> Option<Box<Shared>> {
        let serving: Vec<ThreadId> = self.serving.keys().copied().collect();
        for server in serving {
            let _ = self.end_call(server);
        }
        if let Ok(mut link) = LINK.lock() {
            *link = None;
        }
        for worker in self.workers.values() {
            let _ = worker.to.send(Message::Stop);
        }
        for (thread, worker) in self.workers {
            if let (Some(join), false) = (worker.join, self.waiting.contains_key(&thread)) {
                let _ = join.join();
            }
        }
        self.shared
    }
}
