//! Splitting input into commands, and every bound on what a client can make us buffer.
//!
//! Hazards:
//! - A literal's bytes must never be read as commands, even when the command around it is
//!   rejected: imap-codec's `Fragmentizer` finds line and literal boundaries before any
//!   parsing, so a bad command is skipped exactly.
//! - A synchronizing literal `{n}` gets a continuation request (`+`) only when we will read
//!   it; a too-large one is refused *instead* of the continuation, so the client never
//!   sends it (RFC 9051 §7.5). A non-synchronizing literal `{n+}` (RFC 7888) is sent
//!   regardless, so a too-large one is read and dropped, keeping only a bounded prefix.
//! - A line without end cannot be resynchronised until its LF arrives: over-long partial
//!   lines are discarded up to the LF without being buffered, then answered with `BAD`.

use imap_codec::decode::{CommandDecodeError, Decoder};
use imap_codec::fragmentizer::{DecodeMessageError, FragmentInfo, Fragmentizer, LineEnding};
use imap_codec::imap_types::command::Command;
use imap_codec::imap_types::core::LiteralMode;
use imap_codec::CommandCodec;

use crate::config::{Config, Feature};
use crate::session::{Mode, SessionContext};

/// What [`Framer::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A complete message (command, or a line in IDLE/AUTHENTICATE mode) is ready in
    /// [`Framer::message`].
    Message,
    /// A message was refused and already answered.
    Rejected,
}

#[derive(Debug)]
struct Rejection {
    status: &'static str,
    text: String,
}

#[derive(Debug)]
pub(crate) struct Framer {
    fragmentizer: Fragmentizer,
    max_line_length: usize,
    max_literal: u32,
    literal_plus: bool,
    /// Offset in the current message where the current (partial) line begins.
    line_start: usize,
    /// The current message is to be answered with this instead of being executed.
    rejection: Option<Rejection>,
    /// Discarding an over-long line: the tag to answer once its LF arrives.
    discarding: Option<String>,
    /// The discarded line ended: answer it on the next call to `next`.
    discard_done: Option<String>,
    /// Offsets of the LF of lines in the current message that ended in a bare LF, which
    /// we accept (as Dovecot does, for people typing into netcat) and turn into CRLF.
    bare_lf_ends: Vec<usize>,
}

impl Framer {
    pub(crate) fn new(config: &Config) -> Self {
        Framer {
            fragmentizer: Fragmentizer::new(config.max_command_size.max(config.max_line_length)),
            max_line_length: config.max_line_length as usize,
            max_literal: config.max_message_size,
            literal_plus: config.is_enabled(Feature::LiteralPlus),
            line_start: 0,
            rejection: None,
            discarding: None,
            discard_done: None,
            bare_lf_ends: Vec::new(),
        }
    }

    /// An empty framer to swap in while the real one is borrowed.
    pub(crate) fn placeholder() -> Self {
        Framer {
            fragmentizer: Fragmentizer::new(0),
            max_line_length: 0,
            max_literal: 0,
            literal_plus: false,
            line_start: 0,
            rejection: None,
            discarding: None,
            discard_done: None,
            bare_lf_ends: Vec::new(),
        }
    }

    pub(crate) fn enqueue(&mut self, bytes: &[u8]) {
        if let Some(tag) = &self.discarding {
            match bytes.iter().position(|&b| b == b'\n') {
                None => return,
                Some(lf) => {
                    self.discard_done = Some(tag.clone());
                    self.discarding = None;
                    self.fragmentizer.enqueue_bytes(&bytes[lf + 1..]);
                }
            }
        } else {
            self.fragmentizer.enqueue_bytes(bytes);
        }
    }

    /// Advances to the next complete message, answering refused ones on the way.
    pub(crate) fn next(&mut self, ctx: &mut SessionContext<'_>, mode: &Mode) -> Option<Unit> {
        if let Some(tag) = self.discard_done.take() {
            ctx.tagged(
                &tag,
                "BAD",
                &format!(
                    "Command line too long (limit {} bytes)",
                    self.max_line_length
                ),
            );
            return Some(Unit::Rejected);
        }
        loop {
            let Some(fragment) = self.fragmentizer.progress() else {
                self.check_partial_line();
                return None;
            };
            match fragment {
                FragmentInfo::Line {
                    start,
                    end,
                    announcement,
                    ending,
                } => {
                    if start == 0 {
                        self.bare_lf_ends.clear();
                    }
                    if ending == LineEnding::Lf {
                        self.bare_lf_ends.push(end - 1);
                    }
                    self.line_start = end;
                    if end - start > self.max_line_length + 2 && self.rejection.is_none() {
                        self.reject(
                            "BAD",
                            format!(
                                "Command line too long (limit {} bytes)",
                                self.max_line_length
                            ),
                        );
                    }
                    if let Some(announcement) = announcement {
                        if !matches!(mode, Mode::Command) {
                            // No literals in IDLE or SASL lines: treat the line as data.
                            let unit = self.refuse_literal_now(ctx, None);
                            if unit.is_some() {
                                return unit;
                            }
                            continue;
                        }
                        let sync = announcement.mode == LiteralMode::Sync;
                        if !sync && !self.literal_plus && self.rejection.is_none() {
                            self.reject(
                                "BAD",
                                "Non-synchronizing literals are not supported".into(),
                            );
                        }
                        if announcement.length > self.max_literal && self.rejection.is_none() {
                            let message = self.fragmentizer.message_bytes();
                            let is_append = is_append(message);
                            if is_append {
                                self.reject(
                                    "NO",
                                    format!(
                                        "[TOOBIG] Message too large (limit {} bytes)",
                                        self.max_literal
                                    ),
                                );
                            } else {
                                self.reject(
                                    "BAD",
                                    format!("Literal too large (limit {} bytes)", self.max_literal),
                                );
                            }
                        }
                        if sync {
                            if self.rejection.is_some() {
                                // Refuse instead of the continuation: the client will not
                                // send the literal, so the message ends here.
                                return self.refuse_literal_now(ctx, None);
                            }
                            ctx.out.extend_from_slice(b"+ Ready for literal data\r\n");
                        }
                    }
                }
                FragmentInfo::Literal { end, .. } => {
                    self.line_start = end;
                }
            }
            if self.fragmentizer.is_message_complete() {
                self.line_start = 0;
                if let Some(rejection) = self.rejection.take() {
                    let tag = self.tag().unwrap_or_else(|| "*".to_owned());
                    ctx.tagged(&tag, rejection.status, &rejection.text);
                    return Some(Unit::Rejected);
                }
                if self.fragmentizer.is_max_message_size_exceeded() {
                    let tag = self.tag().unwrap_or_else(|| "*".to_owned());
                    ctx.tagged(&tag, "BAD", "Command too long");
                    return Some(Unit::Rejected);
                }
                return Some(Unit::Message);
            }
        }
    }

    fn refuse_literal_now(&mut self, ctx: &mut SessionContext<'_>, _: Option<()>) -> Option<Unit> {
        let tag = self.tag().unwrap_or_else(|| "*".to_owned());
        let rejection = self.rejection.take().unwrap_or(Rejection {
            status: "BAD",
            text: "Unexpected literal".into(),
        });
        ctx.tagged(&tag, rejection.status, &rejection.text);
        self.fragmentizer.skip_message();
        self.line_start = 0;
        Some(Unit::Rejected)
    }

    fn reject(&mut self, status: &'static str, text: String) {
        self.rejection = Some(Rejection { status, text });
        self.fragmentizer.poison_message();
    }

    /// A line still without LF that is already too long: stop buffering it.
    fn check_partial_line(&mut self) {
        let buffered = self.fragmentizer.message_bytes().len();
        if buffered.saturating_sub(self.line_start) > self.max_line_length + 2
            && !self.fragmentizer.is_message_complete()
        {
            let tag = self.tag().unwrap_or_else(|| "*".to_owned());
            self.fragmentizer.skip_message();
            self.rejection = None;
            self.line_start = 0;
            self.discarding = Some(tag);
        }
    }

    /// The bytes of the current complete message.
    pub(crate) fn message(&self) -> &[u8] {
        self.fragmentizer.message_bytes()
    }

    /// The current message with bare-LF line ends turned into CRLF, if it had any.
    pub(crate) fn message_with_crlf(&self) -> Option<Vec<u8>> {
        if self.bare_lf_ends.is_empty() {
            return None;
        }
        let message = self.fragmentizer.message_bytes();
        let mut fixed = Vec::with_capacity(message.len() + self.bare_lf_ends.len());
        let mut from = 0;
        for &lf in &self.bare_lf_ends {
            if lf >= message.len() || lf < from {
                continue;
            }
            fixed.extend_from_slice(&message[from..lf]);
            fixed.extend_from_slice(b"\r\n");
            from = lf + 1;
        }
        fixed.extend_from_slice(&message[from..]);
        Some(fixed)
    }

    /// The tag of the current message, if one can be read.
    pub(crate) fn tag(&self) -> Option<String> {
        self.fragmentizer
            .decode_tag()
            .map(|tag| tag.inner().to_owned())
    }

    /// Parses the current message as a command.
    pub(crate) fn decode(&self) -> Result<Command<'_>, String> {
        match self.fragmentizer.decode_message(&CommandCodec::default()) {
            Ok(command) => Ok(command),
            Err(DecodeMessageError::DecodingFailure(error)) => Err(decode_error_text(&error)),
            Err(DecodeMessageError::DecodingRemainder { .. }) => {
                Err("Unexpected characters after command".to_owned())
            }
            Err(DecodeMessageError::MessageTooLong { .. }) => Err("Command too long".to_owned()),
            Err(DecodeMessageError::MessagePoisoned { .. }) => Err("Invalid command".to_owned()),
        }
    }
}

/// Parses bytes (a rewritten message) as one complete command.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Result<Command<'_>, String> {
    match CommandCodec::default().decode(bytes) {
        Ok((rest, command)) if rest.is_empty() => Ok(command),
        Ok(_) => Err("Unexpected characters after command".to_owned()),
        Err(error) => Err(decode_error_text(&error)),
    }
}

fn decode_error_text(error: &CommandDecodeError<'_>) -> String {
    match error {
        CommandDecodeError::Incomplete | CommandDecodeError::LiteralFound { .. } => {
            "Incomplete command".to_owned()
        }
        _ => "Unknown command or invalid arguments".to_owned(),
    }
}

/// Whether a message begins `tag APPEND ` (to answer an oversized literal with TOOBIG).
fn is_append(message: &[u8]) -> bool {
    let mut words = message.split(|&b| b == b' ');
    words.next();
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case(b"APPEND"))
}
