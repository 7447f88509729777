//! Impersonation levels, token types and integrity levels, with their Win32 names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `SECURITY_IMPERSONATION_LEVEL`: ordered, Anonymous lowest (TOK-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ImpersonationLevel {
    /// `SecurityAnonymous` (0).
    Anonymous = 0,
    /// `SecurityIdentification` (1).
    Identification = 1,
    /// `SecurityImpersonation` (2).
    Impersonation = 2,
    /// `SecurityDelegation` (3).
    Delegation = 3,
}

impl ImpersonationLevel {
    /// Every level, lowest first.
    pub const ALL: [ImpersonationLevel; 4] = [
        ImpersonationLevel::Anonymous,
        ImpersonationLevel::Identification,
        ImpersonationLevel::Impersonation,
        ImpersonationLevel::Delegation,
    ];

    /// The Win32 constant name.
    #[must_use]
    pub fn win32_name(self) -> &'static str {
        match self {
            ImpersonationLevel::Anonymous => "SecurityAnonymous",
            ImpersonationLevel::Identification => "SecurityIdentification",
            ImpersonationLevel::Impersonation => "SecurityImpersonation",
            ImpersonationLevel::Delegation => "SecurityDelegation",
        }
    }

    /// Parses a Win32 constant name.
    #[must_use]
    pub fn from_win32_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.win32_name() == name)
    }

    /// The level for a raw `SECURITY_IMPERSONATION_LEVEL` value, if it is one.
    #[must_use]
    pub fn from_raw(value: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|l| *l as i64 == value)
    }

    /// A short lowercase word for narration.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            ImpersonationLevel::Anonymous => "Anonymous",
            ImpersonationLevel::Identification => "Identification",
            ImpersonationLevel::Impersonation => "Impersonation",
            ImpersonationLevel::Delegation => "Delegation",
        }
    }
}

impl fmt::Display for ImpersonationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// `TOKEN_TYPE` (TOK-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TokenType {
    /// `TokenPrimary` (1): the token of a process.
    Primary = 1,
    /// `TokenImpersonation` (2): a token a thread may impersonate.
    Impersonation = 2,
}

impl TokenType {
    /// The Win32 constant name.
    #[must_use]
    pub fn win32_name(self) -> &'static str {
        match self {
            TokenType::Primary => "TokenPrimary",
            TokenType::Impersonation => "TokenImpersonation",
        }
    }

    /// The token type for a raw `TOKEN_TYPE` value, if it is one.
    #[must_use]
    pub fn from_raw(value: i64) -> Option<Self> {
        match value {
            1 => Some(TokenType::Primary),
            2 => Some(TokenType::Impersonation),
            _ => None,
        }
    }

    /// Parses a Win32 constant name.
    #[must_use]
    pub fn from_win32_name(name: &str) -> Option<Self> {
        match name {
            "TokenPrimary" => Some(TokenType::Primary),
            "TokenImpersonation" => Some(TokenType::Impersonation),
            _ => None,
        }
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenType::Primary => "primary",
            TokenType::Impersonation => "impersonation",
        })
    }
}

/// A mandatory integrity level: the RID of an `S-1-16-x` label SID (TOK-13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum IntegrityLevel {
    /// `SECURITY_MANDATORY_UNTRUSTED_RID` 0x0000.
    Untrusted,
    /// `SECURITY_MANDATORY_LOW_RID` 0x1000.
    Low,
    /// `SECURITY_MANDATORY_MEDIUM_RID` 0x2000.
    Medium,
    /// `SECURITY_MANDATORY_MEDIUM_PLUS_RID` 0x2100.
    MediumPlus,
    /// `SECURITY_MANDATORY_HIGH_RID` 0x3000.
    High,
    /// `SECURITY_MANDATORY_SYSTEM_RID` 0x4000.
    System,
    /// `SECURITY_MANDATORY_PROTECTED_PROCESS_RID` 0x5000.
    ProtectedProcess,
}

impl IntegrityLevel {
    /// Every level, lowest first.
    pub const ALL: [IntegrityLevel; 7] = [
        IntegrityLevel::Untrusted,
        IntegrityLevel::Low,
        IntegrityLevel::Medium,
        IntegrityLevel::MediumPlus,
        IntegrityLevel::High,
        IntegrityLevel::System,
        IntegrityLevel::ProtectedProcess,
    ];

    /// The label RID.
    #[must_use]
    pub fn rid(self) -> u32 {
        match self {
            IntegrityLevel::Untrusted => 0x0000,
            IntegrityLevel::Low => 0x1000,
            IntegrityLevel::Medium => 0x2000,
            IntegrityLevel::MediumPlus => 0x2100,
            IntegrityLevel::High => 0x3000,
            IntegrityLevel::System => 0x4000,
            IntegrityLevel::ProtectedProcess => 0x5000,
        }
    }

    /// The Win32 constant name of the RID.
    #[must_use]
    pub fn win32_name(self) -> &'static str {
        match self {
            IntegrityLevel::Untrusted => "SECURITY_MANDATORY_UNTRUSTED_RID",
            IntegrityLevel::Low => "SECURITY_MANDATORY_LOW_RID",
            IntegrityLevel::Medium => "SECURITY_MANDATORY_MEDIUM_RID",
            IntegrityLevel::MediumPlus => "SECURITY_MANDATORY_MEDIUM_PLUS_RID",
            IntegrityLevel::High => "SECURITY_MANDATORY_HIGH_RID",
            IntegrityLevel::System => "SECURITY_MANDATORY_SYSTEM_RID",
            IntegrityLevel::ProtectedProcess => "SECURITY_MANDATORY_PROTECTED_PROCESS_RID",
        }
    }

    /// The short scenario-file word (`untrusted`, `low`, `medium`, ...).
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            IntegrityLevel::Untrusted => "untrusted",
            IntegrityLevel::Low => "low",
            IntegrityLevel::Medium => "medium",
            IntegrityLevel::MediumPlus => "mediumplus",
            IntegrityLevel::High => "high",
            IntegrityLevel::System => "system",
            IntegrityLevel::ProtectedProcess => "protected",
        }
    }

    /// Parses a scenario word or a Win32 RID constant name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.word() == name || l.win32_name() == name)
    }

    /// The name of the label SID as Windows prints it.
    #[must_use]
    pub fn label_name(self) -> &'static str {
        match self {
            IntegrityLevel::Untrusted => "Mandatory Label\\Untrusted Mandatory Level",
            IntegrityLevel::Low => "Mandatory Label\\Low Mandatory Level",
            IntegrityLevel::Medium => "Mandatory Label\\Medium Mandatory Level",
            IntegrityLevel::MediumPlus => "Mandatory Label\\Medium Plus Mandatory Level",
            IntegrityLevel::High => "Mandatory Label\\High Mandatory Level",
            IntegrityLevel::System => "Mandatory Label\\System Mandatory Level",
            IntegrityLevel::ProtectedProcess => {
                "Mandatory Label\\Protected Process Mandatory Level"
            }
        }
    }
}

impl fmt::Display for IntegrityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}
