//! Interning: a table that gives each distinct value a small id, so that a model can store
//! a large state as a few ids of its parts (a compact encoding) and rebuild it from them.
//! Equal values get equal ids and distinct values distinct ones, so two encoded states are
//! equal exactly when the states are: the encoding keeps every distinction the search
//! makes. Each value is kept once, with a summary the model computes when it is first
//! interned (its fingerprint, say), so that the summary is never recomputed.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};
use std::sync::{Arc, PoisonError, RwLock};

use tokenhop_model::core::widen::u64_of;

use super::fingerprint::FingerprintHasher;

/// Distinct values of `T`, each with its id and a summary `S`; shared by the threads of a
/// search.
#[derive(Debug)]
pub struct Interner<T, S> {
    inner: RwLock<Inner<T, S>>,
}

#[derive(Debug)]
struct Inner<T, S> {
    ids: HashMap<Arc<T>, u64, BuildHasherDefault<FingerprintHasher>>,
    values: Vec<(Arc<T>, S)>,
}

impl<T, S> Default for Interner<T, S> {
    fn default() -> Self {
        Interner {
            inner: RwLock::new(Inner {
                ids: HashMap::default(),
                values: Vec::new(),
            }),
        }
    }
}

impl<T: Hash + Eq + Clone, S: Copy> Interner<T, S> {
    /// The id and summary of `value`, interning a copy of it (with the summary `summary`
    /// computes) if it is new.
    pub fn intern(&self, value: &T, summary: impl FnOnce(&T) -> S) -> (u64, S) {
        {
            let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(&id) = inner.ids.get(value)
                && let Some((_, s)) = inner.value(id)
            {
                return (id, *s);
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&id) = inner.ids.get(value)
            && let Some((_, s)) = inner.value(id)
        {
            return (id, *s);
        }
        let s = summary(value);
        let id = u64_of(inner.values.len());
        let value = Arc::new(value.clone());
        inner.ids.insert(Arc::clone(&value), id);
        inner.values.push((value, s));
        (id, s)
    }

    /// The value with id `id` and its summary, if one was interned under it.
    #[must_use]
    pub fn get(&self, id: u64) -> Option<(Arc<T>, S)> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        inner.value(id).map(|(value, s)| (Arc::clone(value), *s))
    }

    /// How many distinct values it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values
            .len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T, S> Inner<T, S> {
    /// The value interned under `id` and its summary. Ids are positions in `values`, so an
    /// id past `usize` names none.
    fn value(&self, id: u64) -> Option<&(Arc<T>, S)> {
        usize::try_from(id).ok().and_then(|i| self.values.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_an_id_and_distinct_ones_do_not() {
        let table: Interner<Vec<u8>, usize> = Interner::default();
        let (a, sa) = table.intern(&vec![1, 2], Vec::len);
        let (b, _) = table.intern(&vec![3], Vec::len);
        let (c, sc) = table.intern(&vec![1, 2], |_| 99);
        assert_eq!(a, c, "an equal value gets the same id");
        assert_eq!(
            sa, sc,
            "and keeps the summary computed when it was first interned"
        );
        assert_ne!(a, b);
        assert_eq!(table.len(), 2);
        assert_eq!(
            table.get(b).map(|(v, s)| ((*v).clone(), s)),
            Some((vec![3], 1))
        );
        assert!(table.get(7).is_none());
    }
}
