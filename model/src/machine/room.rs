//! RES-1 where a call meets a full table: the call fails with ERROR_NO_SYSTEM_RESOURCES
//! (the kernel's STATUS_INSUFFICIENT_RESOURCES), noting the rule, and as every failed call
//! leaves the world as it was (the step keeps the world it started from). The SSPI calls
//! report the same failure as SEC_E_INSUFFICIENT_MEMORY ([`sspi_status`]).

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::machine::table::TableFull;
use crate::rules::RuleId;

/// Turning a [`TableFull`] into the status the call fails with (RES-1).
pub(crate) trait Room<T> {
    /// The entry, or ERROR_NO_SYSTEM_RESOURCES when its table is full.
    fn or_full(self, trail: &mut Trail) -> Result<T, ErrorCode>;
}

impl<T> Room<T> for Result<T, TableFull> {
    fn or_full(self, trail: &mut Trail) -> Result<T, ErrorCode> {
        self.map_err(|full| {
            trail.note(RuleId::RES_1, || {
                format!("{full}, so the call fails and changes nothing")
            });
            ErrorCode::ERROR_NO_SYSTEM_RESOURCES
        })
    }
}

/// An SSPI call's status: ERROR_NO_SYSTEM_RESOURCES as SEC_E_INSUFFICIENT_MEMORY, the
/// status the SSPI calls list for lack of memory (RES-1); any other as it is.
pub(crate) fn sspi_status(status: ErrorCode, trail: &mut Trail) -> ErrorCode {
    if status != ErrorCode::ERROR_NO_SYSTEM_RESOURCES {
        return status;
    }
    trail.note(RuleId::RES_1, || {
        "SSPI reports the lack of resources as SEC_E_INSUFFICIENT_MEMORY".to_owned()
    });
    ErrorCode::SEC_E_INSUFFICIENT_MEMORY
}
