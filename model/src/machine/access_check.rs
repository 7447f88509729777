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
        return Err(Refusal {
            error: ErrorCode::ERROR_ACCESS_DENIED,
        });
    }
    let mapping = object_type.generic_mapping();
    let maximum = desired.contains(AccessMask::MAXIMUM_ALLOWED);
    let wanted = mapping.map(desired.without(AccessMask::MAXIMUM_ALLOWED));
    if desired.intersects(AccessMask::GENERIC_MASK) {
        trail.note(RuleId::ACC_8, || {
            format!(
                "generic rights map through the {object_type} mapping to {}",
                names(object_type, wanted)
            )
        });
    }
    let names_of = |id: PrincipalId| world.name_of(id);

    // MIC-1, MIC-2: the mandatory check bounds what the DACL may grant.
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
    let mic_allowed = if token.integrity < label.level {
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
                    names(object_type, allowed)
                }
            )
        });
        if !maximum && !allowed.contains(wanted.without(AccessMask::ACCESS_SYSTEM_SECURITY)) {
            return Err(Refusal {
                error: ErrorCode::ERROR_ACCESS_DENIED,
            });
        }
        allowed.with(AccessMask::ACCESS_SYSTEM_SECURITY)
    } else {
        AccessMask(u32::MAX)
    };

    // ACC-6, ACC-7: rights only privileges grant.
    let mut granted = AccessMask::NONE;
    if wanted.contains(AccessMask::ACCESS_SYSTEM_SECURITY) {
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
    if (wanted.contains(AccessMask::WRITE_OWNER) || maximum)
        && token.privileges.is_enabled(Privilege::TakeOwnership)
    {
        granted = granted.with(AccessMask::WRITE_OWNER);
        trail.note(RuleId::ACC_7, || {
            "WRITE_OWNER is granted by the enabled SeTakeOwnershipPrivilege".to_owned()
        });
    }

    let first = dacl_pass(
        world,
        token,
        sd,
        object_type,
        wanted,
        maximum,
        granted,
        Identity::Normal,
        trail,
    );
    let mut result = match first {
        Some(mask) => mask,
        None => {
            return Err(Refusal {
                error: ErrorCode::ERROR_ACCESS_DENIED,
            });
        }
    };

    // ACC-9: a restricted token must also pass with its restricting SIDs.
    if token.is_restricted() {
        let write = if world.settings.readings.alternative(RuleId::OQM_9) {
            mapping.write
        } else {
            mapping
                .write
                .without(AccessMask::READ_CONTROL.with(AccessMask::SYNCHRONIZE))
                .with(AccessMask::DELETE)
                .with(AccessMask::WRITE_DAC)
                .with(AccessMask::WRITE_OWNER)
        };
        if token.write_restricted {
            trail.note(RuleId::OQM_9, || {
                format!(
                    "no page defines write access for a write-restricted token; under the selected reading it is {}",
                    names(object_type, write)
                )
            });
        }
        let second_wanted = if token.write_restricted {
            wanted.and(write)
        } else {
            wanted
        };
        if token.write_restricted && second_wanted.is_empty() && !maximum {
            trail.note(RuleId::ACC_9, || {
                "the token is write-restricted and no write access is asked, so the restricting SIDs are not consulted".to_owned()
            });
        } else {
            let second = dacl_pass(
                world,
                token,
                sd,
                object_type,
                second_wanted,
                maximum,
                granted,
                Identity::Restricting,
                trail,
            );
            match second {
                Some(mask) => {
                    result = if token.write_restricted {
                        result.without(write).with(result.and(mask).and(write))
                    } else {
                        result.and(mask)
                    };
                    trail.note(RuleId::ACC_9, || {
                        format!(
                            "the restricting SIDs ({}) also grant it; both passes together grant {}",
                            token
                                .restricted_sids
                                .iter()
                                .map(|s| names_of(*s).to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                            names(object_type, result)
                        )
                    });
                }
                None => {
                    trail.note(RuleId::ACC_9, || {
                        "the second pass with the restricting SIDs does not grant the access, so it is denied".to_owned()
                    });
                    return Err(Refusal {
                        error: ErrorCode::ERROR_ACCESS_DENIED,
                    });
                }
            }
        }
    }

    let result = result.and(mic_allowed);
    if maximum {
        let rest_ok = result.contains(wanted);
        if result.is_empty() || !rest_ok {
            trail.note(RuleId::ACC_3, || {
                "MAXIMUM_ALLOWED finds no right the token may have, so the access is denied"
                    .to_owned()
            });
            return Err(Refusal {
                error: ErrorCode::ERROR_ACCESS_DENIED,
            });
        }
        trail.note(RuleId::ACC_3, || {
            format!(
                "MAXIMUM_ALLOWED grants everything the descriptor allows: {}",
                names(object_type, result)
            )
        });
    }
    Ok(result)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// The user and groups.
    Normal,
    /// The restricting SIDs (ACC-9).
    Restricting,
}

/// One walk of the DACL. Returns the granted rights, or `None` when the request is denied.
#[expect(
    clippy::too_many_arguments,
    reason = "the pass is one step of the algorithm and takes its whole state"
)]
fn dacl_pass(
    world: &World,
    token: &Token,
    sd: &SecurityDescriptor,
    object_type: ObjectType,
    wanted: AccessMask,
    maximum: bool,
    pre_granted: AccessMask,
    identity: Identity,
    trail: &mut Trail,
) -> Option<AccessMask> {
    let mapping = object_type.generic_mapping();
    let grants_to = |sid: PrincipalId| -> bool {
        match identity {
            Identity::Normal => token.has_enabled(sid),
            Identity::Restricting => token.restricted_sids.contains(&sid),
        }
    };
    let denies_to = |sid: PrincipalId| -> bool {
        match identity {
            Identity::Normal => token.deny_sids().any(|s| s == sid),
            Identity::Restricting => token.restricted_sids.contains(&sid),
        }
    };
    let is_owner = grants_to(sd.owner);
    let matches = |ace: &Ace, allow: bool| -> bool {
        if ace.principal == wk::OWNER_RIGHTS {
            return is_owner;
        }
        if allow {
            grants_to(ace.principal)
        } else {
            denies_to(ace.principal)
        }
    };

    let mut granted = pre_granted;
    // ACC-4: the owner's implied rights, unless an OWNER RIGHTS entry is present.
    let owner_rights_present = sd
        .dacl
        .as_ref()
        .is_some_and(|d| d.iter().any(|a| a.principal == wk::OWNER_RIGHTS));
    if is_owner {
        let implied = AccessMask::READ_CONTROL.with(AccessMask::WRITE_DAC);
        if owner_rights_present {
            trail.note(RuleId::ACC_4, || {
                format!(
                    "{} owns the object, but an OWNER RIGHTS entry replaces the owner's implied rights",
                    world.name_of(sd.owner)
                )
            });
        } else if maximum || wanted.intersects(implied) {
            granted = granted.with(if maximum {
                implied
            } else {
                wanted.and(implied)
            });
            trail.note(RuleId::ACC_4, || {
                format!(
                    "{} owns the object, which implies READ_CONTROL and WRITE_DAC",
                    world.name_of(sd.owner)
                )
            });
        }
    }

    let Some(dacl) = &sd.dacl else {
        trail.note(RuleId::ACC_2, || {
            "the object has a NULL DACL, which grants every access".to_owned()
        });
        return Some(if maximum {
            mapping.all.with(granted)
        } else {
            wanted
        });
    };
    if dacl.is_empty() {
        trail.note(RuleId::ACC_2, || {
            "the DACL is empty, so nothing is granted beyond the owner's implied rights".to_owned()
        });
    }
    let pass = match identity {
        Identity::Normal => "",
        Identity::Restricting => " (restricting SIDs)",
    };
    let mut denied = AccessMask::NONE;
    for (index, ace) in dacl.iter().enumerate() {
        if !maximum && granted.contains(wanted) {
            break;
        }
        let mask = mapping.map(ace.mask);
        let applies = matches(ace, ace.kind == AceKind::Allow);
        if applies && ace.mask.intersects(AccessMask::GENERIC_MASK) {
            trail.note(RuleId::ACC_8, || {
                format!(
                    "entry {} holds generic rights, which map to {}",
                    index + 1,
                    names(object_type, mask)
                )
            });
        }
        match ace.kind {
            AceKind::Allow => {
                if matches(ace, true) {
                    let fresh = mask.without(denied).without(granted);
                    let fresh = if maximum { fresh } else { fresh.and(wanted) };
                    if !fresh.is_empty() {
                        granted = granted.with(fresh);
                        trail.note(RuleId::ACC_1, || {
                            format!(
                                "entry {} allows {} {}{pass}",
                                index + 1,
                                world.name_of(ace.principal),
                                names(object_type, fresh)
                            )
                        });
                    }
                } else if identity == Identity::Normal && sid_is_deny_only(token, ace.principal) {
                    trail.note(RuleId::ACC_5, || {
                        format!(
                            "entry {} allows {}, but that SID is deny-only in the token, so it grants nothing",
                            index + 1,
                            world.name_of(ace.principal)
                        )
                    });
                }
            }
            AceKind::Deny => {
                if matches(ace, false) {
                    let hit = if maximum {
                        mask.without(granted)
                    } else {
                        mask.and(wanted).without(granted)
                    };
                    if !hit.is_empty() {
                        if maximum {
                            denied = denied.with(hit);
                            trail.note(RuleId::ACC_1, || {
                                format!(
                                    "entry {} denies {} {}{pass}",
                                    index + 1,
                                    world.name_of(ace.principal),
                                    names(object_type, hit)
                                )
                            });
                        } else {
                            let deny_only = identity == Identity::Normal
                                && sid_is_deny_only(token, ace.principal);
                            trail.note(if deny_only { RuleId::ACC_5 } else { RuleId::ACC_1 }, || {
                                format!(
                                    "entry {} denies {} {}{}{pass}, so the whole request is denied",
                                    index + 1,
                                    world.name_of(ace.principal),
                                    names(object_type, hit),
                                    if deny_only { " (deny-only SIDs still match deny entries)" } else { "" }
                                )
                            });
                            return None;
                        }
                    }
                }
            }
        }
    }
    if maximum {
        return Some(granted);
    }
    if granted.contains(wanted) {
        Some(wanted)
    } else {
        let missing = wanted.without(granted);
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
