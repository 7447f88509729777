//! Reading a topology (format v1): domains with their accounts, trusts, machines, services,
//! resources and chains of steps, every name checked with a located error.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccessRule, Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain,
    DomainId, LocalAccount, Machine, MachineId, Protocol, Resource, ResourceId, Service, ServiceId,
    ServiceLogon, Trust, TrustDirection, TrustKind, Trustee, WellKnown, host_alias, version_name,
};
use tokenhop_model::net::hop::{CallRequest, Package};

use super::{Chain, ChainStep, Topology, TopologyExpect};
use crate::error::Fault;
use crate::node::{Node, Span};
use crate::reader::{Fields, Read, boolean, index, integer, list, string, word};

const TOP: &[&str] = &[
    "version",
    "kind",
    "name",
    "description",
    "readings",
    "domains",
    "trusts",
    "machines",
    "services",
    "resources",
    "chains",
];

/// A level a `call` asks for, as the format writes it (read here, written by
/// [`super::write`], narrated by [`super::run::describe`]).
pub(crate) fn call_level_word(level: ImpersonationLevel) -> &'static str {
    match level {
        ImpersonationLevel::Anonymous => "anonymous",
        ImpersonationLevel::Identification => "identify",
        ImpersonationLevel::Impersonation => "impersonate",
        ImpersonationLevel::Delegation => "delegate",
    }
}

/// A security package a `call` asks for, as the format writes it.
pub(crate) fn package_word(package: Package) -> &'static str {
    match package {
        Package::Negotiate => "negotiate",
        Package::Kerberos => "kerberos",
        Package::Ntlm => "ntlm",
        Package::None => "none",
    }
}

/// Every package, for reading [`package_word`]s.
const PACKAGES: [Package; 4] = [
    Package::Negotiate,
    Package::Kerberos,
    Package::Ntlm,
    Package::None,
];

/// The kinds of chain step, each the one key of a step as written.
pub const STEP_KINDS: &[&str] = &[
    "start",
    "start_service",
    "call",
    "access",
    "s4u2self",
    "tamper",
    "set_rbcd",
    "coerce",
    "create_process",
    "wait",
    "own_key",
    "key_s4u2self",
    "key_s4u2proxy",
    "present",
    "altservice",
];

/// Builds a topology from its parsed root node.
pub fn build(root: &Node, path: &Path) -> Read<Topology> {
    let top = Fields::new(root, "", "a topology", TOP)?;
    let (name, description) = crate::reader::header(&top, "a topology", "topology")?;
    let readings = crate::scenario::optional_readings(&top)?;
    let mut b = Builder::default();
    let domains = top.require("domains", "a topology")?;
    b.domains(domains)?;
    if let Some(n) = top.get("trusts") {
        b.trusts(n)?;
    }
    b.account_links(domains)?;
    if let Some(n) = top.get("machines") {
        b.machines(n)?;
    }
    if let Some(n) = top.get("services") {
        b.services(n)?;
    }
    b.delegation_targets(domains)?;
    if let Some(n) = top.get("resources") {
        b.resources(n)?;
    }
    let chains_node = top.require("chains", "a topology")?;
    let mut chains = Vec::new();
    for (i, c) in list(chains_node, "chains")?.iter().enumerate() {
        chains.push(b.chain(c, &index("chains", i))?);
    }
    Ok(Topology {
        path: path.to_owned(),
        name,
        description,
        readings,
        dir: b.dir,
        chains,
    })
}

#[derive(Default)]
struct Builder {
    dir: Directory,
    domain_names: HashMap<String, DomainId>,
    machine_names: HashMap<String, MachineId>,
    service_names: HashMap<String, ServiceId>,
    resource_names: HashMap<String, ResourceId>,
    /// Accounts declared without TRUSTED_FOR_DELEGATION in so many words, with where.
    not_trusted_declared: Vec<(AccountId, String)>,
    /// Accounts by lower-case name, for lookups that stay fast in large directories.
    by_name: HashMap<String, Vec<AccountId>>,
    /// The RIDs taken in each domain.
    rids: std::collections::HashSet<(DomainId, u32)>,
    /// SPNs by lower-case spelling, with the account that holds each.
    spn_owner: HashMap<String, AccountId>,
    /// The SPNs (lower-case) registered on their accounts by services, not declared in
    /// `spns`.
    service_spns: std::collections::HashSet<String>,
}

/// A name table's names in order, for the "expected one of" of an error.
fn sorted_keys<V>(table: &HashMap<String, V>) -> Vec<String> {
    let mut names: Vec<String> = table.keys().cloned().collect();
    names.sort();
    names
}

/// Where the RIDs of accounts declared without one start: far above the ones people write.
const AUTO_RID: u32 = 1_000_000;

/// Why an account declared without a RID gets none.
const NO_RID_LEFT: &str = "no RID is left for an account declared without one: give it `rid`";

const DOMAIN_FIELDS: &[&str] = &[
    "name",
    "forest",
    "functional_level",
    "kdc",
    "ticket_signatures",
    "rbcd_sensitive_enforced",
    "sid",
    "machine_account_quota",
    "accounts",
];

const ACCOUNT_FIELDS: &[&str] = &[
    "name",
    "kind",
    "rid",
    "trusted_for_delegation",
    "not_delegated",
    "trusted_to_auth_for_delegation",
    "protected_users",
    "user_account_control",
    "spns",
    "allowed_to_delegate_to",
    "allowed_to_act",
    "rbcd_writers",
    "spn_writers",
    "members",
    "sid",
    "enabled",
];

fn version(n: &Node, path: &str) -> Read<u16> {
    word(
        n,
        path,
        "a Windows Server version the rules distinguish",
        tokenhop_model::net::directory::SERVER_VERSIONS,
    )
}

fn bool_or(f: &Fields<'_>, key: &str, default: bool) -> Read<bool> {
    match f.get(key) {
        Some(n) => boolean(n, &f.path(key)),
        None => Ok(default),
    }
}

fn strings(f: &Fields<'_>, key: &str) -> Read<Vec<(Arc<str>, Span, String)>> {
    let Some(n) = f.get(key) else {
        return Ok(Vec::new());
    };
    let base = f.path(key);
    list(n, &base)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let p = index(&base, i);
            Ok((Arc::from(string(item, &p)?.as_str()), item.span, p))
        })
        .collect()
}

/// One entry of an account's `allowed_to_delegate_to`: an SPN, or `{ spn, stale }`.
struct DelegationTarget {
    spn: Arc<str>,
    span: Span,
    path: String,
    /// Written `stale: true`: kept though no account holds it (a collection's leftover).
    stale: bool,
}

/// An account's `allowed_to_delegate_to` (msDS-AllowedToDelegateTo, AD-9): SPNs, each
/// written as a string or as `{ spn: SPN, stale: true }`.
fn delegation_list(af: &Fields<'_>) -> Read<Vec<DelegationTarget>> {
    let Some(n) = af.get("allowed_to_delegate_to") else {
        return Ok(Vec::new());
    };
    let base = af.path("allowed_to_delegate_to");
    let mut targets = Vec::new();
    for (i, item) in list(n, &base)?.iter().enumerate() {
        let path = index(&base, i);
        let (spn, stale) = if matches!(item.kind, crate::node::NodeKind::Map(_)) {
            let g = Fields::new(item, &path, "a delegation target", &["spn", "stale"])?;
            let spn = string(g.require("spn", "a delegation target")?, &g.path("spn"))?;
            (spn, bool_or(&g, "stale", false)?)
        } else {
            (string(item, &path)?, false)
        };
        targets.push(DelegationTarget {
            spn: Arc::from(spn.as_str()),
            span: item.span,
            path,
            stale,
        });
    }
    Ok(targets)
}

/// A domain's ms-DS-MachineAccountQuota (`machine_account_quota`, 10 unless said).
fn machine_account_quota(f: &Fields<'_>) -> Read<u32> {
    let Some(n) = f.get("machine_account_quota") else {
        return Ok(DEFAULT_MACHINE_ACCOUNT_QUOTA);
    };
    let path = f.path("machine_account_quota");
    u32::try_from(integer(n, &path)?).map_err(|_| {
        Fault::new(
            n.span,
            path,
            "ms-DS-MachineAccountQuota is a count of computer accounts, from 0",
        )
    })
}

/// Which side of a trust trusts which (`direction`, as the first domain of `between` says
/// it; both unless said).
fn trust_direction(f: &Fields<'_>) -> Read<TrustDirection> {
    match f.get("direction") {
        Some(n) => word(
            n,
            &f.path("direction"),
            "a trust direction, as the first domain of `between` says it",
            &[
                ("bidirectional", TrustDirection::Bidirectional),
                ("outbound", TrustDirection::Outbound),
                ("inbound", TrustDirection::Inbound),
            ],
        ),
        None => Ok(TrustDirection::Bidirectional),
    }
}

/// The three delegation bits of userAccountControl (AD-1): from the named flags, from the
/// number, or from both when they agree.
fn uac_flags(af: &Fields<'_>) -> Read<(bool, bool, bool)> {
    const TD: i64 = 0x8_0000;
    const ND: i64 = 0x10_0000;
    const TA: i64 = 0x100_0000;
    let named = (
        bool_or(af, "trusted_for_delegation", false)?,
        bool_or(af, "not_delegated", false)?,
        bool_or(af, "trusted_to_auth_for_delegation", false)?,
    );
    let Some(n) = af.get("user_account_control") else {
        return Ok(named);
    };
    let path = af.path("user_account_control");
    let value = integer(n, &path)?;
    if !(0..=i64::from(u32::MAX)).contains(&value) {
        return Err(Fault::new(
            n.span,
            path,
            "userAccountControl is a 32-bit flag set",
        ));
    }
    let decoded = (value & TD != 0, value & ND != 0, value & TA != 0);
    for (key, given, bit) in [
        ("trusted_for_delegation", named.0, decoded.0),
        ("not_delegated", named.1, decoded.1),
        ("trusted_to_auth_for_delegation", named.2, decoded.2),
    ] {
        if let Some(flag) = af.get(key)
            && given != bit
        {
            return Err(Fault::new(
                flag.span,
                af.path(key),
                format!("`{key}: {given}` contradicts `user_account_control: {value:#x}`"),
            ));
        }
    }
    Ok(decoded)
}

/// A group logs on nowhere: no delegation flags, no SPNs, no delegation targets.
fn group_has_no_logon(af: &Fields<'_>, account: &Account) -> Read<()> {
    for key in [
        "trusted_for_delegation",
        "not_delegated",
        "trusted_to_auth_for_delegation",
        "user_account_control",
        "spns",
        "allowed_to_delegate_to",
        "protected_users",
    ] {
        if let Some(n) = af.get(key) {
            let set = match key {
                "trusted_for_delegation" => account.trusted_for_delegation,
                "not_delegated" => account.not_delegated,
                "trusted_to_auth_for_delegation" => account.trusted_to_auth_for_delegation,
                "protected_users" => account.protected_users,
                "spns" => !account.spns.is_empty(),
                "allowed_to_delegate_to" => !account.allowed_to_delegate_to.is_empty(),
                _ => {
                    account.trusted_for_delegation
                        || account.not_delegated
                        || account.trusted_to_auth_for_delegation
                }
            };
            if set {
                return Err(Fault::new(
                    n.span,
                    af.path(key),
                    format!("a group does not log on, so `{key}` cannot apply to it"),
                ));
            }
        }
    }
    Ok(())
}

/// Who a service running as its machine's account is locally (`local_account`, SYSTEM
/// unless said); a service running as another account is that account.
fn local_account(f: &Fields<'_>, machine_account: bool) -> Read<LocalAccount> {
    match (f.get("local_account"), machine_account) {
        (Some(n), true) => word(
            n,
            &f.path("local_account"),
            "a local identity of the machine account",
            &[
                ("system", LocalAccount::System),
                ("network_service", LocalAccount::NetworkService),
                ("local_service", LocalAccount::LocalService),
            ],
        ),
        (Some(n), false) => Err(Fault::new(
            n.span,
            f.path("local_account"),
            "`local_account` says who a service running as its machine's account is locally; this service runs as another account",
        )),
        (None, true) => Ok(LocalAccount::System),
        (None, false) => Ok(LocalAccount::Account),
    }
}

impl Builder {
    fn domains(&mut self, n: &Node) -> Read<()> {
        for (i, d) in list(n, "domains")?.iter().enumerate() {
            let p = index("domains", i);
            let f = Fields::new(d, &p, "a domain", DOMAIN_FIELDS)?;
            let name = string(f.require("name", "a domain")?, &f.path("name"))?;
            if self.domain_names.contains_key(&name) {
                return Err(Fault::new(
                    d.span,
                    f.path("name"),
                    format!("a domain named `{name}` is already declared"),
                ));
            }
            let forest = match f.get("forest") {
                Some(n) => string(n, &f.path("forest"))?,
                None => name.clone(),
            };
            let functional_level = match f.get("functional_level") {
                Some(n) => version(n, &f.path("functional_level"))?,
                None => 2016,
            };
            let kdc = match f.get("kdc") {
                Some(n) => version(n, &f.path("kdc"))?,
                None => 2019,
            };
            if functional_level > kdc {
                let at = f.get("functional_level").map_or(d.span, |n| n.span);
                return Err(Fault::new(
                    at,
                    f.path("functional_level"),
                    format!(
                        "a domain's functional level ({}) cannot be above the version of its domain controllers ({})",
                        version_name(functional_level),
                        version_name(kdc)
                    ),
                ));
            }
            let id = self
                .dir
                .push_domain(Domain {
                    name: Arc::from(name.as_str()),
                    forest: Arc::from(forest.as_str()),
                    functional_level,
                    kdc,
                    ticket_signatures: bool_or(&f, "ticket_signatures", true)?,
                    rbcd_sensitive_enforced: bool_or(&f, "rbcd_sensitive_enforced", true)?,
                    sid: f.optional_string("sid")?.map(|s| Arc::from(s.as_str())),
                    machine_account_quota: machine_account_quota(&f)?,
                })
                .map_err(|e| Fault::new(d.span, &p, e.to_string()))?;
            self.domain_names.insert(name.clone(), id);
            // Accounts, their links resolved in a second pass.
            if let Some(accounts) = f.get("accounts") {
                let base = f.path("accounts");
                for (j, a) in list(accounts, &base)?.iter().enumerate() {
                    self.account(a, &index(&base, j), id, &name)?;
                }
            }
        }
        Ok(())
    }

    /// One account of domain `domain` (named `dname`), its links to other accounts left
    /// for [`Builder::account_links`].
    fn account(&mut self, a: &Node, ap: &str, domain: DomainId, dname: &str) -> Read<()> {
        let af = Fields::new(a, ap, "an account", ACCOUNT_FIELDS)?;
        let aname = string(af.require("name", "an account")?, &af.path("name"))?;
        if self
            .by_name
            .get(&aname.to_ascii_lowercase())
            .is_some_and(|ids| ids.iter().any(|x| self.dir.account(*x).domain == domain))
        {
            return Err(Fault::new(
                a.span,
                af.path("name"),
                format!("an account named `{aname}` is already declared in `{dname}`"),
            ));
        }
        let kind = match af.get("kind") {
            Some(k) => word(
                k,
                &af.path("kind"),
                "an account kind",
                &[
                    ("user", AccountKind::User),
                    ("computer", AccountKind::Computer),
                    ("group", AccountKind::Group),
                ],
            )?,
            None if aname.ends_with('$') => AccountKind::Computer,
            None => AccountKind::User,
        };
        let rid = match af.get("rid") {
            Some(r) => u32::try_from(integer(r, &af.path("rid"))?)
                .map_err(|_| Fault::new(r.span, af.path("rid"), "a RID is a positive number"))?,
            None => self
                .auto_rid()
                .ok_or_else(|| Fault::new(a.span, af.path("rid"), NO_RID_LEFT))?,
        };
        if self.rids.contains(&(domain, rid)) {
            let at = af.get("rid").map_or(a.span, |r| r.span);
            return Err(Fault::new(
                at,
                af.path("rid"),
                format!("RID {rid} is already taken in `{dname}`"),
            ));
        }
        let flags = uac_flags(&af)?;
        let account = Account {
            trusted_for_delegation: flags.0,
            not_delegated: flags.1,
            trusted_to_auth_for_delegation: flags.2,
            protected_users: bool_or(&af, "protected_users", false)?,
            spns: strings(&af, "spns")?
                .into_iter()
                .map(|(s, _, _)| s)
                .collect(),
            allowed_to_delegate_to: delegation_list(&af)?.into_iter().map(|t| t.spn).collect(),
            ..Account::new(&aname, domain, kind, rid)
        };
        if kind == AccountKind::Group {
            group_has_no_logon(&af, &account)?;
        }
        let me = self.push_account(account, a.span, ap)?;
        if !flags.0
            && (af.get("trusted_for_delegation").is_some()
                || af.get("user_account_control").is_some())
        {
            self.not_trusted_declared
                .push((me, af.path("trusted_for_delegation")));
        }
        for (spn, span, path) in strings(&af, "spns")? {
            if let Some(owner) = self.spn_owner.get(&spn.to_ascii_lowercase()) {
                let message = if *owner == me {
                    format!("SPN `{spn}` is listed twice")
                } else {
                    format!(
                        "SPN `{spn}` is already registered on {}",
                        self.dir.qualified(*owner)
                    )
                };
                return Err(Fault::new(span, path, message));
            }
            self.spn_owner.insert(spn.to_ascii_lowercase(), me);
        }
        Ok(())
    }

    /// The RID of the next account declared without one: [`AUTO_RID`] plus the accounts so
    /// far, or `None` past the last RID.
    fn auto_rid(&self) -> Option<u32> {
        u32::try_from(self.dir.accounts.len())
            .ok()
            .and_then(|n| AUTO_RID.checked_add(n))
    }

    /// Resolves the account-to-account links (RBCD lists, writers, group members) once every
    /// account exists.
    fn account_links(&mut self, domains: &Node) -> Read<()> {
        for (i, d) in list(domains, "domains")?.iter().enumerate() {
            let p = index("domains", i);
            let f = Fields::new(d, &p, "a domain", DOMAIN_FIELDS)?;
            let dname = string(f.require("name", "a domain")?, &f.path("name"))?;
            let Some(accounts) = f.get("accounts") else {
                continue;
            };
            let base = f.path("accounts");
            for (j, a) in list(accounts, &base)?.iter().enumerate() {
                let ap = index(&base, j);
                let af = Fields::new(a, &ap, "an account", ACCOUNT_FIELDS)?;
                let aname = string(af.require("name", "an account")?, &af.path("name"))?;
                let me =
                    self.account_named(&format!("{aname}@{dname}"), a.span, &af.path("name"))?;
                if let Some(m) = af.get("members")
                    && self.dir.account(me).kind != AccountKind::Group
                {
                    return Err(Fault::new(
                        m.span,
                        af.path("members"),
                        "only a group (`kind: group`) has members",
                    ));
                }
                for (key, which) in [
                    ("allowed_to_act", 0),
                    ("rbcd_writers", 1),
                    ("spn_writers", 2),
                    ("members", 3),
                ] {
                    for (name, span, path) in strings(&af, key)? {
                        let other = self.account_named(&name, span, &path)?;
                        let acc = self.dir.account_mut(me);
                        match which {
                            0 => acc.allowed_to_act.push(other),
                            1 => acc.rbcd_writers.push(other),
                            2 => acc.spn_writers.push(other),
                            _ => acc.members.push(other),
                        }
                    }
                }
                let acc = self.dir.account_mut(me);
                acc.sid = af.optional_string("sid")?.map(|s| Arc::from(s.as_str()));
                acc.enabled = bool_or(&af, "enabled", true)?;
            }
        }
        Ok(())
    }

    /// Every SPN in an msDS-AllowedToDelegateTo list names a declared service or account SPN
    /// (or one a `host` SPN stands for, AD-14), unless it is written `stale: true`, which then
    /// no account may hold.
    fn delegation_targets(&self, domains: &Node) -> Read<()> {
        for (i, d) in list(domains, "domains")?.iter().enumerate() {
            let f = Fields::new(d, &index("domains", i), "a domain", DOMAIN_FIELDS)?;
            let Some(accounts) = f.get("accounts") else {
                continue;
            };
            let base = f.path("accounts");
            for (j, a) in list(accounts, &base)?.iter().enumerate() {
                let af = Fields::new(a, &index(&base, j), "an account", ACCOUNT_FIELDS)?;
                for DelegationTarget {
                    spn,
                    span,
                    path,
                    stale,
                } in delegation_list(&af)?
                {
                    let held = self.kdc_finds(&spn);
                    if stale && held {
                        return Err(Fault::new(
                            span,
                            path,
                            format!(
                                "`{spn}` is written `stale: true`, but an account of the topology holds it"
                            ),
                        ));
                    }
                    if !stale && !held {
                        let known: Vec<String> = self
                            .dir
                            .accounts
                            .iter()
                            .flat_map(|x| x.spns.iter().map(ToString::to_string))
                            .collect();
                        return Err(Fault::new(
                            span,
                            path,
                            format!(
                                "`{spn}` is not the SPN of any account or service of the topology (a target whose account is gone is written `{{ spn: {spn}, stale: true }}`)"
                            ),
                        )
                        .allowing(known));
                    }
                }
            }
        }
        Ok(())
    }

    /// The account that declares (in `spns`, not through a service) the `host` SPN `spn` is
    /// an alias of, when `spn` is not registered itself (AD-14).
    fn declared_host_alias(&self, spn: &str) -> Option<AccountId> {
        if self.spn_owner.contains_key(&spn.to_ascii_lowercase()) {
            return None;
        }
        let host = host_alias(spn)?.to_ascii_lowercase();
        if self.service_spns.contains(&host) {
            return None;
        }
        self.spn_owner.get(&host).copied()
    }

    /// Whether the KDC would find an account for `spn`: one holds it, or holds the `host` SPN
    /// it is an alias of (AD-14).
    fn kdc_finds(&self, spn: &str) -> bool {
        self.spn_owner.contains_key(&spn.to_ascii_lowercase())
            || host_alias(spn).is_some_and(|h| self.spn_owner.contains_key(&h.to_ascii_lowercase()))
    }

    fn account_named(&self, name: &str, span: Span, path: &str) -> Read<AccountId> {
        let (bare, domain) = super::split_account_name(name);
        let found: Vec<AccountId> = self
            .by_name
            .get(&bare.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .copied()
            .filter(|a| super::in_domain(&self.dir, *a, domain))
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(Fault::new(
                span,
                path,
                format!("`{name}` is not an account of the topology"),
            )
            .allowing(self.dir.account_ids().map(|a| self.dir.qualified(a)))),
            _ => Err(Fault::new(
                span,
                path,
                format!("`{name}` names accounts in several domains; write `{bare}@<domain>`"),
            )),
        }
    }

    fn domain_named(&self, n: &Node, path: &str) -> Read<DomainId> {
        let name = string(n, path)?;
        self.domain_names.get(&name).copied().ok_or_else(|| {
            Fault::new(
                n.span,
                path,
                format!("`{name}` is not a domain of the topology"),
            )
            .allowing(sorted_keys(&self.domain_names))
        })
    }

    fn trusts(&mut self, n: &Node) -> Read<()> {
        for (i, t) in list(n, "trusts")?.iter().enumerate() {
            let p = index("trusts", i);
            let f = Fields::new(
                t,
                &p,
                "a trust",
                &[
                    "between",
                    "kind",
                    "direction",
                    "transitive",
                    "enable_tgt_delegation",
                    "quarantined",
                ],
            )?;
            let between = f.require("between", "a trust")?;
            let pair = list(between, &f.path("between"))?;
            let [a, b] = pair else {
                return Err(Fault::new(
                    between.span,
                    f.path("between"),
                    "a trust is `between: [<domain>, <domain>]`",
                ));
            };
            let a = self.domain_named(a, &index(&f.path("between"), 0))?;
            let b = self.domain_named(b, &index(&f.path("between"), 1))?;
            if a == b {
                return Err(Fault::new(
                    between.span,
                    f.path("between"),
                    "a trust joins two different domains",
                ));
            }
            let same_forest = self.dir.domain(a).forest == self.dir.domain(b).forest;
            let kind = match f.get("kind") {
                Some(k) => word(
                    k,
                    &f.path("kind"),
                    "a trust kind",
                    &[
                        ("within_forest", TrustKind::WithinForest),
                        ("forest", TrustKind::Forest),
                        ("external", TrustKind::External),
                    ],
                )?,
                None if same_forest => TrustKind::WithinForest,
                None => TrustKind::Forest,
            };
            if (kind == TrustKind::WithinForest) != same_forest {
                let k = f.get("kind").map_or(t.span, |k| k.span);
                return Err(Fault::new(
                    k,
                    f.path("kind"),
                    "a within_forest trust joins domains of one forest, and only those",
                ));
            }
            self.dir.trusts.push(Trust {
                a,
                b,
                kind,
                enable_tgt_delegation: bool_or(&f, "enable_tgt_delegation", false)?,
                quarantined: bool_or(&f, "quarantined", false)?,
                direction: trust_direction(&f)?,
                transitive: bool_or(&f, "transitive", kind.transitive_by_default())?,
            });
        }
        Ok(())
    }

    fn machines(&mut self, n: &Node) -> Read<()> {
        for (i, m) in list(n, "machines")?.iter().enumerate() {
            let p = index("machines", i);
            let f = Fields::new(
                m,
                &p,
                "a machine",
                &["name", "domain", "account", "dc", "credential_guard"],
            )?;
            let name = string(f.require("name", "a machine")?, &f.path("name"))?;
            if self.machine_names.contains_key(&name) {
                return Err(Fault::new(
                    m.span,
                    f.path("name"),
                    format!("a machine named `{name}` is already declared"),
                ));
            }
            let domain = match f.get("domain") {
                Some(d) => Some(self.domain_named(d, &f.path("domain"))?),
                None => None,
            };
            let account = match (f.get("account"), domain) {
                (Some(a), _) => {
                    let an = string(a, &f.path("account"))?;
                    Some(self.account_named(&an, a.span, &f.path("account"))?)
                }
                (None, Some(d)) => Some(self.computer_account(&name, d, m.span, &p)?),
                (None, None) => None,
            };
            if let (Some(a), Some(node)) = (account, f.get("account")) {
                if self.dir.account(a).kind != AccountKind::Computer {
                    return Err(Fault::new(
                        node.span,
                        f.path("account"),
                        format!(
                            "a machine's account is a computer account, and {} is not one",
                            self.dir.qualified(a)
                        ),
                    ));
                }
                if domain.is_some_and(|d| d != self.dir.account(a).domain) {
                    return Err(Fault::new(
                        node.span,
                        f.path("account"),
                        format!(
                            "{} is not an account of the machine's domain",
                            self.dir.qualified(a)
                        ),
                    ));
                }
            }
            let dc = bool_or(&f, "dc", false)?;
            if dc {
                let Some(a) = account else {
                    let at = f.get("dc").map_or(m.span, |n| n.span);
                    return Err(Fault::new(
                        at,
                        f.path("dc"),
                        "a domain controller belongs to a domain: give it `domain`",
                    ));
                };
                if let Some((_, path)) = self.not_trusted_declared.iter().find(|(i, _)| *i == a) {
                    let at = f.get("dc").map_or(m.span, |n| n.span);
                    return Err(Fault::new(
                        at,
                        f.path("dc"),
                        format!(
                            "a domain controller's account is TRUSTED_FOR_DELEGATION (AD-4), but {} is declared without it at `{path}`",
                            self.dir.qualified(a)
                        ),
                    ));
                }
                // AD-4: a domain controller's account is created TRUSTED_FOR_DELEGATION.
                self.dir.account_mut(a).trusted_for_delegation = true;
            }
            let id = self
                .dir
                .push_machine(Machine {
                    name: Arc::from(name.as_str()),
                    domain,
                    account,
                    dc,
                    credential_guard: bool_or(&f, "credential_guard", false)?,
                })
                .map_err(|e| Fault::new(m.span, &p, e.to_string()))?;
            self.machine_names.insert(name, id);
        }
        Ok(())
    }

    /// Adds an account to the directory and the indexes; the account is declared at `span`
    /// and `path`, where a directory with no account id left is reported.
    fn push_account(&mut self, account: Account, span: Span, path: &str) -> Read<AccountId> {
        let key = (account.domain, account.rid);
        let name = account.name.to_ascii_lowercase();
        let id = self
            .dir
            .push_account(account)
            .map_err(|e| Fault::new(span, path, e.to_string()))?;
        self.by_name.entry(name).or_default().push(id);
        self.rids.insert(key);
        Ok(id)
    }

    /// The computer account `<NAME>$` of a joined machine, created if not declared (the
    /// machine declared at `span` and `path`).
    fn computer_account(
        &mut self,
        machine: &str,
        domain: DomainId,
        span: Span,
        path: &str,
    ) -> Read<AccountId> {
        let name = format!("{}$", machine.to_ascii_uppercase());
        if let Some(found) = self
            .by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|ids| {
                ids.iter()
                    .copied()
                    .find(|a| self.dir.account(*a).domain == domain)
            })
        {
            return Ok(found);
        }
        let mut rid = self.auto_rid();
        while let Some(taken) = rid.filter(|r| self.rids.contains(&(domain, *r))) {
            rid = taken.checked_add(1);
        }
        let rid = rid.ok_or_else(|| {
            Fault::new(
                span,
                path,
                format!("no RID is left in the domain for the computer account `{name}`"),
            )
        })?;
        self.push_account(
            Account::new(&name, domain, AccountKind::Computer, rid),
            span,
            path,
        )
    }

    fn machine_named(&self, n: &Node, path: &str) -> Read<MachineId> {
        let name = string(n, path)?;
        self.machine_names.get(&name).copied().ok_or_else(|| {
            Fault::new(
                n.span,
                path,
                format!("`{name}` is not a machine of the topology"),
            )
            .allowing(sorted_keys(&self.machine_names))
        })
    }

    fn services(&mut self, n: &Node) -> Read<()> {
        for (i, s) in list(n, "services")?.iter().enumerate() {
            self.service(s, &index("services", i))?;
        }
        Ok(())
    }

    /// One service: its machine, protocol, account, local identity, SPN and logon.
    fn service(&mut self, s: &Node, p: &str) -> Read<()> {
        let f = Fields::new(
            s,
            p,
            "a service",
            &[
                "name",
                "machine",
                "account",
                "spn",
                "protocol",
                "logon",
                "tcb",
                "impersonate_privilege",
                "checks_impersonation",
                "com_plus",
                "local_account",
            ],
        )?;
        let name = string(f.require("name", "a service")?, &f.path("name"))?;
        if self.service_names.contains_key(&name) {
            return Err(Fault::new(
                s.span,
                f.path("name"),
                format!("a service named `{name}` is already declared"),
            ));
        }
        let machine = self.machine_named(f.require("machine", "a service")?, &f.path("machine"))?;
        let protocol = word(
            f.require("protocol", "a service")?,
            &f.path("protocol"),
            "a protocol",
            &[
                ("rpc", Protocol::Rpc),
                ("ncalrpc", Protocol::Ncalrpc),
                ("smb", Protocol::Smb),
                ("http", Protocol::Http),
                ("dcom", Protocol::Dcom),
            ],
        )?;
        let account = self.service_account(&f, s, machine)?;
        let local_account = local_account(&f, self.dir.machine(machine).account == Some(account))?;
        let com_plus = bool_or(&f, "com_plus", false)?;
        if com_plus && protocol != Protocol::Dcom {
            let at = f.get("com_plus").map_or(s.span, |n| n.span);
            return Err(Fault::new(
                at,
                f.path("com_plus"),
                "a COM+ server application is reached over `protocol: dcom`",
            ));
        }
        let spn = self.service_spn(&f, s, machine, protocol, account)?;
        let logon = match f.get("logon") {
            Some(l) => word(
                l,
                &f.path("logon"),
                "a logon the service makes",
                &[
                    ("network", ServiceLogon::Network),
                    ("cleartext", ServiceLogon::Cleartext),
                    ("credssp", ServiceLogon::Credssp),
                ],
            )?,
            None => ServiceLogon::Network,
        };
        let service = Service {
            name: Arc::from(name.as_str()),
            machine,
            account,
            spn,
            protocol,
            logon,
            tcb: bool_or(&f, "tcb", local_account == LocalAccount::System)?,
            impersonate_privilege: bool_or(&f, "impersonate_privilege", true)?,
            checks_impersonation: bool_or(&f, "checks_impersonation", true)?,
            com_plus,
            local_account,
        };
        let id = self
            .dir
            .push_service(service)
            .map_err(|e| Fault::new(s.span, p, e.to_string()))?;
        self.service_names.insert(name, id);
        Ok(())
    }

    /// The account a service runs as: the one named, or its machine's; never a group.
    fn service_account(&self, f: &Fields<'_>, s: &Node, machine: MachineId) -> Read<AccountId> {
        let account = match f.get("account") {
            Some(a) => {
                let an = string(a, &f.path("account"))?;
                self.account_named(&an, a.span, &f.path("account"))?
            }
            None => self.dir.machine(machine).account.ok_or_else(|| {
                Fault::new(
                    s.span,
                    f.path("account"),
                    "a service on a machine outside every domain needs `account`",
                )
            })?,
        };
        if self.dir.account(account).kind == AccountKind::Group {
            let at = f.get("account").map_or(s.span, |n| n.span);
            return Err(Fault::new(
                at,
                f.path("account"),
                format!(
                    "{} is a group; a service runs as a user or computer account",
                    self.dir.qualified(account)
                ),
            ));
        }
        Ok(account)
    }

    /// A service's SPN, given or made from its protocol's service class and its machine,
    /// registered on its account (an SPN belongs to one account).
    fn service_spn(
        &mut self,
        f: &Fields<'_>,
        s: &Node,
        machine: MachineId,
        protocol: Protocol,
        account: AccountId,
    ) -> Read<Arc<str>> {
        let class = match protocol {
            Protocol::Smb => "cifs",
            Protocol::Http => "HTTP",
            Protocol::Rpc | Protocol::Ncalrpc | Protocol::Dcom => "HOST",
        };
        let spn: Arc<str> = match f.get("spn") {
            Some(x) => Arc::from(string(x, &f.path("spn"))?.as_str()),
            None => Arc::from(format!("{class}/{}", self.dir.machine(machine).name).as_str()),
        };
        if let Some(owner) = self
            .spn_owner
            .get(&spn.to_ascii_lowercase())
            .copied()
            .filter(|o| *o != account)
        {
            return Err(Fault::new(
                s.span,
                f.path("spn"),
                format!(
                    "SPN `{spn}` is already registered on {}",
                    self.dir.qualified(owner)
                ),
            ));
        }
        if self.declared_host_alias(&spn) == Some(account) {
            // The account declares the `host` SPN this one is an alias of: the KDC finds it
            // so (AD-14), and the SPN stays unregistered, as on a real computer account.
            return Ok(spn);
        }
        if self
            .spn_owner
            .insert(spn.to_ascii_lowercase(), account)
            .is_none()
        {
            self.service_spns.insert(spn.to_ascii_lowercase());
        }
        let acc = self.dir.account_mut(account);
        if !acc.spns.iter().any(|x| x.eq_ignore_ascii_case(&spn)) {
            acc.spns.push(Arc::clone(&spn));
        }
        Ok(spn)
    }

    fn service_named(&self, n: &Node, path: &str) -> Read<ServiceId> {
        let name = string(n, path)?;
        self.service_names.get(&name).copied().ok_or_else(|| {
            Fault::new(
                n.span,
                path,
                format!("`{name}` is not a service of the topology"),
            )
            .allowing(sorted_keys(&self.service_names))
        })
    }

    fn resources(&mut self, n: &Node) -> Read<()> {
        for (i, r) in list(n, "resources")?.iter().enumerate() {
            let p = index("resources", i);
            let f = Fields::new(r, &p, "a resource", &["name", "service", "dacl"])?;
            let name = string(f.require("name", "a resource")?, &f.path("name"))?;
            if self.resource_names.contains_key(&name) {
                return Err(Fault::new(
                    r.span,
                    f.path("name"),
                    format!("a resource named `{name}` is already declared"),
                ));
            }
            let service =
                self.service_named(f.require("service", "a resource")?, &f.path("service"))?;
            let dacl_node = f.require("dacl", "a resource")?;
            let mut dacl = Vec::new();
            for (j, e) in list(dacl_node, &f.path("dacl"))?.iter().enumerate() {
                let ep = index(&f.path("dacl"), j);
                let ef = Fields::new(e, &ep, "an access rule", &["allow", "deny", "rights"])?;
                let (allow, who) = match (ef.get("allow"), ef.get("deny")) {
                    (Some(a), None) => (true, a),
                    (None, Some(d)) => (false, d),
                    _ => {
                        return Err(Fault::new(
                            e.span,
                            &ep,
                            "an access rule has `allow` or `deny`, not both",
                        ));
                    }
                };
                let who_path = ef.path(if allow { "allow" } else { "deny" });
                let who_name = string(who, &who_path)?;
                let trustee = match who_name.as_str() {
                    "Everyone" => Trustee::WellKnown(WellKnown::Everyone),
                    "Authenticated Users" => Trustee::WellKnown(WellKnown::AuthenticatedUsers),
                    "ANONYMOUS LOGON" => Trustee::WellKnown(WellKnown::Anonymous),
                    other => Trustee::Account(self.account_named(other, who.span, &who_path)?),
                };
                let rights = strings(&ef, "rights")?
                    .into_iter()
                    .map(|(s, _, _)| s)
                    .collect::<Vec<_>>();
                if rights.is_empty() {
                    return Err(Fault::new(
                        e.span,
                        ef.path("rights"),
                        "an access rule needs `rights` (`read`, `write`, `full`, ...)",
                    ));
                }
                dacl.push(AccessRule {
                    allow,
                    trustee,
                    rights,
                });
            }
            let id = self
                .dir
                .push_resource(Resource {
                    name: Arc::from(name.as_str()),
                    service,
                    dacl,
                })
                .map_err(|e| Fault::new(r.span, &p, e.to_string()))?;
            self.resource_names.insert(name, id);
        }
        Ok(())
    }

    fn chain(&self, n: &Node, path: &str) -> Read<Chain> {
        let f = Fields::new(n, path, "a chain", &["name", "description", "steps"])?;
        let name = string(f.require("name", "a chain")?, &f.path("name"))?;
        let description = match f.get("description") {
            Some(d) => string(d, &f.path("description"))?,
            None => String::new(),
        };
        let steps_node = f.require("steps", "a chain")?;
        let mut steps = Vec::new();
        for (i, s) in list(steps_node, &f.path("steps"))?.iter().enumerate() {
            steps.push(self.step(s, &index(&f.path("steps"), i), i)?);
        }
        if !matches!(
            steps.first().map(|s| &s.step),
            Some(
                Step::Start { .. }
                    | Step::StartService { .. }
                    | Step::Coerce { .. }
                    | Step::OwnKey { .. }
            )
        ) {
            return Err(Fault::new(
                steps_node.span,
                f.path("steps"),
                "a chain starts with `start`, `start_service`, `coerce` or `own_key`",
            ));
        }
        Ok(Chain {
            name,
            description,
            steps,
        })
    }

    fn step(&self, n: &Node, path: &str, i: usize) -> Read<ChainStep> {
        let mut allowed: Vec<&str> = STEP_KINDS.to_vec();
        allowed.extend(["expect", "note"]);
        let f = Fields::new(n, path, "a chain step", &allowed)?;
        let present: Vec<&str> = STEP_KINDS
            .iter()
            .copied()
            .filter(|k| f.get(k).is_some())
            .collect();
        let [kind] = present.as_slice() else {
            return Err(
                Fault::new(n.span, path, "a chain step has exactly one of these")
                    .allowing(STEP_KINDS.iter().copied()),
            );
        };
        let body = f.get(kind).unwrap_or(n);
        let step = self.step_of_kind(kind, body, &f.path(kind))?;
        let note = f.optional_string("note")?;
        let expect = match f.get("expect") {
            Some(e) => Some(self.expect(e, &f.path("expect"))?),
            None => None,
        };
        Ok(ChainStep {
            index: i,
            span: n.span,
            kind,
            step,
            note,
            expect,
        })
    }

    /// The step a chain step's one key (`kind`) and its body `body` (at `bp`) say.
    fn step_of_kind(&self, kind: &str, body: &Node, bp: &str) -> Read<Step> {
        Ok(match kind {
            "start" => self.start(body, bp)?,
            "start_service" => {
                let g = Fields::new(body, bp, "`start_service`", &["service"])?;
                Step::StartService {
                    service: self.service_named(
                        g.require("service", "`start_service`")?,
                        &g.path("service"),
                    )?,
                }
            }
            "call" => Step::Call(self.call(body, bp)?),
            "access" => self.access(body, bp)?,
            "s4u2self" => {
                let g = Fields::new(body, bp, "`s4u2self`", &["user"])?;
                Step::S4u2self {
                    user: self.account_at(&g, "user", "`s4u2self`")?,
                }
            }
            "tamper" => {
                word(
                    body,
                    bp,
                    "a tampering the model knows",
                    &[("forwardable", ())],
                )?;
                Step::TamperForwardable
            }
            "set_rbcd" => {
                let g = Fields::new(body, bp, "`set_rbcd`", &["target", "allow"])?;
                let target = g.require("target", "`set_rbcd`")?;
                let allow = g.require("allow", "`set_rbcd`")?;
                Step::SetRbcd {
                    target: self.account_at_node(&g, target, "target")?,
                    allow: self.account_at_node(&g, allow, "allow")?,
                }
            }
            "create_process" => {
                let g = Fields::new(body, bp, "`create_process`", &["with"])?;
                let with_token = word(
                    g.require("with", "`create_process`")?,
                    &g.path("with"),
                    "the token the program gets",
                    &[("primary", false), ("token", true)],
                )?;
                Step::CreateProcess { with_token }
            }
            "wait" => {
                let g = Fields::new(body, bp, "`wait`", &["minutes"])?;
                let m = g.require("minutes", "`wait`")?;
                let minutes = u32::try_from(integer(m, &g.path("minutes"))?).map_err(|_| {
                    Fault::new(m.span, g.path("minutes"), "minutes are a positive number")
                })?;
                Step::Wait { minutes }
            }
            "own_key" => self.own_key(body, bp)?,
            "key_s4u2self" => {
                let g = Fields::new(body, bp, "`key_s4u2self`", &["user"])?;
                Step::KeyS4u2self {
                    user: self.account_at(&g, "user", "`key_s4u2self`")?,
                }
            }
            "key_s4u2proxy" => {
                let g = Fields::new(body, bp, "`key_s4u2proxy`", &["spn"])?;
                let spn = string(g.require("spn", "`key_s4u2proxy`")?, &g.path("spn"))?;
                Step::KeyS4u2proxy { spn: spn.into() }
            }
            "altservice" => {
                let g = Fields::new(body, bp, "`altservice`", &["spn"])?;
                let spn = string(g.require("spn", "`altservice`")?, &g.path("spn"))?;
                Step::AltService { spn: spn.into() }
            }
            "present" => {
                let g = Fields::new(body, bp, "`present`", &["service"])?;
                Step::Present {
                    service: self
                        .service_named(g.require("service", "`present`")?, &g.path("service"))?,
                }
            }
            _ => {
                let g = Fields::new(body, bp, "`coerce`", &["victim", "to"])?;
                Step::Coerce {
                    victim: self
                        .service_named(g.require("victim", "`coerce`")?, &g.path("victim"))?,
                    to: self.service_named(g.require("to", "`coerce`")?, &g.path("to"))?,
                }
            }
        })
    }

    /// The account named by field `key` of `g`, which `what` requires.
    fn account_at(&self, g: &Fields<'_>, key: &str, what: &str) -> Read<AccountId> {
        self.account_at_node(g, g.require(key, what)?, key)
    }

    /// The account named by `node`, field `key` of `g`.
    fn account_at_node(&self, g: &Fields<'_>, node: &Node, key: &str) -> Read<AccountId> {
        self.account_named(&string(node, &g.path(key))?, node.span, &g.path(key))
    }

    /// `start`: a user, never a group, signs in at a machine.
    fn start(&self, body: &Node, bp: &str) -> Read<Step> {
        let g = Fields::new(body, bp, "`start`", &["user", "machine"])?;
        let user_node = g.require("user", "`start`")?;
        let user = self.account_at_node(&g, user_node, "user")?;
        if self.dir.account(user).kind == AccountKind::Group {
            return Err(Fault::new(
                user_node.span,
                g.path("user"),
                format!(
                    "{} is a group, which does not log on",
                    self.dir.qualified(user)
                ),
            ));
        }
        let machine = self.machine_named(g.require("machine", "`start`")?, &g.path("machine"))?;
        Ok(Step::Start { machine, user })
    }

    /// `own_key`: a tool on a machine holds an account's key; a group has none.
    fn own_key(&self, body: &Node, bp: &str) -> Read<Step> {
        let g = Fields::new(body, bp, "`own_key`", &["account", "machine"])?;
        let node = g.require("account", "`own_key`")?;
        let account = self.account_at_node(&g, node, "account")?;
        if self.dir.account(account).kind == AccountKind::Group {
            return Err(Fault::new(
                node.span,
                g.path("account"),
                format!(
                    "{} is a group, which has no key",
                    self.dir.qualified(account)
                ),
            ));
        }
        let machine = self.machine_named(g.require("machine", "`own_key`")?, &g.path("machine"))?;
        Ok(Step::OwnKey { machine, account })
    }

    /// `access`: rights on a resource of the topology.
    fn access(&self, body: &Node, bp: &str) -> Read<Step> {
        let g = Fields::new(body, bp, "`access`", &["resource", "rights"])?;
        let r = g.require("resource", "`access`")?;
        let rname = string(r, &g.path("resource"))?;
        let resource = self.resource_names.get(&rname).copied().ok_or_else(|| {
            Fault::new(
                r.span,
                g.path("resource"),
                format!("`{rname}` is not a resource of the topology"),
            )
            .allowing(sorted_keys(&self.resource_names))
        })?;
        let rights = strings(&g, "rights")?
            .into_iter()
            .map(|(s, _, _)| s)
            .collect::<Vec<_>>();
        if rights.is_empty() {
            return Err(Fault::new(
                body.span,
                g.path("rights"),
                "`access` needs `rights`",
            ));
        }
        Ok(Step::Access { resource, rights })
    }

    fn call(&self, n: &Node, path: &str) -> Read<CallRequest> {
        let f = Fields::new(
            n,
            path,
            "`call`",
            &[
                "service",
                "level",
                "mutual_auth",
                "package",
                "by",
                "as",
                "honours_ok_as_delegate",
                "binding",
                "tracking",
                "capabilities",
            ],
        )?;
        let service = self.service_named(f.require("service", "`call`")?, &f.path("service"))?;
        let level = match f.get("level") {
            Some(l) => Some(word(
                l,
                &f.path("level"),
                "a level",
                &ImpersonationLevel::ALL.map(|l| (call_level_word(l), l)),
            )?),
            None => None,
        };
        let package = match f.get("package") {
            Some(p) => word(
                p,
                &f.path("package"),
                "a package",
                &PACKAGES.map(|p| (package_word(p), p)),
            )?,
            None => Package::Negotiate,
        };
        let rpc = self.dir.service(service).protocol.is_rpc();
        let binding_at_startup = match f.get("binding") {
            Some(b) => word(
                b,
                &f.path("binding"),
                "when the binding was authenticated",
                &[("per_call", false), ("at_startup", true)],
            )?,
            None => false,
        };
        let dynamic_tracking = match f.get("tracking") {
            Some(t) => word(
                t,
                &f.path("tracking"),
                "an identity tracking mode",
                &[("static", false), ("dynamic", true)],
            )?,
            None => false,
        };
        for key in ["binding", "tracking"] {
            if let (Some(node), false) = (f.get(key), rpc) {
                return Err(Fault::new(
                    node.span,
                    f.path(key),
                    format!(
                        "`{key}` is an RPC binding's setting, and this service is not reached over RPC"
                    ),
                ));
            }
        }
        let ignore_delegate_failure = match f.get("capabilities") {
            Some(c) => {
                if self.dir.service(service).protocol != Protocol::Rpc {
                    return Err(Fault::new(
                        c.span,
                        f.path("capabilities"),
                        "`capabilities` are RPC_SECURITY_QOS flags of an RPC binding, and this service is not reached over RPC (a COM proxy blanket has no such flag)",
                    ));
                }
                capabilities(c, &f.path("capabilities"))?
            }
            None => false,
        };
        let by_spn = match f.get("by") {
            Some(b) => word(
                b,
                &f.path("by"),
                "how the service is named",
                &[("spn", true), ("address", false)],
            )?,
            None => true,
        };
        let as_self = match f.get("as") {
            Some(a) => word(
                a,
                &f.path("as"),
                "whose identity the call presents",
                &[("client", false), ("self", true)],
            )?,
            None => false,
        };
        Ok(CallRequest {
            service,
            level,
            mutual_auth: bool_or(&f, "mutual_auth", false)?,
            package,
            by_spn,
            as_self,
            honours_ok_as_delegate: bool_or(&f, "honours_ok_as_delegate", true)?,
            binding_at_startup,
            dynamic_tracking,
            ignore_delegate_failure,
        })
    }

    fn expect(&self, n: &Node, path: &str) -> Read<TopologyExpect> {
        let f = Fields::new(
            n,
            path,
            "an expectation",
            &[
                "ok",
                "error",
                "presents",
                "level",
                "credentials",
                "forwardable",
                "hops",
                "rules",
            ],
        )?;
        let ok = f.optional_bool("ok")?;
        let error = f.optional_string("error")?;
        let presents = match f.get("presents") {
            Some(x) => {
                let name = string(x, &f.path("presents"))?;
                if name == "ANONYMOUS LOGON" {
                    Some(None)
                } else {
                    Some(Some(self.account_named(
                        &name,
                        x.span,
                        &f.path("presents"),
                    )?))
                }
            }
            None => None,
        };
        let level = match f.get("level") {
            Some(x) => Some(word(
                x,
                &f.path("level"),
                "a level held",
                &[
                    ("own", "own"),
                    ("SecurityAnonymous", "SecurityAnonymous"),
                    ("SecurityIdentification", "SecurityIdentification"),
                    ("SecurityImpersonation", "SecurityImpersonation"),
                    ("SecurityDelegation", "SecurityDelegation"),
                ],
            )?),
            None => None,
        };
        let credentials = match f.get("credentials") {
            Some(x) => Some(word(
                x,
                &f.path("credentials"),
                "credentials held",
                &[
                    ("none", "none"),
                    ("password", "password"),
                    ("tgt", "tgt"),
                    ("key", "key"),
                ],
            )?),
            None => None,
        };
        let forwardable = f.optional_bool("forwardable")?;
        let hops = match f.get("hops") {
            Some(x) => Some(u8::try_from(integer(x, &f.path("hops"))?).map_err(|_| {
                Fault::new(x.span, f.path("hops"), "hops are a small positive number")
            })?),
            None => None,
        };
        let rules = match f.get("rules") {
            Some(r) => crate::reader::rules(r, &f.path("rules"))?,
            None => Vec::new(),
        };
        Ok(TopologyExpect {
            span: n.span,
            ok,
            error,
            presents,
            level,
            credentials,
            forwardable,
            hops,
            rules,
        })
    }
}

/// An RPC call's `capabilities`: a list of RPC_SECURITY_QOS capability names, of which
/// the model reads RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE (RPC-10); whether it is
/// set. RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH is the call's `mutual_auth`.
fn capabilities(n: &Node, path: &str) -> Read<bool> {
    let mut ignore = false;
    for (i, item) in list(n, path)?.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        ignore |= word(
            item,
            &item_path,
            "an RPC_SECURITY_QOS capability a topology's call reads (mutual authentication is `mutual_auth`)",
            &[
                ("RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE", true),
                ("RPC_C_QOS_CAPABILITIES_DEFAULT", false),
            ],
        )?;
    }
    Ok(ignore)
}
