//! The life of a prepay_id: valid for [`PREPAY_ID_TTL_SECS`] (2 hours) from
//! its issue (docs/protocol.md §2.4, unifiedorder's `prepay_id` field: "valid for
//! 2 hours").

use super::rules::PREPAY_ID_TTL_SECS;

/// Whether a prepay_id issued at `issued_at` has expired at `now` (both
/// Unix seconds): true from the instant its 2 hours are up.
#[must_use]
pub fn prepay_id_expired(issued_at: i64, now: i64) -> bool {
    let ttl = i64::try_from(PREPAY_ID_TTL_SECS).unwrap_or(i64::MAX);
    issued_at.saturating_add(ttl) <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_hours_to_the_second() {
        assert!(!prepay_id_expired(1_000, 1_000 + 7_199));
        assert!(prepay_id_expired(1_000, 1_000 + 7_200));
        assert!(!prepay_id_expired(i64::MAX - 1, i64::MAX - 1));
    }
}
