//! The directory a topology declares: domains and their trusts, accounts with their
//! userAccountControl delegation flags, Protected Users membership, SPNs and delegation
//! targets, machines, the services they run and the resources those services guard
//! (AD-1..14). An SPN is resolved to its account as the KDC does: exactly, then through the
//! default `host` aliases of sPNMappings (AD-14).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::ids::id_type as net_id;

net_id!(
    /// A domain.
    DomainId
);
net_id!(
    /// An account: a user, a computer or a group.
    AccountId
);
net_id!(
    /// A machine.
    MachineId
);
net_id!(
    /// A service running on a machine.
    ServiceId
);
net_id!(
    /// A resource a service guards.
    ResourceId
);

/// The Windows Server versions the rules distinguish (functional levels and KDC versions),
/// by name and as a number that orders them (an R2 release is its year plus one).
pub const SERVER_VERSIONS: &[(&str, u16)] = &[
    ("2003", 2003),
    ("2008", 2008),
    ("2008r2", 2009),
    ("2012", 2012),
    ("2012r2", 2013),
    ("2016", 2016),
    ("2019", 2019),
    ("2022", 2022),
    ("2025", 2025),
];

/// Windows Server 2012 R2, from which domains support Protected Users (AD-6).
pub const SERVER_2012_R2: u16 = 2013;

/// The name of a version number of [`SERVER_VERSIONS`].
#[must_use]
pub fn version_name(v: u16) -> &'static str {
    SERVER_VERSIONS
        .iter()
        .find(|(_, n)| *n == v)
        .map_or("an unknown version", |(name, _)| name)
}

/// A domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Domain {
    /// Its DNS name (the Kerberos realm).
    pub name: Arc<str>,
    /// The forest it belongs to (by the forest root's name).
    pub forest: Arc<str>,
    /// The domain functional level, as a Windows Server version (see [`SERVER_VERSIONS`]).
    pub functional_level: u16,
    /// The Windows Server version of its domain controllers.
    pub kdc: u16,
    /// Whether the KDCs enforce ticket signatures (the Bronze Bit fix, S4U-9).
    pub ticket_signatures: bool,
    /// Whether the KDCs enforce the RBCD rule for sensitive users (CVE-2020-16996, S4U-8).
    pub rbcd_sensitive_enforced: bool,
    /// Its security identifier (`S-1-5-21-...`), when known (an imported collection).
    pub sid: Option<Arc<str>>,
    /// ms-DS-MachineAccountQuota: how many computer accounts an ordinary user may create
    /// (10 unless changed). The net step does not read it yet.
    pub machine_account_quota: u32,
}

/// ms-DS-MachineAccountQuota's default value.
pub const DEFAULT_MACHINE_ACCOUNT_QUOTA: u32 = 10;

/// How two domains trust each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrustKind {
    /// Two domains of one forest (TRUST_ATTRIBUTE_WITHIN_FOREST).
    WithinForest,
    /// A forest trust.
    Forest,
    /// An external trust.
    External,
}

/// Which side of a trust trusts which, as [MS-ADTS] 6.1.6.7.12 (trustDirection) says it from
/// the trust's first domain `a`. The trusting domain accepts the trusted domain's
/// authentication: principals of the trusted domain reach the trusting domain's resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TrustDirection {
    /// Each domain trusts the other (TRUST_DIRECTION_BIDIRECTIONAL).
    Bidirectional,
    /// `a` trusts `b` (TRUST_DIRECTION_OUTBOUND from `a`): `b`'s principals reach `a`'s
    /// services, not the other way.
    Outbound,
    /// `b` trusts `a` (TRUST_DIRECTION_INBOUND at `a`): `a`'s principals reach `b`'s services,
    /// not the other way.
    Inbound,
}

impl TrustKind {
    /// Whether a trust of this kind is transitive unless said otherwise: trusts within a forest
    /// and forest trusts are, external trusts are not ([MS-ADTS] 6.1.6.7.9,
    /// TRUST_ATTRIBUTE_NON_TRANSITIVE).
    #[must_use]
    pub fn transitive_by_default(self) -> bool {
        !matches!(self, TrustKind::External)
    }
}

/// A trust between two domains.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Trust {
    /// One side.
    pub a: DomainId,
    /// The other side.
    pub b: DomainId,
    /// Its kind.
    pub kind: TrustKind,
    /// Which side trusts which. The net step does not read it yet: a Kerberos path is found
    /// over a trust in either direction.
    pub direction: TrustDirection,
    /// Whether it extends to the domains the other side trusts (not
    /// TRUST_ATTRIBUTE_NON_TRANSITIVE). The net step does not read it yet: it follows no
    /// path through a third domain.
    pub transitive: bool,
    /// TRUST_ATTRIBUTE_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION (0x800): TGT delegation allowed
    /// across it (KRB-8).
    pub enable_tgt_delegation: bool,
    /// TRUST_ATTRIBUTE_QUARANTINED_DOMAIN (0x4): SID filtering in quarantine mode, which also
    /// stops TGT delegation across it (KRB-8).
    pub quarantined: bool,
}

/// What an account is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountKind {
    /// A user (service accounts are users with SPNs).
    User,
    /// A computer account.
    Computer,
    /// A group.
    Group,
}

/// An account of a domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Account {
    /// Its name (`alice`, `WEB01$`).
    pub name: Arc<str>,
    /// Its domain.
    pub domain: DomainId,
    /// User, computer or group.
    pub kind: AccountKind,
    /// Its relative id (500 is the built-in Administrator, AD-7).
    pub rid: u32,
    /// Its security identifier (`S-1-5-21-...-1104`), when known (an imported collection).
    pub sid: Option<Arc<str>>,
    /// Whether it is enabled (not ACCOUNTDISABLE, 0x2). A disabled account stays in the
    /// directory; the net step does not read this yet.
    pub enabled: bool,
    /// TRUSTED_FOR_DELEGATION (0x80000, AD-3).
    pub trusted_for_delegation: bool,
    /// NOT_DELEGATED (0x100000, "Account is sensitive and cannot be delegated", AD-5).
    pub not_delegated: bool,
    /// TRUSTED_TO_AUTH_FOR_DELEGATION (0x1000000, protocol transition, AD-8).
    pub trusted_to_auth_for_delegation: bool,
    /// Whether it is a member of Protected Users (AD-6).
    pub protected_users: bool,
    /// Its service principal names.
    pub spns: Vec<Arc<str>>,
    /// msDS-AllowedToDelegateTo: the SPNs it may delegate to (AD-9).
    pub allowed_to_delegate_to: Vec<Arc<str>>,
    /// msDS-AllowedToActOnBehalfOfOtherIdentity: the accounts allowed to delegate to it
    /// (AD-10).
    pub allowed_to_act: Vec<AccountId>,
    /// The accounts that may write its RBCD attribute, besides itself (AD-11).
    pub rbcd_writers: Vec<AccountId>,
    /// The accounts that may write its servicePrincipalName (GenericAll, GenericWrite,
    /// WriteSPN, owning it or writing its DACL or owner), besides itself. The net step does
    /// not read it yet.
    pub spn_writers: Vec<AccountId>,
    /// A group's members.
    pub members: Vec<AccountId>,
}

impl Account {
    /// An account with no delegation settings, SPNs, RBCD entries or members.
    #[must_use]
    pub fn new(name: &str, domain: DomainId, kind: AccountKind, rid: u32) -> Self {
        Account {
            name: Arc::from(name),
            domain,
            kind,
            rid,
            sid: None,
            enabled: true,
            trusted_for_delegation: false,
            not_delegated: false,
            trusted_to_auth_for_delegation: false,
            protected_users: false,
            spns: Vec::new(),
            allowed_to_delegate_to: Vec::new(),
            allowed_to_act: Vec::new(),
            rbcd_writers: Vec::new(),
            spn_writers: Vec::new(),
            members: Vec::new(),
        }
    }
}

/// A machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Machine {
    /// Its name.
    pub name: Arc<str>,
    /// Its domain, if joined.
    pub domain: Option<DomainId>,
    /// Its computer account, if joined.
    pub account: Option<AccountId>,
    /// Whether it is a domain controller of its domain (AD-4).
    pub dc: bool,
    /// Whether Credential Guard runs on it (its users' TGTs are never released to
    /// unconstrained delegation). The net step does not read it yet.
    pub credential_guard: bool,
}

/// How a client reaches a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protocol {
    /// RPC or DCOM over the network (ncacn_ip_tcp), the level carried as GSS flags (LVL-3).
    Rpc,
    /// Local RPC (ncalrpc): only from the same machine (LVL-5).
    Ncalrpc,
    /// SMB (files, named pipes): the level comes from the session (NET-5, NET-6).
    Smb,
    /// HTTP with Windows authentication.
    Http,
    /// DCOM over the network: RPC whose default level is IDENTIFY (LVL-2).
    Dcom,
}

impl Protocol {
    /// Whether calls go through the RPC runtime (ncacn_ip_tcp, ncalrpc or DCOM).
    #[must_use]
    pub fn is_rpc(self) -> bool {
        matches!(self, Protocol::Rpc | Protocol::Ncalrpc | Protocol::Dcom)
    }
}

/// What logon a service makes for its clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServiceLogon {
    /// A network logon (type 3): no reusable credentials (NET-1).
    Network,
    /// A NetworkCleartext logon with credentials the client gives (Basic authentication,
    /// CredSSP with typed credentials): the server holds the client's password (NET-4).
    Cleartext,
    /// CredSSP delegating the signed-in user's saved credentials (NET-4), which a Protected
    /// Users member's host does not keep (AD-6).
    Credssp,
}

/// Who a service running as its machine's account is locally: what decides its privileges
/// (SeTcbPrivilege for LocalSystem) and whether a local caller presenting the machine
/// account is itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LocalAccount {
    /// LocalSystem (SYSTEM).
    System,
    /// NETWORK SERVICE.
    NetworkService,
    /// LOCAL SERVICE (anonymous on the network, but the model presents the machine account).
    LocalService,
    /// A domain or virtual account named by `account`.
    Account,
}

/// A service on a machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Service {
    /// Its name.
    pub name: Arc<str>,
    /// Its machine.
    pub machine: MachineId,
    /// The account it runs as (a service account, or the machine account for LocalSystem,
    /// NETWORK SERVICE and virtual accounts).
    pub account: AccountId,
    /// The SPN clients name it by (registered on `account`).
    pub spn: Arc<str>,
    /// How clients reach it.
    pub protocol: Protocol,
    /// The logon it makes for clients.
    pub logon: ServiceLogon,
    /// Whether its process holds SeTcbPrivilege (LocalSystem does): S4U logons then give it
    /// impersonation-level tokens.
    pub tcb: bool,
    /// Whether its process holds SeImpersonatePrivilege (every service does by default):
    /// without it, impersonating a client gives Identification (LVL-8).
    pub impersonate_privilege: bool,
    /// Whether it checks that impersonating its client succeeded before acting (LVL-9).
    pub checks_impersonation: bool,
    /// Whether it is a COM+ server application, whose default level is Impersonate (LVL-2).
    pub com_plus: bool,
    /// Who it is locally, when it runs as its machine's account.
    pub local_account: LocalAccount,
}

/// A well-known principal an access rule may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WellKnown {
    /// Everyone.
    Everyone,
    /// Authenticated Users.
    AuthenticatedUsers,
    /// ANONYMOUS LOGON.
    Anonymous,
}

/// Whom an access rule names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Trustee {
    /// An account or group of the directory.
    Account(AccountId),
    /// A well-known principal.
    WellKnown(WellKnown),
}

/// One entry of a resource's DACL.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessRule {
    /// Allow (true) or deny.
    pub allow: bool,
    /// Whom it names.
    pub trustee: Trustee,
    /// The rights (`read`, `write`, ...).
    pub rights: Vec<Arc<str>>,
}

/// A resource a service guards (a share, a database, a mailbox, a directory partition).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resource {
    /// Its name.
    pub name: Arc<str>,
    /// The service that guards it.
    pub service: ServiceId,
    /// Its DACL, in order.
    pub dacl: Vec<AccessRule>,
}

/// The accounts by SPN, built on the first lookup: a directory of many accounts answers
/// [`Directory::account_by_spn`] without scanning them all. It is a cache, not part of the
/// directory's value: it compares equal and hashes to nothing, and is not serialised. Clones
/// of a directory share it; any change to the directory's tables drops it
/// ([`Directory`]'s `DerefMut`), so it always describes the tables it is beside.
#[derive(Clone, Debug, Default)]
pub struct SpnIndex(Arc<std::sync::OnceLock<std::collections::HashMap<String, AccountId>>>);

impl PartialEq for SpnIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SpnIndex {}

impl std::hash::Hash for SpnIndex {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// The service classes a forest's sPNMappings maps to `host` when it is created
/// (`host=alerter,appmgmt,...,msdtc` on CN=Directory Service,CN=Windows NT,CN=Services in the
/// configuration partition, [MS-ADTS] 6.1.1.2.4.1.1): the KDC resolves `<class>/x` to the
/// account holding `HOST/x` when no account holds `<class>/x` itself (AD-14). The list is the
/// attribute's value as forests are created and as KB5008382 describes it ("CIFS, HTTP, and
/// RPC" among many); a forest whose administrators changed it differs.
pub const HOST_ALIASES: &[&str] = &[
    "alerter",
    "appmgmt",
    "cisvc",
    "clipsrv",
    "browser",
    "dhcp",
    "dnscache",
    "replicator",
    "eventlog",
    "eventsystem",
    "policyagent",
    "oakley",
    "dmserver",
    "dns",
    "mcsvc",
    "fax",
    "msiserver",
    "ias",
    "messenger",
    "netlogon",
    "netman",
    "netdde",
    "netddedsm",
    "nmagent",
    "plugplay",
    "protectedstorage",
    "rasman",
    "rpclocator",
    "rpc",
    "rpcss",
    "remoteaccess",
    "rsvp",
    "samss",
    "scardsvr",
    "scesrv",
    "seclogon",
    "scm",
    "dcom",
    "cifs",
    "spooler",
    "snmp",
    "schedule",
    "tapisrv",
    "trksvr",
    "trkwks",
    "ups",
    "time",
    "wins",
    "www",
    "http",
    "w3svc",
    "iisadmin",
    "msdtc",
];

/// How the KDC found an SPN's account (AD-14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpnMatch {
    /// The account holds the SPN asked for.
    Exact,
    /// No account holds it; the account holds `HOST/` with the same host part, which the
    /// SPN's service class is an alias of.
    HostAlias,
}

/// `HOST/<rest>` for an SPN `<class>/<rest>` whose class is one of [`HOST_ALIASES`]
/// (compared without regard to case), as [MS-DRSR] 4.1.4.2.19 MapSPN maps it.
#[must_use]
pub fn host_alias(spn: &str) -> Option<String> {
    let (class, rest) = spn.split_once('/')?;
    HOST_ALIASES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(class))
        .then(|| format!("HOST/{rest}"))
}

/// Directories with no more accounts than this are scanned for an SPN, not indexed.
const SCAN_BELOW: usize = 64;

/// The tables of a directory: what a topology file or a collection describes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tables {
    /// Domains.
    pub domains: Vec<Domain>,
    /// Trusts.
    pub trusts: Vec<Trust>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Machines.
    pub machines: Vec<Machine>,
    /// Services.
    pub services: Vec<Service>,
    /// Resources.
    pub resources: Vec<Resource>,
}

/// The whole directory of a topology: its [`Tables`] (read and changed through `Deref`),
/// shared between clones until one of them changes them, and the RBCD entries a chain's
/// steps wrote on top of them ([`Directory::with_rbcd_written`]). A chain state that wrote
/// an RBCD entry sees the directory as the entry left it without copying a directory of a
/// million accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Directory {
    /// The tables.
    #[serde(flatten)]
    tables: Arc<Tables>,
    /// RBCD entries written on top of the tables, each `(target, allowed)`.
    #[serde(skip)]
    rbcd_written: Vec<(AccountId, AccountId)>,
    /// The accounts by SPN (a cache; see [`SpnIndex`]).
    #[serde(skip)]
    spn_index: SpnIndex,
}

impl std::ops::Deref for Directory {
    type Target = Tables;

    fn deref(&self) -> &Tables {
        &self.tables
    }
}

impl std::ops::DerefMut for Directory {
    /// The tables, to change: copied first if another directory shares them, and the SPN
    /// index dropped, since the change may move an SPN.
    fn deref_mut(&mut self) -> &mut Tables {
        if self.spn_index.0.get().is_some() {
            self.spn_index = SpnIndex::default();
        }
        Arc::make_mut(&mut self.tables)
    }
}

impl From<Tables> for Directory {
    fn from(tables: Tables) -> Self {
        Directory {
            tables: Arc::new(tables),
            ..Directory::default()
        }
    }
}

impl Directory {
    /// This directory with `written` RBCD entries, each `(target, allowed)`, on top of its
    /// tables: `allowed` is then admitted by `target`'s msDS-AllowedToActOnBehalfOfOtherIdentity
    /// ([`Directory::allowed_to_act`]). The tables are shared, not copied.
    #[must_use]
    pub fn with_rbcd_written(&self, written: impl Iterator<Item = (AccountId, AccountId)>) -> Self {
        let mut dir = self.clone();
        for entry in written {
            if !dir.rbcd_written.contains(&entry) {
                dir.rbcd_written.push(entry);
            }
        }
        dir
    }

    /// The principals `target`'s msDS-AllowedToActOnBehalfOfOtherIdentity admits: its
    /// stored list and the entries written on top of it.
    pub fn allowed_to_act(&self, target: AccountId) -> impl Iterator<Item = AccountId> + '_ {
        self.account(target).allowed_to_act.iter().copied().chain(
            self.rbcd_written
                .iter()
                .filter(move |(t, _)| *t == target)
                .map(|(_, allowed)| *allowed),
        )
    }
}

/// A table of a directory with no id left for another entry: ids are 32-bit, so a table
/// holds at most 2^32 entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("more {0} than a directory can number: its ids are 32-bit")]
pub struct TooMany(pub &'static str);

/// Appends `entry` to `table` and returns its id, minted by `id` from its position.
fn push<T, I>(
    table: &mut Vec<T>,
    entry: T,
    id: fn(usize) -> Option<I>,
    what: &'static str,
) -> Result<I, TooMany> {
    let id = id(table.len()).ok_or(TooMany(what))?;
    table.push(entry);
    Ok(id)
}

/// The ids of a table of `len` entries, in order. Its entries were added by
/// [`Directory`]'s `push_*` methods, which mint only ids that fit, so every entry has one.
fn ids<I>(len: usize, id: fn(usize) -> Option<I>) -> impl Iterator<Item = I> {
    (0..len).map_while(id)
}

/// Adding entries, each with the id its table mints for it.
impl Directory {
    /// Adds `domain` and returns its id.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn push_domain(&mut self, domain: Domain) -> Result<DomainId, TooMany> {
        push(&mut self.domains, domain, DomainId::from_index, "domains")
    }

    /// Adds `account` and returns its id.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn push_account(&mut self, account: Account) -> Result<AccountId, TooMany> {
        push(
            &mut self.accounts,
            account,
            AccountId::from_index,
            "accounts",
        )
    }

    /// Adds `machine` and returns its id.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn push_machine(&mut self, machine: Machine) -> Result<MachineId, TooMany> {
        push(
            &mut self.machines,
            machine,
            MachineId::from_index,
            "machines",
        )
    }

    /// Adds `service` and returns its id.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn push_service(&mut self, service: Service) -> Result<ServiceId, TooMany> {
        push(
            &mut self.services,
            service,
            ServiceId::from_index,
            "services",
        )
    }

    /// Adds `resource` and returns its id.
    ///
    /// # Errors
    ///
    /// [`TooMany`] when the table has no id left.
    pub fn push_resource(&mut self, resource: Resource) -> Result<ResourceId, TooMany> {
        push(
            &mut self.resources,
            resource,
            ResourceId::from_index,
            "resources",
        )
    }

    /// The ids of the domains, in order.
    pub fn domain_ids(&self) -> impl Iterator<Item = DomainId> + use<> {
        ids(self.domains.len(), DomainId::from_index)
    }

    /// The ids of the accounts, in order.
    pub fn account_ids(&self) -> impl Iterator<Item = AccountId> + use<> {
        ids(self.accounts.len(), AccountId::from_index)
    }

    /// The ids of the machines, in order.
    pub fn machine_ids(&self) -> impl Iterator<Item = MachineId> + use<> {
        ids(self.machines.len(), MachineId::from_index)
    }

    /// The ids of the services, in order.
    pub fn service_ids(&self) -> impl Iterator<Item = ServiceId> + use<> {
        ids(self.services.len(), ServiceId::from_index)
    }

    /// The ids of the resources, in order.
    pub fn resource_ids(&self) -> impl Iterator<Item = ResourceId> + use<> {
        ids(self.resources.len(), ResourceId::from_index)
    }
}

#[expect(
    clippy::indexing_slicing,
    reason = "ids are minted by these tables and never removed, so they index in bounds"
)]
impl Directory {
    /// The domain `id`.
    #[must_use]
    pub fn domain(&self, id: DomainId) -> &Domain {
        &self.domains[id.index()]
    }

    /// The account `id`.
    #[must_use]
    pub fn account(&self, id: AccountId) -> &Account {
        &self.accounts[id.index()]
    }

    /// The account `id`, to change.
    pub fn account_mut(&mut self, id: AccountId) -> &mut Account {
        &mut self.accounts[id.index()]
    }

    /// The machine `id`.
    #[must_use]
    pub fn machine(&self, id: MachineId) -> &Machine {
        &self.machines[id.index()]
    }

    /// The service `id`.
    #[must_use]
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }

    /// The resource `id`.
    #[must_use]
    pub fn resource(&self, id: ResourceId) -> &Resource {
        &self.resources[id.index()]
    }

    /// An account's name qualified by its domain (`alice@corp.example`).
    #[must_use]
    pub fn qualified(&self, id: AccountId) -> String {
        let a = self.account(id);
        format!("{}@{}", a.name, self.domain(a.domain).name)
    }

    /// [`Directory::qualified`], formatted only when displayed: for decision details that a
    /// rules-only trail never writes.
    #[must_use]
    pub fn qualified_lazily(&self, id: AccountId) -> Qualified<'_> {
        Qualified { dir: self, id }
    }

    /// The account the KDC finds for an SPN (the first, if several hold it): the one it is
    /// registered on, or else the one holding the `host` SPN it is an alias of (AD-14).
    #[must_use]
    pub fn account_by_spn(&self, spn: &str) -> Option<AccountId> {
        self.resolve_spn(spn).map(|(account, _)| account)
    }

    /// The account the KDC finds for an SPN, and how: [`SpnMatch::Exact`] when an account
    /// holds it, else [`SpnMatch::HostAlias`] when its service class is one of the default
    /// `host` aliases ([`HOST_ALIASES`]) and an account holds `HOST/` with the same rest
    /// ([MS-DRSR] 4.1.4.2.14 LookupSPN, AD-14).
    #[must_use]
    pub fn resolve_spn(&self, spn: &str) -> Option<(AccountId, SpnMatch)> {
        if let Some(account) = self.account_holding_spn(spn) {
            return Some((account, SpnMatch::Exact));
        }
        let host = host_alias(spn)?;
        self.account_holding_spn(&host)
            .map(|account| (account, SpnMatch::HostAlias))
    }

    /// The account an SPN is registered on, exactly (case-insensitively), if any.
    #[must_use]
    pub fn account_holding_spn(&self, spn: &str) -> Option<AccountId> {
        // A few dozen accounts are scanned faster than a key is hashed.
        if self.accounts.len() <= SCAN_BELOW {
            return self.scan_spn(spn);
        }
        let index = self.spn_index.0.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            for (id, a) in self.account_ids().zip(&self.accounts) {
                for s in &a.spns {
                    index.entry(s.to_ascii_lowercase()).or_insert(id);
                }
            }
            index
        });
        index.get(&spn.to_ascii_lowercase()).copied()
    }

    fn scan_spn(&self, spn: &str) -> Option<AccountId> {
        self.account_ids()
            .zip(&self.accounts)
            .find(|(_, a)| a.spns.iter().any(|s| s.eq_ignore_ascii_case(spn)))
            .map(|(id, _)| id)
    }

    /// Whether `account` is `group` or a member of it, directly or through groups.
    #[must_use]
    pub fn is_member(&self, account: AccountId, group: AccountId) -> bool {
        let mut seen = Vec::new();
        self.member_walk(account, group, &mut seen)
    }

    fn member_walk(&self, account: AccountId, group: AccountId, seen: &mut Vec<AccountId>) -> bool {
        if account == group {
            return true;
        }
        if seen.contains(&group) {
            return false;
        }
        seen.push(group);
        self.account(group)
            .members
            .iter()
            .any(|m| self.member_walk(account, *m, seen))
    }

    /// The trust between two different domains, if any.
    #[must_use]
    pub fn trust(&self, a: DomainId, b: DomainId) -> Option<&Trust> {
        self.trusts
            .iter()
            .find(|t| (t.a == a && t.b == b) || (t.a == b && t.b == a))
    }

    /// Whether a principal of domain `a` can get a Kerberos ticket to a service of domain
    /// `b`: the same domain, or a trust between them.
    #[must_use]
    pub fn kerberos_path(&self, a: DomainId, b: DomainId) -> bool {
        a == b || self.trust(a, b).is_some()
    }
}

/// An account's qualified name, written when displayed (see [`Directory::qualified_lazily`]).
#[derive(Clone, Copy, Debug)]
pub struct Qualified<'a> {
    dir: &'a Directory,
    id: AccountId,
}

impl std::fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = self.dir.account(self.id);
        write!(f, "{}@{}", a.name, self.dir.domain(a.domain).name)
    }
}
