//! Decoding the RPC calls of a step: protocol sequences, string bindings with their
//! `Security=` option, authentication levels and services, `RPC_SECURITY_QOS`, and the
//! binding-handle arguments of the server functions.

use std::sync::Arc;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{Call, CallKind, Qos};
use tokenhop_model::machine::rpc::{
    Protseq, RpcQos, authn_level, authn_service, capabilities, imp_level,
};

use crate::calls::{Args, thread_named};
use crate::error::Fault;
use crate::node::{Node, NodeKind};
use crate::reader::{Fields, Read, index, list, string, word};
use crate::refs::{CallArg, Made, StepCall};
use crate::scope::{Listed, Names, OutKind, bound_arg};

/// Decodes the arguments of the RPC call `kind`.
pub fn decode(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what, names) = (a.f, &a.what, a.names);
    Ok(match kind {
        K::RpcServerUseProtseqEp => Call::RpcServerUseProtseqEp {
            protseq: protseq(f.require("protseq", what)?, &f.path("protseq"))?,
            endpoint: Arc::from(
                string(f.require("endpoint", what)?, &f.path("endpoint"))?.as_str(),
            ),
        },
        K::RpcServerRegisterAuthInfo => {
            let node = f.require("service", what)?;
            let service = service(node, &f.path("service"))?;
            if service == authn_service::GSS_SCHANNEL {
                return Err(Fault::new(
                    node.span,
                    f.path("service"),
                    "an RPC server registers Schannel with its certificate, and scripts declare no certificates; use the other services",
                ));
            }
            Call::RpcServerRegisterAuthInfo { service }
        }
        K::RpcBindingFromStringBinding => {
            let node = f.require("string_binding", what)?;
            let text = string(node, &f.path("string_binding"))?;
            let parsed = string_binding(&text)
                .map_err(|m| Fault::new(node.span, f.path("string_binding"), m))?;
            Call::RpcBindingFromStringBinding {
                protseq: parsed.0,
                endpoint: Arc::from(parsed.1.as_str()),
                security: parsed.2,
            }
        }
        K::RpcBindingSetAuthInfoEx => Call::RpcBindingSetAuthInfoEx {
            binding: binding(f, "binding", names, what)?,
            level: number_or_word(
                f.require("level", what)?,
                &f.path("level"),
                "an authentication level",
                authn_level::NAMES,
            )?,
            service: service(f.require("service", what)?, &f.path("service"))?,
            qos: match f.get("qos") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => Some(rpc_qos(n, &f.path("qos"))?),
            },
        },
        K::RpcCall => Call::RpcCall {
            binding: binding(f, "binding", names, what)?,
            server: {
                let node = f.require("server", what)?;
                let path = f.path("server");
                thread_named(names, &string(node, &path)?, node, &path)?
            },
        },
        K::RpcReturn => Call::RpcReturn,
        K::RpcImpersonateClient => Call::RpcImpersonateClient {
            call: call_ref(f, names)?,
        },
        K::RpcRevertToSelf => Call::RpcRevertToSelf,
        K::RpcRevertToSelfEx => Call::RpcRevertToSelfEx {
            call: call_ref(f, names)?,
        },
        K::RpcBindingInqAuthClient => Call::RpcBindingInqAuthClient {
            call: call_ref(f, names)?,
        },
        K::RpcBindingFree => Call::RpcBindingFree {
            binding: binding(f, "binding", names, what)?,
        },
        other => return Err(a.no_decoder(other)),
    })
}

fn protseq(node: &Node, path: &str) -> Read<Protseq> {
    word(
        node,
        path,
        "a protocol sequence the model knows",
        Protseq::ALL
            .iter()
            .map(|(p, n)| (*n, *p))
            .collect::<Vec<_>>()
            .as_slice(),
    )
}

/// A value given by its constant's name or as a number.
fn number_or_word(node: &Node, path: &str, what: &str, names: &[(u32, &str)]) -> Read<u32> {
    if let NodeKind::Int(i) = node.kind {
        return u32::try_from(i)
            .map_err(|_| Fault::new(node.span, path, format!("{i} is not {what}")));
    }
    let vocabulary: Vec<(&str, u32)> = names.iter().map(|(v, n)| (*n, *v)).collect();
    word(node, path, what, &vocabulary)
}

fn service(node: &Node, path: &str) -> Read<u32> {
    number_or_word(
        node,
        path,
        "an authentication service",
        authn_service::NAMES,
    )
}

fn rpc_qos(node: &Node, path: &str) -> Read<RpcQos> {
    let f = Fields::new(
        node,
        path,
        "an RPC_SECURITY_QOS",
        &["impersonation", "capabilities", "tracking"],
    )?;
    let impersonation = match f.get("impersonation") {
        Some(n) => number_or_word(
            n,
            &f.path("impersonation"),
            "an RPC impersonation level",
            imp_level::NAMES,
        )?,
        None => imp_level::DEFAULT,
    };
    if impersonation > imp_level::DELEGATE {
        let n = f.get("impersonation").map_or(node.span, |n| n.span);
        return Err(Fault::new(
            n,
            f.path("impersonation"),
            format!("{impersonation} is not an RPC_C_IMP_LEVEL_* value"),
        ));
    }
    let mut caps = 0;
    if let Some(n) = f.get("capabilities") {
        let base = f.path("capabilities");
        let names: Vec<(&str, u32)> = capabilities::NAMES
            .iter()
            .map(|(v, n)| (*n, *v))
            .chain([("RPC_C_QOS_CAPABILITIES_DEFAULT", 0)])
            .collect();
        for (i, item) in list(n, &base)?.iter().enumerate() {
            caps |= word(item, &index(&base, i), "a QoS capability", &names)?;
        }
    }
    let dynamic = match f.get("tracking") {
        Some(n) => word(
            n,
            &f.path("tracking"),
            "an identity tracking mode",
            &[
                ("RPC_C_QOS_IDENTITY_STATIC", false),
                ("RPC_C_QOS_IDENTITY_DYNAMIC", true),
            ],
        )?,
        None => false,
    };
    Ok(RpcQos {
        impersonation,
        capabilities: caps,
        dynamic,
    })
}

fn binding(f: &Fields<'_>, key: &str, names: &Names<'_>, what: &str) -> Read<Option<Made>> {
    bound_arg(f, key, what, ("a binding", OutKind::Binding), names)
}

/// The `BindingHandle` of a server function: absent or null is 0 (the current call), a
/// thread names the call it serves, a binding is a client binding.
fn call_ref(f: &Fields<'_>, names: &Names<'_>) -> Read<CallArg> {
    let Some(node) = f.get("binding") else {
        return Ok(CallArg::Current);
    };
    if node.is_null() {
        return Ok(CallArg::Current);
    }
    let path = f.path("binding");
    let name = string(node, &path)?;
    if let Some(thread) = names.thread(&name) {
        return Ok(CallArg::ServedBy(thread));
    }
    if let Some(b) = names.bound(&name, OutKind::Binding) {
        return Ok(CallArg::Client(Some(b)));
    }
    let mut allowed = names.names(Listed::Threads);
    allowed.extend(names.names(Listed::Bound(OutKind::Binding)));
    Err(Fault::new(
        node.span,
        path,
        format!("`{name}` is neither a thread (whose call's handle it names) nor a binding"),
    )
    .allowing(allowed))
}

/// Parses `protseq:[endpoint,Security=<level> <tracking> <effective-only>]`.
fn string_binding(text: &str) -> Result<(Protseq, String, Option<Qos>), String> {
    let grammar = "a string binding is protseq:[endpoint] or protseq:[endpoint,Security=<Identification|Impersonation|Anonymous> <Dynamic|Static> <True|False>]";
    if text.contains('@') {
        return Err(format!("object UUIDs are not modelled; {grammar}"));
    }
    let (protseq_text, rest) = text.split_once(':').ok_or_else(|| grammar.to_owned())?;
    let protseq = Protseq::ALL
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(protseq_text))
        .map(|(p, _)| *p)
        .ok_or_else(|| {
            format!(
                "`{protseq_text}` is not a protocol sequence the model knows (ncalrpc, ncacn_np, ncacn_ip_tcp)"
            )
        })?;
    let (address, bracketed) = rest.split_once('[').ok_or_else(|| grammar.to_owned())?;
    let inner = bracketed
        .strip_suffix(']')
        .ok_or_else(|| grammar.to_owned())?;
    let local = ["", ".", "localhost", "127.0.0.1"];
    if !local.iter().any(|l| l.eq_ignore_ascii_case(address)) {
        return Err(format!(
            "`{address}` is another machine; a script runs on one machine (use \"\", \".\" or localhost)"
        ));
    }
    let mut parts = inner.split(',');
    let endpoint = parts.next().unwrap_or_default().trim().to_owned();
    let mut security = None;
    for option in parts {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| format!("`{option}` is not an option; {grammar}"))?;
        if !key.trim().eq_ignore_ascii_case("Security") {
            return Err(format!(
                "`{}` is not an option the model knows; {grammar}",
                key.trim()
            ));
        }
        let words: Vec<&str> = value.split_whitespace().collect();
        let [level, tracking, effective] = words.as_slice() else {
            return Err(format!("`{value}` needs three words; {grammar}"));
        };
        let level = match level.to_ascii_lowercase().as_str() {
            "identification" => ImpersonationLevel::Identification,
            "impersonation" => ImpersonationLevel::Impersonation,
            "anonymous" => ImpersonationLevel::Anonymous,
            _ => return Err(format!("`{level}` is not a level; {grammar}")),
        };
        let dynamic = match tracking.to_ascii_lowercase().as_str() {
            "dynamic" => true,
            "static" => false,
            _ => return Err(format!("`{tracking}` is not a tracking mode; {grammar}")),
        };
        let effective_only = match effective.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(format!("`{effective}` is not True or False; {grammar}")),
        };
        security = Some(Qos {
            level,
            dynamic,
            effective_only,
        });
    }
    Ok((protseq, endpoint, security))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_bindings_parse_with_and_without_the_security_option() {
        let (p, e, s) = string_binding("ncalrpc:[demo,Security=Identification Dynamic True]")
            .unwrap_or_else(|m| panic!("{m}"));
        assert_eq!((p, e.as_str()), (Protseq::Ncalrpc, "demo"));
        assert_eq!(
            s,
            Some(Qos {
                level: ImpersonationLevel::Identification,
                dynamic: true,
                effective_only: true
            })
        );
        let (p, e, s) = string_binding("ncacn_np:[\\pipe\\svc]").unwrap_or_else(|m| panic!("{m}"));
        assert_eq!((p, e.as_str(), s), (Protseq::NcacnNp, "\\pipe\\svc", None));
        let (p, e, _) =
            string_binding("ncacn_ip_tcp:localhost[5000]").unwrap_or_else(|m| panic!("{m}"));
        assert_eq!((p, e.as_str()), (Protseq::NcacnIpTcp, "5000"));
    }

    #[test]
    fn malformed_string_bindings_are_refused() {
        for bad in [
            "ncalrpc",
            "ncalrpc:demo",
            "ncalrpc:[demo",
            "ncadg_ip_udp:[5000]",
            "ncacn_ip_tcp:server2[5000]",
            "ncalrpc:[demo,Security=Impersonation Dynamic]",
            "ncalrpc:[demo,Security=Delegation Dynamic True]",
            "ncalrpc:[demo,Timeout=5]",
            "uuid@ncalrpc:[demo]",
        ] {
            assert!(string_binding(bad).is_err(), "{bad} was accepted");
        }
    }
}
