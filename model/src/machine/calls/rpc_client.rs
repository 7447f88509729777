//! The client side of RPC: bindings, their authentication and QoS, and calls with the
//! identity each carries to the server (RPC-4..10, RPC-12..14, RPCA-2..5, RPCA-8, RPCA-10, SSPA-1,
//! OQL-6, OQM-10, OQM-13..16).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::machine::action::{BindingRef, Qos};
use crate::machine::capture::{self, ClientContext};
use crate::machine::ids::{BindingId, ThreadId};
use crate::machine::loopback;
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::room::Room;
use crate::machine::rpc::{
    AuthInfo, CallAuth, Protseq, RpcBinding, RpcCall, RpcQos, authn_level, authn_service,
    capabilities, imp_level,
};
use crate::machine::settings::WindowsVersion;
use crate::machine::world::World;
use crate::rules::RuleId;

/// `RpcBindingFromStringBinding` (RPC-4).
pub(super) fn from_string_binding(
    world: &mut World,
    caller: ThreadId,
    protseq: Protseq,
    endpoint: &Arc<str>,
    security: Option<Qos>,
    trail: &mut Trail,
) -> CallResult {
    if let Some(qos) = security {
        if protseq.carries_identity() {
            trail.note(RuleId::RPC_4, || {
                format!(
                    "the Security= option sets the {protseq} transport's QoS: {}, {} tracking, {}effective-only",
                    qos.level,
                    if qos.dynamic { "dynamic" } else { "static" },
                    if qos.effective_only { "" } else { "not " }
                )
            });
        } else {
            trail.note(RuleId::RPC_4, || {
                format!("{protseq} ignores the Security= option: only ncalrpc and ncacn_np carry a transport identity")
            });
        }
    }
    let process = world.thread(caller).process;
    let binding = RpcBinding {
        process,
        protseq,
        endpoint: Arc::clone(endpoint),
        transport_qos: security.filter(|_| protseq.carries_identity()),
        auth: None,
        connection: None,
        freed: false,
    };
    let id = world.rpc.add_binding(binding).or_full(trail)?;
    Ok(Success::created(Created::Binding(id)))
}

/// Resolves a client binding handle of the caller's process (RPCA-8).
fn client_binding(
    world: &World,
    caller: ThreadId,
    binding: BindingRef,
    trail: &mut Trail,
) -> Result<BindingId, ErrorCode> {
    let process = world.thread(caller).process;
    match binding {
        Some(id) if !world.rpc.binding(id).freed && world.rpc.binding(id).process == process => {
            Ok(id)
        }
        Some(_) => {
            trail.note(RuleId::RPCA_8, || {
                "the binding was freed, or belongs to another process: RPC_S_INVALID_BINDING"
                    .to_owned()
            });
            Err(ErrorCode::RPC_S_INVALID_BINDING)
        }
        None => {
            trail.note(RuleId::RPCA_8, || {
                "the binding handle is NULL (the step that was to create it failed): RPC_S_INVALID_BINDING".to_owned()
            });
            Err(ErrorCode::RPC_S_INVALID_BINDING)
        }
    }
}

/// `RpcBindingFree` (RPCA-8).
pub(super) fn binding_free(
    world: &mut World,
    caller: ThreadId,
    binding: BindingRef,
    trail: &mut Trail,
) -> CallResult {
    let id = client_binding(world, caller, binding, trail)?;
    world.rpc.binding_mut(id).freed = true;
    trail.note(RuleId::RPCA_8, || {
        "the binding is released; later calls on it fail with RPC_S_INVALID_BINDING".to_owned()
    });
    Ok(Success::empty())
}

/// `RpcBindingSetAuthInfoEx` (RPCA-3, RPCA-4, RPC-6, RPC-7, RPC-8, RPC-10, RPC-12, RPC-13,
/// OQL-6, OQM-14).
pub(super) fn set_auth_info_ex(
    world: &mut World,
    caller: ThreadId,
    binding: BindingRef,
    level: u32,
    service: u32,
    qos: Option<RpcQos>,
    trail: &mut Trail,
) -> CallResult {
    let id = client_binding(world, caller, binding, trail)?;
    let protseq = world.rpc.binding(id).protseq;
    if level > authn_level::PKT_PRIVACY {
        trail.note(RuleId::RPCA_4, || {
            format!("authentication level {level} is above RPC_C_AUTHN_LEVEL_PKT_PRIVACY: RPC_S_UNKNOWN_AUTHN_LEVEL")
        });
        return Err(ErrorCode::RPC_S_UNKNOWN_AUTHN_LEVEL);
    }
    let service = if service == authn_service::DEFAULT {
        trail.note(RuleId::RPCA_3, || {
            "RPC_C_AUTHN_DEFAULT means RPC_C_AUTHN_WINNT".to_owned()
        });
        authn_service::WINNT
    } else {
        service
    };
    if service == authn_service::NONE || level == authn_level::NONE {
        world.rpc.binding_mut(id).auth = None;
        trail.note(RuleId::RPC_13, || {
            "authentication level or service NONE: calls on this binding are unauthenticated"
                .to_owned()
        });
        return Ok(Success::empty());
    }
    if !authn_service::known(service) {
        trail.note(RuleId::RPCA_3, || {
            format!("no security provider has authentication service {service}: RPC_S_UNKNOWN_AUTHN_SERVICE")
        });
        return Err(ErrorCode::RPC_S_UNKNOWN_AUTHN_SERVICE);
    }
    let level = effective_level(protseq, level, trail);
    let qos = qos.unwrap_or_else(|| {
        trail.note(RuleId::RPC_8, || {
            "no RPC_SECURITY_QOS: the defaults apply, RPC_C_IMP_LEVEL_DEFAULT and static identity tracking".to_owned()
        });
        RpcQos {
            impersonation: imp_level::DEFAULT,
            capabilities: 0,
            dynamic: false,
        }
    });
    let requested = if qos.impersonation == imp_level::DEFAULT {
        trail.note(RuleId::RPC_6, || {
            "RPC_C_IMP_LEVEL_DEFAULT means Impersonate for RPC".to_owned()
        });
        ImpersonationLevel::Impersonation
    } else {
        imp_level::to_kernel(qos.impersonation).unwrap_or(ImpersonationLevel::Impersonation)
    };
    let (grants, delegate_refused) =
        granted_level(world, protseq, service, requested, qos.capabilities, trail);
    let snapshot = if qos.dynamic {
        trail.note(RuleId::RPC_8, || {
            "dynamic identity tracking: each call carries the calling thread's identity as it is then".to_owned()
        });
        None
    } else {
        trail.note(RuleId::RPC_8, || {
            format!(
                "static identity tracking: the identity of thread `{}` is fixed now, as authentication is set",
                world.thread(caller).name
            )
        });
        Some(capture::ClientSource::of(world, caller).kept())
    };
    let binding = world.rpc.binding_mut(id);
    binding.connection = None;
    binding.auth = Some(AuthInfo {
        level,
        service,
        grants,
        dynamic: qos.dynamic,
        capabilities: qos.capabilities,
        delegate_refused,
        snapshot,
    });
    Ok(Success::empty())
}

/// The authentication level the runtime will use (RPCA-3, RPC-12, RPC-13).
fn effective_level(protseq: Protseq, level: u32, trail: &mut Trail) -> u32 {
    let level = if level == authn_level::DEFAULT {
        trail.note(RuleId::RPCA_3, || {
            "RPC_C_AUTHN_LEVEL_DEFAULT means RPC_C_AUTHN_LEVEL_CONNECT".to_owned()
        });
        authn_level::CONNECT
    } else {
        level
    };
    if protseq == Protseq::Ncalrpc {
        if level != authn_level::PKT_PRIVACY {
            trail.note(RuleId::RPC_12, || {
                format!(
                    "ncalrpc always runs at RPC_C_AUTHN_LEVEL_PKT_PRIVACY, whatever is asked ({})",
                    authn_level::name(level)
                )
            });
        }
        return authn_level::PKT_PRIVACY;
    }
    if level == authn_level::CALL {
        trail.note(RuleId::RPC_13, || {
            format!("{protseq} does not support RPC_C_AUTHN_LEVEL_CALL, so it is raised to RPC_C_AUTHN_LEVEL_PKT")
        });
        return authn_level::PKT;
    }
    level
}

/// The kernel level the provider grants the server, and whether a Delegate request must
/// fail the call (RPC-7, RPC-10, RPC-14, OQL-6, OQM-14).
fn granted_level(
    world: &World,
    protseq: Protseq,
    service: u32,
    requested: ImpersonationLevel,
    caps: u32,
    trail: &mut Trail,
) -> (ImpersonationLevel, bool) {
    let ntlm = service == authn_service::WINNT;
    match requested {
        ImpersonationLevel::Anonymous | ImpersonationLevel::Identification => {
            let may_raise = !(ntlm && protseq == Protseq::Ncalrpc);
            if !may_raise {
                trail.note(RuleId::RPC_7, || {
                    format!("NTLM on ncalrpc honours {requested}")
                });
                trail.note(RuleId::RPC_14, || {
                    format!("the level goes to the provider, not on the wire: the server's token will be at {requested}")
                });
                return (requested, false);
            }
            if world.settings.readings.alternative(RuleId::OQL_6) {
                trail.note(RuleId::OQL_6, || {
                    format!(
                        "{} may raise {requested} to Impersonation (RPC-7); under the selected reading (honoured) it keeps {requested}",
                        authn_service::name(service)
                    )
                });
                trail.note(RuleId::RPC_14, || {
                    format!("the level goes to the provider as its identify flag: the server's token will be at {requested}")
                });
                (requested, false)
            } else {
                trail.note(RuleId::RPC_7, || {
                    format!(
                        "{} on {protseq} may treat {requested} as Impersonate",
                        authn_service::name(service)
                    )
                });
                trail.note(RuleId::OQL_6, || {
                    "whether it does is unsettled; under the selected reading (promoted) the server is granted Impersonation".to_owned()
                });
                (ImpersonationLevel::Impersonation, false)
            }
        }
        ImpersonationLevel::Impersonation => (requested, false),
        ImpersonationLevel::Delegation => {
            let ignore = caps & capabilities::IGNORE_DELEGATE_FAILURE != 0
                && world.settings.windows >= WindowsVersion::Vista;
            if ntlm
                && protseq == Protseq::Ncalrpc
                && !world.settings.readings.alternative(RuleId::OQM_14)
            {
                trail.note(RuleId::OQM_14, || {
                    "Delegate over ncalrpc with WINNT: under the selected reading (local-delegate) the local server is granted Delegation".to_owned()
                });
                return (ImpersonationLevel::Delegation, false);
            }
            if service == authn_service::GSS_KERBEROS {
                return (ImpersonationLevel::Delegation, false);
            }
            if protseq == Protseq::Ncalrpc && ntlm {
                trail.note(RuleId::OQM_14, || {
                    "Delegate over ncalrpc with WINNT: under the selected reading (sec-pkg-error) NTLM cannot delegate here either".to_owned()
                });
            }
            trail.note(RuleId::RPC_10, || {
                format!(
                    "{} cannot delegate here (only Kerberos can{}){}",
                    authn_service::name(service),
                    if service == authn_service::GSS_NEGOTIATE {
                        ", and Negotiate picks NTLM with local accounts"
                    } else {
                        ""
                    },
                    if ignore {
                        "; RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE lets calls proceed at Impersonate"
                    } else {
                        ", so calls will fail with RPC_S_SEC_PKG_ERROR"
                    }
                )
            });
            (ImpersonationLevel::Impersonation, !ignore)
        }
    }
}

/// The identity an authenticated call carries for `source`: the provider's logon over
/// ncacn_*, the transport's capture over ncalrpc (live under dynamic tracking).
fn identity(
    world: &mut World,
    source: &capture::ClientSource,
    protseq: Protseq,
    level: ImpersonationLevel,
    dynamic: bool,
    trail: &mut Trail,
) -> Result<ClientContext, ErrorCode> {
    if protseq == Protseq::Ncalrpc {
        capture::capture_from(
            world,
            source,
            Qos {
                level,
                dynamic,
                effective_only: false,
            },
            trail,
        )
    } else {
        loopback::ntlm(world, source, level, trail)
    }
}

/// The status a call fails with when the client's identity cannot be passed on (OQM-15).
fn uncapturable(world: &World, trail: &mut Trail) -> ErrorCode {
    let denied = world.settings.readings.alternative(RuleId::OQM_15);
    trail.note(RuleId::OQM_15, || {
        if denied {
            "no page gives RPC's status for this; the selected reading (access-denied) gives RPC_S_ACCESS_DENIED".to_owned()
        } else {
            "no page gives RPC's status for this; the selected reading (bad-impersonation-level) passes the kernel's ERROR_BAD_IMPERSONATION_LEVEL through".to_owned()
        }
    });
    if denied {
        ErrorCode::ERROR_ACCESS_DENIED
    } else {
        ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL
    }
}

/// A call through a binding (RPCA-5, RPCA-2, SSPA-1, RPCA-10, RPC-4, RPC-5, RPC-9, RPC-10,
/// OQM-12, OQM-13, OQM-16).
pub(super) fn rpc_call(
    world: &mut World,
    caller: ThreadId,
    binding: BindingRef,
    server: ThreadId,
    trail: &mut Trail,
) -> CallResult {
    let id = client_binding(world, caller, binding, trail)?;
    let b = world.rpc.binding(id).clone();
    let Some(endpoint) = world.rpc.endpoint(b.protseq, &b.endpoint).cloned() else {
        trail.note(RuleId::RPCA_5, || {
            format!(
                "no server uses {} endpoint `{}`: RPC_S_SERVER_UNAVAILABLE",
                b.protseq, b.endpoint
            )
        });
        return Err(ErrorCode::RPC_S_SERVER_UNAVAILABLE);
    };
    let (identity, auth) = match b.auth.clone() {
        Some(auth) => authenticated(world, caller, (id, &b), endpoint.process, auth, trail)?,
        None => unauthenticated(world, caller, id, &b, trail)?,
    };
    trail.note(RuleId::RPCA_5, || {
        format!(
            "the call runs on server thread `{}`; thread `{}` waits until it returns",
            world.thread(server).name,
            world.thread(caller).name
        )
    });
    let seq = world.next_seq();
    let call = RpcCall {
        seq,
        binding: id,
        protseq: b.protseq,
        client: caller,
        server,
        active: true,
        identity,
        auth,
        impersonating: Vec::new(),
    };
    world.rpc.add_call(call).or_full(trail)?;
    Ok(Success::empty())
}

type CallIdentity = (Option<ClientContext>, Option<CallAuth>);

fn authenticated(
    world: &mut World,
    caller: ThreadId,
    (binding_id, b): (BindingId, &RpcBinding),
    server_process: crate::machine::ids::ProcessId,
    auth: AuthInfo,
    trail: &mut Trail,
) -> Result<CallIdentity, ErrorCode> {
    if !world.rpc.registered(server_process, auth.service) {
        trail.note(RuleId::RPCA_2, || {
            format!(
                "the server did not register {}: RPC_S_UNKNOWN_AUTHN_SERVICE",
                authn_service::name(auth.service)
            )
        });
        return Err(ErrorCode::RPC_S_UNKNOWN_AUTHN_SERVICE);
    }
    if b.protseq == Protseq::Ncalrpc && auth.service != authn_service::WINNT {
        if world.settings.readings.alternative(RuleId::OQM_16) {
            trail.note(RuleId::OQM_16, || {
                format!(
                    "ncalrpc supports only WINNT; under the selected reading (provider) {} authenticates the call as on other transports",
                    authn_service::name(auth.service)
                )
            });
        } else {
            trail.note(RuleId::RPC_12, || {
                "ncalrpc supports only RPC_C_AUTHN_WINNT".to_owned()
            });
            trail.note(RuleId::OQM_16, || {
                format!(
                    "no page gives the status; the selected reading (rejected) fails the call with RPC_S_UNKNOWN_AUTHN_SERVICE for {}",
                    authn_service::name(auth.service)
                )
            });
            return Err(ErrorCode::RPC_S_UNKNOWN_AUTHN_SERVICE);
        }
    }
    match auth.service {
        authn_service::GSS_KERBEROS => {
            trail.note(RuleId::RPCA_10, || {
                "Kerberos needs a domain's KDC, and this machine's accounts are local: the provider fails and the call returns RPC_S_SEC_PKG_ERROR".to_owned()
            });
            return Err(ErrorCode::RPC_S_SEC_PKG_ERROR);
        }
        authn_service::GSS_NEGOTIATE => {
            trail.note(RuleId::SSPA_1, || {
                "Negotiate cannot use Kerberos with local accounts, so it picks NTLM".to_owned()
            });
        }
        _ => {}
    }
    if auth.capabilities & capabilities::MUTUAL_AUTH != 0 {
        if b.protseq == Protseq::Ncalrpc {
            trail.note(RuleId::RPC_12, || {
                "mutual authentication was asked for, which ncalrpc supports".to_owned()
            });
        } else {
            trail.note(RuleId::RPC_9, || {
                "mutual authentication was asked for; NTLM reports it satisfied although it does not authenticate the server".to_owned()
            });
        }
    }
    if auth.delegate_refused {
        trail.note(RuleId::RPC_10, || {
            "Delegate was asked for and the provider cannot delegate: RPC_S_SEC_PKG_ERROR"
                .to_owned()
        });
        return Err(ErrorCode::RPC_S_SEC_PKG_ERROR);
    }
    let context = match (&auth.snapshot, b.connection) {
        (Some(_), Some(fixed)) => {
            trail.note(RuleId::RPC_8, || {
                "static tracking: the connection keeps the identity its first call authenticated, fixed when authentication was set".to_owned()
            });
            Ok(fixed)
        }
        (Some(source), None) => {
            trail.note(RuleId::RPC_8, || {
                format!(
                    "static tracking: the first call authenticates with thread `{}`'s identity as it was when authentication was set",
                    source.thread
                )
            });
            let established = identity(world, source, b.protseq, auth.grants, false, trail);
            if let Ok(c) = established {
                world.rpc.binding_mut(binding_id).connection = Some(c);
            }
            established
        }
        (None, _) => {
            let source = capture::ClientSource::of(world, caller);
            trail.note(RuleId::RPC_8, || {
                format!(
                    "dynamic tracking: the call carries thread `{}`'s identity as it is now",
                    source.thread
                )
            });
            identity(
                world,
                &source,
                b.protseq,
                auth.grants,
                b.protseq == Protseq::Ncalrpc,
                trail,
            )
        }
    };
    let context = context.map_err(|_| uncapturable(world, trail))?;
    Ok((
        Some(context),
        Some(CallAuth {
            level: auth.level,
            service: auth.service,
        }),
    ))
}

fn unauthenticated(
    world: &mut World,
    caller: ThreadId,
    id: BindingId,
    b: &RpcBinding,
    trail: &mut Trail,
) -> Result<CallIdentity, ErrorCode> {
    if !b.protseq.carries_identity() {
        trail.note(RuleId::RPC_13, || {
            format!(
                "the binding carries no authentication (none was set, or level or service NONE): the call over {} is unauthenticated",
                b.protseq
            )
        });
        return Ok((None, None));
    }
    let qos = transport_qos(world, b, trail);
    let context = if qos.dynamic {
        capture::capture(world, caller, qos, trail)
    } else if let Some(fixed) = b.connection {
        trail.note(RuleId::IMP_15, || {
            "static tracking: the connection keeps the copy captured at its first call".to_owned()
        });
        Ok(fixed)
    } else {
        let captured = capture::capture(world, caller, qos, trail);
        if let Ok(c) = captured {
            world.rpc.binding_mut(id).connection = Some(c);
        }
        captured
    };
    let context = context.map_err(|_| uncapturable(world, trail))?;
    let auth =
        if b.protseq == Protseq::Ncalrpc && !world.settings.readings.alternative(RuleId::OQM_12) {
            Some(CallAuth {
                level: authn_level::PKT_PRIVACY,
                service: authn_service::WINNT,
            })
        } else {
            None
        };
    Ok((Some(context), auth))
}

/// The transport QoS of an unauthenticated ncalrpc or ncacn_np binding (RPC-4, RPC-5,
/// OQM-13).
fn transport_qos(world: &World, b: &RpcBinding, trail: &mut Trail) -> Qos {
    if let Some(qos) = b.transport_qos {
        return qos;
    }
    let dynamic_effective = world.settings.readings.alternative(RuleId::OQM_13);
    trail.note(RuleId::RPC_4, || {
        format!(
            "no Security= option: the {} transport grants Impersonation",
            b.protseq
        )
    });
    let dynamic = if b.protseq == Protseq::NcacnNp {
        trail.note(RuleId::RPC_5, || {
            "ncacn_np to a local pipe tracks dynamically by default".to_owned()
        });
        true
    } else {
        dynamic_effective
    };
    trail.note(RuleId::OQM_13, || {
        if dynamic_effective {
            format!("the pages do not give the rest; under the selected reading (dynamic-effective) {} tracks dynamically and captures effective-only", b.protseq)
        } else {
            format!(
                "the pages do not give the rest; under the selected reading (static-full) {} tracks {} and does not capture effective-only",
                b.protseq,
                if dynamic { "dynamically" } else { "statically" }
            )
        }
    });
    Qos {
        level: ImpersonationLevel::Impersonation,
        dynamic,
        effective_only: dynamic_effective,
    }
}
