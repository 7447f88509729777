//! LogonUser (TOK-17, LOGON-1..LOGON-7).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::machine::accounts::{LogonRight, Right};
use crate::machine::ids::Luid;
use crate::machine::ids::{PrincipalId, ThreadId, TokenId};
use crate::machine::logon::{LogonRequest, logon};
use crate::machine::logon_session::{AuthPackage, Credentials, LogonSession, LogonType};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::principal::wk;
use crate::machine::rights::AccessMask;
use crate::machine::room::Room;
use crate::machine::token::TokenSource;
use crate::machine::token_copy::default_security;
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

/// `LogonUserW(user, ".", password, type, LOGON32_PROVIDER_DEFAULT, &token)`.
pub(super) fn logon_user(
    world: &mut World,
    caller: ThreadId,
    user: PrincipalId,
    password: Option<&str>,
    logon_type: LogonType,
    trail: &mut Trail,
) -> CallResult {
    let name = world.name_of(user);
    trail.note(RuleId::LOGON_1, || {
        "LogonUser needs no privilege of its caller".to_owned()
    });
    let caller_primary = world.process_token_of(caller);
    let caller_session = world.token(caller_primary).auth_id;
    if logon_type == LogonType::NewCredentials {
        return new_credentials(world, caller, user, caller_session, trail);
    }
    let account = world.accounts.user(user).cloned();
    let Some(account) = account else {
        trail.note(RuleId::LOGON_2, || {
            format!(
                "{name} is not an account LogonUser can log on with a password: ERROR_LOGON_FAILURE"
            )
        });
        return Err(ErrorCode::ERROR_LOGON_FAILURE);
    };
    let right_password = matches!((&account.password, password), (Some(a), Some(b)) if a == b)
        || matches!((&account.password, password), (Some(a), None) if a.is_empty());
    if !right_password {
        trail.note(RuleId::LOGON_2, || {
            if account.password.is_none() {
                format!("the scenario does not know {name}'s password, so no password matches: ERROR_LOGON_FAILURE")
            } else {
                format!("the password is wrong for {name}: ERROR_LOGON_FAILURE")
            }
        });
        return Err(ErrorCode::ERROR_LOGON_FAILURE);
    }
    if account.password.as_deref() == Some("") {
        trail.note(RuleId::LOGON_2, || {
            format!("{name}'s password is blank, and blank passwords are limited to console logons: ERROR_ACCOUNT_RESTRICTION")
        });
        return Err(ErrorCode::ERROR_ACCOUNT_RESTRICTION);
    }
    if account.disabled {
        trail.note(RuleId::LOGON_2, || {
            format!("{name}'s account is disabled: ERROR_ACCOUNT_DISABLED")
        });
        return Err(ErrorCode::ERROR_ACCOUNT_DISABLED);
    }
    let (right, deny) = match logon_type {
        LogonType::Interactive => (LogonRight::Interactive, LogonRight::DenyInteractive),
        LogonType::Network | LogonType::NetworkCleartext => {
            (LogonRight::Network, LogonRight::DenyNetwork)
        }
        LogonType::Batch => (LogonRight::Batch, LogonRight::DenyBatch),
        LogonType::Service => (LogonRight::Service, LogonRight::DenyService),
        LogonType::System | LogonType::NewCredentials => {
            (LogonRight::Interactive, LogonRight::DenyInteractive)
        }
    };
    let mut holders = vec![user, wk::EVERYONE, wk::USERS, wk::AUTHENTICATED_USERS];
    holders.extend(account.groups.iter().copied());
    if world.accounts.holds(Right::Logon(deny), &holders) {
        trail.note(RuleId::LOGON_3, || {
            format!(
                "{name} is denied {} (deny rights win): ERROR_LOGON_TYPE_NOT_GRANTED",
                right.name()
            )
        });
        return Err(ErrorCode::ERROR_LOGON_TYPE_NOT_GRANTED);
    }
    if !world.accounts.holds(Right::Logon(right), &holders) {
        trail.note(RuleId::LOGON_3, || {
            format!(
                "neither {name} nor its groups hold {}: ERROR_LOGON_TYPE_NOT_GRANTED",
                right.name()
            )
        });
        return Err(ErrorCode::ERROR_LOGON_TYPE_NOT_GRANTED);
    }
    trail.note(RuleId::LOGON_3, || format!("{name} holds {}", right.name()));
    let origin = if matches!(logon_type, LogonType::Network | LogonType::NetworkCleartext) {
        trail.note(RuleId::LOGON_7, || {
            "a network logon's token has origin zero".to_owned()
        });
        Luid::ZERO
    } else {
        trail.note(RuleId::LOGON_7, || {
            format!("the token's origin is the caller's logon session ({caller_session}), which made it with explicit credentials")
        });
        caller_session
    };
    let session_id = if world.settings.readings.alternative(RuleId::OQM_6) {
        trail.note(RuleId::OQM_6, || {
            "no page says which session a LogonUser token is in; under the selected reading (session-zero) it is session 0".to_owned()
        });
        0
    } else {
        let session = world.token(caller_primary).session_id;
        trail.note(RuleId::OQM_6, || {
            format!("no page says which session a LogonUser token is in; under the selected reading (caller-session) it is the caller's, session {session}")
        });
        session
    };
    let result = logon(
        world,
        LogonRequest {
            user,
            logon_type,
            origin,
            source: TokenSource::Advapi,
            session_id,
        },
        trail,
    )
    .or_full(trail)?;
    give_caller_security(world, caller, result.token, trail);
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(
            process,
            HandleTarget::Token(result.token),
            AccessMask::TOKEN_ALL_ACCESS,
        )
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}

/// The token object LogonUser returns is a new object made for the caller, so it gets the
/// caller's default owner and DACL (DEF-1); its own default DACL stays its user's.
fn give_caller_security(world: &mut World, caller: ThreadId, token: TokenId, trail: &mut Trail) {
    let creator = world.effective_token(caller);
    let sd = default_security(world, creator);
    let owner = world.name_of(sd.owner);
    world.token_mut(token).sd = sd;
    trail.note(RuleId::DEF_1, || {
        format!("the new token object is made for the caller, so its own security is the caller's defaults (owner {owner}); the user it names does not appear in its DACL")
    });
}

fn new_credentials(
    world: &mut World,
    caller: ThreadId,
    user: PrincipalId,
    caller_session: Luid,
    trail: &mut Trail,
) -> CallResult {
    let source = world.effective_token(caller);
    let luid = world.new_luid();
    let local = world.token(source).user;
    world
        .add_session(LogonSession {
            luid,
            user: local,
            logon_type: LogonType::NewCredentials,
            package: AuthPackage::Negotiate,
            credentials: Credentials {
                reusable: true,
                outbound_as: Some(user),
            },
            logon_sid: None,
        })
        .or_full(trail)?;
    let mut token = world.token(source).clone();
    token.token_id = world.new_luid();
    token.modified_id = world.new_luid();
    token.token_type = crate::core::level::TokenType::Primary;
    token.auth_id = luid;
    token.origin = caller_session;
    token.linked = None;
    let id = world.add_token(token).or_full(trail)?;
    give_caller_security(world, caller, id, trail);
    let (local_name, outbound) = (world.name_of(local), world.name_of(user));
    trail.note(RuleId::LOGON_6, || {
        format!(
            "a new-credentials logon clones the caller's token ({local_name}) into a new logon session {luid}; it presents {outbound} only on outbound connections, and the password is not checked here"
        )
    });
    trail.note(RuleId::LOGON_7, || {
        format!("the token's origin is the caller's logon session ({caller_session})")
    });
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(
            process,
            HandleTarget::Token(id),
            AccessMask::TOKEN_ALL_ACCESS,
        )
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}
