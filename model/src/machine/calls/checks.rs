//! AccessCheck and CheckTokenMembership (ACC-10, ACC-11, TOK-4, TOK-6, MEMB-*).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::access_check::{access_check, names};
use crate::machine::action::HandleRef;
use crate::machine::ids::{ObjectId, PrincipalId, ThreadId};
use crate::machine::outcome::{CallResult, Success, Value};
use crate::machine::rights::AccessMask;
use crate::machine::world::World;
use crate::rules::RuleId;

use super::handles;

/// `AccessCheck` against an object's security descriptor.
pub(super) fn access_check_call(
    world: &mut World,
    caller: ThreadId,
    object: ObjectId,
    token: HandleRef,
    access: AccessMask,
    trail: &mut Trail,
) -> CallResult {
    let object_type = world.object(object).object_type;
    if access.intersects(AccessMask::GENERIC_MASK) {
        trail.note(RuleId::ACC_10, || {
            "the desired access still holds generic rights, which AccessCheck requires mapped first: ERROR_GENERIC_NOT_MAPPED".to_owned()
        });
        return Err(ErrorCode::ERROR_GENERIC_NOT_MAPPED);
    }
    let (_, id) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_QUERY, RuleId::ACC_11),
        trail,
    )?;
    let t = world.token(id);
    if t.token_type == TokenType::Primary {
        trail.note(RuleId::TOK_6, || {
            "AccessCheck needs an impersonation token and this one is primary: ERROR_NO_IMPERSONATION_TOKEN".to_owned()
        });
        return Err(ErrorCode::ERROR_NO_IMPERSONATION_TOKEN);
    }
    if t.level < ImpersonationLevel::Identification {
        trail.note(RuleId::TOK_6, || {
            "the token is at Anonymous level, below the Identification AccessCheck needs: ERROR_BAD_IMPERSONATION_LEVEL".to_owned()
        });
        return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
    }
    if t.level == ImpersonationLevel::Identification {
        trail.note(RuleId::TOK_4, || {
            "an Identification-level token may be used to run access checks".to_owned()
        });
    } else {
        trail.note(RuleId::TOK_6, || {
            format!("the token is an impersonation token at {}", t.level)
        });
    }
    let sd = world.object(object).sd.clone();
    let result = access_check(world, t, &sd, object_type, access, trail);
    match result {
        Ok(granted) => {
            trail.note(RuleId::ACC_11, || {
                format!("AccessStatus is TRUE with {}", names(object_type, granted))
            });
            Ok(Success::value(Value::AccessCheck {
                status: true,
                granted,
                object_type,
            }))
        }
        Err(refusal) => {
            trail.note(RuleId::ACC_11, || {
                format!(
                    "the call succeeds with AccessStatus FALSE, GrantedAccess 0, and {} as the reason",
                    refusal.error.symbol()
                )
            });
            Ok(Success {
                value: Value::AccessCheck {
                    status: false,
                    granted: AccessMask::NONE,
                    object_type,
                },
                created: None,
                last_error: Some(refusal.error),
            })
        }
    }
}

/// `CheckTokenMembership`.
pub(super) fn check_token_membership(
    world: &mut World,
    caller: ThreadId,
    token: Option<HandleRef>,
    sid: PrincipalId,
    trail: &mut Trail,
) -> CallResult {
    let id = match token {
        None => {
            let thread = world.thread(caller);
            if thread.impersonation.is_some() {
                trail.note(RuleId::MEMB_1, || {
                    "a NULL token means the calling thread's impersonation token".to_owned()
                });
            } else {
                trail.note(RuleId::MEMB_1, || {
                    "a NULL token and no impersonation: an impersonation copy of the process token is checked".to_owned()
                });
            }
            world.effective_token(caller)
        }
        Some(h) => {
            let (_, id) = handles::token(
                world,
                caller,
                h,
                (AccessMask::TOKEN_QUERY, RuleId::MEMB_2),
                trail,
            )?;
            let t = world.token(id);
            if t.token_type == TokenType::Primary {
                trail.note(RuleId::MEMB_2, || {
                    "CheckTokenMembership needs an impersonation token and this one is primary: ERROR_NO_IMPERSONATION_TOKEN".to_owned()
                });
                return Err(ErrorCode::ERROR_NO_IMPERSONATION_TOKEN);
            }
            if t.level < ImpersonationLevel::Identification {
                trail.note(RuleId::MEMB_2, || {
                    "the token is at Anonymous level: ERROR_BAD_IMPERSONATION_LEVEL".to_owned()
                });
                return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
            }
            id
        }
    };
    let t = world.token(id);
    let name = world.name_of(sid);
    let enabled = t.has_enabled(sid);
    let restricted_ok =
        !t.is_restricted() || t.write_restricted || t.restricted_sids.contains(&sid);
    let member = enabled && restricted_ok;
    trail.note(RuleId::MEMB_3, || {
        if !enabled {
            match t.group(sid) {
                Some(g) if g.attrs.deny_only() => {
                    format!("{name} is in the token but deny-only, so IsMember is FALSE")
                }
                Some(_) => format!("{name} is in the token but disabled, so IsMember is FALSE"),
                None if t.user == sid => {
                    format!("{name} is the token's user but deny-only, so IsMember is FALSE")
                }
                None => format!("{name} is not in the token, so IsMember is FALSE"),
            }
        } else if !restricted_ok {
            format!("{name} is enabled but not among the restricting SIDs, so IsMember is FALSE")
        } else {
            format!("{name} is enabled in the token, so IsMember is TRUE")
        }
    });
    Ok(Success::value(Value::IsMember(member)))
}
