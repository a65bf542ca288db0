//! ESEARCH (RFC 4731) and SEARCHRES (RFC 5182) syntax.
//!
//! RFC 4731 §3: `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
//! search-return-opt)] ")"` with `search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT"`,
//! and RFC 5182 adds `"SAVE"` and the `$` sequence set.

use crate::session::extparse::{split_word, Extras, Preparsed};

/// ESEARCH return options; an empty `RETURN ()` means ALL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SearchReturn {
    pub min: bool,
    pub max: bool,
    pub all: bool,
    pub count: bool,
    /// SEARCHRES (RFC 5182): remember the result for `$`.
    pub save: bool,
}

/// `[UID] SEARCH RETURN (…) keys`: the return options lifted out (RFC 4731 §3, RFC
/// 5182 §2). `head_len` is the length of `tag [UID] SEARCH `, `rest` what follows it.
pub(crate) fn preparse_search(
    message: &[u8],
    tag: &[u8],
    head_len: usize,
    rest: &[u8],
) -> Preparsed {
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
            b"SAVE" => options.save = true,
            _ => {
                return invalid(&format!(
                    "Unknown search return option {}",
                    String::from_utf8_lossy(option)
                ))
            }
        }
    }
    // RFC 4731 §3.1: "RETURN ()" is "RETURN (ALL)"; RFC 5182 §2.4: SAVE alone returns
    // no ESEARCH at all.
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

/// Replaces each `$` sequence set (RFC 5182 §2.2: "seq-last-command = "$"") on the
/// first line of a command with the saved search result: `uids` where the set means UIDs
/// (UID commands and the `UID` search key), `numbers` elsewhere. An empty saved result
/// becomes a UID set that matches nothing, turning a sequence-number command into its UID
/// form, since no sequence-number set is empty. `None` when there is no `$`.
pub(crate) fn substitute_saved(message: &[u8], uids: &str, numbers: &str) -> Option<Vec<u8>> {
    let line_end = memchr::memchr(b'\n', message).map_or(message.len(), |i| i + 1);
    let line = &message[..line_end];
    if !line.contains(&b'$') {
        return None;
    }
    let (tag, rest) = split_word(line)?;
    let uid_command = rest.len() > 4 && rest[..4].eq_ignore_ascii_case(b"UID ");
    // Only commands that take a sequence set: a mailbox may well be named "$".
    let command = if uid_command { &rest[4..] } else { rest };
    let takes_set = [
        &b"FETCH "[..],
        b"STORE ",
        b"COPY ",
        b"MOVE ",
        b"SEARCH ",
        b"EXPUNGE ",
    ]
    .iter()
    .any(|w| command.len() > w.len() && command[..w.len()].eq_ignore_ascii_case(w));
    if !takes_set {
        return None;
    }
    let empty = uids.is_empty();
    let mut out = Vec::with_capacity(message.len() + uids.len());
    out.extend_from_slice(tag);
    out.push(b' ');
    if empty && !uid_command {
        out.extend_from_slice(b"UID ");
    }
    let body = &line[tag.len() + 1..];
    let mut quoted = false;
    let mut found = false;
    let mut previous_word: &[u8] = b"";
    let mut word_start = 0;
    for (i, &b) in body.iter().enumerate() {
        if quoted {
            out.push(b);
            if b == b'"' && body[i - 1] != b'\\' {
                quoted = false;
            }
            continue;
        }
        let before = if i == 0 { b' ' } else { body[i - 1] };
        let after = body.get(i + 1).copied().unwrap_or(b'\r');
        if b == b'$'
            && matches!(before, b' ' | b'(')
            && matches!(after, b' ' | b')' | b'\r' | b'\n')
        {
            found = true;
            let uid_context = uid_command || previous_word.eq_ignore_ascii_case(b"UID");
            if empty {
                // As a search key without UID, add it: "$" alone is a sequence-set key.
                if !uid_context && !previous_word.eq_ignore_ascii_case(b"UID") && is_search(body) {
                    out.extend_from_slice(b"UID ");
                }
                out.extend_from_slice(b"4294967295");
            } else if uid_context {
                out.extend_from_slice(uids.as_bytes());
            } else {
                out.extend_from_slice(numbers.as_bytes());
            }
            continue;
        }
        if b == b'"' {
            quoted = true;
        }
        if b == b' ' || b == b'(' {
            previous_word = &body[word_start..i];
            word_start = i + 1;
        }
        out.push(b);
    }
    if !found {
        return None;
    }
    out.extend_from_slice(&message[line_end..]);
    Some(out)
}

fn is_search(body: &[u8]) -> bool {
    let word = |w: &[u8]| body.len() > w.len() && body[..w.len()].eq_ignore_ascii_case(w);
    word(b"SEARCH ") || word(b"UID SEARCH ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::extparse::preparse;

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

    #[test]
    fn saved_result_substitution() {
        let s = |m: &[u8], u: &str, n: &str| {
            substitute_saved(m, u, n).map(|b| String::from_utf8(b).unwrap())
        };
        assert_eq!(
            s(b"A1 UID FETCH $ FLAGS\r\n", "4:5", "2:3").unwrap(),
            "A1 UID FETCH 4:5 FLAGS\r\n"
        );
        assert_eq!(
            s(b"A1 FETCH $ (FLAGS)\r\n", "4:5", "2:3").unwrap(),
            "A1 FETCH 2:3 (FLAGS)\r\n"
        );
        assert_eq!(
            s(b"A1 SEARCH UID $ SEEN\r\n", "4:5", "2:3").unwrap(),
            "A1 SEARCH UID 4:5 SEEN\r\n"
        );
        assert_eq!(
            s(b"A1 SEARCH OR $ 1\r\n", "4:5", "2:3").unwrap(),
            "A1 SEARCH OR 2:3 1\r\n"
        );
        assert_eq!(
            s(b"A1 COPY $ Trash\r\n", "", "").unwrap(),
            "A1 UID COPY 4294967295 Trash\r\n"
        );
        assert_eq!(s(b"A1 SEARCH SUBJECT \"$ 5\"\r\n", "4", "1"), None);
        assert_eq!(s(b"A1 SEARCH SUBJECT $x\r\n", "4", "1"), None);
        assert_eq!(s(b"A1 SELECT $\r\n", "4", "1"), None);
    }
}
