//! Named pipes: creating instances, connecting, reading and writing messages, and
//! impersonating the client (PIPE-*, NP-*, OQL-2, OQL-3, OQL-4).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::ImpersonationLevel;
use crate::core::widen::usize_of;
use crate::machine::access_check::{access_check, names};
use crate::machine::acl::{SecurityDescriptor, allow};
use crate::machine::action::{HandleRef, Qos};
use crate::machine::capture;
use crate::machine::ids::{PipeId, ThreadId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::pipe::{Pipe, PipeAccess, PipeSecurity, PipeState};
use crate::machine::principal::wk;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::open_token::opener_token;

/// `FILE_CREATE_PIPE_INSTANCE` (the pipe meaning of `FILE_APPEND_DATA`).
const FILE_CREATE_PIPE_INSTANCE: AccessMask = AccessMask(0x0004);
const FILE_READ_DATA: AccessMask = AccessMask(0x0001);
const FILE_WRITE_DATA: AccessMask = AccessMask(0x0002);

const SQOS_PRESENT: u32 = 0x0010_0000;
const CONTEXT_TRACKING: u32 = 0x0004_0000;
const EFFECTIVE_ONLY: u32 = 0x0008_0000;

/// CreateNamedPipe's arguments.
pub(super) struct NewPipe<'a> {
    /// The pipe's name.
    pub name: &'a Arc<str>,
    /// The direction.
    pub access: PipeAccess,
    /// `FILE_FLAG_FIRST_PIPE_INSTANCE`.
    pub first_instance: bool,
    /// `nMaxInstances`.
    pub max_instances: i64,
    /// `lpSecurityAttributes`.
    pub security: &'a PipeSecurity,
}

/// `CreateNamedPipe`.
pub(super) fn create_named_pipe(
    world: &mut World,
    caller: ThreadId,
    new: &NewPipe<'_>,
    trail: &mut Trail,
) -> CallResult {
    let NewPipe {
        name,
        access,
        first_instance,
        max_instances,
        security,
    } = *new;
    let Some(limit) = u32::try_from(max_instances)
        .ok()
        .filter(|m| (1..=255).contains(m))
    else {
        trail.note(RuleId::NP_8, || {
            format!("nMaxInstances {max_instances} is outside 1..255 (PIPE_UNLIMITED_INSTANCES): ERROR_INVALID_PARAMETER")
        });
        return Err(ErrorCode::ERROR_INVALID_PARAMETER);
    };
    let process = world.thread(caller).process;
    let existing: Vec<PipeId> = live_instances(world, name);
    let sd = if let Some(first) = existing.first().copied() {
        let pipe = world.pipe(first).clone();
        let subject = opener_token(world, caller, trail)?;
        let wanted = access.server_access().with(FILE_CREATE_PIPE_INSTANCE);
        if access_check(
            world,
            world.token(subject),
            &pipe.sd,
            ObjectType::File,
            wanted,
            trail,
        )
        .is_err()
        {
            trail.note(RuleId::NP_8, || {
                format!("a further instance of `{name}` needs FILE_CREATE_PIPE_INSTANCE from the pipe's DACL, which refuses it: ERROR_ACCESS_DENIED")
            });
            return Err(ErrorCode::ERROR_ACCESS_DENIED);
        }
        if existing.len() >= usize_of(pipe.max_instances) {
            trail.note(RuleId::NP_8, || {
                format!(
                    "`{name}` already has its {} instances: ERROR_PIPE_BUSY",
                    pipe.max_instances
                )
            });
            return Err(ErrorCode::ERROR_PIPE_BUSY);
        }
        if first_instance {
            trail.note(RuleId::NP_8, || {
                format!("FILE_FLAG_FIRST_PIPE_INSTANCE, and `{name}` already exists: ERROR_ACCESS_DENIED")
            });
            return Err(ErrorCode::ERROR_ACCESS_DENIED);
        }
        if pipe.access != access || pipe.max_instances != limit {
            trail.note(RuleId::NP_8, || {
                format!(
                    "every instance of `{name}` must have the first's direction ({}) and instance limit ({}): ERROR_ACCESS_DENIED",
                    pipe.access.win32_name(),
                    pipe.max_instances
                )
            });
            return Err(ErrorCode::ERROR_ACCESS_DENIED);
        }
        trail.note(RuleId::NP_8, || {
            format!("a further instance of `{name}`, sharing the pipe's security")
        });
        pipe.sd
    } else {
        let creator = world.effective_token(caller);
        let owner = world.token(creator).default_owner;
        match security {
            PipeSecurity::Default => {
                let generic_read = AccessMask::GENERIC_READ;
                let all = AccessMask::GENERIC_ALL;
                trail.note(RuleId::NP_2, || {
                    format!(
                        "no security attributes: LocalSystem, Administrators and the creator ({}) get full control, Everyone and ANONYMOUS LOGON read access",
                        world.name_of(owner)
                    )
                });
                SecurityDescriptor::new(
                    owner,
                    vec![
                        allow(wk::SYSTEM, all),
                        allow(wk::ADMINISTRATORS, all),
                        allow(owner, all),
                        allow(wk::EVERYONE, generic_read),
                        allow(wk::ANONYMOUS_LOGON, generic_read),
                    ],
                )
            }
            PipeSecurity::NullDacl => SecurityDescriptor {
                owner,
                dacl: None,
                label: None,
            },
            PipeSecurity::Dacl(aces) => SecurityDescriptor::new(owner, aces.clone()),
        }
    };
    trail.note(RuleId::NP_1, || {
        format!(
            "{} instance of `{name}`: the server's handle carries {}",
            access.win32_name(),
            names(ObjectType::File, access.server_access())
        )
    });
    let id = world
        .add_pipe(Pipe {
            name: Arc::clone(name),
            server_process: process,
            sd,
            access,
            max_instances: limit,
            state: PipeState::Listening,
            client_qos: None,
            static_context: None,
            to_server: Vec::new(),
            to_client: 0,
            read_from_client: false,
            last_read: None,
        })
        .or_full(trail)?;
    let handle = world
        .add_handle(
            process,
            HandleTarget::PipeServer(id),
            access.server_access(),
        )
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}

fn live_instances(world: &World, name: &str) -> Vec<PipeId> {
    world
        .pipe_ids()
        .zip(&world.pipes)
        .filter(|(_, p)| &*p.name == name && p.state != PipeState::Closed)
        .map(|(id, _)| id)
        .collect()
}

/// Resolves a handle that must be a pipe's server end (PIPE-4, NP-7).
fn server_end(
    world: &World,
    caller: ThreadId,
    pipe: HandleRef,
    trail: &mut Trail,
) -> Result<PipeId, ErrorCode> {
    match pipe_end(world, caller, pipe, trail)? {
        HandleTarget::PipeServer(id) => Ok(id),
        HandleTarget::PipeClient(_) => {
            trail.note(RuleId::PIPE_4, || {
                "the handle is the client end of the pipe; only the server end may do this: ERROR_INVALID_FUNCTION".to_owned()
            });
            Err(ErrorCode::ERROR_INVALID_FUNCTION)
        }
        _ => {
            trail.note(RuleId::NP_7, || {
                "the handle is to a file that is not a pipe: ERROR_INVALID_FUNCTION".to_owned()
            });
            Err(ErrorCode::ERROR_INVALID_FUNCTION)
        }
    }
}

/// Resolves a handle that must be to a file (a pipe end or a file object).
fn pipe_end(
    world: &World,
    caller: ThreadId,
    handle: HandleRef,
    trail: &mut Trail,
) -> Result<HandleTarget, ErrorCode> {
    let process = world.thread(caller).process;
    let entry = handle.map(|h| *world.handle(h));
    match entry {
        Some(e) if e.open && e.process == process => {
            if e.target.object_type(world) == ObjectType::File {
                Ok(e.target)
            } else {
                trail.note(RuleId::NP_7, || {
                    format!(
                        "the handle is to a {}, not a file: ERROR_INVALID_HANDLE",
                        e.target.object_type(world)
                    )
                });
                Err(ErrorCode::ERROR_INVALID_HANDLE)
            }
        }
        _ => {
            trail.note(RuleId::HND_1, || {
                "the handle is NULL, closed or not the caller's: ERROR_INVALID_HANDLE".to_owned()
            });
            Err(ErrorCode::ERROR_INVALID_HANDLE)
        }
    }
}

/// `ConnectNamedPipe` on a nonblocking instance (NP-3).
pub(super) fn connect_named_pipe(
    world: &mut World,
    caller: ThreadId,
    pipe: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_end(world, caller, pipe, trail)?;
    let name = world.pipe(id).name.clone();
    match world.pipe(id).state {
        PipeState::Disconnected => {
            world.pipe_mut(id).state = PipeState::Listening;
            trail.note(RuleId::NP_3, || {
                format!("the instance of `{name}` was disconnected from its previous client, so it now listens and the call returns TRUE")
            });
            Ok(Success::empty())
        }
        PipeState::Listening => {
            trail.note(RuleId::NP_3, || {
                format!("no client has connected to `{name}` yet: ERROR_PIPE_LISTENING (nonblocking mode)")
            });
            Err(ErrorCode::ERROR_PIPE_LISTENING)
        }
        PipeState::Connected => {
            trail.note(RuleId::NP_3, || {
                format!("a client is connected to `{name}`: ERROR_PIPE_CONNECTED, which servers treat as a good connection")
            });
            Err(ErrorCode::ERROR_PIPE_CONNECTED)
        }
        PipeState::Closing | PipeState::Closed => {
            trail.note(RuleId::NP_3, || {
                format!("the client of `{name}` has closed its end and the server has not disconnected: ERROR_NO_DATA")
            });
            Err(ErrorCode::ERROR_NO_DATA)
        }
    }
}

/// `DisconnectNamedPipe` (NP-6).
pub(super) fn disconnect_named_pipe(
    world: &mut World,
    caller: ThreadId,
    pipe: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_end(world, caller, pipe, trail)?;
    let name = world.pipe(id).name.clone();
    if world.pipe(id).state == PipeState::Disconnected {
        trail.note(RuleId::NP_6, || {
            format!("`{name}` is already disconnected: ERROR_PIPE_NOT_CONNECTED")
        });
        return Err(ErrorCode::ERROR_PIPE_NOT_CONNECTED);
    }
    let p = world.pipe_mut(id);
    p.state = PipeState::Disconnected;
    p.client_qos = None;
    p.static_context = None;
    p.last_read = None;
    p.read_from_client = false;
    p.to_server.clear();
    p.to_client = 0;
    trail.note(RuleId::NP_6, || {
        format!("the client of `{name}` is forced off, unread data is discarded and the captured client context is freed; a thread already impersonating keeps its token")
    });
    Ok(Success::empty())
}

/// Decodes the client's QoS from CreateFile's flags (PIPE-1, PIPE-2, PIPE-3).
fn client_qos(world: &World, flags: u32, trail: &mut Trail) -> Qos {
    if flags & SQOS_PRESENT == 0 {
        let dynamic_effective = !world.settings.readings.alternative(RuleId::OQL_3);
        trail.note(RuleId::PIPE_3, || {
            "the client passes no QoS, so it grants Impersonation level".to_owned()
        });
        trail.note(RuleId::OQL_3, || {
            if dynamic_effective {
                "the sources disagree on the other defaults; the selected reading (dynamic-effective) gives dynamic tracking, effective-only".to_owned()
            } else {
                "the sources disagree on the other defaults; the selected reading (static) gives static tracking, not effective-only".to_owned()
            }
        });
        return Qos {
            level: ImpersonationLevel::Impersonation,
            dynamic: dynamic_effective,
            effective_only: dynamic_effective,
        };
    }
    let bits = (flags >> 16) & 3;
    let level =
        ImpersonationLevel::from_raw(i64::from(bits)).unwrap_or(ImpersonationLevel::Anonymous);
    let level = if bits == 0 {
        if world.settings.readings.alternative(RuleId::OQL_2) {
            trail.note(RuleId::OQL_2, || {
                "SECURITY_SQOS_PRESENT with no level bits: under the selected reading (impersonation) the CreateFile page's default, Impersonation, applies".to_owned()
            });
            ImpersonationLevel::Impersonation
        } else {
            trail.note(RuleId::PIPE_2, || {
                "SECURITY_SQOS_PRESENT with no level bits encodes SECURITY_ANONYMOUS (0)".to_owned()
            });
            trail.note(RuleId::OQL_2, || {
                "the CreateFile page calls Impersonation the default; the selected reading (anonymous) follows the header arithmetic".to_owned()
            });
            level
        }
    } else {
        level
    };
    let qos = Qos {
        level,
        dynamic: flags & CONTEXT_TRACKING != 0,
        effective_only: flags & EFFECTIVE_ONLY != 0,
    };
    trail.note(RuleId::PIPE_1, || {
        format!(
            "SECURITY_SQOS_PRESENT: the client grants {level}, {} tracking, {}effective-only",
            if qos.dynamic { "dynamic" } else { "static" },
            if qos.effective_only { "" } else { "not " }
        )
    });
    qos
}

/// `CreateFile` on a pipe name: the client's open (NP-5, NP-1, PIPE-7, PIPE-8).
pub(super) fn create_file(
    world: &mut World,
    caller: ThreadId,
    name: &Arc<str>,
    access: AccessMask,
    flags: u32,
    trail: &mut Trail,
) -> CallResult {
    let (local_name, smb) = pipe_path(name);
    let name = &Arc::<str>::from(local_name);
    let smb_context = if smb {
        Some(smb_session(world, caller, flags, trail)?)
    } else {
        None
    };
    let instances = live_instances(world, name);
    let Some(first) = instances.first().copied() else {
        trail.note(RuleId::NP_5, || {
            format!("no pipe named `{name}` exists: ERROR_FILE_NOT_FOUND")
        });
        return Err(ErrorCode::ERROR_FILE_NOT_FOUND);
    };
    let subject = match smb_context {
        Some(context) => context.token,
        None => opener_token(world, caller, trail)?,
    };
    let sd = world.pipe(first).sd.clone();
    let wanted = access.without(FILE_CREATE_PIPE_INSTANCE);
    let granted = access_check(world, world.token(subject), &sd, ObjectType::File, wanted, trail).map_err(|r| {
        trail.note(RuleId::NP_5, || format!("the DACL of `{name}` refuses the client, checked before any instance is sought: ERROR_ACCESS_DENIED"));
        r.error
    })?;
    let direction = world.pipe(first).access;
    let conflict = (direction == PipeAccess::Inbound && granted.intersects(FILE_READ_DATA))
        || (direction == PipeAccess::Outbound && granted.intersects(FILE_WRITE_DATA));
    if conflict {
        trail.note(RuleId::NP_1, || {
            format!(
                "`{name}` is {}, and the client asks for the other direction: ERROR_ACCESS_DENIED",
                direction.win32_name()
            )
        });
        return Err(ErrorCode::ERROR_ACCESS_DENIED);
    }
    let Some(id) = instances
        .into_iter()
        .find(|i| world.pipe(*i).state == PipeState::Listening)
    else {
        trail.note(RuleId::NP_5, || {
            format!("every instance of `{name}` is busy: ERROR_PIPE_BUSY")
        });
        return Err(ErrorCode::ERROR_PIPE_BUSY);
    };
    let (qos, static_context) = match smb_context {
        Some(context) => (
            Qos {
                level: context.level,
                dynamic: false,
                effective_only: false,
            },
            Some(context),
        ),
        None => local_open(world, caller, name, flags, trail)?,
    };
    let p = world.pipe_mut(id);
    p.state = PipeState::Connected;
    p.client_qos = Some(qos);
    p.static_context = static_context;
    trail.note(RuleId::HND_3, || {
        format!(
            "the client is connected to `{name}` with {}",
            names(ObjectType::File, granted)
        )
    });
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(process, HandleTarget::PipeClient(id), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}

/// A local client's QoS and, under static tracking, its context captured at open
/// (PIPE-1..3, PIPE-7, PIPE-8).
fn local_open(
    world: &mut World,
    caller: ThreadId,
    name: &str,
    flags: u32,
    trail: &mut Trail,
) -> Result<(Qos, Option<capture::ClientContext>), ErrorCode> {
    let qos = client_qos(world, flags, trail);
    let static_context = if qos.dynamic {
        None
    } else {
        let context = capture::capture(world, caller, qos, trail).inspect_err(|_| {
            trail.note(RuleId::PIPE_8, || {
                "under static tracking the capture happens at open, so CreateFile fails".to_owned()
            });
        })?;
        trail.note(RuleId::PIPE_7, || {
            format!("static tracking: the client's context is captured now, at open, and fixed for the life of this connection to `{name}`")
        });
        Some(context)
    };
    Ok((qos, static_context))
}

/// The local name of a pipe path, and whether the open goes through SMB: `\\.\pipe\x`
/// and a bare `x` are local, `\\localhost\pipe\x` and `\\127.0.0.1\pipe\x` reach this
/// machine's pipe through the SMB redirector and server (PIPE-11).
fn pipe_path(name: &str) -> (&str, bool) {
    let Some(rest) = name.strip_prefix("\\\\") else {
        return (name, false);
    };
    let Some((host, path)) = rest.split_once('\\') else {
        return (name, false);
    };
    let local = path
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("pipe\\"))
        .and_then(|_| path.get(5..));
    match local {
        Some(pipe) if host == "." => (pipe, false),
        Some(pipe) => (pipe, true),
        None => (name, false),
    }
}

/// The identity the SMB server opens the pipe with for this client: its network logon, at
/// the level SMB CREATE carries or, under OQL-5's other reading, Impersonation (PIPE-11,
/// OQL-5, OQM-10).
fn smb_session(
    world: &mut World,
    caller: ThreadId,
    flags: u32,
    trail: &mut Trail,
) -> Result<capture::ClientContext, ErrorCode> {
    let requested = if flags & SQOS_PRESENT != 0 {
        ImpersonationLevel::from_raw(i64::from((flags >> 16) & 3))
            .unwrap_or(ImpersonationLevel::Anonymous)
    } else {
        ImpersonationLevel::Impersonation
    };
    let level = if world.settings.readings.alternative(RuleId::OQL_5) {
        trail.note(RuleId::OQL_5, || {
            format!("under the selected reading (smb-level) the level travels in SMB CREATE: {requested}")
        });
        requested
    } else {
        trail.note(RuleId::OQL_5, || {
            format!("under the selected reading (ignored) the level flags do not reach a remote pipe; the server gets Impersonation, not {requested}")
        });
        ImpersonationLevel::Impersonation
    };
    trail.note(RuleId::PIPE_11, || {
        "the open goes through SMB: the server's side holds the SMB session's logon of the client, captured once (static) at the level SMB CREATE carries".to_owned()
    });
    if flags & SQOS_PRESENT != 0 && flags & CONTEXT_TRACKING != 0 {
        trail.note(RuleId::OQL_10, || {
            "the client asked for dynamic tracking, which with a remote server the pages leave open (a copy, or ReactOS's reference); the server holds the SMB session's logon either way, never the client's own token".to_owned()
        });
    }
    let source = capture::ClientSource::of(world, caller);
    crate::machine::loopback::ntlm(world, &source, level, trail)
}

fn need(
    world: &World,
    handle: HandleRef,
    right: AccessMask,
    what: &str,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    let has = handle.is_some_and(|h| world.handle(h).access.contains(right));
    if has {
        return Ok(());
    }
    trail.note(RuleId::HND_2, || {
        format!(
            "the handle lacks {}, which {what} needs: ERROR_ACCESS_DENIED",
            names(ObjectType::File, right)
        )
    });
    Err(ErrorCode::ERROR_ACCESS_DENIED)
}

/// `WriteFile` of one message (NP-4, PIPE-6, PIPE-8).
pub(super) fn write_file(
    world: &mut World,
    caller: ThreadId,
    handle: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let target = pipe_end(world, caller, handle, trail)?;
    need(world, handle, FILE_WRITE_DATA, "WriteFile", trail)?;
    match target {
        HandleTarget::PipeClient(id) => {
            let name = world.pipe(id).name.clone();
            match world.pipe(id).state {
                PipeState::Connected => {}
                PipeState::Closed => {
                    trail.note(RuleId::NP_4, || {
                        format!("the server of `{name}` has closed its end: ERROR_NO_DATA")
                    });
                    return Err(ErrorCode::ERROR_NO_DATA);
                }
                _ => {
                    trail.note(RuleId::NP_4, || format!("the server disconnected this client of `{name}`: ERROR_PIPE_NOT_CONNECTED"));
                    return Err(ErrorCode::ERROR_PIPE_NOT_CONNECTED);
                }
            }
            let qos = world.pipe(id).client_qos.unwrap_or(Qos {
                level: ImpersonationLevel::Impersonation,
                dynamic: false,
                effective_only: false,
            });
            let context = if qos.dynamic {
                let c = capture::capture(world, caller, qos, trail).inspect_err(|_| {
                    trail.note(RuleId::PIPE_8, || {
                        "under dynamic tracking each write captures the writer's identity, so WriteFile fails".to_owned()
                    });
                })?;
                trail.note(RuleId::PIPE_6, || {
                    format!(
                        "dynamic tracking: the message carries the writer's identity ({}) as it is now",
                        world.name_of(world.token(c.token).user)
                    )
                });
                Some(c)
            } else {
                None
            };
            world.pipe_mut(id).to_server.push(context);
            Ok(Success::empty())
        }
        HandleTarget::PipeServer(id) => {
            let name = world.pipe(id).name.clone();
            match world.pipe(id).state {
                PipeState::Connected => {
                    world.pipe_mut(id).to_client += 1;
                    Ok(Success::empty())
                }
                PipeState::Listening => {
                    trail.note(RuleId::NP_4, || {
                        format!("no client is connected to `{name}`: ERROR_PIPE_LISTENING")
                    });
                    Err(ErrorCode::ERROR_PIPE_LISTENING)
                }
                PipeState::Closing => {
                    trail.note(RuleId::NP_4, || {
                        format!("the client of `{name}` has closed its end: ERROR_NO_DATA")
                    });
                    Err(ErrorCode::ERROR_NO_DATA)
                }
                PipeState::Disconnected | PipeState::Closed => {
                    trail.note(RuleId::NP_4, || {
                        format!("`{name}` is disconnected: ERROR_PIPE_NOT_CONNECTED")
                    });
                    Err(ErrorCode::ERROR_PIPE_NOT_CONNECTED)
                }
            }
        }
        _ => Ok(Success::empty()),
    }
}

/// `ReadFile` of one message (NP-4, PIPE-6).
pub(super) fn read_file(
    world: &mut World,
    caller: ThreadId,
    handle: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let target = pipe_end(world, caller, handle, trail)?;
    need(world, handle, FILE_READ_DATA, "ReadFile", trail)?;
    match target {
        HandleTarget::PipeServer(id) => {
            let name = world.pipe(id).name.clone();
            let state = world.pipe(id).state;
            match state {
                PipeState::Listening => {
                    trail.note(RuleId::NP_4, || {
                        format!("no client is connected to `{name}`: ERROR_PIPE_LISTENING")
                    });
                    return Err(ErrorCode::ERROR_PIPE_LISTENING);
                }
                PipeState::Disconnected | PipeState::Closed => {
                    trail.note(RuleId::NP_4, || {
                        format!("`{name}` is disconnected: ERROR_PIPE_NOT_CONNECTED")
                    });
                    return Err(ErrorCode::ERROR_PIPE_NOT_CONNECTED);
                }
                PipeState::Connected | PipeState::Closing => {}
            }
            if world.pipe(id).to_server.is_empty() {
                return Err(if state == PipeState::Closing {
                    trail.note(RuleId::NP_4, || format!("the client of `{name}` has closed its end and nothing is left to read: ERROR_BROKEN_PIPE"));
                    ErrorCode::ERROR_BROKEN_PIPE
                } else {
                    trail.note(RuleId::NP_4, || {
                        format!("nothing to read on `{name}` (nonblocking): ERROR_NO_DATA")
                    });
                    ErrorCode::ERROR_NO_DATA
                });
            }
            let message = world.pipe_mut(id).to_server.remove(0);
            let p = world.pipe_mut(id);
            p.read_from_client = true;
            if let Some(context) = message {
                p.last_read = Some(context);
                trail.note(RuleId::PIPE_6, || {
                    format!(
                        "the server read a message written by {}: impersonation now follows that writer",
                        world.name_of(world.token(context.token).user)
                    )
                });
            }
            Ok(Success::empty())
        }
        HandleTarget::PipeClient(id) => {
            let name = world.pipe(id).name.clone();
            match world.pipe(id).state {
                PipeState::Connected if world.pipe(id).to_client > 0 => {
                    world.pipe_mut(id).to_client -= 1;
                    Ok(Success::empty())
                }
                PipeState::Connected => {
                    trail.note(RuleId::NP_4, || format!("nothing to read on `{name}` (the client's handle is nonblocking here): ERROR_NO_DATA"));
                    Err(ErrorCode::ERROR_NO_DATA)
                }
                PipeState::Closed => {
                    trail.note(RuleId::NP_4, || {
                        format!("the server of `{name}` has closed its end: ERROR_BROKEN_PIPE")
                    });
                    Err(ErrorCode::ERROR_BROKEN_PIPE)
                }
                _ => {
                    trail.note(RuleId::NP_4, || format!("the server disconnected this client of `{name}`: ERROR_PIPE_NOT_CONNECTED"));
                    Err(ErrorCode::ERROR_PIPE_NOT_CONNECTED)
                }
            }
        }
        _ => Ok(Success::empty()),
    }
}

/// `ImpersonateNamedPipeClient` (PIPE-4, PIPE-5, PIPE-9, OQL-4).
pub(super) fn impersonate_named_pipe_client(
    world: &mut World,
    caller: ThreadId,
    pipe: HandleRef,
    trail: &mut Trail,
) -> CallResult {
    let id = server_end(world, caller, pipe, trail)?;
    let p = world.pipe(id).clone();
    let context = match p.client_qos {
        Some(qos) if qos.dynamic => p.last_read,
        Some(_) => {
            let after_read = world.settings.readings.alternative(RuleId::OQL_4);
            if after_read && !p.read_from_client {
                trail.note(RuleId::OQL_4, || {
                    "under the selected reading (after-read) a static client's context is usable only once the server has read data".to_owned()
                });
                None
            } else {
                if !p.read_from_client {
                    trail.note(RuleId::OQL_4, || {
                        "nothing has been read yet; under the selected reading (at-open) the context captured at open is usable".to_owned()
                    });
                }
                p.static_context
            }
        }
        None => None,
    };
    let Some(context) = context else {
        trail.note(RuleId::PIPE_5, || {
            format!(
                "`{}` holds no client context to impersonate ({}): ERROR_CANNOT_IMPERSONATE",
                p.name,
                match (p.state, p.client_qos) {
                    (PipeState::Connected | PipeState::Closing, Some(q)) if q.dynamic =>
                        "dynamic tracking, and no client message has been read",
                    (PipeState::Connected | PipeState::Closing, Some(_)) =>
                        "static tracking, and no data has been read",
                    _ => "no client is connected",
                }
            )
        });
        return Err(ErrorCode::ERROR_CANNOT_IMPERSONATE);
    };
    trail.note(RuleId::PIPE_9, || {
        format!(
            "the server impersonates the client context of `{}` ({} at {}), through the kernel check",
            p.name,
            world.name_of(world.token(context.token).user),
            context.level
        )
    });
    if context.effective_only {
        trail.note(RuleId::PIPE_10, || {
            "the client asked for effective-only, so the server cannot enable the client's disabled privileges or groups".to_owned()
        });
    } else if p.client_qos.is_some() {
        trail.note(RuleId::PIPE_10, || {
            "the client did not ask for effective-only, so the server may enable the client's disabled privileges".to_owned()
        });
    }
    capture::impersonate(world, caller, context, trail).or_full(trail)?;
    Ok(Success::empty())
}

/// What closing a pipe end does to its instance.
pub(super) fn close_end(world: &mut World, target: HandleTarget) {
    match target {
        HandleTarget::PipeClient(id) => {
            let p = world.pipe_mut(id);
            if p.state == PipeState::Connected {
                p.state = PipeState::Closing;
            }
        }
        HandleTarget::PipeServer(id) => {
            let p = world.pipe_mut(id);
            p.state = PipeState::Closed;
            p.static_context = None;
            p.last_read = None;
        }
        _ => {}
    }
}
