//! FETCH BODY and BODYSTRUCTURE: the part tree in RFC 9051 §7.5.2 syntax.
//!
//! Hazards:
//! - Strict clients parse this positionally, so every field must be present in order:
//!   `(type subtype params id description encoding size [lines] [md5 disposition
//!   language location])`, `lines` only for TEXT, and for MESSAGE/RFC822 "the envelope
//!   structure, body structure, and size in text lines of the encapsulated message".
//! - BODY is the non-extensible form: "BODY … is the same as BODYSTRUCTURE, except that
//!   the extension data is not returned"; BODYSTRUCTURE always carries it.
//! - A multipart is `(part part … "subtype" params disposition language location)`:
//!   parts are written without spaces between them.
//!
//! Choices RFC 9051 leaves open:
//! - Type, subtype, encoding, parameter names and the disposition type are upper-cased
//!   (as in the RFC's own examples, and as Cyrus and Gmail do); parameter values and
//!   everything else go out as written, still encoded.
//! - A text part without a `charset` parameter gets none here; only a part without any
//!   Content-Type gets the RFC 2045 default `("CHARSET" "US-ASCII")`.
//! - Content-Language is always written as a parenthesised list when present.

use crate::mime::envelope;
use crate::mime::structure::{Content, Kind, Part};
use crate::mime::write_nstring;

/// Writes `part` as a BODYSTRUCTURE (`extensible`) or BODY value.
pub(crate) fn write(raw: &[u8], part: &Part, extensible: bool, out: &mut Vec<u8>) {
    out.push(b'(');
    match &part.kind {
        Kind::Multipart(children) => {
            for child in children {
                write(raw, child, extensible, out);
            }
            out.push(b' ');
            upper_string(out, &part.content.subtype);
            if extensible {
                out.push(b' ');
                params(out, &part.content.params);
                extension_tail(out, &part.content);
            }
        }
        kind => {
            let content = &part.content;
            upper_string(out, &content.media_type);
            out.push(b' ');
            upper_string(out, &content.subtype);
            out.push(b' ');
            params(out, &content.params);
            out.push(b' ');
            write_nstring(out, content.id.as_deref());
            out.push(b' ');
            write_nstring(out, content.description.as_deref());
            out.push(b' ');
            upper_string(out, content.encoding.as_deref().unwrap_or(b"7BIT"));
            out.push(b' ');
            crate::wire::number(out, part.body.len() as u64);
            if let Kind::Message(inner) = kind {
                out.push(b' ');
                envelope::write(raw, inner.header.clone(), out);
                out.push(b' ');
                write(raw, inner, extensible, out);
                out.push(b' ');
                crate::wire::number(out, part.lines);
            } else if content.is_type("text") {
                out.push(b' ');
                crate::wire::number(out, part.lines);
            }
            if extensible {
                out.push(b' ');
                write_nstring(out, content.md5.as_deref());
                extension_tail(out, content);
            }
        }
    }
    out.push(b')');
}

/// ` disposition language location`, shared by both part kinds.
fn extension_tail(out: &mut Vec<u8>, content: &Content) {
    out.push(b' ');
    match &content.disposition {
        Some(disposition) => {
            out.push(b'(');
            upper_string(out, &disposition.value);
            out.push(b' ');
            params(out, &disposition.params);
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    if content.language.is_empty() {
        out.extend_from_slice(b"NIL");
    } else {
        out.push(b'(');
        for (i, tag) in content.language.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            write_nstring(out, Some(tag));
        }
        out.push(b')');
    }
    out.push(b' ');
    write_nstring(out, content.location.as_deref());
}

/// `("NAME" "value" …)` or NIL.
fn params(out: &mut Vec<u8>, params: &[(Vec<u8>, Vec<u8>)]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        upper_string(out, name);
        out.push(b' ');
        write_nstring(out, Some(value));
    }
    out.push(b')');
}

/// A string in upper case; written in place when it can be a quoted string.
fn upper_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 1024 && s.iter().all(|&b| crate::wire::is_quotable(b)) {
        out.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b.to_ascii_uppercase());
        }
        out.push(b'"');
    } else {
        write_nstring(out, Some(&s.to_ascii_uppercase()));
    }
}
