//! Generated inputs: a small machine with two users, a standard process, a service
//! process and two objects, and sequences of calls on it. Arguments are drawn so that most
//! name threads and handles that exist, and some name NULL or dangling ones.

use std::sync::Arc;

use proptest::prelude::*;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::acl::allow;
use tokenhop_model::machine::action::{Action, Call, PrivilegeChange, ProcessRef, ThreadRef};
use tokenhop_model::machine::ids::{HandleId, ObjectId, ThreadId};
use tokenhop_model::machine::logon_session::LogonType;
use tokenhop_model::machine::principal::wk;
use tokenhop_model::machine::privilege::Privilege;
use tokenhop_model::machine::rights::{AccessMask, ObjectType};
use tokenhop_model::machine::setup::{ObjectSpec, ProcessSpec, Setup, SetupError, UserSpec};
use tokenhop_model::{Settings, World};

/// The machine the generated calls run on.
#[derive(Clone, Debug)]
pub struct Universe {
    /// The starting world.
    pub world: World,
    /// Its threads.
    pub threads: Vec<ThreadId>,
    /// Its objects.
    pub objects: Vec<ObjectId>,
}

/// A machine: `current` (a standard user) runs `app` with two threads, LOCAL SERVICE runs
/// `svc`; alice (password `pw`) owns a file only she may read; a second file allows Everyone.
#[must_use]
#[expect(
    clippy::panic,
    reason = "the universe is fixed; a setup error is a bug in this crate, not an input"
)]
pub fn universe(settings: Settings) -> Universe {
    match build_universe(settings) {
        Ok(universe) => universe,
        Err(e) => panic!("the universe's setup is valid: {e}"),
    }
}

fn build_universe(settings: Settings) -> Result<Universe, SetupError> {
    let mut setup = Setup::new(settings);
    let current = setup.add_user(UserSpec {
        name: "current".to_owned(),
        ..UserSpec::default()
    })?;
    let alice = setup.add_user(UserSpec {
        name: "alice".to_owned(),
        password: Some("pw".to_owned()),
        ..UserSpec::default()
    })?;
    let mut threads = Vec::new();
    for spec in [
        ProcessSpec::new("app", current, &["app1", "app2"]),
        ProcessSpec::new("svc", wk::LOCAL_SERVICE, &["svc1"]),
    ] {
        threads.extend(setup.add_process(spec)?.1);
    }
    let objects = vec![
        setup.add_object(ObjectSpec {
            name: "alice-file".to_owned(),
            object_type: ObjectType::File,
            owner: alice,
            dacl: Some(vec![allow(alice, AccessMask::GENERIC_READ)]),
            label: None,
        })?,
        setup.add_object(ObjectSpec {
            name: "shared".to_owned(),
            object_type: ObjectType::File,
            owner: current,
            dacl: Some(vec![allow(wk::EVERYONE, AccessMask::GENERIC_ALL)]),
            label: None,
        })?,
    ];
    let (world, _) = setup.finish();
    Ok(Universe {
        world,
        threads,
        objects,
    })
}

/// A call with its arguments as small numbers, resolved against the live world.
#[derive(Clone, Debug)]
pub enum Op {
    /// ImpersonateSelf.
    ImpersonateSelf(ImpersonationLevel),
    /// RevertToSelf.
    Revert,
    /// OpenThreadToken.
    OpenThreadToken(u8, bool),
    /// OpenProcessToken of the caller's process.
    OpenProcessToken,
    /// DuplicateTokenEx.
    Duplicate(u8, ImpersonationLevel, i64),
    /// SetThreadToken.
    SetThreadToken(u8, u8),
    /// ImpersonateLoggedOnUser.
    ImpersonateLoggedOnUser(u8),
    /// LogonUser alice.
    LogonUser(LogonType),
    /// OpenObject.
    OpenObject(u8, bool),
    /// CreateThread.
    CreateThread,
    /// CloseHandle.
    Close(u8),
    /// AdjustTokenPrivileges.
    Adjust(u8, Privilege, bool),
    /// ImpersonateAnonymousToken on the caller.
    Anonymous,
}

fn level() -> impl Strategy<Value = ImpersonationLevel> {
    prop::sample::select(ImpersonationLevel::ALL.to_vec())
}

/// One call, on a thread picked by the first number.
pub fn op() -> impl Strategy<Value = (u8, Op)> {
    let op = prop_oneof![
        3 => level().prop_map(Op::ImpersonateSelf),
        2 => Just(Op::Revert),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(t, s)| Op::OpenThreadToken(t, s)),
        2 => Just(Op::OpenProcessToken),
        3 => (any::<u8>(), level(), prop_oneof![4 => Just(2i64), 3 => Just(1i64), 1 => Just(3i64)])
            .prop_map(|(h, l, t)| Op::Duplicate(h, l, t)),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(t, h)| Op::SetThreadToken(t, h)),
        3 => any::<u8>().prop_map(Op::ImpersonateLoggedOnUser),
        2 => prop::sample::select(vec![LogonType::Interactive, LogonType::Network, LogonType::Batch, LogonType::NewCredentials])
            .prop_map(Op::LogonUser),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(o, w)| Op::OpenObject(o, w)),
        1 => Just(Op::CreateThread),
        1 => any::<u8>().prop_map(Op::Close),
        1 => (any::<u8>(), prop::sample::select(vec![Privilege::Impersonate, Privilege::ChangeNotify, Privilege::Shutdown]), any::<bool>())
            .prop_map(|(h, p, e)| Op::Adjust(h, p, e)),
        1 => Just(Op::Anonymous),
    ];
    (any::<u8>(), op)
}

/// Picks a handle: usually one of the caller's process, sometimes NULL or another's.
fn handle(world: &World, caller: ThreadId, pick: u8) -> Option<HandleId> {
    if pick >= 240 {
        return None;
    }
    let process = world.thread(caller).process;
    let own: Vec<HandleId> = world
        .handle_ids()
        .filter(|h| world.handle(*h).process == process)
        .collect();
    let pool: Vec<HandleId> = if pick >= 220 || own.is_empty() {
        world.handle_ids().collect()
    } else {
        own
    };
    if pool.is_empty() {
        return None;
    }
    pool.get(usize::from(pick) % pool.len()).copied()
}

fn thread(world: &World, pick: u8) -> ThreadId {
    // Thread 0 when there is none, as `pick` modulo 1 gave.
    world
        .thread_ids()
        .nth(usize::from(pick) % world.threads.len().max(1))
        .unwrap_or(ThreadId(0))
}

/// The action `op` stands for in `world`.
#[must_use]
pub fn resolve(universe: &Universe, world: &World, (caller, op): &(u8, Op)) -> Action {
    let caller = thread(world, *caller);
    let alice = world.principals.find("alice").unwrap_or(wk::EVERYONE);
    let call = match op {
        Op::ImpersonateSelf(level) => Call::ImpersonateSelf { level: *level },
        Op::Revert => Call::RevertToSelf,
        Op::OpenThreadToken(t, open_as_self) => Call::OpenThreadToken {
            thread: ThreadRef::Thread(thread(world, *t)),
            access: AccessMask::TOKEN_ALL_ACCESS,
            open_as_self: *open_as_self,
        },
        Op::OpenProcessToken => Call::OpenProcessToken {
            process: ProcessRef::Current,
            access: AccessMask::TOKEN_QUERY
                .with(AccessMask::TOKEN_DUPLICATE)
                .with(AccessMask::TOKEN_IMPERSONATE),
        },
        Op::Duplicate(h, level, token_type) => Call::DuplicateTokenEx {
            token: handle(world, caller, *h),
            access: AccessMask::NONE,
            level: *level,
            token_type: *token_type,
        },
        Op::SetThreadToken(t, h) => Call::SetThreadToken {
            thread: (*t % 3 != 0).then(|| ThreadRef::Thread(thread(world, *t))),
            token: Some(handle(world, caller, *h)),
        },
        Op::ImpersonateLoggedOnUser(h) => Call::ImpersonateLoggedOnUser {
            token: handle(world, caller, *h),
        },
        Op::LogonUser(logon_type) => Call::LogonUser {
            user: alice,
            password: Some(Arc::from("pw")),
            logon_type: *logon_type,
        },
        Op::OpenObject(o, write) => Call::OpenObject {
            object: universe
                .objects
                .get(usize::from(*o) % universe.objects.len().max(1))
                .copied()
                .unwrap_or(ObjectId(0)),
            access: if *write {
                AccessMask::GENERIC_WRITE
            } else {
                AccessMask::GENERIC_READ
            },
        },
        Op::CreateThread => Call::CreateThread {
            name: Arc::from(format!("t{}", world.threads.len())),
        },
        Op::Close(h) => Call::CloseHandle {
            handle: handle(world, caller, *h),
        },
        Op::Adjust(h, privilege, enable) => Call::AdjustTokenPrivileges {
            token: handle(world, caller, *h),
            disable_all: false,
            changes: vec![(
                *privilege,
                if *enable {
                    PrivilegeChange::Enable
                } else {
                    PrivilegeChange::Disable
                },
            )],
        },
        Op::Anonymous => Call::ImpersonateAnonymousToken {
            thread: ThreadRef::Thread(caller),
        },
    };
    Action { caller, call }
}
