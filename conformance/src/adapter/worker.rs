//! The real threads that stand for a script's threads. Each runs the calls of its steps,
//! one at a time, so that a thread's impersonation token is that thread's own, as in the
//! script. The step loop waits for each call before it sends the next, so the threads
//! never run at the same time; the shared state travels with each call.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use tokenhop_model::ids::ThreadId;
use windows_sys::Win32::System::Threading::{GetCurrentThreadId, OpenThread, THREAD_ALL_ACCESS};

use super::Shared;
use crate::host::{Observed, Skip};

type Job = Box<dyn FnOnce(&mut Shared) -> Result<Observed, Skip> + Send>;
type Done = (Box<Shared>, Result<Observed, Skip>);

enum Message {
    Run(Box<Shared>, Job),
    Stop,
}

struct Worker {
    to: Sender<Message>,
    join: JoinHandle<()>,
}

/// The threads, and the shared state while no call runs.
pub struct Workers {
    workers: HashMap<ThreadId, Worker>,
    back: Receiver<Done>,
    shared: Option<Box<Shared>>,
}

impl Workers {
    /// Starts one thread for each of `threads`; each opens a full-access handle to itself.
    pub fn start(threads: &[ThreadId], mut shared: Shared) -> std::io::Result<Self> {
        let (back_to, back) = channel::<Done>();
        let (ready_to, ready) = channel::<(ThreadId, usize, u32)>();
        let mut workers = HashMap::new();
        for &thread in threads {
            let (to, from) = channel::<Message>();
            let back_to = back_to.clone();
            let ready_to = ready_to.clone();
            let join = std::thread::Builder::new()
                .name(format!("script-thread-{}", thread.0))
                .spawn(move || {
                    // SAFETY: plain calls on the calling thread's own id.
                    let (handle, id) = unsafe {
                        let id = GetCurrentThreadId();
                        (OpenThread(THREAD_ALL_ACCESS, 0, id) as usize, id)
                    };
                    let _ = ready_to.send((thread, handle, id));
                    while let Ok(Message::Run(mut shared, job)) = from.recv() {
                        let result = job(&mut shared);
                        if back_to.send((shared, result)).is_err() {
                            break;
                        }
                    }
                })?;
            workers.insert(thread, Worker { to, join });
        }
        drop(ready_to);
        for (thread, handle, id) in ready.iter().take(threads.len()) {
            shared.threads.insert(thread, (handle, id));
        }
        Ok(Workers {
            workers,
            back,
            shared: Some(Box::new(shared)),
        })
    }

    /// Runs `job` on the thread standing for `thread` and waits for it.
    pub fn run_on(
        &mut self,
        thread: ThreadId,
        job: impl FnOnce(&mut Shared) -> Result<Observed, Skip> + Send + 'static,
    ) -> Result<Observed, Skip> {
        let worker = self
            .workers
            .get(&thread)
            .ok_or_else(|| Skip("the adapter has no thread standing for this one".to_owned()))?;
        let shared = self
            .shared
            .take()
            .ok_or_else(|| Skip("an earlier call did not return".to_owned()))?;
        worker
            .to
            .send(Message::Run(shared, Box::new(job)))
            .map_err(|_| Skip("the thread standing for this one has stopped".to_owned()))?;
        let (shared, result) = self.back.recv().map_err(|_| {
            Skip("the thread standing for this one stopped during the call".to_owned())
        })?;
        self.shared = Some(shared);
        result
    }

    /// Stops every thread and hands back the shared state.
    pub fn stop(self) -> Option<Box<Shared>> {
        for worker in self.workers.values() {
            let _ = worker.to.send(Message::Stop);
        }
        for (_, worker) in self.workers {
            let _ = worker.join.join();
        }
        self.shared
    }
}
