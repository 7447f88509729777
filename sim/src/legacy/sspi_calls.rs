//! Decoding the SSPI calls of a step: package names, credential use, explicit credentials
//! and certificates, ISC_REQ_* / ASC_REQ_* flags, and the credentials and context handles
//! earlier steps bound.

use std::sync::Arc;

use tokenhop_model::machine::action::{AuthData, Call, ContextRef, CredentialsRef};
use tokenhop_model::machine::sspi::{CredentialUse, FlagName, Package, asc, isc};

use crate::error::Fault;
use crate::legacy::scope::{Scope, bound_arg, bound_node};
use crate::node::Node;
use crate::reader::{Fields, Read, index, list, string, word};

/// The SSPI calls this module decodes (their arguments are in [`crate::legacy::calls::CALLS`]).
const SSPI_CALLS: &[&str] = &[
    "QuerySecurityPackageInfo",
    "AcquireCredentialsHandle",
    "FreeCredentialsHandle",
    "InitializeSecurityContext",
    "AcceptSecurityContext",
    "ImpersonateSecurityContext",
    "RevertSecurityContext",
    "QuerySecurityContextToken",
    "DeleteSecurityContext",
];

/// Decodes the SSPI call `name`, or `None` if `name` is not one.
pub fn decode(
    name: &str,
    f: &Fields<'_>,
    out: Option<&str>,
    scope: &dyn Scope,
) -> Option<Read<Call>> {
    let what = format!("the arguments of {name}");
    let call = || -> Read<Call> {
        Ok(match name {
            "QuerySecurityPackageInfo" => Call::QuerySecurityPackageInfo {
                package: Arc::from(
                    string(f.require("package", &what)?, &f.path("package"))?.as_str(),
                ),
            },
            "AcquireCredentialsHandle" => acquire(f, scope, &what)?,
            "FreeCredentialsHandle" => Call::FreeCredentialsHandle {
                credentials: credentials(f, scope, &what)?,
            },
            "InitializeSecurityContext" => {
                let (context, input) = continuation(f, scope, out)?;
                Call::InitializeSecurityContext {
                    credentials: credentials(f, scope, &what)?,
                    context,
                    input,
                    flags: flags(f, isc::REQ_NAMES, "an ISC_REQ_* flag")?,
                }
            }
            "AcceptSecurityContext" => {
                let (context, input) = continuation(f, scope, out)?;
                let input = match input {
                    Some(i) => i,
                    None => {
                        return Err(Fault::new(
                            f.node().span,
                            f.path("input"),
                            "AcceptSecurityContext needs `input`: the client context whose token it accepts",
                        ));
                    }
                };
                Call::AcceptSecurityContext {
                    credentials: credentials(f, scope, &what)?,
                    context,
                    input,
                    flags: flags(f, asc::REQ_NAMES, "an ASC_REQ_* flag")?,
                }
            }
            "ImpersonateSecurityContext" => Call::ImpersonateSecurityContext {
                context: context(f, "context", scope, &what)?,
            },
            "RevertSecurityContext" => Call::RevertSecurityContext {
                context: context(f, "context", scope, &what)?,
            },
            "QuerySecurityContextToken" => Call::QuerySecurityContextToken {
                context: context(f, "context", scope, &what)?,
            },
            "DeleteSecurityContext" => Call::DeleteSecurityContext {
                context: context(f, "context", scope, &what)?,
            },
            _ => {
                return Err(Fault::new(
                    f.node().span,
                    f.base(),
                    format!("`{name}` is not an SSPI call"),
                ));
            }
        })
    };
    SSPI_CALLS.contains(&name).then(call)
}

fn acquire(f: &Fields<'_>, scope: &dyn Scope, what: &str) -> Read<Call> {
    let package_node = f.require("package", what)?;
    let package = string(package_node, &f.path("package"))?;
    let use_ = word(
        f.require("use", what)?,
        &f.path("use"),
        "a credential use",
        &[
            ("SECPKG_CRED_INBOUND", CredentialUse::Inbound),
            ("SECPKG_CRED_OUTBOUND", CredentialUse::Outbound),
            ("SECPKG_CRED_BOTH", CredentialUse::Both),
        ],
    )?;
    let schannel = Package::find(&package) == Some(Package::Schannel);
    let certificate = f.get("certificate").filter(|n| !n.is_null());
    let user = f.get("user").filter(|n| !n.is_null());
    let auth = match (certificate, user) {
        (Some(c), _) if !schannel => {
            return Err(Fault::new(
                c.span,
                f.path("certificate"),
                "only Schannel credentials take a certificate",
            ));
        }
        (Some(c), _) => {
            let name = string(c, &f.path("certificate"))?;
            let certificates = &scope.world().sspi.certificates;
            let i = certificates
                .iter()
                .position(|x| *x.name == *name)
                .ok_or_else(|| {
                    Fault::new(
                        c.span,
                        f.path("certificate"),
                        format!("`{name}` is not a certificate of the machine"),
                    )
                    .allowing(certificates.iter().map(|x| x.name.to_string()))
                })?;
            AuthData::Certificate(u32::try_from(i).unwrap_or(u32::MAX))
        }
        (None, Some(u)) if schannel => {
            return Err(Fault::new(
                u.span,
                f.path("user"),
                "Schannel credentials are certificates, not a user name and password",
            ));
        }
        (None, Some(u)) => {
            let name = string(u, &f.path("user"))?;
            let password = match f.get("password") {
                Some(p) => string(p, &f.path("password"))?,
                None => {
                    return Err(Fault::new(
                        u.span,
                        f.path("password"),
                        "explicit credentials need `password` with `user`",
                    ));
                }
            };
            AuthData::Explicit {
                user: scope.user(&name),
                name: Arc::from(name.as_str()),
                password: Arc::from(password.as_str()),
            }
        }
        (None, None) => {
            if let Some(p) = f.get("password") {
                return Err(Fault::new(
                    p.span,
                    f.path("password"),
                    "`password` goes with `user`",
                ));
            }
            if schannel && use_ != CredentialUse::Outbound {
                return Err(Fault::new(
                    f.node().span,
                    f.path("certificate"),
                    "a Schannel server needs a certificate (Obtaining Schannel Credentials: required for the server)",
                ));
            }
            AuthData::Current
        }
    };
    Ok(Call::AcquireCredentialsHandle {
        package: Arc::from(package.as_str()),
        use_,
        auth,
    })
}

fn credentials(f: &Fields<'_>, scope: &dyn Scope, what: &str) -> Read<CredentialsRef> {
    bound_arg(
        f,
        "credentials",
        what,
        ("a credentials handle", "credentials"),
        scope,
        |n| scope.credentials(n),
    )
}

fn context_node(node: &Node, path: &str, scope: &dyn Scope) -> Read<ContextRef> {
    bound_node(node, path, ("a context handle", "context"), scope, |n| {
        scope.context(n)
    })
}

fn context(f: &Fields<'_>, key: &str, scope: &dyn Scope, what: &str) -> Read<ContextRef> {
    context_node(f.require(key, what)?, &f.path(key), scope)
}

/// ISC's and ASC's `context` (absent on the first call, which `out` names) and `input`.
fn continuation(
    f: &Fields<'_>,
    scope: &dyn Scope,
    out: Option<&str>,
) -> Read<(ContextRef, Option<ContextRef>)> {
    let context = match f.get("context") {
        Some(n) => {
            if out.is_some() {
                return Err(Fault::new(
                    n.span,
                    f.path("context"),
                    "`out` names the context the first call makes; a later call passes it as `context` and has no `out`",
                ));
            }
            context_node(n, &f.path("context"), scope)?
        }
        None => None,
    };
    let input = match f.get("input") {
        Some(n) => Some(context_node(n, &f.path("input"), scope)?),
        None => None,
    };
    Ok((context, input))
}

fn flags(f: &Fields<'_>, names: &[FlagName], what: &str) -> Read<u32> {
    let Some(n) = f.get("flags") else {
        return Ok(0);
    };
    let base = f.path("flags");
    let vocabulary: Vec<(&str, u32)> = names.iter().map(|(v, n)| (*n, *v)).collect();
    let mut value = 0;
    for (i, item) in list(n, &base)?.iter().enumerate() {
        value |= word(item, &index(&base, i), what, &vocabulary)?;
    }
    Ok(value)
}
