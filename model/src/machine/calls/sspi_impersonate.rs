//! Using a finished server context: ImpersonateSecurityContext, RevertSecurityContext and
//! QuerySecurityContextToken (SSPI-1..3, SSPI-5, SSPI-8..10, OQM-18, OQM-19).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::TokenType;
use crate::machine::action::ContextRef;
use crate::machine::capture::{self, ClientContext};
use crate::machine::ids::{ContextId, ThreadId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::rights::AccessMask;
use crate::machine::room::Room;
use crate::machine::sspi::{Package, Side, secpkg_flag};
use crate::machine::token_copy::{DuplicateSpec, duplicate};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

/// A server context of the caller's process that AcceptSecurityContext returned
/// (SSPI-1, SSPI-9, SSPI-10).
fn server_context(
    world: &World,
    caller: ThreadId,
    context: ContextRef,
    rule: RuleId,
    trail: &mut Trail,
) -> Result<ContextId, ErrorCode> {
    let process = world.thread(caller).process;
    match context {
        Some(id) => {
            let c = world.sspi.context(id);
            if c.deleted || c.process != process {
                trail.note(rule, || {
                    "the context was deleted or belongs to another process: SEC_E_INVALID_HANDLE".to_owned()
                });
                Err(ErrorCode::SEC_E_INVALID_HANDLE)
            } else if c.side == Side::Client {
                trail.note(rule, || {
                    "the context came from InitializeSecurityContext, not AcceptSecurityContext: SEC_E_INVALID_HANDLE".to_owned()
                });
                Err(ErrorCode::SEC_E_INVALID_HANDLE)
            } else {
                Ok(id)
            }
        }
        None => {
            trail.note(rule, || {
                "the context handle is NULL (the step that was to make it failed): SEC_E_INVALID_HANDLE".to_owned()
            });
            Err(ErrorCode::SEC_E_INVALID_HANDLE)
        }
    }
}

/// The client token of a finished server context (SSPI-5, OQM-19).
fn client_of(world: &World, id: ContextId, trail: &mut Trail) -> Result<ClientContext, ErrorCode> {
    let c = world.sspi.context(id);
    let failed = world.sspi.handshake(c.handshake).failed;
    if !c.complete {
        let code = if world.settings.readings.alternative(RuleId::OQM_19) {
            ErrorCode::SEC_E_NO_IMPERSONATION
        } else {
            ErrorCode::SEC_E_INVALID_HANDLE
        };
        trail.note(RuleId::OQM_19, || {
            format!(
                "the handshake {} on the server's side; no page says what this returns, the selected reading gives {}",
                if failed { "failed" } else { "has not finished" },
                code.symbol()
            )
        });
        return Err(code);
    }
    c.client.ok_or_else(|| {
        trail.note(RuleId::SSPI_5, || {
            format!(
                "the {} context holds no client token: SEC_E_NO_IMPERSONATION",
                c.package
            )
        });
        ErrorCode::SEC_E_NO_IMPERSONATION
    })
}

/// `ImpersonateSecurityContext` (SSPI-1, SSPI-2, SSPI-3, SSPI-8).
pub(super) fn impersonate(
    world: &mut World,
    caller: ThreadId,
    context: ContextRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_context(world, caller, context, RuleId::SSPI_1, trail)?;
    let package = world.sspi.context(id).package;
    let kernel = world.process(world.thread(caller).process).kernel_mode;
    if package == Package::Schannel && kernel {
        trail.note(RuleId::SSPI_1, || {
            "Schannel in kernel mode does not support ImpersonateSecurityContext: SEC_E_UNSUPPORTED_FUNCTION".to_owned()
        });
        return Err(ErrorCode::SEC_E_UNSUPPORTED_FUNCTION);
    }
    if !package.has(secpkg_flag::IMPERSONATION) {
        trail.note(RuleId::SSPI_3, || {
            format!(
                "{package} does not advertise SECPKG_FLAG_IMPERSONATION: SEC_E_UNSUPPORTED_FUNCTION"
            )
        });
        return Err(ErrorCode::SEC_E_UNSUPPORTED_FUNCTION);
    }
    trail.note(RuleId::SSPI_3, || {
        format!("{package} advertises SECPKG_FLAG_IMPERSONATION")
    });
    let client = client_of(world, id, trail)?;
    trail.note(RuleId::SSPI_8, || {
        format!(
            "the context holds {} at {}",
            world.name_of(world.token(client.token).user),
            client.level
        )
    });
    trail.note(RuleId::SSPI_2, || {
        "SSPI impersonation passes through the kernel check".to_owned()
    });
    capture::impersonate(world, caller, client, trail).or_full(trail)?;
    trail.note(RuleId::SSPI_1, || {
        "SEC_E_OK: the thread impersonates the client".to_owned()
    });
    let record = &mut world.sspi.context_mut(id).impersonating;
    if !record.contains(&caller) {
        record.push(caller);
    }
    Ok(Success::empty())
}

/// `RevertSecurityContext` (SSPI-9).
pub(super) fn revert(
    world: &mut World,
    caller: ThreadId,
    context: ContextRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_context(world, caller, context, RuleId::SSPI_9, trail)?;
    let name = world.thread(caller).name.clone();
    let was = world.thread(caller).impersonation.is_some();
    world.thread_mut(caller).impersonation = None;
    world
        .sspi
        .context_mut(id)
        .impersonating
        .retain(|t| *t != caller);
    trail.note(RuleId::SSPI_9, || {
        if was {
            format!("thread `{name}` stops impersonating the client and acts with its process token again")
        } else {
            format!("thread `{name}` was not impersonating; the revert succeeds all the same")
        }
    });
    Ok(Success::empty())
}

/// `QuerySecurityContextToken` (SSPI-10, OQM-18).
pub(super) fn query_token(
    world: &mut World,
    caller: ThreadId,
    context: ContextRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_context(world, caller, context, RuleId::SSPI_10, trail)?;
    let client = client_of(world, id, trail)?;
    let primary = world.settings.readings.alternative(RuleId::OQM_18);
    let token = if primary {
        duplicate(
            world,
            client.token,
            DuplicateSpec {
                token_type: TokenType::Primary,
                level: client.level,
                effective_only: false,
            },
        )
        .or_full(trail)?
    } else {
        client.token
    };
    trail.note(RuleId::OQM_18, || {
        if primary {
            "no page gives the token's type; under the selected reading (primary) it is a primary token".to_owned()
        } else {
            format!("no page gives the token's type; under the selected reading (impersonation) it is the context's impersonation token, at {}", client.level)
        }
    });
    trail.note(RuleId::SSPI_10, || {
        format!(
            "a handle to {}'s token, with TOKEN_ALL_ACCESS, for use outside SSPI; the caller must close it",
            world.name_of(world.token(token).user)
        )
    });
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(
            process,
            HandleTarget::Token(token),
            AccessMask::TOKEN_ALL_ACCESS,
        )
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}
