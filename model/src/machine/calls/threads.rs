//! CreateThread and OpenThread (THR-2, PROC-5, PROC-6, OQL-19, OQM-5).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::machine::access_check::{access_check, names};
use crate::machine::ids::ThreadId;
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::privilege::Privilege;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::token_copy::default_security;
use crate::machine::world::{HandleTarget, Thread, World};
use crate::rules::RuleId;

use super::open_token::opener_token;

/// `CreateThread` in the caller's process.
pub(super) fn create_thread(
    world: &mut World,
    caller: ThreadId,
    name: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    let creator = world.thread(caller).clone();
    let primary = world.process_token_of(caller);
    let sd_source = match creator.impersonation {
        Some(imp) if world.settings.readings.alternative(RuleId::OQM_5) => {
            trail.note(RuleId::OQM_5, || {
                "under the selected reading (effective) the new thread's descriptor comes from the creator's impersonation token".to_owned()
            });
            imp.token
        }
        Some(_) => {
            trail.note(RuleId::OQM_5, || {
                "the pages disagree on a thread created while impersonating; the selected reading (primary) takes the descriptor from the process token".to_owned()
            });
            primary
        }
        None => primary,
    };
    trail.note(RuleId::PROC_6, || {
        format!(
            "the new thread `{name}` gets its descriptor from {}'s defaults",
            world.name_of(world.token(sd_source).user)
        )
    });
    let sd = default_security(world, sd_source);
    let inherit = world.settings.readings.alternative(RuleId::OQL_19);
    let impersonation = if inherit { creator.impersonation } else { None };
    match (creator.impersonation, inherit) {
        (Some(_), false) => {
            trail.note(RuleId::THR_2, || {
                format!(
                    "thread `{}` is impersonating, but the new thread `{name}` starts without impersonation",
                    creator.name
                )
            });
            trail.note(RuleId::OQL_19, || {
                "no reference page says this outright; the selected reading (no-inherit) follows per-thread impersonation state".to_owned()
            });
        }
        (Some(_), true) => {
            trail.note(RuleId::OQL_19, || {
                format!("under the selected reading (inherit) the new thread `{name}` starts with its creator's impersonation")
            });
        }
        (None, _) => {
            trail.note(RuleId::THR_2, || {
                format!("the new thread `{name}` starts without impersonation")
            });
        }
    }
    let id = world
        .add_thread(Thread {
            name: Arc::clone(name),
            process: creator.process,
            impersonation,
            sd,
        })
        .or_full(trail)?;
    Ok(Success::created(Created::Thread(id)))
}

/// `OpenThread`.
pub(super) fn open_thread(
    world: &mut World,
    caller: ThreadId,
    thread: ThreadId,
    access: AccessMask,
    trail: &mut Trail,
) -> CallResult {
    let target_name = world.thread(thread).name.clone();
    trail.note(RuleId::PROC_5, || {
        format!("OpenThread checks the access asked for against thread `{target_name}`'s descriptor with the caller's effective token")
    });
    let subject = opener_token(world, caller, trail)?;
    let granted = if world.token(subject).privileges.is_enabled(Privilege::Debug) {
        let granted = if access.contains(AccessMask::MAXIMUM_ALLOWED) {
            AccessMask::THREAD_ALL_ACCESS
        } else {
            ObjectType::Thread.generic_mapping().map(access)
        };
        trail.note(RuleId::PROC_5, || {
            "the caller has SeDebugPrivilege enabled, so any access is granted whatever the descriptor says".to_owned()
        });
        granted
    } else {
        let sd = world.thread(thread).sd.clone();
        let granted = access_check(
            world,
            world.token(subject),
            &sd,
            ObjectType::Thread,
            access,
            trail,
        )
        .map_err(|r| r.error)?;
        trail.note(RuleId::PROC_5, || {
            format!(
                "thread `{target_name}`'s descriptor grants {} to the caller's effective token",
                names(ObjectType::Thread, granted)
            )
        });
        granted
    };
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(process, HandleTarget::Thread(thread), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}
