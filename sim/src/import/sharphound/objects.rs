//! The objects of a collection file as SharpHound and bloodhound.py write them, field by
//! field: the file itself (`data`, `meta`), users, computers, groups and domains (one shape,
//! each kind with its own fields), their `Properties`, ACEs, typed principals and trusts.
//! Fields the importer does not read are skipped without being kept; fields the format does
//! not have are counted. Field lists follow SharpHoundCommon's OutputTypes and BloodHound
//! CE's ingest models (`packages/go/ein/incoming_models.go`).

use std::marker::PhantomData;

use serde::de::{IgnoredAny, MapAccess};
use serde_json::value::RawValue;

use super::json::{Ctx, Fields, NumOrStr, Object, Objects, Str, Strings};

/// A collection file: its `data` kept unread until `meta` says what it holds.
#[derive(Default)]
pub struct FileTop<'de> {
    /// The objects, not yet read.
    pub data: Option<&'de RawValue>,
    /// What the file holds.
    pub meta: Option<Meta<'de>>,
}

impl<'de> Fields<'de> for FileTop<'de> {
    const NAME: &'static str = "file";
    const FIELDS: &'static [&'static str] = &["data", "meta"];
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        ctx: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "data" => self.data = Some(map.next_value()?),
            _ => self.meta = Some(map.next_value_seed(Object::new(ctx))?),
        }
        Ok(())
    }
}

/// A file's `meta`: the kind of its objects and the format's version.
#[derive(Default)]
pub struct Meta<'de> {
    /// `users`, `computers`, `groups`, `domains`, ...
    pub kind: Option<Str<'de>>,
    /// The data format version (5: BloodHound 4.x, 6: BloodHound CE).
    pub version: Option<NumOrStr<'de>>,
}

impl<'de> Fields<'de> for Meta<'de> {
    const NAME: &'static str = "meta";
    const FIELDS: &'static [&'static str] =
        &["type", "version", "count", "methods", "collectorversion"];
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        _: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "type" => self.kind = map.next_value()?,
            "version" => self.version = map.next_value()?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `Properties` an object has that the importer reads (an open bag: other keys are
/// expected and skipped).
#[derive(Default)]
pub struct Props<'de> {
    /// `ALICE@CORP.LOCAL`, `WEB01.CORP.LOCAL`, `CORP.LOCAL`.
    pub name: Option<Str<'de>>,
    /// The DNS name of the object's domain.
    pub domain: Option<Str<'de>>,
    /// sAMAccountName.
    pub samaccountname: Option<Str<'de>>,
    /// Not ACCOUNTDISABLE.
    pub enabled: Option<bool>,
    /// TRUSTED_FOR_DELEGATION.
    pub unconstraineddelegation: Option<bool>,
    /// TRUSTED_TO_AUTH_FOR_DELEGATION.
    pub trustedtoauth: Option<bool>,
    /// NOT_DELEGATED.
    pub sensitive: Option<bool>,
    /// SERVER_TRUST_ACCOUNT on a computer (SharpHound from 2024).
    pub isdc: Option<bool>,
    /// userAccountControl as a number.
    pub useraccountcontrol: Option<NumOrStr<'de>>,
    /// servicePrincipalName.
    pub serviceprincipalnames: Vec<Str<'de>>,
    /// msDS-AllowedToDelegateTo, raw SPNs.
    pub allowedtodelegate: Vec<Str<'de>>,
    /// A domain's functional level (`2016`, `2012 R2`).
    pub functionallevel: Option<Str<'de>>,
    /// A domain's ms-DS-MachineAccountQuota (SharpHound from 2024).
    pub machineaccountquota: Option<NumOrStr<'de>>,
}

impl<'de> Fields<'de> for Props<'de> {
    const NAME: &'static str = "Properties";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "domain",
        "samaccountname",
        "enabled",
        "unconstraineddelegation",
        "trustedtoauth",
        "sensitive",
        "isdc",
        "useraccountcontrol",
        "serviceprincipalnames",
        "allowedtodelegate",
        "functionallevel",
        "machineaccountquota",
    ];
    const OPEN: bool = true;
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        ctx: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "name" => self.name = map.next_value()?,
            "domain" => self.domain = map.next_value()?,
            "samaccountname" => self.samaccountname = map.next_value()?,
            "enabled" => self.enabled = map.next_value()?,
            "unconstraineddelegation" => self.unconstraineddelegation = map.next_value()?,
            "trustedtoauth" => self.trustedtoauth = map.next_value()?,
            "sensitive" => self.sensitive = map.next_value()?,
            "isdc" => self.isdc = map.next_value()?,
            "useraccountcontrol" => self.useraccountcontrol = map.next_value()?,
            "serviceprincipalnames" => {
                self.serviceprincipalnames = map.next_value_seed(Strings(ctx))?;
            }
            "allowedtodelegate" => self.allowedtodelegate = map.next_value_seed(Strings(ctx))?,
            "functionallevel" => self.functionallevel = map.next_value()?,
            _ => self.machineaccountquota = map.next_value()?,
        }
        Ok(())
    }
}

/// An access control entry as BloodHound writes it: who holds which right.
#[derive(Default)]
pub struct Ace<'de> {
    /// The trustee's object identifier.
    pub principal: Option<Str<'de>>,
    /// The right (`GenericAll`, `WriteSPN`, ...).
    pub right: Option<Str<'de>>,
}

impl<'de> Fields<'de> for Ace<'de> {
    const NAME: &'static str = "ACE";
    const FIELDS: &'static [&'static str] = &[
        "PrincipalSID",
        "RightName",
        "PrincipalType",
        "IsInherited",
        "InheritanceHash",
    ];
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        _: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "PrincipalSID" => self.principal = map.next_value()?,
            "RightName" => self.right = map.next_value()?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A principal named by its object identifier and type (a group member, an RBCD entry).
#[derive(Default)]
pub struct Typed<'de> {
    /// Its object identifier.
    pub id: Option<Str<'de>>,
}

impl<'de> Fields<'de> for Typed<'de> {
    const NAME: &'static str = "TypedPrincipal";
    const FIELDS: &'static [&'static str] = &["ObjectIdentifier", "ObjectType"];
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        _: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "ObjectIdentifier" => self.id = map.next_value()?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A trust as a domain's collection describes it.
#[derive(Default)]
pub struct TrustObj<'de> {
    /// The other domain's SID.
    pub target_sid: Option<Str<'de>>,
    /// The other domain's DNS name.
    pub target_name: Option<Str<'de>>,
    /// Not TRUST_ATTRIBUTE_NON_TRANSITIVE.
    pub transitive: Option<bool>,
    /// SID filtering as the collector judged it.
    pub sid_filtering: Option<bool>,
    /// TGT delegation as the collector judged it (SharpHound v6).
    pub tgt_delegation: Option<bool>,
    /// trustAttributes (SharpHound v6: a string of digits).
    pub attributes: Option<NumOrStr<'de>>,
    /// 0-3 (v5, bloodhound.py) or `Disabled`, `Inbound`, `Outbound`, `Bidirectional` (v6).
    pub direction: Option<NumOrStr<'de>>,
    /// 0-4 (v5, bloodhound.py) or `ParentChild`, `CrossLink`, `Forest`, `External`,
    /// `Unknown`, `TreeRoot` (v6).
    pub kind: Option<NumOrStr<'de>>,
}

impl<'de> Fields<'de> for TrustObj<'de> {
    const NAME: &'static str = "Trust";
    const FIELDS: &'static [&'static str] = &[
        "TargetDomainSid",
        "TargetDomainName",
        "IsTransitive",
        "SidFilteringEnabled",
        "TGTDelegationEnabled",
        "TrustAttributes",
        "TrustDirection",
        "TrustType",
    ];
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        _: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "TargetDomainSid" => self.target_sid = map.next_value()?,
            "TargetDomainName" => self.target_name = map.next_value()?,
            "IsTransitive" => self.transitive = map.next_value()?,
            "SidFilteringEnabled" => self.sid_filtering = map.next_value()?,
            "TGTDelegationEnabled" => self.tgt_delegation = map.next_value()?,
            "TrustAttributes" => self.attributes = map.next_value()?,
            "TrustDirection" => self.direction = map.next_value()?,
            _ => self.kind = map.next_value()?,
        }
        Ok(())
    }
}

/// The kind of a file's objects, and the fields such an object has.
pub trait Kind {
    /// Its name in counts and messages (`User`).
    const NAME: &'static str;
    /// Its fields (those the importer reads and those it skips).
    const FIELDS: &'static [&'static str];
    /// Whether its ACEs are read (a user's and a computer's say who may write their RBCD list
    /// and SPNs; a group's and a domain's are not read).
    const ACES: bool;
}

/// Users (`meta.type: users`).
pub struct UserKind;
/// Computers (`meta.type: computers`).
pub struct ComputerKind;
/// Groups (`meta.type: groups`).
pub struct GroupKind;
/// Domains (`meta.type: domains`).
pub struct DomainKind;

/// The fields every object has (SharpHoundCommon's OutputBase).
macro_rules! base_fields {
    ($($more:literal),* $(,)?) => {
        &[
            "ObjectIdentifier",
            "Properties",
            "Aces",
            "IsDeleted",
            "IsACLProtected",
            "ContainedBy",
            $($more),*
        ]
    };
}

impl Kind for UserKind {
    const NAME: &'static str = "User";
    const FIELDS: &'static [&'static str] = base_fields!(
        "AllowedToDelegate",
        "PrimaryGroupSID",
        "HasSIDHistory",
        "SPNTargets",
        "UnconstrainedDelegation",
        "DomainSID",
    );
    const ACES: bool = true;
}

impl Kind for ComputerKind {
    const NAME: &'static str = "Computer";
    const FIELDS: &'static [&'static str] = base_fields!(
        "PrimaryGroupSID",
        "AllowedToDelegate",
        "AllowedToAct",
        "HasSIDHistory",
        "DumpSMSAPassword",
        "Sessions",
        "PrivilegedSessions",
        "RegistrySessions",
        "LocalGroups",
        "UserRights",
        "DCRegistryData",
        "Status",
        "IsDC",
        "UnconstrainedDelegation",
        "DomainSID",
        "SmbInfo",
        "IsWebClientRunning",
        "NTLMRegistryData",
        "LocalAdmins",
        "RemoteDesktopUsers",
        "DcomUsers",
        "PSRemoteUsers",
    );
    const ACES: bool = true;
}

impl Kind for GroupKind {
    const NAME: &'static str = "Group";
    const FIELDS: &'static [&'static str] = base_fields!("Members", "HasSIDHistory");
    const ACES: bool = false;
}

impl Kind for DomainKind {
    const NAME: &'static str = "Domain";
    const FIELDS: &'static [&'static str] = base_fields!(
        "Trusts",
        "ChildObjects",
        "Links",
        "GPOChanges",
        "InheritanceHashes",
    );
    const ACES: bool = false;
}

/// An object of kind `K`: the fields of every kind, each filled only when `K` has it.
pub struct Obj<'de, K> {
    /// ObjectIdentifier: a SID (`S-1-5-21-...-1104`), or one prefixed by its domain for a
    /// well-known principal (`CORP.LOCAL-S-1-5-32-544`).
    pub id: Option<Str<'de>>,
    /// Properties.
    pub props: Props<'de>,
    /// ACEs (users and computers).
    pub aces: Vec<Ace<'de>>,
    /// IsDeleted.
    pub deleted: bool,
    /// PrimaryGroupSID (users, computers).
    pub primary_group: Option<Str<'de>>,
    /// UnconstrainedDelegation (users, computers; SharpHound v6 from 2024).
    pub unconstrained: Option<bool>,
    /// IsDC (computers; SharpHound v6 from 2024).
    pub is_dc: Option<bool>,
    /// AllowedToAct (computers): msDS-AllowedToActOnBehalfOfOtherIdentity.
    pub allowed_to_act: Vec<Typed<'de>>,
    /// Members (groups).
    pub members: Vec<Typed<'de>>,
    /// Trusts (domains).
    pub trusts: Vec<TrustObj<'de>>,
    kind: PhantomData<K>,
}

impl<K> Default for Obj<'_, K> {
    fn default() -> Self {
        Obj {
            id: None,
            props: Props::default(),
            aces: Vec::new(),
            deleted: false,
            primary_group: None,
            unconstrained: None,
            is_dc: None,
            allowed_to_act: Vec::new(),
            members: Vec::new(),
            trusts: Vec::new(),
            kind: PhantomData,
        }
    }
}

impl<'de, K: Kind> Fields<'de> for Obj<'de, K> {
    const NAME: &'static str = K::NAME;
    const FIELDS: &'static [&'static str] = K::FIELDS;
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        ctx: &Ctx,
    ) -> Result<(), A::Error> {
        match field {
            "ObjectIdentifier" => self.id = map.next_value()?,
            "Properties" => self.props = map.next_value_seed(Object::new(ctx))?,
            "Aces" if K::ACES => self.aces = map.next_value_seed(Objects::new(ctx))?,
            "IsDeleted" => self.deleted = map.next_value::<Option<bool>>()?.unwrap_or(false),
            "PrimaryGroupSID" => self.primary_group = map.next_value()?,
            "UnconstrainedDelegation" => self.unconstrained = map.next_value()?,
            "IsDC" => self.is_dc = map.next_value()?,
            "AllowedToAct" => self.allowed_to_act = map.next_value_seed(Objects::new(ctx))?,
            "Members" => self.members = map.next_value_seed(Objects::new(ctx))?,
            "Trusts" => self.trusts = map.next_value_seed(Objects::new(ctx))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
