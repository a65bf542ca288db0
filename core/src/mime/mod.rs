//! MIME structure of a stored message: what ENVELOPE, BODYSTRUCTURE, BODY[section],
//! BINARY and content SEARCH need. (Placeholder until the MIME work lands.)

use std::borrow::Cow;

use chrono::NaiveDate;
use imap_codec::imap_types::fetch::Section;

/// Parsed structure of one message, computed once and cached beside its bytes.
#[derive(Debug, Default)]
pub(crate) struct MimeInfo {
    header_len: usize,
}

/// Why BINARY cannot decode a part (RFC 3516 §4.3: `NO [UNKNOWN-CTE]`).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryError {
    /// The part's Content-Transfer-Encoding is unknown.
    UnknownCte,
}

impl MimeInfo {
    pub(crate) fn parse(raw: &[u8]) -> MimeInfo {
        let header_len = find_header_end(raw);
        MimeInfo { header_len }
    }

    pub(crate) fn write_envelope(&self, _raw: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    }

    pub(crate) fn write_body_structure(&self, raw: &[u8], _extensible: bool, out: &mut Vec<u8>) {
        let body = raw.len() - self.header_len;
        out.extend_from_slice(
            format!("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" {body} 0)")
                .as_bytes(),
        );
    }

    pub(crate) fn section<'r>(
        &self,
        raw: &'r [u8],
        section: &Section<'_>,
    ) -> Option<Cow<'r, [u8]>> {
        match section {
            Section::Header(None) => Some(Cow::Borrowed(&raw[..self.header_len])),
            Section::Text(None) => Some(Cow::Borrowed(&raw[self.header_len..])),
            _ => None,
        }
    }

    pub(crate) fn binary<'r>(
        &self,
        raw: &'r [u8],
        part: &[u32],
    ) -> Result<Option<Cow<'r, [u8]>>, BinaryError> {
        if part.is_empty() {
            Ok(Some(Cow::Borrowed(raw)))
        } else {
            Ok(None)
        }
    }

    pub(crate) fn header_contains(&self, raw: &[u8], field: &str, needle: &str) -> bool {
        let _ = (raw, field, needle);
        false
    }

    pub(crate) fn body_contains(&self, raw: &[u8], needle: &str) -> bool {
        contains_ci(&raw[self.header_len..], needle.as_bytes())
    }

    pub(crate) fn text_contains(&self, raw: &[u8], needle: &str) -> bool {
        contains_ci(raw, needle.as_bytes())
    }

    pub(crate) fn sent_date(&self) -> Option<NaiveDate> {
        None
    }
}

fn find_header_end(raw: &[u8]) -> usize {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(raw.len())
}

fn contains_ci(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}
