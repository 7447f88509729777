//! The account database of one machine: its users (with password and groups) and its
//! user-rights assignments (privileges and logon rights), with the Windows 10 workstation
//! defaults (ACCT-9).

use serde::{Deserialize, Serialize};

use crate::machine::ids::PrincipalId;
use crate::machine::principal::wk;
use crate::machine::privilege::Privilege;

/// A logon right (`Se*LogonRight`), granted or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LogonRight {
    /// `SeInteractiveLogonRight`.
    Interactive,
    /// `SeNetworkLogonRight`.
    Network,
    /// `SeBatchLogonRight`.
    Batch,
    /// `SeServiceLogonRight`.
    Service,
    /// `SeDenyInteractiveLogonRight`.
    DenyInteractive,
    /// `SeDenyNetworkLogonRight`.
    DenyNetwork,
    /// `SeDenyBatchLogonRight`.
    DenyBatch,
    /// `SeDenyServiceLogonRight`.
    DenyService,
}

impl LogonRight {
    /// Every logon right with its name.
    pub const NAMES: &'static [(LogonRight, &'static str)] = &[
        (LogonRight::Interactive, "SeInteractiveLogonRight"),
        (LogonRight::Network, "SeNetworkLogonRight"),
        (LogonRight::Batch, "SeBatchLogonRight"),
        (LogonRight::Service, "SeServiceLogonRight"),
        (LogonRight::DenyInteractive, "SeDenyInteractiveLogonRight"),
        (LogonRight::DenyNetwork, "SeDenyNetworkLogonRight"),
        (LogonRight::DenyBatch, "SeDenyBatchLogonRight"),
        (LogonRight::DenyService, "SeDenyServiceLogonRight"),
    ];

    /// The right's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("?", |(_, n)| n)
    }
}

/// A user right: a privilege or a logon right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Right {
    /// A privilege.
    Privilege(Privilege),
    /// A logon right.
    Logon(LogonRight),
}

impl Right {
    /// Parses a privilege or logon-right name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Right> {
        Privilege::from_name(name)
            .map(Right::Privilege)
            .or_else(|| {
                LogonRight::NAMES
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(r, _)| Right::Logon(*r))
            })
    }

    /// The right's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Right::Privilege(p) => p.name(),
            Right::Logon(l) => l.name(),
        }
    }
}

/// A user account of the machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserAccount {
    /// The user's principal.
    pub principal: PrincipalId,
    /// The password, if the scenario declares one; `None` means a password the scenario
    /// does not know, so no LogonUser with a password succeeds.
    pub password: Option<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// The local groups and built-in aliases the user belongs to (beyond Users).
    pub groups: Vec<PrincipalId>,
}

/// Users and rights of one machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountDb {
    /// The user accounts (the built-in service accounts are not listed here).
    pub users: Vec<UserAccount>,
    /// Who holds which right.
    pub assignments: Vec<(Right, PrincipalId)>,
}

impl Default for AccountDb {
    fn default() -> Self {
        AccountDb {
            users: Vec::new(),
            assignments: default_assignments(),
        }
    }
}

impl AccountDb {
    /// The account of `user`, if it is a declared user.
    #[must_use]
    pub fn user(&self, user: PrincipalId) -> Option<&UserAccount> {
        self.users.iter().find(|u| u.principal == user)
    }

    /// Whether any of `holders` is assigned `right`.
    pub fn holds(&self, right: Right, holders: &[PrincipalId]) -> bool {
        self.assignments
            .iter()
            .any(|(r, p)| *r == right && holders.contains(p))
    }

    /// Every privilege assigned to any of `holders`, in LUID order.
    #[must_use]
    pub fn privileges_of(&self, holders: &[PrincipalId]) -> Vec<Privilege> {
        Privilege::ALL
            .iter()
            .copied()
            .filter(|p| self.holds(Right::Privilege(*p), holders))
            .collect()
    }

    /// Assigns `right` to `holder`.
    pub fn grant(&mut self, right: Right, holder: PrincipalId) {
        if !self.assignments.contains(&(right, holder)) {
            self.assignments.push((right, holder));
        }
    }
}

/// The Windows 10 workstation's default user-rights assignments (ACCT-9).
#[must_use]
pub fn default_assignments() -> Vec<(Right, PrincipalId)> {
    use LogonRight as L;
    use Privilege as P;
    let admins = wk::ADMINISTRATORS;
    let backup = wk::BACKUP_OPERATORS;
    let users = wk::USERS;
    let ls = wk::LOCAL_SERVICE;
    let ns = wk::NETWORK_SERVICE;
    let table: &[(Right, &[PrincipalId])] = &[
        (
            Right::Logon(L::Network),
            &[wk::EVERYONE, admins, users, backup],
        ),
        (Right::Logon(L::Interactive), &[admins, backup, users]),
        (Right::Logon(L::Batch), &[admins]),
        (Right::Logon(L::Service), &[ns, ls]),
        (Right::Privilege(P::IncreaseQuota), &[admins, ls, ns]),
        (Right::Privilege(P::Backup), &[admins, backup]),
        (Right::Privilege(P::Restore), &[admins, backup]),
        (
            Right::Privilege(P::ChangeNotify),
            &[admins, backup, users, wk::EVERYONE, ls, ns],
        ),
        (Right::Privilege(P::Systemtime), &[admins]),
        (Right::Privilege(P::TimeZone), &[admins, users]),
        (Right::Privilege(P::CreatePagefile), &[admins]),
        (
            Right::Privilege(P::CreateGlobal),
            &[admins, ls, ns, wk::SERVICE],
        ),
        (Right::Privilege(P::CreateSymbolicLink), &[admins]),
        (Right::Privilege(P::Debug), &[admins]),
        (Right::Privilege(P::RemoteShutdown), &[admins]),
        (Right::Privilege(P::Audit), &[ls, ns]),
        (
            Right::Privilege(P::Impersonate),
            &[admins, ls, ns, wk::SERVICE],
        ),
        (Right::Privilege(P::IncreaseWorkingSet), &[users]),
        (Right::Privilege(P::IncreaseBasePriority), &[admins]),
        (Right::Privilege(P::LoadDriver), &[admins]),
        (Right::Privilege(P::Security), &[admins]),
        (Right::Privilege(P::ManageVolume), &[admins]),
        (Right::Privilege(P::ProfileSingleProcess), &[admins]),
        (Right::Privilege(P::SystemProfile), &[admins]),
        (Right::Privilege(P::Undock), &[admins, users]),
        (Right::Privilege(P::AssignPrimaryToken), &[ls, ns]),
        (Right::Privilege(P::Shutdown), &[admins, backup, users]),
        (Right::Privilege(P::TakeOwnership), &[admins]),
        (Right::Privilege(P::SystemEnvironment), &[admins]),
    ];
    table
        .iter()
        .flat_map(|(right, holders)| holders.iter().map(move |h| (*right, *h)))
        .collect()
}
