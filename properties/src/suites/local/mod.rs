//! The local suite: every sequence of token and thread calls, up to the depth bound, made
//! by two threads of one process (a standard user's `app`, beside a LOCAL SERVICE process
//! and alice, who has a password and a file only she may read) on the machine of
//! `crate::strategies::universe`. Each transition is one `tokenhop_model::machine::step`, and each
//! invariant of `crate::invariants` (LOC-*) is checked on every transition, so the same
//! functions serve the property tests and the explorer. The two callers are
//! interchangeable, so a world and the world with their roles exchanged are stored once
//! (symmetry reduction).
//!
//! States are stored packed ([`pack`]): the frontier holds the ids of a world's interned
//! parts, and each world is rebuilt once for all the transitions from it.

use std::sync::Arc;

use tokenhop_check::{Claim, Model, Property};
use tokenhop_model::core::decision::Trail;
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{Call, ProcessRef, ThreadRef};
use tokenhop_model::machine::enabled;
use tokenhop_model::machine::ids::{HandleId, ObjectId, PrincipalId, ThreadId};
use tokenhop_model::machine::logon_session::LogonType;
use tokenhop_model::machine::outcome::Outcome;
use tokenhop_model::machine::rights::AccessMask;
use tokenhop_model::machine::world::{Handle, Thread};
use tokenhop_model::rules::RuleId;
use tokenhop_model::{Action, Settings, World, try_step};

use crate::invariants::INVARIANTS;
use crate::strategies::{Universe, universe};

pub mod pack;

pub use pack::{Packed, Store, Unpacked};

/// The suite's model (or, built from a script, that script's world).
pub struct Local {
    world: World,
    callers: Vec<ThreadId>,
    objects: Vec<ObjectId>,
    /// The users LogonUser may log on, with their passwords.
    logons: Vec<(PrincipalId, Arc<str>)>,
    /// Further calls, offered in every state after the token and thread calls.
    extra: Vec<Action>,
    /// The parts of every world the run has reached.
    store: Store,
}

impl Local {
    /// The suite on `settings`.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        let Universe { world, objects, .. } = universe(settings);
        Local::from_world(world, objects)
    }

    /// The model of a script's starting world: its first two threads call, on its
    /// objects, with LogonUser for every user whose password the script declares.
    #[must_use]
    pub fn from_world(world: World, objects: Vec<ObjectId>) -> Self {
        let callers = world.thread_ids().take(2).collect();
        let logons = world
            .accounts
            .users
            .iter()
            .filter_map(|u| {
                u.password
                    .as_ref()
                    .map(|p| (u.principal, Arc::from(p.as_str())))
            })
            .collect();
        Local {
            world,
            callers,
            objects,
            logons,
            extra: Vec::new(),
            store: Store::default(),
        }
    }

    /// The same model, offering `calls` too in every state (a suite over COM, say).
    #[must_use]
    pub fn with_calls(mut self, calls: Vec<Action>) -> Self {
        self.extra = calls;
        self
    }
}

impl Default for Local {
    fn default() -> Self {
        Local::new(Settings::default())
    }
}

/// The threads the symmetry exchanges: the first two, when they share a process.
const CALLERS: [ThreadId; 2] = [ThreadId(0), ThreadId(1)];

/// The handles `caller`'s process holds.
fn own_handles(threads: &[Thread], handles: &[Handle], caller: ThreadId) -> Vec<HandleId> {
    let Some(thread) = threads.get(caller.0 as usize) else {
        return Vec::new();
    };
    handles
        .iter()
        .enumerate()
        .filter(|(_, h)| h.process == thread.process)
        .filter_map(|(i, _)| u32::try_from(i).ok().map(HandleId))
        .collect()
}

/// One transition: the world before (shared by every transition from it), the world after
/// when the call succeeded (`None`: it failed, and the world is the one before), and the
/// outcome. The invariants read it.
#[derive(Debug)]
pub struct Transition {
    /// The world before the call.
    pub before: Arc<World>,
    /// The world after it, when it changed anything.
    pub after: Option<World>,
    /// What the call reported.
    pub outcome: Outcome,
}

impl Transition {
    /// The world after the call.
    #[must_use]
    pub fn after(&self) -> &World {
        self.after.as_ref().unwrap_or(&self.before)
    }
}

impl Local {
    /// One transition from an unpacked world; a `leaf` is packed for its fingerprint only.
    fn transition(&self, from: &Unpacked, action: &Action, leaf: bool) -> (Packed, Transition) {
        let (after, outcome) = try_step(&from.world, action, Trail::rules_only());
        let packed = match &after {
            Some(world) if leaf => self.store.leaf(from, world),
            Some(world) => self.store.pack_next(from, world),
            None => from.packed(),
        };
        (
            packed,
            Transition {
                before: Arc::clone(&from.world),
                after,
                outcome,
            },
        )
    }

    /// Every transition from `state`, its world rebuilt once for all of them.
    fn expand<F>(&self, state: &Packed, actions: &[Action], leaf: bool, mut each: F)
    where
        F: FnMut(usize, Packed, Transition),
    {
        let Some(from) = self.store.unpack(state) else {
            return;
        };
        for (index, action) in actions.iter().enumerate() {
            if enabled::check(&from.world, action).is_ok() {
                let (next, transition) = self.transition(&from, action, leaf);
                each(index, next, transition);
            }
        }
    }

    /// The world a state stands for.
    fn world_of(&self, state: &Packed) -> Option<Arc<World>> {
        self.store.unpack(state).map(|u| u.world)
    }

    /// How many distinct parts of worlds the run has interned.
    #[must_use]
    pub fn interned_parts(&self) -> usize {
        self.store.parts()
    }
}

impl Model for Local {
    type State = Packed;
    type Action = Action;
    type Outcome = Transition;

    fn initial_states(&self) -> Vec<Packed> {
        vec![self.store.pack(&self.world)]
    }

    fn actions(&self, state: &Packed, out: &mut Vec<Action>) {
        let Some((threads, handles)) = self.store.tables(state) else {
            return;
        };
        let process = |t: ThreadId| threads.get(t.0 as usize).map(|th| th.process);
        for &caller in &self.callers {
            // Threads are named directly (HND-4's creator's handle) only within the
            // caller's own process; another process's thread is not the caller's to name.
            let reachable: Vec<ThreadId> = self
                .callers
                .iter()
                .copied()
                .filter(|t| process(*t) == process(caller))
                .collect();
            let other = reachable
                .iter()
                .copied()
                .find(|t| *t != caller)
                .unwrap_or(caller);
            let handles = own_handles(&threads, &handles, caller);
            let mut push = |call| out.push(Action { caller, call });
            for level in ImpersonationLevel::ALL {
                push(Call::ImpersonateSelf { level });
            }
            push(Call::RevertToSelf);
            for &t in &reachable {
                for open_as_self in [false, true] {
                    push(Call::OpenThreadToken {
                        thread: ThreadRef::Thread(t),
                        access: AccessMask::TOKEN_ALL_ACCESS,
                        open_as_self,
                    });
                }
            }
            push(Call::OpenProcessToken {
                process: ProcessRef::Current,
                access: AccessMask::TOKEN_QUERY
                    .with(AccessMask::TOKEN_DUPLICATE)
                    .with(AccessMask::TOKEN_IMPERSONATE),
            });
            for target in [None, Some(ThreadRef::Thread(other))] {
                push(Call::SetThreadToken {
                    thread: target,
                    token: Some(None),
                });
            }
            for &h in &handles {
                for level in ImpersonationLevel::ALL {
                    for token_type in [1, 2] {
                        push(Call::DuplicateTokenEx {
                            token: Some(h),
                            access: AccessMask::NONE,
                            level,
                            token_type,
                        });
                    }
                }
                for target in [None, Some(ThreadRef::Thread(other))] {
                    push(Call::SetThreadToken {
                        thread: target,
                        token: Some(Some(h)),
                    });
                }
                push(Call::ImpersonateLoggedOnUser { token: Some(h) });
                push(Call::CloseHandle { handle: Some(h) });
            }
            for (user, password) in &self.logons {
                for logon_type in [LogonType::Interactive, LogonType::Network] {
                    push(Call::LogonUser {
                        user: *user,
                        password: Some(password.clone()),
                        logon_type,
                    });
                }
            }
            for &object in &self.objects {
                for access in [AccessMask::GENERIC_READ, AccessMask::GENERIC_WRITE] {
                    push(Call::OpenObject { object, access });
                }
            }
            push(Call::ImpersonateAnonymousToken {
                thread: ThreadRef::Thread(caller),
            });
        }
        out.extend(self.extra.iter().cloned());
    }

    /// A step that cannot happen (a return on a thread serving no call, a call by a thread
    /// waiting for its own) is no transition, as `tokenhop run` refuses it.
    fn next(&self, state: &Packed, action: &Action) -> Option<(Packed, Transition)> {
        let from = self.store.unpack(state)?;
        enabled::check(&from.world, action).ok()?;
        Some(self.transition(&from, action, false))
    }

    fn successors<F>(&self, state: &Packed, actions: &[Action], each: F)
    where
        F: FnMut(usize, Packed, Transition),
    {
        self.expand(state, actions, false, each);
    }

    fn leaf_successors<F>(&self, state: &Packed, actions: &[Action], each: F)
    where
        F: FnMut(usize, Packed, Transition),
    {
        // The properties read the transition's worlds, not the packed state, so a state
        // at the bound needs only its fingerprint.
        self.expand(state, actions, true, each);
    }

    fn fingerprint(&self, state: &Packed) -> u64 {
        state.fingerprint()
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }

    fn rules(&self, transition: &Transition, report: &mut dyn FnMut(RuleId)) {
        for d in &transition.outcome.decisions {
            report(d.rule);
        }
    }

    fn describe_action(&self, state: &Packed, action: &Action) -> String {
        let Some(world) = self.world_of(state) else {
            return format!("{action:?}");
        };
        format!(
            "thread {} calls {:?}",
            world
                .threads
                .get(action.caller.0 as usize)
                .map_or("?", |t| &*t.name),
            action.call
        )
    }

    fn describe_state(&self, state: &Packed) -> String {
        let Some(world) = self.world_of(state) else {
            return format!("{state:?}");
        };
        let threads: Vec<String> = world
            .threads
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t.name,
                    if t.impersonation.is_some() {
                        "impersonating"
                    } else {
                        "as its process"
                    }
                )
            })
            .collect();
        format!("{} handles; {}", world.handles.len(), threads.join(", "))
    }
}

/// The properties: every invariant of [`INVARIANTS`], each checked on the transition's
/// world before and after.
#[must_use]
pub fn properties() -> Vec<Property<Local>> {
    INVARIANTS
        .iter()
        .map(|inv| {
            let check = inv.check;
            Property::<Local>::always(
                Claim {
                    id: inv.id,
                    statement: inv.statement,
                    rests_on: inv.rests_on,
                },
                move |_, _, action, _, t| check(&t.before, action, t.after(), &t.outcome),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
