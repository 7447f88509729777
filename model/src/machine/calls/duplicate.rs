//! DuplicateToken and DuplicateTokenEx (TOK-1, TOK-9, TOK-10, TOK-11).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::access_check::{access_check, names};
use crate::machine::action::HandleRef;
use crate::machine::ids::ThreadId;
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::token_copy::{DuplicateSpec, default_security, duplicate_for};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::{handles, open_token};

/// `DuplicateToken`: an impersonation token whose handle has TOKEN_IMPERSONATE|TOKEN_QUERY.
pub(super) fn duplicate_token(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> CallResult {
    trail.note(RuleId::TOK_11, || {
        "DuplicateToken makes only impersonation tokens, and its handle has TOKEN_IMPERSONATE and TOKEN_QUERY".to_owned()
    });
    duplicate_common(
        world,
        caller,
        token,
        AccessMask::TOKEN_IMPERSONATE.with(AccessMask::TOKEN_QUERY),
        level,
        TokenType::Impersonation as i64,
        trail,
    )
}

/// `DuplicateTokenEx`.
pub(super) fn duplicate_token_ex(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    access: AccessMask,
    level: ImpersonationLevel,
    token_type: i64,
    trail: &mut Trail,
) -> CallResult {
    duplicate_common(world, caller, token, access, level, token_type, trail)
}

fn duplicate_common(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    access: AccessMask,
    level: ImpersonationLevel,
    token_type: i64,
    trail: &mut Trail,
) -> CallResult {
    let (handle, source) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_DUPLICATE, RuleId::TOK_11),
        trail,
    )?;
    let Some(new_type) = TokenType::from_raw(token_type) else {
        trail.note(RuleId::TOK_11, || {
            format!("{token_type} is not a TOKEN_TYPE (1 TokenPrimary, 2 TokenImpersonation), so the call fails with ERROR_INVALID_PARAMETER")
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    };
    let src = world.token(source);
    let (src_type, src_level) = (src.token_type, src.level);
    if src_type == TokenType::Impersonation {
        if new_type == TokenType::Impersonation && level > src_level {
            trail.note(RuleId::TOK_9, || {
                format!("the source is an impersonation token at {src_level}; a duplicate cannot raise it to {level}: ERROR_BAD_IMPERSONATION_LEVEL")
            });
            return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
        }
        if new_type == TokenType::Primary && src_level < ImpersonationLevel::Impersonation {
            trail.note(RuleId::TOK_10, || {
                format!("a primary token cannot be made from an impersonation token at {src_level}: ERROR_BAD_IMPERSONATION_LEVEL")
            });
            return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
        }
        trail.note(if new_type == TokenType::Primary { RuleId::TOK_10 } else { RuleId::TOK_9 }, || {
            format!("the source is an impersonation token at {src_level}, which allows a {new_type} token at {level}")
        });
    } else {
        trail.note(RuleId::TOK_9, || {
            format!("the source is a primary token, which may be duplicated at any level ({level} asked)")
        });
    }
    if new_type == TokenType::Primary {
        trail.note(RuleId::TOK_1, || {
            format!("the new primary token keeps the level {level}, which nothing reads for a primary token")
        });
    }
    let creator = open_token::creator_token(world, caller, trail)?;
    let granted = if access.is_empty() {
        let same = world.handle(handle).access;
        trail.note(RuleId::TOK_11, || {
            format!(
                "a desired access of 0 gives the new handle the source handle's access ({})",
                names(ObjectType::Token, same)
            )
        });
        same
    } else if !world.settings.readings.alternative(RuleId::OQM_7) {
        let granted = if access.contains(AccessMask::MAXIMUM_ALLOWED) {
            AccessMask::TOKEN_ALL_ACCESS
        } else {
            ObjectType::Token.generic_mapping().map(access)
        };
        trail.note(RuleId::TOK_11, || {
            format!(
                "the new handle asks for {}{}",
                names(ObjectType::Token, granted),
                if access.contains(AccessMask::MAXIMUM_ALLOWED) {
                    " (MAXIMUM_ALLOWED: every right)"
                } else {
                    ""
                }
            )
        });
        trail.note(RuleId::OQM_7, || {
            "the documents do not say whether a new token's handle is access-checked; under the selected reading (granted) the creator gets what it asks for".to_owned()
        });
        granted
    } else {
        let sd = default_security(world, creator);
        let granted = access_check(
            world,
            world.token(creator),
            &sd,
            ObjectType::Token,
            access,
            trail,
        )
        .map_err(|r| r.error)?;
        trail.note(RuleId::DEF_1, || {
            format!(
                "the new token gets the caller's default owner and DACL, which grant {}",
                names(ObjectType::Token, granted)
            )
        });
        granted
    };
    let new = duplicate_for(
        world,
        source,
        DuplicateSpec {
            token_type: new_type,
            level,
            effective_only: false,
        },
        creator,
    )
    .or_full(trail)?;
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(process, HandleTarget::Token(new), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}
