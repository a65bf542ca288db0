//! LIST-EXTENDED (RFC 5258) and LIST-STATUS (RFC 5819) arguments.
//!
//! `LIST [(selection options)] reference (pattern | (patterns)) [RETURN (options)]`:
//! parsed here with a small tokenizer of atoms, quoted strings and lists, then passed on
//! as extras with a plain `LIST "" ""` for the codec.

use imap_codec::imap_types::status::StatusDataItemName;

use crate::session::extparse::{Extras, Preparsed};

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

/// `LIST` with LIST-EXTENDED syntax: selection options, several patterns, or RETURN.
/// A classic `LIST ref pattern` is left to the codec.
pub(crate) fn preparse_list(tag: &[u8], rest: &[u8], has_literals: bool) -> Preparsed {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::extparse::preparse;

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
}
