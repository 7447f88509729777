//! Lossless widening of the 32-bit numbers the model counts with (ids, counts, limits) to
//! `usize`, the type of positions and lengths. The model builds only where `usize` is at
//! least 32 bits wide, which a compile-time check below makes sure of, so this conversion
//! needs no check and no fallback at run time.

const _: () = assert!(usize::BITS >= u32::BITS, "a u32 widens to usize losslessly");

/// `n` as a `usize`, losslessly.
#[must_use]
pub const fn usize_of(n: u32) -> usize {
    n as usize
}
