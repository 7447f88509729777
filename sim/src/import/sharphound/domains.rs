//! The domains of an import and the trusts between them. A domain comes from the
//! collection's domains, or is known only by a trust another domain lists or by the
//! objects that name it (then every setting is a default, reported). Its functional level
//! is read from `functionallevel`; what the collector does not see (the KDCs' version and
//! fixes, MachineAccountQuota where not collected) comes from the settings. Forests are the
//! groups of domains joined by within-forest trusts. A trust listed by both of its domains
//! becomes one trust of the model.

use std::collections::HashMap;
use std::sync::Arc;

use tokenhop_model::net::directory::{
    DEFAULT_MACHINE_ACCOUNT_QUOTA, Domain, DomainId, SERVER_VERSIONS, Trust, TrustDirection,
    TrustKind, version_name,
};

use super::error::{ImportError, next_id};
use super::read::Collection;
use super::records::{Direction, DomainRec, TrustRec, TrustType};
use super::report::{DomainSource, Report};
use super::settings::{DEFAULT_KDC, Settings, Unpatched};

/// The functional level assumed when the collection gives none.
pub const DEFAULT_FUNCTIONAL_LEVEL: u16 = 2016;

/// TRUST_ATTRIBUTE_NON_TRANSITIVE, [MS-ADTS] 6.1.6.7.9.
const NON_TRANSITIVE: u32 = 0x1;
/// TRUST_ATTRIBUTE_QUARANTINED_DOMAIN.
const QUARANTINED: u32 = 0x4;
/// TRUST_ATTRIBUTE_FOREST_TRANSITIVE.
const FOREST_TRANSITIVE: u32 = 0x8;
/// TRUST_ATTRIBUTE_WITHIN_FOREST.
const WITHIN_FOREST: u32 = 0x20;
/// TRUST_ATTRIBUTE_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION.
const ENABLE_TGT_DELEGATION: u32 = 0x800;

/// The domains, found by name or SID.
#[derive(Debug, Default)]
pub struct DomainTable {
    /// The domains, in order.
    pub domains: Vec<Domain>,
    by_name: HashMap<String, DomainId>,
    by_sid: HashMap<String, DomainId>,
    sources: Vec<DomainSource>,
    /// Whether the collection gave the domain's MachineAccountQuota.
    quota_collected: Vec<bool>,
}

impl DomainTable {
    /// The domain of DNS name `name` (lower-cased).
    #[must_use]
    pub fn by_name(&self, name: &str) -> Option<DomainId> {
        self.by_name.get(name).copied()
    }

    /// The domain of SID `sid` (upper-cased).
    #[must_use]
    pub fn by_sid(&self, sid: &str) -> Option<DomainId> {
        self.by_sid.get(sid).copied()
    }

    /// Adds a domain with every setting at its default.
    fn add(
        &mut self,
        name: &str,
        sid: Option<&str>,
        source: DomainSource,
    ) -> Result<DomainId, ImportError> {
        let id = DomainId(next_id(self.domains.len(), "domains")?);
        self.domains.push(Domain {
            name: Arc::from(name),
            forest: Arc::from(name),
            functional_level: DEFAULT_FUNCTIONAL_LEVEL,
            kdc: DEFAULT_KDC,
            ticket_signatures: true,
            rbcd_sensitive_enforced: true,
            sid: sid.map(Arc::from),
            machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
        });
        self.by_name.insert(name.to_owned(), id);
        if let Some(sid) = sid {
            self.by_sid.insert(sid.to_owned(), id);
        }
        self.sources.push(source);
        self.quota_collected.push(false);
        Ok(id)
    }

    /// The domain `id`, to change.
    fn get_mut(&mut self, id: DomainId) -> Option<&mut Domain> {
        self.domains.get_mut(id.index())
    }

    fn name(&self, id: DomainId) -> &str {
        self.domains.get(id.index()).map_or("", |d| &d.name)
    }
}

/// The domains and trusts of the collection `col`, with `settings` applied.
///
/// # Errors
///
/// When two domains share a SID or a name, a functional level is not one SharpHound writes,
/// a trust contradicts the forests, or `--kdc` is below a domain's functional level.
pub fn build(
    col: &Collection,
    settings: &Settings,
    report: &mut Report,
) -> Result<(DomainTable, Vec<Trust>), ImportError> {
    let mut table = DomainTable::default();
    for rec in &col.domains {
        collected(&mut table, rec, report)?;
    }
    for rec in &col.domains {
        for t in &rec.trusts {
            if target(&table, t).is_none() {
                table.add(&t.target_name, t.target_sid.as_deref(), DomainSource::Trust)?;
            }
        }
    }
    for p in &col.principals {
        if let Some(name) = p.domain.as_deref()
            && table.by_name(name).is_none()
            && !belongs_by_sid(&table, &p.sid)
        {
            table.add(name, None, DomainSource::Objects)?;
        }
    }
    let trusts = trusts(&table, col, report)?;
    forests(&mut table, &trusts, col)?;
    apply(&mut table, settings, report)?;
    report.domains = table
        .domains
        .iter()
        .zip(&table.sources)
        .map(|(d, s)| (d.name.to_string(), Some(*s)))
        .collect();
    Ok((table, trusts))
}

/// Whether the domain part of `sid` (all but the RID) is a domain of the table.
fn belongs_by_sid(table: &DomainTable, sid: &str) -> bool {
    sid.rsplit_once('-')
        .is_some_and(|(domain, _)| table.by_sid(domain).is_some())
}

/// A domain of the collection's domains.
fn collected(
    table: &mut DomainTable,
    rec: &DomainRec,
    report: &mut Report,
) -> Result<(), ImportError> {
    let at = |field: &str, message: String| {
        ImportError::invalid(&rec.origin.file, rec.origin.field(field), message)
    };
    if let Some(other) = table.by_sid(&rec.sid) {
        return Err(at(
            "ObjectIdentifier",
            format!(
                "duplicate object identifier `{}`: the domain {} has it too",
                rec.sid,
                table.name(other)
            ),
        ));
    }
    if table.by_name(&rec.name).is_some() {
        return Err(at(
            "Properties.name",
            format!("a domain named `{}` is already in the collection", rec.name),
        ));
    }
    let level = functional_level(rec.functional_level.as_deref(), &rec.name, report)
        .map_err(|message| at("Properties.functionallevel", message))?;
    let id = table.add(&rec.name, Some(&rec.sid), DomainSource::Collected)?;
    if let Some(d) = table.get_mut(id) {
        d.functional_level = level;
        if let Some(q) = rec.machine_account_quota {
            d.machine_account_quota = q;
        }
    }
    if let Some(c) = table.quota_collected.get_mut(id.index()) {
        *c = rec.machine_account_quota.is_some();
    }
    Ok(())
}

/// A functional level as SharpHound and bloodhound.py write it (`2016`, `2012 R2`, `2003
/// Interim`), as a version of the rules; levels below 2003 read as 2003, the lowest the rules
/// tell apart, and an unknown or missing level as [`DEFAULT_FUNCTIONAL_LEVEL`], each noted.
fn functional_level(raw: Option<&str>, domain: &str, report: &mut Report) -> Result<u16, String> {
    let Some(raw) = raw else {
        report.defaults.push(format!(
            "{domain}: functional level {} (not collected)",
            version_name(DEFAULT_FUNCTIONAL_LEVEL)
        ));
        return Ok(DEFAULT_FUNCTIONAL_LEVEL);
    };
    let key: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if let Some((_, v)) = SERVER_VERSIONS.iter().find(|(name, _)| *name == key) {
        return Ok(*v);
    }
    match key.as_str() {
        "2000mixed/native" | "2000" | "2003interim" => {
            report.notes.push(format!(
                "{domain}: functional level `{raw}` read as 2003, the lowest the rules tell apart"
            ));
            Ok(2003)
        }
        "unknown" | "" => {
            report.defaults.push(format!(
                "{domain}: functional level {} (collected as `{raw}`)",
                version_name(DEFAULT_FUNCTIONAL_LEVEL)
            ));
            Ok(DEFAULT_FUNCTIONAL_LEVEL)
        }
        _ => Err(format!(
            "`{raw}` is not a functional level SharpHound writes; expected one of: 2000 Mixed/Native, 2003 Interim, 2003, 2008, 2008 R2, 2012, 2012 R2, 2016, 2025, Unknown"
        )),
    }
}

/// The domain a trust names: by SID when it gives one the table has, else by name.
fn target(table: &DomainTable, t: &TrustRec) -> Option<DomainId> {
    t.target_sid
        .as_deref()
        .and_then(|s| table.by_sid(s))
        .or_else(|| table.by_name(&t.target_name))
}

/// What a trust of the model is made of, from one side's record.
struct Made {
    kind: TrustKind,
    direction: TrustDirection,
    transitive: bool,
    enable_tgt_delegation: bool,
    quarantined: bool,
}

/// One side's record of a trust, as the model's fields. trustAttributes decide when
/// collected (SharpHound v6); otherwise the type, SID filtering and TGT delegation as the
/// collector judged them: within a forest and on external trusts SharpHound's and
/// bloodhound.py's SID filtering is the quarantine bit, on a forest trust it is not; TGT
/// delegation across a forest or external trust is off unless collected (the default since
/// 2019, KRB-8).
fn made(t: &TrustRec, this: &str, report: &mut Report) -> Made {
    let kind = match (t.attributes, t.kind) {
        (Some(a), _) if a & WITHIN_FOREST != 0 => TrustKind::WithinForest,
        (Some(a), _) if a & FOREST_TRANSITIVE != 0 => TrustKind::Forest,
        (Some(_), _) => TrustKind::External,
        (None, TrustType::ParentChild | TrustType::CrossLink | TrustType::TreeRoot) => {
            TrustKind::WithinForest
        }
        (None, TrustType::Forest) => TrustKind::Forest,
        (None, TrustType::External) => TrustKind::External,
        (None, TrustType::Unknown) => {
            report.defaults.push(format!(
                "{this}: the trust with {} of unknown type taken as external",
                t.target_name
            ));
            TrustKind::External
        }
    };
    let direction = match t.direction {
        Direction::Outbound => TrustDirection::Outbound,
        Direction::Inbound => TrustDirection::Inbound,
        _ => TrustDirection::Bidirectional,
    };
    let transitive = t
        .transitive
        .or(t.attributes.map(|a| a & NON_TRANSITIVE == 0))
        .unwrap_or_else(|| kind.transitive_by_default());
    let quarantined = match t.attributes {
        Some(a) => a & QUARANTINED != 0,
        None if kind == TrustKind::Forest => false,
        None => t.sid_filtering.unwrap_or(false),
    };
    let enable_tgt_delegation = match (t.attributes, kind) {
        (Some(a), _) => a & ENABLE_TGT_DELEGATION != 0,
        (None, TrustKind::WithinForest) => false,
        (None, _) => t.tgt_delegation.unwrap_or_else(|| {
            report.defaults.push(format!(
                "{this}: TGT delegation across the trust with {} off (not collected)",
                t.target_name
            ));
            false
        }),
    };
    Made {
        kind,
        direction,
        transitive,
        enable_tgt_delegation,
        quarantined,
    }
}

/// The other side's view of a direction.
fn flipped(d: TrustDirection) -> TrustDirection {
    match d {
        TrustDirection::Outbound => TrustDirection::Inbound,
        TrustDirection::Inbound => TrustDirection::Outbound,
        TrustDirection::Bidirectional => TrustDirection::Bidirectional,
    }
}

/// The trusts, one per pair of domains; a disabled trust is skipped, and a trust both
/// sides list is kept as the first read lists it (a disagreement noted).
fn trusts(
    table: &DomainTable,
    col: &Collection,
    report: &mut Report,
) -> Result<Vec<Trust>, ImportError> {
    let mut out: Vec<Trust> = Vec::new();
    for rec in &col.domains {
        let Some(a) = table.by_sid(&rec.sid) else {
            continue;
        };
        for t in &rec.trusts {
            let Some(b) = target(table, t) else {
                continue;
            };
            if t.direction == Direction::Disabled {
                report.notes.push(format!(
                    "{}: the disabled trust with {} skipped",
                    rec.name, t.target_name
                ));
                continue;
            }
            if a == b {
                return Err(ImportError::invalid(
                    &rec.origin.file,
                    rec.origin.field(&format!("Trusts[{}]", t.index)),
                    "a trust joins two different domains, and this one names its own",
                ));
            }
            let m = made(t, &rec.name, report);
            if let Some(seen) = out
                .iter()
                .find(|x| (x.a == a && x.b == b) || (x.a == b && x.b == a))
            {
                let mine = if seen.a == a {
                    m.direction
                } else {
                    flipped(m.direction)
                };
                if mine != seen.direction || m.kind != seen.kind {
                    report.notes.push(format!(
                        "{} and {} describe their trust differently; {}'s view is kept",
                        table.name(seen.a),
                        table.name(seen.b),
                        table.name(seen.a)
                    ));
                }
                continue;
            }
            out.push(Trust {
                a,
                b,
                kind: m.kind,
                direction: m.direction,
                transitive: m.transitive,
                enable_tgt_delegation: m.enable_tgt_delegation,
                quarantined: m.quarantined,
            });
        }
    }
    Ok(out)
}

/// Each domain's forest: the domains within-forest trusts join, named after the one whose
/// name ends every other's (the root of the tree), else the shortest name.
fn forests(table: &mut DomainTable, trusts: &[Trust], col: &Collection) -> Result<(), ImportError> {
    let n = table.domains.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &[usize], mut i: usize) -> usize {
        while let Some(&p) = parent.get(i) {
            if p == i {
                break;
            }
            i = p;
        }
        i
    }
    for t in trusts.iter().filter(|t| t.kind == TrustKind::WithinForest) {
        let (ra, rb) = (root(&parent, t.a.index()), root(&parent, t.b.index()));
        if let Some(p) = parent.get_mut(ra) {
            *p = rb;
        }
    }
    let groups: Vec<usize> = (0..n).map(|i| root(&parent, i)).collect();
    let mut names: HashMap<usize, Arc<str>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        let members: Vec<&Domain> = table
            .domains
            .iter()
            .zip(&groups)
            .filter(|(_, h)| *h == g)
            .map(|(d, _)| d)
            .collect();
        let name = names.entry(*g).or_insert_with(|| forest_root(&members));
        if let Some(d) = table.domains.get_mut(i) {
            d.forest = Arc::clone(name);
        }
    }
    for t in trusts.iter().filter(|t| t.kind != TrustKind::WithinForest) {
        if groups.get(t.a.index()) == groups.get(t.b.index()) {
            let (file, field) = col
                .domains
                .iter()
                .find(|d| table.by_sid(&d.sid) == Some(t.a))
                .map(|d| (d.origin.file.to_string(), d.origin.field("Trusts")))
                .unwrap_or_default();
            return Err(ImportError::invalid(
                &file,
                field,
                format!(
                    "the trust between {} and {} is not within a forest, yet within-forest trusts put them in one",
                    table.name(t.a),
                    table.name(t.b)
                ),
            ));
        }
    }
    Ok(())
}

/// The forest root among `members`: the domain whose name ends every other's, else the
/// shortest name (the first in order among equals).
fn forest_root(members: &[&Domain]) -> Arc<str> {
    let ends_all = members.iter().find(|d| {
        members
            .iter()
            .all(|o| o.name == d.name || o.name.ends_with(&format!(".{}", d.name)))
    });
    let shortest = members.iter().min_by_key(|d| d.name.len());
    ends_all
        .or(shortest)
        .map_or_else(|| Arc::from(""), |d| Arc::clone(&d.name))
}

/// The settings applied to every domain, and the defaults reported.
fn apply(
    table: &mut DomainTable,
    settings: &Settings,
    report: &mut Report,
) -> Result<(), ImportError> {
    let mut kdc_assumed = Vec::new();
    let mut quota_assumed = Vec::new();
    for (i, d) in table.domains.iter_mut().enumerate() {
        d.kdc = match settings.kdc {
            Some(k) if k < d.functional_level => {
                return Err(ImportError::Setting(format!(
                    "--kdc {}: {}'s functional level is {}, and its domain controllers run at least that version",
                    version_name(k),
                    d.name,
                    version_name(d.functional_level)
                )));
            }
            Some(k) => k,
            None => {
                kdc_assumed.push(d.name.to_string());
                DEFAULT_KDC.max(d.functional_level)
            }
        };
        d.ticket_signatures = !settings.lacks(Unpatched::BronzeBit);
        d.rbcd_sensitive_enforced = !settings.lacks(Unpatched::RbcdSensitive);
        if !table.quota_collected.get(i).copied().unwrap_or(false) {
            d.machine_account_quota = settings.machine_account_quota;
            quota_assumed.push(d.name.to_string());
        }
    }
    if !kdc_assumed.is_empty() {
        report.defaults.push(format!(
            "domain controllers of Windows Server {} (or the functional level, if higher) in {} (--kdc)",
            version_name(DEFAULT_KDC),
            kdc_assumed.join(", ")
        ));
    }
    if !quota_assumed.is_empty() {
        report.defaults.push(format!(
            "MachineAccountQuota {} in {} (not collected; --machine-account-quota)",
            settings.machine_account_quota,
            quota_assumed.join(", ")
        ));
    }
    report.defaults.push(
        if settings.lacks(Unpatched::BronzeBit) {
            "KDCs without the Bronze Bit fix: ticket signatures not enforced (--unpatched bronze-bit)"
        } else {
            "KDCs with the Bronze Bit fix: ticket signatures enforced (--unpatched bronze-bit to change)"
        }
        .to_owned(),
    );
    report.defaults.push(
        if settings.lacks(Unpatched::RbcdSensitive) {
            "KDCs without the CVE-2020-16996 fix for sensitive users in RBCD (--unpatched rbcd-sensitive)"
        } else {
            "KDCs with the CVE-2020-16996 fix for sensitive users in RBCD (--unpatched rbcd-sensitive to change)"
        }
        .to_owned(),
    );
    Ok(())
}
