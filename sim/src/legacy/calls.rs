//! The calls a script step may make: each call's arguments (Win32 parameter names without
//! their Hungarian prefix, in snake case), what its `out` binds, and the decoding of its
//! arguments into a model [`Call`].

use std::sync::Arc;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::machine::action::{
    Call, HandleRef, PrivilegeChange, ProcessRef, Qos, RestrictFlags, ThreadRef,
};
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::machine::pipe::{PipeAccess, PipeSecurity};
use tokenhop_model::machine::rights::{AccessMask, ObjectType};

use crate::error::Fault;
use crate::legacy::scope::Scope;
use crate::node::Node;
use crate::reader::{Fields, Read, boolean, entries, index, list, string, word};
use crate::scope::OutKind;
use crate::vocab;

/// One call a step may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSpec {
    /// The Win32 name.
    pub name: &'static str,
    /// Its arguments.
    pub args: &'static [&'static str],
    /// What `out` binds, if the call returns something to name.
    pub out: Option<OutKind>,
    /// Whether `out` must be given (it names a new thread or process).
    pub out_required: bool,
}

const fn spec(name: &'static str, args: &'static [&'static str], out: Option<OutKind>) -> CallSpec {
    CallSpec {
        name,
        args,
        out,
        out_required: false,
    }
}

const fn creating(name: &'static str, args: &'static [&'static str], out: OutKind) -> CallSpec {
    CallSpec {
        name,
        args,
        out: Some(out),
        out_required: true,
    }
}

/// Every call, in the order the README documents them.
pub const CALLS: &[CallSpec] = &[
    spec(
        "OpenProcessToken",
        &["process", "access"],
        Some(OutKind::Handle),
    ),
    spec(
        "OpenThreadToken",
        &["thread", "access", "open_as_self"],
        Some(OutKind::Handle),
    ),
    spec("ImpersonateSelf", &["level"], None),
    spec("DuplicateToken", &["token", "level"], Some(OutKind::Handle)),
    spec(
        "DuplicateTokenEx",
        &["token", "access", "level", "type"],
        Some(OutKind::Handle),
    ),
    spec("SetThreadToken", &["thread", "token"], None),
    spec("ImpersonateLoggedOnUser", &["token"], None),
    spec("ImpersonateAnonymousToken", &["thread"], None),
    spec("RevertToSelf", &[], None),
    spec(
        "LogonUser",
        &["user", "password", "logon_type"],
        Some(OutKind::Handle),
    ),
    spec(
        "GetTokenInformation",
        &["token", "class"],
        Some(OutKind::Handle),
    ),
    spec("SetTokenInformation", &["token", "class", "value"], None),
    spec(
        "AdjustTokenPrivileges",
        &["token", "disable_all", "privileges"],
        None,
    ),
    spec(
        "CreateRestrictedToken",
        &[
            "token",
            "flags",
            "sids_to_disable",
            "privileges_to_delete",
            "sids_to_restrict",
        ],
        Some(OutKind::Handle),
    ),
    spec("AccessCheck", &["object", "token", "access"], None),
    spec(
        "PrivilegeCheck",
        &["token", "privileges", "all_necessary"],
        None,
    ),
    spec("CheckTokenMembership", &["token", "sid"], None),
    spec("OpenObject", &["object", "access"], Some(OutKind::Handle)),
    spec(
        "CreateObject",
        &["name", "type", "access"],
        Some(OutKind::Handle),
    ),
    creating("CreateThread", &[], OutKind::Thread),
    spec("OpenThread", &["thread", "access"], Some(OutKind::Handle)),
    creating("CreateProcess", &[], OutKind::Process),
    creating("CreateProcessAsUser", &["token"], OutKind::Process),
    creating("CreateProcessWithTokenW", &["token"], OutKind::Process),
    spec(
        "NtImpersonateThread",
        &["thread", "client", "level", "tracking", "effective_only"],
        None,
    ),
    spec(
        "CreateNamedPipe",
        &["name", "open_mode", "max_instances", "dacl"],
        Some(OutKind::Handle),
    ),
    spec("ConnectNamedPipe", &["pipe"], None),
    spec("DisconnectNamedPipe", &["pipe"], None),
    spec(
        "CreateFile",
        &["name", "access", "flags"],
        Some(OutKind::Handle),
    ),
    spec("ReadFile", &["handle"], None),
    spec("WriteFile", &["handle"], None),
    spec("ImpersonateNamedPipeClient", &["pipe"], None),
    spec("CloseHandle", &["handle"], None),
    spec("RpcServerUseProtseqEp", &["protseq", "endpoint"], None),
    spec("RpcServerRegisterAuthInfo", &["service"], None),
    spec(
        "RpcBindingFromStringBinding",
        &["string_binding"],
        Some(OutKind::Binding),
    ),
    spec(
        "RpcBindingSetAuthInfoEx",
        &["binding", "level", "service", "qos"],
        None,
    ),
    spec("RpcCall", &["binding", "server"], None),
    spec("RpcReturn", &[], None),
    spec("RpcImpersonateClient", &["binding"], None),
    spec("RpcRevertToSelf", &[], None),
    spec("RpcRevertToSelfEx", &["binding"], None),
    spec("RpcBindingInqAuthClient", &["binding"], None),
    spec("RpcBindingFree", &["binding"], None),
    spec("QuerySecurityPackageInfo", &["package"], None),
    spec(
        "AcquireCredentialsHandle",
        &["package", "use", "user", "password", "certificate"],
        Some(OutKind::Credentials),
    ),
    spec("FreeCredentialsHandle", &["credentials"], None),
    spec(
        "InitializeSecurityContext",
        &["credentials", "context", "input", "flags"],
        Some(OutKind::Context),
    ),
    spec(
        "AcceptSecurityContext",
        &["credentials", "context", "input", "flags"],
        Some(OutKind::Context),
    ),
    spec("ImpersonateSecurityContext", &["context"], None),
    spec("RevertSecurityContext", &["context"], None),
    spec(
        "QuerySecurityContextToken",
        &["context"],
        Some(OutKind::Handle),
    ),
    spec("DeleteSecurityContext", &["context"], None),
    spec("CoInitializeEx", &["concurrency"], None),
    spec(
        "CoInitializeSecurity",
        &["authn_level", "imp_level", "capabilities"],
        None,
    ),
    spec("CoCreateInstance", &["class"], Some(OutKind::Proxy)),
    spec("CoGetObject", &["moniker"], Some(OutKind::Proxy)),
    spec(
        "CoSetProxyBlanket",
        &[
            "proxy",
            "authn_service",
            "authn_level",
            "imp_level",
            "capabilities",
            "auth_info",
        ],
        None,
    ),
    spec("CoQueryProxyBlanket", &["proxy"], None),
    spec("ComCall", &["proxy", "server"], None),
    spec("ComReturn", &[], None),
    spec("ComPlayQueued", &[], None),
    spec("CoImpersonateClient", &[], None),
    spec("CoRevertToSelf", &[], None),
    spec("IsCallerInRole", &["role"], None),
    spec("IsSecurityEnabled", &[], None),
];

/// The spec of `name`, if it is a known call.
#[must_use]
pub fn find(name: &str) -> Option<&'static CallSpec> {
    CALLS.iter().find(|c| c.name == name)
}

const NO_ARGS: &[(Node, Node)] = &[];

/// Decodes the arguments of a call.
pub fn decode(
    spec: &CallSpec,
    args: Option<&Node>,
    path: &str,
    out: Option<&str>,
    scope: &dyn Scope,
) -> Read<Call> {
    let empty = Node {
        kind: crate::node::NodeKind::Map(NO_ARGS.to_vec()),
        span: args.map(|a| a.span).unwrap_or_default(),
    };
    let node = match args {
        Some(n) if n.is_null() => &empty,
        Some(n) => n,
        None => &empty,
    };
    let what = format!("the arguments of {}", spec.name);
    let f = Fields::new(node, path, &what, spec.args)?;
    let a = Args {
        f: &f,
        scope,
        call: spec.name,
    };
    if let Some(rpc) = crate::legacy::rpc_calls::decode(spec.name, &f, scope) {
        return rpc;
    }
    if let Some(sspi) = crate::legacy::sspi_calls::decode(spec.name, &f, out, scope) {
        return sspi;
    }
    if let Some(com) = crate::legacy::com_calls::decode(spec.name, &f, scope) {
        return com;
    }
    let new_name = || -> Arc<str> { Arc::from(out.unwrap_or("")) };
    Ok(match spec.name {
        "OpenProcessToken" => Call::OpenProcessToken {
            process: a.process_opt("process")?,
            access: a.access("access", ObjectType::Token)?,
        },
        "OpenThreadToken" => Call::OpenThreadToken {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadRef::Current),
            access: a.access("access", ObjectType::Token)?,
            open_as_self: a.bool_or("open_as_self", false)?,
        },
        "ImpersonateSelf" => Call::ImpersonateSelf {
            level: a.level("level")?,
        },
        "DuplicateToken" => Call::DuplicateToken {
            token: a.handle("token")?,
            level: a.level("level")?,
        },
        "DuplicateTokenEx" => Call::DuplicateTokenEx {
            token: a.handle("token")?,
            access: match f.get("access") {
                Some(n) => vocab::access(n, &f.path("access"), ObjectType::Token)?,
                None => AccessMask::NONE,
            },
            level: a.level("level")?,
            token_type: vocab::token_type(f.require("type", &what)?, &f.path("type"))?,
        },
        "SetThreadToken" => Call::SetThreadToken {
            thread: a.thread_opt("thread")?,
            token: {
                let n = f.require("token", &what)?;
                if n.is_null() {
                    None
                } else {
                    Some(a.handle("token")?)
                }
            },
        },
        "ImpersonateLoggedOnUser" => Call::ImpersonateLoggedOnUser {
            token: a.handle("token")?,
        },
        "ImpersonateAnonymousToken" => Call::ImpersonateAnonymousToken {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadRef::Current),
        },
        "RevertToSelf" => Call::RevertToSelf,
        "LogonUser" => Call::LogonUser {
            user: a.user("user")?,
            password: match f.get("password") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(n) => Some(Arc::from(string(n, &f.path("password"))?.as_str())),
            },
            logon_type: vocab::logon_type(f.require("logon_type", &what)?, &f.path("logon_type"))?,
        },
        "GetTokenInformation" => Call::GetTokenInformation {
            token: a.handle("token")?,
            class: vocab::info_class(f.require("class", &what)?, &f.path("class"))?,
        },
        "SetTokenInformation" => {
            let class = f.require("class", &what)?;
            word(
                class,
                &f.path("class"),
                "a token information class the model sets",
                &[("TokenIntegrityLevel", ())],
            )?;
            Call::SetTokenInformation {
                token: a.handle("token")?,
                level: vocab::integrity(f.require("value", &what)?, &f.path("value"))?,
            }
        }
        "AdjustTokenPrivileges" => {
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
        "CreateRestrictedToken" => {
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
        "AccessCheck" => {
            let (object, object_type) = a.object("object")?;
            Call::AccessCheck {
                object: object.unwrap_or(ObjectId(u32::MAX)),
                token: a.handle("token")?,
                access: a.access("access", object_type)?,
            }
        }
        "PrivilegeCheck" => Call::PrivilegeCheck {
            token: a.handle("token")?,
            privileges: a.privileges_required("privileges")?,
            all_necessary: a.bool_or("all_necessary", false)?,
        },
        "CheckTokenMembership" => Call::CheckTokenMembership {
            token: match f.get("token") {
                None => None,
                Some(n) if n.is_null() => None,
                Some(_) => Some(a.handle("token")?),
            },
            sid: a.principal("sid")?,
        },
        "OpenObject" => {
            let (object, object_type) = a.object("object")?;
            Call::OpenObject {
                object: object.unwrap_or(ObjectId(u32::MAX)),
                access: a.access("access", object_type)?,
            }
        }
        "CreateObject" => {
            let name = string(f.require("name", &what)?, &f.path("name"))?;
            let object_type = vocab::object_type(f.require("type", &what)?, &f.path("type"))?;
            Call::CreateObject {
                name: Arc::from(name.as_str()),
                object_type,
                access: a.access("access", object_type)?,
            }
        }
        "CreateThread" => Call::CreateThread { name: new_name() },
        "OpenThread" => Call::OpenThread {
            thread: a.thread_id("thread")?,
            access: a.access("access", ObjectType::Thread)?,
        },
        "CreateProcess" => Call::CreateProcess { name: new_name() },
        "CreateProcessAsUser" => Call::CreateProcessAsUser {
            token: a.handle("token")?,
            name: new_name(),
        },
        "CreateProcessWithTokenW" => Call::CreateProcessWithTokenW {
            token: a.handle("token")?,
            name: new_name(),
        },
        "NtImpersonateThread" => Call::NtImpersonateThread {
            thread: a.thread_opt("thread")?.unwrap_or(ThreadRef::Current),
            client: a.thread_required("client")?,
            qos: Qos {
                level: a.level("level")?,
                dynamic: word(
                    f.require("tracking", &what)?,
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
        "CreateNamedPipe" => {
            let name = string(f.require("name", &what)?, &f.path("name"))?;
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
                    &|name| a.scope.principal(name),
                    &|| a.scope.principal_names(),
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
        "ConnectNamedPipe" => Call::ConnectNamedPipe {
            pipe: a.handle("pipe")?,
        },
        "DisconnectNamedPipe" => Call::DisconnectNamedPipe {
            pipe: a.handle("pipe")?,
        },
        "CreateFile" => {
            let name_node = f.require("name", &what)?;
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
        "ReadFile" => Call::ReadFile {
            handle: a.handle("handle")?,
        },
        "WriteFile" => Call::WriteFile {
            handle: a.handle("handle")?,
        },
        "ImpersonateNamedPipeClient" => Call::ImpersonateNamedPipeClient {
            pipe: a.handle("pipe")?,
        },
        "CloseHandle" => Call::CloseHandle {
            handle: a.handle("handle")?,
        },
        other => {
            return Err(Fault::new(
                node.span,
                path,
                format!("`{other}` has no decoder"),
            ));
        }
    })
}

struct Args<'a> {
    f: &'a Fields<'a>,
    scope: &'a dyn Scope,
    call: &'static str,
}

impl Args<'_> {
    fn what(&self) -> String {
        self.call.to_string()
    }

    fn require(&self, key: &str) -> Read<&Node> {
        self.f.require(key, &self.what())
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

    fn handle(&self, key: &str) -> Read<HandleRef> {
        let node = self.require(key)?;
        if node.is_null() {
            return Ok(None);
        }
        let (name, node, path) = self.name(key)?;
        self.scope.handle(&name).ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!("`{name}` is not a handle bound by an earlier step's `out`"),
            )
            .allowing(self.scope.names("handle"))
        })
    }

    fn thread_ref(&self, key: &str, node: &Node) -> Read<ThreadRef> {
        let path = self.f.path(key);
        let name = string(node, &path)?;
        if let Some(t) = self.scope.thread(&name) {
            return Ok(match t {
                Some(id) => ThreadRef::Thread(id),
                None => ThreadRef::Handle(None),
            });
        }
        if let Some(h) = self.scope.handle(&name) {
            return Ok(ThreadRef::Handle(h));
        }
        let mut allowed = self.scope.names("thread");
        allowed.extend(self.scope.names("handle"));
        Err(Fault::new(
            node.span,
            path,
            format!("`{name}` is neither a thread nor a handle"),
        )
        .allowing(allowed))
    }

    fn thread_opt(&self, key: &str) -> Read<Option<ThreadRef>> {
        match self.f.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => self.thread_ref(key, n).map(Some),
        }
    }

    fn thread_required(&self, key: &str) -> Read<ThreadRef> {
        let node = self.require(key)?;
        self.thread_ref(key, node)
    }

    fn thread_id(&self, key: &str) -> Read<ThreadId> {
        let (name, node, path) = self.name(key)?;
        match self.scope.thread(&name) {
            Some(id) => Ok(id.unwrap_or(ThreadId(u32::MAX))),
            None => Err(Fault::new(
                node.span,
                path,
                format!("`{name}` is not a thread of the scenario"),
            )
            .allowing(self.scope.names("thread"))),
        }
    }

    fn process_opt(&self, key: &str) -> Read<ProcessRef> {
        match self.f.get(key) {
            None => Ok(ProcessRef::Current),
            Some(n) if n.is_null() => Ok(ProcessRef::Current),
            Some(_) => {
                let (name, node, path) = self.name(key)?;
                match self.scope.process(&name) {
                    Some(p) => Ok(ProcessRef::Process(p.unwrap_or(ProcessId(u32::MAX)))),
                    None => Err(Fault::new(
                        node.span,
                        path,
                        format!("`{name}` is not a process of the scenario"),
                    )
                    .allowing(self.scope.names("process"))),
                }
            }
        }
    }

    fn object(&self, key: &str) -> Read<(Option<ObjectId>, ObjectType)> {
        let (name, node, path) = self.name(key)?;
        self.scope.object(&name).ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!("`{name}` is not an object of the scenario"),
            )
            .allowing(self.scope.names("object"))
        })
    }

    fn principal(&self, key: &str) -> Read<PrincipalId> {
        let (name, node, path) = self.name(key)?;
        principal(self.scope, &name, node, &path)
    }

    fn user(&self, key: &str) -> Read<PrincipalId> {
        let (name, node, path) = self.name(key)?;
        self.scope.user(&name).ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!("`{name}` is not a user of the machine"),
            )
            .allowing(self.scope.names("user"))
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
                principal(self.scope, &name, item, &p)
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

/// A principal named in a scenario.
pub fn principal(scope: &dyn Scope, name: &str, node: &Node, path: &str) -> Read<PrincipalId> {
    scope.principal(name).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{name}` is not a user, group or well-known principal of the scenario"),
        )
        .allowing(scope.principal_names())
    })
}
