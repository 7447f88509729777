//! Access masks: the standard, generic and object-specific rights with their Win32 names,
//! the kinds of object a handle can refer to, and each kind's generic mapping (ACC-3).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An `ACCESS_MASK`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct AccessMask(pub u32);

impl AccessMask {
    /// No access (0).
    pub const NONE: AccessMask = AccessMask(0);
    /// `DELETE`.
    pub const DELETE: AccessMask = AccessMask(0x0001_0000);
    /// `READ_CONTROL`.
    pub const READ_CONTROL: AccessMask = AccessMask(0x0002_0000);
    /// `WRITE_DAC`.
    pub const WRITE_DAC: AccessMask = AccessMask(0x0004_0000);
    /// `WRITE_OWNER`.
    pub const WRITE_OWNER: AccessMask = AccessMask(0x0008_0000);
    /// `SYNCHRONIZE`.
    pub const SYNCHRONIZE: AccessMask = AccessMask(0x0010_0000);
    /// `STANDARD_RIGHTS_REQUIRED`.
    pub const STANDARD_RIGHTS_REQUIRED: AccessMask = AccessMask(0x000F_0000);
    /// `ACCESS_SYSTEM_SECURITY`.
    pub const ACCESS_SYSTEM_SECURITY: AccessMask = AccessMask(0x0100_0000);
    /// `MAXIMUM_ALLOWED`.
    pub const MAXIMUM_ALLOWED: AccessMask = AccessMask(0x0200_0000);
    /// `GENERIC_ALL`.
    pub const GENERIC_ALL: AccessMask = AccessMask(0x1000_0000);
    /// `GENERIC_EXECUTE`.
    pub const GENERIC_EXECUTE: AccessMask = AccessMask(0x2000_0000);
    /// `GENERIC_WRITE`.
    pub const GENERIC_WRITE: AccessMask = AccessMask(0x4000_0000);
    /// `GENERIC_READ`.
    pub const GENERIC_READ: AccessMask = AccessMask(0x8000_0000);
    /// The four generic bits.
    pub const GENERIC_MASK: AccessMask = AccessMask(0xF000_0000);

    /// `TOKEN_ASSIGN_PRIMARY`.
    pub const TOKEN_ASSIGN_PRIMARY: AccessMask = AccessMask(0x0001);
    /// `TOKEN_DUPLICATE`.
    pub const TOKEN_DUPLICATE: AccessMask = AccessMask(0x0002);
    /// `TOKEN_IMPERSONATE`.
    pub const TOKEN_IMPERSONATE: AccessMask = AccessMask(0x0004);
    /// `TOKEN_QUERY`.
    pub const TOKEN_QUERY: AccessMask = AccessMask(0x0008);
    /// `TOKEN_QUERY_SOURCE`.
    pub const TOKEN_QUERY_SOURCE: AccessMask = AccessMask(0x0010);
    /// `TOKEN_ADJUST_PRIVILEGES`.
    pub const TOKEN_ADJUST_PRIVILEGES: AccessMask = AccessMask(0x0020);
    /// `TOKEN_ADJUST_GROUPS`.
    pub const TOKEN_ADJUST_GROUPS: AccessMask = AccessMask(0x0040);
    /// `TOKEN_ADJUST_DEFAULT`.
    pub const TOKEN_ADJUST_DEFAULT: AccessMask = AccessMask(0x0080);
    /// `TOKEN_ADJUST_SESSIONID`.
    pub const TOKEN_ADJUST_SESSIONID: AccessMask = AccessMask(0x0100);
    /// `TOKEN_ALL_ACCESS`.
    pub const TOKEN_ALL_ACCESS: AccessMask = AccessMask(0x000F_01FF);

    /// `THREAD_SET_THREAD_TOKEN`.
    pub const THREAD_SET_THREAD_TOKEN: AccessMask = AccessMask(0x0080);
    /// `THREAD_IMPERSONATE`.
    pub const THREAD_IMPERSONATE: AccessMask = AccessMask(0x0100);
    /// `THREAD_DIRECT_IMPERSONATION`.
    pub const THREAD_DIRECT_IMPERSONATION: AccessMask = AccessMask(0x0200);
    /// `THREAD_QUERY_INFORMATION`.
    pub const THREAD_QUERY_INFORMATION: AccessMask = AccessMask(0x0040);
    /// `THREAD_QUERY_LIMITED_INFORMATION`.
    pub const THREAD_QUERY_LIMITED_INFORMATION: AccessMask = AccessMask(0x0800);
    /// `THREAD_ALL_ACCESS`.
    pub const THREAD_ALL_ACCESS: AccessMask = AccessMask(0x001F_FFFF);

    /// `PROCESS_QUERY_INFORMATION`.
    pub const PROCESS_QUERY_INFORMATION: AccessMask = AccessMask(0x0400);
    /// `PROCESS_QUERY_LIMITED_INFORMATION`.
    pub const PROCESS_QUERY_LIMITED_INFORMATION: AccessMask = AccessMask(0x1000);
    /// `PROCESS_ALL_ACCESS`.
    pub const PROCESS_ALL_ACCESS: AccessMask = AccessMask(0x001F_FFFF);

    /// Whether every bit of `other` is in `self`.
    #[must_use]
    pub fn contains(self, other: AccessMask) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a bit.
    #[must_use]
    pub fn intersects(self, other: AccessMask) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no bit is set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bits of `self` not in `other`.
    #[must_use]
    pub fn without(self, other: AccessMask) -> AccessMask {
        AccessMask(self.0 & !other.0)
    }

    /// The union.
    #[must_use]
    pub fn with(self, other: AccessMask) -> AccessMask {
        AccessMask(self.0 | other.0)
    }

    /// The intersection.
    #[must_use]
    pub fn and(self, other: AccessMask) -> AccessMask {
        AccessMask(self.0 & other.0)
    }
}

impl fmt::Display for AccessMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// The kinds of securable object the model knows, each with its own specific rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObjectType {
    /// An access token.
    Token,
    /// A thread.
    Thread,
    /// A process.
    Process,
    /// A file.
    File,
    /// A registry key.
    Key,
    /// An event.
    Event,
    /// A mutex (mutant).
    Mutex,
    /// A semaphore.
    Semaphore,
}

/// A `GENERIC_MAPPING`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenericMapping {
    /// What `GENERIC_READ` maps to.
    pub read: AccessMask,
    /// What `GENERIC_WRITE` maps to.
    pub write: AccessMask,
    /// What `GENERIC_EXECUTE` maps to.
    pub execute: AccessMask,
    /// What `GENERIC_ALL` maps to.
    pub all: AccessMask,
}

/// One named right or composite of rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RightName {
    /// The Win32 constant name.
    pub name: &'static str,
    /// Its bits.
    pub mask: u32,
    /// Whether this name stands for several rights (`TOKEN_ALL_ACCESS`, `FILE_GENERIC_READ`).
    pub composite: bool,
}

const fn single(name: &'static str, mask: u32) -> RightName {
    RightName {
        name,
        mask,
        composite: false,
    }
}

const fn composite(name: &'static str, mask: u32) -> RightName {
    RightName {
        name,
        mask,
        composite: true,
    }
}

/// Rights that mean the same on every object type.
pub const STANDARD_RIGHTS: &[RightName] = &[
    single("DELETE", 0x0001_0000),
    single("READ_CONTROL", 0x0002_0000),
    single("WRITE_DAC", 0x0004_0000),
    single("WRITE_OWNER", 0x0008_0000),
    single("SYNCHRONIZE", 0x0010_0000),
    single("ACCESS_SYSTEM_SECURITY", 0x0100_0000),
    single("MAXIMUM_ALLOWED", 0x0200_0000),
    single("GENERIC_ALL", 0x1000_0000),
    single("GENERIC_EXECUTE", 0x2000_0000),
    single("GENERIC_WRITE", 0x4000_0000),
    single("GENERIC_READ", 0x8000_0000),
    composite("STANDARD_RIGHTS_REQUIRED", 0x000F_0000),
    composite("STANDARD_RIGHTS_READ", 0x0002_0000),
    composite("STANDARD_RIGHTS_WRITE", 0x0002_0000),
    composite("STANDARD_RIGHTS_EXECUTE", 0x0002_0000),
    composite("STANDARD_RIGHTS_ALL", 0x001F_0000),
];

const TOKEN_RIGHTS: &[RightName] = &[
    single("TOKEN_ASSIGN_PRIMARY", 0x0001),
    single("TOKEN_DUPLICATE", 0x0002),
    single("TOKEN_IMPERSONATE", 0x0004),
    single("TOKEN_QUERY", 0x0008),
    single("TOKEN_QUERY_SOURCE", 0x0010),
    single("TOKEN_ADJUST_PRIVILEGES", 0x0020),
    single("TOKEN_ADJUST_GROUPS", 0x0040),
    single("TOKEN_ADJUST_DEFAULT", 0x0080),
    single("TOKEN_ADJUST_SESSIONID", 0x0100),
    composite("TOKEN_ALL_ACCESS", 0x000F_01FF),
    composite("TOKEN_READ", 0x0002_0008),
    composite("TOKEN_WRITE", 0x0002_00E0),
    composite("TOKEN_EXECUTE", 0x0002_0000),
];

const THREAD_RIGHTS: &[RightName] = &[
    single("THREAD_TERMINATE", 0x0001),
    single("THREAD_SUSPEND_RESUME", 0x0002),
    single("THREAD_GET_CONTEXT", 0x0008),
    single("THREAD_SET_CONTEXT", 0x0010),
    single("THREAD_SET_INFORMATION", 0x0020),
    single("THREAD_QUERY_INFORMATION", 0x0040),
    single("THREAD_SET_THREAD_TOKEN", 0x0080),
    single("THREAD_IMPERSONATE", 0x0100),
    single("THREAD_DIRECT_IMPERSONATION", 0x0200),
    single("THREAD_SET_LIMITED_INFORMATION", 0x0400),
    single("THREAD_QUERY_LIMITED_INFORMATION", 0x0800),
    single("THREAD_RESUME", 0x1000),
    composite("THREAD_ALL_ACCESS", 0x001F_FFFF),
];

const PROCESS_RIGHTS: &[RightName] = &[
    single("PROCESS_TERMINATE", 0x0001),
    single("PROCESS_CREATE_THREAD", 0x0002),
    single("PROCESS_SET_SESSIONID", 0x0004),
    single("PROCESS_VM_OPERATION", 0x0008),
    single("PROCESS_VM_READ", 0x0010),
    single("PROCESS_VM_WRITE", 0x0020),
    single("PROCESS_DUP_HANDLE", 0x0040),
    single("PROCESS_CREATE_PROCESS", 0x0080),
    single("PROCESS_SET_QUOTA", 0x0100),
    single("PROCESS_SET_INFORMATION", 0x0200),
    single("PROCESS_QUERY_INFORMATION", 0x0400),
    single("PROCESS_SUSPEND_RESUME", 0x0800),
    single("PROCESS_QUERY_LIMITED_INFORMATION", 0x1000),
    single("PROCESS_SET_LIMITED_INFORMATION", 0x2000),
    composite("PROCESS_ALL_ACCESS", 0x001F_FFFF),
];

const FILE_RIGHTS: &[RightName] = &[
    single("FILE_READ_DATA", 0x0001),
    single("FILE_WRITE_DATA", 0x0002),
    single("FILE_APPEND_DATA", 0x0004),
    single("FILE_READ_EA", 0x0008),
    single("FILE_WRITE_EA", 0x0010),
    single("FILE_EXECUTE", 0x0020),
    single("FILE_DELETE_CHILD", 0x0040),
    single("FILE_READ_ATTRIBUTES", 0x0080),
    single("FILE_WRITE_ATTRIBUTES", 0x0100),
    composite("FILE_ALL_ACCESS", 0x001F_01FF),
    composite("FILE_GENERIC_READ", 0x0012_0089),
    composite("FILE_GENERIC_WRITE", 0x0012_0116),
    composite("FILE_GENERIC_EXECUTE", 0x0012_00A0),
];

const KEY_RIGHTS: &[RightName] = &[
    single("KEY_QUERY_VALUE", 0x0001),
    single("KEY_SET_VALUE", 0x0002),
    single("KEY_CREATE_SUB_KEY", 0x0004),
    single("KEY_ENUMERATE_SUB_KEYS", 0x0008),
    single("KEY_NOTIFY", 0x0010),
    single("KEY_CREATE_LINK", 0x0020),
    composite("KEY_ALL_ACCESS", 0x000F_003F),
    composite("KEY_READ", 0x0002_0019),
    composite("KEY_WRITE", 0x0002_0006),
    composite("KEY_EXECUTE", 0x0002_0019),
];

const EVENT_RIGHTS: &[RightName] = &[
    single("EVENT_QUERY_STATE", 0x0001),
    single("EVENT_MODIFY_STATE", 0x0002),
    composite("EVENT_ALL_ACCESS", 0x001F_0003),
];

const MUTEX_RIGHTS: &[RightName] = &[
    single("MUTANT_QUERY_STATE", 0x0001),
    composite("MUTEX_MODIFY_STATE", 0x0001),
    composite("MUTEX_ALL_ACCESS", 0x001F_0001),
];

const SEMAPHORE_RIGHTS: &[RightName] = &[
    single("SEMAPHORE_QUERY_STATE", 0x0001),
    single("SEMAPHORE_MODIFY_STATE", 0x0002),
    composite("SEMAPHORE_ALL_ACCESS", 0x001F_0003),
];

impl ObjectType {
    /// Every object type.
    pub const ALL: [ObjectType; 8] = [
        ObjectType::Token,
        ObjectType::Thread,
        ObjectType::Process,
        ObjectType::File,
        ObjectType::Key,
        ObjectType::Event,
        ObjectType::Mutex,
        ObjectType::Semaphore,
    ];

    /// The scenario-file word for the type.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            ObjectType::Token => "token",
            ObjectType::Thread => "thread",
            ObjectType::Process => "process",
            ObjectType::File => "file",
            ObjectType::Key => "key",
            ObjectType::Event => "event",
            ObjectType::Mutex => "mutex",
            ObjectType::Semaphore => "semaphore",
        }
    }

    /// Parses a scenario-file word.
    #[must_use]
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.word() == word)
    }

    /// The rights specific to this type, with their composites.
    #[must_use]
    pub fn specific_rights(self) -> &'static [RightName] {
        match self {
            ObjectType::Token => TOKEN_RIGHTS,
            ObjectType::Thread => THREAD_RIGHTS,
            ObjectType::Process => PROCESS_RIGHTS,
            ObjectType::File => FILE_RIGHTS,
            ObjectType::Key => KEY_RIGHTS,
            ObjectType::Event => EVENT_RIGHTS,
            ObjectType::Mutex => MUTEX_RIGHTS,
            ObjectType::Semaphore => SEMAPHORE_RIGHTS,
        }
    }

    /// The generic mapping of this type (ACC-3).
    #[must_use]
    pub fn generic_mapping(self) -> GenericMapping {
        let m = |read: u32, write: u32, execute: u32, all: u32| GenericMapping {
            read: AccessMask(read),
            write: AccessMask(write),
            execute: AccessMask(execute),
            all: AccessMask(all),
        };
        match self {
            ObjectType::Token => m(0x0002_0008, 0x0002_00E0, 0x0002_0000, 0x000F_01FF),
            // THREAD_QUERY_INFORMATION|THREAD_GET_CONTEXT|READ_CONTROL, ...
            ObjectType::Thread => m(0x0002_0048, 0x0002_0437, 0x0012_0800, 0x001F_FFFF),
            ObjectType::Process => m(0x0002_0410, 0x0002_0BEA, 0x0012_1000, 0x001F_FFFF),
            ObjectType::File => m(0x0012_0089, 0x0012_0116, 0x0012_00A0, 0x001F_01FF),
            ObjectType::Key => m(0x0002_0019, 0x0002_0006, 0x0002_0019, 0x000F_003F),
            ObjectType::Event => m(0x0002_0001, 0x0002_0002, 0x0012_0000, 0x001F_0003),
            ObjectType::Mutex => m(0x0002_0001, 0x0002_0000, 0x0012_0000, 0x001F_0001),
            ObjectType::Semaphore => m(0x0002_0001, 0x0002_0002, 0x0012_0000, 0x001F_0003),
        }
    }

    /// Every right of this type that a granted mask can hold (specific and standard).
    #[must_use]
    pub fn valid_mask(self) -> AccessMask {
        AccessMask(self.generic_mapping().all.0 | 0x001F_0000 | 0x0100_0000)
    }

    /// Looks up a right name valid for this type (standard, generic or specific).
    #[must_use]
    pub fn right(self, name: &str) -> Option<RightName> {
        STANDARD_RIGHTS
            .iter()
            .chain(self.specific_rights())
            .find(|r| r.name == name)
            .copied()
    }

    /// Every right name valid for this type.
    pub fn right_names(self) -> impl Iterator<Item = &'static str> {
        STANDARD_RIGHTS
            .iter()
            .chain(self.specific_rights())
            .map(|r| r.name)
    }

    /// The object type whose specific rights include `name`, if any.
    #[must_use]
    pub fn owning_type_of(name: &str) -> Option<ObjectType> {
        Self::ALL
            .into_iter()
            .find(|t| t.specific_rights().iter().any(|r| r.name == name))
    }

    /// The names of the single rights in `mask`, specific rights first, in bit order.
    #[must_use]
    pub fn names_of(self, mask: AccessMask) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut left = mask.0;
        for r in self.specific_rights().iter().chain(STANDARD_RIGHTS) {
            if !r.composite && r.mask & left == r.mask && r.mask != 0 {
                out.push(r.name);
                left &= !r.mask;
            }
        }
        out
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl GenericMapping {
    /// Maps generic bits to specific and standard rights (`MapGenericMask`).
    #[must_use]
    pub fn map(&self, mask: AccessMask) -> AccessMask {
        let mut out = mask.without(AccessMask::GENERIC_MASK);
        if mask.contains(AccessMask::GENERIC_READ) {
            out = out.with(self.read);
        }
        if mask.contains(AccessMask::GENERIC_WRITE) {
            out = out.with(self.write);
        }
        if mask.contains(AccessMask::GENERIC_EXECUTE) {
            out = out.with(self.execute);
        }
        if mask.contains(AccessMask::GENERIC_ALL) {
            out = out.with(self.all);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_rights_map_per_type() {
        let file = ObjectType::File.generic_mapping();
        assert_eq!(file.map(AccessMask::GENERIC_READ), AccessMask(0x0012_0089));
        let token = ObjectType::Token.generic_mapping();
        assert_eq!(
            token.map(AccessMask::GENERIC_ALL),
            AccessMask::TOKEN_ALL_ACCESS
        );
        assert_eq!(
            token.map(AccessMask::GENERIC_READ.with(AccessMask::DELETE)),
            AccessMask(0x0002_0008 | 0x0001_0000)
        );
    }

    #[test]
    fn names_cover_a_mask_with_single_rights() {
        let names = ObjectType::Token.names_of(AccessMask::TOKEN_ALL_ACCESS);
        assert_eq!(names.len(), 13);
        assert!(names.contains(&"TOKEN_QUERY") && names.contains(&"WRITE_OWNER"));
        assert!(!names.contains(&"TOKEN_ALL_ACCESS"));
    }

    #[test]
    fn right_names_belong_to_one_type() {
        assert_eq!(
            ObjectType::owning_type_of("TOKEN_QUERY"),
            Some(ObjectType::Token)
        );
        assert_eq!(
            ObjectType::owning_type_of("FILE_READ_DATA"),
            Some(ObjectType::File)
        );
        assert_eq!(ObjectType::owning_type_of("READ_CONTROL"), None);
        assert!(ObjectType::File.right("TOKEN_QUERY").is_none());
        assert!(ObjectType::File.right("GENERIC_READ").is_some());
    }
}
