//! What a collection does not show and the importer therefore assumes, each with a documented
//! default that the command line can change: the domain controllers' version and the fixes
//! they enforce, ms-DS-MachineAccountQuota where the collection lacks it, and Credential
//! Guard on machines.

/// A fix a domain's KDCs may lack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unpatched {
    /// The Bronze Bit fix (CVE-2020-17049): ticket signatures not enforced (S4U-9).
    BronzeBit,
    /// The RBCD fix for sensitive users (CVE-2020-16996) not enforced (S4U-8).
    RbcdSensitive,
}

/// Which machines run Credential Guard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CredentialGuard {
    /// None (the default: a collection does not show it).
    #[default]
    None,
    /// Every machine.
    All,
    /// The machines named (by FQDN or short name, without regard to case).
    Named(Vec<String>),
}

/// The assumptions of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The domain controllers' Windows Server version, as a number of
    /// `tokenhop_model::net::directory::SERVER_VERSIONS`; `None`: 2019, or the domain's
    /// functional level when that is higher.
    pub kdc: Option<u16>,
    /// Fixes the KDCs lack (every fix is enforced unless named).
    pub unpatched: Vec<Unpatched>,
    /// ms-DS-MachineAccountQuota for domains whose collection does not carry it.
    pub machine_account_quota: u32,
    /// Machines running Credential Guard.
    pub credential_guard: CredentialGuard,
}

/// The KDC version assumed when none is given.
pub const DEFAULT_KDC: u16 = 2019;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kdc: None,
            unpatched: Vec::new(),
            machine_account_quota: tokenhop_model::net::directory::DEFAULT_MACHINE_ACCOUNT_QUOTA,
            credential_guard: CredentialGuard::None,
        }
    }
}

impl Settings {
    /// Whether the KDCs lack `fix`.
    #[must_use]
    pub fn lacks(&self, fix: Unpatched) -> bool {
        self.unpatched.contains(&fix)
    }
}
