//! Test doubles for driving `ephemail_core::Server` without sockets or tokio.
//!
//! A [`TestServer`] owns a `Server`, a virtual clock and one inbox of received bytes per
//! client. Tests read like transcripts:
//!
//! ```
//! use ephemail_tests::TestServer;
//!
//! let mut t = TestServer::new();
//! let c = t.connect();
//! t.login(c, "alice");
//! let out = t.command(c, "a1 SELECT INBOX");
//! assert!(out.contains("* 0 EXISTS\r\n"));
//! assert!(out.ends_with("a1 OK [READ-WRITE] SELECT completed\r\n"));
//! ```

#![forbid(unsafe_code)]

pub mod mime_corpus;
pub mod transcript;

use std::collections::BTreeMap;

use ephemail_core::{Config, Event, Input, MailStore, Output, Server, SessionId, Timestamp};
use imap_codec::decode::{Decoder, ResponseDecodeError};
use imap_codec::{GreetingCodec, ResponseCodec};

/// The password every test user has.
pub const PASSWORD: &str = "password";

/// 2024-01-02T03:04:05Z: the virtual clock's starting point.
pub const START: Timestamp = Timestamp::from_unix_secs(1_704_164_645);

/// A `Server` with a virtual clock and per-client inboxes.
pub struct TestServer {
    /// The server under test.
    pub server: Server,
    /// The virtual clock.
    pub now: Timestamp,
    inboxes: BTreeMap<SessionId, Vec<u8>>,
    closed: Vec<SessionId>,
    starttls: Vec<SessionId>,
    /// Every event the server emitted, in order.
    pub events: Vec<Event>,
}

impl Default for TestServer {
    fn default() -> Self {
        TestServer::new()
    }
}

impl TestServer {
    /// Users `alice` and `bob` (password [`PASSWORD`]) with default folders.
    pub fn new() -> Self {
        TestServer::with_config(Config::default())
    }

    /// Like [`TestServer::new`], with a configuration of the test's choosing.
    pub fn with_config(config: Config) -> Self {
        let mut store = MailStore::new();
        store.add_user("alice", PASSWORD).expect("fresh store");
        store.add_user("bob", PASSWORD).expect("fresh store");
        TestServer::with_store(config, store)
    }

    /// A server over the given store.
    pub fn with_store(config: Config, store: MailStore) -> Self {
        TestServer {
            server: Server::new(config, store),
            now: START,
            inboxes: BTreeMap::new(),
            closed: Vec::new(),
            starttls: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Opens a plain connection and consumes the greeting.
    pub fn connect(&mut self) -> SessionId {
        let id = self.server.accept(self.now);
        self.pump();
        let greeting = self.take(id);
        assert!(greeting.starts_with("* OK "), "greeting: {greeting}");
        id
    }

    /// Opens a connection and returns it with the greeting, unconsumed.
    pub fn connect_raw(&mut self) -> (SessionId, String) {
        let id = self.server.accept(self.now);
        self.pump();
        let greeting = self.take(id);
        (id, greeting)
    }

    /// Logs in with LOGIN and checks it worked.
    pub fn login(&mut self, client: SessionId, user: &str) {
        let out = self.command(client, &format!("l0 LOGIN {user} {PASSWORD}"));
        assert!(out.contains("l0 OK "), "login failed: {out}");
    }

    /// A logged-in client with `mailbox` selected.
    pub fn selected(&mut self, user: &str, mailbox: &str) -> SessionId {
        let c = self.connect();
        self.login(c, user);
        let out = self.command(c, &format!("s0 SELECT {mailbox}"));
        assert!(out.contains("s0 OK "), "select failed: {out}");
        c
    }

    /// Sends raw bytes; returns everything this client has received since last asked.
    pub fn send(&mut self, client: SessionId, bytes: &[u8]) -> String {
        self.server.handle_input(
            self.now,
            Input::Received {
                session: client,
                bytes,
            },
        );
        self.pump();
        self.take(client)
    }

    /// Sends one command line (CRLF is added) and returns what arrived, which for a
    /// complete command ends with its tagged response.
    pub fn command(&mut self, client: SessionId, line: &str) -> String {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.send(client, &bytes)
    }

    /// Appends a message with a synchronizing literal, as a careful client would.
    pub fn append(
        &mut self,
        client: SessionId,
        tag: &str,
        mailbox: &str,
        message: &[u8],
    ) -> String {
        let cont = self.command(
            client,
            &format!("{tag} APPEND {mailbox} {{{}}}", message.len()),
        );
        assert!(cont.starts_with("+ "), "no continuation: {cont}");
        let mut body = message.to_vec();
        body.extend_from_slice(b"\r\n");
        self.send(client, &body)
    }

    /// Delivers a message from outside (an MTA), telling sessions.
    pub fn deliver(&mut self, user: &str, mailbox: &str, message: &[u8]) -> ephemail_core::Uid {
        let uid = self
            .server
            .deliver(self.now, user, mailbox, message)
            .expect("delivery");
        self.pump();
        uid
    }

    /// Moves the virtual clock forward and lets the server handle timers.
    pub fn advance(&mut self, millis: i64) {
        self.now = self.now.add_millis(millis);
        if self.server.poll_timeout().is_some_and(|t| t <= self.now) {
            self.server.handle_timeout(self.now);
        }
        self.pump();
    }

    /// Closes a client's connection from its side.
    pub fn disconnect(&mut self, client: SessionId) {
        self.server
            .handle_input(self.now, Input::Closed { session: client });
        self.pump();
    }

    /// Bytes received by this client and not yet taken, as (lossy) UTF-8.
    pub fn take(&mut self, client: SessionId) -> String {
        String::from_utf8_lossy(&self.take_bytes(client)).into_owned()
    }

    /// Bytes received by this client and not yet taken.
    pub fn take_bytes(&mut self, client: SessionId) -> Vec<u8> {
        self.inboxes.remove(&client).unwrap_or_default()
    }

    /// Whether the server closed this client's connection.
    pub fn is_closed(&self, client: SessionId) -> bool {
        self.closed.contains(&client)
    }

    /// Whether the server asked for a TLS upgrade of this connection.
    pub fn started_tls(&self, client: SessionId) -> bool {
        self.starttls.contains(&client)
    }

    /// Drains server output into the clients' inboxes, checking that every byte
    /// transmitted parses as IMAP responses.
    pub fn pump(&mut self) {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Transmit { session, bytes } => {
                    assert!(
                        !self.closed.contains(&session),
                        "transmit after close to {session}"
                    );
                    let inbox = self.inboxes.entry(session).or_default();
                    for chunk in bytes.chunks() {
                        inbox.extend_from_slice(chunk);
                    }
                }
                Output::Close { session } => {
                    assert!(!self.closed.contains(&session), "closed twice: {session}");
                    self.closed.push(session);
                }
                Output::StartTls { session } => self.starttls.push(session),
                Output::Event(event) => self.events.push(event),
                _ => {}
            }
        }
    }
}

/// Checks that `bytes` is a sequence of complete server responses (greeting, status,
/// data or continuation) that imap-codec parses. Returns the number of responses.
pub fn parse_responses(mut bytes: &[u8], with_greeting: bool) -> Result<usize, String> {
    let mut count = 0;
    if with_greeting {
        match GreetingCodec::default().decode(bytes) {
            Ok((rest, _)) => {
                bytes = rest;
                count += 1;
            }
            Err(e) => return Err(format!("greeting does not parse: {e:?}")),
        }
    }
    while !bytes.is_empty() {
        match ResponseCodec::default().decode(bytes) {
            Ok((rest, _)) => {
                bytes = rest;
                count += 1;
            }
            Err(ResponseDecodeError::Incomplete)
            | Err(ResponseDecodeError::LiteralFound { .. }) => {
                return Err(format!(
                    "incomplete response: {}",
                    ephemail_core::wire::escape(&bytes[..bytes.len().min(300)])
                ))
            }
            Err(e) => {
                return Err(format!(
                    "response does not parse ({e:?}): {}",
                    ephemail_core::wire::escape(&bytes[..bytes.len().min(300)])
                ))
            }
        }
    }
    Ok(count)
}
