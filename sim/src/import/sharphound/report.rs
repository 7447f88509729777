//! The import report, printed on stderr: what each file held and which of its fields the
//! format does not have, what the directory got, what was skipped and why (principals
//! outside the collection, SPNs the model serves no service for, stale delegation targets)
//! and every default applied in place of what the collector does not see.

use std::collections::BTreeMap;
use std::fmt;

/// What one file held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The file (`archive.zip:member.json` for a zip member).
    pub name: String,
    /// `meta.type`.
    pub kind: String,
    /// `meta.version`.
    pub version: Option<i64>,
    /// Whether its objects were read (users, computers, groups, domains).
    pub read: bool,
    /// Objects in `data`.
    pub objects: usize,
    /// Of those, deleted objects (IsDeleted), skipped.
    pub deleted: usize,
    /// Fields the format does not have, as `Object.field`, with how often they occur.
    pub unknown_fields: Vec<(String, u64)>,
}

/// Principals named but not in the collection (foreign principals, well-known ones the
/// collector did not write out), skipped, by where they were named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outside {
    /// In a group's members.
    pub members: usize,
    /// As an ACE's trustee.
    pub aces: usize,
    /// In an RBCD list (AllowedToAct).
    pub allowed_to_act: usize,
    /// As a primary group.
    pub primary_groups: usize,
}

/// How a domain came into the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainSource {
    /// From the collection's domains.
    Collected,
    /// Only named by another domain's trust: every setting is a default.
    Trust,
    /// Only named by its objects: every setting is a default.
    Objects,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Each file, in the order read.
    pub files: Vec<FileReport>,
    /// Zip members that are not JSON, skipped.
    pub skipped_members: Vec<String>,
    /// The domains, and how each came in.
    pub domains: Vec<(String, Option<DomainSource>)>,
    /// User accounts.
    pub users: usize,
    /// Computer accounts.
    pub computers: usize,
    /// Groups.
    pub groups: usize,
    /// Disabled accounts (kept).
    pub disabled: usize,
    /// Machines.
    pub machines: usize,
    /// Of those, domain controllers.
    pub dcs: usize,
    /// Services, by protocol.
    pub services: BTreeMap<&'static str, usize>,
    /// SPNs read.
    pub spns: usize,
    /// SPNs of service classes the model serves no service for, by class.
    pub classes_not_served: BTreeMap<String, usize>,
    /// SPNs whose host is no computer of the collection (kept on their account, no service).
    pub hosts_not_found: Vec<String>,
    /// SPNs held by two accounts: kept on the first, dropped from the other.
    pub duplicate_spns: Vec<String>,
    /// Accounts trusted for unconstrained delegation (DCs included).
    pub unconstrained: usize,
    /// Accounts with msDS-AllowedToDelegateTo.
    pub constrained: usize,
    /// Of those, with protocol transition.
    pub protocol_transition: usize,
    /// Accounts with an RBCD list.
    pub rbcd: usize,
    /// Sensitive accounts (NOT_DELEGATED).
    pub sensitive: usize,
    /// Protected Users members (through nested groups too).
    pub protected_users: usize,
    /// RBCD-list writers and SPN writers read from ACEs.
    pub writers: (usize, usize),
    /// Delegation targets no account holds, kept: `account -> SPN`.
    pub stale_targets: Vec<String>,
    /// Principals named but not in the collection.
    pub outside: Outside,
    /// Well-known groups whose members are implicit, filled with every account.
    pub implicit_groups: Vec<String>,
    /// What was assumed in place of what the collector does not see.
    pub defaults: Vec<String>,
    /// Other things worth knowing (disabled trusts skipped, levels read as another).
    pub notes: Vec<String>,
}

/// Lists at most this many items, then says how many there are.
const SHOWN: usize = 10;

fn list(items: &[String]) -> String {
    let mut out = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        out.push_str(&format!(", ... ({} in all)", items.len()));
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_files(f)?;
        self.fmt_directory(f)?;
        self.fmt_skipped(f)?;
        for d in &self.defaults {
            writeln!(f, "assumed: {d}")?;
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

impl Report {
    fn fmt_files(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for file in &self.files {
            let version = file.version.map_or_else(String::new, |v| format!(" v{v}"));
            if file.read {
                write!(
                    f,
                    "read {}: {} {}{version}",
                    file.name, file.objects, file.kind
                )?;
                if file.deleted > 0 {
                    write!(f, " ({} deleted, skipped)", file.deleted)?;
                }
            } else {
                write!(
                    f,
                    "skipped {}: {}{version} is not read",
                    file.name, file.kind
                )?;
            }
            writeln!(f)?;
            if !file.unknown_fields.is_empty() {
                let total: u64 = file.unknown_fields.iter().map(|(_, n)| n).sum();
                let named: Vec<String> = file
                    .unknown_fields
                    .iter()
                    .map(|(k, n)| format!("{k} x{n}"))
                    .collect();
                writeln!(f, "  {total} unknown fields ignored: {}", list(&named))?;
            }
        }
        for m in &self.skipped_members {
            writeln!(f, "skipped {m}: not a JSON file")?;
        }
        Ok(())
    }

    fn fmt_directory(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domains: Vec<String> = self
            .domains
            .iter()
            .map(|(name, source)| match source {
                Some(DomainSource::Trust) => format!("{name} (known only by a trust)"),
                Some(DomainSource::Objects) => format!("{name} (known only by its objects)"),
                _ => name.clone(),
            })
            .collect();
        writeln!(f, "domains: {}", list(&domains))?;
        writeln!(
            f,
            "accounts: {} users, {} computers, {} groups ({} disabled, kept)",
            self.users, self.computers, self.groups, self.disabled
        )?;
        let services: Vec<String> = self
            .services
            .iter()
            .map(|(p, n)| format!("{n} {p}"))
            .collect();
        writeln!(
            f,
            "machines: {} ({} domain controllers); services: {} from {} SPNs{}",
            self.machines,
            self.dcs,
            self.services.values().sum::<usize>(),
            self.spns,
            if services.is_empty() {
                String::new()
            } else {
                format!(" ({})", services.join(", "))
            }
        )?;
        writeln!(
            f,
            "delegation: {} unconstrained, {} constrained ({} with protocol transition), {} RBCD lists, {} RBCD-list writers, {} SPN writers; {} sensitive, {} in Protected Users",
            self.unconstrained,
            self.constrained,
            self.protocol_transition,
            self.rbcd,
            self.writers.0,
            self.writers.1,
            self.sensitive,
            self.protected_users
        )
    }

    fn fmt_skipped(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.stale_targets.is_empty() {
            writeln!(
                f,
                "stale delegation targets (no account holds them; kept): {}",
                list(&self.stale_targets)
            )?;
        }
        if !self.classes_not_served.is_empty() {
            let classes: Vec<String> = self
                .classes_not_served
                .iter()
                .map(|(c, n)| format!("{c} x{n}"))
                .collect();
            writeln!(
                f,
                "SPNs of classes the model serves no service for (kept on their accounts): {}",
                list(&classes)
            )?;
        }
        if !self.hosts_not_found.is_empty() {
            writeln!(
                f,
                "SPNs whose host is no computer of the collection (kept, no service): {}",
                list(&self.hosts_not_found)
            )?;
        }
        if !self.duplicate_spns.is_empty() {
            writeln!(
                f,
                "SPNs held by two accounts (kept on the first): {}",
                list(&self.duplicate_spns)
            )?;
        }
        let o = &self.outside;
        if o.members + o.aces + o.allowed_to_act + o.primary_groups > 0 {
            writeln!(
                f,
                "principals outside the collection, skipped: {} members, {} ACE trustees, {} RBCD entries, {} primary groups",
                o.members, o.aces, o.allowed_to_act, o.primary_groups
            )?;
        }
        if !self.implicit_groups.is_empty() {
            writeln!(
                f,
                "implicit members filled in (every account) for: {}",
                list(&self.implicit_groups)
            )?;
        }
        Ok(())
    }
}
