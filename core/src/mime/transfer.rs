//! Content-Transfer-Encoding decoding for BINARY and content SEARCH.
//!
//! The hazard is damaged encodings: base64 with line noise or a missing pad, quoted-
//! printable with a stray `=` or lowercase hex. A strict decoder (mail-parser's returns
//! `None`) would make the part unreadable; RFC 2045 §6.8 says "any characters outside of
//! the base64 alphabet are to be ignored" and §6.7 advises a decoder to keep a malformed
//! `=` sequence as it is, so both decoders here are total functions: best effort, never
//! an error, never a panic.

use std::borrow::Cow;

/// A Content-Transfer-Encoding this server can undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// 7bit, 8bit, binary (or absent): the content is the bytes.
    Identity,
    /// base64 (RFC 2045 §6.8).
    Base64,
    /// quoted-printable (RFC 2045 §6.7).
    QuotedPrintable,
}

impl Encoding {
    /// The encoding named by a Content-Transfer-Encoding token; None when unknown
    /// (BINARY then answers `NO [UNKNOWN-CTE]`, RFC 3516 §4.3).
    pub(crate) fn from_token(token: Option<&[u8]>) -> Option<Encoding> {
        let Some(token) = token else {
            return Some(Encoding::Identity);
        };
        let is = |name: &str| token.eq_ignore_ascii_case(name.as_bytes());
        if is("7bit") || is("8bit") || is("binary") {
            Some(Encoding::Identity)
        } else if is("base64") {
            Some(Encoding::Base64)
        } else if is("quoted-printable") {
            Some(Encoding::QuotedPrintable)
        } else {
            None
        }
    }

    /// Decodes `data`, borrowing it when there is nothing to undo.
    pub(crate) fn decode(self, data: &[u8]) -> Cow<'_, [u8]> {
        match self {
            Encoding::Identity => Cow::Borrowed(data),
            Encoding::Base64 => Cow::Owned(base64(data)),
            Encoding::QuotedPrintable => Cow::Owned(quoted_printable(data)),
        }
    }
}

/// Decodes base64, ignoring bytes outside the alphabet, stopping at the first `=` pad,
/// and keeping the whole bytes of a final incomplete group.
pub(crate) fn base64(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in data {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Decodes quoted-printable: `=XX` (either case) becomes the byte, a soft line break
/// `=` at the end of a line (after optional blanks) disappears, anything else malformed
/// is kept literally. Line ends are kept as they are.
pub(crate) fn quoted_printable(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = |x: u8| (x as char).to_digit(16);
        if let (Some(h), Some(l)) = (
            data.get(i + 1).and_then(|&x| hex(x)),
            data.get(i + 2).and_then(|&x| hex(x)),
        ) {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        // Soft line break: "=" [blanks] CRLF (or bare LF), or "=" at the very end.
        let mut j = i + 1;
        while j < data.len() && matches!(data[j], b' ' | b'\t') {
            j += 1;
        }
        if data[j..].starts_with(b"\r\n") {
            i = j + 2;
        } else if data[j..].starts_with(b"\n") {
            i = j + 1;
        } else if j == data.len() {
            i = j;
        } else {
            out.push(b'=');
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lenient() {
        assert_eq!(base64(b"aGVsbG8="), b"hello");
        assert_eq!(base64(b"aGVs\r\nbG8"), b"hello");
        assert_eq!(base64(b"aGV*sbG8=garbage"), b"hello");
        assert_eq!(base64(b"AA=="), b"\0");
        assert_eq!(base64(b"A"), b"");
    }

    #[test]
    fn quoted_printable_lenient() {
        assert_eq!(quoted_printable(b"a=3Db=3db"), b"a=b=b");
        assert_eq!(quoted_printable(b"soft=\r\nbreak"), b"softbreak");
        assert_eq!(quoted_printable(b"soft= \nbreak="), b"softbreak");
        assert_eq!(quoted_printable(b"bad=ZZ and =4"), b"bad=ZZ and =4");
        assert_eq!(quoted_printable(b"line\r\nnext"), b"line\r\nnext");
    }
}
