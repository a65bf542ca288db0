//! Mailbox names: validation, the case-insensitive INBOX, hierarchy, and LIST wildcards.
//!
//! Hazards: `INBOX` is case-insensitive but no other name is (RFC 9051 §5.1), so
//! `inbox/Work` and `INBOX/Work` must be the same mailbox while `Work` and `work` are not;
//! `*` matches across the hierarchy delimiter and `%` does not (RFC 9051 §6.3.9).

/// The hierarchy delimiter.
pub const DELIMITER: char = '/';

/// Why a mailbox name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameError {
    Empty,
    EmptyLevel,
    Wildcard,
    Control,
}

impl NameError {
    pub(crate) fn text(&self) -> &'static str {
        match self {
            NameError::Empty => "Mailbox name is empty",
            NameError::EmptyLevel => "Mailbox name has an empty hierarchy level",
            NameError::Wildcard => "Mailbox name must not contain * or %",
            NameError::Control => "Mailbox name must not contain control characters",
        }
    }
}

/// The canonical form of a name: `INBOX` (any case) as the first level becomes `INBOX`.
pub fn canonical(name: &str) -> String {
    let (first, rest) = match name.split_once(DELIMITER) {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    if first.eq_ignore_ascii_case("INBOX") {
        match rest {
            Some(rest) => format!("INBOX{DELIMITER}{rest}"),
            None => "INBOX".to_owned(),
        }
    } else {
        name.to_owned()
    }
}

/// Checks a name a client wants to create; a trailing delimiter is a declaration of intent
/// to create children (RFC 9051 §6.3.4) and is removed.
pub(crate) fn validate_new(name: &str) -> Result<String, NameError> {
    let name = name.strip_suffix(DELIMITER).unwrap_or(name);
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.contains(['*', '%']) {
        return Err(NameError::Wildcard);
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(NameError::Control);
    }
    if name.split(DELIMITER).any(str::is_empty) {
        return Err(NameError::EmptyLevel);
    }
    Ok(canonical(name))
}

/// The names of every superior level: `a/b/c` gives `a` and `a/b`.
pub(crate) fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices(DELIMITER).map(move |(i, _)| &name[..i])
}

/// The parent's name, if the name has one.
pub fn parent(name: &str) -> Option<&str> {
    name.rfind(DELIMITER).map(|i| &name[..i])
}

/// Whether `name` lies below `ancestor`.
pub fn is_descendant(name: &str, ancestor: &str) -> bool {
    name.len() > ancestor.len()
        && name.starts_with(ancestor)
        && name[ancestor.len()..].starts_with(DELIMITER)
}

/// Matches a LIST pattern (with `*` and `%`) against a name.
///
/// Iterative with backtracking points, so a hostile pattern like `*a*a*a*a*b` costs
/// O(pattern × name) rather than exponential time.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.as_bytes();
    let name = name.as_bytes();
    let inbox_prefix = |p: &[u8], n: &[u8]| -> bool {
        // INBOX is case-insensitive in patterns too.
        p.len() >= 5
            && n.len() >= 5
            && p[..5].eq_ignore_ascii_case(b"INBOX")
            && n[..5] == *b"INBOX"
            && (n.len() == 5 || n[5] == DELIMITER as u8)
            && (p.len() == 5 || !p[5].is_ascii_alphanumeric())
    };
    if inbox_prefix(pattern, name) {
        return match_from(&pattern[5..], &name[5..]);
    }
    match_from(pattern, name)
}

fn match_from(pattern: &[u8], name: &[u8]) -> bool {
    // Dynamic programming over (pattern position) with a set of reachable name positions.
    let mut reachable = vec![false; name.len() + 1];
    reachable[0] = true;
    for &p in pattern {
        let mut next = vec![false; name.len() + 1];
        match p {
            b'*' => {
                let mut on = false;
                for i in 0..=name.len() {
                    on |= reachable[i];
                    next[i] = on;
                }
            }
            b'%' => {
                let mut on = false;
                for i in 0..=name.len() {
                    on |= reachable[i];
                    next[i] = on;
                    if i < name.len() && name[i] == DELIMITER as u8 {
                        on = false;
                    }
                }
            }
            c => {
                for i in 0..name.len() {
                    if reachable[i] && name[i] == c {
                        next[i + 1] = true;
                    }
                }
            }
        }
        reachable = next;
        if !reachable.iter().any(|r| *r) {
            return false;
        }
    }
    reachable[name.len()]
}

/// Joins a LIST reference and pattern (RFC 9051 §6.3.9: the reference is a prefix; we
/// insert no delimiter, as the RFC's examples show).
pub(crate) fn join_reference(reference: &str, pattern: &str) -> String {
    if pattern.starts_with(DELIMITER) && reference.ends_with(DELIMITER) {
        format!("{reference}{}", &pattern[1..])
    } else {
        format!("{reference}{pattern}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_is_case_insensitive() {
        assert_eq!(canonical("inbox"), "INBOX");
        assert_eq!(canonical("Inbox/Work"), "INBOX/Work");
        assert_eq!(canonical("Inboxes"), "Inboxes");
        assert_eq!(canonical("Work/inbox"), "Work/inbox");
    }

    #[test]
    fn validation() {
        assert_eq!(validate_new("a/b/").unwrap(), "a/b");
        assert_eq!(validate_new("").unwrap_err(), NameError::Empty);
        assert_eq!(validate_new("a//b").unwrap_err(), NameError::EmptyLevel);
        assert_eq!(validate_new("a*").unwrap_err(), NameError::Wildcard);
        assert_eq!(validate_new("/a").unwrap_err(), NameError::EmptyLevel);
    }

    #[test]
    fn hierarchy() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), vec!["a", "a/b"]);
        assert_eq!(parent("a/b/c"), Some("a/b"));
        assert!(is_descendant("a/b", "a"));
        assert!(!is_descendant("ab", "a"));
        assert!(!is_descendant("a", "a"));
    }

    #[test]
    fn wildcards() {
        assert!(matches("*", "a/b/c"));
        assert!(matches("%", "a"));
        assert!(!matches("%", "a/b"));
        assert!(matches("a/%", "a/b"));
        assert!(!matches("a/%", "a/b/c"));
        assert!(matches("a/*", "a/b/c"));
        assert!(matches("*c", "a/b/c"));
        assert!(matches("inbox", "INBOX"));
        assert!(matches("InBox/%", "INBOX/x"));
        assert!(!matches("Inboxes", "INBOX"));
        assert!(matches("%/%", "a/b"));
        assert!(!matches("", "a"));
        assert!(matches("*a*a*a*a*a*b", &("a".repeat(200) + "b")));
        assert!(!matches("*a*a*a*a*a*b", &"a".repeat(200)));
    }
}
