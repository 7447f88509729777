//! The 32-bit numbers Win32 calls take and the adapter hands out: lengths of the script's
//! data as the DWORD counts a call takes, the sizes structures record of themselves, and
//! the numbers of the handles, credentials, contexts and bindings the steps make. A number
//! that does not fit is a skip with its reason, never a clamped value passed to Windows.

use tokenhop_model::core::widen::usize_of;

use crate::host::Skip;

/// `n`, a length of the script's data (`what`), as the DWORD a call takes.
pub fn count(n: usize, what: &str) -> Result<u32, Skip> {
    u32::try_from(n).map_err(|_| Skip(format!("{what} ({n}) does not fit the call's DWORD")))
}

/// The size of `T`, as a Win32 structure records its own size (`cb`, `nLength`, ...):
/// checked at compile time to fit a DWORD, so the conversion is lossless.
pub const fn size_of<T>() -> u32 {
    const { assert!(std::mem::size_of::<T>() <= usize_of(u32::MAX)) };
    std::mem::size_of::<T>() as u32
}

/// The number the next entry of `table` (the steps' `what`) gets in the trace, taken before
/// the call that makes it: a table with no 32-bit number left is a skip, before anything
/// is made that could not be numbered.
pub fn next<T>(table: &[T], what: &str) -> Result<u32, Skip> {
    u32::try_from(table.len())
        .map_err(|_| Skip(format!("the steps made more {what} than a trace numbers")))
}
