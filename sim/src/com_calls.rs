//! Decoding the COM calls of a step: apartments, CoInitializeSecurity, activation by class
//! name or queue moniker, proxy blankets with EOAC_* capabilities and pAuthInfo, calls on
//! proxies, and the server's call-context functions.

use std::sync::Arc;

use tokenhop_model::machine::action::{AuthIdentity, BlanketAuth, Call, CallKind};
use tokenhop_model::machine::com::{Apartment, eoac};
use tokenhop_model::machine::rpc::{authn_level, authn_service, imp_level};

use crate::calls::{Args, thread_named};
use crate::error::Fault;
use crate::node::Node;
use crate::reader::{Fields, Read, index, list, string, word};
use crate::refs::{Made, StepCall};
use crate::scope::{Names, OutKind, bound_arg};

/// Decodes the arguments of the COM call `kind`.
pub fn decode(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what, names) = (a.f, &a.what, a.names);
    Ok(match kind {
        K::CoInitializeEx => Call::CoInitializeEx {
            apartment: word(
                f.require("concurrency", what)?,
                &f.path("concurrency"),
                "a concurrency model",
                &[
                    ("COINIT_APARTMENTTHREADED", Apartment::Sta),
                    ("COINIT_MULTITHREADED", Apartment::Mta),
                ],
            )?,
        },
        K::CoInitializeSecurity => Call::CoInitializeSecurity {
            authn_level: level(f.require("authn_level", what)?, &f.path("authn_level"))?,
            imp_level: imp(f.require("imp_level", what)?, &f.path("imp_level"))?,
            capabilities: capabilities(f)?,
        },
        K::CoCreateInstance => Call::CoCreateInstance {
            class: class(f.require("class", what)?, &f.path("class"), names)?,
        },
        K::CoGetObject => {
            let node = f.require("moniker", what)?;
            let path = f.path("moniker");
            let text = string(node, &path)?;
            let Some(class_name) = text.strip_prefix("queue:/new:") else {
                return Err(Fault::new(
                    node.span,
                    path,
                    "the model knows only queued-component monikers, `queue:/new:<class>`",
                ));
            };
            let index = class_by_name(class_name, node, &path, names)?;
            let queued = names
                .world()
                .com
                .application_of(index)
                .is_some_and(|a| a.queued);
            if !queued {
                return Err(Fault::new(
                    node.span,
                    path,
                    format!(
                        "`{class_name}` is not in a queued COM+ application (set `queued: true` on it)"
                    ),
                ));
            }
            Call::CoGetObject { class: index }
        }
        K::CoSetProxyBlanket => Call::CoSetProxyBlanket {
            proxy: proxy(f, names, what)?,
            authn_service: service(f.require("authn_service", what)?, &f.path("authn_service"))?,
            authn_level: level(f.require("authn_level", what)?, &f.path("authn_level"))?,
            imp_level: imp(f.require("imp_level", what)?, &f.path("imp_level"))?,
            capabilities: capabilities(f)?,
            auth_info: blanket_auth(f, names)?,
        },
        K::CoQueryProxyBlanket => Call::CoQueryProxyBlanket {
            proxy: proxy(f, names, what)?,
        },
        K::ComCall => Call::ComCall {
            proxy: proxy(f, names, what)?,
            server: match f.get("server").filter(|n| !n.is_null()) {
                None => None,
                Some(n) => {
                    let path = f.path("server");
                    Some(thread_named(names, &string(n, &path)?, n, &path)?)
                }
            },
        },
        K::ComReturn => Call::ComReturn,
        K::ComPlayQueued => Call::ComPlayQueued,
        K::CoImpersonateClient => Call::CoImpersonateClient,
        K::CoRevertToSelf => Call::CoRevertToSelf,
        K::IsCallerInRole => Call::IsCallerInRole {
            role: Arc::from(string(f.require("role", what)?, &f.path("role"))?.as_str()),
        },
        K::IsSecurityEnabled => Call::IsSecurityEnabled,
        other => return Err(a.no_decoder(other)),
    })
}

fn named(node: &Node, path: &str, what: &str, names: &[(u32, &str)]) -> Read<u32> {
    let vocabulary: Vec<(&str, u32)> = names.iter().map(|(v, n)| (*n, *v)).collect();
    word(node, path, what, &vocabulary)
}

fn level(node: &Node, path: &str) -> Read<u32> {
    named(
        node,
        path,
        "an RPC_C_AUTHN_LEVEL_* value",
        authn_level::NAMES,
    )
}

fn imp(node: &Node, path: &str) -> Read<u32> {
    named(node, path, "an RPC_C_IMP_LEVEL_* value", imp_level::NAMES)
}

fn service(node: &Node, path: &str) -> Read<u32> {
    named(node, path, "an RPC_C_AUTHN_* service", authn_service::NAMES)
}

/// CoSetProxyBlanket's `pAuthInfo`: `{ user, password }`, or `{ certificate }` for Schannel.
fn blanket_auth(f: &Fields<'_>, names: &Names<'_>) -> Read<Option<BlanketAuth>> {
    let Some(n) = f.get("auth_info").filter(|n| !n.is_null()) else {
        return Ok(None);
    };
    let path = f.path("auth_info");
    let a = Fields::new(n, &path, "pAuthInfo", &["user", "password", "certificate"])?;
    let schannel = match f.get("authn_service") {
        Some(s) => service(s, &f.path("authn_service"))? == authn_service::GSS_SCHANNEL,
        None => false,
    };
    if let Some(c) = a.get("certificate") {
        if !schannel {
            return Err(Fault::new(
                c.span,
                a.path("certificate"),
                "a certificate is Schannel's pAuthInfo; set authn_service: RPC_C_AUTHN_GSS_SCHANNEL",
            ));
        }
        let name = string(c, &a.path("certificate"))?;
        let sspi = &names.world().sspi;
        let i = sspi.certificate_named(&name).ok_or_else(|| {
            Fault::new(
                c.span,
                a.path("certificate"),
                format!("`{name}` is not a certificate of the machine"),
            )
            .allowing(sspi.certificates.iter().map(|x| x.name.to_string()))
        })?;
        return Ok(Some(BlanketAuth::Certificate(i)));
    }
    if schannel {
        return Err(Fault::new(
            n.span,
            path,
            "Schannel's pAuthInfo is a certificate: `{ certificate: <name> }`",
        ));
    }
    let user = string(a.require("user", "pAuthInfo")?, &a.path("user"))?;
    let password = string(a.require("password", "pAuthInfo")?, &a.path("password"))?;
    Ok(Some(BlanketAuth::Credentials(AuthIdentity {
        user: names.user(&user),
        name: Arc::from(user.as_str()),
        password: Arc::from(password.as_str()),
    })))
}

fn capabilities(f: &Fields<'_>) -> Read<u32> {
    let Some(n) = f.get("capabilities") else {
        return Ok(0);
    };
    let base = f.path("capabilities");
    let names: Vec<(&str, u32)> = eoac::NAMES
        .iter()
        .map(|(v, n)| (*n, *v))
        .chain([("EOAC_NONE", 0)])
        .collect();
    let mut value = 0;
    for (i, item) in list(n, &base)?.iter().enumerate() {
        value |= word(item, &index(&base, i), "an EOAC_* capability", &names)?;
    }
    Ok(value)
}

fn class_by_name(name: &str, node: &Node, path: &str, names: &Names<'_>) -> Read<u32> {
    let com = &names.world().com;
    com.class(name).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!(
                "`{name}` is not a class of the machine (declare it under machine.com_classes)"
            ),
        )
        .allowing(com.classes.iter().map(|c| c.name.to_string()))
    })
}

fn class(node: &Node, path: &str, names: &Names<'_>) -> Read<u32> {
    let name = string(node, path)?;
    class_by_name(&name, node, path, names)
}

fn proxy(f: &Fields<'_>, names: &Names<'_>, what: &str) -> Read<Option<Made>> {
    bound_arg(f, "proxy", what, ("a proxy", OutKind::Proxy), names)
}
