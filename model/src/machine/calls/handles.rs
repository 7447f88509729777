//! Resolving handle arguments (HND-1, HND-2, HND-4) and CloseHandle (HND-5).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::machine::access_check::names;
use crate::machine::action::{HandleRef, ThreadRef};
use crate::machine::ids::{HandleId, ThreadId, TokenId};
use crate::machine::outcome::{CallResult, Success};
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

/// Looks up `handle` in the caller's process table and checks it refers to an object of
/// `expected` type and carries `needed` access.
pub(super) fn resolve(
    world: &World,
    caller: ThreadId,
    handle: HandleRef,
    expected: ObjectType,
    needed: (AccessMask, RuleId),
    what: &str,
    trail: &mut Trail,
) -> Result<(HandleId, HandleTarget), ErrorCode> {
    let (needed, requirement) = needed;
    let process = world.thread(caller).process;
    let Some(id) = handle else {
        trail.note(RuleId::HND_1, || {
            format!("the {what} handle is NULL (a step that failed left it unset), so the call fails with ERROR_INVALID_HANDLE")
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    };
    let entry = *world.handle(id);
    if !entry.open {
        trail.note(RuleId::HND_1, || {
            format!("the {what} handle was closed, so the call fails with ERROR_INVALID_HANDLE")
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    }
    if entry.process != process {
        trail.note(RuleId::HND_1, || {
            format!(
                "the {what} handle belongs to process `{}`, not to the caller's process `{}`, so it is not valid here (ERROR_INVALID_HANDLE)",
                world.process(entry.process).name,
                world.process(process).name
            )
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    }
    let actual = entry.target.object_type(world);
    if actual != expected {
        trail.note(RuleId::HND_1, || {
            format!("the {what} handle refers to a {actual}, not a {expected}, so the call fails with ERROR_INVALID_HANDLE")
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    }
    if !entry.access.contains(needed) {
        let missing = needed.without(entry.access);
        trail.note(requirement, || {
            format!(
                "this call needs {} on the {what} handle",
                names(expected, needed)
            )
        });
        trail.note(RuleId::HND_2, || {
            format!(
                "the {what} handle lacks {}, so the call fails with ERROR_ACCESS_DENIED",
                names(expected, missing)
            )
        });
        return Err(ErrorCode::ERROR_ACCESS_DENIED);
    }
    Ok((id, entry.target))
}

/// Resolves a token handle.
pub(super) fn token(
    world: &World,
    caller: ThreadId,
    handle: HandleRef,
    needed: (AccessMask, RuleId),
    trail: &mut Trail,
) -> Result<(HandleId, TokenId), ErrorCode> {
    match resolve(
        world,
        caller,
        handle,
        ObjectType::Token,
        needed,
        "token",
        trail,
    )? {
        (id, HandleTarget::Token(t)) => Ok((id, t)),
        _ => Err(ErrorCode::ERROR_INVALID_HANDLE),
    }
}

/// Resolves a thread argument: a scenario thread (full access, HND-4) or a handle.
pub(super) fn thread(
    world: &World,
    caller: ThreadId,
    thread: ThreadRef,
    needed: (AccessMask, RuleId),
    trail: &mut Trail,
) -> Result<ThreadId, ErrorCode> {
    match thread {
        ThreadRef::Current => Ok(caller),
        ThreadRef::Thread(t) => {
            if t != caller {
                trail.note(RuleId::HND_4, || {
                    format!(
                        "thread `{}` is named through the handle its creator holds, which has THREAD_ALL_ACCESS",
                        world.thread(t).name
                    )
                });
            }
            Ok(t)
        }
        ThreadRef::Handle(h) => {
            match resolve(
                world,
                caller,
                h,
                ObjectType::Thread,
                needed,
                "thread",
                trail,
            )? {
                (_, HandleTarget::Thread(t)) => Ok(t),
                _ => Err(ErrorCode::ERROR_INVALID_HANDLE),
            }
        }
    }
}

/// `CloseHandle`.
pub(super) fn close_handle(
    world: &mut World,
    caller: ThreadId,
    handle: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let process = world.thread(caller).process;
    let Some(id) = handle else {
        trail.note(RuleId::HND_5, || {
            "CloseHandle of a NULL handle fails with ERROR_INVALID_HANDLE".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    };
    let entry = *world.handle(id);
    if !entry.open || entry.process != process {
        trail.note(RuleId::HND_5, || {
            "the handle is not open in the caller's process, so CloseHandle fails with ERROR_INVALID_HANDLE".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    }
    world.handle_mut(id).open = false;
    super::pipes::close_end(world, entry.target);
    trail.note(RuleId::HND_5, || "the handle is closed".to_owned());
    Ok(Success::empty())
}
