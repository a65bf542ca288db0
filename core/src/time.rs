//! Time as data.
//!
//! The core never reads a clock: `std::time::SystemTime::now()` panics on
//! `wasm32-unknown-unknown`, and a virtual clock is what makes autologout, `SEARCH SINCE`
//! and INTERNALDATE testable. Every input carries a [`Timestamp`] chosen by the driver.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// A point in time, in milliseconds since the Unix epoch (UTC).
///
/// It is the only notion of time in the core: the driver passes it into every
/// `handle_*` call, and it becomes the INTERNALDATE of messages appended without a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// A timestamp from whole seconds since the Unix epoch.
    pub const fn from_unix_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// This timestamp moved forward by `millis` milliseconds (saturating).
    pub const fn add_millis(self, millis: i64) -> Self {
        Timestamp(self.0.saturating_add(millis))
    }

    /// Milliseconds from `earlier` to `self`, or 0 if `earlier` is later.
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0).max(0)
    }

    /// The same instant as a UTC `chrono` value (clamped to chrono's range).
    pub(crate) fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The calendar date of this instant in UTC, which is what IMAP's `BEFORE`, `ON` and
    /// `SINCE` compare (RFC 9051 §6.4.4 leaves the time zone to the server; we use UTC so
    /// results do not depend on where a test runs).
    pub(crate) fn utc_date(self) -> NaiveDate {
        self.to_utc().date_naive()
    }

    /// The instant given by an IMAP `date-time` (with its own zone offset).
    pub(crate) fn from_datetime(value: &DateTime<FixedOffset>) -> Self {
        Timestamp(value.timestamp_millis())
    }
}

impl From<std::time::Duration> for Timestamp {
    /// A timestamp that lies `duration` after the epoch (saturating).
    fn from(duration: std::time::Duration) -> Self {
        Timestamp(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_unix_secs(10);
        assert_eq!(t.add_millis(5).unix_millis(), 10_005);
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX)
                .add_millis(1)
                .unix_millis(),
            i64::MAX
        );
        assert_eq!(t.millis_since(t.add_millis(7)), 0);
        assert_eq!(t.add_millis(7).millis_since(t), 7);
    }

    #[test]
    fn utc_date() {
        // 2024-02-29T23:59:59Z
        let t = Timestamp::from_unix_secs(1_709_251_199);
        assert_eq!(t.utc_date(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
    }
}
