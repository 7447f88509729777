//! Selectable readings of ambiguous rules.
//!
//! Where the documents disagree or are silent, the model does not guess: each open
//! question has named readings, the first of them the default, and a scenario may select
//! another (`readings: { OQL-15: held }`). Model code asks
//! [`Readings::alternative`] whether the non-default reading of a rule was selected.

use serde::{Deserialize, Serialize};

use super::RuleId;

/// One reading of an ambiguous rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingInfo {
    /// The name a scenario selects it by.
    pub name: &'static str,
    /// What the model does under this reading, and who says so.
    pub description: &'static str,
}

/// An ambiguous rule with its readings; the first reading is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ambiguity {
    /// The open question.
    pub rule: RuleId,
    /// Its readings, the default first.
    pub readings: &'static [ReadingInfo],
}

const fn reading(name: &'static str, description: &'static str) -> ReadingInfo {
    ReadingInfo { name, description }
}

/// Every selectable ambiguity.
pub const AMBIGUITIES: &[Ambiguity] = &[
    Ambiguity {
        rule: RuleId::OQL_1,
        readings: &[
            reading(
                "assign",
                "the call succeeds and the thread impersonates at the token's own low level; object opens then fail (older ImpersonateLoggedOnUser text, IMP-3, TOK-5)",
            ),
            reading(
                "fail",
                "the call fails with ERROR_BAD_IMPERSONATION_LEVEL (the newer \"cannot be used for impersonation\" note read literally)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_7,
        readings: &[
            reading(
                "windows",
                "the eight steps of SeTokenCanImpersonate as Forshaw documents them (IMP-3..IMP-10)",
            ),
            reading(
                "reactos",
                "the four conditions of the WDK remarks as ReactOS implements them: level, anonymous source, equal user, restriction parity (IMP-17)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_8,
        readings: &[
            reading(
                "always",
                "a token of the anonymous logon session is always allowed (Forshaw, step 1)",
            ),
            reading(
                "system-sourced",
                "only an anonymous token made by the system is allowed; others go through the remaining checks (older ReactOS)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_9,
        readings: &[
            reading(
                "vista",
                "the integrity and session-0 checks apply from Windows Vista, which introduced integrity levels and session-0 isolation",
            ),
            reading(
                "10",
                "the integrity and session-0 checks apply only from Windows 10, like the elevation check Forshaw dates",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_15,
        readings: &[
            reading(
                "enabled",
                "SeImpersonatePrivilege counts only when enabled (Forshaw); CreateProcessWithTokenW likewise",
            ),
            reading(
                "held",
                "SeImpersonatePrivilege counts when present, enabled or not (the Win32 pages say the caller \"has\" it)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_16,
        readings: &[
            reading(
                "elevating",
                "SeDelegateSessionUserImpersonatePrivilege is one of the privileges that make a token elevated (Forshaw's list of ten)",
            ),
            reading(
                "not-elevating",
                "it does not make a token elevated (the TokenElevation mask of a decompiled kernel holds nine privileges, not this one)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_19,
        readings: &[
            reading(
                "no-inherit",
                "a new thread starts without impersonation (per-thread impersonation state: Forshaw, ReactOS, Raymond Chen)",
            ),
            reading(
                "inherit",
                "a new thread starts with its creator's impersonation (no document says so; offered because no reference page denies it outright)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::DEF_2,
        readings: &[
            reading(
                "logon-sid",
                "default owner and SYSTEM: GENERIC_ALL; the logon SID: GENERIC_READ|GENERIC_EXECUTE (observed on Vista and later, unverified)",
            ),
            reading(
                "owner-system",
                "default owner and SYSTEM: GENERIC_ALL only (the XP-era listing in The Old New Thing)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_1,
        readings: &[
            reading(
                "not-required",
                "SeIncreaseQuotaPrivilege is not checked (a standard-user broker such as Chromium's sandbox creates restricted children without it)",
            ),
            reading(
                "required",
                "SeIncreaseQuotaPrivilege is required, as the CreateProcessAsUser page says is \"typical\"; ERROR_PRIVILEGE_NOT_HELD otherwise",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_2,
        readings: &[
            reading(
                "accept-primary",
                "PrivilegeCheck accepts a primary token and refuses only an Anonymous-level one (ReactOS, decompiled Windows)",
            ),
            reading(
                "impersonation-only",
                "PrivilegeCheck refuses a primary token with ERROR_NO_IMPERSONATION_TOKEN (the page asks for the token of an impersonating thread)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_3,
        readings: &[
            reading(
                "interactive-split",
                "only interactive logons of an administrator get the filtered token with a linked full token; network, batch and service logons get the full token",
            ),
            reading(
                "remote-restricted",
                "as interactive-split, but network logons of a local administrator get a filtered token with no linked token (UAC remote restrictions, KB951016)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_4,
        readings: &[
            reading(
                "primary-only",
                "an impersonation token is refused with ERROR_BAD_TOKEN_TYPE, as for CreateProcessAsUser (the page asks for a primary token)",
            ),
            reading(
                "duplicates",
                "an impersonation token at Impersonation level or above is accepted: the Secondary Logon service duplicates it to a primary token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_6,
        readings: &[
            reading(
                "caller-session",
                "the token is in the caller's terminal-services session",
            ),
            reading(
                "session-zero",
                "the token is in session 0 until someone sets TokenSessionId",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_7,
        readings: &[
            reading(
                "granted",
                "the creator's handle gets the access asked for (MAXIMUM_ALLOWED: every token right) with no access check, as for other objects a caller creates unnamed",
            ),
            reading(
                "checked",
                "the access asked for is checked against the new token's descriptor with the caller's effective token, so a thread impersonating below Impersonation level cannot make tokens (TOK-5)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_8,
        readings: &[
            reading(
                "token-level",
                "a token object is labelled at the token's own integrity level (no-write-up), so a Low process can manage its own token but not write to a Medium one",
            ),
            reading(
                "unlabeled",
                "a token object has no label and counts as Medium, so a Low process cannot even duplicate its own token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_9,
        readings: &[
            reading(
                "write-rights",
                "write access is the type's GENERIC_WRITE mapping without READ_CONTROL and SYNCHRONIZE, plus DELETE, WRITE_DAC and WRITE_OWNER",
            ),
            reading(
                "generic-write",
                "write access is exactly the type's GENERIC_WRITE mapping (which for files includes READ_CONTROL and SYNCHRONIZE)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_5,
        readings: &[
            reading(
                "primary",
                "the new thread's descriptor comes from the creator's primary token (CreateThread page)",
            ),
            reading(
                "effective",
                "the new thread's descriptor comes from the creator's impersonation token while it impersonates (Thread Security and Access Rights page)",
            ),
        ],
    },
];

/// The most ambiguities a [`Readings`] can hold.
const CAPACITY: usize = 32;

/// The reading selected for each ambiguity (by default, the first of each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Readings {
    selected: [u8; CAPACITY],
}

impl Default for Readings {
    fn default() -> Self {
        Readings {
            selected: [0; CAPACITY],
        }
    }
}

/// A reading name that is not one of the ambiguity's readings, or an id that is not an
/// ambiguity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    /// The rule has no selectable readings.
    #[error("`{0}` is not an ambiguous rule with selectable readings")]
    NotAmbiguous(String),
    /// The reading is not one of the rule's.
    #[error("`{reading}` is not a reading of {rule}")]
    UnknownReading {
        /// The rule.
        rule: RuleId,
        /// The name given.
        reading: String,
    },
}

impl Readings {
    /// Selects `reading` for the ambiguous rule `rule`.
    pub fn select(&mut self, rule: RuleId, reading: &str) -> Result<(), ReadingError> {
        let position = AMBIGUITIES
            .iter()
            .position(|a| a.rule == rule)
            .ok_or_else(|| ReadingError::NotAmbiguous(rule.code().to_owned()))?;
        let ambiguity = AMBIGUITIES
            .get(position)
            .ok_or_else(|| ReadingError::NotAmbiguous(rule.code().to_owned()))?;
        let index = ambiguity
            .readings
            .iter()
            .position(|r| r.name == reading)
            .ok_or_else(|| ReadingError::UnknownReading {
                rule,
                reading: reading.to_owned(),
            })?;
        if let (Some(slot), Ok(index)) = (self.selected.get_mut(position), u8::try_from(index)) {
            *slot = index;
        }
        Ok(())
    }

    /// The reading selected for `rule`, if it is an ambiguity.
    #[must_use]
    pub fn selected(&self, rule: RuleId) -> Option<&'static ReadingInfo> {
        let position = AMBIGUITIES.iter().position(|a| a.rule == rule)?;
        let index = *self.selected.get(position)?;
        AMBIGUITIES.get(position)?.readings.get(usize::from(index))
    }

    /// Whether a reading other than the default was selected for `rule`.
    #[must_use]
    pub fn alternative(&self, rule: RuleId) -> bool {
        AMBIGUITIES
            .iter()
            .position(|a| a.rule == rule)
            .and_then(|p| self.selected.get(p))
            .is_some_and(|i| *i != 0)
    }
}

/// The ambiguity registered for `rule`, if any.
#[must_use]
pub fn ambiguity(rule: RuleId) -> Option<&'static Ambiguity> {
    AMBIGUITIES.iter().find(|a| a.rule == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_default_to_the_first_and_select_by_name() {
        let mut r = Readings::default();
        assert!(!r.alternative(RuleId::OQL_15));
        assert_eq!(r.selected(RuleId::OQL_15).map(|x| x.name), Some("enabled"));
        assert!(r.select(RuleId::OQL_15, "held").is_ok());
        assert!(r.alternative(RuleId::OQL_15));
        assert_eq!(r.selected(RuleId::OQL_15).map(|x| x.name), Some("held"));
        assert!(matches!(
            r.select(RuleId::OQL_15, "never"),
            Err(ReadingError::UnknownReading { .. })
        ));
        assert!(matches!(
            r.select(RuleId::IMP_4, "held"),
            Err(ReadingError::NotAmbiguous(_))
        ));
        assert!(AMBIGUITIES.len() <= CAPACITY);
    }
}
