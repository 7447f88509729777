//! Fingerprints: the 64-bit hashes the explorer stores instead of states (hash compaction).
//! Two distinct states share a fingerprint with probability about n²/2⁶⁵ for n states, so a
//! run of ten million states misses one with odds below one in 10⁵; the report says so.

use std::hash::{Hash, Hasher};

/// A fast multiplicative hasher (the FxHash step) with a final avalanche, so that the low
/// bits the shards use and the high bits the tables use are both well mixed.
#[derive(Clone, Copy, Debug, Default)]
pub struct FingerprintHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FingerprintHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FingerprintHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The murmur3 finaliser.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h
    }
}

/// The fingerprint of a value.
#[must_use]
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = FingerprintHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// A `BuildHasher` for tables keyed by fingerprints: the key is already a good hash, so it
/// is used as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

/// The hasher of [`Identity`].
#[derive(Clone, Copy, Debug, Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl std::hash::BuildHasher for Identity {
    type Hasher = IdentityHasher;

    #[inline]
    fn build_hasher(&self) -> IdentityHasher {
        IdentityHasher::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_have_equal_fingerprints_and_small_changes_spread() {
        assert_eq!(of(&(1u8, "a")), of(&(1u8, "a")));
        let a = of(&(1u32, 2u32));
        let b = of(&(1u32, 3u32));
        assert_ne!(a, b);
        assert!(
            (a ^ b).count_ones() > 16,
            "one changed field flips many bits"
        );
    }
}
