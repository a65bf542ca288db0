//! Splitting input into commands, and every bound on what a client can make us buffer.
//!
//! Hazards:
//! - A literal's bytes must never be read as commands, even when the command around it is
//!   rejected: lines and literals are delimited before any parsing (as imap-codec's
//!   `Fragmentizer` does), so a bad command is skipped exactly, literal and all.
//! - A synchronizing literal `{n}` gets a continuation request (`+`) only when we will read
//!   it; a too-large one is refused *instead* of the continuation, so the client never
//!   sends it (RFC 9051 §7.5). A non-synchronizing literal `{n+}` (RFC 7888) is sent
//!   regardless, so a too-large one is read and dropped without being stored.
//! - A line without end cannot be resynchronised until its LF arrives: over-long partial
//!   lines are discarded up to the LF without being buffered, then answered with `BAD`.
//!
//! Everything a client sends is consumed at once: a complete command is executed before
//! the next one is framed, so the only buffer is the command being assembled, bounded by
//! `max_line_length` per line and `max_command_size` in all. How much a client can pipeline
//! without reading our responses is bounded by the driver, which stops reading from a
//! connection whose output it has not yet written.

use imap_codec::decode::{CommandDecodeError, Decoder};
use imap_codec::imap_types::command::Command;
use imap_codec::imap_types::core::Tag;
use imap_codec::CommandCodec;

use crate::config::{Config, Feature};
use crate::session::{Mode, SessionContext};

/// Buffers larger than this are released once idle, so one big APPEND does not pin
/// memory for the rest of the session.
const KEEP_CAPACITY: usize = 256 * 1024;

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

#[derive(Debug, Clone, Copy)]
enum Reading {
    /// Reading a line that starts at this offset of the message.
    Line { start: usize },
    /// Reading literal bytes; `store` is false for a refused literal being skipped.
    Literal { remaining: usize, store: bool },
}

/// A literal announced at the end of a line: `{n}`, `{n+}` or `~{n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Announcement {
    length: usize,
    sync: bool,
    /// Offset of the `{` within the line.
    open: usize,
}

/// Where a literal sits in the assembled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LiteralSpan {
    /// Offset of the announcement's `{`.
    pub announce: usize,
    /// Offset of the first literal byte.
    pub data: usize,
    /// Number of literal bytes.
    pub len: usize,
}

#[derive(Debug)]
pub(crate) struct Framer {
    max_line_length: usize,
    max_literal: usize,
    max_command_size: usize,
    literal_plus: bool,
    /// Input not yet framed (always empty between calls: every byte is consumed at once).
    input: Vec<u8>,
    pos: usize,
    /// The message being assembled (lines and literals, as received).
    message: Vec<u8>,
    reading: Reading,
    /// The message in `message` is complete and was handed out; clear it on the next call.
    complete: bool,
    /// The current message is to be answered with this instead of being executed.
    rejection: Option<Rejection>,
    /// Discarding an over-long line: the tag to answer once its LF arrives.
    discarding: Option<String>,
    /// Offsets of the LF of lines that ended in a bare LF, which we accept (as Dovecot
    /// does, for people typing into netcat) and turn into CRLF before parsing.
    bare_lf_ends: Vec<usize>,
    /// The literals of the current message.
    literals: Vec<LiteralSpan>,
}

impl Framer {
    pub(crate) fn new(config: &Config) -> Self {
        Framer {
            max_line_length: config.max_line_length as usize,
            max_literal: config.max_message_size as usize,
            max_command_size: config.max_command_size as usize,
            literal_plus: config.is_enabled(Feature::LiteralPlus),
            input: Vec::new(),
            pos: 0,
            message: Vec::new(),
            reading: Reading::Line { start: 0 },
            complete: false,
            rejection: None,
            discarding: None,
            bare_lf_ends: Vec::new(),
            literals: Vec::new(),
        }
    }

    /// An empty framer to swap in while the real one is borrowed.
    pub(crate) fn placeholder() -> Self {
        Framer {
            max_line_length: 0,
            max_literal: 0,
            max_command_size: 0,
            literal_plus: false,
            input: Vec::new(),
            pos: 0,
            message: Vec::new(),
            reading: Reading::Line { start: 0 },
            complete: false,
            rejection: None,
            discarding: None,
            bare_lf_ends: Vec::new(),
            literals: Vec::new(),
        }
    }

    pub(crate) fn enqueue(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
    }

    fn reset_message(&mut self) {
        if self.message.capacity() > KEEP_CAPACITY {
            self.message = Vec::new();
        } else {
            self.message.clear();
        }
        self.bare_lf_ends.clear();
        self.literals.clear();
        self.reading = Reading::Line { start: 0 };
        self.complete = false;
        self.rejection = None;
    }

    fn input_consumed(&mut self) {
        if self.input.capacity() > KEEP_CAPACITY {
            self.input = Vec::new();
        } else {
            self.input.clear();
        }
        self.pos = 0;
    }

    /// Advances to the next complete message, answering refused ones on the way.
    pub(crate) fn next(&mut self, ctx: &mut SessionContext<'_>, mode: &Mode) -> Option<Unit> {
        if self.complete {
            self.reset_message();
        }
        loop {
            let available = &self.input[self.pos..];
            if let Some(tag) = &self.discarding {
                let Some(lf) = memchr::memchr(b'\n', available) else {
                    self.input_consumed();
                    return None;
                };
                let tag = tag.clone();
                self.pos += lf + 1;
                self.discarding = None;
                self.reset_message();
                ctx.tagged(&tag, "BAD", &self.line_too_long());
                return Some(Unit::Rejected);
            }
            match self.reading {
                Reading::Literal { remaining, store } => {
                    let n = remaining.min(available.len());
                    if n == 0 {
                        self.input_consumed();
                        return None;
                    }
                    if store {
                        self.message.extend_from_slice(&available[..n]);
                    }
                    self.pos += n;
                    self.reading = if n == remaining {
                        Reading::Line {
                            start: self.message.len(),
                        }
                    } else {
                        Reading::Literal {
                            remaining: remaining - n,
                            store,
                        }
                    };
                }
                Reading::Line { start } => {
                    let Some(lf) = memchr::memchr(b'\n', available) else {
                        // A partial line: keep it, unless it is already too long.
                        self.message.extend_from_slice(available);
                        self.input_consumed();
                        if self.message.len() - start > self.max_line_length + 2 {
                            let tag = tag_of(&self.message).unwrap_or_else(|| "*".to_owned());
                            self.reset_message();
                            self.discarding = Some(tag);
                        }
                        return None;
                    };
                    self.message.extend_from_slice(&available[..=lf]);
                    self.pos += lf + 1;
                    let end = self.message.len();
                    let crlf = end - start >= 2 && self.message[end - 2] == b'\r';
                    if !crlf {
                        self.bare_lf_ends.push(end - 1);
                    }
                    if end - start > self.max_line_length + 2 && self.rejection.is_none() {
                        self.reject("BAD", self.line_too_long());
                    }
                    let content_end = if crlf { end - 2 } else { end - 1 };
                    let announcement = match mode {
                        Mode::Command => announcement(&self.message[start..content_end]),
                        // No literals in IDLE or SASL lines: the line is data.
                        _ => None,
                    };
                    if let Some(announcement) = announcement {
                        let announce = start + announcement.open;
                        if let Some(unit) = self.literal_announced(ctx, announcement, announce) {
                            return Some(unit);
                        }
                        continue;
                    }
                    self.complete = true;
                    if let Some(rejection) = self.rejection.take() {
                        let tag = tag_of(&self.message).unwrap_or_else(|| "*".to_owned());
                        ctx.tagged(&tag, rejection.status, &rejection.text);
                        return Some(Unit::Rejected);
                    }
                    return Some(Unit::Message);
                }
            }
        }
    }

    /// Decides about an announced literal. Returns a unit when the message ends here.
    fn literal_announced(
        &mut self,
        ctx: &mut SessionContext<'_>,
        announcement: Announcement,
        announce: usize,
    ) -> Option<Unit> {
        if !announcement.sync && !self.literal_plus && self.rejection.is_none() {
            self.reject("BAD", "Non-synchronizing literals are not supported".into());
        }
        if announcement.length > self.max_literal && self.rejection.is_none() {
            if is_append(&self.message) {
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
        if self.message.len().saturating_add(announcement.length) > self.max_command_size
            && self.rejection.is_none()
        {
            self.reject("BAD", "Command too long".into());
        }
        if announcement.sync {
            if let Some(rejection) = self.rejection.take() {
                // Refused instead of the continuation: the client will not send the
                // literal, so the command ends here (RFC 9051 §7.5).
                let tag = tag_of(&self.message).unwrap_or_else(|| "*".to_owned());
                ctx.tagged(&tag, rejection.status, &rejection.text);
                self.complete = true;
                return Some(Unit::Rejected);
            }
            ctx.out.extend_from_slice(b"+ Ready for literal data\r\n");
        }
        self.reading = Reading::Literal {
            remaining: announcement.length,
            store: self.rejection.is_none(),
        };
        if self.rejection.is_none() {
            self.literals.push(LiteralSpan {
                announce,
                data: self.message.len(),
                len: announcement.length,
            });
        }
        None
    }

    fn line_too_long(&self) -> String {
        format!(
            "Command line too long (limit {} bytes)",
            self.max_line_length
        )
    }

    fn reject(&mut self, status: &'static str, text: String) {
        self.rejection = Some(Rejection { status, text });
    }

    /// The bytes of the current complete message.
    pub(crate) fn message(&self) -> &[u8] {
        &self.message
    }

    /// The current message with bare-LF line ends turned into CRLF, if it had any.
    pub(crate) fn message_with_crlf(&self) -> Option<Vec<u8>> {
        if self.bare_lf_ends.is_empty() {
            return None;
        }
        let mut fixed = Vec::with_capacity(self.message.len() + self.bare_lf_ends.len());
        let mut from = 0;
        for &lf in &self.bare_lf_ends {
            fixed.extend_from_slice(&self.message[from..lf]);
            fixed.extend_from_slice(b"\r\n");
            from = lf + 1;
        }
        fixed.extend_from_slice(&self.message[from..]);
        Some(fixed)
    }

    /// The literals of the current message.
    pub(crate) fn literals(&self) -> &[LiteralSpan] {
        &self.literals
    }

    /// The tag of the current message, if one can be read.
    pub(crate) fn tag(&self) -> Option<String> {
        tag_of(&self.message)
    }

    /// Parses the current message as a command.
    pub(crate) fn decode(&self) -> Result<Command<'_>, String> {
        decode_bytes(&self.message)
    }
}

/// Parses bytes as one complete command.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Result<Command<'_>, String> {
    match CommandCodec::default().decode(bytes) {
        Ok((b"", command)) => Ok(command),
        Ok(_) => Err("Unexpected characters after command".to_owned()),
        Err(CommandDecodeError::Incomplete | CommandDecodeError::LiteralFound { .. }) => {
            Err("Incomplete command".to_owned())
        }
        Err(_) => Err("Unknown command or invalid arguments".to_owned()),
    }
}

/// The tag at the start of a message, if it is a valid tag.
fn tag_of(message: &[u8]) -> Option<String> {
    let end = memchr::memchr2(b' ', b'\r', message).unwrap_or(message.len());
    let tag = &message[..end.min(message.iter().position(|&b| b == b'\n').unwrap_or(end))];
    Tag::validate(tag).ok()?;
    Some(String::from_utf8_lossy(tag).into_owned())
}

/// A literal announcement at the end of a line (without its line ending).
fn announcement(line: &[u8]) -> Option<Announcement> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let sync = match digits.strip_suffix(b"+") {
        Some(d) => {
            digits = d;
            false
        }
        None => true,
    };
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let length = std::str::from_utf8(digits).ok()?.parse::<u32>().ok()?;
    Some(Announcement {
        length: length as usize,
        sync,
        open,
    })
}

/// Whether a message begins `tag APPEND ` (to answer an oversized literal with TOOBIG).
fn is_append(message: &[u8]) -> bool {
    let mut words = message.split(|&b| b == b' ');
    words.next();
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case(b"APPEND"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements() {
        assert_eq!(
            announcement(b"a APPEND x {12}"),
            Some(Announcement {
                length: 12,
                sync: true,
                open: 11
            })
        );
        assert_eq!(
            announcement(b"a APPEND x {0+}"),
            Some(Announcement {
                length: 0,
                sync: false,
                open: 11
            })
        );
        assert_eq!(
            announcement(b"a APPEND x ~{3}"),
            Some(Announcement {
                length: 3,
                sync: true,
                open: 12
            })
        );
        assert_eq!(announcement(b"a LOGIN {x}"), None);
        assert_eq!(announcement(b"a LOGIN {}"), None);
        assert_eq!(announcement(b"a {99999999999}"), None);
        assert_eq!(announcement(b"a NOOP"), None);
    }

    #[test]
    fn tags() {
        assert_eq!(tag_of(b"a1 NOOP\r\n").as_deref(), Some("a1"));
        assert_eq!(tag_of(b"a1\r\n").as_deref(), Some("a1"));
        assert_eq!(tag_of(b"a+1 NOOP\r\n"), None);
        assert_eq!(tag_of(b"\r\n"), None);
    }
}
