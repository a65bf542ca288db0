//! Syntax imap-codec does not parse, handled in front of it.
//!
//! imap-codec 2.0.0-alpha.10 has no grammar for ESEARCH and SEARCHRES return options
//! (`SEARCH RETURN (…)`), LIST-EXTENDED selection and return options, or the `$` saved
//! result. Each is lifted out of the command's first line (never out of a literal, so
//! literal data is never reinterpreted) and the rest goes to the codec, which keeps its
//! complete and tested grammar for everything else. Large APPEND literals are also kept
//! away from the codec's byte-at-a-time validation.

mod append;
mod list;
mod search;

pub(crate) use append::lift_append_literal;
pub(crate) use list::ListExtended;
pub(crate) use search::{substitute_saved, SearchReturn};

use imap_codec::imap_types::core::Tag;

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
    /// LIST-EXTENDED selection and return options and patterns (RFC 5258, RFC 5819).
    ListExtended(ListExtended),
    /// APPEND's message literal, left out of what the codec parsed (it saw an empty
    /// literal): these bytes of the original message are the message.
    AppendData(std::ops::Range<usize>),
}

pub(crate) fn preparse(message: &[u8], has_literals: bool) -> Preparsed {
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
    if word.eq_ignore_ascii_case(b"LIST") {
        return list::preparse_list(tag, rest, has_literals);
    }
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
    search::preparse_search(message, tag, head_len, rest)
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

fn split_word(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = input.iter().position(|&b| b == b' ')?;
    Some((&input[..space], &input[space + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_pass_through() {
        assert!(matches!(
            preparse(b"A1 SEARCH ALL\r\n", false),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 FETCH 1 FLAGS\r\n", false),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (FOO) ALL\r\n", false),
            Preparsed::Invalid { .. }
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (ALL\r\n", false),
            Preparsed::Invalid { .. }
        ));
    }
}
