//! The server side of RPC: endpoints, registered authentication services, the end of a
//! call, impersonating and reverting, and inquiring about the caller (RPC-1..3, RPC-11,
//! RPC-15, RPCA-1, RPCA-2, RPCA-6, RPCA-7, OQL-12, OQM-11, OQM-12).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::machine::action::CallRef;
use crate::machine::capture;
use crate::machine::ids::{CallId, ThreadId};
use crate::machine::outcome::{CallResult, Field, Success, Value};
use crate::machine::pipe::PipeState;
use crate::machine::room::Room;
use crate::machine::rpc::{Protseq, RpcEndpoint, authn_level, authn_service};
use crate::machine::world::World;
use crate::rules::RuleId;

/// `RpcServerUseProtseqEp` (RPCA-1).
pub(super) fn use_protseq_ep(
    world: &mut World,
    caller: ThreadId,
    protseq: Protseq,
    endpoint: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    let well_formed = match protseq {
        Protseq::NcacnNp => pipe_name(endpoint).is_some_and(|n| !n.is_empty()),
        Protseq::NcacnIpTcp => endpoint.parse::<u16>().is_ok(),
        Protseq::Ncalrpc => !endpoint.is_empty() && !endpoint.contains('\\'),
    };
    if !well_formed {
        trail.note(RuleId::RPCA_1, || {
            format!(
                "`{endpoint}` is not an endpoint {protseq} can use ({}): RPC_S_INVALID_ENDPOINT_FORMAT",
                match protseq {
                    Protseq::NcacnNp => "it needs \\pipe\\<name>",
                    Protseq::NcacnIpTcp => "it needs a port number",
                    Protseq::Ncalrpc => "it needs a port name without backslashes",
                }
            )
        });
        return Err(ErrorCode::RPC_S_INVALID_ENDPOINT_FORMAT);
    }
    let pipe_taken = protseq == Protseq::NcacnNp
        && pipe_name(endpoint).is_some_and(|n| {
            world
                .pipes
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(n) && p.state != PipeState::Closed)
        });
    if world.rpc.endpoint(protseq, endpoint).is_some() || pipe_taken {
        trail.note(RuleId::RPCA_1, || {
            format!("{protseq} endpoint `{endpoint}` is already in use: RPC_S_DUPLICATE_ENDPOINT")
        });
        return Err(ErrorCode::RPC_S_DUPLICATE_ENDPOINT);
    }
    let process = world.thread(caller).process;
    world.rpc.endpoints.push(RpcEndpoint {
        protseq,
        name: Arc::clone(endpoint),
        process,
    });
    trail.note(RuleId::RPCA_1, || {
        format!(
            "process `{}` now serves the test interface on {protseq} endpoint `{endpoint}`",
            world.process(process).name
        )
    });
    Ok(Success::empty())
}

/// The pipe name of an ncacn_np endpoint (`\pipe\name` → `name`).
fn pipe_name(endpoint: &str) -> Option<&str> {
    let prefix = endpoint.get(..6)?;
    prefix
        .eq_ignore_ascii_case("\\pipe\\")
        .then(|| endpoint.get(6..))
        .flatten()
}

/// `RpcServerRegisterAuthInfo` (RPCA-2).
pub(super) fn register_auth_info(
    world: &mut World,
    caller: ThreadId,
    service: u32,
    trail: &mut Trail,
) -> CallResult {
    let service = if service == authn_service::DEFAULT {
        authn_service::WINNT
    } else {
        service
    };
    if !authn_service::known(service) {
        trail.note(RuleId::RPCA_2, || {
            format!(
                "no security provider has authentication service {}: RPC_S_UNKNOWN_AUTHN_SERVICE",
                authn_service::name(service)
            )
        });
        return Err(ErrorCode::RPC_S_UNKNOWN_AUTHN_SERVICE);
    }
    let process = world.thread(caller).process;
    if !world.rpc.registered(process, service) {
        world.rpc.services.push((process, service));
    }
    trail.note(RuleId::RPCA_2, || {
        format!(
            "process `{}` accepts clients that authenticate with {}",
            world.process(process).name,
            authn_service::name(service)
        )
    });
    Ok(Success::empty())
}

/// Resolves a server function's `BindingHandle` argument to a call (RPC-1, RPCA-7).
fn resolve(
    world: &World,
    caller: ThreadId,
    call: CallRef,
    no_call: ErrorCode,
    trail: &mut Trail,
) -> Result<CallId, ErrorCode> {
    match call {
        CallRef::Current => world.rpc.served_by(caller).ok_or_else(|| {
            trail.note(RuleId::RPC_1, || {
                format!(
                    "thread `{}` is not serving a call, so handle 0 names none: {}",
                    world.thread(caller).name,
                    no_call.symbol()
                )
            });
            no_call
        }),
        CallRef::ServedBy(thread) => world.rpc.served_by(thread).ok_or_else(|| {
            trail.note(RuleId::RPCA_8, || {
                format!(
                    "thread `{}` is serving no call, so there is no server binding handle to name: RPC_S_INVALID_BINDING",
                    world.thread(thread).name
                )
            });
            ErrorCode::RPC_S_INVALID_BINDING
        }),
        CallRef::Client(binding) => {
            let own = binding.is_some_and(|b| {
                let b = world.rpc.binding(b);
                !b.freed && b.process == world.thread(caller).process
            });
            if own {
                trail.note(RuleId::RPC_1, || {
                    "a client binding handle is the wrong kind for a server function: RPC_S_WRONG_KIND_OF_BINDING".to_owned()
                });
                Err(ErrorCode::RPC_S_WRONG_KIND_OF_BINDING)
            } else {
                trail.note(RuleId::RPCA_8, || {
                    "the binding handle is NULL, freed or another process's: RPC_S_INVALID_BINDING".to_owned()
                });
                Err(ErrorCode::RPC_S_INVALID_BINDING)
            }
        }
    }
}

/// `RpcImpersonateClient` (RPC-1, RPC-2, RPC-3, RPC-11, RPC-15, OQL-12).
pub(super) fn impersonate_client(
    world: &mut World,
    caller: ThreadId,
    call: CallRef,
    trail: &mut Trail,
) -> CallResult {
    let id = resolve(world, caller, call, ErrorCode::RPC_S_NO_CALL_ACTIVE, trail)?;
    let rpc_call = world.rpc.call(id).clone();
    let Some(context) = rpc_call.identity else {
        let code = if world.settings.readings.alternative(RuleId::OQL_12) {
            ErrorCode::RPC_S_CANNOT_SUPPORT
        } else {
            ErrorCode::RPC_S_NO_CONTEXT_AVAILABLE
        };
        trail.note(RuleId::RPC_3, || {
            format!(
                "the call came over {} without RPC authentication, so it carries no client identity to impersonate",
                rpc_call.protseq
            )
        });
        trail.note(RuleId::OQL_12, || {
            format!(
                "the page lists two codes for this; the selected reading ({}) gives {}",
                if code == ErrorCode::RPC_S_CANNOT_SUPPORT {
                    "cannot-support"
                } else {
                    "no-context"
                },
                code.symbol()
            )
        });
        return Err(code);
    };
    let client_name = world.thread(rpc_call.client).name.clone();
    trail.note(RuleId::RPC_15, || {
        format!(
            "the call's security context holds {} (from thread `{client_name}`) at {}",
            world.name_of(world.token(context.token).user),
            context.level
        )
    });
    if matches!(call, CallRef::ServedBy(t) if t != caller) {
        trail.note(RuleId::RPC_1, || {
            format!(
                "thread `{}` impersonates a call another thread serves; it must end this with RpcRevertToSelfEx on that call's handle",
                world.thread(caller).name
            )
        });
    } else {
        trail.note(RuleId::RPC_1, || {
            format!(
                "the handle names the call thread `{}` serves",
                world.thread(caller).name
            )
        });
    }
    trail.note(RuleId::RPC_2, || {
        "RPC impersonation passes through the kernel check".to_owned()
    });
    let assigned = capture::impersonate(world, caller, context, trail).or_full(trail)?;
    if rpc_call.protseq == Protseq::Ncalrpc && assigned.level == ImpersonationLevel::Impersonation {
        trail.note(RuleId::RPC_11, || {
            "the call came over ncalrpc at Impersonation: this server may make one remote call as the client, and that server may act as the client only on its own machine".to_owned()
        });
    }
    let record = &mut world.rpc.call_mut(id).impersonating;
    if !record.contains(&caller) {
        record.push(caller);
    }
    Ok(Success::empty())
}

/// `RpcRevertToSelf` and `RpcRevertToSelfEx` (RPCA-7, RPC-1, THR-12).
pub(super) fn revert_to_self(
    world: &mut World,
    caller: ThreadId,
    call: CallRef,
    trail: &mut Trail,
) -> CallResult {
    let impersonates_other = world
        .rpc
        .calls
        .iter()
        .any(|c| c.active && c.server != caller && c.impersonating.contains(&caller));
    let id = resolve(world, caller, call, ErrorCode::RPC_S_NO_CALL_ACTIVE, trail).inspect_err(|&e| {
        if e == ErrorCode::RPC_S_NO_CALL_ACTIVE {
            trail.note(RuleId::RPCA_7, || {
                if impersonates_other {
                    "RpcRevertToSelf is RpcRevertToSelfEx(0), which needs a call on this thread; a thread that impersonated another thread's call must pass that call's handle".to_owned()
                } else {
                    "RpcRevertToSelf is RpcRevertToSelfEx(0), which needs a call on this thread".to_owned()
                }
            });
        }
    })?;
    if matches!(call, CallRef::ServedBy(t) if t != caller) {
        trail.note(RuleId::RPC_1, || {
            "RpcRevertToSelfEx with the handle of the call this thread impersonated ends that impersonation".to_owned()
        });
    }
    let name = world.thread(caller).name.clone();
    let was = world.thread(caller).impersonation.is_some();
    let recorded = world.rpc.call(id).impersonating.contains(&caller);
    world.thread_mut(caller).impersonation = None;
    world
        .rpc
        .call_mut(id)
        .impersonating
        .retain(|t| *t != caller);
    trail.note(RuleId::RPCA_7, || {
        if was {
            format!("thread `{name}` stops impersonating the RPC client and acts with its process token again")
        } else if recorded {
            format!("the runtime still recorded thread `{name}` as impersonating, though RevertToSelf had already cleared its token; the revert succeeds")
        } else {
            format!("thread `{name}` was not impersonating; inside a call the revert succeeds all the same")
        }
    });
    Ok(Success::empty())
}

/// The manager routine returns (RPCA-5, OQM-11).
pub(super) fn rpc_return(world: &mut World, caller: ThreadId, trail: &mut Trail) -> CallResult {
    let Some(id) = world.rpc.served_by(caller) else {
        trail.note(RuleId::RPCA_5, || {
            "this thread is serving no call".to_owned()
        });
        return Err(ErrorCode::RPC_S_NO_CALL_ACTIVE);
    };
    let call = world.rpc.call(id).clone();
    world.rpc.call_mut(id).active = false;
    let client = world.thread(call.client).name.clone();
    trail.note(RuleId::RPCA_5, || {
        format!("the manager routine returns and thread `{client}`'s call completes")
    });
    let still =
        call.impersonating.contains(&caller) && world.thread(caller).impersonation.is_some();
    if still {
        if world.settings.readings.alternative(RuleId::OQM_11) {
            world.thread_mut(caller).impersonation = None;
            world
                .rpc
                .call_mut(id)
                .impersonating
                .retain(|t| *t != caller);
            trail.note(RuleId::OQM_11, || {
                "the thread still impersonates the client; under the selected reading (reverts) the runtime reverts it as the call ends".to_owned()
            });
        } else {
            trail.note(RuleId::OQM_11, || {
                "the thread still impersonates the client; under the selected reading (stays) nothing reverts it, so it keeps the client's token after the call (THR-11)".to_owned()
            });
        }
    }
    Ok(Success::empty())
}

/// `RpcBindingInqAuthClient` (RPCA-6, OQM-12).
pub(super) fn inq_auth_client(
    world: &mut World,
    caller: ThreadId,
    call: CallRef,
    trail: &mut Trail,
) -> CallResult {
    let id = resolve(world, caller, call, ErrorCode::RPC_S_INVALID_BINDING, trail)?;
    let rpc_call = world.rpc.call(id).clone();
    if rpc_call.protseq == Protseq::Ncalrpc && world.rpc.binding(rpc_call.binding).auth.is_none() {
        trail.note(RuleId::OQM_12, || {
            if rpc_call.auth.is_some() {
                "the client set no authentication on its ncalrpc binding; under the selected reading (privacy-winnt) ncalrpc counts as authenticated at PKT_PRIVACY with WINNT".to_owned()
            } else {
                "the client set no authentication on its ncalrpc binding; under the selected reading (has-no-auth) the binding has none".to_owned()
            }
        });
    }
    let Some(auth) = rpc_call.auth else {
        trail.note(RuleId::RPCA_6, || {
            format!(
                "the call over {} is unauthenticated: RPC_S_BINDING_HAS_NO_AUTH",
                rpc_call.protseq
            )
        });
        return Err(ErrorCode::RPC_S_BINDING_HAS_NO_AUTH);
    };
    let mut fields = vec![
        (
            "AuthnLevel",
            Field::Text(Arc::from(authn_level::name(auth.level))),
        ),
        (
            "AuthnSvc",
            Field::Text(Arc::from(authn_service::name(auth.service))),
        ),
        ("AuthzSvc", Field::Text(Arc::from("RPC_C_AUTHZ_NONE"))),
    ];
    if rpc_call.protseq == Protseq::Ncalrpc {
        let user = rpc_call
            .identity
            .map(|c| world.name_of(world.token(c.token).user));
        if let Some(user) = user {
            fields.push(("Privs", Field::Text(user)));
        }
    }
    trail.note(RuleId::RPCA_6, || {
        format!(
            "the call is authenticated at {} with {}{}",
            authn_level::name(auth.level),
            authn_service::name(auth.service),
            if rpc_call.protseq == Protseq::Ncalrpc {
                "; for ncalrpc Privs holds the client's principal name"
            } else {
                ""
            }
        )
    });
    Ok(Success::value(Value::Record(fields)))
}
