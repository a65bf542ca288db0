//! FETCH ENVELOPE: the RFC 5322 header of a message, as IMAP's fixed-shape list.
//!
//! RFC 9051 §7.5.2: "The fields of the envelope structure are in the following order:
//! date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to, and message-id. The
//! date, subject, in-reply-to, and message-id fields are strings. The from, sender,
//! reply-to, to, cc, and bcc fields are parenthesized lists of address structures."
//!
//! Hazards:
//! - Values are sent still encoded: clients decode RFC 2047 words themselves, and a
//!   server that decodes them loses the charset. Folding is removed (a quoted string may
//!   not hold CR or LF); 8-bit values go out as literals (see `wire::string`).
//! - "If the Sender or Reply-To lines are absent in the [RFC-5322] header, or are present
//!   but empty, the server sets the corresponding member of the envelope to be the same
//!   value as the from member (the client is not expected to know how to do this)."
//! - Groups: "[RFC-5322] group syntax is indicated by a special form of address structure
//!   in which the host name field is NIL. If the mailbox name field is also NIL, this is
//!   an end of group marker … If the mailbox name field is non-NIL, this is a start of
//!   group marker, and the mailbox name field holds the group name phrase." So a real
//!   address must never have a NIL host, even when the header lacks a domain.
//! - When a header field occurs more than once, the first occurrence is used.

use std::borrow::Cow;
use std::ops::Range;

use crate::mime::header::{self, unfold, Lexer};
use crate::mime::write_nstring;

/// Host name reported for an address without `@domain`. NIL would turn the address into
/// a group marker; Dovecot reports this same placeholder (UW c-client uses
/// `.MISSING-HOST-NAME.`).
const MISSING_DOMAIN: &[u8] = b"MISSING_DOMAIN";
/// Mailbox reported for an address with a display name but an empty `<>`.
const MISSING_MAILBOX: &[u8] = b"MISSING_MAILBOX";

/// Writes the ENVELOPE of the message whose header is `raw[header]`.
pub(crate) fn write(raw: &[u8], header: Range<usize>, out: &mut Vec<u8>) {
    const NAMES: [&str; 10] = [
        "date",
        "subject",
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "in-reply-to",
        "message-id",
    ];
    let mut values: [Option<&[u8]>; 10] = [None; 10];
    for field in header::fields(raw, header) {
        let name = &raw[field.name];
        if let Some(i) = NAMES
            .iter()
            .position(|n| n.as_bytes().eq_ignore_ascii_case(name))
        {
            if values[i].is_none() {
                values[i] = Some(&raw[field.value]);
            }
        }
    }
    let text = |out: &mut Vec<u8>, value: Option<&[u8]>| {
        write_nstring(out, value.map(unfold).as_deref());
    };
    out.push(b'(');
    text(out, values[0]);
    out.push(b' ');
    text(out, values[1]);
    let from = address_list(values[2]);
    for (i, value) in values[2..8].iter().enumerate() {
        out.push(b' ');
        let list = if i == 0 {
            from.clone()
        } else {
            address_list(*value)
        };
        // Sender (1) and Reply-To (2) fall back to From when absent or empty.
        let list = if (i == 1 || i == 2) && list.is_empty() {
            from.clone()
        } else {
            list
        };
        write_address_list(out, &list);
    }
    out.push(b' ');
    text(out, values[8]);
    out.push(b' ');
    text(out, values[9]);
    out.push(b')');
}

/// One address structure: `(name adl mailbox host)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// The display name phrase, still encoded (quotes removed).
    pub(crate) name: Option<Vec<u8>>,
    /// The obsolete source route, e.g. `@a,@b`.
    pub(crate) adl: Option<Vec<u8>>,
    /// Local part; for group markers, the group name (start) or None (end).
    pub(crate) mailbox: Option<Vec<u8>>,
    /// Domain; None only for group markers.
    pub(crate) host: Option<Vec<u8>>,
}

fn write_address_list(out: &mut Vec<u8>, list: &[Address]) {
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for address in list {
        out.push(b'(');
        write_nstring(out, address.name.as_deref());
        out.push(b' ');
        write_nstring(out, address.adl.as_deref());
        out.push(b' ');
        write_nstring(out, address.mailbox.as_deref());
        out.push(b' ');
        write_nstring(out, address.host.as_deref());
        out.push(b')');
    }
    out.push(b')');
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    /// An atom (dots included, so `John Q. Public` and `a.b` stay whole).
    Atom(&'a [u8]),
    /// A quoted string: its unescaped content (borrowed when nothing was escaped).
    Quoted(Cow<'a, [u8]>),
    /// A comment's text.
    Comment(&'a [u8]),
    /// A domain literal `[…]`, as written.
    Literal(&'a [u8]),
    /// One of `< > @ , : ;`.
    Special(u8),
}

fn tokenize(value: &[u8]) -> Vec<Token<'_>> {
    let mut lexer = Lexer { s: value, pos: 0 };
    let mut tokens = Vec::new();
    while let Some(b) = lexer.peek() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => lexer.pos += 1,
            b'(' => tokens.push(Token::Comment(lexer.skip_comment())),
            b'"' => tokens.push(Token::Quoted(quoted(&mut lexer))),
            b'[' => {
                let start = lexer.pos;
                match memchr::memchr(b']', &value[start..]) {
                    Some(i) => lexer.pos = start + i + 1,
                    None => lexer.pos = value.len(),
                }
                tokens.push(Token::Literal(&value[start..lexer.pos]));
            }
            b'<' | b'>' | b'@' | b',' | b':' | b';' => {
                lexer.pos += 1;
                tokens.push(Token::Special(b));
            }
            b']' | b')' | b'\\' => lexer.pos += 1, // stray: skip
            _ => {
                let start = lexer.pos;
                while let Some(b) = lexer.peek() {
                    if b <= b' ' || b"()<>@,:;\"[]\\".contains(&b) {
                        break;
                    }
                    lexer.pos += 1;
                }
                tokens.push(Token::Atom(&value[start..lexer.pos]));
            }
        }
    }
    tokens
}

/// A quoted string at the lexer's `"`, borrowed when it holds no escape or line end.
fn quoted<'a>(lexer: &mut Lexer<'a>) -> Cow<'a, [u8]> {
    let start = lexer.pos + 1;
    let special = lexer.s[start..]
        .iter()
        .position(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'));
    match special {
        Some(len) if lexer.s[start + len] == b'"' => {
            lexer.pos = start + len + 1;
            Cow::Borrowed(&lexer.s[start..start + len])
        }
        _ => Cow::Owned(lexer.quoted()),
    }
}

/// Parses an address-list header value (RFC 5322 §3.4) into address structures with
/// group markers; damaged input yields what can be recognised.
pub(crate) fn address_list(value: Option<&[u8]>) -> Vec<Address> {
    let Some(value) = value else {
        return Vec::new();
    };
    let tokens = tokenize(value);
    let mut out = Vec::new();
    // Tokens since the last separator are `tokens[pending..i]`.
    let mut pending = 0;
    let mut in_group = false;
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Special(b':') if !in_group && !tokens[pending..i].iter().any(is_at) => {
                out.push(Address {
                    name: None,
                    adl: None,
                    mailbox: Some(phrase(&tokens[pending..i]).unwrap_or_default()),
                    host: None,
                });
                pending = i + 1;
                in_group = true;
            }
            Token::Special(b'<') => {
                let close = tokens[i..]
                    .iter()
                    .position(|t| *t == Token::Special(b'>'))
                    .map_or(tokens.len(), |p| i + p);
                let name = phrase(&tokens[pending..i]);
                out.extend(angle_address(name, &tokens[i + 1..close]));
                i = close; // the `>`; what follows up to `,` or `;` is ignored
                while i + 1 < tokens.len()
                    && !matches!(tokens[i + 1], Token::Special(b',') | Token::Special(b';'))
                {
                    i += 1;
                }
                pending = i + 1;
            }
            Token::Special(b',') => {
                out.extend(bare_address(&tokens[pending..i]));
                pending = i + 1;
            }
            Token::Special(b';') => {
                out.extend(bare_address(&tokens[pending..i]));
                pending = i + 1;
                if in_group {
                    out.push(group_end());
                    in_group = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.extend(bare_address(&tokens[pending.min(tokens.len())..]));
    if in_group {
        out.push(group_end());
    }
    out
}

fn is_at(token: &Token<'_>) -> bool {
    *token == Token::Special(b'@')
}

fn group_end() -> Address {
    Address {
        name: None,
        adl: None,
        mailbox: None,
        host: None,
    }
}

/// The display-name phrase: words (atoms and quoted strings) joined by one space.
fn phrase(tokens: &[Token<'_>]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    for token in tokens {
        let word: &[u8] = match token {
            Token::Atom(w) | Token::Literal(w) => w,
            Token::Quoted(w) => w,
            Token::Special(b) => {
                out.push(*b);
                continue;
            }
            Token::Comment(_) => continue,
        };
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
    (!out.is_empty()).then_some(out)
}

/// An address given as `addr-spec` alone, optionally with a comment: the old
/// `user@host (Real Name)` form, whose comment serves as the name, as clients expect.
fn bare_address(tokens: &[Token<'_>]) -> Option<Address> {
    if tokens.iter().all(|t| matches!(t, Token::Comment(_))) {
        return None;
    }
    let name = tokens.iter().find_map(|t| match t {
        Token::Comment(c) if !c.is_empty() => Some(unfold(c)),
        _ => None,
    });
    let (mailbox, host) = addr_spec(tokens);
    Some(Address {
        name,
        adl: None,
        mailbox: Some(mailbox.unwrap_or_else(|| MISSING_MAILBOX.to_vec())),
        host: Some(host.unwrap_or_else(|| MISSING_DOMAIN.to_vec())),
    })
}

/// `[route] addr-spec` inside angle brackets (comments anywhere are ignored).
fn angle_address(name: Option<Vec<u8>>, inner: &[Token<'_>]) -> Option<Address> {
    let starts_with_at = inner
        .iter()
        .find(|t| !matches!(t, Token::Comment(_)))
        .is_some_and(is_at);
    // obs-route: "@a,@b:" before the addr-spec.
    let (adl, spec) = match inner.iter().position(|t| *t == Token::Special(b':')) {
        Some(colon) if starts_with_at => {
            let mut route = Vec::new();
            for token in &inner[..colon] {
                match token {
                    Token::Special(b) => route.push(*b),
                    Token::Atom(w) | Token::Literal(w) => route.extend_from_slice(w),
                    _ => {}
                }
            }
            (Some(route), &inner[colon + 1..])
        }
        _ => (None, inner),
    };
    let (mailbox, host) = addr_spec(spec);
    if mailbox.is_none() && host.is_none() && name.is_none() {
        return None; // `<>`: no address at all
    }
    Some(Address {
        name,
        adl,
        mailbox: Some(mailbox.unwrap_or_else(|| MISSING_MAILBOX.to_vec())),
        host: Some(host.unwrap_or_else(|| MISSING_DOMAIN.to_vec())),
    })
}

/// `local-part "@" domain` (comments ignored): a quoted local part keeps its quotes, so
/// that `mailbox@host` is again a valid address.
fn addr_spec(tokens: &[Token<'_>]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let at = tokens.iter().rposition(is_at);
    let (local, domain) = match at {
        Some(at) => (&tokens[..at], Some(&tokens[at + 1..])),
        None => (tokens, None),
    };
    let join = |tokens: &[Token<'_>], quote: bool, space: bool| {
        let mut out = Vec::new();
        for token in tokens {
            if matches!(token, Token::Comment(_)) {
                continue;
            }
            if space && !out.is_empty() {
                out.push(b' ');
            }
            match token {
                Token::Atom(w) | Token::Literal(w) => out.extend_from_slice(w),
                Token::Quoted(w) if quote => {
                    out.push(b'"');
                    for &b in w.iter() {
                        if b == b'"' || b == b'\\' {
                            out.push(b'\\');
                        }
                        out.push(b);
                    }
                    out.push(b'"');
                }
                Token::Quoted(w) => out.extend_from_slice(w),
                Token::Special(b) => out.push(*b),
                Token::Comment(_) => {}
            }
        }
        (!out.is_empty()).then_some(out)
    };
    // Without `@`, words of a broken address are kept apart by spaces.
    let mailbox = join(local, true, domain.is_none());
    let host = domain.and_then(|d| join(d, false, false));
    (mailbox, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: &str) -> String {
        let mut out = Vec::new();
        write_address_list(&mut out, &address_list(Some(value.as_bytes())));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn addresses() {
        assert_eq!(
            show("\"Doe, John\" <john@example.com>, jane@example.org (Jane)"),
            r#"(("Doe, John" NIL "john" "example.com")("Jane" NIL "jane" "example.org"))"#
        );
        assert_eq!(
            show("=?utf-8?q?J=C3=B6rg?= <j@x.de>"),
            r#"(("=?utf-8?q?J=C3=B6rg?=" NIL "j" "x.de"))"#
        );
        assert_eq!(
            show("John Q. Public <@a.example,@b.example:jqp@c.example>"),
            r#"(("John Q. Public" "@a.example,@b.example" "jqp" "c.example"))"#
        );
        assert_eq!(
            show("\"odd local\"@example.com"),
            r#"((NIL NIL "\"odd local\"" "example.com"))"#
        );
    }

    #[test]
    fn groups_and_damage() {
        assert_eq!(
            show("undisclosed-recipients:;"),
            r#"((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))"#
        );
        assert_eq!(
            show("Team: a@x, B <b@y>; c@z"),
            r#"((NIL NIL "Team" NIL)(NIL NIL "a" "x")("B" NIL "b" "y")(NIL NIL NIL NIL)(NIL NIL "c" "z"))"#
        );
        assert_eq!(show("root"), r#"((NIL NIL "root" "MISSING_DOMAIN"))"#);
        assert_eq!(show(""), "NIL");
        assert_eq!(show(" , ,"), "NIL");
        assert_eq!(show("<a@b"), r#"((NIL NIL "a" "b"))"#);
        assert_eq!(
            show("Open: a@b"),
            r#"((NIL NIL "Open" NIL)(NIL NIL "a" "b")(NIL NIL NIL NIL))"#
        );
    }
}
