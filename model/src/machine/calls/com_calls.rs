//! COM calls and what the server does inside them: the identity a call presents under
//! each cloaking mode, impersonating and reverting, the end of a call, queued components
//! and role checks (COM-5, COM-6, COM-8..15, COM-17, COM-20, COM-21, COMA-2, COMA-4..6,
//! OQL-14, OQL-18, OQL-20, OQM-15, OQM-22, OQM-23, OQM-25).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::machine::action::{ProxyRef, Qos};
use crate::machine::capture::{self, ClientSource};
use crate::machine::com::{Caller, Cloaking, ComCall, QueuedMessage};
use crate::machine::ids::{ThreadId, TokenId};
use crate::machine::outcome::{CallResult, Field, Success, Value};
use crate::machine::room::Room;
use crate::machine::rpc::{authn_level, imp_level};
use crate::machine::world::World;
use crate::rules::RuleId;

use super::com_setup::{initialized, library_initialized, own_proxy, security};

/// The user and enabled groups of `token`, as a call context records its caller.
fn caller_of(world: &World, token: TokenId) -> Caller {
    let t = world.token(token);
    Caller {
        user: t.user,
        groups: t
            .groups
            .iter()
            .filter(|g| g.attrs.enabled())
            .map(|g| g.sid)
            .collect(),
    }
}

/// The kernel level a COM impersonation level gives the server over local IPC (COM-5,
/// COM-6).
fn server_level(imp: u32, trail: &mut Trail) -> ImpersonationLevel {
    match imp {
        imp_level::ANONYMOUS => {
            trail.note(RuleId::COM_5, || {
                "ANONYMOUS is honoured over local IPC".to_owned()
            });
            ImpersonationLevel::Anonymous
        }
        imp_level::DELEGATE => {
            trail.note(RuleId::COM_6, || {
                "DELEGATE on the same computer: NTLM delegates cross-process locally".to_owned()
            });
            ImpersonationLevel::Delegation
        }
        other => imp_level::to_kernel(other).unwrap_or(ImpersonationLevel::Identification),
    }
}

/// The identity a call through proxy `proxy` presents (COM-12..15, COM-18, OQL-14).
fn presented(
    world: &mut World,
    caller: ThreadId,
    proxy: crate::machine::ids::ProxyId,
    trail: &mut Trail,
) -> Result<ClientSource, ErrorCode> {
    let p = world.com.proxy(proxy).clone();
    let here = ClientSource::of(world, caller);
    let process_source = ClientSource {
        thread: here.thread.clone(),
        token: world.process_token_of(caller),
        impersonating: None,
        earlier: false,
        instead: Some(Arc::from("the process token")),
    };
    let user = |w: &World, s: &ClientSource| w.name_of(w.token(s.token).user);
    match Cloaking::of(p.capabilities) {
        Cloaking::None => {
            if let Some(credentials) = p.auth_info {
                let Some(token) = credentials else {
                    trail.note(RuleId::OQM_26, || {
                        "the proxy's pAuthInfo credentials were wrong; under the selected reading (at-call) the call fails with ERROR_LOGON_FAILURE".to_owned()
                    });
                    return Err(ErrorCode::ERROR_LOGON_FAILURE);
                };
                trail.note(RuleId::COM_18, || {
                    format!(
                        "the call presents the pAuthInfo logon, {}",
                        world.name_of(world.token(token).user)
                    )
                });
                return Ok(ClientSource {
                    thread: here.thread,
                    token,
                    impersonating: None,
                    earlier: false,
                    instead: Some(Arc::from("the pAuthInfo logon")),
                });
            }
            if here.impersonating.is_some() {
                trail.note(RuleId::COM_13, || {
                    format!(
                        "thread `{}` impersonates {}, but without cloaking the call presents the process token, {}",
                        here.thread,
                        user(world, &here),
                        user(world, &process_source)
                    )
                });
            }
            trail.note(RuleId::COM_12, || {
                format!(
                    "no cloaking: the call presents the process token, {}",
                    user(world, &process_source)
                )
            });
            Ok(process_source)
        }
        Cloaking::Static => {
            if let Some(fixed) = p.fixed {
                trail.note(RuleId::COM_12, || {
                    format!("static cloaking: the call presents the identity already fixed on the proxy, {}", user(world, &fixed))
                });
                return Ok(fixed.kept());
            }
            if world.settings.readings.alternative(RuleId::OQL_14) {
                trail.note(RuleId::OQL_14, || {
                    "static cloaking from CoInitializeSecurity; under the selected reading (set-blanket) only CoSetProxyBlanket fixes the identity, so the call presents the process token".to_owned()
                });
                return Ok(process_source);
            }
            let source = if here.impersonating.is_some() {
                here
            } else {
                process_source
            };
            trail.note(RuleId::OQL_14, || {
                "static cloaking from CoInitializeSecurity; under the selected reading (first-call) the proxy's first call fixes its identity".to_owned()
            });
            trail.note(RuleId::COM_14, || {
                format!(
                    "the first call on the proxy fixes its identity: {} ({}), until the next CoSetProxyBlanket",
                    user(world, &source),
                    if source.impersonating.is_some() { "the thread token" } else { "the process token" }
                )
            });
            world.com.proxy_mut(proxy).fixed = Some(source.clone());
            Ok(source)
        }
        Cloaking::Dynamic => {
            let source = if here.impersonating.is_some() {
                here
            } else {
                process_source
            };
            trail.note(RuleId::COM_15, || {
                format!(
                    "dynamic cloaking: the call presents the thread's current identity, {} ({})",
                    user(world, &source),
                    if source.impersonating.is_some() {
                        "its impersonation token"
                    } else {
                        "no thread token, so the process token"
                    }
                )
            });
            Ok(source)
        }
    }
}

/// A call of the object's method (COMA-2, COMA-5, COM-17, COM-20, OQM-15, OQM-25).
pub(super) fn com_call(
    world: &mut World,
    caller: ThreadId,
    proxy: ProxyRef,
    server: Option<ThreadId>,
    trail: &mut Trail,
) -> CallResult {
    library_initialized(world, caller, trail)?;
    let id = own_proxy(world, caller, proxy, trail)?;
    let p = world.com.proxy(id).clone();
    if p.queued {
        let token = world.effective_token(caller);
        let sender = caller_of(world, token);
        trail.note(RuleId::COMA_5, || {
            format!(
                "the recorder records the call into a message with the sender's call context ({}) and returns at once",
                world.name_of(sender.user)
            )
        });
        trail.note(RuleId::QC_4, || {
            "the recorder runs in the client's process, so the caller and the sender MSMQ authenticates are the same".to_owned()
        });
        world.com.queue.push(QueuedMessage {
            class: p.class,
            sender,
            authn_level: p.authn_level,
        });
        return Ok(Success::empty());
    }
    let Some(server) = server else {
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    };
    let server_process = world.thread(server).process;
    let required = security(world, server_process, trail).authn_level;
    if p.authn_level < required {
        let code = if world.settings.readings.alternative(RuleId::OQM_25) {
            ErrorCode::RPC_E_ACCESS_DENIED
        } else {
            ErrorCode::ERROR_ACCESS_DENIED
        };
        trail.note(RuleId::OQM_25, || {
            format!(
                "the call arrives at {}, below the server's {}, and COM fails it; no page gives the status, the selected reading gives {}",
                authn_level::name(p.authn_level),
                authn_level::name(required),
                code.symbol()
            )
        });
        return Err(code);
    }
    let mut unmapped_certificate = false;
    let (identity, caller_context) = if p.authn_service
        == crate::machine::rpc::authn_service::GSS_SCHANNEL
    {
        let mapped = p
            .certificate
            .and_then(|i| world.sspi.certificates.get(i as usize).cloned())
            .and_then(|c| c.maps_to.map(|u| (c.name, u)));
        match mapped {
            Some((name, user)) => {
                trail.note(RuleId::COM_7, || {
                    format!("the client's certificate `{name}` maps to {}: the server can impersonate that account", world.name_of(user))
                });
                let context =
                    crate::machine::loopback::mapped_logon(world, user, trail).or_full(trail)?;
                let who = caller_of(world, context.token);
                (Some(context), Some(who))
            }
            None => {
                trail.note(RuleId::COM_7, || {
                    "Schannel without a client certificate mapped to an account: the server gets no token to impersonate".to_owned()
                });
                unmapped_certificate = true;
                (None, None)
            }
        }
    } else if p.authn_level == authn_level::NONE {
        trail.note(RuleId::COM_8, || {
            "the call is unauthenticated (RPC_C_AUTHN_LEVEL_NONE): the server has no client identity".to_owned()
        });
        (None, None)
    } else {
        let source = presented(world, caller, id, trail)?;
        let level = server_level(p.imp_level, trail);
        if source
            .impersonating
            .is_some_and(|l| l < ImpersonationLevel::Impersonation)
        {
            trail.note(RuleId::COM_17, || {
                "cloaking below Impersonation is useless: the thread holds its client at a level it cannot pass on".to_owned()
            });
        }
        let qos = Qos {
            level,
            dynamic: false,
            effective_only: false,
        };
        let context = capture::capture_from(world, &source, qos, trail).map_err(|_| {
            let denied = world.settings.readings.alternative(RuleId::OQM_15);
            trail.note(RuleId::OQM_15, || {
                if denied {
                    "no page gives the status; the selected reading (access-denied) gives E_ACCESSDENIED".to_owned()
                } else {
                    "no page gives the status; the selected reading (bad-impersonation-level) passes ERROR_BAD_IMPERSONATION_LEVEL through".to_owned()
                }
            });
            if denied {
                ErrorCode::ERROR_ACCESS_DENIED
            } else {
                ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL
            }
        })?;
        let who = caller_of(world, source.token);
        (Some(context), Some(who))
    };
    let saved = world.thread(server).impersonation;
    trail.note(RuleId::COMA_2, || {
        format!(
            "the method runs on thread `{}` at {} with the client's {}; thread `{}` waits",
            world.thread(server).name,
            authn_level::name(p.authn_level),
            imp_level::name(p.imp_level),
            world.thread(caller).name
        )
    });
    let seq = world.next_seq();
    world.com.calls.push(ComCall {
        seq,
        client: Some(caller),
        server,
        class: p.class,
        active: true,
        authn_level: p.authn_level,
        imp_level: p.imp_level,
        identity,
        caller: caller_context,
        queued: false,
        unmapped_certificate,
        saved,
    });
    Ok(Success::empty())
}

/// The queued-components player makes the next recorded call on this thread (COMA-5,
/// COM-20).
pub(super) fn play_queued(world: &mut World, caller: ThreadId, trail: &mut Trail) -> CallResult {
    let process = world.thread(caller).process;
    let Some(position) = world.com.queue.iter().position(|m| {
        world
            .com
            .classes
            .get(m.class as usize)
            .is_some_and(|c| c.server == process)
    }) else {
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    };
    let message = world.com.queue.remove(position);
    let imp = security(world, process, trail).imp_level;
    trail.note(RuleId::COMA_5, || {
        format!(
            "the listener reads the message and the player calls the method on thread `{}`",
            world.thread(caller).name
        )
    });
    trail.note(RuleId::COM_20, || {
        format!(
            "the call context is the sender's ({}), marshalled in the message; no token of the client travels with it",
            world.name_of(message.sender.user)
        )
    });
    trail.note(RuleId::QC_5, || {
        format!(
            "the method runs with the application's identity, {}, not the caller's",
            world.name_of(world.token(world.process_token_of(caller)).user)
        )
    });
    trail.note(RuleId::OQD_10, || {
        "the page's \"sender's privileges\" are the call context's, for role checks; the same page says impersonation is not supported".to_owned()
    });
    if message.authn_level < authn_level::PKT_PRIVACY {
        trail.note(RuleId::QC_6, || {
            format!(
                "the message travelled at {}: only RPC_C_AUTHN_LEVEL_PKT_PRIVACY protects a queued call's integrity and secrecy",
                authn_level::name(message.authn_level)
            )
        });
    }
    let saved = world.thread(caller).impersonation;
    let seq = world.next_seq();
    world.com.calls.push(ComCall {
        seq,
        client: None,
        server: caller,
        class: message.class,
        active: true,
        authn_level: message.authn_level,
        imp_level: imp,
        identity: None,
        caller: Some(message.sender),
        queued: true,
        unmapped_certificate: false,
        saved,
    });
    Ok(Success::empty())
}

/// The call `caller` serves, or the status outside a call (OQL-20, COMA-6).
fn current_call(world: &World, caller: ThreadId, trail: &mut Trail) -> Result<usize, ErrorCode> {
    world.com.served_by(caller).ok_or_else(|| {
        let code = if world.settings.readings.alternative(RuleId::OQL_20) {
            ErrorCode::RPC_E_NO_CONTEXT
        } else {
            ErrorCode::RPC_E_CALL_COMPLETE
        };
        trail.note(RuleId::COMA_6, || {
            format!(
                "thread `{}` is not serving a COM call, so there is no call context; the thread is unchanged",
                world.thread(caller).name
            )
        });
        trail.note(RuleId::OQL_20, || {
            format!("the status is undocumented; the selected reading gives {}", code.symbol())
        });
        code
    })
}

/// `CoImpersonateClient` (COM-8, COM-11, COM-20, OQM-22, OQM-23).
pub(super) fn co_impersonate_client(
    world: &mut World,
    caller: ThreadId,
    trail: &mut Trail,
) -> CallResult {
    initialized(world, caller, trail)?;
    let index = current_call(world, caller, trail)?;
    let call = world.com.call(index).clone();
    trail.note(RuleId::COM_8, || {
        "CoImpersonateClient: the call context's IServerSecurity::ImpersonateClient".to_owned()
    });
    if call.queued {
        trail.note(RuleId::QC_1, || {
            "a queued component never has the client's token to impersonate".to_owned()
        });
        trail.note(RuleId::COM_20, || {
            "queued components support role checks, not impersonating the client".to_owned()
        });
        if world.settings.readings.alternative(RuleId::OQM_23) {
            trail.note(RuleId::OQM_23, || {
                "a queued call carries no client token; under the selected reading (player) the thread impersonates the player's own identity".to_owned()
            });
            let source = ClientSource {
                thread: world.thread(caller).name.clone(),
                token: world.process_token_of(caller),
                impersonating: None,
                earlier: false,
                instead: Some(Arc::from("the player's process token")),
            };
            let qos = Qos {
                level: ImpersonationLevel::Impersonation,
                dynamic: false,
                effective_only: false,
            };
            let context = capture::capture_from(world, &source, qos, trail)?;
            capture::impersonate(world, caller, context, trail).or_full(trail)?;
            return Ok(Success::empty());
        }
        trail.note(RuleId::OQM_23, || {
            "a queued call carries no client token; under the selected reading (fails) CoImpersonateClient fails with E_FAIL".to_owned()
        });
        return Err(ErrorCode::E_FAIL);
    }
    if call.unmapped_certificate {
        trail.note(RuleId::COM_7, || {
            "the call came over Schannel without a mapped client certificate: nothing to impersonate, E_FAIL".to_owned()
        });
        return Err(ErrorCode::E_FAIL);
    }
    let Some(context) = call.identity else {
        let code = if world.settings.readings.alternative(RuleId::OQM_22) {
            ErrorCode::RPC_E_UNSECURE_CALL
        } else {
            ErrorCode::E_FAIL
        };
        trail.note(RuleId::COM_8, || {
            "the call came in at RPC_C_AUTHN_LEVEL_NONE, so there is nothing to impersonate"
                .to_owned()
        });
        trail.note(RuleId::OQM_22, || {
            format!(
                "the status is unsettled; the selected reading gives {}",
                code.symbol()
            )
        });
        return Err(code);
    };
    if context.level == ImpersonationLevel::Identification {
        trail.note(RuleId::COM_11, || {
            "the client set IDENTIFY: the server may check access as the client but not open objects as it".to_owned()
        });
    }
    capture::impersonate(world, caller, context, trail).or_full(trail)?;
    Ok(Success::empty())
}

/// `CoRevertToSelf` (COM-8, COM-10).
pub(super) fn co_revert_to_self(
    world: &mut World,
    caller: ThreadId,
    trail: &mut Trail,
) -> CallResult {
    initialized(world, caller, trail)?;
    let index = current_call(world, caller, trail)?;
    let saved = world.com.call(index).saved;
    world.thread_mut(caller).impersonation = saved;
    trail.note(RuleId::COM_8, || {
        "one CoRevertToSelf undoes the impersonation, however many times the thread impersonated".to_owned()
    });
    match saved {
        Some(imp) => trail.note(RuleId::COM_10, || {
            format!(
                "the thread gets back the token it had when this call began: {}'s",
                world.name_of(world.token(imp.token).user)
            )
        }),
        None => trail.note(RuleId::COM_8, || {
            "the thread acts with its process token again".to_owned()
        }),
    }
    Ok(Success::empty())
}

/// The method of the call this thread serves returns (COM-9, COM-10).
pub(super) fn com_return(world: &mut World, caller: ThreadId, trail: &mut Trail) -> CallResult {
    let Some(index) = world.com.served_by(caller) else {
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    };
    let call = world.com.call(index).clone();
    world.com.call_mut(index).active = false;
    if world.thread(caller).impersonation != call.saved {
        world.thread_mut(caller).impersonation = call.saved;
        trail.note(RuleId::COM_9, || {
            "the method returns still impersonating, so COM reverts the thread".to_owned()
        });
        if let Some(imp) = call.saved {
            trail.note(RuleId::COM_10, || {
                format!(
                    "back to the token the thread had when the call began: {}'s",
                    world.name_of(world.token(imp.token).user)
                )
            });
        }
    } else {
        trail.note(RuleId::COM_9, || {
            "the method returns; the thread's token is as it was".to_owned()
        });
    }
    Ok(Success::empty())
}

/// The COM+ application of the call this thread serves, or why there is none
/// (COMA-4, COMA-6, OQL-20).
fn application_call(
    world: &World,
    caller: ThreadId,
    trail: &mut Trail,
) -> Result<(usize, crate::machine::com::Application), ErrorCode> {
    let index = current_call(world, caller, trail)?;
    let class = world.com.call(index).class;
    let app = world.com.application_of(class).cloned().ok_or_else(|| {
        trail.note(RuleId::COMA_4, || {
            "the class is not in a COM+ application, so the call context has no ISecurityCallContext: E_NOINTERFACE".to_owned()
        });
        ErrorCode::E_NOINTERFACE
    })?;
    if !app.role_based_security {
        if world.settings.readings.alternative(RuleId::OQM_27) {
            trail.note(RuleId::QC_3, || {
                "the security call context exists only where role-based security is in use"
                    .to_owned()
            });
            trail.note(RuleId::OQM_27, || {
                format!("`{}` has role-based security off; under the selected reading (no-context) there is no ISecurityCallContext: E_NOINTERFACE", app.name)
            });
            return Err(ErrorCode::E_NOINTERFACE);
        }
        trail.note(RuleId::OQM_27, || {
            format!("`{}` has role-based security off; under the selected reading (context-exists) the call context still answers", app.name)
        });
    }
    Ok((index, app))
}

/// `ISecurityCallContext::IsSecurityEnabled` (COMA-4).
pub(super) fn is_security_enabled(
    world: &mut World,
    caller: ThreadId,
    trail: &mut Trail,
) -> CallResult {
    initialized(world, caller, trail)?;
    let (_, app) = application_call(world, caller, trail)?;
    trail.note(RuleId::COMA_4, || {
        format!(
            "role-based security is {} for `{}`",
            if app.role_based_security { "on" } else { "off" },
            app.name
        )
    });
    Ok(Success::value(Value::Record(vec![(
        "IsEnabled",
        Field::Flag(app.role_based_security),
    )])))
}

/// `ISecurityCallContext::IsCallerInRole` (COM-20, COM-21, OQL-18).
pub(super) fn is_caller_in_role(
    world: &mut World,
    caller: ThreadId,
    role: &Arc<str>,
    trail: &mut Trail,
) -> CallResult {
    initialized(world, caller, trail)?;
    let (index, app) = application_call(world, caller, trail)?;
    let in_role = |v: bool| {
        Ok(Success::value(Value::Record(vec![(
            "IsInRole",
            Field::Flag(v),
        )])))
    };
    if !app.role_based_security {
        trail.note(RuleId::COM_21, || {
            "role-based security is off, so IsCallerInRole returns TRUE".to_owned()
        });
        return in_role(true);
    }
    let Some((_, members)) = app.roles.iter().find(|(r, _)| **r == **role) else {
        if world.settings.readings.alternative(RuleId::OQL_18) {
            trail.note(RuleId::OQL_18, || {
                format!("`{}` defines no role `{role}`; under the selected reading (false) the answer is FALSE", app.name)
            });
            return in_role(false);
        }
        trail.note(RuleId::OQL_18, || {
            format!("`{}` defines no role `{role}`; under the selected reading (not-found) the call fails with CONTEXT_E_ROLENOTFOUND", app.name)
        });
        return Err(ErrorCode::CONTEXT_E_ROLENOTFOUND);
    };
    let call = world.com.call(index).clone();
    let Some(direct) = call.caller else {
        trail.note(RuleId::COM_21, || {
            "the call is unauthenticated: there is no caller to be in a role".to_owned()
        });
        return in_role(false);
    };
    let member = members
        .iter()
        .any(|m| *m == direct.user || direct.groups.contains(m));
    if call.queued {
        trail.note(RuleId::COM_20, || {
            format!(
                "in a queued call the role check uses the sender, {}",
                world.name_of(direct.user)
            )
        });
        trail.note(RuleId::QC_2, || {
            "the sender's call context was unmarshalled before the call, as if the call were direct".to_owned()
        });
    }
    trail.note(RuleId::COM_21, || {
        format!(
            "the direct caller, {}, {} in role `{role}`",
            world.name_of(direct.user),
            if member { "is" } else { "is not" }
        )
    });
    in_role(member)
}
