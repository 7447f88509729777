//! The Windows adapter: runs a script's steps as Win32 calls, each on a real thread that
//! stands for the script's thread, and writes the trace of what Windows answered.
//!
//! - [`worker`] owns the real threads: one per hosted script thread, each running the
//!   calls of its steps in turn.
//! - [`win32`] holds one function per Win32 call; it decides nothing, it calls and reports.
//! - [`names`] translates between the script's principal names and this machine's SIDs.
//! - [`objects`] creates the script's securable objects with their DACLs before the steps.
//! - [`platform`] tells Windows from Wine and reads the build.
//! - [`sspi`] holds the SSPI calls of a loopback handshake.
//! - [`processes`] holds the process-creation calls (the new process idles).
//! - [`rpc`] holds the RPC calls and the test interface a script's server serves.
//! - [`dword`] converts the numbers calls take and steps are given, or skips.
//! - [`requirements`] tells whether the account running the adapter can stand for the
//!   script's process (its integrity level, elevation, privileges and groups).
//!
//! The step loop itself is [`crate::host::run`], shared with the tests on every platform.

#![allow(unsafe_code)]

mod dword;
mod names;
mod objects;
mod platform;
mod processes;
mod requirements;
mod rpc;
mod sspi;
mod win32;
mod worker;

use std::collections::HashMap;

use tokenhop_model::World;
use tokenhop_model::machine::action::Call;
use tokenhop_model::machine::ids::{ObjectId, ProcessId, ThreadId};
use tokenhop_sim::scenario::Scenario;
use tokenhop_sim::trace::{Platform, Trace};

use crate::host::{self, Host, Observed, Skip};

pub use platform::detect as platform;
pub use processes::{IDLE_ARGUMENT, idle};

/// Everything the calls of one script share: the handles steps opened, the real threads
/// standing for the script's threads, the objects set up for it and the SID names.
pub(crate) struct Shared {
    /// Handles opened by steps, numbered in order (the `HandleId`s the step loop binds).
    pub handles: Vec<usize>,
    /// A full-access handle to each hosted thread, as its creator holds (HND-5).
    pub threads: HashMap<ThreadId, (usize, u32)>,
    /// The script's objects, or why one could not be set up.
    pub objects: HashMap<ObjectId, Result<objects::Placed, Skip>>,
    /// SID names.
    pub names: names::Names,
    /// The folder for the script's files.
    pub dir: std::path::PathBuf,
    /// SSPI credentials the steps acquired, numbered in order.
    pub credentials: Vec<windows_sys::Win32::Security::Credentials::SecHandle>,
    /// SSPI contexts the steps made, numbered in order, with their last output tokens.
    pub contexts: Vec<sspi::Context>,
    /// RPC client binding handles the steps made, numbered in order (NULL once freed).
    pub bindings: Vec<usize>,
    /// The server binding handle of the call each script thread serves.
    pub served: HashMap<ThreadId, usize>,
    /// Whether the test interface is registered and the server listening.
    pub listening: bool,
    /// The processes steps created: the creator's handle and the process id.
    pub processes: HashMap<ProcessId, (usize, u32)>,
}

/// The adapter as a [`Host`] of the step loop.
pub struct Adapter {
    engine: &'static str,
    platform: Platform,
    workers: worker::Workers,
    unmet: Option<Skip>,
    /// The position of the next thread a step creates (after the world's threads).
    next_thread: usize,
    /// The position of the next process a step creates (after the world's processes).
    next_process: usize,
}

/// Why the adapter could not start on a script.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The identity running the adapter could not be read.
    #[error("cannot read the identity running the adapter: Win32 error {0}")]
    Identity(u32),
    /// A thread could not be started.
    #[error("cannot start a thread for the script: {0}")]
    Thread(std::io::Error),
}

/// Runs `scenario` on this machine.
pub fn run(scenario: &Scenario) -> Result<Trace, AdapterError> {
    let mut adapter = Adapter::start(scenario)?;
    let trace = host::run(scenario, &mut adapter);
    adapter.finish();
    Ok(trace)
}

impl Adapter {
    fn start(scenario: &Scenario) -> Result<Self, AdapterError> {
        let (engine, platform) = platform::detect();
        let names =
            names::Names::of_this_machine(&scenario.world).map_err(AdapterError::Identity)?;
        let unmet = requirements::unmet(scenario, &names);
        let hosted: Vec<ThreadId> = scenario
            .world
            .thread_ids()
            .filter(|t| host::in_own_process(&scenario.world, *t).is_ok())
            .collect();
        let mut shared = Shared {
            handles: Vec::new(),
            threads: HashMap::new(),
            objects: HashMap::new(),
            names,
            dir: objects::directory(),
            credentials: Vec::new(),
            contexts: Vec::new(),
            bindings: Vec::new(),
            served: HashMap::new(),
            listening: false,
            processes: HashMap::new(),
        };
        shared.objects = objects::set_up(&scenario.world, &shared.names, &shared.dir);
        let workers = worker::Workers::start(&hosted, shared).map_err(AdapterError::Thread)?;
        Ok(Adapter {
            engine,
            platform,
            workers,
            unmet,
            next_thread: scenario.world.threads.len(),
            next_process: scenario.world.processes.len(),
        })
    }

    fn finish(self) {
        if let Some(shared) = self.workers.stop() {
            processes::end_all(&shared);
            objects::remove(&shared.objects);
        }
    }
}

impl Host for Adapter {
    fn engine(&self) -> &str {
        self.engine
    }

    fn platform(&self) -> Platform {
        self.platform.clone()
    }

    fn hosts(&self, world: &World, thread: ThreadId) -> Result<(), Skip> {
        host::in_own_process(world, thread)
    }

    fn unmet(&self) -> Option<Skip> {
        self.unmet.clone()
    }

    fn perform(&mut self, world: &World, thread: ThreadId, call: &Call) -> Result<Observed, Skip> {
        match call {
            Call::RpcCall { binding, server } => {
                let handle = self
                    .workers
                    .shared()
                    .map_or(0, |shared| rpc::call_binding(shared, *binding));
                let name = world
                    .threads
                    .get(server.index())
                    .map_or_else(|| "created by a step".into(), |t| t.name.clone());
                return self.workers.call_rpc(
                    thread,
                    *server,
                    &name,
                    Box::new(move || rpc::send_call(handle)),
                );
            }
            Call::RpcReturn => return self.workers.return_call(thread),
            Call::CreateThread { .. } => {
                let id = ThreadId::from_index(self.next_thread)
                    .ok_or_else(|| Skip("the model numbers no more threads".to_owned()))?;
                let created = self.workers.create_thread(thread, id)?;
                if created.ok {
                    self.next_thread += 1;
                }
                return Ok(created);
            }
            Call::CreateProcess { .. }
            | Call::CreateProcessAsUser { .. }
            | Call::CreateProcessWithTokenW { .. } => {
                let how = match call {
                    Call::CreateProcessAsUser { token, .. } => processes::Creation::AsUser(*token),
                    Call::CreateProcessWithTokenW { token, .. } => {
                        processes::Creation::WithToken(*token)
                    }
                    _ => processes::Creation::Own,
                };
                let id = ProcessId::from_index(self.next_process)
                    .ok_or_else(|| Skip("the model numbers no more processes".to_owned()))?;
                let created = self
                    .workers
                    .run_on(thread, move |shared| processes::create(shared, how, id))?;
                if created.ok {
                    self.next_process += 1;
                }
                return Ok(created);
            }
            _ => {}
        }
        let call = call.clone();
        let world = world.clone();
        self.workers
            .run_on(thread, move |shared| win32::perform(&world, shared, &call))
    }
}
