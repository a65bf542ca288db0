//! Message flags: the five system flags as bits, keywords as a sorted list of names.
//!
//! `\Recent` is not stored here: it belongs to a session, not to a message (RFC 3501
//! §2.3.2), and IMAP4rev2 dropped it. Keywords are compared case-insensitively, as flag
//! names are atoms and RFC 9051 §2.3.2 treats them so; the first spelling seen is kept.

use std::fmt;
use std::sync::Arc;

/// One of the system flags a message can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SystemFlag {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
}

impl SystemFlag {
    /// All system flags in the order they are written.
    pub const ALL: [SystemFlag; 5] = [
        SystemFlag::Seen,
        SystemFlag::Answered,
        SystemFlag::Flagged,
        SystemFlag::Deleted,
        SystemFlag::Draft,
    ];

    const fn bit(self) -> u8 {
        match self {
            SystemFlag::Seen => 1,
            SystemFlag::Answered => 2,
            SystemFlag::Flagged => 4,
            SystemFlag::Deleted => 8,
            SystemFlag::Draft => 16,
        }
    }

    /// The wire name, e.g. `\Seen`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SystemFlag::Seen => "\\Seen",
            SystemFlag::Answered => "\\Answered",
            SystemFlag::Flagged => "\\Flagged",
            SystemFlag::Deleted => "\\Deleted",
            SystemFlag::Draft => "\\Draft",
        }
    }

    /// Parses a wire name such as `\seen` (case-insensitive).
    pub fn parse(name: &str) -> Option<Self> {
        SystemFlag::ALL
            .into_iter()
            .find(|flag| flag.as_str().eq_ignore_ascii_case(name))
    }
}

/// A keyword (a user-defined flag such as `$Forwarded` or `Work`).
///
/// Shared names: the same keyword on many messages costs one allocation.
#[derive(Clone, Eq)]
pub struct Keyword(Arc<str>);

impl Keyword {
    /// A keyword with this name. The caller has checked that it is an atom.
    pub fn new(name: &str) -> Self {
        Keyword(Arc::from(name))
    }

    /// The keyword's name as first spelled.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Keyword {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl PartialOrd for Keyword {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Keyword {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let a = self.0.bytes().map(|b| b.to_ascii_lowercase());
        let b = other.0.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(b)
    }
}

impl fmt::Debug for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The flags of one message: system flags and keywords.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Flags {
    system: u8,
    /// Sorted, without duplicates. A boxed slice so that a message without keywords
    /// (almost all of them) pays 16 bytes and no allocation.
    keywords: Box<[Keyword]>,
}

impl Flags {
    /// No flags at all.
    pub fn new() -> Self {
        Flags::default()
    }

    /// Whether the system flag is set.
    pub fn contains(&self, flag: SystemFlag) -> bool {
        self.system & flag.bit() != 0
    }

    /// Whether the keyword is set (case-insensitive).
    pub fn has_keyword(&self, name: &str) -> bool {
        self.keywords
            .iter()
            .any(|k| k.as_str().eq_ignore_ascii_case(name))
    }

    /// Sets a system flag.
    pub fn insert(&mut self, flag: SystemFlag) {
        self.system |= flag.bit();
    }

    /// Clears a system flag.
    pub fn remove(&mut self, flag: SystemFlag) {
        self.system &= !flag.bit();
    }

    /// The set system flags, in canonical order.
    pub fn system_flags(&self) -> impl Iterator<Item = SystemFlag> + '_ {
        SystemFlag::ALL.into_iter().filter(|f| self.contains(*f))
    }

    /// The keywords, sorted case-insensitively.
    pub fn keywords(&self) -> &[Keyword] {
        &self.keywords
    }

    /// Adds every flag of `other` to `self`.
    pub fn add_all(&mut self, other: &Flags) {
        self.system |= other.system;
        if !other.keywords.is_empty() {
            let mut merged: Vec<Keyword> = self.keywords.to_vec();
            merged.extend(other.keywords.iter().cloned());
            self.set_keywords(merged);
        }
    }

    /// Removes every flag of `other` from `self`.
    pub fn remove_all(&mut self, other: &Flags) {
        self.system &= !other.system;
        if !other.keywords.is_empty() && !self.keywords.is_empty() {
            let kept: Vec<Keyword> = self
                .keywords
                .iter()
                .filter(|k| !other.keywords.contains(k))
                .cloned()
                .collect();
            self.keywords = kept.into_boxed_slice();
        }
    }

    /// Adds a keyword.
    pub fn insert_keyword(&mut self, keyword: Keyword) {
        if !self.keywords.contains(&keyword) {
            let mut all: Vec<Keyword> = self.keywords.to_vec();
            all.push(keyword);
            self.set_keywords(all);
        }
    }

    /// Stores `keywords` sorted, keeping the first spelling of names that differ only in
    /// case (as a stable sort and `dedup` would). Inserting in place keeps a second sort
    /// instantiation out of the wasm module; keyword lists are short.
    fn set_keywords(&mut self, keywords: Vec<Keyword>) {
        let mut sorted: Vec<Keyword> = Vec::with_capacity(keywords.len());
        for keyword in keywords {
            if let Err(at) = sorted.binary_search(&keyword) {
                sorted.insert(at, keyword);
            }
        }
        self.keywords = sorted.into_boxed_slice();
    }

    /// Parses flag names as written on the wire or in fixtures (`\Seen`, `$Junk`, …).
    ///
    /// Returns the offending name if one is a system-looking name we do not know
    /// (such as `\Recent` or `\Foo`), which cannot be stored.
    pub fn parse<'a, I>(names: I) -> Result<Flags, String>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut flags = Flags::new();
        let mut keywords = Vec::new();
        for name in names {
            if let Some(flag) = SystemFlag::parse(name) {
                flags.insert(flag);
            } else if name.starts_with('\\') || name.is_empty() || !is_atom(name) {
                return Err(name.to_owned());
            } else {
                keywords.push(Keyword::new(name));
            }
        }
        flags.set_keywords(keywords);
        Ok(flags)
    }

    /// Whether no flag is set.
    pub fn is_empty(&self) -> bool {
        self.system == 0 && self.keywords.is_empty()
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for flag in self.system_flags() {
            list.entry(&format_args!("{}", flag.as_str()));
        }
        for keyword in self.keywords.iter() {
            list.entry(keyword);
        }
        list.finish()
    }
}

/// Whether `name` is an IMAP `atom` (RFC 9051 §9: no specials, no controls, no 8-bit).
pub(crate) fn is_atom(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            (0x21..0x7f).contains(&b)
                && !matches!(
                    b,
                    b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_flags_and_keywords() {
        let mut flags = Flags::parse(["\\seen", "Work", "$Junk", "work"]).unwrap();
        assert!(flags.contains(SystemFlag::Seen));
        assert!(!flags.contains(SystemFlag::Deleted));
        assert_eq!(flags.keywords().len(), 2);
        assert!(flags.has_keyword("WORK"));
        flags.remove_all(&Flags::parse(["WORK", "\\Seen"]).unwrap());
        assert!(!flags.has_keyword("Work"));
        assert!(!flags.contains(SystemFlag::Seen));
        assert!(flags.has_keyword("$junk"));
    }

    #[test]
    fn unknown_system_flag_is_refused() {
        assert_eq!(Flags::parse(["\\Recent"]).unwrap_err(), "\\Recent");
        assert_eq!(Flags::parse(["a b"]).unwrap_err(), "a b");
    }

    #[test]
    fn add_all_merges_without_duplicates() {
        let mut a = Flags::parse(["x", "\\Draft"]).unwrap();
        a.add_all(&Flags::parse(["X", "y", "\\Flagged"]).unwrap());
        assert_eq!(format!("{a:?}"), "[\\Flagged, \\Draft, x, y]");
    }

    #[test]
    fn keywords_sort_case_insensitively_and_keep_the_first_spelling() {
        let flags = Flags::parse(["Work", "b", "WORK", "A", "work", "$x"]).unwrap();
        let names: Vec<&str> = flags.keywords().iter().map(Keyword::as_str).collect();
        assert_eq!(names, ["$x", "A", "b", "Work"]);
    }
}
