//! Decoding the SSPI calls of a step: package names, credential use, explicit credentials
//! and certificates, ISC_REQ_* / ASC_REQ_* flags, and the credentials and context handles
//! earlier steps bound.

use std::sync::Arc;

use tokenhop_model::machine::action::{AuthData, Call, CallKind};
use tokenhop_model::machine::sspi::{CredentialUse, FlagName, Package, asc, isc};

use crate::calls::Args;
use crate::error::Fault;
use crate::node::Node;
use crate::reader::{Fields, Read, index, list, string, word};
use crate::refs::{Made, StepCall};
use crate::scope::{Names, OutKind, bound_arg, bound_node};

/// Decodes the arguments of the SSPI call `kind`.
pub fn decode(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what, names, out) = (a.f, &a.what, a.names, a.out);
    Ok(match kind {
        K::QuerySecurityPackageInfo => Call::QuerySecurityPackageInfo {
            package: Arc::from(string(f.require("package", what)?, &f.path("package"))?.as_str()),
        },
        K::AcquireCredentialsHandle => acquire(f, names, what)?,
        K::FreeCredentialsHandle => Call::FreeCredentialsHandle {
            credentials: credentials(f, names, what)?,
        },
        K::InitializeSecurityContext => {
            let (context, input) = continuation(f, names, out)?;
            Call::InitializeSecurityContext {
                credentials: credentials(f, names, what)?,
                context,
                input,
                flags: flags(f, isc::REQ_NAMES, "an ISC_REQ_* flag")?,
            }
        }
        K::AcceptSecurityContext => {
            let (context, input) = continuation(f, names, out)?;
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
                credentials: credentials(f, names, what)?,
                context,
                input,
                flags: flags(f, asc::REQ_NAMES, "an ASC_REQ_* flag")?,
            }
        }
        K::ImpersonateSecurityContext => Call::ImpersonateSecurityContext {
            context: context(f, "context", names, what)?,
        },
        K::RevertSecurityContext => Call::RevertSecurityContext {
            context: context(f, "context", names, what)?,
        },
        K::QuerySecurityContextToken => Call::QuerySecurityContextToken {
            context: context(f, "context", names, what)?,
        },
        K::DeleteSecurityContext => Call::DeleteSecurityContext {
            context: context(f, "context", names, what)?,
        },
        other => return Err(a.no_decoder(other)),
    })
}

fn acquire(f: &Fields<'_>, names: &Names<'_>, what: &str) -> Read<StepCall> {
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
            let sspi = &names.world().sspi;
            let i = sspi.certificate_named(&name).ok_or_else(|| {
                Fault::new(
                    c.span,
                    f.path("certificate"),
                    format!("`{name}` is not a certificate of the machine"),
                )
                .allowing(sspi.certificates.iter().map(|x| x.name.to_string()))
            })?;
            AuthData::Certificate(i)
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
                user: names.user(&name),
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

fn credentials(f: &Fields<'_>, names: &Names<'_>, what: &str) -> Read<Option<Made>> {
    bound_arg(
        f,
        "credentials",
        what,
        ("a credentials handle", OutKind::Credentials),
        names,
    )
}

fn context_node(node: &Node, path: &str, names: &Names<'_>) -> Read<Option<Made>> {
    bound_node(node, path, ("a context handle", OutKind::Context), names)
}

fn context(f: &Fields<'_>, key: &str, names: &Names<'_>, what: &str) -> Read<Option<Made>> {
    context_node(f.require(key, what)?, &f.path(key), names)
}

/// ISC's and ASC's `context` (absent on the first call, which `out` names) and `input`.
fn continuation(
    f: &Fields<'_>,
    names: &Names<'_>,
    out: Option<&str>,
) -> Read<(Option<Made>, Option<Option<Made>>)> {
    let context = match f.get("context") {
        Some(n) => {
            if out.is_some() {
                return Err(Fault::new(
                    n.span,
                    f.path("context"),
                    "`out` names the context the first call makes; a later call passes it as `context` and has no `out`",
                ));
            }
            context_node(n, &f.path("context"), names)?
        }
        None => None,
    };
    let input = match f.get("input") {
        Some(n) => Some(context_node(n, &f.path("input"), names)?),
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
