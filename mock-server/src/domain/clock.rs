//! The mock clock: wall-clock time plus an offset that `/mock/clock/advance`
//! moves forward. Every time the mock reasons about (prepay_id expiry,
//! jscode TTL, closeorder's minimum age, notify retries, refund settlement)
//! is read from here, never from the wall clock directly.

use core::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall clock + offset, in milliseconds.
#[derive(Debug, Default)]
pub struct MockClock {
    offset_ms: AtomicI64,
}

impl MockClock {
    /// A clock that starts at the wall clock (offset 0).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn wall_ms() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// Mock time, Unix milliseconds.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        Self::wall_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Mock time, Unix seconds.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// How far the mock clock is ahead of the wall clock, in milliseconds.
    #[must_use]
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    /// Puts the clock back on the wall clock.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }

    /// Converts a mock-time instant into how long to wait on the real clock.
    #[must_use]
    pub fn real_delay_until(&self, mock_ms: i64) -> core::time::Duration {
        let ms = mock_ms.saturating_sub(self.now_ms()).max(0);
        core::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}
