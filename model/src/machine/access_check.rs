//! The access check: mandatory integrity, privilege-granted rights, the owner's implied
//! rights, the ordered DACL walk and the restricted second pass (ACC-*, MIC-*).
//!
//! This is SeAccessCheck as the object-open paths and the AccessCheck API use it; the
//! callers decide beforehand whether the token may be used at all (TOK-5, TOK-6).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::IntegrityLevel;
use crate::machine::acl::{Ace, AceKind, LabelPolicy, MandatoryLabel, SecurityDescriptor};
use crate::machine::ids::PrincipalId;
use crate::machine::principal::wk;
use crate::machine::privilege::Privilege;
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::token::Token;
use crate::machine::world::World;
use crate::rules::RuleId;

/// A refused access and the status it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `ERROR_ACCESS_DENIED`, or `ERROR_PRIVILEGE_NOT_HELD` for ACCESS_SYSTEM_SECURITY.
    pub error: ErrorCode,
}

/// The result of an access check: the granted rights, or the refusal.
pub type AccessResult = Result<AccessMask, Refusal>;

/// Checks whether `token` may have `desired` on an object of `object_type` protected by
/// `sd`. Generic rights in `desired` are mapped first; `MAXIMUM_ALLOWED` asks for
/// everything the descriptor allows.
pub fn access_check(
    world: &World,
    token: &Token,
    sd: &SecurityDescriptor,
    object_type: ObjectType,
    desired: AccessMask,
    trail: &mut Trail,
) -> AccessResult {
    if desired.is_empty() {
        trail.note(RuleId::ACC_3, || {
            "no access was asked for, which the access check refuses".to_owned()
        });
        return Err(denied());
    }
    let mapping = object_type.generic_mapping();
    let request = Request {
        object_type,
        wanted: mapping.map(desired.without(AccessMask::MAXIMUM_ALLOWED)),
        maximum: desired.contains(AccessMask::MAXIMUM_ALLOWED),
    };
    if desired.intersects(AccessMask::GENERIC_MASK) {
        trail.note(RuleId::ACC_8, || {
            format!(
                "generic rights map through the {object_type} mapping to {}",
                names(object_type, request.wanted)
            )
        });
    }
    let mic_allowed = mandatory_bound(token, sd, request, trail)?;
    let granted = privilege_rights(token, request, trail)?;
    let pass = Pass {
        world,
        token,
        sd,
        request,
        identity: Identity::Normal,
    };
    let first = pass.walk(granted, trail).ok_or_else(denied)?;
    let result = if token.is_restricted() {
        restricted_pass(pass, granted, first, trail)?
    } else {
        first
    };
    maximum_allowed(result.and(mic_allowed), request, trail)
}

/// What one access check asks for: the rights wanted (generic rights mapped), and whether
/// `MAXIMUM_ALLOWED` asks for everything the descriptor allows.
#[derive(Clone, Copy)]
struct Request {
    object_type: ObjectType,
    wanted: AccessMask,
    maximum: bool,
}

/// The refusal every denied access maps to, but ACCESS_SYSTEM_SECURITY's.
fn denied() -> Refusal {
    Refusal {
        error: ErrorCode::ERROR_ACCESS_DENIED,
    }
}

/// MIC-1, MIC-2: the mandatory check, which bounds what the DACL may grant. Returns the
/// rights a token of lower integrity than the object may still have (every right for a
/// token at or above it), or the refusal when the rights asked for exceed them.
fn mandatory_bound(
    token: &Token,
    sd: &SecurityDescriptor,
    request: Request,
    trail: &mut Trail,
) -> AccessResult {
    let mapping = request.object_type.generic_mapping();
    let label = sd.label.unwrap_or(MandatoryLabel {
        level: IntegrityLevel::Medium,
        policy: LabelPolicy {
            no_write_up: true,
            no_read_up: false,
            no_execute_up: false,
        },
    });
    if sd.label.is_none() && token.integrity < IntegrityLevel::Medium {
        trail.note(RuleId::MIC_1, || {
            "the object has no mandatory label, so it counts as Medium with no-write-up".to_owned()
        });
    }
    if token.integrity >= label.level {
        return Ok(AccessMask(u32::MAX));
    }
    let mut allowed = AccessMask::NONE;
    if !label.policy.no_read_up {
        allowed = allowed.with(mapping.read);
    }
    if !label.policy.no_write_up {
        allowed = allowed.with(mapping.write);
    }
    if !label.policy.no_execute_up {
        allowed = allowed.with(mapping.execute);
    }
    trail.note(RuleId::MIC_2, || {
        format!(
            "the token's integrity ({}) is below the object's ({}), so only {} may be granted",
            token.integrity,
            label.level,
            if allowed.is_empty() {
                "nothing".to_owned()
            } else {
                names(request.object_type, allowed)
            }
        )
    });
    if !request.maximum
        && !allowed.contains(request.wanted.without(AccessMask::ACCESS_SYSTEM_SECURITY))
    {
        return Err(denied());
    }
    Ok(allowed.with(AccessMask::ACCESS_SYSTEM_SECURITY))
}

/// ACC-6, ACC-7: the rights only privileges grant, or the refusal of ACCESS_SYSTEM_SECURITY
/// to a token without SeSecurityPrivilege enabled.
fn privilege_rights(token: &Token, request: Request, trail: &mut Trail) -> AccessResult {
    let mut granted = AccessMask::NONE;
    if request.wanted.contains(AccessMask::ACCESS_SYSTEM_SECURITY) {
        if token.privileges.is_enabled(Privilege::Security) {
            granted = granted.with(AccessMask::ACCESS_SYSTEM_SECURITY);
            trail.note(RuleId::ACC_6, || {
                "ACCESS_SYSTEM_SECURITY is granted by the enabled SeSecurityPrivilege".to_owned()
            });
        } else {
            trail.note(RuleId::ACC_6, || {
                "ACCESS_SYSTEM_SECURITY needs SeSecurityPrivilege enabled, and the token lacks it".to_owned()
            });
            return Err(Refusal {
                error: ErrorCode::ERROR_PRIVILEGE_NOT_HELD,
            });
        }
    }
    if (request.wanted.contains(AccessMask::WRITE_OWNER) || request.maximum)
        && token.privileges.is_enabled(Privilege::TakeOwnership)
    {
        granted = granted.with(AccessMask::WRITE_OWNER);
        trail.note(RuleId::ACC_7, || {
            "WRITE_OWNER is granted by the enabled SeTakeOwnershipPrivilege".to_owned()
        });
    }
    Ok(granted)
}

/// ACC-9: a restricted token must also pass with its restricting SIDs. `first` is what the
/// first pass (`normal`) granted; returns what both passes grant together.
fn restricted_pass(
    normal: Pass<'_>,
    pre_granted: AccessMask,
    first: AccessMask,
    trail: &mut Trail,
) -> AccessResult {
    let Pass {
        world,
        token,
        request,
        ..
    } = normal;
    let object_type = request.object_type;
    let write = restricted_write_rights(world, object_type);
    if token.write_restricted {
        trail.note(RuleId::OQM_9, || {
            format!(
                "no page defines write access for a write-restricted token; under the selected reading it is {}",
                names(object_type, write)
            )
        });
    }
    let second_wanted = if token.write_restricted {
        request.wanted.and(write)
    } else {
        request.wanted
    };
    if token.write_restricted && second_wanted.is_empty() && !request.maximum {
        trail.note(RuleId::ACC_9, || {
            "the token is write-restricted and no write access is asked, so the restricting SIDs are not consulted".to_owned()
        });
        return Ok(first);
    }
    let restricting = Pass {
        request: Request {
            wanted: second_wanted,
            ..request
        },
        identity: Identity::Restricting,
        ..normal
    };
    let Some(mask) = restricting.walk(pre_granted, trail) else {
        trail.note(RuleId::ACC_9, || {
            "the second pass with the restricting SIDs does not grant the access, so it is denied".to_owned()
        });
        return Err(denied());
    };
    let result = if token.write_restricted {
        first.without(write).with(first.and(mask).and(write))
    } else {
        first.and(mask)
    };
    trail.note(RuleId::ACC_9, || {
        format!(
            "the restricting SIDs ({}) also grant it; both passes together grant {}",
            token
                .restricted_sids
                .iter()
                .map(|s| world.name_of(*s).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            names(object_type, result)
        )
    });
    Ok(result)
}

/// OQM-9: what counts as write access for a write-restricted token, under the selected
/// reading.
fn restricted_write_rights(world: &World, object_type: ObjectType) -> AccessMask {
    let mapping = object_type.generic_mapping();
    if world.settings.readings.alternative(RuleId::OQM_9) {
        mapping.write
    } else {
        mapping
            .write
            .without(AccessMask::READ_CONTROL.with(AccessMask::SYNCHRONIZE))
            .with(AccessMask::DELETE)
            .with(AccessMask::WRITE_DAC)
            .with(AccessMask::WRITE_OWNER)
    }
}

/// ACC-3: a `MAXIMUM_ALLOWED` request is granted everything the checks left (and refused
/// when that is nothing, or lacks a right asked for beside it); any other request is
/// granted `result`.
fn maximum_allowed(result: AccessMask, request: Request, trail: &mut Trail) -> AccessResult {
    if !request.maximum {
        return Ok(result);
    }
    if result.is_empty() || !result.contains(request.wanted) {
        trail.note(RuleId::ACC_3, || {
            "MAXIMUM_ALLOWED finds no right the token may have, so the access is denied".to_owned()
        });
        return Err(denied());
    }
    trail.note(RuleId::ACC_3, || {
        format!(
            "MAXIMUM_ALLOWED grants everything the descriptor allows: {}",
            names(request.object_type, result)
        )
    });
    Ok(result)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// The user and groups.
    Normal,
    /// The restricting SIDs (ACC-9).
    Restricting,
}

/// One walk of the DACL, for the token's user and groups or for its restricting SIDs.
#[derive(Clone, Copy)]
struct Pass<'a> {
    world: &'a World,
    token: &'a Token,
    sd: &'a SecurityDescriptor,
    request: Request,
    identity: Identity,
}

/// The rights a walk of the DACL has granted and denied so far.
struct Walked {
    granted: AccessMask,
    denied: AccessMask,
}

impl Pass<'_> {
    /// Whether an allow entry for `sid` applies to this pass.
    fn grants_to(&self, sid: PrincipalId) -> bool {
        match self.identity {
            Identity::Normal => self.token.has_enabled(sid),
            Identity::Restricting => self.token.restricted_sids.contains(&sid),
        }
    }

    /// Whether a deny entry for `sid` applies to this pass.
    fn denies_to(&self, sid: PrincipalId) -> bool {
        match self.identity {
            Identity::Normal => self.token.deny_sids().any(|s| s == sid),
            Identity::Restricting => self.token.restricted_sids.contains(&sid),
        }
    }

    /// Whether the pass counts as the object's owner.
    fn is_owner(&self) -> bool {
        self.grants_to(self.sd.owner)
    }

    /// Whether `ace` (an allow entry when `allow`) applies to this pass; an OWNER RIGHTS
    /// entry applies to the owner.
    fn matches(&self, ace: &Ace, allow: bool) -> bool {
        if ace.principal == wk::OWNER_RIGHTS {
            return self.is_owner();
        }
        if allow {
            self.grants_to(ace.principal)
        } else {
            self.denies_to(ace.principal)
        }
    }

    /// The suffix naming the pass in the trail.
    fn label(&self) -> &'static str {
        match self.identity {
            Identity::Normal => "",
            Identity::Restricting => " (restricting SIDs)",
        }
    }

    /// Walks the DACL. Returns the granted rights, or `None` when the request is denied.
    fn walk(&self, pre_granted: AccessMask, trail: &mut Trail) -> Option<AccessMask> {
        let Request {
            object_type,
            wanted,
            maximum,
        } = self.request;
        let granted = self.owner_implied(pre_granted, trail);
        let Some(dacl) = &self.sd.dacl else {
            trail.note(RuleId::ACC_2, || {
                "the object has a NULL DACL, which grants every access".to_owned()
            });
            return Some(if maximum {
                object_type.generic_mapping().all.with(granted)
            } else {
                wanted
            });
        };
        if dacl.is_empty() {
            trail.note(RuleId::ACC_2, || {
                "the DACL is empty, so nothing is granted beyond the owner's implied rights"
                    .to_owned()
            });
        }
        let mut walked = Walked {
            granted,
            denied: AccessMask::NONE,
        };
        for (index, ace) in dacl.iter().enumerate() {
            if !maximum && walked.granted.contains(wanted) {
                break;
            }
            self.entry(index + 1, ace, &mut walked, trail)?;
        }
        self.verdict(walked.granted, trail)
    }

    /// ACC-4: the owner's implied rights, unless an OWNER RIGHTS entry is present.
    fn owner_implied(&self, granted: AccessMask, trail: &mut Trail) -> AccessMask {
        let Request {
            wanted, maximum, ..
        } = self.request;
        if !self.is_owner() {
            return granted;
        }
        let owner_rights_present = self
            .sd
            .dacl
            .as_ref()
            .is_some_and(|d| d.iter().any(|a| a.principal == wk::OWNER_RIGHTS));
        let implied = AccessMask::READ_CONTROL.with(AccessMask::WRITE_DAC);
        if owner_rights_present {
            trail.note(RuleId::ACC_4, || {
                format!(
                    "{} owns the object, but an OWNER RIGHTS entry replaces the owner's implied rights",
                    self.world.name_of(self.sd.owner)
                )
            });
            granted
        } else if maximum || wanted.intersects(implied) {
            trail.note(RuleId::ACC_4, || {
                format!(
                    "{} owns the object, which implies READ_CONTROL and WRITE_DAC",
                    self.world.name_of(self.sd.owner)
                )
            });
            granted.with(if maximum {
                implied
            } else {
                wanted.and(implied)
            })
        } else {
            granted
        }
    }

    /// One entry of the DACL, numbered from 1. Returns `None` when it denies the request.
    fn entry(
        &self,
        number: usize,
        ace: &Ace,
        walked: &mut Walked,
        trail: &mut Trail,
    ) -> Option<()> {
        let object_type = self.request.object_type;
        let mask = object_type.generic_mapping().map(ace.mask);
        let applies = self.matches(ace, ace.kind == AceKind::Allow);
        if applies && ace.mask.intersects(AccessMask::GENERIC_MASK) {
            trail.note(RuleId::ACC_8, || {
                format!(
                    "entry {number} holds generic rights, which map to {}",
                    names(object_type, mask)
                )
            });
        }
        match ace.kind {
            AceKind::Allow => {
                self.allow_entry(number, ace, mask, walked, trail);
                Some(())
            }
            AceKind::Deny => self.deny_entry(number, ace, mask, walked, trail),
        }
    }

    /// ACC-1, ACC-5: an allow entry grants what it holds that is neither granted nor denied
    /// yet (and asked for, unless `MAXIMUM_ALLOWED`); it grants nothing to a deny-only SID.
    fn allow_entry(
        &self,
        number: usize,
        ace: &Ace,
        mask: AccessMask,
        walked: &mut Walked,
        trail: &mut Trail,
    ) {
        let Request {
            object_type,
            wanted,
            maximum,
        } = self.request;
        let pass = self.label();
        if self.matches(ace, true) {
            let fresh = mask.without(walked.denied).without(walked.granted);
            let fresh = if maximum { fresh } else { fresh.and(wanted) };
            if !fresh.is_empty() {
                walked.granted = walked.granted.with(fresh);
                trail.note(RuleId::ACC_1, || {
                    format!(
                        "entry {number} allows {} {}{pass}",
                        self.world.name_of(ace.principal),
                        names(object_type, fresh)
                    )
                });
            }
        } else if self.identity == Identity::Normal && sid_is_deny_only(self.token, ace.principal) {
            trail.note(RuleId::ACC_5, || {
                format!(
                    "entry {number} allows {}, but that SID is deny-only in the token, so it grants nothing",
                    self.world.name_of(ace.principal)
                )
            });
        }
    }

    /// ACC-1, ACC-5: a deny entry for rights not granted yet denies the whole request, or,
    /// under `MAXIMUM_ALLOWED`, keeps later entries from granting them. Deny-only SIDs still
    /// match deny entries. Returns `None` when it denies the request.
    fn deny_entry(
        &self,
        number: usize,
        ace: &Ace,
        mask: AccessMask,
        walked: &mut Walked,
        trail: &mut Trail,
    ) -> Option<()> {
        let Request {
            object_type,
            wanted,
            maximum,
        } = self.request;
        let pass = self.label();
        if !self.matches(ace, false) {
            return Some(());
        }
        let hit = if maximum {
            mask.without(walked.granted)
        } else {
            mask.and(wanted).without(walked.granted)
        };
        if hit.is_empty() {
            return Some(());
        }
        if maximum {
            walked.denied = walked.denied.with(hit);
            trail.note(RuleId::ACC_1, || {
                format!(
                    "entry {number} denies {} {}{pass}",
                    self.world.name_of(ace.principal),
                    names(object_type, hit)
                )
            });
            return Some(());
        }
        let deny_only =
            self.identity == Identity::Normal && sid_is_deny_only(self.token, ace.principal);
        trail.note(
            if deny_only {
                RuleId::ACC_5
            } else {
                RuleId::ACC_1
            },
            || {
                format!(
                    "entry {number} denies {} {}{}{pass}, so the whole request is denied",
                    self.world.name_of(ace.principal),
                    names(object_type, hit),
                    if deny_only {
                        " (deny-only SIDs still match deny entries)"
                    } else {
                        ""
                    }
                )
            },
        );
        None
    }

    /// ACC-1: after the walk, `MAXIMUM_ALLOWED` gets what was granted; any other request is
    /// granted when every right asked for was, and denied otherwise.
    fn verdict(&self, granted: AccessMask, trail: &mut Trail) -> Option<AccessMask> {
        let Request {
            object_type,
            wanted,
            maximum,
        } = self.request;
        if maximum {
            return Some(granted);
        }
        if granted.contains(wanted) {
            return Some(wanted);
        }
        let missing = wanted.without(granted);
        let pass = self.label();
        trail.note(RuleId::ACC_1, || {
            format!(
                "no entry grants {}{pass}, so the request is denied",
                names(object_type, missing)
            )
        });
        None
    }
}

/// Whether `sid` is in the token only for deny entries (a deny-only group or user).
fn sid_is_deny_only(token: &Token, sid: PrincipalId) -> bool {
    token.group(sid).is_some_and(|g| g.attrs.deny_only())
        || (token.user_deny_only && token.user == sid)
}

/// The names of the rights in `mask`, comma-separated.
#[must_use]
pub fn names(object_type: ObjectType, mask: AccessMask) -> String {
    if let Some(all) = object_type
        .specific_rights()
        .iter()
        .find(|r| r.composite && r.name.ends_with("_ALL_ACCESS") && r.mask == mask.0)
    {
        return all.name.to_owned();
    }
    let n = object_type.names_of(mask);
    if n.is_empty() {
        "no rights".to_owned()
    } else {
        n.join("|")
    }
}
