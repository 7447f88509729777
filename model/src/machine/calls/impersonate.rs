//! The impersonation calls: ImpersonateSelf, SetThreadToken, ImpersonateLoggedOnUser,
//! ImpersonateAnonymousToken, NtImpersonateThread and RevertToSelf. Each ends in the
//! kernel's assignment (IMP-1) with its silent downgrade (IMP-2).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::action::{HandleRef, Qos, ThreadRef};
use crate::machine::capture;
use crate::machine::ids::ThreadId;
use crate::machine::impersonation::{AssignRequest, assign};
use crate::machine::logon::anonymous_token;
use crate::machine::outcome::{CallResult, Success};
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::token_copy::{DuplicateSpec, duplicate_for};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::{handles, open_token};

/// `ImpersonateSelf` (THR-13).
pub(super) fn impersonate_self(
    world: &mut World,
    caller: ThreadId,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> CallResult {
    trail.note(RuleId::THR_13, || {
        format!("ImpersonateSelf opens the process token for TOKEN_DUPLICATE, duplicates it as an impersonation token at {level} and assigns the copy to the calling thread")
    });
    let primary = world.process_token_of(caller);
    let subject = open_token::opener_token(world, caller, trail)?;
    open_token::check_token_object(world, subject, primary, AccessMask::TOKEN_DUPLICATE, trail)?;
    let copy = duplicate_for(
        world,
        primary,
        DuplicateSpec {
            token_type: TokenType::Impersonation,
            level,
            effective_only: false,
        },
        subject,
    )
    .or_full(trail)?;
    assign(
        world,
        AssignRequest {
            thread: caller,
            token: copy,
            level,
            effective_only: false,
            copy_on_open: false,
        },
        trail,
    )
    .or_full(trail)?;
    Ok(Success::empty())
}

/// `SetThreadToken` (THR-5, THR-6).
pub(super) fn set_thread_token(
    world: &mut World,
    caller: ThreadId,
    thread: Option<ThreadRef>,
    token: Option<HandleRef>,
    trail: &mut Trail,
) -> CallResult {
    let target = match thread {
        None => caller,
        Some(t) => handles::thread(
            world,
            caller,
            t,
            (AccessMask::THREAD_SET_THREAD_TOKEN, RuleId::THR_5),
            trail,
        )?,
    };
    let target_name = world.thread(target).name.clone();
    let Some(token) = token else {
        world.thread_mut(target).impersonation = None;
        trail.note(RuleId::THR_5, || {
            format!("a NULL token stops thread `{target_name}` impersonating")
        });
        return Ok(Success::empty());
    };
    let (_, token) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_IMPERSONATE, RuleId::THR_5),
        trail,
    )?;
    if world.token(token).token_type != TokenType::Impersonation {
        trail.note(RuleId::THR_5, || {
            "SetThreadToken takes only impersonation tokens; this one is primary: ERROR_BAD_TOKEN_TYPE".to_owned()
        });
        return Err(ErrorCode::ERROR_BAD_TOKEN_TYPE);
    }
    let level = world.token(token).level;
    trail.note(RuleId::THR_5, || {
        format!("SetThreadToken assigns the impersonation token at its own level ({level}) to thread `{target_name}`")
    });
    if world.thread(target).process != world.thread(caller).process {
        trail.note(RuleId::THR_6, || {
            format!(
                "thread `{target_name}` is in process `{}`, so that process's primary token is what the check compares against",
                world.process(world.thread(target).process).name
            )
        });
    }
    assign(
        world,
        AssignRequest {
            thread: target,
            token,
            level,
            effective_only: false,
            copy_on_open: false,
        },
        trail,
    )
    .or_full(trail)?;
    Ok(Success::empty())
}

/// `ImpersonateLoggedOnUser` (TOK-12, OQL-1).
pub(super) fn impersonate_logged_on_user(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let (_, target) = handles::resolve(
        world,
        caller,
        token,
        ObjectType::Token,
        (AccessMask::NONE, RuleId::TOK_12),
        "token",
        trail,
    )?;
    let HandleTarget::Token(token_id) = target else {
        return Err(ErrorCode::ERROR_INVALID_HANDLE);
    };
    let token_type = world.token(token_id).token_type;
    let needed = match token_type {
        TokenType::Primary => AccessMask::TOKEN_QUERY.with(AccessMask::TOKEN_DUPLICATE),
        TokenType::Impersonation => AccessMask::TOKEN_QUERY.with(AccessMask::TOKEN_IMPERSONATE),
    };
    handles::token(world, caller, token, (needed, RuleId::TOK_12), trail)?;
    let (assigned, level) = match token_type {
        TokenType::Primary => {
            let subject = open_token::creator_token(world, caller, trail)?;
            let copy = duplicate_for(
                world,
                token_id,
                DuplicateSpec {
                    token_type: TokenType::Impersonation,
                    level: ImpersonationLevel::Impersonation,
                    effective_only: false,
                },
                subject,
            )
            .or_full(trail)?;
            trail.note(RuleId::TOK_12, || {
                "the handle is to a primary token, so it is duplicated to an Impersonation-level impersonation token first".to_owned()
            });
            (copy, ImpersonationLevel::Impersonation)
        }
        TokenType::Impersonation => {
            let level = world.token(token_id).level;
            trail.note(RuleId::TOK_12, || {
                format!("the handle is to an impersonation token, assigned as it is at {level}")
            });
            if level < ImpersonationLevel::Impersonation {
                if world.settings.readings.alternative(RuleId::OQL_1) {
                    trail.note(RuleId::OQL_1, || {
                        format!("under the selected reading (fail) a {level}-level token cannot be used for impersonation: ERROR_BAD_IMPERSONATION_LEVEL")
                    });
                    return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
                }
                trail.note(RuleId::OQL_1, || {
                    format!("the documents disagree on a {level}-level token; the selected reading (assign) lets the call succeed at that level")
                });
            }
            (token_id, level)
        }
    };
    assign(
        world,
        AssignRequest {
            thread: caller,
            token: assigned,
            level,
            effective_only: false,
            copy_on_open: false,
        },
        trail,
    )
    .or_full(trail)?;
    Ok(Success::empty())
}

/// `ImpersonateAnonymousToken` (THR-14).
pub(super) fn impersonate_anonymous_token(
    world: &mut World,
    caller: ThreadId,
    thread: ThreadRef,
    trail: &mut Trail,
) -> CallResult {
    let target = handles::thread(
        world,
        caller,
        thread,
        (AccessMask::THREAD_IMPERSONATE, RuleId::THR_14),
        trail,
    )?;
    let primary = world.process_token_of(caller);
    if world.token(primary).is_restricted() {
        trail.note(RuleId::THR_14, || {
            "the caller's process token is restricted, so ImpersonateAnonymousToken fails with ERROR_ACCESS_DENIED".to_owned()
        });
        return Err(ErrorCode::ERROR_ACCESS_DENIED);
    }
    let anonymous = anonymous_token(world, trail).or_full(trail)?;
    trail.note(RuleId::THR_14, || {
        format!(
            "thread `{}` is given the anonymous logon token at Impersonation level, installed copy-on-open",
            world.thread(target).name
        )
    });
    assign(
        world,
        AssignRequest {
            thread: target,
            token: anonymous,
            level: ImpersonationLevel::Impersonation,
            effective_only: false,
            copy_on_open: true,
        },
        trail,
    )
    .or_full(trail)?;
    Ok(Success::empty())
}

/// `RevertToSelf` (THR-10).
pub(super) fn revert_to_self(world: &mut World, caller: ThreadId, trail: &mut Trail) -> CallResult {
    let name = world.thread(caller).name.clone();
    let was = world.thread(caller).impersonation.is_some();
    world.thread_mut(caller).impersonation = None;
    let rpc = world
        .rpc
        .calls
        .iter()
        .any(|c| c.active && c.impersonating.contains(&caller));
    if was && rpc {
        trail.note(RuleId::THR_12, || {
            format!("thread `{name}` impersonates an RPC client, which must be ended with RpcRevertToSelf or RpcRevertToSelfEx; RevertToSelf clears the token, but the RPC runtime still records the thread as impersonating")
        });
    }
    trail.note(RuleId::THR_10, || {
        if was {
            format!("thread `{name}` stops impersonating and acts with its process token again")
        } else {
            format!("thread `{name}` was not impersonating; RevertToSelf succeeds all the same")
        }
    });
    Ok(Success::empty())
}

/// `NtImpersonateThread` (THR-15, IMP-14, IMP-15, IMP-16).
pub(super) fn nt_impersonate_thread(
    world: &mut World,
    caller: ThreadId,
    server: ThreadRef,
    client: ThreadRef,
    qos: Qos,
    trail: &mut Trail,
) -> CallResult {
    let server = handles::thread(
        world,
        caller,
        server,
        (AccessMask::THREAD_IMPERSONATE, RuleId::THR_15),
        trail,
    )?;
    let client = handles::thread(
        world,
        caller,
        client,
        (AccessMask::THREAD_DIRECT_IMPERSONATION, RuleId::THR_15),
        trail,
    )?;
    let client_name = world.thread(client).name.clone();
    let server_name = world.thread(server).name.clone();
    trail.note(RuleId::THR_15, || {
        format!(
            "NtImpersonateThread captures thread `{client_name}`'s effective token with the given QoS ({}, {}, effective-only {}) for thread `{server_name}`",
            qos.level,
            if qos.dynamic { "dynamic" } else { "static" },
            qos.effective_only
        )
    });
    let context = capture::capture(world, client, qos, trail)?;
    capture::impersonate(world, server, context, trail).or_full(trail)?;
    Ok(Success::empty())
}
