//! Opening and creating securable objects with the caller's effective token (HND-3,
//! TOK-5, THR-4, DEF-1, MIC-1).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::level::IntegrityLevel;
use crate::machine::access_check::{access_check, names};
use crate::machine::acl::{LabelPolicy, MandatoryLabel};
use crate::machine::ids::{ObjectId, ThreadId};
use crate::machine::outcome::{CallResult, Created, Success};
use crate::machine::rights::{AccessMask, ObjectType};
use crate::machine::room::Room;
use crate::machine::token_copy::default_security;
use crate::machine::world::{HandleTarget, SecurableObject, World};
use crate::rules::RuleId;

use super::open_token::opener_token;

/// Opens `object` for `access` (CreateFile OPEN_EXISTING, RegOpenKeyEx, OpenEvent, ...).
pub(super) fn open_object(
    world: &mut World,
    caller: ThreadId,
    object: ObjectId,
    access: AccessMask,
    trail: &mut Trail,
) -> CallResult {
    let subject = opener_token(world, caller, trail)?;
    let (sd, object_type, name) = {
        let o = world.object(object);
        (o.sd.clone(), o.object_type, o.name.clone())
    };
    let granted = access_check(world, world.token(subject), &sd, object_type, access, trail)
        .map_err(|r| r.error)?;
    trail.note(RuleId::HND_3, || {
        format!("`{name}` is opened with {}", names(object_type, granted))
    });
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(process, HandleTarget::Object(object), granted)
        .or_full(trail)?;
    Ok(Success::created(Created::Handle(handle)))
}

/// Creates a new object with no explicit security and opens it for `access`.
pub(super) fn create_object(
    world: &mut World,
    caller: ThreadId,
    name: &Arc<str>,
    object_type: ObjectType,
    access: AccessMask,
    trail: &mut Trail,
) -> CallResult {
    let subject = opener_token(world, caller, trail)?;
    let mut sd = default_security(world, subject);
    let creator = world.token(subject);
    let impersonating = world.thread(caller).impersonation.is_some();
    if impersonating {
        trail.note(RuleId::THR_4, || {
            format!(
                "the thread impersonates {}, so the new object's defaults come from the impersonation token",
                world.name_of(creator.user)
            )
        });
    }
    trail.note(RuleId::DEF_1, || {
        format!(
            "`{name}` gets owner {} and the creator token's default DACL",
            world.name_of(creator.default_owner)
        )
    });
    let reading = world
        .settings
        .readings
        .selected(RuleId::DEF_2)
        .map_or("", |r| r.name);
    trail.note(RuleId::DEF_2, || {
        format!(
            "that default DACL grants {}; no page lists its entries, and the selected reading ({reading}) decides whether the logon SID is among them",
            creator
                .default_dacl
                .iter()
                .map(|a| format!("{} {}", world.name_of(a.principal), names(object_type, object_type.generic_mapping().map(a.mask))))
                .collect::<Vec<_>>()
                .join("; ")
        )
    });
    if creator.integrity < IntegrityLevel::Medium {
        sd.label = Some(MandatoryLabel {
            level: creator.integrity,
            policy: LabelPolicy {
                no_write_up: true,
                no_read_up: false,
                no_execute_up: false,
            },
        });
        trail.note(RuleId::MIC_1, || {
            format!(
                "a creator below Medium labels the new object at its own level ({})",
                creator.integrity
            )
        });
    }
    let granted =
        access_check(world, creator, &sd, object_type, access, trail).map_err(|r| r.error)?;
    let object = world
        .add_object(SecurableObject {
            name: Arc::clone(name),
            object_type,
            sd,
        })
        .or_full(trail)?;
    let process = world.thread(caller).process;
    let handle = world
        .add_handle(process, HandleTarget::Object(object), granted)
        .or_full(trail)?;
    trail.note(RuleId::HND_3, || {
        format!(
            "the new `{name}` is opened with {}",
            names(object_type, granted)
        )
    });
    Ok(Success::created(Created::Object(object, handle)))
}
