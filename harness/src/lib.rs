//! `ephemail`: a throwaway IMAP server on real sockets, for tests.
//!
//! A thin tokio harness around the sans-IO [`ephemail_core::Server`]: one task owns the
//! server, connection tasks only read, write and do TLS. Every run makes its own CA, so
//! clients verify the server's certificate as they would in production.
//!
//! What lives where:
//! - [`TestServer`] / [`TestServerBuilder`]: start a server from a test (async, or
//!   [`TestServerBuilder::start_blocking`] for a plain `#[test]`), deliver mail, read the
//!   store, wait for a condition, follow [`Events`];
//! - [`cli`]: the `ephemail serve` command and its ready file; [`admin`]: its HTTP API;
//!   [`demo`]: `ephemail demo`, a static file server for the browser demo;
//! - [`tls`]: the per-run CA and the rustls configurations.
//!
//! ```no_run
//! # async fn example() -> Result<(), ephemail::Error> {
//! use ephemail::TestServer;
//!
//! let server = TestServer::builder().user("alice", "secret").start().await?;
//! println!("IMAP on {}, IMAPS on {}", server.imap_addr(), server.imaps_addr());
//! let tls = server.rustls_client_config(); // trusts this run's CA only
//! server.deliver("alice", "INBOX", b"Subject: hello\r\n\r\nHi!\r\n").await?;
//! # drop(tls);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
pub mod cli;
mod clock;
mod connection;
pub mod demo;
mod driver;
mod error;
pub mod fixtures;
mod listener;
mod outbox;
mod test_server;
pub mod tls;

use std::net::SocketAddr;

pub use clock::now;
pub use connection::MAX_UNSENT_OUTPUT;
pub use ephemail_core as core;
pub use error::Error;
pub use test_server::{BlockingTestServer, Events, SeedError, TestServer, TestServerBuilder};

/// The README's examples (of this crate and of the core it depends on), compiled as
/// doctests here because only this crate can see both.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The addresses a server listens on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Addresses {
    /// Plain text with STARTTLS (the port-143 role), if enabled.
    pub imap: Option<SocketAddr>,
    /// Implicit TLS (the port-993 role), if enabled.
    pub imaps: Option<SocketAddr>,
    /// The admin HTTP API, if enabled.
    pub admin: Option<SocketAddr>,
}
