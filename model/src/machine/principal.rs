//! Security identifiers and the principals of one machine: the well-known SIDs, the
//! built-in groups, the machine's users and local groups, and logon SIDs (ACCT-1).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::machine::ids::PrincipalId;
use crate::machine::table::{self, Table, TableFull};

/// A security identifier (`S-1-<authority>-<sub>-...`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sid {
    /// The identifier authority.
    pub authority: u64,
    /// The subauthorities, the last being the RID.
    pub subauthorities: Vec<u32>,
}

impl Sid {
    /// A SID from its authority and subauthorities.
    #[must_use]
    pub fn new(authority: u64, subauthorities: &[u32]) -> Self {
        Sid {
            authority,
            subauthorities: subauthorities.to_vec(),
        }
    }

    /// The last subauthority (the relative identifier), if any.
    #[must_use]
    pub fn rid(&self) -> Option<u32> {
        self.subauthorities.last().copied()
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-1-{}", self.authority)?;
        for s in &self.subauthorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// What kind of principal a SID names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrincipalKind {
    /// A user account of the machine (or the built-in service accounts).
    User,
    /// A built-in or local group (an alias).
    Group,
    /// A well-known group whose membership the system assigns at logon (Everyone,
    /// INTERACTIVE, Authenticated Users, ...).
    WellKnownGroup,
    /// The logon SID of one logon session (`S-1-5-5-X-Y`).
    LogonSid,
    /// An AppContainer package SID (`S-1-15-2-...`).
    Package,
}

/// One principal: its name as scripts and traces write it, and its SID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Principal {
    /// The name used in scripts and traces (`alice`, `SYSTEM`, `Everyone`, ...).
    pub name: Arc<str>,
    /// The SID.
    pub sid: Sid,
    /// The kind of principal.
    pub kind: PrincipalKind,
}

macro_rules! well_known {
    ($($const:ident = $idx:literal, $name:literal, $kind:ident, $auth:literal, [$($sub:literal),*];)*) => {
        /// The principals every machine has, at fixed ids (ACCT-1).
        pub mod wk {
            use crate::machine::ids::PrincipalId;
            $(
                #[doc = $name]
                pub const $const: PrincipalId = PrincipalId($idx);
            )*
        }

        fn well_known_principals() -> Vec<Principal> {
            vec![$(
                Principal {
                    name: Arc::from($name),
                    sid: Sid::new($auth, &[$($sub),*]),
                    kind: PrincipalKind::$kind,
                },
            )*]
        }
    };
}

well_known! {
    SYSTEM = 0, "SYSTEM", User, 5, [18];
    LOCAL_SERVICE = 1, "LOCAL SERVICE", User, 5, [19];
    NETWORK_SERVICE = 2, "NETWORK SERVICE", User, 5, [20];
    ANONYMOUS_LOGON = 3, "ANONYMOUS LOGON", User, 5, [7];
    EVERYONE = 4, "Everyone", WellKnownGroup, 1, [0];
    AUTHENTICATED_USERS = 5, "Authenticated Users", WellKnownGroup, 5, [11];
    INTERACTIVE = 6, "INTERACTIVE", WellKnownGroup, 5, [4];
    NETWORK = 7, "NETWORK", WellKnownGroup, 5, [2];
    BATCH = 8, "BATCH", WellKnownGroup, 5, [3];
    SERVICE = 9, "SERVICE", WellKnownGroup, 5, [6];
    LOCAL = 10, "LOCAL", WellKnownGroup, 2, [0];
    CONSOLE_LOGON = 11, "CONSOLE LOGON", WellKnownGroup, 2, [1];
    THIS_ORGANIZATION = 12, "This Organization", WellKnownGroup, 5, [15];
    OWNER_RIGHTS = 13, "OWNER RIGHTS", WellKnownGroup, 3, [4];
    NTLM_AUTHENTICATION = 14, "NTLM Authentication", WellKnownGroup, 5, [64, 10];
    ADMINISTRATORS = 15, "Administrators", Group, 5, [32, 544];
    USERS = 16, "Users", Group, 5, [32, 545];
    GUESTS = 17, "Guests", Group, 5, [32, 546];
    BACKUP_OPERATORS = 18, "Backup Operators", Group, 5, [32, 551];
    REMOTE_DESKTOP_USERS = 19, "Remote Desktop Users", Group, 5, [32, 555];
    RESTRICTED = 20, "RESTRICTED", WellKnownGroup, 5, [12];
    WRITE_RESTRICTED = 21, "WRITE RESTRICTED", WellKnownGroup, 5, [33];
    ALL_APPLICATION_PACKAGES = 22, "ALL APPLICATION PACKAGES", WellKnownGroup, 15, [2, 1];
}

/// The number of well-known principals (their ids are `0..WELL_KNOWN_COUNT`).
pub const WELL_KNOWN_COUNT: u32 = 23;

/// The machine's account domain SID prefix (`S-1-5-21-<machine>`); the numbers are the
/// model's own, as every machine picks its own at installation.
pub const MACHINE_DOMAIN: [u32; 4] = [21, 1_004_336_348, 1_177_238_915, 682_003_330];

/// The RID of the first user or group a script declares.
pub const FIRST_LOCAL_RID: u32 = 1001;

/// The principals of one machine. Ids are positions in the table; names are unique.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrincipalTable {
    principals: Vec<Principal>,
    next_local_rid: u32,
    next_logon_sid: u32,
}

impl Default for PrincipalTable {
    fn default() -> Self {
        Self::new()
    }
}

impl PrincipalTable {
    /// A table holding only the well-known principals.
    #[must_use]
    pub fn new() -> Self {
        PrincipalTable {
            principals: well_known_principals(),
            next_local_rid: FIRST_LOCAL_RID,
            next_logon_sid: 1,
        }
    }

    /// Adds a user or group of the machine's account domain.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id, or the domain no RID, left (RES-1).
    pub fn add_local(&mut self, name: &str, kind: PrincipalKind) -> Result<PrincipalId, TableFull> {
        let rid = self.next_local_rid;
        let next = rid
            .checked_add(1)
            .ok_or(TableFull::of_ids(Table::Principals))?;
        let mut subs = MACHINE_DOMAIN.to_vec();
        subs.push(rid);
        let id = self.push(Principal {
            name: Arc::from(name),
            sid: Sid::new(5, &subs),
            kind,
        })?;
        self.next_local_rid = next;
        Ok(id)
    }

    /// Adds a fresh logon SID (`S-1-5-5-0-n`).
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id, or the logon SIDs no number, left (RES-1).
    pub fn add_logon_sid(&mut self) -> Result<PrincipalId, TableFull> {
        let n = self.next_logon_sid;
        let next = n
            .checked_add(1)
            .ok_or(TableFull::of_ids(Table::Principals))?;
        let id = self.push(Principal {
            name: Arc::from(format!("LogonSessionId_0_{n}")),
            sid: Sid::new(5, &[5, 0, n]),
            kind: PrincipalKind::LogonSid,
        })?;
        self.next_logon_sid = next;
        Ok(id)
    }

    /// Adds an AppContainer package SID for `name`, numbered by its place in the table.
    ///
    /// # Errors
    ///
    /// [`TableFull`] when the table has no id, or the package SIDs no number, left (RES-1).
    pub fn add_package(&mut self, name: &str) -> Result<PrincipalId, TableFull> {
        let full = TableFull::of_ids(Table::Principals);
        let n = table::number(self.principals.len()).ok_or(full)?;
        let rid = n.checked_add(1_000).ok_or(full)?;
        self.push(Principal {
            name: Arc::from(name),
            sid: Sid::new(15, &[2, rid, 2, 3, 4, 5, 6, 7]),
            kind: PrincipalKind::Package,
        })
    }

    fn push(&mut self, p: Principal) -> Result<PrincipalId, TableFull> {
        table::push(
            &mut self.principals,
            p,
            Table::Principals,
            PrincipalId::from_index,
        )
    }

    /// The principal with `id`.
    #[must_use]
    pub fn get(&self, id: PrincipalId) -> Option<&Principal> {
        self.principals.get(id.index())
    }

    /// The name of `id` (`?` for an id this table never minted).
    #[must_use]
    pub fn name(&self, id: PrincipalId) -> Arc<str> {
        self.get(id)
            .map_or_else(|| Arc::from("?"), |p| Arc::clone(&p.name))
    }

    /// Looks a principal up by name.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<PrincipalId> {
        self.principals
            .iter()
            .position(|p| &*p.name == name)
            .and_then(PrincipalId::from_index)
    }

    /// Every principal with its id (each has one: the table grows only through
    /// [`table::push`]).
    pub fn iter(&self) -> impl Iterator<Item = (PrincipalId, &Principal)> {
        (0..self.principals.len())
            .map_while(PrincipalId::from_index)
            .zip(&self.principals)
    }
}
