//! The table of what a script step may call: for each [`CallKind`], its arguments (Win32
//! parameter names without their Hungarian prefix, in snake case), what its `out` binds,
//! and its decoder, which reads the arguments once, as the script loads, into a typed
//! [`StepCall`]. The token, thread, process, object and pipe calls are decoded here; the
//! RPC, SSPI and COM calls in their own modules.

use std::sync::Arc;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{Call, CallKind, PrivilegeChange, Qos, RestrictFlags};
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ThreadId};
use tokenhop_model::machine::pipe::{PipeAccess, PipeSecurity};
use tokenhop_model::machine::rights::{AccessMask, ObjectType};

use crate::error::Fault;
use crate::node::{Node, NodeKind};
use crate::reader::{Fields, Read, boolean, entries, index, list, string, word};
use crate::refs::{Made, Named, ProcessArg, StepCall, ThreadArg};
use crate::scope::{Listed, Names, OutKind};
use crate::vocab;
use crate::{com_calls, rpc_calls, sspi_calls};

/// Reads a call's arguments into a typed call.
pub type Decoder = fn(CallKind, &Args<'_>) -> Read<StepCall>;

/// What a step may do with one call.
#[derive(Clone, Copy, Debug)]
pub struct CallSpec {
    /// Its arguments.
    pub args: &'static [&'static str],
    /// What `out` binds, if the call returns something to name.
    pub out: Option<OutKind>,
    /// Whether `out` must be given (it names a new thread or process).
    pub out_required: bool,
    /// Its decoder.
    pub decode: Decoder,
}

const fn spec(args: &'static [&'static str], out: Option<OutKind>, decode: Decoder) -> CallSpec {
    CallSpec {
        args,
        out,
        out_required: false,
        decode,
    }
}

const fn creating(args: &'static [&'static str], out: OutKind, decode: Decoder) -> CallSpec {
    CallSpec {
        args,
        out: Some(out),
        out_required: true,
        decode,
    }
}

/// The spec of every call: one row per [`CallKind`].
#[must_use]
pub fn spec_of(kind: CallKind) -> CallSpec {
    use CallKind as K;
    match kind {
        K::OpenProcessToken => spec(&["process", "access"], Some(OutKind::Handle), tokens),
        K::OpenThreadToken => spec(
            &["thread", "access", "open_as_self"],
            Some(OutKind::Handle),
            tokens,
        ),
        K::ImpersonateSelf => spec(&["level"], None, tokens),
        K::DuplicateToken => spec(&["token", "level"], Some(OutKind::Handle), tokens),
        K::DuplicateTokenEx => spec(
            &["token", "access", "level", "type"],
            Some(OutKind::Handle),
            tokens,
        ),
        K::SetThreadToken => spec(&["thread", "token"], None, tokens),
        K::ImpersonateLoggedOnUser => spec(&["token"], None, tokens),
        K::ImpersonateAnonymousToken => spec(&["thread"], None, tokens),
        K::RevertToSelf => spec(&[], None, tokens),
        K::LogonUser => spec(
            &["user", "password", "logon_type"],
            Some(OutKind::Handle),
            tokens,
        ),
        K::GetTokenInformation => spec(&["token", "class"], Some(OutKind::Handle), tokens),
        K::SetTokenInformation => spec(&["token", "class", "value"], None, tokens),
        K::AdjustTokenPrivileges => spec(&["token", "disable_all", "privileges"], None, checks),
        K::CreateRestrictedToken => spec(
            &[
                "token",
                "flags",
                "sids_to_disable",
                "privileges_to_delete",
                "sids_to_restrict",
            ],
            Some(OutKind::Handle),
            checks,
        ),
        K::AccessCheck => spec(&["object", "token", "access"], None, checks),
        K::PrivilegeCheck => spec(&["token", "privileges", "all_necessary"], None, checks),
        K::CheckTokenMembership => spec(&["token", "sid"], None, checks),
        K::OpenObject => spec(&["object", "access"], Some(OutKind::Handle), objects),
        K::CreateObject => spec(&["name", "type", "access"], Some(OutKind::Handle), objects),
        K::CreateThread => creating(&[], OutKind::Thread, objects),
        K::OpenThread => spec(&["thread", "access"], Some(OutKind::Handle), objects),
        K::CreateProcess => creating(&[], OutKind::Process, objects),
        K::CreateProcessAsUser => creating(&["token"], OutKind::Process, objects),
        K::CreateProcessWithTokenW => creating(&["token"], OutKind::Process, objects),
        K::NtImpersonateThread => spec(
            &["thread", "client", "level", "tracking", "effective_only"],
            None,
            objects,
        ),
        K::CreateNamedPipe => spec(
            &["name", "open_mode", "max_instances", "dacl"],
            Some(OutKind::Handle),
            pipes,
        ),
        K::ConnectNamedPipe => spec(&["pipe"], None, pipes),
        K::DisconnectNamedPipe => spec(&["pipe"], None, pipes),
        K::CreateFile => spec(&["name", "access", "flags"], Some(OutKind::Handle), pipes),
        K::ReadFile => spec(&["handle"], None, pipes),
        K::WriteFile => spec(&["handle"], None, pipes),
        K::ImpersonateNamedPipeClient => spec(&["pipe"], None, pipes),
        K::CloseHandle => spec(&["handle"], None, pipes),
        K::RpcServerUseProtseqEp => spec(&["protseq", "endpoint"], None, rpc_calls::decode),
        K::RpcServerRegisterAuthInfo => spec(&["service"], None, rpc_calls::decode),
        K::RpcBindingFromStringBinding => spec(
            &["string_binding"],
            Some(OutKind::Binding),
            rpc_calls::decode,
        ),
        K::RpcBindingSetAuthInfoEx => spec(
            &["binding", "level", "service", "qos"],
            None,
            rpc_calls::decode,
        ),
        K::RpcCall => spec(&["binding", "server"], None, rpc_calls::decode),
        K::RpcReturn => spec(&[], None, rpc_calls::decode),
        K::RpcImpersonateClient => spec(&["binding"], None, rpc_calls::decode),
        K::RpcRevertToSelf => spec(&[], None, rpc_calls::decode),
        K::RpcRevertToSelfEx => spec(&["binding"], None, rpc_calls::decode),
        K::RpcBindingInqAuthClient => spec(&["binding"], None, rpc_calls::decode),
        K::RpcBindingFree => spec(&["binding"], None, rpc_calls::decode),
        K::QuerySecurityPackageInfo => spec(&["package"], None, sspi_calls::decode),
        K::AcquireCredentialsHandle => spec(
            &["package", "use", "user", "password", "certificate"],
            Some(OutKind::Credentials),
            sspi_calls::decode,
        ),
        K::FreeCredentialsHandle => spec(&["credentials"], None, sspi_calls::decode),
        K::InitializeSecurityContext => spec(
            &["credentials", "context", "input", "flags"],
            Some(OutKind::Context),
            sspi_calls::decode,
        ),
        K::AcceptSecurityContext => spec(
            &["credentials", "context", "input", "flags"],
            Some(OutKind::Context),
            sspi_calls::decode,
        ),
        K::ImpersonateSecurityContext => spec(&["context"], None, sspi_calls::decode),
        K::RevertSecurityContext => spec(&["context"], None, sspi_calls::decode),
        K::QuerySecurityContextToken => {
            spec(&["context"], Some(OutKind::Handle), sspi_calls::decode)
        }
        K::DeleteSecurityContext => spec(&["context"], None, sspi_calls::decode),
        K::CoInitializeEx => spec(&["concurrency"], None, com_calls::decode),
        K::CoInitializeSecurity => spec(
            &["authn_level", "imp_level", "capabilities"],
            None,
            com_calls::decode,
        ),
        K::CoCreateInstance => spec(&["class"], Some(OutKind::Proxy), com_calls::decode),
        K::CoGetObject => spec(&["moniker"], Some(OutKind::Proxy), com_calls::decode),
        K::CoSetProxyBlanket => spec(
            &[
                "proxy",
                "authn_service",
                "authn_level",
                "imp_level",
                "capabilities",
                "auth_info",
            ],
            None,
            com_calls::decode,
        ),
        K::CoQueryProxyBlanket => spec(&["proxy"], None, com_calls::decode),
        K::ComCall => spec(&["proxy", "server"], None, com_calls::decode),
        K::ComReturn => spec(&[], None, com_calls::decode),
        K::ComPlayQueued => spec(&[], None, com_calls::decode),
        K::CoImpersonateClient => spec(&[], None, com_calls::decode),
        K::CoRevertToSelf => spec(&[], None, com_calls::decode),
        K::IsCallerInRole => spec(&["role"], None, com_calls::decode),
        K::IsSecurityEnabled => spec(&[], None, com_calls::decode),
    }
}

const NO_ARGS: &[(Node, Node)] = &[];

/// Decodes the arguments (`args`, at `path`) of a call of `kind`; `out` is the name the
/// step binds, and `names` what the script has named so far.
pub fn decode(
    kind: CallKind,
    args: Option<&Node>,
    path: &str,
    out: Option<&str>,
    names: &Names<'_>,
) -> Read<StepCall> {
    let empty = Node {
        kind: NodeKind::Map(NO_ARGS.to_vec()),
        span: args.map(|a| a.span).unwrap_or_default(),
    };
    let node = match args {
        Some(n) if n.is_null() => &empty,
        Some(n) => n,
        None => &empty,
    };
    let spec = spec_of(kind);
    let what = format!("the arguments of {}", kind.name());
    let f = Fields::new(node, path, &what, spec.args)?;
    let a = Args {
        f: &f,
        names,
        call: kind.name(),
        what,
        out,
    };
    (spec.decode)(kind, &a)
}

/// Token calls: opening, duplicating, impersonating, logging on, querying.
fn tokens(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what) = (a.f, &a.what);
    Ok(match kind {
        K::OpenProcessToken => Call::OpenProcessToken {
            process: a.process_opt("process")?,
            access: a.access("access", ObjectType::Token)?,
        },
        K::OpenThreadToken => Call::OpenThreadToken {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadArg::Current),
            access: a.access("access", ObjectType::Token)?,
            open_as_self: a.bool_or("open_as_self", false)?,
        },
        K::ImpersonateSelf => Call::ImpersonateSelf {
            level: a.level("level")?,
        },
        K::DuplicateToken => Call::DuplicateToken {
            token: a.handle("token")?,
            level: a.level("level")?,
        },
        K::DuplicateTokenEx => Call::DuplicateTokenEx {
            token: a.handle("token")?,
            access: match f.get("access") {
                Some(n) => vocab::access(n, &f.path("access"), ObjectType::Token)?,
                None => AccessMask::NONE,
            },
            level: a.level("level")?,
            token_type: vocab::token_type(f.require("type", what)?, &f.path("type"))?,
        },
        K::SetThreadToken => Call::SetThreadToken {
            thread: a.thread_opt("thread")?,
            token: {
                let n = f.require("token", what)?;
                if n.is_null() {
                    None
                } else {
                    Some(a.handle("token")?)
                }
            },
        },
        K::ImpersonateLoggedOnUser => Call::ImpersonateLoggedOnUser {
            token: a.handle("token")?,
        },
        K::ImpersonateAnonymousToken => Call::ImpersonateAnonymousToken {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadArg::Current),
        },
        K::RevertToSelf => Call::RevertToSelf,
        K::LogonUser => Call::LogonUser {
            user: a.user("user")?,
            password: match f.get("password") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => Some(Arc::from(string(n, &f.path("password"))?.as_str())),
            },
            logon_type: vocab::logon_type(f.require("logon_type", what)?, &f.path("logon_type"))?,
        },
        K::GetTokenInformation => Call::GetTokenInformation {
            token: a.handle("token")?,
            class: vocab::info_class(f.require("class", what)?, &f.path("class"))?,
        },
        K::SetTokenInformation => {
            let class = f.require("class", what)?;
            word(
                class,
                &f.path("class"),
                "a token information class the model sets",
                &[("TokenIntegrityLevel", ())],
            )?;
            Call::SetTokenInformation {
                token: a.handle("token")?,
                level: vocab::integrity(f.require("value", what)?, &f.path("value"))?,
            }
        }
        other => return Err(a.no_decoder(other)),
    })
}

/// Privileges, restricted tokens and the access, privilege and membership checks.
fn checks(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let f = a.f;
    Ok(match kind {
        K::AdjustTokenPrivileges => {
            let mut changes = Vec::new();
            if let Some(n) = f.get("privileges") {
                for (name, key, value) in entries(n, &f.path("privileges"))? {
                    let p = crate::reader::join(&f.path("privileges"), &name);
                    let privilege = vocab::privilege_key(&name, key, &p)?;
                    let change = word(
                        value,
                        &p,
                        "a privilege attribute",
                        &[
                            ("enabled", PrivilegeChange::Enable),
                            ("SE_PRIVILEGE_ENABLED", PrivilegeChange::Enable),
                            ("disabled", PrivilegeChange::Disable),
                            ("0", PrivilegeChange::Disable),
                            ("removed", PrivilegeChange::Remove),
                            ("SE_PRIVILEGE_REMOVED", PrivilegeChange::Remove),
                        ],
                    )?;
                    changes.push((privilege, change));
                }
            }
            Call::AdjustTokenPrivileges {
                token: a.handle("token")?,
                disable_all: a.bool_or("disable_all", false)?,
                changes,
            }
        }
        K::CreateRestrictedToken => {
            let mut flags = RestrictFlags::default();
            if let Some(n) = f.get("flags") {
                for (i, item) in list(n, &f.path("flags"))?.iter().enumerate() {
                    let which = word(
                        item,
                        &index(&f.path("flags"), i),
                        "a CreateRestrictedToken flag the model supports",
                        &[("DISABLE_MAX_PRIVILEGE", 0u8), ("WRITE_RESTRICTED", 1u8)],
                    )?;
                    match which {
                        0 => flags.disable_max_privilege = true,
                        _ => flags.write_restricted = true,
                    }
                }
            }
            Call::CreateRestrictedToken {
                token: a.handle("token")?,
                flags,
                disable_sids: a.principals_or_empty("sids_to_disable")?,
                delete_privileges: a.privileges_or_empty("privileges_to_delete")?,
                restrict_sids: a.principals_or_empty("sids_to_restrict")?,
            }
        }
        K::AccessCheck => {
            let (object, object_type) = a.object("object")?;
            Call::AccessCheck {
                object,
                token: a.handle("token")?,
                access: a.access("access", object_type)?,
            }
        }
        K::PrivilegeCheck => Call::PrivilegeCheck {
            token: a.handle("token")?,
            privileges: a.privileges_required("privileges")?,
            all_necessary: a.bool_or("all_necessary", false)?,
        },
        K::CheckTokenMembership => Call::CheckTokenMembership {
            token: match f.get("token") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(_) => Some(a.handle("token")?),
            },
            sid: a.principal("sid")?,
        },
        other => return Err(a.no_decoder(other)),
    })
}

/// Objects, threads and processes.
fn objects(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what) = (a.f, &a.what);
    Ok(match kind {
        K::OpenObject => {
            let (object, object_type) = a.object("object")?;
            Call::OpenObject {
                object,
                access: a.access("access", object_type)?,
            }
        }
        K::CreateObject => {
            let name = string(f.require("name", what)?, &f.path("name"))?;
            let object_type = vocab::object_type(f.require("type", what)?, &f.path("type"))?;
            Call::CreateObject {
                name: Arc::from(name.as_str()),
                object_type,
                access: a.access("access", object_type)?,
            }
        }
        K::CreateThread => Call::CreateThread { name: a.new_name() },
        K::OpenThread => Call::OpenThread {
            thread: a.thread_id("thread")?,
            access: a.access("access", ObjectType::Thread)?,
        },
        K::CreateProcess => Call::CreateProcess { name: a.new_name() },
        K::CreateProcessAsUser => Call::CreateProcessAsUser {
            token: a.handle("token")?,
            name: a.new_name(),
        },
        K::CreateProcessWithTokenW => Call::CreateProcessWithTokenW {
            token: a.handle("token")?,
            name: a.new_name(),
        },
        K::NtImpersonateThread => Call::NtImpersonateThread {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadArg::Current),
            client: a.thread_required("client")?,
            qos: Qos {
                level: a.level("level")?,
                dynamic: word(
                    f.require("tracking", what)?,
                    &f.path("tracking"),
                    "a context tracking mode",
                    &[
                        ("SECURITY_STATIC_TRACKING", false),
                        ("static", false),
                        ("SECURITY_DYNAMIC_TRACKING", true),
                        ("dynamic", true),
                    ],
                )?,
                effective_only: a.bool_or("effective_only", false)?,
            },
        },
        other => return Err(a.no_decoder(other)),
    })
}

/// Named pipes and handles.
fn pipes(kind: CallKind, a: &Args<'_>) -> Read<StepCall> {
    use CallKind as K;
    let (f, what) = (a.f, &a.what);
    Ok(match kind {
        K::CreateNamedPipe => {
            let name = string(f.require("name", what)?, &f.path("name"))?;
            let mut access = None;
            let mut first_instance = false;
            if let Some(n) = f.get("open_mode") {
                let base = f.path("open_mode");
                for (i, item) in list(n, &base)?.iter().enumerate() {
                    let flag = word(
                        item,
                        &index(&base, i),
                        "an open mode",
                        &[
                            ("PIPE_ACCESS_INBOUND", Some(PipeAccess::Inbound)),
                            ("PIPE_ACCESS_OUTBOUND", Some(PipeAccess::Outbound)),
                            ("PIPE_ACCESS_DUPLEX", Some(PipeAccess::Duplex)),
                            ("FILE_FLAG_FIRST_PIPE_INSTANCE", None),
                        ],
                    )?;
                    match flag {
                        Some(a) => access = Some(a),
                        None => first_instance = true,
                    }
                }
            }
            let max_instances = match f.get("max_instances") {
                None => 255,
                Some(n) => match &n.kind {
                    crate::node::NodeKind::Int(i) => *i,
                    _ => word(
                        n,
                        &f.path("max_instances"),
                        "an instance count",
                        &[("PIPE_UNLIMITED_INSTANCES", 255i64)],
                    )?,
                },
            };
            let security = match f.get("dacl") {
                None => PipeSecurity::Default,
                Some(n) if n.is_null() => PipeSecurity::NullDacl,
                Some(n) => PipeSecurity::Dacl(vocab::dacl(
                    n,
                    &f.path("dacl"),
                    ObjectType::File,
                    &|name| a.names.principal(name),
                    &|| a.names.principal_names(),
                )?),
            };
            Call::CreateNamedPipe {
                name: Arc::from(name.as_str()),
                access: access.unwrap_or(PipeAccess::Duplex),
                first_instance,
                max_instances,
                security,
            }
        }
        K::ConnectNamedPipe => Call::ConnectNamedPipe {
            pipe: a.handle("pipe")?,
        },
        K::DisconnectNamedPipe => Call::DisconnectNamedPipe {
            pipe: a.handle("pipe")?,
        },
        K::CreateFile => {
            let name_node = f.require("name", what)?;
            let name = string(name_node, &f.path("name"))?;
            if let Some(rest) = name.strip_prefix("\\\\") {
                let host = rest.split('\\').next().unwrap_or_default();
                let local = [".", "localhost", "127.0.0.1"];
                if !local.iter().any(|l| l.eq_ignore_ascii_case(host)) {
                    return Err(Fault::new(
                        name_node.span,
                        f.path("name"),
                        format!(
                            "`{host}` is another machine; a script runs on one machine (\\\\.\\pipe\\name, or \\\\localhost\\pipe\\name through SMB)"
                        ),
                    ));
                }
            }
            let mut flags = 0u32;
            if let Some(n) = f.get("flags") {
                let base = f.path("flags");
                for (i, item) in list(n, &base)?.iter().enumerate() {
                    flags |= word(
                        item,
                        &index(&base, i),
                        "a security quality-of-service flag",
                        &[
                            ("SECURITY_SQOS_PRESENT", 0x0010_0000u32),
                            ("SECURITY_ANONYMOUS", 0x0000_0000),
                            ("SECURITY_IDENTIFICATION", 0x0001_0000),
                            ("SECURITY_IMPERSONATION", 0x0002_0000),
                            ("SECURITY_DELEGATION", 0x0003_0000),
                            ("SECURITY_CONTEXT_TRACKING", 0x0004_0000),
                            ("SECURITY_EFFECTIVE_ONLY", 0x0008_0000),
                        ],
                    )?;
                }
            }
            Call::CreateFile {
                name: Arc::from(name.as_str()),
                access: a.access("access", ObjectType::File)?,
                flags,
            }
        }
        K::ReadFile => Call::ReadFile {
            handle: a.handle("handle")?,
        },
        K::WriteFile => Call::WriteFile {
            handle: a.handle("handle")?,
        },
        K::ImpersonateNamedPipeClient => Call::ImpersonateNamedPipeClient {
            pipe: a.handle("pipe")?,
        },
        K::CloseHandle => Call::CloseHandle {
            handle: a.handle("handle")?,
        },
        other => return Err(a.no_decoder(other)),
    })
}

/// A call's arguments being read, with what the script has named so far.
pub struct Args<'a> {
    /// The arguments.
    pub f: &'a Fields<'a>,
    /// The names in scope.
    pub names: &'a Names<'a>,
    /// The call's name.
    pub call: &'static str,
    /// `the arguments of <call>`, for messages.
    pub what: String,
    /// The name the step binds with `out`.
    pub out: Option<&'a str>,
}

impl Args<'_> {
    /// The error for a call this decoder does not read (a table row naming the wrong one).
    pub fn no_decoder(&self, kind: CallKind) -> Fault {
        Fault::new(
            self.f.node().span,
            self.f.base(),
            format!("`{}` has no decoder", kind.name()),
        )
    }

    /// The name of the thread or process the call creates: the step's `out`.
    fn new_name(&self) -> Arc<str> {
        Arc::from(self.out.unwrap_or(""))
    }

    fn require(&self, key: &str) -> Read<&Node> {
        self.f.require(key, self.call)
    }

    fn name(&self, key: &str) -> Read<(String, &Node, String)> {
        let node = self.require(key)?;
        let path = self.f.path(key);
        let text = string(node, &path)?;
        Ok((text, node, path))
    }

    fn access(&self, key: &str, object_type: ObjectType) -> Read<AccessMask> {
        vocab::access(self.require(key)?, &self.f.path(key), object_type)
    }

    fn level(&self, key: &str) -> Read<ImpersonationLevel> {
        vocab::level(self.require(key)?, &self.f.path(key))
    }

    fn bool_or(&self, key: &str, default: bool) -> Read<bool> {
        match self.f.get(key) {
            Some(n) => boolean(n, &self.f.path(key)),
            None => Ok(default),
        }
    }

    /// A handle an earlier step bound (`null`: NULL).
    fn handle(&self, key: &str) -> Read<Option<Made>> {
        let node = self.require(key)?;
        if node.is_null() {
            return Ok(None);
        }
        let (name, node, path) = self.name(key)?;
        self.names
            .bound(&name, OutKind::Handle)
            .map(Some)
            .ok_or_else(|| {
                Fault::new(
                    node.span,
                    path,
                    format!("`{name}` is not a handle bound by an earlier step's `out`"),
                )
                .allowing(self.names.names(Listed::Bound(OutKind::Handle)))
            })
    }

    fn thread_ref(&self, key: &str, node: &Node) -> Read<ThreadArg> {
        let path = self.f.path(key);
        let name = string(node, &path)?;
        if let Some(t) = self.names.thread(&name) {
            return Ok(ThreadArg::Thread(t));
        }
        if let Some(h) = self.names.bound(&name, OutKind::Handle) {
            return Ok(ThreadArg::Handle(Some(h)));
        }
        let mut allowed = self.names.names(Listed::Threads);
        allowed.extend(self.names.names(Listed::Bound(OutKind::Handle)));
        Err(Fault::new(
            node.span,
            path,
            format!("`{name}` is neither a thread nor a handle"),
        )
        .allowing(allowed))
    }

    fn thread_opt(&self, key: &str) -> Read<Option<ThreadArg>> {
        match self.f.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => self.thread_ref(key, n).map(Some),
        }
    }

    fn thread_required(&self, key: &str) -> Read<ThreadArg> {
        let node = self.require(key)?;
        self.thread_ref(key, node)
    }

    fn thread_id(&self, key: &str) -> Read<Named<ThreadId>> {
        let (name, node, path) = self.name(key)?;
        thread_named(self.names, &name, node, &path)
    }

    fn process_opt(&self, key: &str) -> Read<ProcessArg> {
        match self.f.get(key) {
            None => Ok(ProcessArg::Current),
            Some(n) if n.is_null() => Ok(ProcessArg::Current),
            Some(_) => {
                let (name, node, path) = self.name(key)?;
                match self.names.process(&name) {
                    Some(p) => Ok(ProcessArg::Process(p)),
                    None => Err(Fault::new(
                        node.span,
                        path,
                        format!("`{name}` is not a process of the scenario"),
                    )
                    .allowing(self.names.names(Listed::Processes))),
                }
            }
        }
    }

    fn object(&self, key: &str) -> Read<(Named<ObjectId>, ObjectType)> {
        let (name, node, path) = self.name(key)?;
        self.names.object(&name).ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!("`{name}` is not an object of the scenario"),
            )
            .allowing(self.names.names(Listed::Objects))
        })
    }

    fn principal(&self, key: &str) -> Read<PrincipalId> {
        let (name, node, path) = self.name(key)?;
        principal(self.names, &name, node, &path)
    }

    fn user(&self, key: &str) -> Read<PrincipalId> {
        let (name, node, path) = self.name(key)?;
        self.names.user(&name).ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!("`{name}` is not a user of the machine"),
            )
            .allowing(self.names.names(Listed::Users))
        })
    }

    fn principals_or_empty(&self, key: &str) -> Read<Vec<PrincipalId>> {
        let Some(node) = self.f.get(key) else {
            return Ok(Vec::new());
        };
        let path = self.f.path(key);
        list(node, &path)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let p = index(&path, i);
                let name = string(item, &p)?;
                principal(self.names, &name, item, &p)
            })
            .collect()
    }

    fn privileges_or_empty(
        &self,
        key: &str,
    ) -> Read<Vec<tokenhop_model::machine::privilege::Privilege>> {
        let Some(node) = self.f.get(key) else {
            return Ok(Vec::new());
        };
        let path = self.f.path(key);
        list(node, &path)?
            .iter()
            .enumerate()
            .map(|(i, item)| vocab::privilege(item, &index(&path, i)))
            .collect()
    }

    fn privileges_required(
        &self,
        key: &str,
    ) -> Read<Vec<tokenhop_model::machine::privilege::Privilege>> {
        self.require(key)?;
        self.privileges_or_empty(key)
    }
}

/// A thread named by `name` (at `node`, `path`): declared, or made by an earlier step.
pub fn thread_named(
    names: &Names<'_>,
    name: &str,
    node: &Node,
    path: &str,
) -> Read<Named<ThreadId>> {
    names.thread(name).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{name}` is not a thread of the scenario"),
        )
        .allowing(names.names(Listed::Threads))
    })
}

/// A principal named in a scenario.
pub fn principal(names: &Names<'_>, name: &str, node: &Node, path: &str) -> Read<PrincipalId> {
    names.principal(name).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{name}` is not a user, group or well-known principal of the scenario"),
        )
        .allowing(names.principal_names())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tokenhop_model::machine::settings::Settings;
    use tokenhop_model::machine::setup::Setup;

    use super::*;

    /// Every call of the model's table has a row here whose decoder reads that call: with no
    /// arguments it either decodes to a call of that kind or asks for an argument.
    #[test]
    fn every_call_has_a_decoder_of_its_own() {
        let setup = Setup::new(Settings::default());
        let names = Names::new(
            setup.world(),
            HashMap::new(),
            HashMap::new(),
            HashMap::new(),
        );
        for kind in CallKind::ALL {
            match decode(*kind, None, "args", Some("new"), &names) {
                Ok(call) => assert_eq!(call.kind(), *kind),
                Err(fault) => assert!(
                    !fault.to_string().contains("has no decoder"),
                    "{}: {fault}",
                    kind.name()
                ),
            }
        }
    }
}
