//! Errors of the harness API.

use std::net::SocketAddr;
use std::time::Duration;

use ephemail_core::StoreError;

use crate::tls::TlsError;

/// Why starting or talking to a server failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// TLS material could not be made or loaded.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A configured user could not be added.
    #[error("adding user: {0}")]
    User(StoreError),
    /// A seed closure (fixtures) failed.
    #[error("seeding the store: {0}")]
    Seed(Box<dyn std::error::Error + Send + Sync>),
    /// The store refused an operation (no such user or mailbox, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `wait_for` gave up.
    #[error("condition not met within {0:?}")]
    Timeout(Duration),
    /// The server has been shut down.
    #[error("the server has stopped")]
    Stopped,
    /// The blocking API could not start its runtime.
    #[error("starting the runtime: {0}")]
    Runtime(std::io::Error),
}
