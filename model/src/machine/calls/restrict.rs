//! CreateRestrictedToken (RTOK-*).

use crate::core::decision::Trail;
use crate::machine::action::{HandleRef, RestrictFlags};
use crate::machine::ids::{PrincipalId, ThreadId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::privilege::Privilege;
use crate::machine::rights::AccessMask;
use crate::machine::room::Room;
use crate::machine::token_copy::{DuplicateSpec, duplicate_for};
use crate::machine::world::{HandleTarget, World};
use crate::rules::RuleId;

use super::handles;

/// The restrictions CreateRestrictedToken applies.
pub(super) struct Restrictions<'a> {
    /// The flags.
    pub flags: RestrictFlags,
    /// `SidsToDisable`.
    pub disable_sids: &'a [PrincipalId],
    /// `PrivilegesToDelete`.
    pub delete_privileges: &'a [Privilege],
    /// `SidsToRestrict`.
    pub restrict_sids: &'a [PrincipalId],
}

/// `CreateRestrictedToken`.
pub(super) fn create_restricted_token(
    world: &mut World,
    caller: ThreadId,
    token: HandleRef,
    r: Restrictions<'_>,
    trail: &mut Trail,
) -> CallResult {
    let (handle, source) = handles::token(
        world,
        caller,
        token,
        (AccessMask::TOKEN_DUPLICATE, RuleId::RTOK_1),
        trail,
    )?;
    let access = world.handle(handle).access;
    let (token_type, level, parent) = {
        let t = world.token(source);
        (t.token_type, t.level, t.token_id)
    };
    let creator = world.effective_token(caller);
    let id = duplicate_for(
        world,
        source,
        DuplicateSpec {
            token_type,
            level,
            effective_only: false,
        },
        creator,
    )
    .or_full(trail)?;
    trail.note(RuleId::RTOK_1, || {
        format!("the new {token_type} token (level {level}) is a child of the source, and its handle has the source handle's access")
    });
    let principals = std::sync::Arc::clone(&world.principals);
    let name = |p: PrincipalId| principals.name(p).to_string();
    let t = world.token_mut(id);
    t.parent_token_id = parent;
    t.has_restrictions = true;
    if r.flags.disable_max_privilege {
        let present: Vec<Privilege> = t.privileges.iter().map(|(p, _)| p).collect();
        for p in present {
            if p != Privilege::ChangeNotify {
                t.privileges.remove(p);
            }
        }
        trail.note(RuleId::RTOK_2, || {
            "DISABLE_MAX_PRIVILEGE removes every privilege but SeChangeNotifyPrivilege".to_owned()
        });
    } else if !r.delete_privileges.is_empty() {
        let held: Vec<&str> = r
            .delete_privileges
            .iter()
            .filter(|p| t.privileges.has(**p))
            .map(|p| p.name())
            .collect();
        for p in r.delete_privileges {
            t.privileges.remove(*p);
        }
        trail.note(RuleId::RTOK_2, || {
            if held.is_empty() {
                "the token holds none of PrivilegesToDelete, so nothing is removed".to_owned()
            } else {
                format!("PrivilegesToDelete removes {} (privileges the token does not hold are ignored)", held.join(", "))
            }
        });
    }
    let mut disabled = Vec::new();
    for sid in r.disable_sids {
        if t.user == *sid {
            t.user_deny_only = true;
            disabled.push(name(*sid));
        } else if let Some(g) = t.groups.iter_mut().find(|g| g.sid == *sid) {
            g.attrs.make_deny_only();
            disabled.push(name(*sid));
        }
    }
    if !r.disable_sids.is_empty() {
        trail.note(RuleId::RTOK_3, || {
            if disabled.is_empty() {
                "none of SidsToDisable is in the token, so nothing becomes deny-only".to_owned()
            } else {
                format!("{} become deny-only", disabled.join(", "))
            }
        });
    }
    if !r.restrict_sids.is_empty() {
        let new: Vec<PrincipalId> = if t.restricted_sids.is_empty() {
            r.restrict_sids.to_vec()
        } else {
            r.restrict_sids
                .iter()
                .copied()
                .filter(|s| t.restricted_sids.contains(s))
                .collect()
        };
        let intersected = !t.restricted_sids.is_empty();
        t.restricted_sids = new.clone();
        t.write_restricted = r.flags.write_restricted;
        trail.note(RuleId::RTOK_4, || {
            format!(
                "the restricting SIDs are {}{}{}",
                new.iter().map(|s| name(*s)).collect::<Vec<_>>().join(", "),
                if intersected {
                    " (intersected with the source's)"
                } else {
                    ""
                },
                if r.flags.write_restricted {
                    ", consulted for write access only"
                } else {
                    ""
                }
            )
        });
    }
    let process = world.thread(caller).process;
    let new_handle = world
        .add_handle(process, HandleTarget::Token(id), access)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(new_handle)))
}
