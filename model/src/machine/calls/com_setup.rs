//! COM on the client's side before any call: apartments, process security, activation and
//! proxy blankets (COM-1..7, COM-14, COM-16, COM-18, COM-19, COMA-1, COMA-3, OQM-24,
//! OQM-26).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::machine::action::{AuthIdentity, BlanketAuth, ProxyRef};
use crate::machine::capture::ClientSource;
use crate::machine::com::{Apartment, Cloaking, ProcessSecurity, Proxy, eoac};
use crate::machine::ids::{ProcessId, ProxyId, ThreadId};
use crate::machine::loopback;
use crate::machine::outcome::{CallResult, Created, Field, Success, Value};
use crate::machine::room::Room;
use crate::machine::rpc::{authn_level, authn_service, imp_level};
use crate::machine::sspi::flag_names;
use crate::machine::world::World;
use crate::rules::RuleId;

/// `CoInitializeEx` (COMA-1).
pub(super) fn co_initialize_ex(
    world: &mut World,
    caller: ThreadId,
    apartment: Apartment,
    trail: &mut Trail,
) -> CallResult {
    let name = world.thread(caller).name.clone();
    match world.com.apartment(caller) {
        Some(current) if current == apartment => {
            trail.note(RuleId::COMA_1, || {
                format!("thread `{name}` is already in that apartment: S_FALSE")
            });
            Ok(Success {
                last_error: Some(ErrorCode::S_FALSE),
                ..Success::default()
            })
        }
        Some(_) => {
            trail.note(RuleId::COMA_1, || {
                format!("thread `{name}` is already in the other apartment: RPC_E_CHANGED_MODE")
            });
            Err(ErrorCode::RPC_E_CHANGED_MODE)
        }
        None => {
            world.com.apartments.push((caller, apartment));
            trail.note(RuleId::COMA_1, || {
                format!(
                    "thread `{name}` enters {}",
                    match apartment {
                        Apartment::Sta => "a single-threaded apartment of its own",
                        Apartment::Mta => "the process's multithreaded apartment",
                    }
                )
            });
            Ok(Success::empty())
        }
    }
}

/// Whether the calling thread initialized COM before calling the library (COMA-7).
pub(super) fn library_initialized(
    world: &World,
    caller: ThreadId,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    if world.com.apartment(caller).is_some() {
        return Ok(());
    }
    trail.note(RuleId::COMA_7, || {
        format!(
            "thread `{}` never called CoInitializeEx, and the COM library needs it: CO_E_NOTINITIALIZED",
            world.thread(caller).name
        )
    });
    Err(ErrorCode::CO_E_NOTINITIALIZED)
}

/// Whether the calling thread may use the call-context functions (OQM-24).
pub(super) fn initialized(
    world: &World,
    caller: ThreadId,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    if world.com.apartment(caller).is_some() {
        return Ok(());
    }
    if world.settings.readings.alternative(RuleId::OQM_24) {
        trail.note(RuleId::OQM_24, || {
            "the thread never called CoInitializeEx; under the selected reading (unchecked) the call works anyway".to_owned()
        });
        Ok(())
    } else {
        trail.note(RuleId::OQM_24, || {
            "the thread never called CoInitializeEx; under the selected reading (checked) the call fails with CO_E_NOTINITIALIZED".to_owned()
        });
        Err(ErrorCode::CO_E_NOTINITIALIZED)
    }
}

/// The COM+ application `process` hosts, if any.
fn hosted_application(world: &World, process: ProcessId) -> Option<u32> {
    world
        .com
        .classes
        .iter()
        .find(|c| c.server == process && c.application.is_some())
        .and_then(|c| c.application)
}

/// `process`'s security, initializing it implicitly with the defaults if needed
/// (COM-2, COM-3, COM-15, COM-19).
pub(super) fn security(
    world: &mut World,
    process: ProcessId,
    trail: &mut Trail,
) -> ProcessSecurity {
    if let Some(s) = world.com.security(process) {
        return s;
    }
    let pname = world.process(process).name.clone();
    let security = if let Some(app) = hosted_application(world, process)
        .and_then(|a| world.com.applications.get(a as usize))
        .cloned()
    {
        trail.note(RuleId::COM_19, || {
            format!(
                "process `{pname}` hosts COM+ server application `{}`: impersonation level {}",
                app.name,
                imp_level::name(app.impersonation_level)
            )
        });
        trail.note(RuleId::COM_15, || {
            "COM+ server applications cloak dynamically by default".to_owned()
        });
        ProcessSecurity {
            authn_level: app.authentication_level,
            imp_level: app.impersonation_level,
            capabilities: eoac::DYNAMIC_CLOAKING,
            explicit: false,
        }
    } else {
        trail.note(RuleId::COM_2, || {
            format!("process `{pname}` never called CoInitializeSecurity: at its first marshal it gets RPC_C_AUTHN_LEVEL_CONNECT and RPC_C_IMP_LEVEL_IDENTIFY, no cloaking")
        });
        ProcessSecurity {
            authn_level: authn_level::CONNECT,
            imp_level: imp_level::IDENTIFY,
            capabilities: 0,
            explicit: false,
        }
    };
    trail.note(RuleId::COM_3, || {
        format!("process `{pname}`'s security is now initialized, implicitly, once and for all")
    });
    world.com.security.push((process, security));
    security
}

/// `CoInitializeSecurity` (COM-1, COM-3, COM-16).
pub(super) fn co_initialize_security(
    world: &mut World,
    caller: ThreadId,
    (authn, imp, caps): (u32, u32, u32),
    trail: &mut Trail,
) -> CallResult {
    library_initialized(world, caller, trail)?;
    let process = world.thread(caller).process;
    if let Some(existing) = world.com.security(process) {
        trail.note(RuleId::COM_3, || {
            format!(
                "the process's security was already initialized ({}): RPC_E_TOO_LATE",
                if existing.explicit {
                    "by CoInitializeSecurity"
                } else {
                    "implicitly, at its first marshal"
                }
            )
        });
        return Err(ErrorCode::RPC_E_TOO_LATE);
    }
    if imp == imp_level::DEFAULT || imp > imp_level::DELEGATE {
        trail.note(RuleId::COM_1, || {
            format!(
                "{} is not a level CoInitializeSecurity takes: E_INVALIDARG",
                imp_level::name(imp)
            )
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if authn > authn_level::PKT_PRIVACY {
        trail.note(RuleId::COM_1, || {
            format!("authentication level {authn} is not valid: E_INVALIDARG")
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if caps & eoac::STATIC_CLOAKING != 0 && caps & eoac::DYNAMIC_CLOAKING != 0 {
        trail.note(RuleId::COM_16, || {
            "static and dynamic cloaking together: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if caps & eoac::APPID != 0 && caps & eoac::ACCESS_CONTROL != 0 {
        trail.note(RuleId::COM_3, || {
            "EOAC_APPID with EOAC_ACCESS_CONTROL: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    let authn = if authn == authn_level::DEFAULT {
        authn_level::CONNECT
    } else {
        authn
    };
    world.com.security.push((
        process,
        ProcessSecurity {
            authn_level: authn,
            imp_level: imp,
            capabilities: caps,
            explicit: true,
        },
    ));
    trail.note(RuleId::COM_3, || {
        format!(
            "the process's defaults: {}, {}{}",
            authn_level::name(authn),
            imp_level::name(imp),
            match Cloaking::of(caps) {
                Cloaking::None => ", no cloaking",
                Cloaking::Static => ", static cloaking",
                Cloaking::Dynamic => ", dynamic cloaking",
            }
        )
    });
    Ok(Success::empty())
}

/// A new proxy in the caller's process to an object of `class` (COM-3, COM-4).
fn new_proxy(
    world: &mut World,
    caller: ThreadId,
    class: u32,
    queued: bool,
    trail: &mut Trail,
) -> CallResult {
    library_initialized(world, caller, trail)?;
    let client = world.thread(caller).process;
    let client_security = security(world, client, trail);
    let (authn, what) = if queued {
        (
            client_security.authn_level,
            "the recorder runs in the client's process",
        )
    } else {
        let server = world
            .com
            .classes
            .get(class as usize)
            .map(|c| c.server)
            .unwrap_or(client);
        let server_security = security(world, server, trail);
        (
            client_security.authn_level.max(server_security.authn_level),
            "the higher of the two authentication levels",
        )
    };
    trail.note(RuleId::SSPA_1, || {
        "COM prefers Kerberos, which local accounts cannot use, so the blanket uses NTLM".to_owned()
    });
    trail.note(RuleId::COM_4, || {
        format!(
            "the proxy's blanket: {} ({what}), the client's {} and capabilities",
            authn_level::name(authn),
            imp_level::name(client_security.imp_level)
        )
    });
    let proxy = Proxy {
        process: client,
        class,
        queued,
        authn_service: authn_service::WINNT,
        authn_level: authn,
        imp_level: client_security.imp_level,
        capabilities: client_security.capabilities,
        fixed: None,
        auth_info: None,
        blanket_set: false,
        certificate: None,
    };
    let id = world.com.add_proxy(proxy).or_full(trail)?;
    Ok(Success::created(Created::Proxy(id)))
}

/// The blanket negotiation gives a proxy of the caller's process to `class`: the
/// authentication level and the client's impersonation level (COM-4).
fn negotiated(
    world: &mut World,
    caller: ThreadId,
    class: u32,
    queued: bool,
    trail: &mut Trail,
) -> (u32, u32) {
    let client = world.thread(caller).process;
    let client_security = security(world, client, trail);
    let level = if queued {
        client_security.authn_level
    } else {
        let server = world
            .com
            .classes
            .get(class as usize)
            .map_or(client, |c| c.server);
        let server_security = security(world, server, trail);
        client_security.authn_level.max(server_security.authn_level)
    };
    (level, client_security.imp_level)
}

/// `CoCreateInstance` of a local server's class (COM-4).
pub(super) fn co_create_instance(
    world: &mut World,
    caller: ThreadId,
    class: u32,
    trail: &mut Trail,
) -> CallResult {
    new_proxy(world, caller, class, false, trail)
}

/// `CoGetObject("queue:/new:...")`: a queued component's recorder (COMA-5).
pub(super) fn co_get_object_queued(
    world: &mut World,
    caller: ThreadId,
    class: u32,
    trail: &mut Trail,
) -> CallResult {
    trail.note(RuleId::COMA_5, || {
        "the queue moniker makes a recorder in the client's process: calls are recorded into a message, not made".to_owned()
    });
    new_proxy(world, caller, class, true, trail)
}

/// A proxy of the caller's process (E_INVALIDARG otherwise).
pub(super) fn own_proxy(
    world: &World,
    caller: ThreadId,
    proxy: ProxyRef,
    trail: &mut Trail,
) -> Result<ProxyId, ErrorCode> {
    let process = world.thread(caller).process;
    proxy
        .filter(|p| {
            world
                .com
                .proxies
                .get(p.index())
                .is_some_and(|x| x.process == process)
        })
        .ok_or_else(|| {
            trail.note(RuleId::COMA_3, || {
                "the proxy is NULL or not this process's: E_INVALIDARG".to_owned()
            });
            ErrorCode::ERROR_INVALID_PARAMETER
        })
}

/// CoSetProxyBlanket's arguments.
pub(super) struct Blanket<'a> {
    /// `dwAuthnSvc`.
    pub service: u32,
    /// `dwAuthnLevel`.
    pub level: u32,
    /// `dwImpLevel`.
    pub imp: u32,
    /// `dwCapabilities`.
    pub caps: u32,
    /// `pAuthInfo`.
    pub auth_info: Option<&'a BlanketAuth>,
}

/// `CoSetProxyBlanket` (COM-4, COM-5, COM-14, COM-16, COM-18, COMA-3, OQM-26).
pub(super) fn co_set_proxy_blanket(
    world: &mut World,
    caller: ThreadId,
    proxy: ProxyRef,
    blanket: &Blanket<'_>,
    trail: &mut Trail,
) -> CallResult {
    library_initialized(world, caller, trail)?;
    let id = own_proxy(world, caller, proxy, trail)?;
    let process = world.thread(caller).process;
    let caps = if blanket.caps & eoac::DEFAULT != 0 {
        let defaults = security(world, process, trail).capabilities;
        trail.note(RuleId::COM_4, || {
            "EOAC_DEFAULT: the capabilities from CoInitializeSecurity".to_owned()
        });
        defaults
    } else {
        blanket.caps
    };
    let blanket = Blanket { caps, ..*blanket };
    blanket_is_valid(&blanket, trail)?;
    let current = world.com.proxy(id).clone();
    let chosen = resolve_defaults(world, caller, &current, &blanket, trail);
    anonymous_is_honoured(world, &chosen, trail)?;
    let chosen = schannel_rules(caps, chosen, trail)?;
    let (credentials, certificate) = match blanket.auth_info {
        None => (None, None),
        Some(BlanketAuth::Credentials(identity)) => (Some(log_on(world, identity, trail)?), None),
        Some(BlanketAuth::Certificate(index)) => (None, Some(*index)),
    };
    let fixed = static_identity(world, caller, caps, trail);
    let p = world.com.proxy_mut(id);
    p.authn_level = chosen.level;
    p.authn_service = chosen.service;
    p.imp_level = chosen.imp;
    p.capabilities = caps;
    p.fixed = fixed;
    p.auth_info = credentials;
    p.certificate = certificate;
    p.blanket_set = true;
    trail.note(RuleId::COM_4, || {
        format!(
            "the blanket now: {}, {}, as given",
            authn_level::name(chosen.level),
            imp_level::name(chosen.imp)
        )
    });
    Ok(Success::empty())
}

/// COM-16, COMA-3: the arguments CoSetProxyBlanket refuses with E_INVALIDARG (capabilities
/// already resolved from EOAC_DEFAULT): capabilities a blanket cannot take, both kinds of
/// cloaking, pAuthInfo with cloaking, level NONE with a service, levels out of range.
fn blanket_is_valid(blanket: &Blanket<'_>, trail: &mut Trail) -> Result<(), ErrorCode> {
    let Blanket {
        service,
        level,
        imp,
        caps,
        auth_info,
    } = *blanket;
    if caps & !eoac::BLANKET_ALLOWED != 0 {
        trail.note(RuleId::COM_16, || {
            format!(
                "{} not valid for CoSetProxyBlanket: E_INVALIDARG",
                flag_names(caps & !eoac::BLANKET_ALLOWED, eoac::NAMES).join(", ")
            )
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if caps & eoac::STATIC_CLOAKING != 0 && caps & eoac::DYNAMIC_CLOAKING != 0 {
        trail.note(RuleId::COM_16, || {
            "static and dynamic cloaking together: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if auth_info.is_some() && Cloaking::of(caps) != Cloaking::None {
        trail.note(RuleId::COM_16, || {
            "pAuthInfo with a cloaking flag: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if level == authn_level::NONE && service != authn_service::NONE {
        trail.note(RuleId::COMA_3, || {
            "authentication level NONE needs authentication service NONE: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if imp > imp_level::DELEGATE || level > authn_level::PKT_PRIVACY {
        trail.note(RuleId::COMA_3, || {
            "a level out of range: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if caps & eoac::MUTUAL_AUTH != 0 {
        trail.note(RuleId::COM_16, || {
            "EOAC_MUTUAL_AUTH is accepted and ignored".to_owned()
        });
    }
    Ok(())
}

/// The authentication level, service and impersonation level a blanket sets.
#[derive(Clone, Copy)]
struct Chosen {
    level: u32,
    service: u32,
    imp: u32,
}

/// COM-1, COM-4: the blanket's DEFAULT values, negotiated again for `proxy`.
fn resolve_defaults(
    world: &mut World,
    caller: ThreadId,
    proxy: &Proxy,
    blanket: &Blanket<'_>,
    trail: &mut Trail,
) -> Chosen {
    let (negotiated_level, negotiated_imp) =
        negotiated(world, caller, proxy.class, proxy.queued, trail);
    let level = if blanket.level == authn_level::DEFAULT {
        trail.note(RuleId::COM_4, || {
            format!(
                "RPC_C_AUTHN_LEVEL_DEFAULT: negotiated again, {}",
                authn_level::name(negotiated_level)
            )
        });
        negotiated_level
    } else {
        blanket.level
    };
    let service = if blanket.service == authn_service::DEFAULT {
        trail.note(RuleId::COM_4, || {
            "RPC_C_AUTHN_DEFAULT: negotiated again, NTLM here".to_owned()
        });
        authn_service::WINNT
    } else {
        blanket.service
    };
    let imp = if blanket.imp == imp_level::DEFAULT {
        trail.note(RuleId::COM_1, || {
            format!(
                "RPC_C_IMP_LEVEL_DEFAULT negotiates: the client's default, {}",
                imp_level::name(negotiated_imp)
            )
        });
        negotiated_imp
    } else {
        blanket.imp
    };
    Chosen {
        level,
        service,
        imp,
    }
}

/// COM-5, OQM-28: ANONYMOUS is honoured over local IPC; with NTLM, the selected reading
/// says whether the NTLMSSP rule refuses it.
fn anonymous_is_honoured(
    world: &World,
    chosen: &Chosen,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    if chosen.imp != imp_level::ANONYMOUS {
        return Ok(());
    }
    if chosen.service == authn_service::WINNT {
        if world.settings.readings.alternative(RuleId::OQM_28) {
            trail.note(RuleId::OQM_28, || {
                "ANONYMOUS with NTLM; under the selected reading (ntlm-rejects) the CoSetProxyBlanket page's NTLMSSP rule applies: E_INVALIDARG".to_owned()
            });
            return Err(ErrorCode::ERROR_INVALID_PARAMETER);
        }
        trail.note(RuleId::OQM_28, || {
            "ANONYMOUS with NTLM; under the selected reading (anonymous-local) it is honoured over local IPC".to_owned()
        });
    }
    trail.note(RuleId::COM_5, || {
        "ANONYMOUS is honoured: the call goes over local IPC".to_owned()
    });
    Ok(())
}

/// COM-7, COM-16: Schannel takes no cloaking flag and no level NONE, and COM uses it at
/// RPC_C_IMP_LEVEL_IMPERSONATE whatever the blanket asks.
fn schannel_rules(caps: u32, chosen: Chosen, trail: &mut Trail) -> Result<Chosen, ErrorCode> {
    if chosen.service != authn_service::GSS_SCHANNEL {
        return Ok(chosen);
    }
    if Cloaking::of(caps) != Cloaking::None {
        trail.note(RuleId::COM_7, || {
            "Schannel takes no cloaking flag".to_owned()
        });
        trail.note(RuleId::COM_16, || {
            "a cloaking flag with Schannel: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if chosen.level == authn_level::NONE {
        trail.note(RuleId::COM_7, || {
            "Schannel does not allow authentication level NONE: E_INVALIDARG".to_owned()
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    }
    if chosen.imp == imp_level::IMPERSONATE {
        return Ok(chosen);
    }
    trail.note(RuleId::COM_7, || {
        format!(
            "with Schannel COM uses RPC_C_IMP_LEVEL_IMPERSONATE, not {}",
            imp_level::name(chosen.imp)
        )
    });
    Ok(Chosen {
        imp: imp_level::IMPERSONATE,
        ..chosen
    })
}

/// COM-14: static cloaking set by CoSetProxyBlanket fixes the proxy's identity now, from
/// the calling thread.
fn static_identity(
    world: &World,
    caller: ThreadId,
    caps: u32,
    trail: &mut Trail,
) -> Option<ClientSource> {
    if Cloaking::of(caps) != Cloaking::Static {
        return None;
    }
    let source = ClientSource::of(world, caller);
    trail.note(RuleId::COM_14, || {
        format!(
            "static cloaking set by CoSetProxyBlanket fixes the proxy's identity now: {} ({})",
            world.name_of(world.token(source.token).user),
            if source.impersonating.is_some() {
                "the thread's impersonation token"
            } else {
                "the process token"
            }
        )
    });
    Some(source)
}

/// Logs `identity` on for a same-computer proxy (COM-18, OQM-26): `Some(token)`, or
/// `None` when the credentials are wrong and the reading defers the failure to the call.
fn log_on(
    world: &mut World,
    identity: &AuthIdentity,
    trail: &mut Trail,
) -> Result<Option<crate::machine::ids::TokenId>, ErrorCode> {
    let valid = identity
        .user
        .and_then(|u| world.accounts.user(u).cloned())
        .is_some_and(|a| !a.disabled && a.password.as_deref() == Some(&*identity.password));
    match (identity.user, valid) {
        (Some(user), true) => {
            trail.note(RuleId::COM_18, || {
                format!(
                    "on the same computer RPC logs `{}` on; the proxy's calls present that logon",
                    identity.name
                )
            });
            Ok(Some(
                loopback::network_logon(world, user, ImpersonationLevel::Impersonation, trail)
                    .or_full(trail)?
                    .token,
            ))
        }
        _ => {
            if world.settings.readings.alternative(RuleId::OQM_26) {
                trail.note(RuleId::OQM_26, || {
                    format!("`{}`'s credentials are wrong; under the selected reading (at-blanket) CoSetProxyBlanket fails with E_INVALIDARG", identity.name)
                });
                Err(ErrorCode::ERROR_INVALID_PARAMETER)
            } else {
                trail.note(RuleId::OQM_26, || {
                    format!("`{}`'s credentials are wrong; under the selected reading (at-call) the next call fails with ERROR_LOGON_FAILURE", identity.name)
                });
                Ok(None)
            }
        }
    }
}

/// `CoQueryProxyBlanket` (COMA-3).
pub(super) fn co_query_proxy_blanket(
    world: &mut World,
    caller: ThreadId,
    proxy: ProxyRef,
    trail: &mut Trail,
) -> CallResult {
    library_initialized(world, caller, trail)?;
    let id = own_proxy(world, caller, proxy, trail)?;
    let p = world.com.proxy(id);
    trail.note(RuleId::COMA_3, || "the blanket in force".to_owned());
    Ok(Success::value(Value::Record(vec![
        (
            "AuthnSvc",
            Field::Text(Arc::from(authn_service::name(p.authn_service))),
        ),
        (
            "AuthnLevel",
            Field::Text(Arc::from(authn_level::name(p.authn_level))),
        ),
        (
            "ImpLevel",
            Field::Text(Arc::from(imp_level::name(p.imp_level))),
        ),
        (
            "Capabilities",
            Field::Flags(flag_names(p.capabilities, eoac::NAMES)),
        ),
    ])))
}
