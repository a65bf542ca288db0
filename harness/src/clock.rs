//! The harness's only clock reading.
//!
//! Core never reads a clock; everything it does with time (INTERNALDATE, autologout,
//! `SEARCH SINCE`) follows from the [`Timestamp`] the driver passes in. Keeping the one
//! reading here means a test can see at a glance where wall time enters the server.

use std::time::{SystemTime, UNIX_EPOCH};

use ephemail_core::Timestamp;

/// The current wall-clock time as core's [`Timestamp`].
pub fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from(since_epoch)
}
