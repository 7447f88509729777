//! Access tokens: what a token holds, and the questions the rest of the model asks of it
//! (is it elevated, which SIDs are enabled, is it sandboxed).

use serde::{Deserialize, Serialize};

use crate::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use crate::machine::acl::{Ace, SecurityDescriptor};
use crate::machine::ids::{Luid, PrincipalId, TokenId};
use crate::machine::principal::{PrincipalKind, PrincipalTable};
use crate::machine::privilege::{Privilege, PrivilegeSet};

/// `SE_GROUP_*` attribute bits of a group in a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupAttrs(pub u32);

impl GroupAttrs {
    /// `SE_GROUP_MANDATORY`.
    pub const MANDATORY: u32 = 0x0000_0001;
    /// `SE_GROUP_ENABLED_BY_DEFAULT`.
    pub const ENABLED_BY_DEFAULT: u32 = 0x0000_0002;
    /// `SE_GROUP_ENABLED`.
    pub const ENABLED: u32 = 0x0000_0004;
    /// `SE_GROUP_OWNER`.
    pub const OWNER: u32 = 0x0000_0008;
    /// `SE_GROUP_USE_FOR_DENY_ONLY`.
    pub const USE_FOR_DENY_ONLY: u32 = 0x0000_0010;
    /// `SE_GROUP_INTEGRITY`.
    pub const INTEGRITY: u32 = 0x0000_0020;
    /// `SE_GROUP_INTEGRITY_ENABLED`.
    pub const INTEGRITY_ENABLED: u32 = 0x0000_0040;
    /// `SE_GROUP_LOGON_ID`.
    pub const LOGON_ID: u32 = 0xC000_0000;

    /// The names and bits, for printing (`SE_GROUP_LOGON_ID` first: it spans two bits).
    pub const NAMES: &'static [(&'static str, u32)] = &[
        ("SE_GROUP_MANDATORY", Self::MANDATORY),
        ("SE_GROUP_ENABLED_BY_DEFAULT", Self::ENABLED_BY_DEFAULT),
        ("SE_GROUP_ENABLED", Self::ENABLED),
        ("SE_GROUP_OWNER", Self::OWNER),
        ("SE_GROUP_USE_FOR_DENY_ONLY", Self::USE_FOR_DENY_ONLY),
        ("SE_GROUP_INTEGRITY", Self::INTEGRITY),
        ("SE_GROUP_INTEGRITY_ENABLED", Self::INTEGRITY_ENABLED),
        ("SE_GROUP_LOGON_ID", Self::LOGON_ID),
    ];

    /// The attributes of an ordinary group: mandatory, enabled by default, enabled.
    #[must_use]
    pub fn standard() -> Self {
        GroupAttrs(Self::MANDATORY | Self::ENABLED_BY_DEFAULT | Self::ENABLED)
    }

    /// Whether the group is enabled.
    #[must_use]
    pub fn enabled(self) -> bool {
        self.0 & Self::ENABLED != 0
    }

    /// Whether the group is deny-only.
    #[must_use]
    pub fn deny_only(self) -> bool {
        self.0 & Self::USE_FOR_DENY_ONLY != 0
    }

    /// The names of the set bits.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut bits = self.0;
        for (name, bit) in Self::NAMES.iter().rev() {
            if bits & bit == *bit {
                out.push(*name);
                bits &= !bit;
            }
        }
        out.reverse();
        out
    }

    /// Turns the group into a deny-only group (RTOK-3, TOK-15).
    pub fn make_deny_only(&mut self) {
        self.0 = (self.0 | Self::USE_FOR_DENY_ONLY) & !(Self::ENABLED | Self::ENABLED_BY_DEFAULT);
    }
}

/// A group SID in a token with its attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    /// The group.
    pub sid: PrincipalId,
    /// Its attributes.
    pub attrs: GroupAttrs,
}

/// `TOKEN_ELEVATION_TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElevationType {
    /// `TokenElevationTypeDefault` (1): no linked token.
    Default,
    /// `TokenElevationTypeFull` (2): the elevated half of a split token.
    Full,
    /// `TokenElevationTypeLimited` (3): the filtered half of a split token.
    Limited,
}

impl ElevationType {
    /// The Win32 constant name.
    #[must_use]
    pub fn win32_name(self) -> &'static str {
        match self {
            ElevationType::Default => "TokenElevationTypeDefault",
            ElevationType::Full => "TokenElevationTypeFull",
            ElevationType::Limited => "TokenElevationTypeLimited",
        }
    }
}

/// The source recorded in a token (`TOKEN_SOURCE`), as far as the model needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenSource {
    /// `*SYSTEM*`: made by the kernel or LSA for the system itself.
    System,
    /// `User32`: an interactive logon.
    User32,
    /// `Advapi`: LogonUser.
    Advapi,
    /// `NtLmSsp` / `Kerberos`: a network logon through a security package.
    Network,
}

/// An access token.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Token {
    /// `TokenId`: unique to this token object.
    pub token_id: Luid,
    /// The token this one was made from by filtering (`ParentTokenId`, TOK-18).
    pub parent_token_id: Luid,
    /// `ModifiedId`: changes whenever the token changes.
    pub modified_id: Luid,
    /// Primary or impersonation.
    pub token_type: TokenType,
    /// The impersonation level (kept, though ignored, for primary tokens: TOK-1).
    pub level: ImpersonationLevel,
    /// The user.
    pub user: PrincipalId,
    /// Whether the user SID is deny-only.
    pub user_deny_only: bool,
    /// The groups, without the integrity label (kept in `integrity`).
    pub groups: Vec<Group>,
    /// The privileges.
    pub privileges: PrivilegeSet,
    /// The integrity level.
    pub integrity: IntegrityLevel,
    /// `AuthenticationId`: the logon session.
    pub auth_id: Luid,
    /// `OriginatingLogonSession` (TOK-16).
    pub origin: Luid,
    /// The elevation type.
    pub elevation_type: ElevationType,
    /// The other half of a UAC split token.
    pub linked: Option<TokenId>,
    /// Restricting SIDs; non-empty means restricted.
    pub restricted_sids: Vec<PrincipalId>,
    /// Whether restricting SIDs apply to write access only.
    pub write_restricted: bool,
    /// The AppContainer package, for a lowbox token.
    pub app_container: Option<PrincipalId>,
    /// The terminal-services session.
    pub session_id: u32,
    /// Whether the token was ever filtered (`TokenHasRestrictions`).
    pub has_restrictions: bool,
    /// The `TOKEN_SOURCE`.
    pub source: TokenSource,
    /// The default owner of new objects (`TokenOwner`).
    pub default_owner: PrincipalId,
    /// The default DACL of new objects (`TokenDefaultDacl`).
    pub default_dacl: Vec<Ace>,
    /// The security of the token object itself.
    pub sd: SecurityDescriptor,
}

/// Privileges whose presence makes a token elevated (TOK-14).
pub const ELEVATING_PRIVILEGES: &[Privilege] = &[
    Privilege::CreateToken,
    Privilege::Tcb,
    Privilege::TakeOwnership,
    Privilege::LoadDriver,
    Privilege::Backup,
    Privilege::Restore,
    Privilege::Debug,
    Privilege::Impersonate,
    Privilege::Relabel,
    Privilege::DelegateSessionUserImpersonate,
];

/// Group RIDs whose presence (not deny-only) makes a token elevated (TOK-14).
pub const ELEVATING_RIDS: &[u32] = &[
    114, 498, 512, 516, 517, 518, 519, 520, 521, 544, 547, 548, 549, 550, 551, 553, 554, 556, 569,
];

impl Token {
    /// Whether the token is elevated by the definition of TOK-14 (privileges or groups).
    /// `delegate_session_elevates` is the reading of OQL-16.
    #[must_use]
    pub fn is_elevated(
        &self,
        principals: &PrincipalTable,
        delegate_session_elevates: bool,
    ) -> bool {
        ELEVATING_PRIVILEGES
            .iter()
            .filter(|p| {
                delegate_session_elevates || **p != Privilege::DelegateSessionUserImpersonate
            })
            .any(|p| self.privileges.has(*p))
            || self.groups.iter().any(|g| {
                !g.attrs.deny_only()
                    && principals.get(g.sid).is_some_and(|p| {
                        p.kind == PrincipalKind::Group
                            && p.sid.rid().is_some_and(|rid| ELEVATING_RIDS.contains(&rid))
                    })
            })
    }

    /// Whether the token has restricting SIDs (`IsTokenRestricted`).
    #[must_use]
    pub fn is_restricted(&self) -> bool {
        !self.restricted_sids.is_empty()
    }

    /// The user and the groups that grant access (the enabled ones).
    pub fn enabled_sids(&self) -> impl Iterator<Item = PrincipalId> + '_ {
        (!self.user_deny_only)
            .then_some(self.user)
            .into_iter()
            .chain(
                self.groups
                    .iter()
                    .filter(|g| g.attrs.enabled())
                    .map(|g| g.sid),
            )
    }

    /// The user and the groups that match deny entries (enabled or deny-only).
    pub fn deny_sids(&self) -> impl Iterator<Item = PrincipalId> + '_ {
        std::iter::once(self.user).chain(
            self.groups
                .iter()
                .filter(|g| g.attrs.enabled() || g.attrs.deny_only())
                .map(|g| g.sid),
        )
    }

    /// Whether `sid` is the user or an enabled group.
    #[must_use]
    pub fn has_enabled(&self, sid: PrincipalId) -> bool {
        self.enabled_sids().any(|s| s == sid)
    }

    /// The group entry for `sid`, if the token has it.
    #[must_use]
    pub fn group(&self, sid: PrincipalId) -> Option<&Group> {
        self.groups.iter().find(|g| g.sid == sid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_attribute_names() {
        assert_eq!(
            GroupAttrs::standard().names(),
            vec![
                "SE_GROUP_MANDATORY",
                "SE_GROUP_ENABLED_BY_DEFAULT",
                "SE_GROUP_ENABLED"
            ]
        );
        let logon = GroupAttrs(GroupAttrs::standard().0 | GroupAttrs::LOGON_ID);
        assert!(logon.names().contains(&"SE_GROUP_LOGON_ID"));
        let mut g = GroupAttrs::standard();
        g.make_deny_only();
        assert_eq!(
            g.names(),
            vec!["SE_GROUP_MANDATORY", "SE_GROUP_USE_FOR_DENY_ONLY"]
        );
        assert!(g.deny_only() && !g.enabled());
    }
}
