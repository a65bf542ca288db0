//! APPEND's message literal, kept away from the codec.
//!
//! The codec validates a literal byte by byte (no NUL); for a message of megabytes that
//! is most of APPEND's cost. We hand the codec the command with an empty literal and
//! check the real one with `memchr`.

use crate::session::extparse::is_command;
use crate::session::framing::LiteralSpan;

/// Literals at least this large in APPEND are kept away from the codec, which would
/// otherwise check every byte one at a time; we check them with `memchr` instead.
const BIG_LITERAL: usize = 1024;

/// For `tag APPEND … {n}` with a big final literal: the message with that literal
/// replaced by an empty one, and where the real bytes are. `None` when not applicable.
/// A literal holding NUL (without BINARY's `~`) is left to the codec, which refuses it.
pub(crate) fn lift_append_literal(
    message: &[u8],
    literals: &[LiteralSpan],
) -> Option<(Vec<u8>, std::ops::Range<usize>)> {
    let last = *literals.last()?;
    if last.len < BIG_LITERAL || !is_command(message, b"APPEND") {
        return None;
    }
    let data = last.data..last.data + last.len;
    let literal8 = last.announce > 0 && message[last.announce - 1] == b'~';
    if !literal8 && memchr::memchr(0, &message[data.clone()]).is_some() {
        return None;
    }
    let mut bytes = Vec::with_capacity(last.announce + 8 + (message.len() - data.end));
    bytes.extend_from_slice(&message[..last.announce]);
    bytes.extend_from_slice(b"{0}\r\n");
    bytes.extend_from_slice(&message[data.end..]);
    Some((bytes, data))
}
