//! `ephemail-core`: a sans-IO IMAP server that holds all mail in memory.
//!
//! Bytes in, response bytes out, time passed in: no sockets, clocks, randomness, threads
//! or async runtime, so the same server runs under tokio, in a test without I/O, and in a
//! browser. The driver owns the connections and the clock:
//!
//! ```
//! use ephemail_core::{Config, Input, MailStore, Output, Server, Timestamp};
//!
//! let mut store = MailStore::new();
//! store.add_user("alice", "secret").unwrap();
//! let mut server = Server::new(Config::default(), store);
//!
//! let now = Timestamp::from_unix_secs(1_700_000_000);
//! let session = server.accept(now); // queues the greeting
//! server.handle_input(now, Input::Received { session, bytes: b"a1 LOGIN alice secret\r\n" });
//! server.handle_input(now, Input::Received { session, bytes: b"a2 SELECT INBOX\r\na3 LOGOUT\r\n" });
//!
//! let mut wire = Vec::new();
//! // After every handle_* call: drain the outputs, then re-arm a timer.
//! while let Some(output) = server.poll_output() {
//!     match output {
//!         // Write every chunk to the socket, in order.
//!         Output::Transmit { bytes, .. } => bytes.chunks().for_each(|c| wire.extend_from_slice(c)),
//!         Output::StartTls { .. } => { /* upgrade the connection, then keep going */ }
//!         Output::Close { .. } => { /* close it once written */ }
//!         Output::Event(_) => { /* optional: observe logins and mailbox changes */ }
//!         _ => {}
//!     }
//! }
//! if let Some(deadline) = server.poll_timeout() {
//!     // call server.handle_timeout(now) when the clock reaches `deadline`
//!     assert!(deadline > now);
//! }
//! let wire = String::from_utf8(wire).unwrap();
//! assert!(wire.starts_with("* OK [CAPABILITY IMAP4rev1"));
//! assert!(wire.contains("a2 OK [READ-WRITE] SELECT completed\r\n"));
//! assert!(wire.ends_with("* BYE Logging out\r\na3 OK LOGOUT completed\r\n"));
//! ```
//!
//! The store is plain data ([`MailStore`]); [`Server`] owns it and every session, and fans
//! each change out to the other sessions that have the mailbox selected.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
pub mod fixtures;
mod mime;
mod response_bytes;
mod server;
mod session;
pub mod store;
mod time;
pub mod wire;

pub use config::{Config, Feature};
pub use response_bytes::{Chunk, ResponseBytes};
pub use server::{Event, Input, Output, Server, SessionId};
pub use store::{
    Change, FlagOperation, Flags, Keyword, MailStore, Mailbox, MailboxId, Message, MessageBody,
    SpecialUse, StoreError, SystemFlag, Uid, User,
};
pub use time::Timestamp;
