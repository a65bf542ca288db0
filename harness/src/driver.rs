//! The one task that owns [`ephemail_core::Server`].
//!
//! Every connection task and every API call talks to it through one bounded channel of
//! [`Request`]s; it answers through one unbounded channel per connection. It never waits
//! on a connection, so a slow or stuck client can delay only itself. The bounded request
//! channel is the second half of backpressure: a client that floods us with commands that
//! produce no output (big APPENDs) fills the channel and its own connection task stops
//! reading (the first half, for commands that produce output, is in `connection.rs`).
//!
//! Drive order, as core asks: after every `handle_*`, drain `poll_output` until `None`,
//! then re-arm the timer on `poll_timeout`.

use std::collections::BTreeMap;
use std::time::Duration;

use ephemail_core::{Event, Input, MailStore, Output, ResponseBytes, Server, SessionId, Timestamp};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Span;

use crate::clock::now;
use crate::test_server::EventChannel;

/// How many requests may wait for the server task before senders block.
pub(crate) const REQUEST_QUEUE: usize = 1024;

/// Work for the server task.
pub(crate) enum Request {
    /// A new connection. The server answers on `conn` with [`ConnOutput::Session`] first.
    Accept {
        /// Whether the connection is already encrypted (implicit TLS).
        tls: bool,
        /// Where this connection's output goes.
        conn: mpsc::UnboundedSender<ConnOutput>,
        /// The connection's span, so transcripts land in it.
        span: Span,
    },
    /// Bytes from a client.
    Received { session: SessionId, bytes: Vec<u8> },
    /// The connection is gone (or its reading side is).
    Closed { session: SessionId },
    /// Run a closure against the server (deliver, inspect, edit, add users).
    Run(ServerJob),
    /// Report on `done` once `predicate` holds for the store.
    WaitFor {
        predicate: Box<dyn FnMut(&MailStore) -> bool + Send>,
        done: tokio::sync::oneshot::Sender<()>,
    },
}

/// Work done on the server task on behalf of the test API.
pub(crate) type ServerJob = Box<dyn FnOnce(&mut Server, Timestamp) + Send>;

/// What the server task tells one connection.
#[derive(Debug)]
pub(crate) enum ConnOutput {
    /// The connection's session id; always the first message.
    Session(SessionId),
    /// Bytes to write.
    Bytes(ResponseBytes),
    /// Start TLS once everything before this has been written.
    StartTls,
    /// Close once everything before this has been written.
    Close,
    /// The last input sent for this connection has been executed and its responses
    /// are queued before this message.
    Processed,
}

struct Connection {
    output: mpsc::UnboundedSender<ConnOutput>,
    span: Span,
}

struct Waiter {
    predicate: Box<dyn FnMut(&MailStore) -> bool + Send>,
    done: tokio::sync::oneshot::Sender<()>,
}

/// The server task: owns `server` until `cancel` fires or every request sender is gone.
pub(crate) async fn run(
    mut server: Server,
    mut requests: mpsc::Receiver<Request>,
    events: EventChannel,
    cancel: CancellationToken,
) {
    let mut driver = Driver {
        connections: BTreeMap::new(),
        waiters: Vec::new(),
        events,
        store_touched: false,
    };
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    let mut armed: Option<Timestamp> = None;
    let cancelled = cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        tokio::select! {
            biased;
            () = &mut cancelled => {
                // Every client hears `* BYE` before its connection closes.
                server.shutdown(now());
                driver.drain(&mut server);
                break;
            }
            request = requests.recv() => {
                let Some(request) = request else { break };
                driver.handle(&mut server, request);
                // Take whatever else is already queued before paying for a wake-up.
                for _ in 0..64 {
                    match requests.try_recv() {
                        Ok(request) => driver.handle(&mut server, request),
                        Err(_) => break,
                    }
                }
            }
            () = &mut timer, if armed.is_some() => {
                armed = None;
                server.handle_timeout(now());
                driver.drain(&mut server);
            }
        }
        driver.check_waiters(&server);
        // Re-arm lazily: only when the next deadline is earlier than the armed one. A
        // timer that fires early finds nothing expired and is re-armed here.
        if let Some(next) = server.poll_timeout() {
            if armed.is_none_or(|at| next < at) {
                timer.as_mut().reset(crate::clock::timer_deadline(next));
                armed = Some(next);
            }
        }
    }
}

struct Driver {
    /// A B-tree, not a hash map: no hashing per output routed, and few connections.
    connections: BTreeMap<SessionId, Connection>,
    waiters: Vec<Waiter>,
    /// Unset until the first subscriber; until then events end here.
    events: EventChannel,
    /// Whether the store may have changed since the waiters were last checked.
    store_touched: bool,
}

impl Driver {
    fn handle(&mut self, server: &mut Server, request: Request) {
        let now = now();
        match request {
            Request::Accept { tls, conn, span } => {
                let session = if tls {
                    server.accept_tls(now)
                } else {
                    server.accept(now)
                };
                span.record("session", session.get());
                if conn.send(ConnOutput::Session(session)).is_ok() {
                    self.connections
                        .insert(session, Connection { output: conn, span });
                } else {
                    server.handle_input(now, Input::Closed { session });
                }
            }
            Request::Received { session, bytes } => {
                server.handle_input(
                    now,
                    Input::Received {
                        session,
                        bytes: &bytes,
                    },
                );
                // Route the responses first, then tell the connection its input was
                // handled: it reads again only after that (see `connection::pump`).
                self.drain(server);
                if let Some(conn) = self.connections.get(&session) {
                    let _ = conn.output.send(ConnOutput::Processed);
                }
            }
            Request::Closed { session } => {
                server.handle_input(now, Input::Closed { session });
                self.drain(server);
                // Everything queued for it has been routed; let its task finish writing.
                if let Some(conn) = self.connections.remove(&session) {
                    let _ = conn.output.send(ConnOutput::Close);
                }
            }
            Request::Run(job) => {
                job(server, now);
                self.store_touched = true;
            }
            Request::WaitFor {
                mut predicate,
                done,
            } => {
                if predicate(server.store()) {
                    let _ = done.send(());
                } else {
                    self.waiters.push(Waiter { predicate, done });
                }
            }
        }
        self.drain(server);
    }

    /// Routes every queued output to its connection.
    fn drain(&mut self, server: &mut Server) {
        while let Some(output) = server.poll_output() {
            match output {
                Output::Transmit { session, bytes } => {
                    if let Some(conn) = self.connections.get(&session) {
                        if tracing::enabled!(tracing::Level::DEBUG) {
                            let text = bytes.clone().into_vec();
                            conn.span.in_scope(|| {
                                tracing::debug!("S: {}", ephemail_core::wire::escape(&text))
                            });
                        }
                        let _ = conn.output.send(ConnOutput::Bytes(bytes));
                    }
                }
                Output::StartTls { session } => {
                    if let Some(conn) = self.connections.get(&session) {
                        conn.span.in_scope(|| tracing::debug!("starting TLS"));
                        let _ = conn.output.send(ConnOutput::StartTls);
                    }
                }
                Output::Close { session } => {
                    if let Some(conn) = self.connections.remove(&session) {
                        let _ = conn.output.send(ConnOutput::Close);
                    }
                }
                Output::Event(event) => self.observe(event),
                _ => {}
            }
        }
    }

    fn observe(&mut self, event: Event) {
        match &event {
            Event::CommandReceived { session, line } => {
                if let Some(conn) = self.connections.get(session) {
                    conn.span.in_scope(|| tracing::debug!("C: {line}"));
                }
            }
            Event::LoggedIn { session, user } => {
                if let Some(conn) = self.connections.get(session) {
                    conn.span
                        .in_scope(|| tracing::info!(user = %user, "logged in"));
                }
            }
            Event::MailboxChanged { .. } => self.store_touched = true,
            _ => {}
        }
        if let Some(events) = self.events.get().filter(|e| e.receiver_count() > 0) {
            let _ = events.send(event);
        }
    }

    fn check_waiters(&mut self, server: &Server) {
        if !std::mem::take(&mut self.store_touched) || self.waiters.is_empty() {
            return;
        }
        let waiters = std::mem::take(&mut self.waiters);
        for mut waiter in waiters {
            if waiter.done.is_closed() {
                continue; // the caller gave up (timed out or dropped the future)
            }
            if (waiter.predicate)(server.store()) {
                let _ = waiter.done.send(());
            } else {
                self.waiters.push(waiter);
            }
        }
    }
}
