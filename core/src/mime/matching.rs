//! Content SEARCH: FROM, TO, CC, BCC, SUBJECT, HEADER, BODY, TEXT and the SENT* dates.
//!
//! RFC 9051 §6.4.4: "In all search keys that use strings, and unless otherwise specified,
//! a message matches the key if the string is a substring of the associated text. The
//! matching SHOULD be case-insensitive for characters within the ASCII range. Consider
//! using [IMAP-I18N] for language-sensitive, case-insensitive searching." And the server
//! compares decoded text: RFC 2047 words in headers and transfer encodings and charsets
//! in bodies are undone first, or a search for a non-ASCII word never matches.
//!
//! Hazard: doing that per SEARCH is slow (decode every body of the mailbox, every time),
//! so the decoded, lower-cased text is built once per message, on the first content
//! search that needs it, and kept beside the parsed structure. A search then costs one
//! substring scan per message and no allocation.
//!
//! Choices:
//! - Case folding is Unicode lower-casing of both sides (beyond the ASCII minimum).
//! - BODY searches the decoded text of every `text/*` part, including those of
//!   encapsulated messages, and the encapsulated messages' headers (they are body text
//!   of the outer message). Parts of other types (images, archives) are not searched.
//! - TEXT searches the top-level header fields, decoded, and then what BODY searches.
//! - SENT* use the Date: field's own calendar day: RFC 9051 says "disregarding time and
//!   timezone".

use chrono::NaiveDate;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::HeaderValue;
use memchr::memmem::Finder;

use crate::mime::header;
use crate::mime::structure::{Kind, Part};
use crate::mime::transfer::Encoding;

/// A search string, lower-cased once per command.
#[derive(Debug, Clone)]
pub(crate) struct Needle {
    finder: Finder<'static>,
}

impl Needle {
    /// Prepares `bytes` (UTF-8 after CHARSET handling) for matching.
    pub(crate) fn new(bytes: &[u8]) -> Needle {
        let lower = String::from_utf8_lossy(bytes).to_lowercase();
        Needle {
            finder: Finder::new(lower.as_bytes()).into_owned(),
        }
    }

    /// Whether the needle occurs in the lower-cased `haystack` (an empty needle always).
    fn found_in(&self, haystack: &str) -> bool {
        self.finder.find(haystack.as_bytes()).is_some()
    }
}

/// The decoded, lower-cased top-level header fields of one message: all that FROM,
/// TO, CC, BCC, SUBJECT and HEADER look at, so those keys never decode a body.
///
/// One string holds every field, so a message's index is two allocations, not two per
/// field: the first content search over a mailbox builds thousands of these.
#[derive(Debug)]
pub(crate) struct HeaderIndex {
    /// Lower-cased names and decoded, lower-cased values, back to back.
    text: Box<str>,
    /// Per field, in header order: where its name starts, where its value starts, and
    /// where its value ends, in `text`.
    spans: Box<[(u32, u32, u32)]>,
}

impl HeaderIndex {
    /// Builds the index of the header of the message `raw` with part tree `root`.
    pub(crate) fn build(raw: &[u8], root: &Part) -> HeaderIndex {
        let mut text = String::new();
        let mut spans = Vec::new();
        for field in header::fields(raw, root.header.clone()) {
            let name_start = text.len();
            text.push_str(&lowercase(
                String::from_utf8_lossy(&raw[field.name]).into_owned(),
            ));
            let value_start = text.len();
            text.push_str(&lowercase(decode_header_value(&raw[field.value])));
            let offset = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            spans.push((offset(name_start), offset(value_start), offset(text.len())));
        }
        HeaderIndex {
            text: text.into_boxed_str(),
            spans: spans.into_boxed_slice(),
        }
    }

    /// The (name, value) pairs, lower-cased, in header order.
    fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&(name, value, end)| {
            let text = |from: u32, to: u32| self.text.get(from as usize..to as usize).unwrap_or("");
            (text(name, value), text(value, end))
        })
    }

    /// HEADER name value (and FROM, SUBJECT, …): any field called `name` (lower-case)
    /// whose decoded value contains the needle. RFC 9051: "If the string to search is
    /// zero-length, this matches all messages that have a header line with the specified
    /// field-name regardless of the contents."
    pub(crate) fn contains(&self, name: &str, needle: &Needle) -> bool {
        self.fields().any(|(n, v)| n == name && needle.found_in(v))
    }
}

/// Lower-cases text, in place when it is ASCII (almost always, for header fields).
fn lowercase(mut text: String) -> String {
    if text.is_ascii() {
        text.make_ascii_lowercase();
        text
    } else {
        text.to_lowercase()
    }
}

/// Decoded, lower-cased text of one message, for BODY and TEXT.
#[derive(Debug)]
pub(crate) struct SearchText {
    /// The decoded header text, a NUL (which no search string can contain, so no match
    /// spans the two halves), then the decoded body text.
    text: String,
    /// Where the body text starts in `text`.
    body_start: usize,
}

impl SearchText {
    /// Builds the search text of the message `raw` with part tree `root` and header
    /// index `fields`.
    pub(crate) fn build(raw: &[u8], root: &Part, fields: &HeaderIndex) -> SearchText {
        let mut text = String::with_capacity(raw.len());
        for (name, value) in fields.fields() {
            text.push_str(name);
            text.push_str(": ");
            text.push_str(value);
            text.push('\n');
        }
        text.push('\0');
        let body_start = text.len();
        body_text(raw, root, &mut text);
        text.shrink_to_fit();
        SearchText { text, body_start }
    }

    /// BODY: the decoded body text contains the needle.
    pub(crate) fn body_contains(&self, needle: &Needle) -> bool {
        needle.found_in(&self.text[self.body_start..])
    }

    /// TEXT: the decoded header or body contains the needle.
    pub(crate) fn text_contains(&self, needle: &Needle) -> bool {
        needle.found_in(&self.text)
    }
}

/// Appends the decoded, lower-cased text of `part`'s body to `out`.
fn body_text(raw: &[u8], part: &Part, out: &mut String) {
    match &part.kind {
        Kind::Multipart(children) => {
            for child in children {
                body_text(raw, child, out);
            }
        }
        Kind::Message(inner) => {
            for field in header::fields(raw, inner.header.clone()) {
                out.push_str(&String::from_utf8_lossy(&raw[field.name]).to_lowercase());
                out.push_str(": ");
                out.push_str(&decode_header_value(&raw[field.value]).to_lowercase());
                out.push('\n');
            }
            body_text(raw, inner, out);
        }
        Kind::Leaf if part.content.is_type("text") => {
            let encoding = Encoding::from_token(part.content.encoding.as_deref())
                .unwrap_or(Encoding::Identity);
            let bytes = encoding.decode(&raw[part.body.clone()]);
            let decoded = decode_charset(part.content.param("charset"), &bytes);
            out.push_str(&decoded.to_lowercase());
            out.push('\n');
        }
        Kind::Leaf => {}
    }
}

/// Text in `charset` as UTF-8; unknown charsets and damage are decoded lossily.
fn decode_charset(charset: Option<&[u8]>, bytes: &[u8]) -> String {
    let is = |name: &str| charset.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes()));
    if charset.is_none() || is("utf-8") || is("us-ascii") || is("utf8") {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    match charset.and_then(charset_decoder) {
        Some(decode) => decode(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A header value with folding removed and RFC 2047 encoded words decoded (any
/// charset mail-parser knows), raw 8-bit text read as UTF-8.
pub(crate) fn decode_header_value(value: &[u8]) -> String {
    // Most fields are one line of plain ASCII: nothing to unfold or decode.
    if value.is_ascii() && !value.contains(&b'\n') && memchr::memmem::find(value, b"=?").is_none() {
        let text = std::str::from_utf8(value).unwrap_or_default();
        return text.trim_matches([' ', '\t', '\r']).to_owned();
    }
    let mut line = Vec::with_capacity(value.len() + 1);
    line.extend_from_slice(value);
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

/// The calendar day of the first Date: field of the header `raw[root.header]`.
pub(crate) fn sent_date(raw: &[u8], root: &Part) -> Option<NaiveDate> {
    let field = header::fields(raw, root.header.clone())
        .find(|f| raw[f.name.clone()].eq_ignore_ascii_case(b"date"))?;
    let value = header::unfold(&raw[field.value]);
    let date = mail_parser::DateTime::parse_rfc822(&String::from_utf8_lossy(&value))?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encoded_words() {
        assert_eq!(
            decode_header_value(b" =?ISO-8859-1?Q?Gr=FC=DFe?= aus\r\n =?utf-8?b?S8O2bG4=?="),
            "Grüße aus Köln"
        );
        assert_eq!(decode_header_value(b" plain"), "plain");
        // The plain-ASCII fast path agrees with the full decoder.
        for value in [
            &b" Hello there "[..],
            b"\tx",
            b"a b  c",
            b"",
            b" <id@example.org>",
        ] {
            let mut line = value.to_vec();
            line.push(b'\n');
            let slow = match MessageStream::new(&line).parse_unstructured() {
                HeaderValue::Text(text) => text.into_owned(),
                _ => String::new(),
            };
            assert_eq!(decode_header_value(value), slow, "{value:?}");
        }
    }

    #[test]
    fn charsets() {
        assert_eq!(decode_charset(Some(b"iso-8859-1"), b"\xe9t\xe9"), "été");
        assert_eq!(decode_charset(Some(b"x-unknown"), b"abc"), "abc");
    }
}
