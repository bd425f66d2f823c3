//! The one way to take a `std::sync::Mutex` in the mock.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, taking the data even if a panicking thread poisoned it (every
/// critical section leaves the data consistent before it can panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
