//! One connection's protocol state.
//!
//! The state diagram of RFC 9051 §3 (and RFC 3501 §3):
//!
//! ```text
//!            +----------------------+
//!            |connection established|
//!            +----------------------+
//!                       ||
//!                       \/
//!     +--------------------------------------+
//!     |          server greeting             |
//!     +--------------------------------------+
//!               || (1)       || (2)        || (3)
//!               \/           ||            ||
//!     +-----------------+    ||            ||
//!     |Not Authenticated|    ||            ||
//!     +-----------------+    ||            ||
//!      || (7)   || (4)       ||            ||
//!      ||       \/           \/            ||
//!      ||     +----------------+           ||
//!      ||     | Authenticated  |<=++       ||
//!      ||     +----------------+  ||       ||
//!      ||       || (7)   || (5)   || (6)   ||
//!      ||       ||       \/       ||       ||
//!      ||       ||    +--------+  ||       ||
//!      ||       ||    |Selected|==++       ||
//!      ||       ||    +--------+           ||
//!      ||       ||       || (7)            ||
//!      \/       \/       \/                \/
//!     +--------------------------------------+
//!     |               Logout                 |
//!     +--------------------------------------+
//! ```
//!
//! (1) connection without pre-authentication, (4) successful LOGIN or AUTHENTICATE,
//! (5) successful SELECT or EXAMINE, (6) CLOSE, UNSELECT, or failed SELECT or EXAMINE,
//! (7) LOGOUT, server shutdown, or connection closed. We never pre-authenticate (2) or
//! reject (3) at greeting.
//!
//! Orthogonal to the state is the *input mode*: most input is commands, but after
//! `IDLE` the only valid input is `DONE`, and during `AUTHENTICATE` each line is SASL
//! data. Commands a client pipelines behind those are read in that mode, as the RFC
//! requires. A command in the wrong state gets `BAD`.
//!
//! Framing uses imap-codec's `Fragmentizer`, which splits input into lines and literals
//! before any parsing, so a malformed command can be skipped without ever mistaking
//! literal bytes for commands.

mod auth;
mod capability;
mod extparse;
mod fetch;
mod framing;
mod idle;
mod list_extended;
mod mailboxes;
mod messages;
mod search;
mod sequence;
mod sort;
mod sync;
mod thread;

use std::borrow::Cow;

use imap_codec::imap_types::command::{Command, CommandBody};

use crate::config::{Config, Feature};
use crate::response_bytes::Splice;
use crate::server::{Event, SessionId};
use crate::store::{Change, MailStore, MailboxId, Uid};
use crate::time::Timestamp;

pub(crate) use capability::Capabilities;
pub(crate) use framing::Framer;
pub(crate) use sync::Selection;

/// What a session's command handling needs from the server, and what it hands back.
pub(crate) struct SessionContext<'a> {
    pub store: &'a mut MailStore,
    pub config: &'a Config,
    pub capabilities: &'a capability::Capabilities,
    pub now: Timestamp,
    /// Bytes to transmit.
    pub out: Vec<u8>,
    /// Slices of stored messages to transmit within `out`, in ascending position.
    pub splices: Vec<Splice>,
    /// Changes for other sessions, with the user they concern.
    pub changes: Vec<(String, Change)>,
    pub events: Vec<Event>,
    pub start_tls: bool,
    pub close: bool,
}

impl<'a> SessionContext<'a> {
    pub(crate) fn new(
        store: &'a mut MailStore,
        config: &'a Config,
        capabilities: &'a capability::Capabilities,
        now: Timestamp,
    ) -> Self {
        SessionContext {
            store,
            config,
            capabilities,
            now,
            out: Vec::new(),
            splices: Vec::new(),
            changes: Vec::new(),
            events: Vec::new(),
            start_tls: false,
            close: false,
        }
    }

    /// Writes a tagged response line. Control characters in `text` (which may quote a
    /// client's mailbox name) are replaced, so a name can never end the line early and
    /// smuggle a response in.
    pub(crate) fn tagged(&mut self, tag: &str, status: &str, text: &str) {
        self.out.extend_from_slice(tag.as_bytes());
        self.out.push(b' ');
        self.out.extend_from_slice(status.as_bytes());
        self.out.push(b' ');
        push_text(&mut self.out, text);
        self.out.extend_from_slice(b"\r\n");
    }

    /// Writes an untagged line (without the `* ` prefix and CRLF given).
    pub(crate) fn untagged(&mut self, text: &str) {
        untagged(&mut self.out, text);
    }

    pub(crate) fn change(&mut self, user: &str, change: Change) {
        self.changes.push((user.to_owned(), change));
    }
}

/// Writes `* <formatted>\r\n` straight into an output buffer, without an intermediate
/// `String`. For server-made text only (client text goes through [`untagged`]).
macro_rules! untagged_fmt {
    ($out:expr, $($arg:tt)*) => {{
        use std::io::Write as _;
        let out: &mut Vec<u8> = $out;
        out.extend_from_slice(b"* ");
        let _ = write!(out, $($arg)*);
        out.extend_from_slice(b"\r\n");
    }};
}
pub(crate) use untagged_fmt;

/// Writes `* text\r\n`.
pub(crate) fn untagged(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(b"* ");
    push_text(out, text);
    out.extend_from_slice(b"\r\n");
}

/// Appends response text, replacing control characters (RFC 9051 `TEXT-CHAR` excludes
/// CR and LF) with `?`.
fn push_text(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != 0x7f) {
        out.extend_from_slice(text.as_bytes());
    } else {
        out.extend(
            text.bytes()
                .map(|b| if b < 0x20 || b == 0x7f { b'?' } else { b }),
        );
    }
}

/// A command's tagged response, written after any untagged updates.
pub(crate) struct Tagged {
    pub status: &'static str,
    pub text: Cow<'static, str>,
}

impl Tagged {
    pub(crate) fn ok(text: impl Into<Cow<'static, str>>) -> Option<Tagged> {
        Some(Tagged {
            status: "OK",
            text: text.into(),
        })
    }

    pub(crate) fn no(text: impl Into<Cow<'static, str>>) -> Option<Tagged> {
        Some(Tagged {
            status: "NO",
            text: text.into(),
        })
    }

    pub(crate) fn bad(text: impl Into<Cow<'static, str>>) -> Option<Tagged> {
        Some(Tagged {
            status: "BAD",
            text: text.into(),
        })
    }
}

/// Protocol state (RFC 9051 §3).
#[derive(Debug)]
pub(crate) enum State {
    NotAuthenticated,
    Authenticated { user: String },
    Selected { user: String, selection: Selection },
    Logout,
}

/// What the next input line means.
#[derive(Debug)]
pub(crate) enum Mode {
    Command,
    /// After `tag IDLE`, waiting for `DONE`.
    Idle {
        tag: String,
    },
    /// During `tag AUTHENTICATE`, waiting for SASL data.
    Authenticate {
        tag: String,
        step: auth::SaslStep,
    },
}

/// One connection's state.
#[derive(Debug)]
pub(crate) struct Session {
    id: SessionId,
    framer: Framer,
    pub(crate) state: State,
    pub(crate) mode: Mode,
    pub(crate) tls: bool,
    /// `ENABLE IMAP4rev2` was issued: rev2 response forms from now on.
    pub(crate) rev2: bool,
    /// CONDSTORE is on for this session (RFC 7162 §3.1: after any CONDSTORE-enabling
    /// command): MODSEQ accompanies FETCH responses and HIGHESTMODSEQ each SELECT.
    pub(crate) condstore: bool,
    /// QRESYNC is on (RFC 7162 §3.2): VANISHED instead of EXPUNGE, SELECT (QRESYNC …).
    pub(crate) qresync: bool,
    last_activity: Timestamp,
}

impl Session {
    pub(crate) fn new(id: SessionId, config: &Config, now: Timestamp, tls: bool) -> Self {
        Session {
            id,
            framer: Framer::new(config),
            state: State::NotAuthenticated,
            mode: Mode::Command,
            tls,
            rev2: false,
            condstore: false,
            qresync: false,
            last_activity: now,
        }
    }

    pub(crate) fn greeting(
        &mut self,
        config: &Config,
        capabilities: &capability::Capabilities,
    ) -> Vec<u8> {
        let mut out = b"* OK [CAPABILITY ".to_vec();
        out.extend_from_slice(capabilities.for_session(self).as_bytes());
        out.extend_from_slice(b"] ");
        out.extend_from_slice(config.greeting.as_bytes());
        out.extend_from_slice(b"\r\n");
        out
    }

    pub(crate) fn user(&self) -> Option<&str> {
        match &self.state {
            State::Authenticated { user } | State::Selected { user, .. } => Some(user),
            _ => None,
        }
    }

    pub(crate) fn view(&self) -> Option<(MailboxId, &[Uid])> {
        match &self.state {
            State::Selected { selection, .. } => Some((selection.mailbox, selection.uids())),
            _ => None,
        }
    }

    /// When this session is due for autologout.
    pub(crate) fn deadline(&self, config: &Config) -> Option<Timestamp> {
        if matches!(self.state, State::Logout) {
            return None;
        }
        config
            .autologout_millis
            .map(|ms| self.last_activity.add_millis(ms))
    }

    /// Processes bytes from the client: frames them and executes complete commands.
    pub(crate) fn handle_bytes(&mut self, ctx: &mut SessionContext<'_>, bytes: &[u8]) {
        self.last_activity = ctx.now;
        self.framer.enqueue(bytes);
        while !ctx.close && !ctx.start_tls && !matches!(self.state, State::Logout) {
            let Some(unit) = self.framer.next(ctx, &self.mode) else {
                break;
            };
            match unit {
                framing::Unit::Message => self.handle_message(ctx),
                framing::Unit::Rejected => {}
            }
        }
        if ctx.start_tls {
            // RFC 9051 §11.1: anything pipelined after STARTTLS is discarded.
            self.framer = Framer::new(ctx.config);
        }
    }

    fn handle_message(&mut self, ctx: &mut SessionContext<'_>) {
        match std::mem::replace(&mut self.mode, Mode::Command) {
            Mode::Idle { tag } => {
                let line = self.framer.message().to_vec();
                self.idle_input(ctx, tag, &line);
            }
            Mode::Authenticate { tag, step } => {
                let line = self.framer.message().to_vec();
                self.sasl_input(ctx, tag, step, &line);
            }
            Mode::Command => {
                let framer = std::mem::replace(&mut self.framer, Framer::placeholder());
                let mut fixed = framer.message_with_crlf();
                let has_dollar = memchr::memchr(b'$', framer.message()).is_some();
                if has_dollar
                    && framer.literals().is_empty()
                    && ctx.config.is_enabled(Feature::SearchRes)
                {
                    if let State::Selected { selection, .. } = &self.state {
                        let message = fixed.as_deref().unwrap_or(framer.message());
                        let uids = selection.saved_uid_set();
                        let numbers = selection.saved_number_set();
                        if let Some(substituted) =
                            extparse::substitute_saved(message, &uids, &numbers)
                        {
                            fixed = Some(substituted);
                        }
                    }
                }
                let message = fixed.as_deref().unwrap_or(framer.message());
                if fixed.is_none() {
                    if let Some((bytes, data)) =
                        extparse::lift_append_literal(message, framer.literals())
                    {
                        match framing::decode_bytes(&bytes) {
                            Ok(command) => self.dispatch(
                                ctx,
                                command,
                                extparse::Extras::AppendData(data),
                                message,
                            ),
                            Err(error) => self.reject_unparsed(ctx, &framer, error),
                        }
                        self.framer = framer;
                        return;
                    }
                }
                match extparse::preparse(message, !framer.literals().is_empty()) {
                    extparse::Preparsed::Plain if fixed.is_none() => match framer.decode() {
                        Ok(command) => self.dispatch(ctx, command, extparse::Extras::None, message),
                        Err(error) => self.reject_unparsed(ctx, &framer, error),
                    },
                    extparse::Preparsed::Plain => match framing::decode_bytes(message) {
                        Ok(command) => self.dispatch(ctx, command, extparse::Extras::None, message),
                        Err(error) => self.reject_unparsed(ctx, &framer, error),
                    },
                    extparse::Preparsed::Rewritten { bytes, extras } => {
                        match framing::decode_bytes(&bytes) {
                            Ok(command) => self.dispatch(ctx, command, extras, message),
                            Err(error) => self.reject_unparsed(ctx, &framer, error),
                        }
                    }
                    extparse::Preparsed::Invalid { tag, text } => {
                        ctx.tagged(&tag, "BAD", &text);
                    }
                }
                self.framer = framer;
            }
        }
    }

    fn reject_unparsed(&mut self, ctx: &mut SessionContext<'_>, framer: &Framer, error: String) {
        let tag = framer.tag().unwrap_or_else(|| "*".to_owned());
        ctx.tagged(&tag, "BAD", &error);
    }

    /// Executes a parsed command; `raw` is the message it was parsed from.
    fn dispatch(
        &mut self,
        ctx: &mut SessionContext<'_>,
        command: Command<'_>,
        extras: extparse::Extras,
        raw: &[u8],
    ) {
        let tag = command.tag.inner().to_owned();
        if ctx.config.command_events {
            ctx.events.push(Event::CommandReceived {
                session: self.id,
                line: redacted_line(&tag, &command.body),
            });
        }
        let name = command.body.name();
        let body = command.body;
        let state_ok = matches!(
            (&self.state, required_state(&body)),
            (_, Required::Any)
                | (State::NotAuthenticated, Required::NotAuthenticated)
                | (
                    State::Authenticated { .. } | State::Selected { .. },
                    Required::Authenticated
                )
                | (State::Selected { .. }, Required::Selected)
        );
        if !state_ok {
            let text = match (&self.state, required_state(&body)) {
                (State::NotAuthenticated, _) => format!("{name} not allowed before authentication"),
                (_, Required::NotAuthenticated) => {
                    format!("{name} not allowed after authentication")
                }
                (_, Required::Selected) => format!("{name} requires a selected mailbox"),
                _ => format!("{name} not allowed now"),
            };
            ctx.tagged(&tag, "BAD", &text);
            return;
        }
        if let Some(feature) = required_feature(&body) {
            if !ctx.config.is_enabled(feature) {
                ctx.tagged(
                    &tag,
                    "BAD",
                    &format!("{name} is not supported by this server"),
                );
                return;
            }
        }
        // Which untagged updates may follow this command (RFC 9051 §7.5.1).
        let expunge_allowed = !matches!(
            body,
            CommandBody::Fetch { uid: false, .. }
                | CommandBody::Store { uid: false, .. }
                | CommandBody::Search { uid: false, .. }
                | CommandBody::Sort { uid: false, .. }
                | CommandBody::Thread { uid: false, .. }
        );
        let reply = match body {
            CommandBody::Capability => self.capability(ctx),
            CommandBody::Noop => Tagged::ok("NOOP completed"),
            CommandBody::Check => Tagged::ok("CHECK completed"),
            CommandBody::Logout => {
                ctx.untagged("BYE Logging out");
                ctx.tagged(&tag, "OK", "LOGOUT completed");
                self.state = State::Logout;
                ctx.close = true;
                return;
            }
            CommandBody::StartTLS => self.starttls(ctx),
            CommandBody::Login { username, password } => {
                self.login(ctx, username.as_ref(), password.declassify().as_ref())
            }
            CommandBody::Authenticate {
                mechanism,
                initial_response,
            } => self.authenticate(
                ctx,
                &tag,
                &mechanism,
                initial_response.as_ref().map(|r| r.declassify().as_ref()),
            ),
            CommandBody::Enable { capabilities } => self.enable(ctx, capabilities.as_ref()),
            CommandBody::Id { .. } => {
                ctx.untagged(&format!(
                    "ID (\"name\" \"ephemail\" \"version\" \"{}\")",
                    env!("CARGO_PKG_VERSION")
                ));
                Tagged::ok("ID completed")
            }
            CommandBody::Namespace => {
                ctx.untagged("NAMESPACE ((\"\" \"/\")) NIL NIL");
                Tagged::ok("NAMESPACE completed")
            }
            CommandBody::Select {
                mailbox,
                parameters,
            } => self.select_with(ctx, &mailbox, false, &parameters),
            CommandBody::Examine {
                mailbox,
                parameters,
            } => self.select_with(ctx, &mailbox, true, &parameters),
            CommandBody::Create { mailbox } => self.create(ctx, &mailbox),
            CommandBody::Delete { mailbox } => self.delete(ctx, &mailbox),
            CommandBody::Rename { from, to } => self.rename(ctx, &from, &to),
            CommandBody::Subscribe { mailbox } => self.subscribe(ctx, &mailbox, true),
            CommandBody::Unsubscribe { mailbox } => self.subscribe(ctx, &mailbox, false),
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => self.list(ctx, &reference, &mailbox_wildcard, false, &extras),
            CommandBody::Lsub {
                reference,
                mailbox_wildcard,
            } => self.list(ctx, &reference, &mailbox_wildcard, true, &extras),
            CommandBody::Status {
                mailbox,
                item_names,
            } => self.status(ctx, &mailbox, &item_names),
            CommandBody::Append {
                mailbox,
                flags,
                date,
                message,
            } => {
                let lifted = match &extras {
                    extparse::Extras::AppendData(range) => raw.get(range.clone()),
                    _ => None,
                };
                self.append(ctx, &mailbox, &flags, date.as_ref(), &message, lifted)
            }
            CommandBody::Idle => self.start_idle(ctx, &tag),
            CommandBody::Close => self.close_mailbox(ctx, true),
            CommandBody::Unselect => self.close_mailbox(ctx, false),
            CommandBody::Expunge => self.expunge(ctx, None),
            CommandBody::ExpungeUid { sequence_set } => self.expunge(ctx, Some(&sequence_set)),
            CommandBody::Search {
                charset,
                criteria,
                uid,
            } => self.search(ctx, &tag, charset.as_ref(), criteria.as_ref(), uid, &extras),
            CommandBody::Thread {
                algorithm,
                charset,
                search_criteria,
                uid,
            } => self.thread(ctx, &algorithm, &charset, search_criteria.as_ref(), uid),
            CommandBody::Sort {
                sort_criteria,
                charset,
                search_criteria,
                uid,
            } => self.sort(
                ctx,
                sort_criteria.as_ref(),
                &charset,
                search_criteria.as_ref(),
                uid,
            ),
            CommandBody::Fetch {
                sequence_set,
                macro_or_item_names,
                uid,
                modifiers,
            } => self.fetch(ctx, &sequence_set, macro_or_item_names, uid, &modifiers),
            CommandBody::Store {
                sequence_set,
                kind,
                response,
                flags,
                uid,
                modifiers,
            } => self.store(ctx, &sequence_set, kind, response, &flags, uid, &modifiers),
            CommandBody::Copy {
                sequence_set,
                mailbox,
                uid,
            } => self.copy_or_move(ctx, &sequence_set, &mailbox, uid, false),
            CommandBody::Move {
                sequence_set,
                mailbox,
                uid,
            } => self.copy_or_move(ctx, &sequence_set, &mailbox, uid, true),
            _ => Tagged::bad(format!("{name} is not supported by this server")),
        };
        let Some(reply) = reply else {
            return;
        };
        // Untagged updates about other sessions' changes go before the tagged response.
        if matches!(self.state, State::Selected { .. }) && !ctx.close {
            self.push_updates(ctx, expunge_allowed);
        }
        ctx.tagged(&tag, reply.status, &reply.text);
    }

    /// Records a change made elsewhere; returns whether it concerns this session.
    pub(crate) fn note_change(&mut self, change: &Change, own: bool) -> bool {
        let selected_here = matches!(&self.state, State::Selected { selection, .. } if selection.mailbox == change.mailbox());
        if !selected_here {
            return false;
        }
        if let State::Selected { selection, .. } = &mut self.state {
            selection.note(change, own);
        }
        true
    }
}

enum Required {
    Any,
    NotAuthenticated,
    Authenticated,
    Selected,
}

fn required_state(body: &CommandBody<'_>) -> Required {
    match body {
        CommandBody::Capability
        | CommandBody::Noop
        | CommandBody::Logout
        | CommandBody::Id { .. } => Required::Any,
        CommandBody::StartTLS | CommandBody::Login { .. } | CommandBody::Authenticate { .. } => {
            Required::NotAuthenticated
        }
        CommandBody::Check
        | CommandBody::Close
        | CommandBody::Unselect
        | CommandBody::Expunge
        | CommandBody::ExpungeUid { .. }
        | CommandBody::Search { .. }
        | CommandBody::Sort { .. }
        | CommandBody::Thread { .. }
        | CommandBody::Fetch { .. }
        | CommandBody::Store { .. }
        | CommandBody::Copy { .. }
        | CommandBody::Move { .. } => Required::Selected,
        _ => Required::Authenticated,
    }
}

fn required_feature(body: &CommandBody<'_>) -> Option<Feature> {
    Some(match body {
        CommandBody::StartTLS => Feature::StartTls,
        CommandBody::Idle => Feature::Idle,
        CommandBody::Move { .. } => Feature::Move,
        CommandBody::Namespace => Feature::Namespace,
        CommandBody::Id { .. } => Feature::Id,
        CommandBody::Enable { .. } => Feature::Enable,
        CommandBody::Unselect => Feature::Unselect,
        CommandBody::ExpungeUid { .. } => Feature::UidPlus,
        CommandBody::Sort { .. } => Feature::Sort,
        CommandBody::Thread { .. } => Feature::Thread,
        _ => return None,
    })
}

/// The command's first line for logs, with secrets replaced.
fn redacted_line(tag: &str, body: &CommandBody<'_>) -> String {
    match body {
        CommandBody::Login { username, .. } => {
            format!("{tag} LOGIN {} ***", crate::wire::escape(username.as_ref()))
        }
        CommandBody::Authenticate {
            mechanism,
            initial_response,
        } => format!(
            "{tag} AUTHENTICATE {mechanism}{}",
            if initial_response.is_some() {
                " ***"
            } else {
                ""
            }
        ),
        other => format!("{tag} {}", other.name()),
    }
}
