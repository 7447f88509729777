//! GetTokenInformation and SetTokenInformation(TokenIntegrityLevel) (INFO-*, TOK-13,
//! TOK-14, TOK-15).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use crate::machine::action::{HandleRef, InfoClass};
use crate::machine::ids::{ThreadId, TokenId};
use crate::machine::outcome::{CallResult, Created, Success, TokenInfo, TokenStatistics, Value};
use crate::machine::privilege::Privilege;
use crate::machine::rights::AccessMask;
use crate::machine::room::Room;
use crate::machine::settings::WindowsVersion;
use crate::machine::token::{GroupAttrs, Token};
use crate::machine::token_copy::{DuplicateSpec, duplicate};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::handles;

/// `GetTokenInformation`.
pub(super) fn get_token_information(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    class: InfoClass,
    trail: &mut Trail,
) -> CallResult {
    let (_, id) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_QUERY, RuleId::INFO_1),
        trail,
    )?;
    trail.note(RuleId::INFO_1, || {
        "the handle carries TOKEN_QUERY, as GetTokenInformation needs".to_owned()
    });
    let t = world.token(id);
    let info = match class {
        InfoClass::TokenUser => {
            trail.note(RuleId::INFO_4, || {
                format!("the token's user is {}", world.name_of(t.user))
            });
            TokenInfo::User(world.name_of(t.user))
        }
        InfoClass::TokenGroups => groups(world, t, trail),
        InfoClass::TokenPrivileges => {
            let privileges: Vec<_> = t.privileges.iter().collect();
            trail.note(RuleId::INFO_4, || {
                format!(
                    "the token holds {} privileges (removed ones are not listed)",
                    privileges.len()
                )
            });
            TokenInfo::Privileges(privileges)
        }
        InfoClass::TokenOwner => {
            trail.note(RuleId::INFO_4, || {
                format!(
                    "the token's default owner is {}",
                    world.name_of(t.default_owner)
                )
            });
            TokenInfo::Owner(world.name_of(t.default_owner))
        }
        InfoClass::TokenType => {
            trail.note(RuleId::INFO_4, || {
                format!("the token is a {} token", t.token_type)
            });
            trail.note(RuleId::TOK_1, || {
                "a token is primary or impersonation; the level matters only for impersonation tokens".to_owned()
            });
            TokenInfo::Type(t.token_type)
        }
        InfoClass::TokenImpersonationLevel => impersonation_level(t, trail)?,
        InfoClass::TokenStatistics => statistics(world, t, trail),
        InfoClass::TokenRestrictedSids => {
            trail.note(RuleId::INFO_4, || {
                format!("the token has {} restricting SIDs", t.restricted_sids.len())
            });
            TokenInfo::RestrictedSids(
                t.restricted_sids
                    .iter()
                    .map(|s| world.name_of(*s))
                    .collect(),
            )
        }
        InfoClass::TokenSessionId => {
            trail.note(RuleId::INFO_4, || {
                format!("the token is in session {}", t.session_id)
            });
            TokenInfo::SessionId(t.session_id)
        }
        InfoClass::TokenOrigin => {
            trail.note(RuleId::INFO_8, || {
                format!("the token's origin is {}", t.origin)
            });
            TokenInfo::Origin(t.origin)
        }
        InfoClass::TokenElevationType => {
            trail.note(RuleId::INFO_6, || {
                format!(
                    "the token's elevation type is {}",
                    t.elevation_type.win32_name()
                )
            });
            TokenInfo::ElevationType(t.elevation_type)
        }
        InfoClass::TokenElevation => elevation(world, t, trail),
        InfoClass::TokenHasRestrictions => {
            trail.note(RuleId::INFO_4, || {
                format!(
                    "the token {} been filtered",
                    if t.has_restrictions { "has" } else { "has not" }
                )
            });
            TokenInfo::HasRestrictions(t.has_restrictions)
        }
        InfoClass::TokenIntegrityLevel => {
            trail.note(RuleId::INFO_4, || {
                format!("the token's integrity level is {}", t.integrity)
            });
            TokenInfo::IntegrityLevel(t.integrity)
        }
        InfoClass::TokenLinkedToken => return linked_token(world, caller, id, trail),
    };
    Ok(Success::value(Value::TokenInfo(info)))
}

/// INFO-4: the token's groups, with its integrity label from Vista on.
fn groups(world: &World, t: &Token, trail: &mut Trail) -> TokenInfo {
    let mut groups: Vec<_> = t
        .groups
        .iter()
        .map(|g| (world.name_of(g.sid), g.attrs))
        .collect();
    if world.settings.windows >= WindowsVersion::Vista {
        groups.push((
            t.integrity.label_name().into(),
            GroupAttrs(GroupAttrs::INTEGRITY | GroupAttrs::INTEGRITY_ENABLED),
        ));
    }
    trail.note(RuleId::INFO_4, || {
        format!(
            "the token has {} groups, the integrity label among them",
            groups.len()
        )
    });
    TokenInfo::Groups(groups)
}

/// TOK-2, INFO-2: the impersonation level, which a primary token does not answer.
fn impersonation_level(t: &Token, trail: &mut Trail) -> Result<TokenInfo, ErrorCode> {
    if t.token_type == TokenType::Primary {
        trail.note(RuleId::INFO_2, || {
            "TokenImpersonationLevel is asked of a primary token, which fails with ERROR_INVALID_PARAMETER".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    trail.note(RuleId::TOK_2, || {
        format!("the token's impersonation level is {}", t.level)
    });
    Ok(TokenInfo::ImpersonationLevel(t.level))
}

/// INFO-3, TOK-1: the token's statistics.
fn statistics(world: &World, t: &Token, trail: &mut Trail) -> TokenInfo {
    trail.note(RuleId::INFO_3, || {
        format!(
            "TokenId {}, logon session {}, {} token, stored level {}",
            t.token_id, t.auth_id, t.token_type, t.level
        )
    });
    if t.token_type == TokenType::Primary {
        trail.note(RuleId::TOK_1, || {
            "a primary token still reports the level it was made with, though nothing reads it"
                .to_owned()
        });
    }
    TokenInfo::Statistics(TokenStatistics {
        token_id: t.token_id,
        authentication_id: t.auth_id,
        token_type: t.token_type,
        impersonation_level: t.level,
        group_count: t.groups.len() + usize::from(world.settings.windows >= WindowsVersion::Vista),
        privilege_count: t.privileges.count(),
        modified_id: t.modified_id,
    })
}

/// TOK-14: whether the token is elevated.
fn elevation(world: &World, t: &Token, trail: &mut Trail) -> TokenInfo {
    let elevated = crate::machine::token_copy::is_elevated(world, t, trail);
    trail.note(RuleId::TOK_14, || {
        if elevated {
            "the token holds an elevating privilege or an administrative group, so it is elevated".to_owned()
        } else {
            "the token holds no elevating privilege and no enabled administrative group, so it is not elevated".to_owned()
        }
    });
    TokenInfo::Elevation(elevated)
}

fn linked_token(world: &mut World, caller: ThreadId, id: TokenId, trail: &mut Trail) -> CallResult {
    let Some(linked) = world.token(id).linked else {
        trail.note(RuleId::INFO_5, || {
            "the token has no linked token (its elevation type is Default), so the call fails with ERROR_NO_SUCH_LOGON_SESSION".to_owned()
        });
        return Err(ErrorCode::ERROR_NO_SUCH_LOGON_SESSION);
    };
    let effective = world.effective_token(caller);
    let tcb = world.token(effective).privileges.is_enabled(Privilege::Tcb);
    let spec = if tcb {
        trail.note(RuleId::INFO_5, || {
            "the caller has SeTcbPrivilege enabled, so it gets the linked token as a primary token".to_owned()
        });
        DuplicateSpec {
            token_type: TokenType::Primary,
            level: world.token(linked).level,
            effective_only: false,
        }
    } else {
        trail.note(RuleId::TOK_15, || {
            "the caller lacks SeTcbPrivilege, so the linked token is handed out as an Identification-level impersonation token".to_owned()
        });
        trail.note(RuleId::INFO_5, || {
            "it can be queried and used in access checks, not for impersonating or creating processes".to_owned()
        });
        DuplicateSpec {
            token_type: TokenType::Impersonation,
            level: ImpersonationLevel::Identification,
            effective_only: false,
        }
    };
    let copy = duplicate(world, linked, spec).or_full(trail)?;
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(
            process,
            HandleTarget::Token(copy),
            AccessMask::TOKEN_ALL_ACCESS,
        )
        .or_full(trail)?;
    Ok(Success {
        value: Value::TokenInfo(TokenInfo::LinkedToken),
        created: Some(Created::Handle(handle)),
        last_error: None,
    })
}

/// `SetTokenInformation(TokenHandle, TokenIntegrityLevel, ...)`.
pub(super) fn set_token_integrity_level(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    level: IntegrityLevel,
    trail: &mut Trail,
) -> CallResult {
    let (_, id) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_ADJUST_DEFAULT, RuleId::INFO_7),
        trail,
    )?;
    let current = world.token(id).integrity;
    if level > current {
        let effective = world.effective_token(caller);
        if !world.token(effective).privileges.is_enabled(Privilege::Tcb) {
            trail.note(RuleId::TOK_13, || {
                format!("raising the integrity level from {current} to {level} needs SeTcbPrivilege, which the caller lacks")
            });
            trail.note(RuleId::INFO_7, || {
                "the call fails with ERROR_PRIVILEGE_NOT_HELD".to_owned()
            });
            return Err(ErrorCode::ERROR_PRIVILEGE_NOT_HELD);
        }
        if world.processes.iter().any(|p| p.primary == id) {
            trail.note(RuleId::INFO_7, || {
                "the token is in use as a process token, so its level cannot be raised: ERROR_TOKEN_ALREADY_IN_USE".to_owned()
            });
            return Err(ErrorCode::ERROR_TOKEN_ALREADY_IN_USE);
        }
        trail.note(RuleId::TOK_13, || {
            format!("the caller holds SeTcbPrivilege, so the level may be raised from {current} to {level}")
        });
    } else {
        trail.note(RuleId::TOK_13, || {
            format!("lowering (or keeping) the integrity level, {current} to {level}, needs no privilege")
        });
    }
    trail.note(RuleId::INFO_7, || {
        "the handle carries TOKEN_ADJUST_DEFAULT, as SetTokenInformation needs".to_owned()
    });
    if level != current {
        let modified = world.new_luid();
        let t = world.token_mut(id);
        t.integrity = level;
        t.modified_id = modified;
        trail.note(RuleId::PRIV_4, || {
            "the change gives the token a new ModifiedId".to_owned()
        });
    }
    Ok(Success::empty())
}
