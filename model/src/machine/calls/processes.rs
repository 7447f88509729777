//! CreateProcess, CreateProcessAsUser and CreateProcessWithTokenW (PROC-*, TOK-18,
//! TOK-19, THR-3, OQM-1, OQM-4).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::action::HandleRef;
use crate::machine::ids::{ThreadId, TokenId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::privilege::Privilege;
use crate::machine::rights::AccessMask;
use crate::machine::room::Room;
use crate::machine::token_copy::{DuplicateSpec, default_security, duplicate};
use crate::machine::world::{Process, Thread, World};
use crate::rules::RuleId;

use super::handles;

const ASSIGN_RIGHTS: AccessMask = AccessMask(0x000B);

/// `CreateProcess`: the child inherits the caller's process token.
pub(super) fn create_process(
    world: &mut World,
    caller: ThreadId,
    name: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    let primary = world.process_token_of(caller);
    if world.thread(caller).impersonation.is_some() {
        trail.note(RuleId::PROC_1, || {
            "the caller is impersonating, but the child gets the caller's process token, not the impersonation token".to_owned()
        });
        trail.note(RuleId::THR_3, || {
            "process creation uses the primary token".to_owned()
        });
    } else {
        trail.note(RuleId::PROC_1, || {
            "the child gets a copy of the caller's process token".to_owned()
        });
    }
    let level = world.token(primary).level;
    let copy = duplicate(
        world,
        primary,
        DuplicateSpec {
            token_type: TokenType::Primary,
            level,
            effective_only: false,
        },
    )
    .or_full(trail)?;
    Ok(Success::created(spawn(world, name, copy, trail)?))
}

/// `CreateProcessAsUser`.
pub(super) fn create_process_as_user(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    name: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    let (_, id) = handles::token(world, caller, token, (ASSIGN_RIGHTS, RuleId::PROC_2), trail)?;
    trail.note(RuleId::PROC_2, || {
        "the handle carries TOKEN_QUERY, TOKEN_DUPLICATE and TOKEN_ASSIGN_PRIMARY".to_owned()
    });
    if world.token(id).token_type != TokenType::Primary {
        trail.note(RuleId::PROC_3, || {
            "CreateProcessAsUser needs a primary token and this one is an impersonation token: ERROR_BAD_TOKEN_TYPE".to_owned()
        });
        return Err(ErrorCode::ERROR_BAD_TOKEN_TYPE);
    }
    let primary = world.process_token_of(caller);
    trail.note(RuleId::THR_3, || {
        "the privilege checks of process creation use the caller's process token".to_owned()
    });
    let caller_token = world.token(primary);
    if world.settings.readings.alternative(RuleId::OQM_1) {
        if !caller_token.privileges.has(Privilege::IncreaseQuota) {
            trail.note(RuleId::OQM_1, || {
                "under the selected reading (required) the caller needs SeIncreaseQuotaPrivilege and lacks it: ERROR_PRIVILEGE_NOT_HELD".to_owned()
            });
            return Err(ErrorCode::ERROR_PRIVILEGE_NOT_HELD);
        }
        trail.note(RuleId::OQM_1, || {
            "under the selected reading (required) the caller holds SeIncreaseQuotaPrivilege"
                .to_owned()
        });
    } else {
        trail.note(RuleId::OQM_1, || {
            "the page says SeIncreaseQuotaPrivilege is \"typically\" needed; the selected reading (not-required) does not check it".to_owned()
        });
    }
    if caller_token.privileges.has(Privilege::AssignPrimaryToken) {
        trail.note(RuleId::PROC_4, || {
            "the caller holds SeAssignPrimaryTokenPrivilege, which CreateProcessAsUser enables for the call, so any primary token may be assigned".to_owned()
        });
        trail.note(RuleId::TOK_18, || {
            "with the privilege, the child/sibling rule does not apply".to_owned()
        });
    } else {
        let t = world.token(id);
        let child = t.parent_token_id == caller_token.token_id;
        let sibling =
            t.parent_token_id == caller_token.parent_token_id && t.auth_id == caller_token.auth_id;
        if !(child || sibling) {
            trail.note(RuleId::TOK_18, || {
                "without SeAssignPrimaryTokenPrivilege only a child or sibling of the caller's own token may be assigned, and this token is neither: ERROR_PRIVILEGE_NOT_HELD".to_owned()
            });
            trail.note(RuleId::TOK_19, || {
                "CreateProcessAsUser needs SeAssignPrimaryTokenPrivilege for a token that is not assignable".to_owned()
            });
            return Err(ErrorCode::ERROR_PRIVILEGE_NOT_HELD);
        }
        if t.integrity > caller_token.integrity {
            trail.note(RuleId::TOK_18, || {
                format!(
                    "the token is a {} of the caller's, but its integrity ({}) is above the caller's ({}): ERROR_PRIVILEGE_NOT_HELD",
                    if child { "child" } else { "sibling" },
                    t.integrity,
                    caller_token.integrity
                )
            });
            return Err(ErrorCode::ERROR_PRIVILEGE_NOT_HELD);
        }
        trail.note(RuleId::TOK_18, || {
            format!(
                "the token is a {} of the caller's own token and not above its integrity, so it may be assigned without SeAssignPrimaryTokenPrivilege",
                if child { "child" } else { "sibling" }
            )
        });
    }
    Ok(Success::created(spawn(world, name, id, trail)?))
}

/// `CreateProcessWithTokenW`.
pub(super) fn create_process_with_token(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    name: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    let primary = world.process_token_of(caller);
    let privileges = world.token(primary).privileges;
    let held = privileges.has(Privilege::Impersonate);
    let enabled = privileges.is_enabled(Privilege::Impersonate);
    let counts = if world.settings.readings.alternative(RuleId::OQL_15) {
        held
    } else {
        enabled
    };
    if !counts {
        trail.note(RuleId::TOK_19, || {
            if held {
                "the caller holds SeImpersonatePrivilege but it is disabled; CreateProcessWithTokenW fails with ERROR_PRIVILEGE_NOT_HELD".to_owned()
            } else {
                "CreateProcessWithTokenW needs SeImpersonatePrivilege, which the caller lacks: ERROR_PRIVILEGE_NOT_HELD".to_owned()
            }
        });
        if held {
            trail.note(RuleId::OQL_15, || {
                "the selected reading (enabled) does not count a disabled privilege".to_owned()
            });
        }
        return Err(ErrorCode::ERROR_PRIVILEGE_NOT_HELD);
    }
    trail.note(RuleId::TOK_19, || {
        "the caller holds SeImpersonatePrivilege; the Secondary Logon service creates the process".to_owned()
    });
    let (_, id) = handles::token(world, caller, token, (ASSIGN_RIGHTS, RuleId::PROC_2), trail)?;
    trail.note(RuleId::PROC_2, || {
        "the handle carries TOKEN_QUERY, TOKEN_DUPLICATE and TOKEN_ASSIGN_PRIMARY".to_owned()
    });
    let t = world.token(id);
    if t.token_type == TokenType::Impersonation {
        if !world.settings.readings.alternative(RuleId::OQM_4) {
            trail.note(RuleId::OQM_4, || {
                "the page asks for a primary token; under the selected reading (primary-only) an impersonation token fails with ERROR_BAD_TOKEN_TYPE".to_owned()
            });
            return Err(ErrorCode::ERROR_BAD_TOKEN_TYPE);
        }
        if t.level < ImpersonationLevel::Impersonation {
            trail.note(RuleId::OQM_4, || {
                "under the selected reading (duplicates) the service duplicates the token to a primary one".to_owned()
            });
            trail.note(RuleId::TOK_10, || {
                format!("a primary token cannot be made from a token at {}: ERROR_BAD_IMPERSONATION_LEVEL", t.level)
            });
            return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
        }
        trail.note(RuleId::OQM_4, || {
            "under the selected reading (duplicates) the service duplicates the impersonation token to a primary one".to_owned()
        });
    }
    let level = world.token(id).level;
    let copy = duplicate(
        world,
        id,
        DuplicateSpec {
            token_type: TokenType::Primary,
            level,
            effective_only: false,
        },
    )
    .or_full(trail)?;
    Ok(Success::created(spawn(world, name, copy, trail)?))
}

/// Adds a process running with `token` and its first thread, both named `name`.
fn spawn(
    world: &mut World,
    name: &Arc<str>,
    token: TokenId,
    trail: &mut Trail,
) -> Result<Created, ErrorCode> {
    let sd = default_security(world, token);
    let process = world
        .add_process(Process {
            name: Arc::clone(name),
            primary: token,
            threads: Vec::new(),
            sd: sd.clone(),
            kernel_mode: false,
        })
        .or_full(trail)?;
    let thread = world
        .add_thread(Thread {
            name: Arc::clone(name),
            process,
            impersonation: None,
            sd,
        })
        .or_full(trail)?;
    Ok(Created::Process(process, thread))
}
