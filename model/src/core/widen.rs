//! Lossless widening of the 32-bit numbers the model counts with (ids, counts, limits) to
//! `usize`, the type of positions and lengths, and of positions and lengths to `u64`, the
//! type of the explorer's counts. The model builds only where `usize` is 32 to 64 bits
//! wide, which compile-time checks below make sure of, so these conversions need no check
//! and no fallback at run time.

const _: () = assert!(usize::BITS >= u32::BITS, "a u32 widens to usize losslessly");
const _: () = assert!(usize::BITS <= u64::BITS, "a usize widens to u64 losslessly");

/// `n` as a `usize`, losslessly.
#[must_use]
pub const fn usize_of(n: u32) -> usize {
    n as usize
}

/// `n` as a `u64`, losslessly.
#[must_use]
pub const fn u64_of(n: usize) -> u64 {
    n as u64
}
