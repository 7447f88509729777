//! Security descriptors: owner, DACL of allow and deny entries, and the mandatory label.

use serde::{Deserialize, Serialize};

use crate::core::level::IntegrityLevel;
use crate::machine::ids::PrincipalId;
use crate::machine::rights::AccessMask;

/// Whether an entry allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AceKind {
    /// `ACCESS_ALLOWED_ACE_TYPE`.
    Allow,
    /// `ACCESS_DENIED_ACE_TYPE`.
    Deny,
}

/// One access control entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ace {
    /// Allow or deny.
    pub kind: AceKind,
    /// The trustee.
    pub principal: PrincipalId,
    /// The rights, possibly generic (mapped when the ACE is evaluated).
    pub mask: AccessMask,
}

/// The mandatory policy bits of a label (`SYSTEM_MANDATORY_LABEL_NO_*_UP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelPolicy {
    /// `SYSTEM_MANDATORY_LABEL_NO_WRITE_UP` (0x1).
    pub no_write_up: bool,
    /// `SYSTEM_MANDATORY_LABEL_NO_READ_UP` (0x2).
    pub no_read_up: bool,
    /// `SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP` (0x4).
    pub no_execute_up: bool,
}

/// A mandatory label (`SYSTEM_MANDATORY_LABEL_ACE` in the SACL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MandatoryLabel {
    /// The object's integrity level.
    pub level: IntegrityLevel,
    /// Which access from lower levels is refused.
    pub policy: LabelPolicy,
}

/// A security descriptor, as far as access checks read it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecurityDescriptor {
    /// The owner.
    pub owner: PrincipalId,
    /// The DACL; `None` is a NULL DACL, which grants everything.
    pub dacl: Option<Vec<Ace>>,
    /// The mandatory label; `None` means the object has no label ACE.
    pub label: Option<MandatoryLabel>,
}

impl SecurityDescriptor {
    /// A descriptor with `owner` and the given DACL and no label.
    #[must_use]
    pub fn new(owner: PrincipalId, dacl: Vec<Ace>) -> Self {
        SecurityDescriptor {
            owner,
            dacl: Some(dacl),
            label: None,
        }
    }
}

/// An allow entry.
#[must_use]
pub fn allow(principal: PrincipalId, mask: AccessMask) -> Ace {
    Ace {
        kind: AceKind::Allow,
        principal,
        mask,
    }
}

/// A deny entry.
#[must_use]
pub fn deny(principal: PrincipalId, mask: AccessMask) -> Ace {
    Ace {
        kind: AceKind::Deny,
        principal,
        mask,
    }
}
