//! Syntax imap-codec does not parse, handled in front of it.
//!
//! `SEARCH RETURN (…)` (ESEARCH, RFC 4731 §3, and IMAP4rev2) puts return options between
//! the command name and the search keys. We lift them out and hand the rest to the codec,
//! so the search keys keep the codec's complete and tested grammar. The options can only
//! appear on the first line, before any literal, so the rewrite never touches literal data.
//!
//! RFC 4731 §3: `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
//! search-return-opt)] ")"` with `search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT"`.

use imap_codec::imap_types::core::Tag;
use imap_codec::imap_types::status::StatusDataItemName;

use crate::session::framing::LiteralSpan;

/// What the pre-parser found.
pub(crate) enum Preparsed {
    /// Nothing of ours: decode the message as it is.
    Plain,
    /// Decode these bytes instead and apply `extras`.
    Rewritten { bytes: Vec<u8>, extras: Extras },
    /// Our syntax, but wrong: answer `BAD`.
    Invalid { tag: String, text: String },
}

/// Parts of a command that the codec does not represent.
#[derive(Debug, Clone, Default)]
pub(crate) enum Extras {
    #[default]
    None,
    /// ESEARCH return options.
    SearchReturn(SearchReturn),
    /// LIST-EXTENDED selection and return options and patterns (RFC 5258, RFC 5819).
    ListExtended(ListExtended),
    /// APPEND's message literal, left out of what the codec parsed (it saw an empty
    /// literal): these bytes of the original message are the message.
    AppendData(std::ops::Range<usize>),
}

/// Literals at least this large in APPEND are kept away from the codec, which would
/// otherwise check every byte one at a time; we check them with `memchr` instead.
const BIG_LITERAL: usize = 1024;

/// For `tag APPEND … {n}` with a big final literal: the message with that literal
/// replaced by an empty one, and where the real bytes are. `None` when not applicable.
/// A literal holding NUL (without BINARY's `~`) is left to the codec, which refuses it.
pub(crate) fn lift_append_literal(
    message: &[u8],
    literals: &[LiteralSpan],
) -> Option<(Vec<u8>, std::ops::Range<usize>)> {
    let last = *literals.last()?;
    if last.len < BIG_LITERAL || !is_command(message, b"APPEND") {
        return None;
    }
    let data = last.data..last.data + last.len;
    let literal8 = last.announce > 0 && message[last.announce - 1] == b'~';
    if !literal8 && memchr::memchr(0, &message[data.clone()]).is_some() {
        return None;
    }
    let mut bytes = Vec::with_capacity(last.announce + 8 + (message.len() - data.end));
    bytes.extend_from_slice(&message[..last.announce]);
    bytes.extend_from_slice(b"{0}\r\n");
    bytes.extend_from_slice(&message[data.end..]);
    Some((bytes, data))
}

/// Whether the message's command word (after the tag) is `word`.
fn is_command(message: &[u8], word: &[u8]) -> bool {
    let Some((_, rest)) = split_word(message) else {
        return false;
    };
    rest.len() > word.len()
        && rest[..word.len()].eq_ignore_ascii_case(word)
        && rest[word.len()] == b' '
}

/// An extended LIST command (RFC 5258 §3, RFC 9051 §6.3.9), as parsed from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ListExtended {
    /// The reference name as sent.
    pub reference: String,
    /// The patterns as sent (one or more).
    pub patterns: Vec<String>,
    /// `SUBSCRIBED` selection option.
    pub select_subscribed: bool,
    /// `SPECIAL-USE` selection option (RFC 6154 §5.1).
    pub select_special_use: bool,
    /// `RECURSIVEMATCH` selection option.
    pub recursive_match: bool,
    /// `SUBSCRIBED` return option.
    pub return_subscribed: bool,
    /// `CHILDREN` return option.
    pub return_children: bool,
    /// `SPECIAL-USE` return option.
    pub return_special_use: bool,
    /// `STATUS (…)` return option (RFC 5819).
    pub return_status: Option<Vec<StatusDataItemName>>,
}

/// ESEARCH return options; an empty `RETURN ()` means ALL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SearchReturn {
    pub min: bool,
    pub max: bool,
    pub all: bool,
    pub count: bool,
}

pub(crate) fn preparse(message: &[u8], has_literals: bool) -> Preparsed {
    let Some((tag, rest)) = split_word(message) else {
        return Preparsed::Plain;
    };
    if Tag::validate(tag).is_err() {
        // Not a command we could answer by tag: the codec rejects it as a whole.
        return Preparsed::Plain;
    }
    let Some((word, mut rest)) = split_word(rest) else {
        return Preparsed::Plain;
    };
    if word.eq_ignore_ascii_case(b"LIST") {
        return preparse_list(tag, rest, has_literals);
    }
    let mut head_len = tag.len() + 1 + word.len() + 1;
    if word.eq_ignore_ascii_case(b"UID") {
        let Some((word, after)) = split_word(rest) else {
            return Preparsed::Plain;
        };
        if !word.eq_ignore_ascii_case(b"SEARCH") {
            return Preparsed::Plain;
        }
        head_len += word.len() + 1;
        rest = after;
    } else if !word.eq_ignore_ascii_case(b"SEARCH") {
        return Preparsed::Plain;
    }
    if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case(b"RETURN ") {
        return Preparsed::Plain;
    }
    let tag_text = String::from_utf8_lossy(tag).into_owned();
    let invalid = |text: &str| Preparsed::Invalid {
        tag: tag_text.clone(),
        text: text.to_owned(),
    };
    let after_return = &rest[7..];
    if after_return.first() != Some(&b'(') {
        return invalid("RETURN must be followed by a parenthesised list");
    }
    let Some(close) = after_return.iter().position(|&b| b == b')') else {
        return invalid("RETURN list is not closed");
    };
    let mut options = SearchReturn::default();
    let list = &after_return[1..close];
    for option in list.split(|&b| b == b' ').filter(|o| !o.is_empty()) {
        match option.to_ascii_uppercase().as_slice() {
            b"MIN" => options.min = true,
            b"MAX" => options.max = true,
            b"ALL" => options.all = true,
            b"COUNT" => options.count = true,
            b"SAVE" => return invalid("SEARCHRES (RETURN SAVE) is not supported"),
            _ => {
                return invalid(&format!(
                    "Unknown search return option {}",
                    String::from_utf8_lossy(option)
                ))
            }
        }
    }
    if options == SearchReturn::default() {
        options.all = true;
    }
    let mut remainder = &after_return[close + 1..];
    match remainder.first() {
        Some(b' ') => remainder = &remainder[1..],
        _ => return invalid("Search criteria expected after RETURN options"),
    }
    let mut bytes = message[..head_len].to_vec();
    bytes.extend_from_slice(remainder);
    Preparsed::Rewritten {
        bytes,
        extras: Extras::SearchReturn(options),
    }
}

/// `LIST` with LIST-EXTENDED syntax: selection options, several patterns, or RETURN.
/// A classic `LIST ref pattern` is left to the codec.
fn preparse_list(tag: &[u8], rest: &[u8], has_literals: bool) -> Preparsed {
    let line = rest
        .strip_suffix(b"\r\n")
        .or(rest.strip_suffix(b"\n"))
        .unwrap_or(rest);
    let extended = line.first() == Some(&b'(')
        || line.windows(7).any(|w| w.eq_ignore_ascii_case(b" RETURN"))
        || line.contains(&b'(');
    if !extended {
        return Preparsed::Plain;
    }
    let tag_text = String::from_utf8_lossy(tag).into_owned();
    let invalid = |text: &str| Preparsed::Invalid {
        tag: tag_text.clone(),
        text: text.to_owned(),
    };
    if has_literals {
        return invalid("Extended LIST arguments must not be literals");
    }
    let Ok(tokens) = tokenize(line) else {
        return invalid("Invalid LIST arguments");
    };
    let mut tokens = tokens.into_iter().peekable();
    let mut list = ListExtended::default();
    if let Some(Token::List(options)) = tokens.peek().cloned() {
        tokens.next();
        for option in options {
            let Token::Atom(option) = option else {
                return invalid("Invalid LIST selection option");
            };
            match option.to_ascii_uppercase().as_str() {
                "SUBSCRIBED" => list.select_subscribed = true,
                "SPECIAL-USE" => list.select_special_use = true,
                "RECURSIVEMATCH" => list.recursive_match = true,
                "REMOTE" => {}
                other => return invalid(&format!("Unknown LIST selection option {other}")),
            }
        }
        // RFC 5258 §3.1: "RECURSIVEMATCH … MUST NOT occur as the only selection option".
        if list.recursive_match && !list.select_subscribed && !list.select_special_use {
            return invalid("RECURSIVEMATCH needs another selection option");
        }
    }
    let Some(reference) = tokens.next().and_then(Token::into_string) else {
        return invalid("LIST needs a reference name");
    };
    list.reference = reference;
    match tokens.next() {
        Some(Token::List(patterns)) => {
            for pattern in patterns {
                match pattern.into_string() {
                    Some(pattern) => list.patterns.push(pattern),
                    None => return invalid("Invalid LIST pattern"),
                }
            }
            if list.patterns.is_empty() {
                return invalid("LIST needs at least one pattern");
            }
        }
        Some(token) => match token.into_string() {
            Some(pattern) => list.patterns.push(pattern),
            None => return invalid("Invalid LIST pattern"),
        },
        None => return invalid("LIST needs a pattern"),
    }
    match tokens.next() {
        None => {}
        Some(Token::Atom(word)) if word.eq_ignore_ascii_case("RETURN") => {
            let Some(Token::List(options)) = tokens.next() else {
                return invalid("RETURN must be followed by a parenthesised list");
            };
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                let Token::Atom(option) = option else {
                    return invalid("Invalid LIST return option");
                };
                match option.to_ascii_uppercase().as_str() {
                    "SUBSCRIBED" => list.return_subscribed = true,
                    "CHILDREN" => list.return_children = true,
                    "SPECIAL-USE" => list.return_special_use = true,
                    "STATUS" => {
                        let Some(Token::List(items)) = options.next() else {
                            return invalid("STATUS return option needs a list of items");
                        };
                        let mut names = Vec::new();
                        for item in items {
                            let Some(name) = item.into_string().and_then(|i| status_item(&i))
                            else {
                                return invalid("Unknown STATUS item in LIST");
                            };
                            names.push(name);
                        }
                        list.return_status = Some(names);
                    }
                    other => return invalid(&format!("Unknown LIST return option {other}")),
                }
            }
        }
        Some(_) => return invalid("Unexpected LIST arguments"),
    }
    if tokens.next().is_some() {
        return invalid("Unexpected LIST arguments");
    }
    let mut bytes = tag.to_vec();
    bytes.extend_from_slice(b" LIST \"\" \"\"\r\n");
    Preparsed::Rewritten {
        bytes,
        extras: Extras::ListExtended(list),
    }
}

fn status_item(name: &str) -> Option<StatusDataItemName> {
    Some(match name.to_ascii_uppercase().as_str() {
        "MESSAGES" => StatusDataItemName::Messages,
        "RECENT" => StatusDataItemName::Recent,
        "UIDNEXT" => StatusDataItemName::UidNext,
        "UIDVALIDITY" => StatusDataItemName::UidValidity,
        "UNSEEN" => StatusDataItemName::Unseen,
        "DELETED" => StatusDataItemName::Deleted,
        "SIZE" => StatusDataItemName::Size,
        _ => return None,
    })
}

/// A token of the small grammar LIST-EXTENDED needs: atoms, quoted strings and lists.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Atom(String),
    Quoted(String),
    List(Vec<Token>),
}

impl Token {
    fn into_string(self) -> Option<String> {
        match self {
            Token::Atom(s) | Token::Quoted(s) => Some(s),
            Token::List(_) => None,
        }
    }
}

fn tokenize(line: &[u8]) -> Result<Vec<Token>, ()> {
    let text = std::str::from_utf8(line).map_err(|_| ())?;
    let mut stack: Vec<Vec<Token>> = vec![Vec::new()];
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' => {}
            '(' => stack.push(Vec::new()),
            ')' => {
                let list = stack.pop().ok_or(())?;
                stack.last_mut().ok_or(())?.push(Token::List(list));
            }
            '"' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => value.push(chars.next().ok_or(())?.1),
                        Some((_, '"')) => break,
                        Some((_, c)) => value.push(c),
                        None => return Err(()),
                    }
                }
                stack.last_mut().ok_or(())?.push(Token::Quoted(value));
            }
            _ => {
                let mut end = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c == ' ' || c == '(' || c == ')' || c == '"' {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                stack
                    .last_mut()
                    .ok_or(())?
                    .push(Token::Atom(text[i..end].to_owned()));
            }
        }
    }
    if stack.len() != 1 {
        return Err(());
    }
    Ok(stack.pop().unwrap_or_default())
}

fn split_word(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = input.iter().position(|&b| b == b' ')?;
    Some((&input[..space], &input[space + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(input: &[u8]) -> (String, SearchReturn) {
        match preparse(input, false) {
            Preparsed::Rewritten {
                bytes,
                extras: Extras::SearchReturn(options),
            } => (String::from_utf8(bytes).unwrap(), options),
            _ => panic!("not rewritten"),
        }
    }

    #[test]
    fn rfc4731_examples() {
        let (bytes, options) = rewritten(
            b"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
        );
        assert_eq!(
            bytes,
            "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"
        );
        assert!(options.min && options.count && !options.all);
        let (bytes, options) = rewritten(b"A283 uid search return () 1:*\r\n");
        assert_eq!(bytes, "A283 uid search 1:*\r\n");
        assert!(options.all);
    }

    fn list(input: &[u8]) -> ListExtended {
        match preparse(input, false) {
            Preparsed::Rewritten {
                extras: Extras::ListExtended(list),
                ..
            } => list,
            _ => panic!("not LIST-EXTENDED"),
        }
    }

    #[test]
    fn rfc5258_examples() {
        let l = list(b"A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n");
        assert!(l.select_subscribed);
        assert_eq!(l.patterns, vec!["*"]);
        let l = list(b"A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)\r\n");
        assert!(l.recursive_match && l.return_children);
        let l = list(b"A05 LIST \"\" (\"INBOX\" \"Drafts\" Sent/%)\r\n");
        assert_eq!(l.patterns, vec!["INBOX", "Drafts", "Sent/%"]);
        let l = list(b"A06 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN) SPECIAL-USE)\r\n");
        assert_eq!(
            l.return_status,
            Some(vec![
                StatusDataItemName::Messages,
                StatusDataItemName::Unseen
            ])
        );
        assert!(l.return_special_use);
        assert!(matches!(
            preparse(b"A1 LIST \"\" *\r\n", false),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 LIST (RECURSIVEMATCH) \"\" *\r\n", false),
            Preparsed::Invalid { .. }
        ));
        assert!(matches!(
            preparse(b"A1 LIST (BOGUS) \"\" *\r\n", false),
            Preparsed::Invalid { .. }
        ));
        assert!(matches!(
            preparse(b"A1 LIST \"\" * RETURN (FOO)\r\n", false),
            Preparsed::Invalid { .. }
        ));
    }

    #[test]
    fn others_pass_through() {
        assert!(matches!(
            preparse(b"A1 SEARCH ALL\r\n", false),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 FETCH 1 FLAGS\r\n", false),
            Preparsed::Plain
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (FOO) ALL\r\n", false),
            Preparsed::Invalid { .. }
        ));
        assert!(matches!(
            preparse(b"A1 SEARCH RETURN (ALL\r\n", false),
            Preparsed::Invalid { .. }
        ));
    }
}
