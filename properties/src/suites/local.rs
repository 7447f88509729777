//! The local suite: every sequence of token and thread calls, up to the depth bound, made
//! by two threads of one process (a standard user's `app`, beside a LOCAL SERVICE process
//! and alice, who has a password and a file only she may read) on the machine of
//! `crate::strategies::universe`. Each transition is one `tokenhop_model::step`, and each
//! invariant of `crate::invariants` (LOC-*) is checked on every transition, so the same
//! functions serve the property tests and the explorer. The two callers are
//! interchangeable, so a world and the world with their roles exchanged are stored once
//! (symmetry reduction).

use std::sync::Arc;

use tokenhop_model::access::AccessMask;
use tokenhop_model::action::{Call, ProcessRef, ThreadRef};
use tokenhop_model::decision::Trail;
use tokenhop_model::ids::{HandleId, ObjectId, PrincipalId, ThreadId};
use tokenhop_model::level::ImpersonationLevel;
use tokenhop_model::logon::LogonType;
use tokenhop_model::outcome::Outcome;
use tokenhop_model::rules::RuleId;
use tokenhop_model::world::HandleTarget;
use tokenhop_model::{Action, Settings, World, step_with};
use tokenhop_sim::explore::{Expectation, Model, Property, fingerprint};

use crate::invariants::INVARIANTS;
use crate::strategies::{Universe, universe};

/// The suite's model (or, built from a script, that script's world).
pub struct Local {
    world: World,
    callers: Vec<ThreadId>,
    objects: Vec<ObjectId>,
    /// The users LogonUser may log on, with their passwords.
    logons: Vec<(PrincipalId, Arc<str>)>,
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
        let callers = (0..world.threads.len().min(2))
            .filter_map(|i| u32::try_from(i).ok().map(ThreadId))
            .collect();
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
        }
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
fn own_handles(world: &World, caller: ThreadId) -> Vec<HandleId> {
    let Some(thread) = world.threads.get(caller.0 as usize) else {
        return Vec::new();
    };
    (0..world.handles.len())
        .filter_map(|i| u32::try_from(i).ok().map(HandleId))
        .filter(|&h| world.handle(h).process == thread.process)
        .collect()
}

/// The world with the two callers' roles exchanged: each keeps its name and takes the
/// other's impersonation, security and handles. `None` when the world holds state this
/// exchange does not cover (pipes, RPC, COM), so that no reduction is made there.
fn swapped(world: &World) -> Option<World> {
    if !world.pipes.is_empty()
        || world.rpc != Default::default()
        || world.com != Default::default()
        || world.sspi != Default::default()
    {
        return None;
    }
    let mut w = world.clone();
    let [a, b] = CALLERS.map(|t| t.0 as usize);
    let (first, second) = w.threads.split_at_mut(b);
    let (Some(x), Some(y)) = (first.get_mut(a), second.first_mut()) else {
        return None;
    };
    if x.process != y.process {
        return None;
    }
    std::mem::swap(&mut x.impersonation, &mut y.impersonation);
    std::mem::swap(&mut x.sd, &mut y.sd);
    for h in &mut w.handles {
        if let HandleTarget::Thread(t) = &mut h.target {
            if *t == CALLERS[0] {
                *t = CALLERS[1];
            } else if *t == CALLERS[1] {
                *t = CALLERS[0];
            }
        }
    }
    Some(w)
}

impl Model for Local {
    type State = World;
    type Action = Action;
    type Outcome = Outcome;

    fn initial_states(&self) -> Vec<World> {
        vec![self.world.clone()]
    }

    fn actions(&self, world: &World, out: &mut Vec<Action>) {
        for &caller in &self.callers {
            let other = self
                .callers
                .iter()
                .copied()
                .find(|t| *t != caller)
                .unwrap_or(caller);
            let handles = own_handles(world, caller);
            let mut push = |call| out.push(Action { caller, call });
            for level in ImpersonationLevel::ALL {
                push(Call::ImpersonateSelf { level });
            }
            push(Call::RevertToSelf);
            for &t in &self.callers {
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
    }

    fn next(&self, world: &World, action: &Action) -> Option<(World, Outcome)> {
        Some(step_with(world, action, Trail::rules_only()))
    }

    fn fingerprint(&self, world: &World) -> u64 {
        let own = fingerprint::of(world);
        swapped(world).map_or(own, |w| own.min(fingerprint::of(&w)))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }

    fn rules(&self, outcome: &Outcome, report: &mut dyn FnMut(RuleId)) {
        for d in &outcome.decisions {
            report(d.rule);
        }
    }

    fn describe_action(&self, world: &World, action: &Action) -> String {
        format!(
            "thread {} calls {:?}",
            world
                .threads
                .get(action.caller.0 as usize)
                .map_or("?", |t| &*t.name),
            action.call
        )
    }

    fn describe_state(&self, world: &World) -> String {
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

/// The check of invariant `I` of [`INVARIANTS`] as a property of the suite.
fn invariant<const I: usize>(
    _: &Local,
    before: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<bool, String> {
    match INVARIANTS.get(I) {
        Some(inv) => (inv.check)(before, action, after, outcome).map(|()| false),
        None => Ok(false),
    }
}

/// The properties: every invariant of [`INVARIANTS`].
#[must_use]
pub fn properties() -> Vec<Property<Local>> {
    type Check = fn(&Local, &World, &Action, &World, &Outcome) -> Result<bool, String>;
    let checks: [Check; 12] = [
        invariant::<0>,
        invariant::<1>,
        invariant::<2>,
        invariant::<3>,
        invariant::<4>,
        invariant::<5>,
        invariant::<6>,
        invariant::<7>,
        invariant::<8>,
        invariant::<9>,
        invariant::<10>,
        invariant::<11>,
    ];
    INVARIANTS
        .iter()
        .zip(checks)
        .map(|(inv, check)| Property {
            id: inv.id,
            statement: inv.statement,
            expectation: Expectation::Always,
            rests_on: inv.rests_on,
            check,
        })
        .collect()
}

const _: () = assert!(
    INVARIANTS.len() <= 12,
    "the local suite maps at most twelve invariants; add checks above"
);
