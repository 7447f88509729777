//! COM and COM+ on one machine: apartments, each process's security defaults, the classes
//! and COM+ applications a script declares, proxies with their blankets and cloaking,
//! calls in progress with their security call context, and queued-component messages
//! (COM-*, COMA-*). The behaviour lives in the `calls::com_*` modules.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::capture::{ClientContext, ClientSource};
use crate::machine::ids::{PrincipalId, ProcessId, ProxyId, ThreadId, TokenId};
use crate::machine::table::{self, Table, TableFull};
use crate::machine::world::Impersonation;

/// `EOAC_*` capability flags.
pub mod eoac {
    /// `EOAC_MUTUAL_AUTH`.
    pub const MUTUAL_AUTH: u32 = 0x1;
    /// `EOAC_SECURE_REFS`.
    pub const SECURE_REFS: u32 = 0x2;
    /// `EOAC_ACCESS_CONTROL`.
    pub const ACCESS_CONTROL: u32 = 0x4;
    /// `EOAC_APPID`.
    pub const APPID: u32 = 0x8;
    /// `EOAC_DYNAMIC`.
    pub const DYNAMIC: u32 = 0x10;
    /// `EOAC_STATIC_CLOAKING`.
    pub const STATIC_CLOAKING: u32 = 0x20;
    /// `EOAC_DYNAMIC_CLOAKING`.
    pub const DYNAMIC_CLOAKING: u32 = 0x40;
    /// `EOAC_ANY_AUTHORITY`.
    pub const ANY_AUTHORITY: u32 = 0x80;
    /// `EOAC_MAKE_FULLSIC`.
    pub const MAKE_FULLSIC: u32 = 0x100;
    /// `EOAC_REQUIRE_FULLSIC`.
    pub const REQUIRE_FULLSIC: u32 = 0x200;
    /// `EOAC_DEFAULT`.
    pub const DEFAULT: u32 = 0x800;
    /// `EOAC_DISABLE_AAA`.
    pub const DISABLE_AAA: u32 = 0x1000;
    /// `EOAC_NO_CUSTOM_MARSHAL`.
    pub const NO_CUSTOM_MARSHAL: u32 = 0x2000;

    /// Every flag a script may name.
    pub const NAMES: &[(u32, &str)] = &[
        (MUTUAL_AUTH, "EOAC_MUTUAL_AUTH"),
        (SECURE_REFS, "EOAC_SECURE_REFS"),
        (ACCESS_CONTROL, "EOAC_ACCESS_CONTROL"),
        (APPID, "EOAC_APPID"),
        (DYNAMIC, "EOAC_DYNAMIC"),
        (STATIC_CLOAKING, "EOAC_STATIC_CLOAKING"),
        (DYNAMIC_CLOAKING, "EOAC_DYNAMIC_CLOAKING"),
        (ANY_AUTHORITY, "EOAC_ANY_AUTHORITY"),
        (MAKE_FULLSIC, "EOAC_MAKE_FULLSIC"),
        (REQUIRE_FULLSIC, "EOAC_REQUIRE_FULLSIC"),
        (DEFAULT, "EOAC_DEFAULT"),
        (DISABLE_AAA, "EOAC_DISABLE_AAA"),
        (NO_CUSTOM_MARSHAL, "EOAC_NO_CUSTOM_MARSHAL"),
    ];

    /// The capabilities CoSetProxyBlanket accepts (COM-16).
    pub const BLANKET_ALLOWED: u32 =
        MUTUAL_AUTH | STATIC_CLOAKING | DYNAMIC_CLOAKING | ANY_AUTHORITY | MAKE_FULLSIC | DEFAULT;
}

/// The cloaking a proxy uses (COM-12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cloaking {
    /// No cloaking: the process token (or the pAuthInfo identity).
    None,
    /// Static: fixed at the first call or at CoSetProxyBlanket.
    Static,
    /// Dynamic: the current thread token at every call.
    Dynamic,
}

impl Cloaking {
    /// The cloaking a capability set selects.
    #[must_use]
    pub fn of(capabilities: u32) -> Self {
        if capabilities & eoac::DYNAMIC_CLOAKING != 0 {
            Cloaking::Dynamic
        } else if capabilities & eoac::STATIC_CLOAKING != 0 {
            Cloaking::Static
        } else {
            Cloaking::None
        }
    }
}

/// A thread's COM apartment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Apartment {
    /// `COINIT_APARTMENTTHREADED`: a single-threaded apartment.
    Sta,
    /// `COINIT_MULTITHREADED`: the multithreaded apartment.
    Mta,
}

/// A process's security defaults (CoInitializeSecurity, explicit or implicit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessSecurity {
    /// `dwAuthnLevel`.
    pub authn_level: u32,
    /// `dwImpLevel`.
    pub imp_level: u32,
    /// `dwCapabilities`.
    pub capabilities: u32,
    /// Whether the process called CoInitializeSecurity itself.
    pub explicit: bool,
}

/// A COM+ server application a script declares.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Application {
    /// Its name.
    pub name: Arc<str>,
    /// Whether role-based security is enforced.
    pub role_based_security: bool,
    /// Its roles and their members (users or groups).
    pub roles: Vec<(Arc<str>, Vec<PrincipalId>)>,
    /// Whether its components are queued.
    pub queued: bool,
    /// Its ImpersonationLevel (an `RPC_C_IMP_LEVEL_*` value).
    pub impersonation_level: u32,
    /// Its AuthenticationLevel (an `RPC_C_AUTHN_LEVEL_*` value).
    pub authentication_level: u32,
}

/// A class a script declares, served by a local server process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Class {
    /// Its name.
    pub name: Arc<str>,
    /// The process that serves it.
    pub server: ProcessId,
    /// The COM+ application it belongs to (an index into the applications).
    pub application: Option<u32>,
}

/// A client's proxy to an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Proxy {
    /// The process that holds it.
    pub process: ProcessId,
    /// The class (an index into the classes).
    pub class: u32,
    /// Whether it is a queued-component recorder.
    pub queued: bool,
    /// The blanket's authentication service.
    pub authn_service: u32,
    /// The blanket's authentication level.
    pub authn_level: u32,
    /// The blanket's impersonation level.
    pub imp_level: u32,
    /// The blanket's capabilities.
    pub capabilities: u32,
    /// The identity fixed by static cloaking, once fixed.
    pub fixed: Option<ClientSource>,
    /// The pAuthInfo credentials CoSetProxyBlanket logged on (COM-18): their token, or
    /// `Some(None)` when they were wrong and the next call is to fail (OQM-26).
    pub auth_info: Option<Option<TokenId>>,
    /// Whether CoSetProxyBlanket was called on it.
    pub blanket_set: bool,
    /// The client certificate a Schannel blanket presents (an index into the machine's
    /// certificates), if any.
    pub certificate: Option<u32>,
}

/// A call in progress (or finished).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComCall {
    /// When it started, in the order of all calls on the machine.
    pub seq: u64,
    /// The client thread, waiting for it (none for a queued call the player dispatched).
    pub client: Option<ThreadId>,
    /// The server thread running the method.
    pub server: ThreadId,
    /// The class.
    pub class: u32,
    /// Whether the method is still running.
    pub active: bool,
    /// The authentication level the call arrived at.
    pub authn_level: u32,
    /// The client's impersonation level.
    pub imp_level: u32,
    /// The identity the server may impersonate, if any.
    pub identity: Option<ClientContext>,
    /// The direct caller, for role checks: the user and the groups of its token.
    pub caller: Option<Caller>,
    /// Whether a queued-component player dispatched it.
    pub queued: bool,
    /// Whether it came over Schannel with no certificate the server could map (COM-7).
    pub unmapped_certificate: bool,
    /// The server thread's impersonation when the call began (COM-10).
    pub saved: Option<Impersonation>,
}

/// The direct caller of a call, as its security call context records it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Caller {
    /// The user.
    pub user: PrincipalId,
    /// The enabled groups of its token.
    pub groups: Vec<PrincipalId>,
}

/// A queued-component message, recorded and not yet played.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QueuedMessage {
    /// The class.
    pub class: u32,
    /// The sender, marshalled with the message.
    pub sender: Caller,
    /// The authentication level of the sender's call.
    pub authn_level: u32,
}

/// Everything COM on the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComState {
    /// Each COM-initialized thread's apartment.
    pub apartments: Vec<(ThreadId, Apartment)>,
    /// Each process's security, once initialized.
    pub security: Vec<(ProcessId, ProcessSecurity)>,
    /// COM+ applications.
    pub applications: Vec<Application>,
    /// Classes.
    pub classes: Vec<Class>,
    /// Proxies.
    pub proxies: Vec<Proxy>,
    /// Calls, finished ones included.
    pub calls: Vec<ComCall>,
    /// Queued messages waiting for the player.
    pub queue: Vec<QueuedMessage>,
}

#[expect(
    clippy::indexing_slicing,
    reason = "proxy and call ids are minted by these tables and never removed, so they index in bounds"
)]
impl ComState {
    /// The proxy `id`.
    #[must_use]
    pub fn proxy(&self, id: ProxyId) -> &Proxy {
        &self.proxies[id.index()]
    }

    /// The proxy `id`, to change.
    pub fn proxy_mut(&mut self, id: ProxyId) -> &mut Proxy {
        &mut self.proxies[id.index()]
    }

    /// Adds a proxy.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id left (RES-1).
    pub fn add_proxy(&mut self, proxy: Proxy) -> Result<ProxyId, TableFull> {
        table::push(
            &mut self.proxies,
            proxy,
            Table::ComProxies,
            ProxyId::from_index,
        )
    }

    /// The call at `index`.
    #[must_use]
    pub fn call(&self, index: usize) -> &ComCall {
        &self.calls[index]
    }

    /// The call at `index`, to change.
    pub fn call_mut(&mut self, index: usize) -> &mut ComCall {
        &mut self.calls[index]
    }

    /// The apartment of `thread`, if it initialized COM.
    #[must_use]
    pub fn apartment(&self, thread: ThreadId) -> Option<Apartment> {
        self.apartments
            .iter()
            .find(|(t, _)| *t == thread)
            .map(|(_, a)| *a)
    }

    /// The security of `process`, if initialized.
    #[must_use]
    pub fn security(&self, process: ProcessId) -> Option<ProcessSecurity> {
        self.security
            .iter()
            .find(|(p, _)| *p == process)
            .map(|(_, s)| *s)
    }

    /// The latest call `thread` is serving, if any.
    #[must_use]
    pub fn served_by(&self, thread: ThreadId) -> Option<usize> {
        self.calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.active && c.server == thread)
            .max_by_key(|(_, c)| c.seq)
            .map(|(i, _)| i)
    }

    /// The call `thread` is waiting on, if any.
    #[must_use]
    pub fn waited_on_by(&self, thread: ThreadId) -> Option<usize> {
        self.calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.active && c.client == Some(thread))
            .max_by_key(|(_, c)| c.seq)
            .map(|(i, _)| i)
    }

    /// The class called `name`.
    #[must_use]
    pub fn class(&self, name: &str) -> Option<u32> {
        // Classes are declared by `Setup::add_com_class`, which refuses one whose index
        // would not fit in 32 bits: every position converts.
        self.classes
            .iter()
            .position(|c| &*c.name == name)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The application of class `class`, if it is in one.
    #[must_use]
    pub fn application_of(&self, class: u32) -> Option<&Application> {
        let c = self.classes.get(class as usize)?;
        self.applications.get(c.application? as usize)
    }
}
