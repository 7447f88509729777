//! A short sequence: its first `N` entries kept inline, more on the heap. A runtime's
//! tables (threads, token handles, contexts, work items, flow controls, running frames)
//! hold a few entries each, and the explorer clones runtimes millions of times: kept
//! inline they cost a copy, not an allocation. It compares, hashes and prints as the slice
//! it holds, whichever way it holds it.

use std::fmt;
use std::hash::{Hash, Hasher};

/// A sequence of `T`, inline up to `N` entries.
#[derive(Clone)]
pub enum Short<T: Copy + Default, const N: usize> {
    /// At most `N` entries: the first `len` of `items`.
    Inline {
        /// How many entries.
        len: u8,
        /// The entries, then defaults.
        items: [T; N],
    },
    /// More than `N` entries.
    Heap(Vec<T>),
}

impl<T: Copy + Default, const N: usize> Default for Short<T, N> {
    fn default() -> Self {
        Short::Inline {
            len: 0,
            items: [T::default(); N],
        }
    }
}

impl<T: Copy + Default, const N: usize> Short<T, N> {
    /// The entries.
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        match self {
            Short::Inline { len, items } => items.get(..usize::from(*len)).unwrap_or(&[]),
            Short::Heap(v) => v,
        }
    }

    /// The entries, to change.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Short::Inline { len, items } => items.get_mut(..usize::from(*len)).unwrap_or(&mut []),
            Short::Heap(v) => v,
        }
    }

    /// How many entries it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        match self {
            Short::Heap(v) => v.push(value),
            Short::Inline { len, items } => {
                if let Some(slot) = items.get_mut(usize::from(*len))
                    && let Some(more) = len.checked_add(1)
                {
                    *slot = value;
                    *len = more;
                } else {
                    let mut all = items.get(..usize::from(*len)).unwrap_or(&[]).to_vec();
                    all.push(value);
                    *self = Short::Heap(all);
                }
            }
        }
    }

    /// Removes the last entry.
    pub fn pop(&mut self) -> Option<T> {
        match self {
            Short::Heap(v) => v.pop(),
            Short::Inline { len, items } => {
                let last = len.checked_sub(1)?;
                let value = items.get_mut(usize::from(last)).map(std::mem::take);
                *len = last;
                value
            }
        }
    }

    /// Removes the entry at `index`, moving the later ones down.
    pub fn remove(&mut self, index: usize) -> Option<T> {
        let removed = *self.get(index)?;
        if let Short::Heap(v) = self {
            v.remove(index);
        } else {
            let entries = self.as_mut_slice();
            if let Some(tail) = entries.get_mut(index..) {
                tail.rotate_left(1);
            }
            self.pop();
        }
        Some(removed)
    }

    /// Keeps the first `len` entries.
    pub fn truncate(&mut self, len: usize) {
        while self.len() > len {
            self.pop();
        }
    }

    /// Grows to `len` entries, new ones `T::default()`.
    pub fn grow_to(&mut self, len: usize) {
        while self.len() < len {
            self.push(T::default());
        }
    }

    /// The last entry.
    #[must_use]
    pub fn last(&self) -> Option<&T> {
        self.as_slice().last()
    }

    /// The entry at `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&T> {
        self.as_slice().get(index)
    }

    /// The entry at `index`, to change.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.as_mut_slice().get_mut(index)
    }

    /// The entries, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }
}

impl<T: Copy + Default + PartialEq, const N: usize> PartialEq for Short<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + Default + Eq, const N: usize> Eq for Short<T, N> {}

impl<T: Copy + Default + Hash, const N: usize> Hash for Short<T, N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T: Copy + Default + fmt::Debug, const N: usize> fmt::Debug for Short<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a, T: Copy + Default, const N: usize> IntoIterator for &'a Short<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::Short;
    use std::hash::{DefaultHasher, Hash, Hasher};

    fn hash<T: Hash + ?Sized>(value: &T) -> u64 {
        let mut h = DefaultHasher::new();
        value.hash(&mut h);
        h.finish()
    }

    /// It holds what a Vec would, inline or spilled, and compares and hashes as the slice.
    #[test]
    fn a_short_sequence_behaves_as_the_slice_it_holds() {
        let mut short: Short<u16, 2> = Short::default();
        let mut vec: Vec<u16> = Vec::new();
        for n in 1..=5 {
            short.push(n);
            vec.push(n);
            assert_eq!(short.as_slice(), vec.as_slice());
            assert_eq!(hash(&short), hash(vec.as_slice()));
        }
        assert!(matches!(short, Short::Heap(_)), "five entries spill");
        assert_eq!(short.remove(1), Some(2));
        vec.remove(1);
        assert_eq!(short.as_slice(), vec.as_slice());
        short.truncate(1);
        let mut inline: Short<u16, 2> = Short::default();
        inline.push(1);
        assert!(matches!(inline, Short::Inline { .. }));
        assert_eq!(short, inline, "equal whichever way they are held");
        assert_eq!(hash(&short), hash(&inline));
        assert_eq!(inline.pop(), Some(1));
        assert_eq!(inline.pop(), None);
        assert!(inline.is_empty());
        let mut two: Short<u16, 2> = Short::default();
        two.grow_to(2);
        two.push(9);
        assert_eq!(two.as_slice(), &[0, 0, 9]);
        assert_eq!(two.remove(0), Some(0));
        assert_eq!(two.remove(5), None);
        assert_eq!(two.last(), Some(&9));
    }
}
