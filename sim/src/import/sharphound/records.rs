//! A collection as read: each object of a file made into a compact record, owning only what
//! the mapping needs (names upper- or lower-cased once, flags decided, ACEs reduced to who
//! may write what), with where it came from. Faults found in a value are located at the
//! object's field.

use std::sync::Arc;

use tokenhop_model::net::directory::AccountKind;

use super::json::{Bad, NumOrStr, Str};
use super::objects::{Ace, ComputerKind, DomainKind, GroupKind, Obj, TrustObj, UserKind};

/// Where a record came from: its file and its index in `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (`archive.zip:member.json` for a zip member).
    pub file: Arc<str>,
    /// Its index in `data`.
    pub index: usize,
}

impl Origin {
    /// A path to `field` of the object, as messages write it.
    #[must_use]
    pub fn field(&self, field: &str) -> String {
        format!("data[{}].{field}", self.index)
    }
}

/// What an ACE lets its trustee write on the account it is on, for delegation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    /// msDS-AllowedToActOnBehalfOfOtherIdentity, the RBCD list (AD-11).
    pub rbcd: bool,
    /// servicePrincipalName.
    pub spn: bool,
}

/// What a right (BloodHound's `RightName`) lets its holder write. GenericAll and
/// GenericWrite write every property; WriteAccountRestrictions is the property set holding
/// the RBCD attribute and AddAllowedToAct is BloodHound's name for a write of it; WriteSPN
/// is the validated write of servicePrincipalName; an owner, or whoever may change the DACL
/// or the owner, may grant itself either. `OwnsRaw` and `WriteOwnerRaw` are BloodHound CE's
/// spellings of Owns and WriteOwner before its post-processing.
#[must_use]
pub fn writes(right: &str) -> Writes {
    match right {
        "GenericAll" | "GenericWrite" | "Owns" | "OwnsRaw" | "WriteDacl" | "WriteOwner"
        | "WriteOwnerRaw" => Writes {
            rbcd: true,
            spn: true,
        },
        "WriteAccountRestrictions" | "AddAllowedToAct" => Writes {
            rbcd: true,
            spn: false,
        },
        "WriteSPN" => Writes {
            rbcd: false,
            spn: true,
        },
        _ => Writes::default(),
    }
}

/// A user, computer or group of the collection.
#[derive(Clone, Debug)]
pub struct Principal {
    /// User, computer or group.
    pub kind: AccountKind,
    /// Its object identifier, upper-cased (what members and ACEs name it by).
    pub id: Box<str>,
    /// Its SID.
    pub sid: Box<str>,
    /// Its relative id (the SID's last part).
    pub rid: u32,
    /// Its domain's DNS name, lower-cased, when the object says it.
    pub domain: Option<Box<str>>,
    /// Its sAMAccountName.
    pub sam: Box<str>,
    /// A computer's DNS name, lower-cased.
    pub fqdn: Option<Box<str>>,
    /// Not ACCOUNTDISABLE.
    pub enabled: bool,
    /// TRUSTED_FOR_DELEGATION (unconstrained).
    pub trusted_for_delegation: bool,
    /// NOT_DELEGATED (sensitive).
    pub not_delegated: bool,
    /// TRUSTED_TO_AUTH_FOR_DELEGATION (protocol transition).
    pub trusted_to_auth: bool,
    /// A domain controller (a computer with SERVER_TRUST_ACCOUNT).
    pub dc: bool,
    /// Its SPNs, each once.
    pub spns: Vec<Box<str>>,
    /// msDS-AllowedToDelegateTo, raw SPNs.
    pub allowed_to_delegate_to: Vec<Box<str>>,
    /// msDS-AllowedToActOnBehalfOfOtherIdentity, as object identifiers (upper-cased).
    pub allowed_to_act: Vec<Box<str>>,
    /// A group's members, as object identifiers (upper-cased).
    pub members: Vec<Box<str>>,
    /// Its primary group's object identifier (upper-cased): a membership `member` omits.
    pub primary_group: Option<Box<str>>,
    /// Who may write its RBCD list or SPNs (object identifiers, upper-cased), by ACE.
    pub writers: Vec<(Box<str>, Writes)>,
    /// Where it came from.
    pub origin: Origin,
}

/// Which way a trust goes, as the domain whose collection lists it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// TRUST_DIRECTION_DISABLED.
    Disabled,
    /// The other domain trusts this one.
    Inbound,
    /// This domain trusts the other.
    Outbound,
    /// Both.
    Bidirectional,
}

/// A trust's type as BloodHound writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustType {
    /// Parent and child domains of one tree.
    ParentChild,
    /// A shortcut trust within a forest.
    CrossLink,
    /// Two trees of one forest.
    TreeRoot,
    /// A forest trust.
    Forest,
    /// An external trust.
    External,
    /// What the collector could not tell.
    Unknown,
}

/// A trust as one domain's collection lists it.
#[derive(Clone, Debug)]
pub struct TrustRec {
    /// Its index in the domain's `Trusts`.
    pub index: usize,
    /// The other domain's SID, upper-cased.
    pub target_sid: Option<Box<str>>,
    /// The other domain's DNS name, lower-cased.
    pub target_name: Box<str>,
    /// Which way it goes.
    pub direction: Direction,
    /// Its type.
    pub kind: TrustType,
    /// Transitivity, as collected.
    pub transitive: Option<bool>,
    /// SID filtering, as the collector judged it.
    pub sid_filtering: Option<bool>,
    /// TGT delegation, as the collector judged it.
    pub tgt_delegation: Option<bool>,
    /// trustAttributes.
    pub attributes: Option<u32>,
}

/// A domain of the collection.
#[derive(Clone, Debug)]
pub struct DomainRec {
    /// Its SID, upper-cased.
    pub sid: Box<str>,
    /// Its DNS name, lower-cased.
    pub name: Box<str>,
    /// Its functional level as written (`2016`, `2012 R2`).
    pub functional_level: Option<Box<str>>,
    /// ms-DS-MachineAccountQuota, when collected.
    pub machine_account_quota: Option<u32>,
    /// Its trusts.
    pub trusts: Vec<TrustRec>,
    /// Where it came from.
    pub origin: Origin,
}

fn owned(s: &Str<'_>) -> Box<str> {
    Box::from(&**s)
}

fn upper(s: &Str<'_>) -> Box<str> {
    s.to_ascii_uppercase().into_boxed_str()
}

fn lower(s: &Str<'_>) -> Box<str> {
    s.to_ascii_lowercase().into_boxed_str()
}

/// A number written as a number or a string of digits, in `0..=u32::MAX`.
fn number(v: &NumOrStr<'_>, field: &str) -> Result<u32, Bad> {
    let n = match v {
        NumOrStr::Num(n) => *n,
        NumOrStr::Str(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| Bad::new(field, format!("`{}` is not a number", &**s)))?,
    };
    u32::try_from(n).map_err(|_| Bad::new(field, format!("{n} is not a 32-bit unsigned number")))
}

/// The SID in an object identifier (`S-1-5-21-...` or `CORP.LOCAL-S-1-5-32-544`), the
/// domain name prefixed to it if any, and its last part (the RID).
pub fn split_identifier(id: &str) -> Option<(Option<&str>, &str, u32)> {
    let (prefix, sid) = if id.starts_with("S-1-") {
        (None, id)
    } else {
        let at = id.find("-S-1-")?;
        (Some(id.get(..at)?), id.get(at + 1..)?)
    };
    let parts: Vec<&str> = sid.split('-').collect();
    if parts.len() < 3 || parts.iter().skip(1).any(|p| p.parse::<u64>().is_err()) {
        return None;
    }
    let rid = parts.last()?.parse::<u32>().ok()?;
    Some((prefix, sid, rid))
}

/// The delegation flags of userAccountControl, when collected as a number.
struct Uac(Option<u32>);

impl Uac {
    const ACCOUNTDISABLE: u32 = 0x2;
    const SERVER_TRUST_ACCOUNT: u32 = 0x2000;
    const TRUSTED_FOR_DELEGATION: u32 = 0x8_0000;
    const NOT_DELEGATED: u32 = 0x10_0000;
    const TRUSTED_TO_AUTH_FOR_DELEGATION: u32 = 0x100_0000;

    fn has(&self, bit: u32) -> Option<bool> {
        self.0.map(|v| v & bit != 0)
    }
}

/// The identity common to users, computers and groups.
struct Identity {
    /// The object identifier, upper-cased.
    id: Box<str>,
    /// The SID in it.
    sid: Box<str>,
    /// The SID's last part.
    rid: u32,
    /// The domain the properties or the identifier's prefix name, lower-cased.
    domain: Option<Box<str>>,
}

/// An object's identity: identifier, SID, RID, domain.
fn identity<K>(obj: &Obj<'_, K>) -> Result<Identity, Bad> {
    let id = obj
        .id
        .as_ref()
        .ok_or_else(|| Bad::new("ObjectIdentifier", "missing"))?;
    let (prefix, sid, rid) = split_identifier(id).ok_or_else(|| {
        Bad::new(
            "ObjectIdentifier",
            format!(
                "`{}` is not a SID (S-1-...), nor one prefixed by its domain",
                &**id
            ),
        )
    })?;
    let domain = obj
        .props
        .domain
        .as_ref()
        .map(lower)
        .or_else(|| prefix.map(|p| p.to_ascii_lowercase().into_boxed_str()));
    Ok(Identity {
        id: upper(id),
        sid: Box::from(sid),
        rid,
        domain,
    })
}

/// An account's own fields and flags, read from its properties and userAccountControl.
fn account<K>(obj: &Obj<'_, K>, kind: AccountKind) -> Result<Principal, Bad> {
    let Identity {
        id,
        sid,
        rid,
        domain,
    } = identity(obj)?;
    let p = &obj.props;
    let uac = Uac(match &p.useraccountcontrol {
        Some(v) => Some(number(v, "Properties.useraccountcontrol")?),
        None => None,
    });
    let name = p.name.as_deref();
    let sam: Box<str> = match (&p.samaccountname, name, kind) {
        (Some(s), _, _) => owned(s),
        (None, Some(n), AccountKind::Computer) => {
            format!("{}$", n.split('.').next().unwrap_or(n).to_ascii_uppercase()).into()
        }
        (None, Some(n), _) => n.split('@').next().unwrap_or(n).into(),
        (None, None, _) => {
            return Err(Bad::new(
                "Properties.samaccountname",
                "missing, and no `name` to take it from",
            ));
        }
    };
    let domain = domain.or_else(|| match (name, kind) {
        (Some(n), AccountKind::Computer) => n
            .split_once('.')
            .map(|(_, d)| d.to_ascii_lowercase().into_boxed_str()),
        (Some(n), _) => n
            .split_once('@')
            .map(|(_, d)| d.to_ascii_lowercase().into_boxed_str()),
        (None, _) => None,
    });
    let writers = writers(&obj.aces, &id);
    Ok(Principal {
        kind,
        id,
        sid,
        rid,
        domain,
        sam,
        fqdn: None,
        enabled: p
            .enabled
            .or(uac.has(Uac::ACCOUNTDISABLE).map(|d| !d))
            .unwrap_or(true),
        trusted_for_delegation: obj
            .unconstrained
            .or(p.unconstraineddelegation)
            .or(uac.has(Uac::TRUSTED_FOR_DELEGATION))
            .unwrap_or(false),
        not_delegated: p.sensitive.or(uac.has(Uac::NOT_DELEGATED)).unwrap_or(false),
        trusted_to_auth: p
            .trustedtoauth
            .or(uac.has(Uac::TRUSTED_TO_AUTH_FOR_DELEGATION))
            .unwrap_or(false),
        dc: kind == AccountKind::Computer
            && obj
                .is_dc
                .or(p.isdc)
                .or(uac.has(Uac::SERVER_TRUST_ACCOUNT))
                .unwrap_or_else(|| {
                    // Version 5 says neither: a DC's primary group is Domain Controllers.
                    obj.primary_group
                        .as_deref()
                        .is_some_and(|g| g.ends_with("-516"))
                }),
        spns: unique(&p.serviceprincipalnames),
        allowed_to_delegate_to: p.allowedtodelegate.iter().map(owned).collect(),
        allowed_to_act: Vec::new(),
        members: Vec::new(),
        primary_group: obj.primary_group.as_ref().map(upper),
        writers,
        origin: Origin {
            file: Arc::from(""),
            index: 0,
        },
    })
}

/// `spns`, each once (compared without regard to case), in order.
fn unique(spns: &[Str<'_>]) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::with_capacity(spns.len());
    for s in spns {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(owned(s));
        }
    }
    out
}

/// Who may write the RBCD list or the SPNs of the object `own`, from its ACEs: one entry per
/// trustee, the object itself left out (it may write its own RBCD list anyway, AD-11).
fn writers(aces: &[Ace<'_>], own: &str) -> Vec<(Box<str>, Writes)> {
    let mut out: Vec<(Box<str>, Writes)> = Vec::new();
    for ace in aces {
        let (Some(who), Some(right)) = (&ace.principal, &ace.right) else {
            continue;
        };
        let w = writes(right);
        if w == Writes::default() || who.eq_ignore_ascii_case(own) {
            continue;
        }
        match out.iter_mut().find(|(id, _)| id.eq_ignore_ascii_case(who)) {
            Some((_, have)) => {
                have.rbcd |= w.rbcd;
                have.spn |= w.spn;
            }
            None => out.push((upper(who), w)),
        }
    }
    out
}

/// A user, or `None` for a deleted one.
///
/// # Errors
///
/// When a value the importer reads is missing or malformed.
pub fn user(obj: &Obj<'_, UserKind>, origin: Origin) -> Result<Option<Principal>, Bad> {
    if obj.deleted {
        return Ok(None);
    }
    let mut p = account(obj, AccountKind::User)?;
    p.origin = origin;
    Ok(Some(p))
}

/// A computer, or `None` for a deleted one.
///
/// # Errors
///
/// When a value the importer reads is missing or malformed.
pub fn computer(obj: &Obj<'_, ComputerKind>, origin: Origin) -> Result<Option<Principal>, Bad> {
    if obj.deleted {
        return Ok(None);
    }
    let mut p = account(obj, AccountKind::Computer)?;
    p.fqdn = match (&obj.props.name, &p.domain) {
        (Some(n), _) if n.contains('.') => Some(lower(n)),
        (_, Some(d)) => Some(
            format!("{}.{d}", p.sam.trim_end_matches('$').to_ascii_lowercase()).into_boxed_str(),
        ),
        (_, None) => Some(
            p.sam
                .trim_end_matches('$')
                .to_ascii_lowercase()
                .into_boxed_str(),
        ),
    };
    p.allowed_to_act = typed(&obj.allowed_to_act, "AllowedToAct")?;
    p.origin = origin;
    Ok(Some(p))
}

/// A group, or `None` for a deleted one.
///
/// # Errors
///
/// When a value the importer reads is missing or malformed.
pub fn group(obj: &Obj<'_, GroupKind>, origin: Origin) -> Result<Option<Principal>, Bad> {
    if obj.deleted {
        return Ok(None);
    }
    let mut p = account(obj, AccountKind::Group)?;
    p.members = typed(&obj.members, "Members")?;
    // A group logs on nowhere: whatever flags a collector wrote on it do not apply.
    p.trusted_for_delegation = false;
    p.not_delegated = false;
    p.trusted_to_auth = false;
    p.spns.clear();
    p.allowed_to_delegate_to.clear();
    p.origin = origin;
    Ok(Some(p))
}

/// Typed principals' identifiers, upper-cased.
fn typed(list: &[super::objects::Typed<'_>], field: &str) -> Result<Vec<Box<str>>, Bad> {
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            t.id.as_ref()
                .map(upper)
                .ok_or_else(|| Bad::new(format!("{field}[{i}].ObjectIdentifier"), "missing"))
        })
        .collect()
}

/// A domain, or `None` for a deleted one.
///
/// # Errors
///
/// When a value the importer reads is missing or malformed.
pub fn domain(obj: &Obj<'_, DomainKind>, origin: Origin) -> Result<Option<DomainRec>, Bad> {
    if obj.deleted {
        return Ok(None);
    }
    let sid = obj
        .id
        .as_ref()
        .ok_or_else(|| Bad::new("ObjectIdentifier", "missing"))?;
    let name = obj
        .props
        .name
        .as_ref()
        .or(obj.props.domain.as_ref())
        .ok_or_else(|| {
            Bad::new(
                "Properties.name",
                "missing: a domain is named by its DNS name",
            )
        })?;
    let machine_account_quota = match &obj.props.machineaccountquota {
        Some(v) => Some(number(v, "Properties.machineaccountquota")?),
        None => None,
    };
    let trusts = obj
        .trusts
        .iter()
        .enumerate()
        .map(|(i, t)| trust(t, i))
        .collect::<Result<Vec<_>, Bad>>()?;
    Ok(Some(DomainRec {
        sid: upper(sid),
        name: lower(name),
        functional_level: obj.props.functionallevel.as_ref().map(owned),
        machine_account_quota,
        trusts,
        origin,
    }))
}

/// One of a domain's trusts (its index `i` in `Trusts`).
fn trust(t: &TrustObj<'_>, i: usize) -> Result<TrustRec, Bad> {
    let at = |f: &str| format!("Trusts[{i}].{f}");
    let target_name = t
        .target_name
        .as_ref()
        .ok_or_else(|| Bad::new(at("TargetDomainName"), "missing"))?;
    let direction = match &t.direction {
        None => return Err(Bad::new(at("TrustDirection"), "missing")),
        Some(v) => direction(v).ok_or_else(|| {
            Bad::new(
                at("TrustDirection"),
                format!(
                    "{} is not a trust direction; expected 0-3 or one of: Disabled, Inbound, Outbound, Bidirectional",
                    shown(v)
                ),
            )
        })?,
    };
    let kind = match &t.kind {
        None => TrustType::Unknown,
        Some(v) => trust_type(v).ok_or_else(|| {
            Bad::new(
                at("TrustType"),
                format!(
                    "{} is not a trust type; expected 0-4 or one of: ParentChild, CrossLink, TreeRoot, Forest, External, Unknown",
                    shown(v)
                ),
            )
        })?,
    };
    let attributes = match &t.attributes {
        Some(v) => Some(number(v, &at("TrustAttributes"))?),
        None => None,
    };
    Ok(TrustRec {
        index: i,
        target_sid: t.target_sid.as_ref().filter(|s| !s.is_empty()).map(upper),
        target_name: lower(target_name),
        direction,
        kind,
        transitive: t.transitive,
        sid_filtering: t.sid_filtering,
        tgt_delegation: t.tgt_delegation,
        attributes,
    })
}

fn shown(v: &NumOrStr<'_>) -> String {
    match v {
        NumOrStr::Num(n) => n.to_string(),
        NumOrStr::Str(s) => format!("`{}`", &**s),
    }
}

/// A trust direction: SharpHound's enum as a number (v5, bloodhound.py) or a name (v6).
fn direction(v: &NumOrStr<'_>) -> Option<Direction> {
    const ALL: [(&str, Direction); 4] = [
        ("Disabled", Direction::Disabled),
        ("Inbound", Direction::Inbound),
        ("Outbound", Direction::Outbound),
        ("Bidirectional", Direction::Bidirectional),
    ];
    match v {
        NumOrStr::Num(n) => usize::try_from(*n)
            .ok()
            .and_then(|i| ALL.get(i))
            .map(|(_, d)| *d),
        NumOrStr::Str(s) => ALL
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, d)| *d),
    }
}

/// A trust type: SharpHound's enum as a number (v5, bloodhound.py: ParentChild 0, CrossLink 1,
/// Forest 2, External 3, Unknown 4) or a name (v6, which adds TreeRoot).
fn trust_type(v: &NumOrStr<'_>) -> Option<TrustType> {
    const NUMBERED: [TrustType; 5] = [
        TrustType::ParentChild,
        TrustType::CrossLink,
        TrustType::Forest,
        TrustType::External,
        TrustType::Unknown,
    ];
    const NAMED: [(&str, TrustType); 6] = [
        ("ParentChild", TrustType::ParentChild),
        ("CrossLink", TrustType::CrossLink),
        ("TreeRoot", TrustType::TreeRoot),
        ("Forest", TrustType::Forest),
        ("External", TrustType::External),
        ("Unknown", TrustType::Unknown),
    ];
    match v {
        NumOrStr::Num(n) => usize::try_from(*n)
            .ok()
            .and_then(|i| NUMBERED.get(i))
            .copied(),
        NumOrStr::Str(s) => NAMED
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, t)| *t),
    }
}
