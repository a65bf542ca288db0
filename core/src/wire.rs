//! Writing response syntax: strings, literals, dates and flag lists.
//!
//! The hazard is choosing a representation the client can parse: an atom only where every
//! byte is an ATOM-CHAR, a quoted string only without CR, LF, NUL or 8-bit bytes (unless
//! UTF-8 is enabled), and otherwise a literal, whose length must count octets, not chars.

use chrono::{DateTime, FixedOffset};

use crate::store::{Flags, Keyword};
use crate::time::Timestamp;

/// Appends `s` as an `astring`: an atom when possible, else a quoted string or literal.
pub(crate) fn astring(out: &mut Vec<u8>, s: &[u8]) {
    if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) {
        out.extend_from_slice(s);
    } else {
        string(out, s);
    }
}

/// Appends `s` as a `string`: quoted when possible, else a literal.
pub(crate) fn string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 1024 && s.iter().all(|&b| is_quotable(b)) {
        quoted(out, s);
    } else {
        literal(out, s);
    }
}

/// Appends `s` as an `nstring` (`NIL` when absent).
pub(crate) fn nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// Appends a quoted string; the caller has checked [`is_quotable`] for every byte.
pub(crate) fn quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Appends a synchronizing-style literal `{n}\r\n` followed by the bytes.
pub(crate) fn literal(out: &mut Vec<u8>, s: &[u8]) {
    literal_prefix(out, s.len());
    out.extend_from_slice(s);
}

/// Appends the `{n}\r\n` that announces a literal of `len` bytes.
pub(crate) fn literal_prefix(out: &mut Vec<u8>, len: usize) {
    out.push(b'{');
    number(out, len as u64);
    out.extend_from_slice(b"}\r\n");
}

/// Appends a `literal8` (`~{n}`) for content that may hold NUL (RFC 3516).
pub(crate) fn literal8(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'~');
    literal(out, s);
}

/// Appends an unsigned number.
pub(crate) fn number(out: &mut Vec<u8>, n: impl Into<u64>) {
    // Digits into a stack buffer: FETCH writes several numbers per message, and a
    // String per number showed up as one allocation per message.
    let mut n: u64 = n.into();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Bytes allowed in a quoted string: TEXT-CHAR without CR/LF (8-bit is not allowed in
/// IMAP4rev1 quoted strings, so such strings become literals).
pub(crate) fn is_quotable(b: u8) -> bool {
    (0x01..0x80).contains(&b) && b != b'\r' && b != b'\n'
}

/// ASTRING-CHAR: ATOM-CHAR or `]`.
pub(crate) fn is_astring_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends an IMAP `date-time` in quotes, e.g. `"17-Jul-1996 02:44:25 +0000"`, in UTC.
pub(crate) fn date_time(out: &mut Vec<u8>, timestamp: Timestamp) {
    let utc = timestamp.to_utc();
    let fixed: DateTime<FixedOffset> = utc.fixed_offset();
    use chrono::{Datelike, Timelike};
    let text = format!(
        "\"{:02}-{}-{:04} {:02}:{:02}:{:02} +0000\"",
        fixed.day(),
        MONTHS[fixed.month0() as usize],
        fixed.year(),
        fixed.hour(),
        fixed.minute(),
        fixed.second()
    );
    out.extend_from_slice(text.as_bytes());
}

/// Appends a parenthesised flag list; `recent` adds `\Recent` (IMAP4rev1 only).
pub(crate) fn flag_list(out: &mut Vec<u8>, flags: &Flags, recent: bool) {
    out.push(b'(');
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b' ');
        }
        first = false;
    };
    for flag in flags.system_flags() {
        sep(out);
        out.extend_from_slice(flag.as_str().as_bytes());
    }
    for keyword in flags.keywords() {
        sep(out);
        out.extend_from_slice(keyword.as_str().as_bytes());
    }
    if recent {
        sep(out);
        out.extend_from_slice(b"\\Recent");
    }
    out.push(b')');
}

/// Appends the system flags and the given keywords, space-separated, no parentheses.
pub(crate) fn flag_names(out: &mut Vec<u8>, keywords: &[Keyword]) {
    out.extend_from_slice(b"\\Answered \\Flagged \\Deleted \\Seen \\Draft");
    for keyword in keywords {
        out.push(b' ');
        out.extend_from_slice(keyword.as_str().as_bytes());
    }
}

/// Escapes bytes for logs and error texts: printable ASCII as is, the rest as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn string_forms() {
        assert_eq!(w(|o| astring(o, b"INBOX")), "INBOX");
        assert_eq!(w(|o| astring(o, b"a b")), "\"a b\"");
        assert_eq!(w(|o| astring(o, b"")), "\"\"");
        assert_eq!(w(|o| astring(o, b"say \"hi\"\\")), "\"say \\\"hi\\\"\\\\\"");
        assert_eq!(w(|o| string(o, b"a\r\nb")), "{4}\r\na\r\nb");
        assert_eq!(w(|o| string(o, "é".as_bytes())), "{2}\r\né");
        assert_eq!(w(|o| nstring(o, None)), "NIL");
    }

    #[test]
    fn date_time_is_rfc_form() {
        let t = Timestamp::from_unix_secs(837_571_465);
        assert_eq!(w(|o| date_time(o, t)), "\"17-Jul-1996 02:44:25 +0000\"");
        assert_eq!(
            w(|o| date_time(o, Timestamp::EPOCH)),
            "\"01-Jan-1970 00:00:00 +0000\""
        );
    }

    #[test]
    fn flags() {
        let flags = Flags::parse(["\\Seen", "\\Deleted", "Work"]).unwrap();
        assert_eq!(
            w(|o| flag_list(o, &flags, true)),
            "(\\Seen \\Deleted Work \\Recent)"
        );
        assert_eq!(w(|o| flag_list(o, &Flags::new(), false)), "()");
    }

    #[test]
    fn escape_is_readable() {
        assert_eq!(escape(b"A1 OK\r\n\x00"), "A1 OK\\r\\n\\x00");
    }
}
