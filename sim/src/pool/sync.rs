//! The synchronisation shim of the worker pool: `std` in ordinary builds and `loom` when
//! built with `--cfg loom`, so the same pool code runs on real threads and is model-checked
//! under every interleaving. Only this module names loom.

#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
#[cfg(loom)]
pub(crate) use loom::thread;

#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::thread;

use std::sync::PoisonError;

/// Locks `mutex`, taking the data of a poisoned lock as it is: a worker that panicked has
/// already failed the run, and the log it leaves is what explains it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
