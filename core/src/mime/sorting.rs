//! SORT keys (RFC 5256 §3, and RFC 5957 for DISPLAYFROM/DISPLAYTO).
//!
//! Hazards: SUBJECT sorts by the *base* subject (RFC 5256 §2.1), with "Re:", "Fwd:",
//! "[list]" prefixes and "(fwd)" trailers removed, so a thread's replies sort with its
//! first message; FROM, TO and CC sort by the first address's local part; DATE is the
//! Date: field, falling back to the INTERNALDATE when it is missing or unparseable
//! ("If the sent date cannot be determined … the internal date is used"). Comparison is
//! the "i;ascii-casemap" collation: ASCII letters without case.

use crate::mime::envelope::{address_list, Address};
use crate::mime::header;
use crate::mime::matching::decode_header_value;
use crate::mime::structure::Part;

/// What SORT compares for one message, computed per SORT command.
#[derive(Debug, Clone, Default)]
pub(crate) struct SortKeys {
    /// The Date: field in seconds since the epoch.
    pub date: Option<i64>,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub subject: String,
    pub display_from: String,
    pub display_to: String,
    /// Whether the subject had a reply or forward prefix (for THREAD's subject merging).
    pub is_reply: bool,
    /// The Message-ID, In-Reply-To and References ids (for THREAD=REFERENCES).
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

/// The sort keys of the message `raw` with part tree `root`.
pub(crate) fn sort_keys(raw: &[u8], root: &Part) -> SortKeys {
    let mut keys = SortKeys::default();
    let (mut from, mut to, mut cc, mut subject, mut date) = (None, None, None, None, None);
    let (mut message_id, mut in_reply_to, mut references) = (None, None, None);
    for field in header::fields(raw, root.header.clone()) {
        let name = &raw[field.name.clone()];
        let slot = if name.eq_ignore_ascii_case(b"from") {
            &mut from
        } else if name.eq_ignore_ascii_case(b"to") {
            &mut to
        } else if name.eq_ignore_ascii_case(b"cc") {
            &mut cc
        } else if name.eq_ignore_ascii_case(b"subject") {
            &mut subject
        } else if name.eq_ignore_ascii_case(b"date") {
            &mut date
        } else if name.eq_ignore_ascii_case(b"message-id") {
            &mut message_id
        } else if name.eq_ignore_ascii_case(b"in-reply-to") {
            &mut in_reply_to
        } else if name.eq_ignore_ascii_case(b"references") {
            &mut references
        } else {
            continue;
        };
        if slot.is_none() {
            *slot = Some(field.value.clone());
        }
    }
    let first = |range: &Option<std::ops::Range<usize>>| -> Option<Address> {
        let value = range.as_ref().map(|r| header::unfold(&raw[r.clone()]));
        address_list(value.as_deref())
            .into_iter()
            .find(|a| a.mailbox.is_some() && a.host.is_some())
    };
    let mailbox = |address: &Option<Address>| -> String {
        address
            .as_ref()
            .and_then(|a| a.mailbox.as_deref())
            .map(|m| String::from_utf8_lossy(m).to_ascii_lowercase())
            .unwrap_or_default()
    };
    // RFC 5957 §3: the display name if there is one, else the address.
    let display = |address: &Option<Address>| -> String {
        let Some(address) = address else {
            return String::new();
        };
        match address.name.as_deref().filter(|n| !n.is_empty()) {
            Some(name) => decode_header_value(name).to_ascii_lowercase(),
            None => format!(
                "{}@{}",
                String::from_utf8_lossy(address.mailbox.as_deref().unwrap_or_default()),
                String::from_utf8_lossy(address.host.as_deref().unwrap_or_default())
            )
            .to_ascii_lowercase(),
        }
    };
    let from = first(&from);
    let to = first(&to);
    keys.from = mailbox(&from);
    keys.to = mailbox(&to);
    keys.cc = mailbox(&first(&cc));
    keys.display_from = display(&from);
    keys.display_to = display(&to);
    if let Some(range) = subject {
        let decoded = decode_header_value(&raw[range]);
        keys.subject = base_subject(&decoded);
        keys.is_reply = has_reply_prefix(&decoded);
    }
    let ids = |range: Option<std::ops::Range<usize>>| -> Vec<String> {
        range.map(|r| message_ids(&raw[r])).unwrap_or_default()
    };
    keys.message_id = ids(message_id).into_iter().next();
    keys.in_reply_to = ids(in_reply_to).into_iter().next();
    keys.references = ids(references);
    if let Some(range) = date {
        let value = header::unfold(&raw[range]);
        keys.date = mail_parser::DateTime::parse_rfc822(&String::from_utf8_lossy(&value))
            .map(|d| d.to_timestamp());
    }
    keys
}

/// The `<…>` message ids of a header value, in order.
fn message_ids(value: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(value);
    let mut ids = Vec::new();
    let mut rest = text.as_ref();
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id: String = rest[open..open + close + 1].split_whitespace().collect();
        if id.len() > 2 {
            ids.push(id);
        }
        rest = &rest[open + close + 1..];
    }
    ids
}

/// Whether a subject starts (after blobs) with "Re:", "Fw:" or "Fwd:", or ends with
/// "(fwd)": RFC 5256 §2.2 step 5 treats such messages as replies.
fn has_reply_prefix(subject: &str) -> bool {
    let trimmed = subject.trim();
    strip_refwd(trimmed).is_some() || trimmed.to_ascii_lowercase().ends_with("(fwd)")
}

/// RFC 5256 §2.1 base subject, lower-cased for "i;ascii-casemap" comparison.
pub(crate) fn base_subject(subject: &str) -> String {
    // (1) Collapse runs of whitespace to one space.
    let mut s: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        // (2) Remove trailing "(fwd)" and whitespace.
        loop {
            let trimmed = s.trim_end();
            let lower = trimmed.to_ascii_lowercase();
            if lower.ends_with("(fwd)") {
                s = trimmed[..trimmed.len() - 5].to_owned();
            } else {
                s = trimmed.to_owned();
                break;
            }
        }
        // (3)-(5) Remove leading subj-leader and subj-blob repeatedly.
        loop {
            let before = s.clone();
            s = s.trim_start().to_owned();
            if let Some(rest) = strip_refwd(&s) {
                s = rest;
            } else if let Some(rest) = strip_blob(&s) {
                // (4) A blob is removed only if something remains.
                if !rest.trim().is_empty() {
                    s = rest;
                }
            }
            if s == before {
                break;
            }
        }
        // (6) "[fwd: … ]" wrapping.
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("[fwd:") && s.ends_with(']') {
            s = s[5..s.len() - 1].to_owned();
            continue;
        }
        break;
    }
    s.trim().to_ascii_lowercase()
}

/// `*(subj-blob) subj-refwd`: `re`/`fw`/`fwd`, optional blob, then `:`.
fn strip_refwd(s: &str) -> Option<String> {
    let mut rest = s.to_owned();
    while let Some(after) = strip_blob(&rest) {
        rest = after;
    }
    let lower = rest.to_ascii_lowercase();
    let word = ["re", "fwd", "fw"]
        .into_iter()
        .find(|w| lower.starts_with(w))?;
    let mut after = rest[word.len()..].trim_start().to_owned();
    if let Some(stripped) = strip_blob(&after) {
        after = stripped;
    }
    after.strip_prefix(':').map(str::to_owned)
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP`.
fn strip_blob(s: &str) -> Option<String> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(']')?;
    if rest[..close].contains('[') {
        return None;
    }
    Some(rest[close + 1..].trim_start().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_subjects_per_rfc5256() {
        assert_eq!(base_subject("Re: Hello"), "hello");
        assert_eq!(base_subject("RE: re: Fwd: Hello"), "hello");
        assert_eq!(base_subject("[list] Re: Hello  world"), "hello world");
        assert_eq!(base_subject("Re[2]: Hello"), "hello");
        assert_eq!(base_subject("Hello (fwd)"), "hello");
        assert_eq!(base_subject("[Fwd: Re: Hello]"), "hello");
        assert_eq!(base_subject("[only a blob]"), "[only a blob]");
        assert_eq!(base_subject("Reply to all"), "reply to all");
        assert_eq!(base_subject(""), "");
    }
}
