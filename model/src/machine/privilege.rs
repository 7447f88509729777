//! Privileges: the well-known set, and a token's privilege set (present, enabled,
//! enabled by default) as bit masks indexed by each privilege's LUID.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! privileges {
    ($($variant:ident = $luid:literal, $name:literal;)*) => {
        /// A well-known privilege; its discriminant is its LUID (`SE_*_PRIVILEGE` in winnt.h).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Privilege {
            $(
                #[doc = $name]
                $variant = $luid,
            )*
        }

        impl Privilege {
            /// Every privilege, in LUID order.
            pub const ALL: &'static [Privilege] = &[$(Privilege::$variant),*];

            /// The privilege's name (`SeImpersonatePrivilege`, ...).
            #[must_use]
            pub fn name(self) -> &'static str {
                match self {
                    $(Privilege::$variant => $name,)*
                }
            }
        }
    };
}

privileges! {
    CreateToken = 2, "SeCreateTokenPrivilege";
    AssignPrimaryToken = 3, "SeAssignPrimaryTokenPrivilege";
    LockMemory = 4, "SeLockMemoryPrivilege";
    IncreaseQuota = 5, "SeIncreaseQuotaPrivilege";
    MachineAccount = 6, "SeMachineAccountPrivilege";
    Tcb = 7, "SeTcbPrivilege";
    Security = 8, "SeSecurityPrivilege";
    TakeOwnership = 9, "SeTakeOwnershipPrivilege";
    LoadDriver = 10, "SeLoadDriverPrivilege";
    SystemProfile = 11, "SeSystemProfilePrivilege";
    Systemtime = 12, "SeSystemtimePrivilege";
    ProfileSingleProcess = 13, "SeProfileSingleProcessPrivilege";
    IncreaseBasePriority = 14, "SeIncreaseBasePriorityPrivilege";
    CreatePagefile = 15, "SeCreatePagefilePrivilege";
    CreatePermanent = 16, "SeCreatePermanentPrivilege";
    Backup = 17, "SeBackupPrivilege";
    Restore = 18, "SeRestorePrivilege";
    Shutdown = 19, "SeShutdownPrivilege";
    Debug = 20, "SeDebugPrivilege";
    Audit = 21, "SeAuditPrivilege";
    SystemEnvironment = 22, "SeSystemEnvironmentPrivilege";
    ChangeNotify = 23, "SeChangeNotifyPrivilege";
    RemoteShutdown = 24, "SeRemoteShutdownPrivilege";
    Undock = 25, "SeUndockPrivilege";
    SyncAgent = 26, "SeSyncAgentPrivilege";
    EnableDelegation = 27, "SeEnableDelegationPrivilege";
    ManageVolume = 28, "SeManageVolumePrivilege";
    Impersonate = 29, "SeImpersonatePrivilege";
    CreateGlobal = 30, "SeCreateGlobalPrivilege";
    TrustedCredManAccess = 31, "SeTrustedCredManAccessPrivilege";
    Relabel = 32, "SeRelabelPrivilege";
    IncreaseWorkingSet = 33, "SeIncreaseWorkingSetPrivilege";
    TimeZone = 34, "SeTimeZonePrivilege";
    CreateSymbolicLink = 35, "SeCreateSymbolicLinkPrivilege";
    DelegateSessionUserImpersonate = 36, "SeDelegateSessionUserImpersonatePrivilege";
}

impl Privilege {
    /// Looks a privilege up by name, as `LookupPrivilegeValue` does.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.name() == name)
    }

    fn bit(self) -> u64 {
        1u64 << (self as u32)
    }
}

impl fmt::Display for Privilege {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The state of one privilege in a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrivilegeState {
    /// `SE_PRIVILEGE_ENABLED`.
    pub enabled: bool,
    /// `SE_PRIVILEGE_ENABLED_BY_DEFAULT`.
    pub enabled_by_default: bool,
}

/// A token's privileges: which are present, which enabled, which enabled by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrivilegeSet {
    present: u64,
    enabled: u64,
    enabled_by_default: u64,
}

impl PrivilegeSet {
    /// The empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `privilege`, enabled (and enabled by default) or not.
    pub fn grant(&mut self, privilege: Privilege, enabled_by_default: bool) {
        self.present |= privilege.bit();
        if enabled_by_default {
            self.enabled |= privilege.bit();
            self.enabled_by_default |= privilege.bit();
        } else {
            self.enabled &= !privilege.bit();
            self.enabled_by_default &= !privilege.bit();
        }
    }

    /// Removes `privilege` for good (`SE_PRIVILEGE_REMOVED`).
    pub fn remove(&mut self, privilege: Privilege) {
        self.present &= !privilege.bit();
        self.enabled &= !privilege.bit();
        self.enabled_by_default &= !privilege.bit();
    }

    /// Enables or disables a present privilege. Returns false if it is not present.
    pub fn set_enabled(&mut self, privilege: Privilege, enabled: bool) -> bool {
        if !self.has(privilege) {
            return false;
        }
        if enabled {
            self.enabled |= privilege.bit();
        } else {
            self.enabled &= !privilege.bit();
        }
        true
    }

    /// Whether the token holds `privilege` (enabled or not).
    #[must_use]
    pub fn has(&self, privilege: Privilege) -> bool {
        self.present & privilege.bit() != 0
    }

    /// Whether `privilege` is present and enabled.
    #[must_use]
    pub fn is_enabled(&self, privilege: Privilege) -> bool {
        self.enabled & self.present & privilege.bit() != 0
    }

    /// The state of `privilege`, or `None` if the token does not hold it.
    #[must_use]
    pub fn state(&self, privilege: Privilege) -> Option<PrivilegeState> {
        self.has(privilege).then(|| PrivilegeState {
            enabled: self.is_enabled(privilege),
            enabled_by_default: self.enabled_by_default & privilege.bit() != 0,
        })
    }

    /// The privileges present, in LUID order.
    pub fn iter(&self) -> impl Iterator<Item = (Privilege, PrivilegeState)> + '_ {
        Privilege::ALL
            .iter()
            .filter_map(|p| self.state(*p).map(|s| (*p, s)))
    }

    /// How many privileges are present.
    #[must_use]
    pub fn count(&self) -> u32 {
        self.present.count_ones()
    }

    /// Disables every privilege that is not enabled now, keeping only the enabled ones
    /// (the effective-only capture of TOK-20).
    pub fn keep_enabled_only(&mut self) {
        self.present &= self.enabled;
        self.enabled_by_default &= self.present;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_luids_and_names_round_trip() {
        assert_eq!(Privilege::ALL.len(), 35);
        for p in Privilege::ALL {
            assert_eq!(Privilege::from_name(p.name()), Some(*p));
        }
        assert_eq!(Privilege::Impersonate as u32, 29);
        assert_eq!(Privilege::Tcb as u32, 7);
    }

    #[test]
    fn a_removed_privilege_cannot_be_enabled() {
        let mut set = PrivilegeSet::new();
        set.grant(Privilege::Shutdown, false);
        assert!(set.has(Privilege::Shutdown) && !set.is_enabled(Privilege::Shutdown));
        assert!(set.set_enabled(Privilege::Shutdown, true));
        assert!(set.is_enabled(Privilege::Shutdown));
        set.remove(Privilege::Shutdown);
        assert!(!set.set_enabled(Privilege::Shutdown, true));
        assert_eq!(set.state(Privilege::Shutdown), None);
    }

    #[test]
    fn effective_only_keeps_enabled_privileges() {
        let mut set = PrivilegeSet::new();
        set.grant(Privilege::ChangeNotify, true);
        set.grant(Privilege::Shutdown, false);
        set.keep_enabled_only();
        assert!(set.has(Privilege::ChangeNotify));
        assert!(!set.has(Privilege::Shutdown));
        assert_eq!(set.count(), 1);
    }
}
