//! Splitting a header block into fields, and reading the structured MIME fields.
//!
//! The hazard is that real headers are not what RFC 5322 promises: lines end in bare LF,
//! fields fold over many lines, lines without a colon appear, bytes are 8-bit, and the
//! block may never end in an empty line. Everything here works on byte offsets into the
//! stored message, never copies the header, and accepts all of that without complaint.
//! Each field keeps its exact raw bytes, because `BODY[HEADER.FIELDS (…)]` must return
//! them unchanged and `ENVELOPE` must return the still-encoded values.

use std::ops::Range;

/// One header field: offsets into the message bytes.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The whole field, from its name to the end of its last line (line end included).
    pub(crate) line: Range<usize>,
    /// The field name, without the colon and trailing blanks.
    pub(crate) name: Range<usize>,
    /// The raw value after the colon, up to the last line end (which is excluded).
    pub(crate) value: Range<usize>,
}

/// Where the header block that starts at `start` ends: just past the empty line that
/// closes it, or at `end` when no empty line follows (a header-only message).
///
/// A block that starts with an empty line is just that line: a part without header
/// fields, whose body begins on the next line.
///
/// With `part_of_multipart`, a block whose first line is not a header field (no `name:`
/// of RFC 5322 `ftext`) has no header at all: the part is all body, which is the best
/// reading of a body part that starts straight with text, as broken mailers write.
/// A message (top level or encapsulated) always starts with its header, so there such
/// a line (an mbox `From ` line, say) is just skipped as a non-field.
pub(crate) fn header_end(raw: &[u8], start: usize, end: usize, part_of_multipart: bool) -> usize {
    let block = &raw[start..end];
    if block.starts_with(b"\r\n") {
        return start + 2;
    }
    if block.starts_with(b"\n") {
        return start + 1;
    }
    if part_of_multipart && !starts_with_field(block) {
        return start;
    }
    let mut from = 0;
    while let Some(nl) = memchr::memchr(b'\n', &block[from..]) {
        let next = from + nl + 1;
        let rest = &block[next..];
        if rest.starts_with(b"\r\n") {
            return start + next + 2;
        }
        if rest.starts_with(b"\n") {
            return start + next + 1;
        }
        from = next;
    }
    end
}

/// The header block of a whole message (top level or not yet parsed): from the first
/// byte to just past the empty line that ends it.
pub(crate) fn message_header(raw: &[u8]) -> Range<usize> {
    0..header_end(raw, 0, raw.len(), false)
}

/// Whether `block` starts with `field-name *WSP ":"` (RFC 5322 §3.6.8, obsolete
/// blanks before the colon allowed).
fn starts_with_field(block: &[u8]) -> bool {
    let Some(colon) = block.iter().position(|&b| b == b':' || b == b'\n') else {
        return false;
    };
    if block[colon] != b':' {
        return false;
    }
    let name = &block[..colon];
    let blanks = name
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    let name = &name[..name.len() - blanks];
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))
}

/// The fields of the header block `raw[range]` (as found by [`header_end`]), in order.
/// Lines that are neither a field nor a continuation (no colon) are skipped.
pub(crate) fn fields(raw: &[u8], range: Range<usize>) -> Fields<'_> {
    Fields {
        raw,
        pos: range.start,
        end: range.end,
    }
}

/// Iterator returned by [`fields`].
pub(crate) struct Fields<'a> {
    raw: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for Fields<'_> {
    type Item = Field;

    fn next(&mut self) -> Option<Field> {
        loop {
            if self.pos >= self.end {
                return None;
            }
            let start = self.pos;
            let first_line_end = self.line_end(start);
            // The empty line that closes the block.
            if matches!(&self.raw[start..first_line_end], b"\r\n" | b"\n") {
                self.pos = self.end;
                return None;
            }
            let mut end = first_line_end;
            while end < self.end && matches!(self.raw[end], b' ' | b'\t') {
                end = self.line_end(end);
            }
            self.pos = end;
            let first = &self.raw[start..first_line_end];
            let Some(colon) = memchr::memchr(b':', first) else {
                continue; // not a field: skip it, as a careful server does
            };
            let mut name_end = start + colon;
            while name_end > start && matches!(self.raw[name_end - 1], b' ' | b'\t') {
                name_end -= 1;
            }
            if name_end == start {
                continue;
            }
            let mut value_end = end;
            if value_end > start && self.raw[value_end - 1] == b'\n' {
                value_end -= 1;
                if value_end > start + colon && self.raw[value_end - 1] == b'\r' {
                    value_end -= 1;
                }
            }
            return Some(Field {
                line: start..end,
                name: start..name_end,
                value: start + colon + 1..value_end.max(start + colon + 1),
            });
        }
    }
}

impl Fields<'_> {
    /// The offset just past the line that starts at `at` (its LF included).
    fn line_end(&self, at: usize) -> usize {
        match memchr::memchr(b'\n', &self.raw[at..self.end]) {
            Some(nl) => at + nl + 1,
            None => self.end,
        }
    }
}

/// A field value with folding removed (CR and LF dropped, the blanks that followed
/// them kept, as RFC 5322 §2.2.3 unfolding says) and outer blanks trimmed. NUL is
/// dropped too, since no IMAP string may carry it.
pub(crate) fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = value
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n' && b != 0)
        .collect();
    let trailing = out
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    out.truncate(out.len() - trailing);
    let leading = out.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    out.drain(..leading);
    out
}

/// A `Content-Type`-like value: `type/subtype` or a bare token, then parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Structured {
    /// The value before the first `;` (e.g. `multipart/mixed`, `attachment`), as written.
    pub(crate) value: Vec<u8>,
    /// The parameters in order, names and values as written (quotes removed).
    pub(crate) params: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Parses `value *( ";" attribute "=" value )` (RFC 2045 §5.1, RFC 2183 §2), skipping
/// comments and tolerating damage: a parameter that does not parse is dropped, the rest
/// are kept.
///
/// RFC 2231 parameters (`filename*0*=utf-8''…`) are kept as written: BODYSTRUCTURE passes
/// them through unchanged, which is what Dovecot does and what clients that understand
/// RFC 2231 expect, and nothing is lost by it.
pub(crate) fn structured(value: &[u8]) -> Structured {
    let mut lexer = Lexer { s: value, pos: 0 };
    lexer.skip_cfws();
    let start = lexer.pos;
    while lexer.pos < value.len() && value[lexer.pos] != b';' {
        if value[lexer.pos] == b'(' {
            break;
        }
        lexer.pos += 1;
    }
    let head: Vec<u8> = value[start..lexer.pos]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let mut params = Vec::new();
    loop {
        // Skip to the next `;` (also skips a comment after the value or junk).
        while lexer.pos < value.len() && value[lexer.pos] != b';' {
            if value[lexer.pos] == b'(' {
                let _comment = lexer.skip_comment();
            } else if value[lexer.pos] == b'"' {
                lexer.quoted();
            } else {
                lexer.pos += 1;
            }
        }
        if lexer.pos >= value.len() {
            break;
        }
        lexer.pos += 1; // ';'
        lexer.skip_cfws();
        let name = lexer.token();
        if name.is_empty() {
            continue;
        }
        lexer.skip_cfws();
        if lexer.peek() != Some(b'=') {
            continue;
        }
        lexer.pos += 1;
        lexer.skip_cfws();
        let value = if lexer.peek() == Some(b'"') {
            lexer.quoted()
        } else {
            lexer.token().to_vec()
        };
        params.push((name.to_vec(), value));
    }
    Structured {
        value: head,
        params,
    }
}

/// A small lexer for RFC 5322/2045 structured values.
pub(crate) struct Lexer<'a> {
    pub(crate) s: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Lexer<'a> {
    /// The byte at the current position.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Skips blanks, line ends and (nested) comments.
    pub(crate) fn skip_cfws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'(' => {
                    self.skip_comment();
                }
                _ => break,
            }
        }
    }

    /// Skips one comment starting at `(`, nested comments and quoted pairs included;
    /// returns its text (without the outer parentheses) as written.
    pub(crate) fn skip_comment(&mut self) -> &'a [u8] {
        let start = self.pos + 1;
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos = (self.pos + 1).min(self.s.len()),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return &self.s[start..self.pos - 1];
                    }
                }
                _ => {}
            }
        }
        &self.s[start.min(self.s.len())..]
    }

    /// A quoted string starting at `"`, unescaped; an unterminated one runs to the end.
    pub(crate) fn quoted(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.pos += 1;
                    }
                }
                b'\r' | b'\n' => {}
                _ => out.push(b),
            }
        }
        out
    }

    /// A run of token characters (RFC 2045 `token`, leniently: 8-bit bytes allowed).
    pub(crate) fn token(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b <= b' '
                || b == 0x7f
                || matches!(
                    b,
                    b'(' | b')'
                        | b'<'
                        | b'>'
                        | b'@'
                        | b','
                        | b';'
                        | b':'
                        | b'\\'
                        | b'"'
                        | b'/'
                        | b'['
                        | b']'
                        | b'?'
                        | b'='
                )
            {
                break;
            }
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_end_forms() {
        assert_eq!(header_end(b"A: b\r\n\r\nbody", 0, 12, true), 8);
        assert_eq!(header_end(b"A: b\n\nbody", 0, 10, true), 6);
        assert_eq!(header_end(b"\r\nbody", 0, 6, true), 2);
        assert_eq!(header_end(b"A: b\r\n", 0, 6, true), 6);
        assert_eq!(header_end(b"A: b", 0, 4, true), 4);
        assert_eq!(header_end(b"no header here\r\n\r\nx", 0, 19, true), 0);
        assert_eq!(header_end(b" folded: no\r\n\r\n", 0, 15, true), 0);
        assert_eq!(
            header_end(b"From a@b Mon 10:00\r\nX: y\r\n\r\nz", 0, 29, false),
            28
        );
    }

    #[test]
    fn fields_fold_and_skip_junk() {
        let raw = b"Subject: a\r\n b\r\njunk line\r\nTo : x\r\n\r\nbody";
        let end = header_end(raw, 0, raw.len(), false);
        let found: Vec<(String, String)> = fields(raw, 0..end)
            .map(|f| {
                (
                    String::from_utf8_lossy(&raw[f.name]).into_owned(),
                    String::from_utf8_lossy(&raw[f.value]).into_owned(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("Subject".to_owned(), " a\r\n b".to_owned()),
                ("To".to_owned(), " x".to_owned())
            ]
        );
        assert_eq!(unfold(b" a\r\n b "), b"a b");
    }

    #[test]
    fn structured_values() {
        let s = structured(b" text/plain (comment); charset=\"utf-8\" ; format=flowed;bad");
        assert_eq!(s.value, b"text/plain");
        assert_eq!(s.params[0], (b"charset".to_vec(), b"utf-8".to_vec()));
        assert_eq!(s.params[1], (b"format".to_vec(), b"flowed".to_vec()));
        assert_eq!(s.params.len(), 2);
        let s = structured(b"attachment; filename*0*=utf-8''a%20b; filename*1=\"c;d\"");
        assert_eq!(s.value, b"attachment");
        assert_eq!(
            s.params[0],
            (b"filename*0*".to_vec(), b"utf-8''a%20b".to_vec())
        );
        assert_eq!(s.params[1], (b"filename*1".to_vec(), b"c;d".to_vec()));
    }
}
