//! Generated delegation directories: a plain, shrinkable [`DirectorySpec`] (one domain, a
//! handful of users, server machines and the services they run, with the account flags and
//! links delegation turns on: TRUSTED_FOR_DELEGATION, NOT_DELEGATED,
//! TRUSTED_TO_AUTH_FOR_DELEGATION, Protected Users, msDS-AllowedToDelegateTo, RBCD lists,
//! each service's protocol, logon and privileges, the functional level, and a few
//! ambiguous rules' readings); the proptest strategy that draws it, biased toward
//! meaningful inputs (links mostly name existing services and accounts, sometimes the
//! account itself, sometimes nothing that exists); [`build`], which makes a model
//! [`Directory`] of it (a dangling link becomes a skipped edge, never a panic); and
//! [`topology`], which prints it as a topology file (format v1) with chains that replay a
//! case, so that a shrunk counterexample is a file `tokenhop explain` narrates.

use std::fmt::Write as _;
use std::sync::Arc;

use proptest::prelude::*;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccessRule, Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain,
    DomainId, LocalAccount, Machine, MachineId, Protocol, Resource, Service, ServiceLogon, TooMany,
    Trustee, WellKnown,
};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// How large generated directories get: the most users, server machines, services, and
/// links (delegation targets, RBCD entries, DACL entries) per list.
///
/// The counts are `u8`, as links name users, servers and services by a `u8` position; for
/// [`build`] to make a drawn spec, users, servers and services stay at most [`MOST`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// The most users (at least one is drawn).
    pub users: u8,
    /// The most server machines (at least one is drawn); a workstation is always added.
    pub servers: u8,
    /// The most services (at least one is drawn).
    pub services: u8,
    /// The most entries of each link list.
    pub links: u8,
}

impl Size {
    /// Three users, three servers, four services, two links per list.
    pub const SMALL: Size = Size {
        users: 3,
        servers: 3,
        services: 4,
        links: 2,
    };
}

impl Default for Size {
    fn default() -> Self {
        Size::SMALL
    }
}

/// The domain's settings. Every flag is named so that `false` is the usual case, which is
/// where shrinking goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DomainSpec {
    /// The domain functional level, as a version number of
    /// [`tokenhop_model::net::directory::SERVER_VERSIONS`] (2016, 2013 for 2012 R2, ...).
    pub functional_level: u16,
    /// Whether the domain controllers run Windows Server 2019 rather than the functional
    /// level's version.
    pub newer_kdcs: bool,
    /// Whether the KDCs predate the CVE-2020-16996 fix (S4U-8).
    pub before_rbcd_fix: bool,
}

/// A user who starts chains.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserSpec {
    /// NOT_DELEGATED ("Account is sensitive and cannot be delegated", AD-5).
    pub not_delegated: bool,
    /// Protected Users membership (AD-6).
    pub protected_users: bool,
    /// The built-in Administrator (RID 500, AD-7); only the first user asking for it gets it.
    pub administrator: bool,
}

/// A delegation target in msDS-AllowedToDelegateTo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// The SPN of a service, by position (modulo the number of services).
    Service(u8),
    /// The SPN of the account's own (first) service: a self reference.
    Own,
    /// An SPN no account holds: [`build`] skips it.
    Dangling,
}

/// An account an RBCD list admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The account a service runs as, by position (modulo the number of services).
    Service(u8),
    /// A server machine's computer account, by position.
    Server(u8),
    /// A user, by position.
    User(u8),
    /// The account itself: a self reference.
    Own,
    /// An account that does not exist: [`build`] skips it.
    Dangling,
}

/// The delegation settings of a service's account (a server's computer account or a
/// service account).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AccountSpec {
    /// TRUSTED_FOR_DELEGATION (AD-3): unconstrained delegation.
    pub trusted_for_delegation: bool,
    /// NOT_DELEGATED (AD-5).
    pub not_delegated: bool,
    /// TRUSTED_TO_AUTH_FOR_DELEGATION (AD-8): protocol transition.
    pub trusted_to_auth_for_delegation: bool,
    /// Protected Users membership (AD-6).
    pub protected_users: bool,
    /// msDS-AllowedToDelegateTo (AD-9).
    pub delegate_to: Vec<Target>,
    /// msDS-AllowedToActOnBehalfOfOtherIdentity (AD-10).
    pub allowed_to_act: Vec<Principal>,
}

/// A server machine and its computer account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerSpec {
    /// Whether it is a domain controller (its account is then trusted for delegation, AD-4).
    pub dc: bool,
    /// Its computer account's settings.
    pub account: AccountSpec,
}

/// Whom an access rule names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    /// Authenticated Users.
    AuthenticatedUsers,
    /// A user, by position.
    User(u8),
    /// Everyone.
    Everyone,
    /// ANONYMOUS LOGON.
    Anonymous,
}

/// One access rule of a resource's DACL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AceSpec {
    /// Deny rather than allow.
    pub deny: bool,
    /// Whom it names.
    pub who: Who,
    /// `write` rather than `read`.
    pub write: bool,
}

/// A service on a server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServiceSpec {
    /// Its server, by position (modulo the number of servers).
    pub server: u8,
    /// Its own service account, or `None` to run as the server's account (LocalSystem).
    pub own_account: Option<AccountSpec>,
    /// How clients reach it.
    pub protocol: Protocol,
    /// The logon it makes for its clients.
    pub logon: ServiceLogon,
    /// Whether it holds SeTcbPrivilege (S4U logons then impersonate, HOP-1).
    pub tcb: bool,
    /// Whether it lacks SeImpersonatePrivilege (LVL-8).
    pub lacks_impersonate_privilege: bool,
    /// The DACL of the resource it guards, if it guards one.
    pub resource: Option<Vec<AceSpec>>,
}

/// An alternative reading of an ambiguous rule the hop model consults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alternative {
    /// HOP-3 `fails`: a server without credentials for its client fails outbound.
    Hop3Fails,
    /// OQD-1 `forwardable`.
    Oqd1Forwardable,
    /// OQD-2 `a2d2-first`.
    Oqd2A2d2First,
    /// OQD-3 `tgt`.
    Oqd3Tgt,
    /// OQD-4 `never`.
    Oqd4Never,
    /// OQD-6 `protected`.
    Oqd6Protected,
    /// OQL-5 `smb-level`.
    Oql5SmbLevel,
    /// OQM-10 `network-logon`.
    Oqm10NetworkLogon,
}

impl Alternative {
    /// Every alternative.
    pub const ALL: [Alternative; 8] = [
        Alternative::Hop3Fails,
        Alternative::Oqd1Forwardable,
        Alternative::Oqd2A2d2First,
        Alternative::Oqd3Tgt,
        Alternative::Oqd4Never,
        Alternative::Oqd6Protected,
        Alternative::Oql5SmbLevel,
        Alternative::Oqm10NetworkLogon,
    ];

    /// The rule and the reading's name.
    #[must_use]
    pub fn reading(self) -> (RuleId, &'static str) {
        match self {
            Alternative::Hop3Fails => (RuleId::HOP_3, "fails"),
            Alternative::Oqd1Forwardable => (RuleId::OQD_1, "forwardable"),
            Alternative::Oqd2A2d2First => (RuleId::OQD_2, "a2d2-first"),
            Alternative::Oqd3Tgt => (RuleId::OQD_3, "tgt"),
            Alternative::Oqd4Never => (RuleId::OQD_4, "never"),
            Alternative::Oqd6Protected => (RuleId::OQD_6, "protected"),
            Alternative::Oql5SmbLevel => (RuleId::OQL_5, "smb-level"),
            Alternative::Oqm10NetworkLogon => (RuleId::OQM_10, "network-logon"),
        }
    }
}

/// A small delegation directory, as plain data proptest shrinks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DirectorySpec {
    /// The domain.
    pub domain: DomainSpec,
    /// The users (at least one).
    pub users: Vec<UserSpec>,
    /// The server machines (at least one).
    pub servers: Vec<ServerSpec>,
    /// The services (at least one).
    pub services: Vec<ServiceSpec>,
    /// The alternative readings selected (most cases select none).
    pub readings: Vec<Alternative>,
}

/// A position in `0..n` (`0` when `n` is 0), resolved modulo the list's length when the
/// list is shorter: deleting the last element, as shrinking does, leaves the other
/// references pointing where they did.
fn below(n: u8) -> impl Strategy<Value = u8> {
    0..n.max(1)
}

fn target(size: Size) -> impl Strategy<Value = Target> {
    prop_oneof![
        8 => below(size.services).prop_map(Target::Service),
        1 => Just(Target::Own),
        1 => Just(Target::Dangling),
    ]
}

fn principal(size: Size) -> impl Strategy<Value = Principal> {
    prop_oneof![
        6 => below(size.services).prop_map(Principal::Service),
        2 => below(size.servers).prop_map(Principal::Server),
        1 => below(size.users).prop_map(Principal::User),
        1 => Just(Principal::Own),
        1 => Just(Principal::Dangling),
    ]
}

/// True about `percent` times in a hundred.
fn chance(percent: u32) -> impl Strategy<Value = bool> {
    prop::bool::weighted(f64::from(percent) / 100.0)
}

fn account(size: Size) -> impl Strategy<Value = AccountSpec> {
    (
        chance(25),
        chance(5),
        chance(25),
        chance(5),
        prop_oneof![
            3 => Just(Vec::new()),
            2 => prop::collection::vec(target(size), 1..=usize::from(size.links.max(1))),
        ],
        prop_oneof![
            3 => Just(Vec::new()),
            1 => prop::collection::vec(principal(size), 1..=usize::from(size.links.max(1))),
        ],
    )
        .prop_map(
            |(
                trusted_for_delegation,
                not_delegated,
                trusted_to_auth_for_delegation,
                protected_users,
                delegate_to,
                allowed_to_act,
            )| AccountSpec {
                trusted_for_delegation,
                not_delegated,
                trusted_to_auth_for_delegation,
                protected_users,
                delegate_to,
                allowed_to_act,
            },
        )
}

fn user() -> impl Strategy<Value = UserSpec> {
    (chance(20), chance(20), chance(10)).prop_map(
        |(not_delegated, protected_users, administrator)| UserSpec {
            not_delegated,
            protected_users,
            administrator,
        },
    )
}

fn server(size: Size) -> impl Strategy<Value = ServerSpec> {
    (chance(10), account(size)).prop_map(|(dc, account)| ServerSpec { dc, account })
}

fn who(size: Size) -> impl Strategy<Value = Who> {
    prop_oneof![
        4 => Just(Who::AuthenticatedUsers),
        4 => below(size.users).prop_map(Who::User),
        1 => Just(Who::Everyone),
        1 => Just(Who::Anonymous),
    ]
}

fn ace(size: Size) -> impl Strategy<Value = AceSpec> {
    (chance(20), who(size), chance(40)).prop_map(|(deny, who, write)| AceSpec { deny, who, write })
}

fn service(size: Size) -> impl Strategy<Value = ServiceSpec> {
    (
        below(size.servers),
        prop_oneof![2 => Just(None), 3 => account(size).prop_map(Some)],
        prop_oneof![
            4 => Just(Protocol::Http),
            3 => Just(Protocol::Smb),
            3 => Just(Protocol::Rpc),
            2 => Just(Protocol::Ncalrpc),
            1 => Just(Protocol::Dcom),
        ],
        prop_oneof![
            8 => Just(ServiceLogon::Network),
            1 => Just(ServiceLogon::Cleartext),
            1 => Just(ServiceLogon::Credssp),
        ],
        chance(50),
        chance(10),
        prop_oneof![
            1 => Just(None),
            3 => prop::collection::vec(ace(size), 1..=usize::from(size.links.max(1))).prop_map(Some),
        ],
    )
        .prop_map(
            |(server, own_account, protocol, logon, tcb, lacks, resource)| ServiceSpec {
                server,
                own_account,
                protocol,
                logon,
                tcb,
                lacks_impersonate_privilege: lacks,
                resource,
            },
        )
}

fn domain() -> impl Strategy<Value = DomainSpec> {
    (
        prop::sample::select(vec![2016_u16, 2013, 2012, 2008]),
        chance(30),
        chance(15),
    )
        .prop_map(
            |(functional_level, newer_kdcs, before_rbcd_fix)| DomainSpec {
                functional_level,
                newer_kdcs,
                before_rbcd_fix,
            },
        )
}

/// Directories up to `size`, biased toward meaningful inputs: links mostly name existing
/// services and accounts (one in ten names the account itself, one in ten nothing that
/// exists), a quarter of the accounts delegate in each way, a fifth of the users are
/// sensitive, and three cases in four keep every default reading.
pub fn directory_spec(size: Size) -> impl Strategy<Value = DirectorySpec> {
    // Services shrink first, so that the servers and users they no longer name can go.
    (
        prop::collection::vec(service(size), 1..=usize::from(size.services.max(1))),
        prop::collection::vec(server(size), 1..=usize::from(size.servers.max(1))),
        prop::collection::vec(user(), 1..=usize::from(size.users.max(1))),
        domain(),
        prop_oneof![
            3 => Just(Vec::new()),
            1 => prop::sample::subsequence(Alternative::ALL.to_vec(), 1..=2),
        ],
    )
        .prop_map(
            |(services, servers, users, domain, readings)| DirectorySpec {
                domain,
                users,
                servers,
                services,
                readings,
            },
        )
}

/// A spec made into the model's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// The directory.
    pub dir: Directory,
    /// The readings selected.
    pub readings: Readings,
    /// The users, in the spec's order.
    pub users: Vec<AccountId>,
    /// The workstation users sign in at (machine 0, running no service).
    pub workstation: MachineId,
    /// The links [`build`] skipped (dangling references), in words.
    pub skipped: Vec<String>,
}

/// The domain's name.
pub const DOMAIN: &str = "corp.example";

const USER_NAMES: &[&str] = &["alice", "bob", "carol", "dave", "erin", "frank", "grace"];

/// The most users, the most servers and the most services a spec [`build`] makes may list:
/// the users' RIDs run from 1101, the workstation's and the servers' from 1200 and the
/// service accounts' from 1300, so that a hundred apart each list's RIDs stay its own.
pub const MOST: usize = 99;

/// A spec [`build`] does not make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TooLarge {
    /// A list longer than [`MOST`].
    #[error(
        "{len} {list} is more than a generated directory holds: at most {MOST}, so that their RIDs stay apart"
    )]
    List {
        /// The list: `users`, `servers` or `services`.
        list: &'static str,
        /// Its length.
        len: usize,
    },
    /// A table of the directory has no id left.
    #[error(transparent)]
    Table(#[from] TooMany),
}

/// `i` modulo `n` (`0` when `n` is 0).
fn pick(i: u8, n: usize) -> usize {
    usize::from(i) % n.max(1)
}

/// A service's name: its protocol's word and its position from 1 (`web1`, `files2`).
fn service_name(protocol: Protocol, i: usize) -> String {
    let word = match protocol {
        Protocol::Http => "web",
        Protocol::Smb => "files",
        Protocol::Rpc => "rpc",
        Protocol::Ncalrpc => "lrpc",
        Protocol::Dcom => "dcom",
    };
    format!("{word}{}", i + 1)
}

/// Makes `spec` a directory: domain `corp.example`; the users (`alice`, `bob`, ... or
/// `Administrator` with RID 500); the workstation `ws` (account `WS$`); servers `srv1`..
/// (accounts `SRV1$`..); services named by protocol and position, with SPN
/// `<class>/<name>.corp.example` on their account (a service account `svc-<name>`, or the
/// server's); each guarded resource `<name>-data`. A dangling delegation target or RBCD
/// entry is skipped (and listed in [`Built::skipped`]); a self reference is kept, as AD
/// allows it.
///
/// # Errors
///
/// [`TooLarge`] when a list of `spec` is longer than [`MOST`].
pub fn build(spec: &DirectorySpec) -> Result<Built, TooLarge> {
    for (list, len) in [
        ("users", spec.users.len()),
        ("servers", spec.servers.len()),
        ("services", spec.services.len()),
    ] {
        if len > MOST {
            return Err(TooLarge::List { list, len });
        }
    }
    let mut b = Building::new(&spec.domain)?;
    b.select_readings(&spec.readings);
    b.add_users(&spec.users)?;
    let (workstation, _) = b.add_machine("ws", 1200, false)?;
    b.add_servers(&spec.servers)?;
    for ((i, s), rid) in spec.services.iter().enumerate().zip(rids(1300)) {
        b.add_service(i, s, rid)?;
    }
    b.link_accounts();
    Ok(Built {
        dir: b.dir,
        readings: b.readings,
        users: b.users,
        workstation,
        skipped: b.skipped,
    })
}

/// The RIDs from `first` on, one per entry of a list of at most [`MOST`] entries (which
/// [`build`] checks first), so that they never pass `first + MOST`.
fn rids(first: u32) -> std::ops::RangeFrom<u32> {
    first..
}

/// A directory being made of a spec, with what the later parts of [`build`] refer to.
struct Building<'s> {
    dir: Directory,
    domain: DomainId,
    readings: Readings,
    users: Vec<AccountId>,
    /// Each server with its computer account.
    servers: Vec<(MachineId, AccountId)>,
    /// The accounts services run as, with the delegation settings the spec gives them:
    /// the servers' computer accounts, then the service accounts.
    service_accounts: Vec<(AccountId, &'s AccountSpec)>,
    skipped: Vec<String>,
}

impl<'s> Building<'s> {
    /// A directory of the one domain `spec` describes.
    fn new(spec: &DomainSpec) -> Result<Self, TooMany> {
        let mut dir = Directory::default();
        let functional_level = spec.functional_level;
        let domain = dir.push_domain(Domain {
            name: Arc::from(DOMAIN),
            forest: Arc::from(DOMAIN),
            functional_level,
            kdc: if spec.newer_kdcs {
                functional_level.max(2019)
            } else {
                functional_level
            },
            ticket_signatures: true,
            rbcd_sensitive_enforced: !spec.before_rbcd_fix,
            sid: None,
            machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
        })?;
        Ok(Building {
            dir,
            domain,
            readings: Readings::default(),
            users: Vec::new(),
            servers: Vec::new(),
            service_accounts: Vec::new(),
            skipped: Vec::new(),
        })
    }

    /// Selects the alternative readings, skipping one whose rule has no such reading.
    fn select_readings(&mut self, alternatives: &[Alternative]) {
        for alt in alternatives {
            let (rule, name) = alt.reading();
            if self.readings.select(rule, name).is_err() {
                self.skipped.push(format!("reading `{name}` of {rule}"));
            }
        }
    }

    /// The users, the first asking for it the built-in Administrator.
    fn add_users(&mut self, users: &[UserSpec]) -> Result<(), TooMany> {
        let mut administrator_taken = false;
        for ((i, u), next_rid) in users.iter().enumerate().zip(rids(1101)) {
            let administrator = u.administrator && !administrator_taken;
            administrator_taken |= administrator;
            let (name, rid) = if administrator {
                ("Administrator".to_owned(), 500)
            } else {
                (
                    USER_NAMES
                        .get(i)
                        .map_or_else(|| format!("user{}", i + 1), |n| (*n).to_owned()),
                    next_rid,
                )
            };
            let mut a = Account::new(&name, self.domain, AccountKind::User, rid);
            a.not_delegated = u.not_delegated;
            a.protected_users = u.protected_users;
            self.users.push(self.dir.push_account(a)?);
        }
        Ok(())
    }

    /// The servers, each with its computer account; their accounts run services, with the
    /// settings `servers` gives them.
    fn add_servers(&mut self, servers: &'s [ServerSpec]) -> Result<(), TooMany> {
        for ((i, s), rid) in servers.iter().enumerate().zip(rids(1201)) {
            let (machine, account) = self.add_machine(&format!("srv{}", i + 1), rid, s.dc)?;
            self.servers.push((machine, account));
            self.service_accounts.push((account, &s.account));
        }
        Ok(())
    }

    /// A machine `name` and its computer account of RID `rid`, trusted for delegation if
    /// the machine is a domain controller (AD-4).
    fn add_machine(
        &mut self,
        name: &str,
        rid: u32,
        dc: bool,
    ) -> Result<(MachineId, AccountId), TooMany> {
        let mut a = Account::new(
            &format!("{}$", name.to_ascii_uppercase()),
            self.domain,
            AccountKind::Computer,
            rid,
        );
        a.trusted_for_delegation = dc;
        let account = self.dir.push_account(a)?;
        let machine = self.dir.push_machine(Machine {
            name: Arc::from(name),
            domain: Some(self.domain),
            account: Some(account),
            dc,
            credential_guard: false,
        })?;
        Ok((machine, account))
    }

    /// Service `i` of the spec, on its server, with its SPN on the account it runs as (its
    /// own service account, of RID `rid`, or the server's) and the resource it guards.
    fn add_service(&mut self, i: usize, s: &'s ServiceSpec, rid: u32) -> Result<(), TooMany> {
        let name = service_name(s.protocol, i);
        let Some(&(machine, machine_account)) =
            self.servers.get(pick(s.server, self.servers.len()))
        else {
            self.skipped
                .push(format!("service `{name}`: no server to run on"));
            return Ok(());
        };
        let account = match &s.own_account {
            Some(own) => {
                let id = self.dir.push_account(Account::new(
                    &format!("svc-{name}"),
                    self.domain,
                    AccountKind::User,
                    rid,
                ))?;
                self.service_accounts.push((id, own));
                id
            }
            None => machine_account,
        };
        let class = match s.protocol {
            Protocol::Smb => "cifs",
            Protocol::Http => "HTTP",
            Protocol::Rpc | Protocol::Ncalrpc | Protocol::Dcom => "HOST",
        };
        let spn: Arc<str> = Arc::from(format!("{class}/{name}.{DOMAIN}").as_str());
        self.dir.account_mut(account).spns.push(Arc::clone(&spn));
        let service = self.dir.push_service(Service {
            name: Arc::from(name.as_str()),
            machine,
            account,
            spn,
            protocol: s.protocol,
            logon: s.logon,
            tcb: s.tcb,
            impersonate_privilege: !s.lacks_impersonate_privilege,
            checks_impersonation: true,
            com_plus: false,
            local_account: if s.own_account.is_some() {
                LocalAccount::Account
            } else {
                LocalAccount::System
            },
        })?;
        if let Some(aces) = &s.resource {
            let dacl = aces.iter().map(|ace| self.access_rule(ace)).collect();
            self.dir.push_resource(Resource {
                name: Arc::from(format!("{name}-data").as_str()),
                service,
                dacl,
            })?;
        }
        Ok(())
    }

    /// The access rule `ace` describes; a user by position is resolved among the users
    /// (Everyone if there are none).
    fn access_rule(&self, ace: &AceSpec) -> AccessRule {
        AccessRule {
            allow: !ace.deny,
            trustee: match ace.who {
                Who::AuthenticatedUsers => Trustee::WellKnown(WellKnown::AuthenticatedUsers),
                Who::Everyone => Trustee::WellKnown(WellKnown::Everyone),
                Who::Anonymous => Trustee::WellKnown(WellKnown::Anonymous),
                Who::User(u) => self
                    .users
                    .get(pick(u, self.users.len()))
                    .map_or(Trustee::WellKnown(WellKnown::Everyone), |a| {
                        Trustee::Account(*a)
                    }),
            },
            rights: vec![Arc::from(if ace.write { "write" } else { "read" })],
        }
    }

    /// The flags and links of every account a service runs as, now that every account and
    /// SPN exists.
    fn link_accounts(&mut self) {
        let spns: Vec<Arc<str>> = self
            .dir
            .services
            .iter()
            .map(|s| Arc::clone(&s.spn))
            .collect();
        let runs_as: Vec<AccountId> = self.dir.services.iter().map(|s| s.account).collect();
        for (id, a) in std::mem::take(&mut self.service_accounts) {
            let delegate_to = self.delegation_targets(id, a, &spns);
            let allowed_to_act = self.rbcd_entries(id, a, &runs_as);
            let acc = self.dir.account_mut(id);
            acc.trusted_for_delegation |= a.trusted_for_delegation;
            acc.not_delegated = a.not_delegated;
            acc.trusted_to_auth_for_delegation = a.trusted_to_auth_for_delegation;
            acc.protected_users = a.protected_users;
            acc.allowed_to_delegate_to = delegate_to;
            acc.allowed_to_act = allowed_to_act;
        }
    }

    /// Account `id`'s msDS-AllowedToDelegateTo (AD-9): the SPNs `a` names, each once; a
    /// target naming no SPN is skipped.
    fn delegation_targets(
        &mut self,
        id: AccountId,
        a: &AccountSpec,
        spns: &[Arc<str>],
    ) -> Vec<Arc<str>> {
        let own_spn = self
            .dir
            .services
            .iter()
            .find(|s| s.account == id)
            .map(|s| Arc::clone(&s.spn));
        let mut delegate_to: Vec<Arc<str>> = Vec::new();
        for t in &a.delegate_to {
            let spn = match t {
                Target::Service(i) => spns.get(pick(*i, spns.len())).cloned(),
                Target::Own => own_spn.clone(),
                Target::Dangling => None,
            };
            match spn {
                Some(spn) if !delegate_to.contains(&spn) => delegate_to.push(spn),
                Some(_) => {}
                None => self.skipped.push(format!(
                    "{}: a delegation target ({t:?}) that names no SPN of the directory",
                    self.dir.qualified(id)
                )),
            }
        }
        delegate_to
    }

    /// Account `id`'s RBCD list (AD-10): the accounts `a` admits, each once, services'
    /// accounts resolved among `runs_as`; an entry naming no account is skipped.
    fn rbcd_entries(
        &mut self,
        id: AccountId,
        a: &AccountSpec,
        runs_as: &[AccountId],
    ) -> Vec<AccountId> {
        let mut allowed_to_act: Vec<AccountId> = Vec::new();
        for p in &a.allowed_to_act {
            let who = match p {
                Principal::Service(i) => runs_as.get(pick(*i, runs_as.len())).copied(),
                Principal::Server(i) => self.servers.get(pick(*i, self.servers.len())).map(|s| s.1),
                Principal::User(i) => self.users.get(pick(*i, self.users.len())).copied(),
                Principal::Own => Some(id),
                Principal::Dangling => None,
            };
            match who {
                Some(w) if !allowed_to_act.contains(&w) => allowed_to_act.push(w),
                Some(_) => {}
                None => self.skipped.push(format!(
                    "{}: an RBCD entry ({p:?}) that names no account of the directory",
                    self.dir.qualified(id)
                )),
            }
        }
        allowed_to_act
    }
}

/// A chain to add to a printed topology: its name, what it shows, its steps, and what its
/// last step must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Its steps (the first a `start`).
    pub steps: Vec<Step>,
    /// The expectation written on the last step: `ok`, and for a success whom it presents
    /// and at what level.
    pub expect: Option<ReplayExpect>,
}

/// What the last step of a [`Replay`] must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayExpect {
    /// Success or failure.
    pub ok: bool,
    /// Whom it presents afterwards (written only for a success).
    pub presents: Option<AccountId>,
    /// The level held afterwards (written only for a success).
    pub level: Option<ImpersonationLevel>,
}

/// A string as a double-quoted YAML scalar.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn replay_text(dir: &Directory, replay: &Replay) -> String {
    let mut out = format!(
        "  - name: {}\n    description: {}\n    steps:\n",
        quoted(&replay.name),
        quoted(&replay.description)
    );
    let last = replay.steps.len().saturating_sub(1);
    for (i, step) in replay.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "      - {}",
            tokenhop_sim::topology::write::step_text(dir, step)
        );
        if let (true, Some(e)) = (i == last, replay.expect) {
            let mut fields = vec![format!("ok: {}", e.ok)];
            if e.ok {
                if let Some(p) = e.presents {
                    fields.push(format!("presents: {}", quoted(&dir.qualified(p))));
                }
                if let Some(l) = e.level {
                    fields.push(format!("level: {}", l.win32_name()));
                }
            }
            let _ = writeln!(out, "        expect: {{ {} }}", fields.join(", "));
        }
    }
    out
}

/// `built` as a topology file (format v1) named `name`, with `description`, its readings,
/// the skipped links as comments, the `sign-in` chain
/// [`tokenhop_sim::topology::write::topology`] writes, and `replays`.
#[must_use]
pub fn topology(built: &Built, name: &str, description: &str, replays: &[Replay]) -> String {
    let base = tokenhop_sim::topology::write::topology(&built.dir, name);
    let mut header = format!("description: {}\n", quoted(description));
    let selected: Vec<String> = Alternative::ALL
        .iter()
        .map(|a| a.reading())
        .filter(|(rule, _)| built.readings.alternative(*rule))
        .map(|(rule, reading)| format!("{}: {reading}", rule.code()))
        .collect();
    if !selected.is_empty() {
        let _ = writeln!(header, "readings: {{ {} }}", selected.join(", "));
    }
    for s in &built.skipped {
        let _ = writeln!(header, "# skipped: {s}");
    }
    let mut out = match base.find("\ndomains:\n") {
        Some(at) => {
            let (head, tail) = base.split_at(at + 1);
            format!("{head}{header}{tail}")
        }
        None => base,
    };
    if !replays.is_empty() {
        if let Some(stripped) = out.strip_suffix("chains: []\n") {
            out = format!("{stripped}chains:\n");
        }
        for r in replays {
            out.push_str(&replay_text(&built.dir, r));
        }
    }
    out
}
