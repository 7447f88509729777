//! AdjustTokenPrivileges and PrivilegeCheck (PRIV-*).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::action::{HandleRef, PrivilegeChange};
use crate::machine::ids::ThreadId;
use crate::machine::outcome::{CallResult, Success, Value};
use crate::machine::privilege::Privilege;
use crate::machine::rights::AccessMask;
use crate::machine::world::World;
use crate::rules::RuleId;

use super::handles;

/// `AdjustTokenPrivileges`.
pub(super) fn adjust_token_privileges(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    disable_all: bool,
    changes: &[(Privilege, PrivilegeChange)],
    trail: &mut Trail,
) -> CallResult {
    let (_, id) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_ADJUST_PRIVILEGES, RuleId::PRIV_1),
        trail,
    )?;
    let before = world.token(id).privileges;
    let mut after = before;
    let mut missing = Vec::new();
    if disable_all {
        let present: Vec<Privilege> = after.iter().map(|(p, _)| p).collect();
        for p in present {
            after.set_enabled(p, false);
        }
        trail.note(RuleId::PRIV_2, || {
            "DisableAllPrivileges disables every privilege and ignores NewState".to_owned()
        });
    } else {
        for (privilege, change) in changes {
            if !after.has(*privilege) {
                missing.push(*privilege);
                continue;
            }
            match change {
                PrivilegeChange::Enable => {
                    after.set_enabled(*privilege, true);
                }
                PrivilegeChange::Disable => {
                    after.set_enabled(*privilege, false);
                }
                PrivilegeChange::Remove => {
                    after.remove(*privilege);
                    trail.note(RuleId::PRIV_3, || {
                        format!("{privilege} is removed from the token for good")
                    });
                }
            }
        }
        let described: Vec<String> = changes
            .iter()
            .filter(|(p, _)| !missing.contains(p))
            .map(|(p, c)| {
                format!(
                    "{p} {}",
                    match c {
                        PrivilegeChange::Enable => "enabled",
                        PrivilegeChange::Disable => "disabled",
                        PrivilegeChange::Remove => "removed",
                    }
                )
            })
            .collect();
        if !described.is_empty() {
            trail.note(RuleId::PRIV_1, || described.join(", "));
        }
    }
    if after != before {
        let modified = world.new_luid();
        let t = world.token_mut(id);
        t.privileges = after;
        t.modified_id = modified;
        trail.note(RuleId::PRIV_4, || {
            "the change gives the token a new ModifiedId".to_owned()
        });
    }
    if after == before {
        trail.note(RuleId::PRIV_4, || {
            "nothing changed, so the token keeps its ModifiedId".to_owned()
        });
    }
    if missing.is_empty() {
        return Ok(Success::empty());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name()).collect();
    let removed_before = missing
        .iter()
        .any(|p| world.token(id).privileges.state(*p).is_none());
    trail.note(RuleId::PRIV_1, || {
        format!(
            "the token does not hold {}: AdjustTokenPrivileges cannot add privileges, so it succeeds with ERROR_NOT_ALL_ASSIGNED",
            names.join(", ")
        )
    });
    if removed_before {
        trail.note(RuleId::PRIV_3, || {
            "a removed privilege behaves as if the token never held it".to_owned()
        });
    }
    Ok(Success {
        last_error: Some(ErrorCode::ERROR_NOT_ALL_ASSIGNED),
        ..Success::empty()
    })
}

/// `PrivilegeCheck`.
pub(super) fn privilege_check(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    privileges: &[Privilege],
    all_necessary: bool,
    trail: &mut Trail,
) -> CallResult {
    let (_, id) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_QUERY, RuleId::PRIV_5),
        trail,
    )?;
    let t = world.token(id);
    if t.token_type == TokenType::Primary {
        if world.settings.readings.alternative(RuleId::OQM_2) {
            trail.note(RuleId::OQM_2, || {
                "under the selected reading (impersonation-only) a primary token is refused with ERROR_NO_IMPERSONATION_TOKEN".to_owned()
            });
            return Err(ErrorCode::ERROR_NO_IMPERSONATION_TOKEN);
        }
        trail.note(RuleId::OQM_2, || {
            "the page asks for the token of an impersonating thread, but implementations check a primary token too; the selected reading (accept-primary) does".to_owned()
        });
    } else if t.level < ImpersonationLevel::Identification {
        trail.note(RuleId::PRIV_6, || {
            "the token is an Anonymous-level impersonation token: ERROR_BAD_IMPERSONATION_LEVEL"
                .to_owned()
        });
        return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
    }
    let enabled: Vec<bool> = privileges
        .iter()
        .map(|p| t.privileges.is_enabled(*p))
        .collect();
    let result = if all_necessary {
        enabled.iter().all(|e| *e)
    } else {
        enabled.iter().any(|e| *e)
    };
    trail.note(RuleId::PRIV_5, || {
        let listed: Vec<String> = privileges
            .iter()
            .zip(&enabled)
            .map(|(p, e)| format!("{p} {}", if *e { "enabled" } else { "not enabled" }))
            .collect();
        format!(
            "{} ({}), so pfResult is {}",
            listed.join(", "),
            if all_necessary {
                "all are necessary"
            } else {
                "any one suffices"
            },
            if result { "TRUE" } else { "FALSE" }
        )
    });
    Ok(Success::value(Value::PrivilegeCheck(result)))
}
