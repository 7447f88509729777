//! OpenProcessToken and OpenThreadToken (HND-3, THR-7, THR-8, THR-9, TOK-3, TOK-5).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::IntegrityLevel;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::access_check::{access_check, names};
use crate::machine::acl::{LabelPolicy, MandatoryLabel, SecurityDescriptor, allow};
use crate::machine::action::{ProcessRef, ThreadRef};
use crate::machine::ids::{ThreadId, TokenId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::principal::wk;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::token_copy::{DuplicateSpec, duplicate};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::handles;

/// The token a caller opens objects with, refusing sub-Impersonation client tokens (TOK-5).
pub(super) fn opener_token(
    world: &World,
    caller: ThreadId,
    trail: &mut Trail,
) -> Result<TokenId, ErrorCode> {
    let thread = world.thread(caller);
    match thread.impersonation {
        Some(imp) if imp.level < ImpersonationLevel::Impersonation => {
            let rule = if imp.level == ImpersonationLevel::Anonymous {
                RuleId::TOK_3
            } else {
                RuleId::TOK_4
            };
            trail.note(rule, || {
                format!(
                    "thread `{}` impersonates at {}, which may not open objects",
                    thread.name, imp.level
                )
            });
            trail.note(RuleId::TOK_5, || {
                "the open fails with ERROR_BAD_IMPERSONATION_LEVEL before the DACL is consulted"
                    .to_owned()
            });
            Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL)
        }
        Some(imp) => {
            let rule = if imp.level == ImpersonationLevel::Delegation {
                RuleId::TOK_8
            } else {
                RuleId::TOK_7
            };
            trail.note(rule, || {
                format!(
                    "thread `{}` impersonates {} at {}, which may open local objects as that user",
                    thread.name,
                    world.name_of(world.token(imp.token).user),
                    imp.level
                )
            });
            trail.note(RuleId::THR_1, || {
                format!(
                    "the open uses thread `{}`'s impersonation token",
                    thread.name
                )
            });
            Ok(imp.token)
        }
        None => {
            trail.note(RuleId::THR_1, || {
                format!(
                    "thread `{}` is not impersonating, so it acts with its process's primary token ({})",
                    thread.name,
                    world.name_of(world.token(world.process_token_of(caller)).user)
                )
            });
            Ok(world.process_token_of(caller))
        }
    }
}

/// The token whose defaults a token the caller makes takes (DEF-1), and, under OQM-7's
/// `checked` reading, which must be allowed to open objects (TOK-5).
pub(super) fn creator_token(
    world: &World,
    caller: ThreadId,
    trail: &mut Trail,
) -> Result<TokenId, ErrorCode> {
    if world.settings.readings.alternative(RuleId::OQM_7) {
        trail.note(RuleId::OQM_7, || {
            "under the selected reading (checked) making a token is access-checked with the caller's effective token".to_owned()
        });
        opener_token(world, caller, trail)
    } else {
        Ok(world.effective_token(caller))
    }
}

/// The security descriptor a token object is checked against: its own, labelled at the
/// token's integrity level under OQM-8's default reading.
fn token_object_sd(
    world: &World,
    target: TokenId,
    mut sd: SecurityDescriptor,
    trail: &mut Trail,
) -> SecurityDescriptor {
    let level = world.token(target).integrity;
    if sd.label.is_none() && !world.settings.readings.alternative(RuleId::OQM_8) {
        sd.label = Some(MandatoryLabel {
            level,
            policy: LabelPolicy {
                no_write_up: true,
                no_read_up: false,
                no_execute_up: false,
            },
        });
        if level != IntegrityLevel::Medium {
            trail.note(RuleId::OQM_8, || {
                format!("no page says how a token object is labelled; under the selected reading it carries its token's level ({level})")
            });
        }
    }
    sd
}

/// Checks `desired` on `target`'s token object with `subject`, returning the granted mask.
pub(super) fn check_token_object(
    world: &World,
    subject: TokenId,
    target: TokenId,
    desired: AccessMask,
    trail: &mut Trail,
) -> Result<AccessMask, ErrorCode> {
    let sd = token_object_sd(world, target, world.token(target).sd.clone(), trail);
    let granted = access_check(
        world,
        world.token(subject),
        &sd,
        ObjectType::Token,
        desired,
        trail,
    )
    .map_err(|r| r.error)?;
    trail.note(RuleId::HND_3, || {
        format!(
            "the token object's DACL grants {}; the new handle carries that access",
            names(ObjectType::Token, granted)
        )
    });
    Ok(granted)
}

/// The DACL the kernel gives the duplicate a copy-on-open token is opened as
/// (SepCreateImpersonationTokenDacl): TOKEN_ALL_ACCESS for the thread's process user, the
/// token's user, Administrators and SYSTEM, and RESTRICTED when either token is restricted.
fn impersonation_token_security(
    world: &World,
    thread: ThreadId,
    token: TokenId,
) -> SecurityDescriptor {
    let process_token = world.token(world.process_token_of(thread));
    let t = world.token(token);
    let all = AccessMask::TOKEN_ALL_ACCESS;
    let mut dacl = vec![
        allow(process_token.user, all),
        allow(t.user, all),
        allow(wk::ADMINISTRATORS, all),
        allow(wk::SYSTEM, all),
    ];
    if process_token.is_restricted() || t.is_restricted() {
        dacl.push(allow(wk::RESTRICTED, all));
    }
    SecurityDescriptor::new(process_token.user, dacl)
}

/// `OpenProcessToken`.
pub(super) fn open_process_token(
    world: &mut World,
    caller: ThreadId,
    process: ProcessRef,
    access: AccessMask,
    trail: &mut Trail,
) -> CallResult {
    let target_process = match process {
        ProcessRef::Current => world.thread(caller).process,
        ProcessRef::Process(p) => {
            trail.note(RuleId::HND_4, || {
                format!(
                    "process `{}` is named through the handle its creator holds, which has PROCESS_ALL_ACCESS",
                    world.process(p).name
                )
            });
            p
        }
    };
    let token = world.process(target_process).primary;
    let subject = opener_token(world, caller, trail)?;
    let granted = check_token_object(world, subject, token, access, trail)?;
    let process_of_caller = world.thread(caller).process;
    let handle = world
        .add_handle(process_of_caller, HandleTarget::Token(token), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}

/// `OpenThreadToken`.
pub(super) fn open_thread_token(
    world: &mut World,
    caller: ThreadId,
    thread: ThreadRef,
    access: AccessMask,
    open_as_self: bool,
    trail: &mut Trail,
) -> CallResult {
    let target = handles::thread(
        world,
        caller,
        thread,
        (AccessMask::THREAD_QUERY_INFORMATION, RuleId::HND_6),
        trail,
    )?;
    if let ThreadRef::Handle(_) = thread {
        trail.note(RuleId::HND_6, || {
            "the thread handle carries THREAD_QUERY_INFORMATION, as OpenThreadToken needs"
                .to_owned()
        });
    }
    let target_name = world.thread(target).name.clone();
    let Some(imp) = world.thread(target).impersonation else {
        trail.note(RuleId::THR_7, || {
            format!("thread `{target_name}` is not impersonating, so there is no thread token: ERROR_NO_TOKEN")
        });
        return Err(ErrorCode::ERROR_NO_TOKEN);
    };
    if imp.level == ImpersonationLevel::Anonymous {
        trail.note(RuleId::TOK_3, || {
            format!("thread `{target_name}` impersonates at Anonymous level, and such a token cannot be opened")
        });
        trail.note(RuleId::THR_7, || {
            "OpenThreadToken fails with ERROR_CANT_OPEN_ANONYMOUS".to_owned()
        });
        return Err(ErrorCode::ERROR_CANT_OPEN_ANONYMOUS);
    }
    let subject = if open_as_self {
        let primary = world.process_token_of(caller);
        trail.note(RuleId::THR_8, || {
            "OpenAsSelf is TRUE: the caller's impersonation is set aside and access is checked with its process token".to_owned()
        });
        trail.note(RuleId::THR_3, || {
            format!(
                "the check uses the process token ({}), not the thread token",
                world.name_of(world.token(primary).user)
            )
        });
        primary
    } else {
        if world
            .thread(caller)
            .impersonation
            .is_some_and(|i| i.level < ImpersonationLevel::Impersonation)
        {
            trail.note(RuleId::THR_8, || {
                "OpenAsSelf is FALSE, so access is checked with the caller's own impersonation token, which is below Impersonation level".to_owned()
            });
        }
        opener_token(world, caller, trail)?
    };
    let (opened, granted) = if imp.copy_on_open {
        let sd = token_object_sd(
            world,
            imp.token,
            impersonation_token_security(world, target, imp.token),
            trail,
        );
        trail.note(RuleId::THR_9, || {
            format!("thread `{target_name}`'s token was installed copy-on-open: the open makes a duplicate whose DACL grants TOKEN_ALL_ACCESS to the token's user, the thread's process user, Administrators and SYSTEM")
        });
        let granted = access_check(
            world,
            world.token(subject),
            &sd,
            ObjectType::Token,
            access,
            trail,
        )
        .map_err(|r| r.error)?;
        let copy = duplicate(
            world,
            imp.token,
            DuplicateSpec {
                token_type: TokenType::Impersonation,
                level: imp.level,
                effective_only: imp.effective_only,
            },
        )
        .or_full(trail)?;
        world.token_mut(copy).sd = sd;
        if let Some(i) = world.thread_mut(target).impersonation.as_mut() {
            i.token = copy;
            i.copy_on_open = false;
        }
        trail.note(RuleId::THR_9, || {
            format!(
                "the handle is to the duplicate (a new TokenId), which thread `{target_name}` now impersonates; it carries {}",
                names(ObjectType::Token, granted)
            )
        });
        (copy, granted)
    } else {
        (
            imp.token,
            check_token_object(world, subject, imp.token, access, trail)?,
        )
    };
    let process_of_caller = world.thread(caller).process;
    let handle = world
        .add_handle(process_of_caller, HandleTarget::Token(opened), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}
