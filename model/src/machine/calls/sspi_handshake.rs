//! SSPI packages, credentials and the InitializeSecurityContext / AcceptSecurityContext
//! loop: which calls continue, which complete, and what identity the server's context
//! ends up holding (SSPI-4..8, SSPA-1..10, OQL-13, OQM-10, OQM-17, OQM-20, OQM-21).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::machine::action::{AuthData, ContextRef, CredentialsRef};
use crate::machine::capture::{ClientContext, ClientSource, may_pass_on};
use crate::machine::ids::{ContextId, CredentialsId, ThreadId};
use crate::machine::loopback;
use crate::machine::outcome::{CallResult, Created, Field, Success, Value};
use crate::machine::room::Room;
use crate::machine::sspi::{
    CredentialUse, Credentials, Handshake, Identity, Package, Side, asc, flag_names, isc,
    secpkg_flag,
};
use crate::machine::world::World;
use crate::rules::RuleId;

/// `QuerySecurityPackageInfo` (SSPA-2).
pub(super) fn query_package_info(package: &str, trail: &mut Trail) -> CallResult {
    let Some(found) = Package::find(package) else {
        trail.note(RuleId::SSPA_2, || {
            format!("no security package is called `{package}`: SEC_E_SECPKG_NOT_FOUND")
        });
        return Err(ErrorCode::SEC_E_SECPKG_NOT_FOUND);
    };
    let info = found.info();
    trail.note(RuleId::SSPA_2, || {
        format!(
            "{} reports fCapabilities {:#x}{}",
            info.name,
            info.capabilities,
            match (
                found.has(secpkg_flag::IMPERSONATION),
                found.has(secpkg_flag::DELEGATION)
            ) {
                (true, true) => ", impersonation and delegation among them",
                (true, false) => ", impersonation but not delegation among them",
                (false, _) => ", without impersonation",
            }
        )
    });
    trail.note(RuleId::SSPI_3, || {
        if found.has(secpkg_flag::IMPERSONATION) {
            format!("{} advertises SECPKG_FLAG_IMPERSONATION: its server contexts can be impersonated", info.name)
        } else {
            format!("{} lacks SECPKG_FLAG_IMPERSONATION: ImpersonateSecurityContext is not supported for it", info.name)
        }
    });
    trail.note(RuleId::SSPI_4, || {
        if found.has(secpkg_flag::DELEGATION) {
            format!("{} advertises SECPKG_FLAG_DELEGATION", info.name)
        } else if found == Package::Negotiate {
            "Negotiate does not advertise SECPKG_FLAG_DELEGATION itself: it delegates only when it picks Kerberos".to_owned()
        } else {
            format!("{} does not advertise SECPKG_FLAG_DELEGATION: it never delegates", info.name)
        }
    });
    Ok(Success::value(Value::Record(vec![
        ("Name", Field::Text(Arc::from(info.name))),
        ("Comment", Field::Text(Arc::from(info.comment))),
        (
            "Capabilities",
            Field::Flags(flag_names(info.capabilities, secpkg_flag::NAMES)),
        ),
        ("RPCID", Field::Number(u64::from(info.rpc_id))),
        ("MaxToken", Field::Number(u64::from(info.max_token))),
    ])))
}

/// `AcquireCredentialsHandle` (SSPA-2, SSPA-4).
pub(super) fn acquire_credentials(
    world: &mut World,
    caller: ThreadId,
    package: &str,
    use_: CredentialUse,
    auth: &AuthData,
    trail: &mut Trail,
) -> CallResult {
    let Some(found) = Package::find(package) else {
        trail.note(RuleId::SSPA_2, || {
            format!("no security package is called `{package}`: SEC_E_SECPKG_NOT_FOUND")
        });
        return Err(ErrorCode::SEC_E_SECPKG_NOT_FOUND);
    };
    let identity = match auth {
        AuthData::Current if found == Package::Schannel => {
            trail.note(RuleId::SSPA_6, || {
                "Schannel client credentials without a certificate: the client can present none if asked".to_owned()
            });
            Identity::Certificate(None)
        }
        AuthData::Current => {
            let source = ClientSource::of(world, caller);
            trail.note(RuleId::SSPA_4, || {
                format!(
                    "no explicit credentials: the handle stands for thread `{}`'s identity as it is now ({}{})",
                    source.thread,
                    world.name_of(world.token(source.token).user),
                    match source.impersonating {
                        Some(level) => format!(", from its impersonation token at {level}"),
                        None => ", from its process token".to_owned(),
                    }
                )
            });
            Identity::Caller(source.kept())
        }
        AuthData::Explicit {
            user,
            name,
            password,
        } => {
            trail.note(RuleId::SSPA_8, || {
                format!("explicit credentials for `{name}`: they are checked when the server completes the handshake")
            });
            Identity::Explicit {
                user: *user,
                name: Arc::clone(name),
                password: Arc::clone(password),
            }
        }
        AuthData::Certificate(index) => {
            let name = world
                .sspi
                .certificates
                .get(*index as usize)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            trail.note(RuleId::SSPA_6, || {
                format!("Schannel credentials with certificate `{name}`")
            });
            Identity::Certificate(Some(*index))
        }
    };
    let process = world.thread(caller).process;
    let credentials = Credentials {
        process,
        package: found,
        use_,
        identity,
        freed: false,
    };
    let id = world.sspi.add_credentials(credentials).or_full(trail)?;
    Ok(Success::created(Created::Credentials(id)))
}

/// `FreeCredentialsHandle` (SSPA-9).
pub(super) fn free_credentials(
    world: &mut World,
    caller: ThreadId,
    credentials: CredentialsRef,
    trail: &mut Trail,
) -> CallResult {
    let process = world.thread(caller).process;
    match credentials {
        Some(id)
            if !world.sspi.credentials(id).freed
                && world.sspi.credentials(id).process == process =>
        {
            world.sspi.credentials_mut(id).freed = true;
            trail.note(RuleId::SSPA_9, || "the credentials are released".to_owned());
            Ok(Success::empty())
        }
        _ => {
            trail.note(RuleId::SSPA_9, || {
                "the handle is NULL, freed or another process's: SEC_E_INVALID_HANDLE".to_owned()
            });
            Err(ErrorCode::SEC_E_INVALID_HANDLE)
        }
    }
}

/// The credentials a handshake call may use, or the status it fails with (SSPA-4).
fn usable_credentials(
    world: &World,
    caller: ThreadId,
    credentials: CredentialsRef,
    side: Side,
    trail: &mut Trail,
) -> Result<CredentialsId, ErrorCode> {
    let process = world.thread(caller).process;
    let (code, direction) = match side {
        Side::Client => (ErrorCode::SEC_E_INVALID_HANDLE, "outbound"),
        Side::Server => (ErrorCode::SEC_E_NO_CREDENTIALS, "inbound"),
    };
    let ok = credentials.filter(|id| {
        let c = world.sspi.credentials(*id);
        !c.freed
            && c.process == process
            && match side {
                Side::Client => c.use_.outbound(),
                Side::Server => c.use_.inbound(),
            }
    });
    ok.ok_or_else(|| {
        trail.note(RuleId::SSPA_4, || {
            format!(
                "the credentials handle is not valid {direction} credentials of this process: {}",
                code.symbol()
            )
        });
        code
    })
}

/// A context handle of this process on `side` that is still in use.
fn own_context(world: &World, caller: ThreadId, context: ContextId, side: Side) -> bool {
    let c = world.sspi.context(context);
    !c.deleted && c.process == world.thread(caller).process && c.side == side
}

/// The package that runs a handshake: Negotiate picks NTLM here (SSPA-1); Kerberos has no
/// KDC (SSPA-10, OQM-20).
fn running_package(
    world: &World,
    package: Package,
    trail: &mut Trail,
) -> Result<Package, ErrorCode> {
    match package {
        Package::Negotiate => {
            trail.note(RuleId::SSPA_1, || {
                "Negotiate cannot use Kerberos with local accounts, so it picks NTLM".to_owned()
            });
            Ok(Package::Ntlm)
        }
        Package::Kerberos => {
            let code = if world.settings.readings.alternative(RuleId::OQM_20) {
                ErrorCode::SEC_E_NO_CREDENTIALS
            } else {
                ErrorCode::SEC_E_NO_AUTHENTICATING_AUTHORITY
            };
            trail.note(RuleId::SSPA_10, || {
                "Kerberos needs a domain's KDC, and this machine's accounts are local".to_owned()
            });
            trail.note(RuleId::OQM_20, || {
                format!(
                    "no page gives the status; the selected reading gives {}",
                    code.symbol()
                )
            });
            Err(code)
        }
        other => Ok(other),
    }
}

/// How many calls a handshake of `package` takes (SSPA-5, SSPA-6, OQM-21).
fn legs(world: &World, named: Package, running: Package, trail: &mut Trail) -> u8 {
    match running {
        Package::Schannel => {
            trail.note(RuleId::SSPA_6, || {
                "a TLS 1.2 handshake: ISC, ASC, ISC, ASC continue or complete in turn, and the client's third ISC completes".to_owned()
            });
            5
        }
        _ if named == Package::Negotiate => {
            let five = world.settings.readings.alternative(RuleId::OQM_21);
            trail.note(RuleId::OQM_21, || {
                if five {
                    "Negotiate over NTLM: under the selected reading (five) the server's SEC_E_OK carries a mechListMIC the client's third ISC completes on".to_owned()
                } else {
                    "Negotiate over NTLM: under the selected reading (four) it takes NTLM's four calls".to_owned()
                }
            });
            if five { 5 } else { 4 }
        }
        _ => {
            trail.note(RuleId::SSPA_5, || {
                "NTLM: NEGOTIATE, CHALLENGE and AUTHENTICATE messages in four calls".to_owned()
            });
            4
        }
    }
}

/// Refuses a Delegate request NTLM or Schannel cannot honour (OQL-13, SSPI-6).
fn delegate_request(
    world: &World,
    running: Package,
    delegate: bool,
    prompt: bool,
    side: Side,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    if !delegate && !prompt {
        return Ok(());
    }
    let what = match (delegate, side) {
        (true, Side::Client) => "ISC_REQ_DELEGATE",
        (true, Side::Server) => "ASC_REQ_DELEGATE",
        (false, _) => "ISC_REQ_PROMPT_FOR_CREDS",
    };
    match running {
        Package::Schannel if side == Side::Server && delegate => {
            trail.note(RuleId::SSPI_6, || {
                "Schannel refuses ASC_REQ_DELEGATE: SEC_E_UNSUPPORTED_FUNCTION".to_owned()
            });
            Err(ErrorCode::SEC_E_UNSUPPORTED_FUNCTION)
        }
        Package::Ntlm => {
            if world.settings.readings.alternative(RuleId::OQL_13) {
                trail.note(RuleId::OQL_13, || {
                    format!("NTLM cannot honour {what}; under the selected reading (ignored) it ignores the request")
                });
                Ok(())
            } else {
                trail.note(RuleId::OQL_13, || {
                    format!("NTLM cannot honour {what}; under the selected reading (unsupported) its return table applies: SEC_E_UNSUPPORTED_FUNCTION")
                });
                Err(ErrorCode::SEC_E_UNSUPPORTED_FUNCTION)
            }
        }
        _ => Ok(()),
    }
}

/// `InitializeSecurityContext` (SSPA-4, SSPA-5, SSPA-7, SSPI-7).
pub(super) fn initialize(
    world: &mut World,
    caller: ThreadId,
    credentials: CredentialsRef,
    context: ContextRef,
    input: Option<ContextRef>,
    flags: u32,
    trail: &mut Trail,
) -> CallResult {
    let cred = usable_credentials(world, caller, credentials, Side::Client, trail)?;
    let Some(ctx) = context else {
        if input.is_some() {
            trail.note(RuleId::SSPA_5, || {
                "a first call takes no input token from the server: SEC_E_INVALID_TOKEN".to_owned()
            });
            return Err(ErrorCode::SEC_E_INVALID_TOKEN);
        }
        return start(world, caller, cred, flags, trail);
    };
    if !own_context(world, caller, ctx, Side::Client) {
        trail.note(RuleId::SSPA_5, || {
            "the context handle is not a live client context of this process: SEC_E_INVALID_HANDLE".to_owned()
        });
        return Err(ErrorCode::SEC_E_INVALID_HANDLE);
    }
    let index = world.sspi.context(ctx).handshake;
    let h = world.sspi.handshake(index).clone();
    let expected = h
        .server
        .filter(|_| !h.failed && h.next < h.legs && h.next.is_multiple_of(2));
    if expected.is_none() || input != Some(expected) {
        trail.note(RuleId::SSPA_5, || {
            "the input is not the server token this handshake waits for: SEC_E_INVALID_TOKEN"
                .to_owned()
        });
        return Err(ErrorCode::SEC_E_INVALID_TOKEN);
    }
    advance(world, index, ctx, Side::Client, trail)
}

/// The first InitializeSecurityContext: a new client context and handshake.
fn start(
    world: &mut World,
    caller: ThreadId,
    cred: CredentialsId,
    flags: u32,
    trail: &mut Trail,
) -> CallResult {
    let named = world.sspi.credentials(cred).package;
    let running = running_package(world, named, trail)?;
    delegate_request(
        world,
        running,
        flags & isc::DELEGATE != 0,
        flags & isc::PROMPT_FOR_CREDS != 0,
        Side::Client,
        trail,
    )?;
    if flags & isc::DELEGATE != 0 {
        trail.note(RuleId::SSPI_7, || {
            format!("ISC_REQ_DELEGATE: only Kerberos delegates, and {running} will not")
        });
    }
    let legs = legs(world, named, running, trail);
    let index = world.sspi.next_handshake().or_full(trail)?;
    let process = world.thread(caller).process;
    let ctx = world
        .sspi
        .new_context(process, Side::Client, named, cred, index)
        .or_full(trail)?;
    let handshake = Handshake {
        package: running,
        legs,
        next: 0,
        client: ctx,
        server: None,
        client_req: flags,
        server_req: 0,
        failed: false,
    };
    world.sspi.add_handshake(handshake).or_full(trail)?;
    let mut success = advance(world, index, ctx, Side::Client, trail)?;
    success.created = Some(Created::Context(ctx));
    Ok(success)
}

/// `AcceptSecurityContext` (SSPA-4, SSPA-5, SSPI-5, SSPI-6).
pub(super) fn accept(
    world: &mut World,
    caller: ThreadId,
    credentials: CredentialsRef,
    context: ContextRef,
    input: ContextRef,
    flags: u32,
    trail: &mut Trail,
) -> CallResult {
    let cred = usable_credentials(world, caller, credentials, Side::Server, trail)?;
    let Some(client) = input.filter(|c| world.sspi.context(*c).side == Side::Client) else {
        trail.note(RuleId::SSPA_5, || {
            "the input is not a client's token: SEC_E_INVALID_TOKEN".to_owned()
        });
        return Err(ErrorCode::SEC_E_INVALID_TOKEN);
    };
    let index = world.sspi.context(client).handshake;
    let h = world.sspi.handshake(index).clone();
    let named = world.sspi.credentials(cred).package;
    if world.sspi.context(client).package != named {
        trail.note(RuleId::SSPA_5, || {
            format!(
                "the client's token is {}'s and the server's credentials are {named}'s: SEC_E_INVALID_TOKEN",
                world.sspi.context(client).package
            )
        });
        return Err(ErrorCode::SEC_E_INVALID_TOKEN);
    }
    let waiting = !h.failed && h.next < h.legs && h.next % 2 == 1;
    match context {
        None => {
            if !waiting || h.server.is_some() {
                trail.note(RuleId::SSPA_5, || {
                    "the client's token is not a handshake's first message: SEC_E_INVALID_TOKEN"
                        .to_owned()
                });
                return Err(ErrorCode::SEC_E_INVALID_TOKEN);
            }
            delegate_request(
                world,
                h.package,
                flags & asc::DELEGATE != 0,
                false,
                Side::Server,
                trail,
            )?;
            let process = world.thread(caller).process;
            let ctx = world
                .sspi
                .new_context(process, Side::Server, named, cred, index)
                .or_full(trail)?;
            let hs = world.sspi.handshake_mut(index);
            hs.server = Some(ctx);
            hs.server_req = flags;
            let mut success = advance(world, index, ctx, Side::Server, trail)?;
            success.created = Some(Created::Context(ctx));
            Ok(success)
        }
        Some(ctx) => {
            if !own_context(world, caller, ctx, Side::Server) {
                trail.note(RuleId::SSPA_5, || {
                    "the context handle is not a live server context of this process: SEC_E_INVALID_HANDLE".to_owned()
                });
                trail.note(RuleId::OQL_11, || {
                    "SEC_E_INVALID_HANDLE is 0x80090301, the SDK header's value, though the AcceptSecurityContext pages print 0x80100003".to_owned()
                });
                return Err(ErrorCode::SEC_E_INVALID_HANDLE);
            }
            if !waiting || h.server != Some(ctx) {
                trail.note(RuleId::SSPA_5, || {
                    "the input is not the client token this handshake waits for: SEC_E_INVALID_TOKEN".to_owned()
                });
                return Err(ErrorCode::SEC_E_INVALID_TOKEN);
            }
            advance(world, index, ctx, Side::Server, trail)
        }
    }
}

/// Takes the handshake's next leg on `side`: SEC_I_CONTINUE_NEEDED, or SEC_E_OK on that
/// side's last leg, where the server's context gets the client's identity.
fn advance(
    world: &mut World,
    index: u32,
    ctx: ContextId,
    side: Side,
    trail: &mut Trail,
) -> CallResult {
    let h = world.sspi.handshake(index).clone();
    let leg = h.next;
    let last_for_side = leg + 2 >= h.legs;
    world.sspi.handshake_mut(index).next = leg + 1;
    if !last_for_side {
        trail.note(rule_for(h.package), || {
            format!(
                "call {} of {}: SEC_I_CONTINUE_NEEDED, the token goes to the {}",
                leg + 1,
                h.legs,
                match side {
                    Side::Client => "server",
                    Side::Server => "client",
                }
            )
        });
        return Ok(Success {
            last_error: Some(ErrorCode::SEC_I_CONTINUE_NEEDED),
            ..Success::default()
        });
    }
    let attributes = match side {
        Side::Client => {
            if h.client_req & isc::MUTUAL_AUTH != 0 && h.package == Package::Ntlm {
                trail.note(RuleId::SSPI_7, || {
                    "ISC_REQ_MUTUAL_AUTH only asks: NTLM does not authenticate the server, so ISC_RET_MUTUAL_AUTH is not returned".to_owned()
                });
            }
            client_attributes(&h)
        }
        Side::Server => {
            let identity = match server_identity(world, &h, trail) {
                Ok(identity) => identity,
                Err(code) => {
                    world.sspi.handshake_mut(index).failed = true;
                    return Err(code);
                }
            };
            world.sspi.context_mut(ctx).client = identity;
            server_attributes(&h, identity.is_some())
        }
    };
    let context = world.sspi.context_mut(ctx);
    context.complete = true;
    context.attributes = attributes;
    let names = match side {
        Side::Client => flag_names(attributes, isc::RET_NAMES),
        Side::Server => flag_names(attributes, asc::RET_NAMES),
    };
    trail.note(rule_for(h.package), || {
        format!(
            "call {} of {}: SEC_E_OK, this side of the handshake is complete",
            leg + 1,
            h.legs
        )
    });
    trail.note(RuleId::SSPA_7, || {
        format!(
            "the context's attributes: {}",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )
    });
    Ok(Success::value(Value::Record(vec![(
        "ContextAttr",
        Field::Flags(names),
    )])))
}

fn rule_for(package: Package) -> RuleId {
    if package == Package::Schannel {
        RuleId::SSPA_6
    } else {
        RuleId::SSPA_5
    }
}

/// The generic ISC_REQ_* requests a package echoes as ISC_RET_* (the same bits).
const ECHOED: u32 = 0x4 | 0x8 | 0x10 | 0x100 | 0x800 | 0x1_0000;

fn client_attributes(h: &Handshake) -> u32 {
    let mut ret = h.client_req & ECHOED;
    if h.client_req & isc::IDENTIFY != 0 && h.package == Package::Ntlm {
        ret |= isc::IDENTIFY;
    }
    if h.client_req & isc::MUTUAL_AUTH != 0 && h.package == Package::Schannel {
        ret |= isc::MUTUAL_AUTH;
    }
    ret
}

fn server_attributes(h: &Handshake, mapped: bool) -> u32 {
    let generic = h.server_req & (0x4 | 0x8 | 0x10 | 0x100 | 0x800 | 0x2_0000);
    let mut ret = generic;
    if h.client_req & isc::IDENTIFY != 0 && h.package == Package::Ntlm {
        ret |= asc::IDENTIFY;
    }
    if h.package == Package::Schannel && h.server_req & asc::MUTUAL_AUTH != 0 && mapped {
        ret |= asc::MUTUAL_AUTH;
    }
    ret
}

/// What the server's context holds when its last AcceptSecurityContext succeeds.
fn server_identity(
    world: &mut World,
    h: &Handshake,
    trail: &mut Trail,
) -> Result<Option<ClientContext>, ErrorCode> {
    let client_ctx = world.sspi.context(h.client).clone();
    let identity = world
        .sspi
        .credentials(client_ctx.credentials)
        .identity
        .clone();
    if h.package == Package::Schannel {
        return schannel_identity(world, h, &identity, trail);
    }
    let level = if h.client_req & isc::IDENTIFY != 0 {
        ImpersonationLevel::Identification
    } else {
        ImpersonationLevel::Impersonation
    };
    let made = credential_identity(world, identity, level, trail)?;
    if let Some(context) = made {
        trail.note(RuleId::SSPI_8, || {
            if h.client_req & isc::IDENTIFY != 0 {
                format!(
                    "the client asked ISC_REQ_IDENTIFY: the server's token is at {}",
                    context.level
                )
            } else {
                format!(
                    "no identify or delegate attribute: the server's token is at {}",
                    context.level
                )
            }
        });
    }
    Ok(made)
}

/// The token the client's credentials give the server at `level`.
fn credential_identity(
    world: &mut World,
    identity: Identity,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Result<Option<ClientContext>, ErrorCode> {
    match identity {
        Identity::Caller(source) => {
            if source
                .impersonating
                .is_some_and(|l| l < ImpersonationLevel::Impersonation)
            {
                let _ = may_pass_on(&source, level, trail);
                if world.settings.readings.alternative(RuleId::OQM_17) {
                    trail.note(RuleId::OQM_17, || {
                        format!(
                            "the client's credentials stand for an impersonation token at {}; under the selected reading (identification) the server gets an Identification-level copy",
                            source.impersonating.unwrap_or(ImpersonationLevel::Anonymous)
                        )
                    });
                    let token = crate::machine::token_copy::duplicate(
                        world,
                        source.token,
                        crate::machine::token_copy::DuplicateSpec {
                            token_type: crate::core::level::TokenType::Impersonation,
                            level: ImpersonationLevel::Identification,
                            effective_only: false,
                        },
                    )
                    .or_full(trail)?;
                    return Ok(Some(ClientContext {
                        token,
                        level: ImpersonationLevel::Identification,
                        effective_only: false,
                    }));
                }
                trail.note(RuleId::OQM_17, || {
                    format!(
                        "the client's credentials stand for an impersonation token at {}, which cannot be passed on (IMP-14); under the selected reading (logon-denied) the server's call fails with SEC_E_LOGON_DENIED",
                        source.impersonating.unwrap_or(ImpersonationLevel::Anonymous)
                    )
                });
                return Err(ErrorCode::SEC_E_LOGON_DENIED);
            }
            loopback::ntlm(world, &source, level, trail)
                .map(Some)
                .map_err(|_| ErrorCode::SEC_E_LOGON_DENIED)
        }
        Identity::Explicit {
            user,
            name,
            password,
        } => {
            let account = user.and_then(|u| world.accounts.user(u).cloned());
            let valid = account
                .as_ref()
                .is_some_and(|a| !a.disabled && a.password.as_deref() == Some(&*password));
            match (user, valid) {
                (Some(user), true) => {
                    trail.note(RuleId::SSPA_8, || {
                        format!("`{name}`'s password is right: the server gets a network logon of {name}")
                    });
                    Ok(Some(
                        loopback::network_logon(world, user, level, trail).or_full(trail)?,
                    ))
                }
                _ => {
                    trail.note(RuleId::SSPA_8, || {
                        format!("`{name}` is not an enabled account with that password: SEC_E_LOGON_DENIED")
                    });
                    Err(ErrorCode::SEC_E_LOGON_DENIED)
                }
            }
        }
        Identity::Certificate(_) => Ok(None),
    }
}

/// Schannel: a token only for a requested, mapped client certificate (SSPI-5).
fn schannel_identity(
    world: &mut World,
    h: &Handshake,
    identity: &Identity,
    trail: &mut Trail,
) -> Result<Option<ClientContext>, ErrorCode> {
    if h.server_req & asc::MUTUAL_AUTH == 0 {
        trail.note(RuleId::SSPI_5, || {
            "the server did not pass ASC_REQ_MUTUAL_AUTH, so no client certificate was asked for and there is no client token".to_owned()
        });
        return Ok(None);
    }
    let certificate = match identity {
        Identity::Certificate(Some(i)) => world.sspi.certificates.get(*i as usize).cloned(),
        _ => None,
    };
    let Some(certificate) = certificate else {
        trail.note(RuleId::SSPI_5, || {
            "the client presented no certificate, so there is no client token".to_owned()
        });
        return Ok(None);
    };
    let Some(user) = certificate.maps_to else {
        trail.note(RuleId::SSPI_5, || {
            format!(
                "certificate `{}` maps to no account, so there is no client token",
                certificate.name
            )
        });
        return Ok(None);
    };
    trail.note(RuleId::SSPI_5, || {
        format!(
            "certificate `{}` was asked for, verified and mapped to {}: the server gets {}'s token",
            certificate.name,
            world.name_of(user),
            world.name_of(user)
        )
    });
    let context = loopback::mapped_logon(world, user, trail).or_full(trail)?;
    Ok(Some(context))
}

/// `DeleteSecurityContext` (SSPA-9).
pub(super) fn delete_context(
    world: &mut World,
    caller: ThreadId,
    context: ContextRef,
    trail: &mut Trail,
) -> CallResult {
    let process = world.thread(caller).process;
    match context {
        Some(id) if world.sspi.context(id).process == process => {
            let already = world.sspi.context(id).deleted;
            world.sspi.context_mut(id).deleted = true;
            trail.note(RuleId::SSPA_9, || {
                if already {
                    "the context was already deleted: SEC_E_OK all the same".to_owned()
                } else {
                    "the context is deleted; a thread impersonating through it keeps its token"
                        .to_owned()
                }
            });
            Ok(Success::empty())
        }
        _ => {
            trail.note(RuleId::SSPA_9, || {
                "the handle is NULL or not a context of this process: SEC_E_INVALID_HANDLE"
                    .to_owned()
            });
            Err(ErrorCode::SEC_E_INVALID_HANDLE)
        }
    }
}
