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

use std::ops::Range;

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

    /// Whether the needle occurs in the ASCII `text` once lower-cased: what
    /// [`Needle::found_in`] says of `lowercase(text)`, without allocating. The text is
    /// lower-cased a window at a time into a stack buffer; windows overlap by the
    /// needle's length less one, so no occurrence is missed at a window's edge.
    fn found_in_ascii(&self, text: &[u8]) -> bool {
        const WINDOW: usize = 4096;
        const SHORT: usize = 256;
        let needle = self.finder.needle();
        if needle.is_empty() {
            return true;
        }
        // Lower-casing ASCII gives ASCII, which holds no non-ASCII needle.
        if !needle.is_ascii() || needle.len() > text.len() {
            return false;
        }
        if needle.len() > WINDOW / 2 {
            return self.finder.find(&text.to_ascii_lowercase()).is_some();
        }
        // A header value fits a small buffer: no need to clear a whole window for it.
        if text.len() <= SHORT {
            return self.found_in_windows(text, &mut [0u8; SHORT]);
        }
        self.found_in_windows(text, &mut [0u8; WINDOW])
    }

    /// [`Needle::found_in_ascii`] with `buffer` as the window (at least twice the
    /// needle's length, or as long as `text`).
    fn found_in_windows(&self, text: &[u8], buffer: &mut [u8]) -> bool {
        let overlap = self.finder.needle().len() - 1;
        let mut start = 0;
        loop {
            let end = (start + buffer.len()).min(text.len());
            let window = &mut buffer[..end - start];
            window.copy_from_slice(&text[start..end]);
            window.make_ascii_lowercase();
            if self.finder.find(window).is_some() {
                return true;
            }
            if end == text.len() {
                return false;
            }
            start = end - overlap;
        }
    }
}

/// SEARCH HEADER name value (and FROM, SUBJECT, …) over the header block
/// `raw[header]`: whether a field called `name` (lower-case) has a decoded value
/// containing the needle. RFC 9051: "If the string to search is zero-length, this matches
/// all messages that have a header line with the specified field-name regardless of the
/// contents."
///
/// Most values are one line of plain ASCII, which reads the same decoded: those are
/// matched in place, so the first search over thousands of fresh messages allocates
/// nothing and builds nothing. The others (encoded words, folded lines, 8-bit text) are
/// looked up in `decoded`, which decodes them once per message and is then kept.
pub(crate) fn header_contains<'a>(
    raw: &[u8],
    header: Range<usize>,
    name: &str,
    needle: &Needle,
    decoded: impl Fn() -> &'a DecodedFields,
) -> bool {
    header::fields(raw, header)
        .enumerate()
        .filter(|(_, field)| name_is(&raw[field.name.clone()], name))
        .any(|(ordinal, field)| match plain_value(&raw[field.value]) {
            Some(plain) => needle.found_in_ascii(plain.as_bytes()),
            None => decoded()
                .value(ordinal)
                .is_some_and(|value| needle.found_in(value)),
        })
}

/// Whether the raw field name `raw_name` is `lower` (a lower-cased name).
fn name_is(raw_name: &[u8], lower: &str) -> bool {
    if raw_name.is_ascii() {
        raw_name.eq_ignore_ascii_case(lower.as_bytes())
    } else {
        lowercase(String::from_utf8_lossy(raw_name).into_owned()) == lower
    }
}

/// The decoded, lower-cased values of the top-level header fields that are not plain
/// ASCII lines (see [`header_contains`]), built on the first search that meets one.
///
/// One string holds every value, so a message's cache is two allocations, not one per
/// field.
#[derive(Debug)]
pub(crate) struct DecodedFields {
    /// Decoded, lower-cased values, back to back.
    text: Box<str>,
    /// Per decoded field: its position among the header's fields, and where its value
    /// starts and ends in `text`.
    spans: Box<[(u32, u32, u32)]>,
}

impl DecodedFields {
    /// Decodes the fields of the header block `raw[header]` that need it.
    pub(crate) fn build(raw: &[u8], header: Range<usize>) -> DecodedFields {
        let mut text = String::new();
        let mut spans = Vec::new();
        let offset = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for (ordinal, field) in header::fields(raw, header).enumerate() {
            let value = &raw[field.value];
            if plain_value(value).is_none() {
                let start = text.len();
                text.push_str(&lowercase(decode_header_value(value)));
                spans.push((offset(ordinal), offset(start), offset(text.len())));
            }
        }
        DecodedFields {
            text: text.into_boxed_str(),
            spans: spans.into_boxed_slice(),
        }
    }

    /// The decoded value of the header's `ordinal`-th field, if it needed decoding.
    fn value(&self, ordinal: usize) -> Option<&str> {
        let ordinal = u32::try_from(ordinal).ok()?;
        let index = self.spans.binary_search_by_key(&ordinal, |s| s.0).ok()?;
        let (_, start, end) = self.spans[index];
        self.text.get(start as usize..end as usize)
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
///
/// A body that reads the same decoded (one text part, no transfer encoding, ASCII in
/// an ASCII-compatible charset: most test mail) is not copied: it is matched in place,
/// which keeps a mailbox's memory from doubling after its first TEXT search.
#[derive(Debug)]
pub(crate) struct SearchText {
    /// The decoded header text: one `name: value` line per field.
    header: Box<str>,
    body: BodyText,
}

/// The body as BODY and TEXT search it.
#[derive(Debug)]
enum BodyText {
    /// Plain ASCII text, matched in place: where it is in the message.
    InPlace(Range<usize>),
    /// The decoded, lower-cased text.
    Decoded(Box<str>),
}

impl SearchText {
    /// Builds the search text of the message `raw` with part tree `root`.
    pub(crate) fn build(raw: &[u8], root: &Part) -> SearchText {
        let mut header = String::new();
        header_text(raw, root.header.clone(), &mut header);
        let body = if is_plain_body(raw, root) {
            BodyText::InPlace(root.body.clone())
        } else {
            let mut text = String::with_capacity(root.body.len());
            body_text(raw, root, &mut text);
            BodyText::Decoded(text.into_boxed_str())
        };
        SearchText {
            header: header.into_boxed_str(),
            body,
        }
    }

    /// BODY: the decoded body text of the message `raw` (the one this was built from)
    /// contains the needle.
    pub(crate) fn body_contains(&self, raw: &[u8], needle: &Needle) -> bool {
        match &self.body {
            BodyText::InPlace(range) => needle.found_in_ascii(&raw[range.clone()]),
            BodyText::Decoded(text) => needle.found_in(text),
        }
    }

    /// TEXT: the decoded header or body contains the needle (no match spans the two).
    pub(crate) fn text_contains(&self, raw: &[u8], needle: &Needle) -> bool {
        needle.found_in(&self.header) || self.body_contains(raw, needle)
    }
}

/// Whether the body of `root` reads the same decoded: a single `text/*` part without
/// transfer encoding, in ASCII, with no charset or one that maps ASCII to itself.
fn is_plain_body(raw: &[u8], root: &Part) -> bool {
    if !matches!(root.kind, Kind::Leaf) || !root.content.is_type("text") {
        return false;
    }
    let encoding = Encoding::from_token(root.content.encoding.as_deref());
    let charset = root.content.param("charset");
    let ascii_charset = charset
        .is_none_or(|c| c.eq_ignore_ascii_case(b"us-ascii") || c.eq_ignore_ascii_case(b"utf-8"));
    encoding == Some(Encoding::Identity) && ascii_charset && raw[root.body.clone()].is_ascii()
}

/// Appends the header block `raw[header]` to `out` as `name: value` lines, lower-cased,
/// values decoded.
fn header_text(raw: &[u8], header: Range<usize>, out: &mut String) {
    for field in header::fields(raw, header) {
        push_lowercase(out, &String::from_utf8_lossy(&raw[field.name]));
        out.push_str(": ");
        let value = &raw[field.value];
        match plain_value(value) {
            Some(plain) => push_lowercase(out, plain),
            None => out.push_str(&lowercase(decode_header_value(value))),
        }
        out.push('\n');
    }
}

/// Appends `text` lower-cased, without a temporary copy when it is ASCII.
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
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
            header_text(raw, inner.header.clone(), out);
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
    if let Some(plain) = plain_value(value) {
        return plain.to_owned();
    }
    let mut line = Vec::with_capacity(value.len() + 1);
    line.extend_from_slice(value);
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

/// A raw header value as it reads decoded, when that is the raw text: one line of ASCII
/// without encoded words (most fields), blanks around it trimmed. None when the value
/// needs unfolding or decoding.
fn plain_value(value: &[u8]) -> Option<&str> {
    if !value.is_ascii() || value.contains(&b'\n') || memchr::memmem::find(value, b"=?").is_some() {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    Some(text.trim_matches([' ', '\t', '\r']))
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
    fn in_place_header_match_agrees_with_decoding_every_field() {
        let long = format!("Subject: {}Needle\r\n", "x".repeat(600));
        let headers: [&[u8]; 7] = [
            b"Subject: Quarterly Report\r\nFrom: a@b\r\n\r\nbody",
            b"Subject:   padded  \r\n\r\n",
            b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= Quarterly\r\n\r\n",
            b"Subject: folded\r\n Quarterly report\r\n\r\n",
            b"Subject: 8-bit Gr\xc3\xbc\xc3\x9fe\r\nsubject: second QUARTERLY\r\n\r\n",
            b"X-Other: quarterly\r\n\r\n",
            long.as_bytes(),
        ];
        let needles = [
            "quarterly",
            "QUARTERLY report",
            "grüße",
            " padded",
            "padded",
            "",
            "needle",
            "d  ",
        ];
        for raw in headers {
            let header = header::message_header(raw);
            let decoded = DecodedFields::build(raw, header.clone());
            for needle_text in needles {
                let needle = Needle::new(needle_text.as_bytes());
                let in_place =
                    header_contains(raw, header.clone(), "subject", &needle, || &decoded);
                let reference = header::fields(raw, header.clone())
                    .filter(|f| raw[f.name.clone()].eq_ignore_ascii_case(b"subject"))
                    .any(|f| needle.found_in(&decode_header_value(&raw[f.value]).to_lowercase()));
                assert_eq!(
                    in_place,
                    reference,
                    "{needle_text:?} in {:?}",
                    String::from_utf8_lossy(raw)
                );
            }
        }
        let raw = b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\n";
        let header = header::message_header(raw);
        let decoded = DecodedFields::build(raw, header.clone());
        let needle = Needle::new("GRÜSSE".to_lowercase().as_bytes());
        assert!(!header_contains(
            raw,
            header.clone(),
            "subject",
            &needle,
            || &decoded
        ));
        let needle = Needle::new("GRÜ".as_bytes());
        assert!(header_contains(raw, header, "subject", &needle, || {
            &decoded
        }));
    }

    #[test]
    fn in_place_ascii_search_finds_needles_across_window_edges() {
        let mut text: Vec<u8> = (0..10_000u32)
            .map(|i| b"abcdefghij"[(i % 10) as usize])
            .collect();
        for at in [0, 4090, 4093, 4096, 8180, 8190, 9_990] {
            let mut haystack = text.clone();
            haystack[at..at + 10].copy_from_slice(b"NeEdLe-XyZ");
            for needle in ["needle-xyz", "e-x", "needle-xyz".repeat(300).as_str()] {
                let expected = String::from_utf8(haystack.to_ascii_lowercase())
                    .unwrap()
                    .contains(needle);
                assert_eq!(
                    Needle::new(needle.as_bytes()).found_in_ascii(&haystack),
                    expected,
                    "{needle} at {at}"
                );
            }
        }
        text.truncate(3);
        assert!(Needle::new(b"").found_in_ascii(&text));
        assert!(!Needle::new(b"abcd").found_in_ascii(&text));
        assert!(!Needle::new("é".as_bytes()).found_in_ascii(b"e"));
    }

    #[test]
    fn in_place_body_agrees_with_decoded_text() {
        let messages: [&[u8]; 5] = [
            b"Subject: x\r\n\r\nPlain ASCII Body with Zanzibar\r\n",
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nGr\xc3\xbc\xc3\x9fe ZANZIBAR\r\n",
            b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe Zanzi=\r\nbar\r\n",
            b"Content-Type: text/html\r\n\r\n<b>zanzibar</b>",
            b"Content-Type: image/png\r\n\r\nzanzibar",
        ];
        for raw in messages {
            let root = crate::mime::structure::parse(raw);
            let text = SearchText::build(raw, &root);
            let mut reference = String::new();
            body_text(raw, &root, &mut reference);
            for needle in ["zanzibar", "ZANZIBAR", "grüße", "body with", "nothing"] {
                let needle_text = needle;
                let needle = Needle::new(needle.as_bytes());
                assert_eq!(
                    text.body_contains(raw, &needle),
                    needle.found_in(&reference),
                    "{needle_text} in {:?}",
                    String::from_utf8_lossy(raw)
                );
            }
        }
    }

    #[test]
    fn charsets() {
        assert_eq!(decode_charset(Some(b"iso-8859-1"), b"\xe9t\xe9"), "été");
        assert_eq!(decode_charset(Some(b"x-unknown"), b"abc"), "abc");
    }
}
