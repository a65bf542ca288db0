//! The harness's only clock readings.
//!
//! Core never reads a clock; everything it does with time (INTERNALDATE, autologout,
//! `SEARCH SINCE`) follows from the [`Timestamp`] the driver passes in. Keeping the
//! readings here means a reader can see at a glance where wall time enters the server:
//! [`now`] for core, and [`timer_deadline`], which turns core's next deadline into an
//! instant of tokio's monotonic timer clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ephemail_core::Timestamp;

/// The current wall-clock time as core's [`Timestamp`].
pub fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from(since_epoch)
}

/// The tokio instant at which core's `deadline` (from `Server::poll_timeout`) falls.
pub(crate) fn timer_deadline(deadline: Timestamp) -> tokio::time::Instant {
    let wait = u64::try_from(deadline.millis_since(now())).unwrap_or(0);
    tokio::time::Instant::now() + Duration::from_millis(wait)
}
