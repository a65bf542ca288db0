//! The MIME view of a stored message: what ENVELOPE, BODY/BODYSTRUCTURE, BODY[section],
//! BINARY[section] and content SEARCH need.
//!
//! When and how often a message is parsed is the design point. Messages arrive in bulk
//! (APPEND, fixtures, `deliver`) and many are never looked into, so nothing is parsed on
//! arrival. The first FETCH or SEARCH that needs the structure parses the message once
//! ([`MimeInfo::parse`], called through `MessageBody::mime`, which caches the result
//! beside the shared bytes, so COPY and MOVE share it too). Within [`MimeInfo`] the
//! costlier views are again built on first use and then kept: the ENVELOPE, BODY and
//! BODYSTRUCTURE response texts (a FETCH of 2,000 messages copies cached bytes and
//! parses nothing), the decoded, lower-cased header fields that need decoding (built on
//! the first header SEARCH that meets one; plain ASCII fields are matched in place, with
//! no parse at all) and the decoded, lower-cased full text (built on the first BODY or TEXT
//! SEARCH); later searches are substring scans that allocate nothing.
//!
//! Everything works on byte offsets into the stored message, which is never modified:
//! `BODY[…]` hands out slices of it. Damaged mail (no boundary, wrong boundary, bad
//! base64/QP, bare LF, 8-bit headers, a 1 MB header, deep nesting) gets a best-effort
//! structure and never a panic; see [`structure`] for the rules.
//!
//! Files: [`header`] (fields and parameters), [`structure`] (the part tree),
//! [`envelope`], [`bodystructure`], [`section`] (BODY[section] and BINARY lookup),
//! [`transfer`] (base64 and quoted-printable), [`matching`] (SEARCH).

pub(crate) mod bodystructure;
pub(crate) mod envelope;
pub(crate) mod header;
pub(crate) mod matching;
pub(crate) mod section;
pub(crate) mod sorting;
pub(crate) mod structure;
pub(crate) mod transfer;

use std::borrow::Cow;
use std::sync::OnceLock;

use chrono::NaiveDate;
use imap_codec::imap_types::fetch::Section;

pub(crate) use matching::Needle;

use crate::mime::matching::{DecodedFields, SearchText};
use crate::mime::structure::Part;
use crate::mime::transfer::Encoding;

/// Parsed structure of one message, computed once and cached beside its bytes.
#[derive(Debug)]
pub(crate) struct MimeInfo {
    root: Part,
    sent_date: Option<NaiveDate>,
    envelope: OnceLock<Box<[u8]>>,
    body: OnceLock<Box<[u8]>>,
    body_structure: OnceLock<Box<[u8]>>,
    decoded_fields: OnceLock<DecodedFields>,
    search_text: OnceLock<SearchText>,
}

/// Why BINARY cannot decode a part (RFC 3516 §4.3: `NO [UNKNOWN-CTE]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryError {
    /// The part's Content-Transfer-Encoding is unknown.
    UnknownCte,
}

impl MimeInfo {
    /// Parses the message `raw` (the bytes it will always be called with again).
    pub(crate) fn parse(raw: &[u8]) -> MimeInfo {
        let root = structure::parse(raw);
        let sent_date = matching::sent_date(raw, &root);
        MimeInfo {
            root,
            sent_date,
            envelope: OnceLock::new(),
            body: OnceLock::new(),
            body_structure: OnceLock::new(),
            decoded_fields: OnceLock::new(),
            search_text: OnceLock::new(),
        }
    }

    /// Appends the ENVELOPE value.
    pub(crate) fn write_envelope(&self, raw: &[u8], out: &mut Vec<u8>) {
        let cached = self.envelope.get_or_init(|| {
            let mut text = Vec::new();
            envelope::write(raw, self.root.header.clone(), &mut text);
            text.into()
        });
        out.extend_from_slice(cached);
    }

    /// Appends the BODYSTRUCTURE (`extensible`) or BODY value.
    pub(crate) fn write_body_structure(&self, raw: &[u8], extensible: bool, out: &mut Vec<u8>) {
        let cell = if extensible {
            &self.body_structure
        } else {
            &self.body
        };
        let cached = cell.get_or_init(|| {
            let mut text = Vec::new();
            bodystructure::write(raw, &self.root, extensible, &mut text);
            text.into()
        });
        out.extend_from_slice(cached);
    }

    /// The bytes of `BODY[section]`; None when the section names no part.
    pub(crate) fn section<'r>(
        &self,
        raw: &'r [u8],
        section: &Section<'_>,
    ) -> Option<Cow<'r, [u8]>> {
        section::extract(raw, &self.root, section)
    }

    /// The transfer-decoded content of `BINARY[part]` (RFC 3516); the whole message for
    /// an empty part path; None when the path names no part.
    pub(crate) fn binary<'r>(
        &self,
        raw: &'r [u8],
        part: &[u32],
    ) -> Result<Option<Cow<'r, [u8]>>, BinaryError> {
        if part.is_empty() {
            return Ok(Some(Cow::Borrowed(raw)));
        }
        let Some(found) = section::resolve_path(&self.root, part.iter().copied()) else {
            return Ok(None);
        };
        let body = &raw[found.body.clone()];
        if !matches!(found.kind, structure::Kind::Leaf) {
            // RFC 2045 §6.4: composite types allow only 7bit, 8bit and binary, so their
            // bytes are their content, whatever the (wrong) header says.
            return Ok(Some(Cow::Borrowed(body)));
        }
        let encoding = Encoding::from_token(found.content.encoding.as_deref())
            .ok_or(BinaryError::UnknownCte)?;
        Ok(Some(encoding.decode(body)))
    }

    /// Whether BINARY can decode `part`: Err for an unknown Content-Transfer-Encoding.
    pub(crate) fn check_binary(&self, part: &[u32]) -> Result<(), BinaryError> {
        match section::resolve_path(&self.root, part.iter().copied()) {
            Some(found) if matches!(found.kind, structure::Kind::Leaf) => {
                Encoding::from_token(found.content.encoding.as_deref())
                    .map(|_| ())
                    .ok_or(BinaryError::UnknownCte)
            }
            _ => Ok(()),
        }
    }

    /// Where the top-level header block is in the message.
    pub(crate) fn header_range(&self) -> std::ops::Range<usize> {
        self.root.header.clone()
    }

    /// The decoded values of the top-level header fields that need decoding, for
    /// [`matching::header_contains`].
    pub(crate) fn decoded_fields(&self, raw: &[u8]) -> &DecodedFields {
        self.decoded_fields
            .get_or_init(|| DecodedFields::build(raw, self.root.header.clone()))
    }

    /// SEARCH BODY.
    pub(crate) fn body_contains(&self, raw: &[u8], needle: &Needle) -> bool {
        self.search_text(raw).body_contains(raw, needle)
    }

    /// SEARCH TEXT.
    pub(crate) fn text_contains(&self, raw: &[u8], needle: &Needle) -> bool {
        self.search_text(raw).text_contains(raw, needle)
    }

    /// The calendar day of the Date: field, for SENTBEFORE/SENTON/SENTSINCE.
    /// The decoded (RFC 2047) and unfolded value of the first top-level header field
    /// called `name`.
    pub(crate) fn header(&self, raw: &[u8], name: &str) -> Option<String> {
        header::fields(raw, self.root.header.clone())
            .find(|field| raw[field.name.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(|field| matching::decode_header_value(&raw[field.value]))
    }

    /// What SORT compares (computed per call, not cached: SORT is rare).
    pub(crate) fn sort_keys(&self, raw: &[u8]) -> sorting::SortKeys {
        sorting::sort_keys(raw, &self.root)
    }

    pub(crate) fn sent_date(&self) -> Option<NaiveDate> {
        self.sent_date
    }

    fn search_text(&self, raw: &[u8]) -> &SearchText {
        self.search_text
            .get_or_init(|| SearchText::build(raw, &self.root))
    }
}

/// Appends an `nstring`, dropping bytes no IMAP string may carry (NUL, CR, LF).
pub(crate) fn write_nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) if s.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') => {
            let clean: Vec<u8> = s
                .iter()
                .copied()
                .filter(|&b| b != 0 && b != b'\r' && b != b'\n')
                .collect();
            crate::wire::string(out, &clean);
        }
        s => crate::wire::nstring(out, s),
    }
}
