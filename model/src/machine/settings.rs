//! Settings a scenario chooses: the Windows version, machine-wide security options, and the
//! readings of ambiguous rules. Version differences are settings, never forks in the code.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rules::readings::Readings;

/// A Windows release, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WindowsVersion {
    /// Windows XP before Service Pack 2: no SeImpersonatePrivilege gate (IMP-4).
    XpSp1,
    /// Windows XP SP2 / Server 2003: the impersonation privilege exists.
    XpSp2,
    /// Windows Vista: integrity levels and UAC.
    Vista,
    /// Windows 7.
    Win7,
    /// Windows 8: AppContainers.
    Win8,
    /// Windows 8.1.
    Win81,
    /// Windows 10: the elevation check of IMP-8.
    Win10,
    /// Windows 11.
    Win11,
}

impl WindowsVersion {
    /// Every version with its scenario name.
    pub const NAMES: &'static [(WindowsVersion, &'static str)] = &[
        (WindowsVersion::XpSp1, "xp-sp1"),
        (WindowsVersion::XpSp2, "xp-sp2"),
        (WindowsVersion::Vista, "vista"),
        (WindowsVersion::Win7, "7"),
        (WindowsVersion::Win8, "8"),
        (WindowsVersion::Win81, "8.1"),
        (WindowsVersion::Win10, "10"),
        (WindowsVersion::Win11, "11"),
    ];

    /// Parses a scenario name (`10`, `7`, `xp-sp2`, ...).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(v, _)| *v)
    }

    /// The scenario name.
    #[must_use]
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("?", |(_, n)| n)
    }
}

impl fmt::Display for WindowsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowsVersion::XpSp1 => f.write_str("Windows XP SP1"),
            WindowsVersion::XpSp2 => f.write_str("Windows XP SP2"),
            WindowsVersion::Vista => f.write_str("Windows Vista"),
            other => write!(f, "Windows {}", other.name()),
        }
    }
}

/// The settings of one modelled machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settings {
    /// The Windows release.
    pub windows: WindowsVersion,
    /// `HKLM\SYSTEM\CurrentControlSet\Control\Lsa\EveryoneIncludesAnonymous` (THR-14).
    pub everyone_includes_anonymous: bool,
    /// The readings of ambiguous rules.
    pub readings: Readings,
    /// How many open handles a process's handle table holds (RES-1): at most
    /// [`HANDLE_LIMIT`], which a script may lower to reach the limit in a few steps.
    pub handle_limit: u32,
}

/// The open handles a process's handle table holds on 64-bit Windows (RES-1): the
/// Executive's hard-coded 2^24, less the first entry of each page of 256, which it keeps
/// for its own tracking (Russinovich, "Pushing the Limits of Windows: Handles").
pub const HANDLE_LIMIT: u32 = (1 << 24) - (1 << 24) / 256;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            windows: WindowsVersion::Win10,
            everyone_includes_anonymous: false,
            readings: Readings::default(),
            handle_limit: HANDLE_LIMIT,
        }
    }
}
