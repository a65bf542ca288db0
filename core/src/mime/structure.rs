//! The MIME part tree of a message, as byte ranges into the stored bytes.
//!
//! Hazards, and what is done about them:
//! - Part boundaries must be exact, because `BODY[1.2]` returns bytes and BODYSTRUCTURE
//!   reports sizes: RFC 2046 §5.1.1 says "The CRLF preceding the boundary delimiter
//!   line is conceptually attached to the boundary", so a part ends before that line
//!   end, and its content starts after the delimiter line's own line end.
//! - Damaged mail must still get a structure that every client can parse. A multipart
//!   without a `boundary` parameter, or whose body holds no delimiter line, is treated
//!   as `text/plain` (RFC 2045 §5.2: the default "be assumed when a syntactically
//!   invalid Content-Type header field is encountered"). A missing close delimiter ends
//!   the last part at the end of the enclosing body.
//! - A message/rfc822 part is read as a message whatever its Content-Transfer-Encoding
//!   claims (RFC 2046 §5.2.1: "No encoding other than "7bit", "8bit", or "binary" is
//!   permitted"); a wrongly encoded one has no recognisable header, so its envelope is
//!   all NIL, which every client copes with.
//! - A body part whose first line is not a header field has no header: it is all body.
//! - Nesting is bounded. imap-codec, which must parse everything we emit, accepts at most
//!   [`MAX_DEPTH`] composite levels (multipart or message/rfc822) above a leaf, so a
//!   composite part deeper than that is described as an opaque
//!   `application/octet-stream` leaf; its bytes are still reachable as `BODY[n.n…]`.
//!   The bound also makes the parse linear-time in practice (each level rescans its
//!   range once) and keeps recursion shallow. The number of parts is bounded too.

use std::ops::Range;

use crate::mime::header::{self, structured, unfold, Structured};

/// The most composite (multipart or message/rfc822) levels above any leaf. imap-codec
/// 2.0.0-alpha.10 parses a BODYSTRUCTURE with at most 7 levels of parentheses.
pub(crate) const MAX_DEPTH: usize = 6;

/// The most parts one message is split into; parts beyond it are left out of the tree
/// (their bytes stay in the enclosing body), so a hostile message cannot make a
/// BODYSTRUCTURE of unbounded size.
const MAX_PARTS: usize = 5_000;

/// One MIME entity: its header, its body, what its header says, and its children.
#[derive(Debug)]
pub(crate) struct Part {
    /// The MIME header (for the top level: the message header), its empty line included.
    pub(crate) header: Range<usize>,
    /// The body: after the header's empty line up to the end of the part.
    pub(crate) body: Range<usize>,
    /// What the Content-* fields say, with defaults applied.
    pub(crate) content: Content,
    /// Children, for a multipart or an encapsulated message.
    pub(crate) kind: Kind,
    /// Body lines, reported for text/* and message/rfc822 parts.
    pub(crate) lines: u32,
}

/// What a part contains.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A leaf (or a composite part past the nesting bound).
    Leaf,
    /// `multipart/*`: its parts, in order.
    Multipart(Vec<Part>),
    /// `message/rfc822`: the encapsulated message, as its top-level part.
    Message(Box<Part>),
}

/// The Content-* fields of one part, as BODYSTRUCTURE reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    /// Media type, as written (BODYSTRUCTURE upper-cases it).
    pub(crate) media_type: Vec<u8>,
    /// Media subtype, as written.
    pub(crate) subtype: Vec<u8>,
    /// Content-Type parameters.
    pub(crate) params: Vec<(Vec<u8>, Vec<u8>)>,
    /// Content-ID, unfolded.
    pub(crate) id: Option<Vec<u8>>,
    /// Content-Description, unfolded, still encoded.
    pub(crate) description: Option<Vec<u8>>,
    /// Content-Transfer-Encoding token, as written (None: the 7BIT default).
    pub(crate) encoding: Option<Vec<u8>>,
    /// Content-MD5, unfolded.
    pub(crate) md5: Option<Vec<u8>>,
    /// Content-Disposition value and parameters.
    pub(crate) disposition: Option<Structured>,
    /// Content-Language tags.
    pub(crate) language: Vec<Vec<u8>>,
    /// Content-Location, with folding whitespace removed (RFC 2557 §4.4.2).
    pub(crate) location: Option<Vec<u8>>,
}

impl Content {
    fn is(&self, media_type: &str, subtype: &str) -> bool {
        self.media_type.eq_ignore_ascii_case(media_type.as_bytes())
            && self.subtype.eq_ignore_ascii_case(subtype.as_bytes())
    }

    /// Whether the media type is `media_type/*`.
    pub(crate) fn is_type(&self, media_type: &str) -> bool {
        self.media_type.eq_ignore_ascii_case(media_type.as_bytes())
    }

    /// Whether this is `message/rfc822`.
    pub(crate) fn is_message(&self) -> bool {
        self.is("message", "rfc822")
    }

    /// The Content-Type parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&[u8]> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }

    /// Replaces the type by the opaque `application/octet-stream` (nesting bound hit).
    fn make_opaque(&mut self) {
        self.media_type = b"APPLICATION".to_vec();
        self.subtype = b"OCTET-STREAM".to_vec();
        self.params.clear();
    }

    /// Replaces the type by the RFC 2045 default `text/plain; charset=us-ascii`.
    fn make_default_text(&mut self) {
        self.media_type = b"TEXT".to_vec();
        self.subtype = b"PLAIN".to_vec();
        self.params = vec![(b"CHARSET".to_vec(), b"US-ASCII".to_vec())];
    }
}

/// Which default Content-Type applies (RFC 2046 §5.1.5: inside multipart/digest it is
/// message/rfc822).
#[derive(Clone, Copy)]
enum DefaultType {
    Text,
    Message,
}

/// Parses the message `raw` into its part tree.
pub(crate) fn parse(raw: &[u8]) -> Part {
    let mut budget = MAX_PARTS;
    parse_part(raw, 0..raw.len(), 0, DefaultType::Text, &mut budget, false)
}

fn parse_part(
    raw: &[u8],
    range: Range<usize>,
    depth: usize,
    default: DefaultType,
    budget: &mut usize,
    in_multipart: bool,
) -> Part {
    let header_end = header::header_end(raw, range.start, range.end, in_multipart);
    let header = range.start..header_end;
    let body = header_end..range.end;
    let mut content = read_content(raw, header.clone(), default);
    let composite = content.is_type("multipart") || content.is_message();
    let kind = if composite && (depth >= MAX_DEPTH || *budget == 0) {
        content.make_opaque();
        Kind::Leaf
    } else if content.is_type("multipart") {
        let ranges = match content.param("boundary") {
            Some(boundary) if !boundary.is_empty() => split(raw, body.clone(), boundary),
            _ => Vec::new(),
        };
        if ranges.is_empty() {
            content.make_default_text();
            Kind::Leaf
        } else {
            let child_default = if content.subtype.eq_ignore_ascii_case(b"digest") {
                DefaultType::Message
            } else {
                DefaultType::Text
            };
            let mut children = Vec::with_capacity(ranges.len());
            for child in ranges {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                children.push(parse_part(
                    raw,
                    child,
                    depth + 1,
                    child_default,
                    budget,
                    true,
                ));
            }
            Kind::Multipart(children)
        }
    } else if content.is_message() {
        *budget = budget.saturating_sub(1);
        Kind::Message(Box::new(parse_part(
            raw,
            body.clone(),
            depth + 1,
            DefaultType::Text,
            budget,
            false,
        )))
    } else {
        Kind::Leaf
    };
    let lines = if content.is_type("text") || matches!(kind, Kind::Message(_)) {
        count_lines(&raw[body.clone()])
    } else {
        0
    };
    Part {
        header,
        body,
        content,
        kind,
        lines,
    }
}

/// Lines in a body: its line ends, plus one for a last line without one.
///
/// RFC 3501 only says "the size of the body in text lines". A part inside a multipart
/// ends without a line end (that CRLF belongs to the boundary), yet its last line is a
/// line, so it is counted; an empty body has zero lines.
pub(crate) fn count_lines(body: &[u8]) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', body).count();
    let partial = usize::from(!body.is_empty() && !body.ends_with(b"\n"));
    u32::try_from(newlines + partial).unwrap_or(u32::MAX)
}

/// Reads the Content-* fields of one header (first occurrence of each wins).
fn read_content(raw: &[u8], header: Range<usize>, default: DefaultType) -> Content {
    let mut content = Content {
        media_type: Vec::new(),
        subtype: Vec::new(),
        params: Vec::new(),
        id: None,
        description: None,
        encoding: None,
        md5: None,
        disposition: None,
        language: Vec::new(),
        location: None,
    };
    let mut have_type = false;
    for field in header::fields(raw, header) {
        let name = &raw[field.name.clone()];
        if name.len() < 8 || !name[..8].eq_ignore_ascii_case(b"content-") {
            continue;
        }
        let value = &raw[field.value.clone()];
        let suffix = &name[8..];
        let known = [
            "type",
            "id",
            "description",
            "transfer-encoding",
            "md5",
            "disposition",
            "language",
            "location",
        ]
        .into_iter()
        .find(|known| suffix.eq_ignore_ascii_case(known.as_bytes()));
        match known.unwrap_or_default() {
            "type" if !have_type => {
                have_type = true;
                let parsed = structured(value);
                if let Some((t, s)) = split_type(&parsed.value) {
                    content.media_type = t.to_vec();
                    content.subtype = s.to_vec();
                    content.params = parsed.params;
                }
            }
            "id" if content.id.is_none() => content.id = Some(unfold(value)),
            "description" if content.description.is_none() => {
                content.description = Some(unfold(value))
            }
            "transfer-encoding" if content.encoding.is_none() => {
                let token = unfold(value);
                let token: Vec<u8> = token
                    .split(|&b| b == b'(' || b == b' ' || b == b'\t')
                    .next()
                    .unwrap_or_default()
                    .to_vec();
                if !token.is_empty() {
                    content.encoding = Some(token);
                }
            }
            "md5" if content.md5.is_none() => content.md5 = Some(unfold(value)),
            "disposition" if content.disposition.is_none() => {
                let parsed = structured(value);
                if !parsed.value.is_empty() {
                    content.disposition = Some(parsed);
                }
            }
            "language" if content.language.is_empty() => {
                content.language = unfold(value)
                    .split(|&b| b == b',')
                    .map(|tag| {
                        tag.iter()
                            .copied()
                            .filter(|b| !b.is_ascii_whitespace())
                            .collect::<Vec<u8>>()
                    })
                    .filter(|tag| !tag.is_empty())
                    .collect();
            }
            "location" if content.location.is_none() => {
                content.location = Some(
                    unfold(value)
                        .into_iter()
                        .filter(|b| !matches!(b, b' ' | b'\t'))
                        .collect(),
                );
            }
            _ => {}
        }
    }
    if content.media_type.is_empty() {
        match default {
            DefaultType::Text => content.make_default_text(),
            DefaultType::Message => {
                content.media_type = b"MESSAGE".to_vec();
                content.subtype = b"RFC822".to_vec();
            }
        }
    }
    content
}

/// Splits `type/subtype`; None when either is missing or holds a non-token byte.
fn split_type(value: &[u8]) -> Option<(&[u8], &[u8])> {
    let slash = memchr::memchr(b'/', value)?;
    let (t, s) = (&value[..slash], &value[slash + 1..]);
    let token = |x: &[u8]| {
        !x.is_empty()
            && x.iter()
                .all(|&b| b > b' ' && b < 0x7f && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    (token(t) && token(s)).then_some((t, s))
}

/// The ranges of the parts of a multipart body delimited by `--boundary` lines.
///
/// RFC 2046 §5.1.1: "The boundary delimiter MUST occur at the beginning of a line" and
/// may be followed by linear whitespace ("transport padding") before the line end; the
/// close delimiter adds `--`. A line that starts with the delimiter but goes on with
/// other text is not a delimiter: that keeps `--b` from matching `--b2` of a nested part.
fn split(raw: &[u8], body: Range<usize>, boundary: &[u8]) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut open: Option<usize> = None; // content start of the current part
    let mut line_start = body.start;
    let text = &raw[..body.end];
    while line_start < body.end {
        let line_end = match memchr::memchr(b'\n', &text[line_start..]) {
            Some(nl) => line_start + nl + 1,
            None => body.end,
        };
        if let Some(close) = delimiter(&text[line_start..line_end], boundary) {
            if let Some(start) = open.take() {
                parts.push(start..content_end(raw, start, line_start));
            }
            if close {
                return parts;
            }
            open = Some(line_end);
        }
        line_start = line_end;
    }
    if let Some(start) = open {
        parts.push(start..body.end); // no close delimiter: the part runs to the end
    }
    parts
}

/// Whether `line` is a delimiter line for `boundary`: Some(true) for the close delimiter.
fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    let (close, rest) = match rest.strip_prefix(b"--") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    rest.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .then_some(close)
}

/// Where a part that starts at `start` ends, given that the next delimiter line starts at
/// `delimiter`: before the line end that precedes the delimiter, which belongs to it.
fn content_end(raw: &[u8], start: usize, delimiter: usize) -> usize {
    let mut end = delimiter;
    if end > start && raw[end - 1] == b'\n' {
        end -= 1;
        if end > start && raw[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(part: &Part, raw: &[u8]) -> String {
        let name = format!(
            "{}/{}",
            String::from_utf8_lossy(&part.content.media_type).to_lowercase(),
            String::from_utf8_lossy(&part.content.subtype).to_lowercase()
        );
        match &part.kind {
            Kind::Leaf => format!(
                "{name}={:?}",
                String::from_utf8_lossy(&raw[part.body.clone()])
            ),
            Kind::Multipart(children) => format!(
                "{name}[{}]",
                children
                    .iter()
                    .map(|c| shape(c, raw))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Kind::Message(inner) => format!("{name}<{}>", shape(inner, raw)),
        }
    }

    #[test]
    fn multipart_ranges() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\none\r\n--b \r\nContent-Type: text/html\r\n\r\n<p>\r\n\r\n--b--\r\nepilogue";
        let part = parse(raw);
        assert_eq!(
            shape(&part, raw),
            "multipart/mixed[text/plain=\"one\",text/html=\"<p>\\r\\n\"]"
        );
    }

    #[test]
    fn nested_boundary_prefix_and_missing_close() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\n\nx\n--b2\n\ny\n--b\n\nz";
        let part = parse(raw);
        assert_eq!(
            shape(&part, raw),
            "multipart/mixed[multipart/alternative[text/plain=\"x\",text/plain=\"y\"],text/plain=\"z\"]"
        );
    }

    #[test]
    fn broken_multipart_is_text() {
        let raw = b"Content-Type: multipart/mixed\r\n\r\nhello";
        assert_eq!(shape(&parse(raw), raw), "text/plain=\"hello\"");
        let raw = b"Content-Type: multipart/mixed; boundary=zz\r\n\r\nhello";
        assert_eq!(shape(&parse(raw), raw), "text/plain=\"hello\"");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut raw = Vec::new();
        for _ in 0..100 {
            raw.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        raw.extend_from_slice(b"\r\nend");
        let part = parse(&raw);
        let mut depth = 0;
        let mut cur = &part;
        while let Kind::Message(inner) = &cur.kind {
            depth += 1;
            cur = inner;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert_eq!(cur.content.media_type, b"APPLICATION");
    }

    #[test]
    fn line_counts() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\r\n"), 1);
        assert_eq!(count_lines(b"a\r\nb"), 2);
    }
}
