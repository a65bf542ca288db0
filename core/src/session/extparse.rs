//! Syntax imap-codec does not parse, handled in front of it.
//!
//! `SEARCH RETURN (…)` (ESEARCH, RFC 4731 §3, and IMAP4rev2) puts return options between
//! the command name and the search keys. We lift them out and hand the rest to the codec,
//! so the search keys keep the codec's complete and tested grammar. The options can only
//! appear on the first line, before any literal, so the rewrite never touches literal data.
//!
//! RFC 4731 §3: `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
//! search-return-opt)] ")"` with `search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT"`.

use imap_codec::imap_types::core::Tag;

use crate::session::framing::LiteralSpan;

/// What the pre-parser found.
pub(crate) enum Preparsed {
    /// Nothing of ours: decode the message as it is.
    Plain,
    /// Decode these bytes instead and apply `extras`.
    Rewritten { bytes: Vec<u8>, extras: Extras },
    /// Our syntax, but wrong: answer `BAD`.
    Invalid { tag: String, text: String },
}

/// Parts of a command that the codec does not represent.
#[derive(Debug, Clone, Default)]
pub(crate) enum Extras {
    #[default]
    None,
    /// ESEARCH return options.
    SearchReturn(SearchReturn),
    /// APPEND's message literal, left out of what the codec parsed (it saw an empty
    /// literal): these bytes of the original message are the message.
    AppendData(std::ops::Range<usize>),
}

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

/// Whether the message's command word (after the tag) is `word`.
fn is_command(message: &[u8], word: &[u8]) -> bool {
    let Some((_, rest)) = split_word(message) else {
        return false;
    };
    rest.len() > word.len()
        && rest[..word.len()].eq_ignore_ascii_case(word)
        && rest[word.len()] == b' '
}

/// ESEARCH return options; an empty `RETURN ()` means ALL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SearchReturn {
    pub min: bool,
    pub max: bool,
    pub all: bool,
    pub count: bool,
}

pub(crate) fn preparse(message: &[u8]) -> Preparsed {
    let Some((tag, rest)) = split_word(message) else {
        return Preparsed::Plain;
    };
    if Tag::validate(tag).is_err() {
        // Not a command we could answer by tag: the codec rejects it as a whole.
        return Preparsed::Plain;
    }
    let Some((word, mut rest)) = split_word(rest) else {
        return Preparsed::Plain;
    };
    let mut head_len = tag.len() + 1 + word.len() + 1;
    if word.eq_ignore_ascii_case(b"UID") {
        let Some((word, after)) = split_word(rest) else {
            return Preparsed::Plain;
        };
        if !word.eq_ignore_ascii_case(b"SEARCH") {
            return Preparsed::Plain;
        }
        head_len += word.len() + 1;
        rest = after;
    } else if !word.eq_ignore_ascii_case(b"SEARCH") {
        return Preparsed::Plain;
    }
    if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case(b"RETURN ") {
        return Preparsed::Plain;
    }
    let tag_text = String::from_utf8_lossy(tag).into_owned();
    let invalid = |text: &str| Preparsed::Invalid {
        tag: tag_text.clone(),
        text: text.to_owned(),
    };
    let after_return = &rest[7..];
    if after_return.first() != Some(&b'(') {
        return invalid("RETURN must be followed by a parenthesised list");
    }
    let Some(close) = after_return.iter().position(|&b| b == b')') else {
        return invalid("RETURN list is not closed");
    };
    let mut options = SearchReturn::default();
    let list = &after_return[1..close];
    for option in list.split(|&b| b == b' ').filter(|o| !o.is_empty()) {
        match option.to_ascii_uppercase().as_slice() {
            b"MIN" => options.min = true,
            b"MAX" => options.max = true,
            b"ALL" => options.all = true,
            b"COUNT" => options.count = true,
            b"SAVE" => return invalid("SEARCHRES (RETURN SAVE) is not supported"),
            _ => {
                return invalid(&format!(
                    "Unknown search return option {}",
                    String::from_utf8_lossy(option)
                ))
            }
        }
    }
    if options == SearchReturn::default() {
        options.all = true;
    }
    let mut remainder = &after_return[close + 1..];
    match remainder.first() {
        Some(b' ') => remainder = &remainder[1..],
        _ => return invalid("Search criteria expected after RETURN options"),
    }
    let mut bytes = message[..head_len].to_vec();
    bytes.extend_from_slice(remainder);
    Preparsed::Rewritten {
        bytes,
        extras: Extras::SearchReturn(options),
    }
}

fn split_word(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = input.iter().position(|&b| b == b' ')?;
    Some((&input[..space], &input[space + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(input: &[u8]) -> (String, SearchReturn) {
        match preparse(input) {
            Preparsed::Rewritten {
                bytes,
                extras: Extras::SearchReturn(options),
            } => (String::from_utf8(bytes).unwrap(), options),
            _ => panic!("not rewritten"),
        }
    }

    #[test]
    fn rfc4731_examples() {
        let (bytes, options) = rewritten(
            b"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
        );
        assert_eq!(
            bytes,
            "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"
        );
        assert!(options.min && options.count && !options.all);
        let (bytes, options) = rewritten(b"A283 uid search return () 1:*\r\n");
        assert_eq!(bytes, "A283 uid search 1:*\r\n");
        assert!(options.all);
    }

    #[test]
    fn others_pass_through() {
        assert!(matches!(preparse(b"A1 SEARCH ALL\r\n"), Preparsed::Plain));
        assert!(matches!(
            preparse(b"A1 FETCH 1 FLAGS\r\n"),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (FOO) ALL\r\n"),
            Preparsed::Invalid { .. }
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (ALL\r\n"),
            Preparsed::Invalid { .. }
        ));
    }
}
