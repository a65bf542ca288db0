//! `Server`: owns the store and every session, routes input, fans changes out.
//!
//! How to drive it: after any `handle_*` call (and after [`Server::accept`] or
//! [`Server::deliver`]), call [`Server::poll_output`] until it returns `None`, then re-arm a
//! timer on [`Server::poll_timeout`]. Output for a session is produced only by calls that
//! name it or that change a mailbox it has selected.
//!
//! The fan-out is "poke, then pull": a [`Change`] names a mailbox; every *other* session
//! with that mailbox selected is poked, and pulls what it needs from the store when RFC 9051
//! allows it to speak — at once when it is in IDLE, otherwise at the end of its next
//! command (never an EXPUNGE during FETCH, STORE or SEARCH; §7.5.1).

use std::collections::VecDeque;

use crate::config::Config;
use crate::response_bytes::ResponseBytes;
use crate::session::{Capabilities, Session, SessionContext};
use crate::store::{Change, Flags, MailStore, MailboxId, StoreError, Uid};
use crate::time::Timestamp;

/// Identifies one connection for its whole life. Ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(u64);

impl SessionId {
    /// The id's numeric value.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Something that happened to a connection, handed to the server by the driver.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Input<'a> {
    /// Bytes arrived from the client (after TLS decryption).
    Received {
        /// From which session.
        session: SessionId,
        /// The bytes, in any chunking.
        bytes: &'a [u8],
    },
    /// The connection is gone (peer closed, I/O error, failed TLS handshake).
    Closed {
        /// Which session.
        session: SessionId,
    },
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "outputs must be acted upon: bytes written, connections upgraded or closed"]
pub enum Output {
    /// Write these bytes to the session's connection.
    Transmit {
        /// To which session.
        session: SessionId,
        /// The bytes: response text with stored message bodies spliced in.
        bytes: ResponseBytes,
    },
    /// Start a TLS handshake (as server) on this connection now: every byte before this
    /// output goes out in plain text, every byte after it through TLS. Bytes the client
    /// sent after its STARTTLS command have been discarded (RFC 9051 §11.1).
    StartTls {
        /// Which session.
        session: SessionId,
    },
    /// Close the connection after writing everything queued before this output.
    Close {
        /// Which session.
        session: SessionId,
    },
    /// Something observers may want to know; correctness never depends on it.
    Event(Event),
}

/// Events for observers (tests, logs, the demo page).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A mailbox's content or existence changed.
    MailboxChanged {
        /// Whose mailbox.
        user: String,
        /// What changed.
        change: Change,
    },
    /// A session authenticated.
    LoggedIn {
        /// Which session.
        session: SessionId,
        /// As whom.
        user: String,
    },
    /// A session received a command. Passwords and SASL data are redacted.
    CommandReceived {
        /// Which session.
        session: SessionId,
        /// The command line (first line), escaped, with secrets replaced by `***`.
        line: String,
    },
    /// A session ended.
    SessionClosed {
        /// Which session.
        session: SessionId,
    },
}

/// The sans-IO IMAP server.
///
/// See the crate documentation for the run loop.
#[derive(Debug)]
pub struct Server {
    config: Config,
    capabilities: Capabilities,
    store: MailStore,
    sessions: Sessions,
    next_session: u64,
    queue: VecDeque<Output>,
}

impl Server {
    /// A server over `store`, with no sessions yet.
    pub fn new(config: Config, store: MailStore) -> Self {
        Server {
            capabilities: Capabilities::new(&config),
            config,
            store,
            sessions: Sessions::default(),
            next_session: 1,
            queue: VecDeque::new(),
        }
    }

    /// A new plain-text connection: queues the greeting and returns its id.
    pub fn accept(&mut self, now: Timestamp) -> SessionId {
        self.accept_session(now, false)
    }

    /// A new connection that is already encrypted (implicit TLS, the port-993 role).
    pub fn accept_tls(&mut self, now: Timestamp) -> SessionId {
        self.accept_session(now, true)
    }

    fn accept_session(&mut self, now: Timestamp, tls: bool) -> SessionId {
        let id = SessionId(self.next_session);
        self.next_session += 1;
        let mut session = Session::new(id, &self.config, now, tls);
        let greeting = session.greeting(&self.config, &self.capabilities);
        self.sessions.insert(id, session);
        self.queue.push_back(Output::Transmit {
            session: id,
            bytes: greeting.into(),
        });
        id
    }

    /// Feeds input from the driver. Drain [`Server::poll_output`] afterwards.
    pub fn handle_input(&mut self, now: Timestamp, input: Input<'_>) {
        match input {
            Input::Received { session, bytes } => {
                // Borrowed in place, beside the store: a session is never moved out of
                // the map and back for a command.
                let Some(state) = self.sessions.get_mut(&session) else {
                    return;
                };
                let mut ctx =
                    SessionContext::new(&mut self.store, &self.config, &self.capabilities, now);
                state.handle_bytes(&mut ctx, bytes);
                let SessionContext {
                    out,
                    splices,
                    changes,
                    events,
                    start_tls,
                    close,
                    ..
                } = ctx;
                let out = ResponseBytes::new(out, splices);
                self.emit_session_output(session, out, start_tls, close, events);
                if close {
                    self.sessions.remove(&session);
                }
                self.fan_out(now, Some(session), changes);
            }
            Input::Closed { session } => {
                if self.sessions.remove(&session).is_some() {
                    self.queue
                        .push_back(Output::Event(Event::SessionClosed { session }));
                }
            }
        }
    }

    /// Lets time pass: logs out sessions idle for longer than the autologout timer.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        let expired: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.deadline(&self.config).is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.say_bye(id, "Autologout; idle for too long");
        }
    }

    /// Says goodbye to every session and closes it, as a server shutting down does:
    /// RFC 9051 §7.1.5 "BYE … The server is closing the connection". Each session gets
    /// `* BYE`, then [`Output::Close`]. The store is kept.
    pub fn shutdown(&mut self, now: Timestamp) {
        let _ = now;
        let sessions: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in sessions {
            self.say_bye(id, "ephemail is shutting down");
        }
    }

    /// Ends a session from the server's side: `* BYE text`, then close.
    fn say_bye(&mut self, id: SessionId, text: &str) {
        self.sessions.remove(&id);
        self.queue.push_back(Output::Transmit {
            session: id,
            bytes: format!("* BYE {text}\r\n").into_bytes().into(),
        });
        self.queue.push_back(Output::Close { session: id });
        self.queue
            .push_back(Output::Event(Event::SessionClosed { session: id }));
    }

    /// Delivers a message to a user's mailbox as a mail transfer agent would, and tells
    /// every session that has the mailbox selected. INTERNALDATE is `now`.
    pub fn deliver(
        &mut self,
        now: Timestamp,
        user: &str,
        mailbox: &str,
        message: &[u8],
    ) -> Result<Uid, StoreError> {
        self.deliver_with(now, user, mailbox, message, Flags::new(), now)
    }

    /// Like [`Server::deliver`], with flags and an INTERNALDATE of the caller's choosing.
    pub fn deliver_with(
        &mut self,
        now: Timestamp,
        user: &str,
        mailbox: &str,
        message: &[u8],
        flags: Flags,
        internal_date: Timestamp,
    ) -> Result<Uid, StoreError> {
        let (uid, change) =
            self.store
                .deliver(user, mailbox, message.to_vec(), flags, internal_date)?;
        self.fan_out(now, None, vec![(user.to_owned(), change)]);
        Ok(uid)
    }

    /// Changes the store from outside a session (fixtures, admin API, tests) and tells
    /// the sessions: `edit` returns the changes it made, with the user each concerns.
    pub fn edit_store<R>(
        &mut self,
        now: Timestamp,
        edit: impl FnOnce(&mut MailStore) -> (R, Vec<(String, Change)>),
    ) -> R {
        let (result, changes) = edit(&mut self.store);
        self.fan_out(now, None, changes);
        result
    }

    /// The next output for the driver, or `None` when there is nothing to do.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }

    /// When [`Server::handle_timeout`] should next be called, if ever.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.sessions
            .values()
            .filter_map(|s| s.deadline(&self.config))
            .min()
    }

    /// The store, for assertions and views.
    pub fn store(&self) -> &MailStore {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Ids of the sessions that are open.
    pub fn sessions(&self) -> impl Iterator<Item = SessionId> + '_ {
        self.sessions.keys().copied()
    }

    /// The user a session is logged in as.
    pub fn session_user(&self, session: SessionId) -> Option<&str> {
        self.sessions.get(&session)?.user()
    }

    /// The mailbox a session has selected and the UIDs in its view, in sequence-number
    /// order: message *n* of that session is `uids[n - 1]`. The view may lag the store
    /// until the session has been told of changes.
    pub fn session_view(&self, session: SessionId) -> Option<(MailboxId, &[Uid])> {
        self.sessions.get(&session)?.view()
    }

    fn emit_session_output(
        &mut self,
        session: SessionId,
        out: ResponseBytes,
        start_tls: bool,
        close: bool,
        events: Vec<Event>,
    ) {
        for event in events {
            self.queue.push_back(Output::Event(event));
        }
        if !out.is_empty() {
            self.queue.push_back(Output::Transmit {
                session,
                bytes: out,
            });
        }
        if start_tls {
            self.queue.push_back(Output::StartTls { session });
        }
        if close {
            self.queue.push_back(Output::Close { session });
            self.queue
                .push_back(Output::Event(Event::SessionClosed { session }));
        }
    }

    fn fan_out(
        &mut self,
        now: Timestamp,
        origin: Option<SessionId>,
        changes: Vec<(String, Change)>,
    ) {
        if changes.is_empty() {
            return;
        }
        let mut touched = Vec::new();
        for (user, change) in &changes {
            for (id, session) in self.sessions.iter_mut() {
                if session.note_change(change, Some(*id) == origin) && !touched.contains(id) {
                    touched.push(*id);
                }
            }
            self.queue.push_back(Output::Event(Event::MailboxChanged {
                user: user.clone(),
                change: change.clone(),
            }));
        }
        // Sessions in IDLE report at once; others wait for their next command.
        for id in touched {
            if Some(id) == origin {
                continue;
            }
            let Some(session) = self.sessions.get_mut(&id) else {
                continue;
            };
            let mut ctx =
                SessionContext::new(&mut self.store, &self.config, &self.capabilities, now);
            session.push_idle_updates(&mut ctx);
            let close = ctx.close;
            let out = ResponseBytes::new(
                std::mem::take(&mut ctx.out),
                std::mem::take(&mut ctx.splices),
            );
            drop(ctx);
            self.emit_session_output(id, out, false, close, Vec::new());
            if close {
                self.sessions.remove(&id);
            }
        }
    }
}

/// The open sessions, ordered by id. Ids only grow, so a new session is appended; a
/// lookup is a binary search. (A list rather than a `BTreeMap`: the same behaviour for
/// the few sessions a test server holds, in less code for the browser build.)
#[derive(Debug, Default)]
struct Sessions(Vec<(SessionId, Session)>);

impl Sessions {
    fn position(&self, id: &SessionId) -> Option<usize> {
        self.0.binary_search_by_key(id, |(i, _)| *i).ok()
    }

    fn insert(&mut self, id: SessionId, session: Session) {
        match self.0.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(at) => self.0[at].1 = session,
            Err(at) => self.0.insert(at, (id, session)),
        }
    }

    fn get(&self, id: &SessionId) -> Option<&Session> {
        self.position(id).map(|at| &self.0[at].1)
    }

    fn get_mut(&mut self, id: &SessionId) -> Option<&mut Session> {
        self.position(id).map(|at| &mut self.0[at].1)
    }

    fn remove(&mut self, id: &SessionId) -> Option<Session> {
        self.position(id).map(|at| self.0.remove(at).1)
    }

    fn keys(&self) -> impl Iterator<Item = &SessionId> + '_ {
        self.0.iter().map(|(id, _)| id)
    }

    fn values(&self) -> impl Iterator<Item = &Session> + '_ {
        self.0.iter().map(|(_, session)| session)
    }

    fn iter(&self) -> impl Iterator<Item = (&SessionId, &Session)> + '_ {
        self.0.iter().map(|(id, session)| (id, session))
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = (&SessionId, &mut Session)> + '_ {
        self.0.iter_mut().map(|(id, session)| (&*id, session))
    }
}
