//! SEARCH and UID SEARCH, with ESEARCH results for `RETURN (…)` and IMAP4rev2.
//!
//! Hazards: sequence-set keys are relative to the session's view, not the store; dates
//! compare calendar days, not instants (RFC 9051 §6.4.4), and we take them in UTC;
//! `NEW` is `RECENT UNSEEN`; an IMAP4rev2 session always gets ESEARCH, never `* SEARCH`
//! (RFC 9051 §7.3.4); an unknown CHARSET is `NO [BADCHARSET (…)]`, not BAD.

use std::cell::RefCell;
use std::fmt::Write as _;

use imap_codec::imap_types::core::Charset;
use imap_codec::imap_types::search::SearchKey;

use crate::config::Feature;
use crate::mime::Needle;
use crate::session::extparse::{Extras, SearchReturn};
use crate::session::sequence::{compact, resolve};
use crate::session::{Selection, Session, SessionContext, State, Tagged};
use crate::store::{Message, SystemFlag, Uid};
use crate::time::Timestamp;

impl Session {
    pub(crate) fn search(
        &mut self,
        ctx: &mut SessionContext<'_>,
        tag: &str,
        charset: Option<&Charset<'_>>,
        criteria: &[SearchKey<'_>],
        uid: bool,
        extras: &Extras,
    ) -> Option<Tagged> {
        if let Extras::SearchReturn(options) = extras {
            if options.save {
                if !ctx.config.is_enabled(Feature::SearchRes) {
                    return Tagged::bad("SEARCHRES (RETURN SAVE) is not supported by this server");
                }
                // RFC 5182 §2.1: a failed SEARCH leaves an empty saved result.
                if let State::Selected { selection, .. } = &mut self.state {
                    selection.saved_search.clear();
                }
            }
        }
        if let Err(reply) = self.check_charset(charset) {
            return reply;
        }
        let rev2 = self.rev2;
        let matched = match self.matching(ctx, criteria) {
            Ok(matched) => matched,
            Err(reply) => return reply,
        };
        let State::Selected { selection, .. } = &self.state else {
            return Tagged::bad("No mailbox selected");
        };
        let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
            return Tagged::no("Mailbox no longer exists");
        };
        let values: Vec<u32> = matched
            .iter()
            .map(|(msn, u)| if uid { u.get() } else { *msn })
            .collect();
        // RFC 7162 §3.1.5: a search with MODSEQ reports the highest mod-sequence found.
        let highest_modseq = if criteria.iter().any(uses_modseq) {
            self.condstore = true;
            matched
                .iter()
                .filter_map(|(_, u)| mailbox.message(*u).map(|m| m.modseq()))
                .max()
        } else {
            None
        };
        let save = match extras {
            Extras::SearchReturn(options) if options.save => Some(*options),
            _ => None,
        };
        if let Some(options) = save {
            // RFC 5182 §2.1: with MIN and/or MAX but not ALL or COUNT, only those are saved.
            let only_ends = (options.min || options.max) && !options.all && !options.count;
            let saved: Vec<Uid> = if only_ends && !matched.is_empty() {
                let mut ends = Vec::new();
                if options.min {
                    ends.push(matched[0].1);
                }
                if options.max && (matched.len() > 1 || !options.min) {
                    ends.push(matched[matched.len() - 1].1);
                }
                ends
            } else {
                matched.iter().map(|(_, u)| *u).collect()
            };
            if let State::Selected { selection, .. } = &mut self.state {
                selection.saved_search = saved;
            }
        }
        let esearch = match extras {
            Extras::SearchReturn(options) => Some(*options),
            _ if rev2 => Some(SearchReturn {
                all: true,
                ..SearchReturn::default()
            }),
            _ => None,
        };
        match esearch {
            None => {
                let mut line = String::from("SEARCH");
                for v in &values {
                    // Infallible for a String; no temporary String per number.
                    let _ = write!(line, " {v}");
                }
                if let Some(modseq) = highest_modseq {
                    let _ = write!(line, " (MODSEQ {modseq})");
                }
                ctx.untagged(&line);
            }
            // RFC 5182 §2.4: SAVE as the only option returns no ESEARCH response.
            Some(options)
                if options.save
                    && !(options.min || options.max || options.all || options.count) => {}
            Some(options) => {
                let mut line = format!("ESEARCH (TAG \"{tag}\")");
                if uid {
                    line.push_str(" UID");
                }
                if !values.is_empty() {
                    if options.min {
                        line.push_str(&format!(" MIN {}", values[0]));
                    }
                    if options.max {
                        line.push_str(&format!(" MAX {}", values[values.len() - 1]));
                    }
                    if options.all {
                        line.push_str(&format!(" ALL {}", compact(values.iter().copied())));
                    }
                }
                if options.count {
                    line.push_str(&format!(" COUNT {}", values.len()));
                }
                if let Some(modseq) = highest_modseq {
                    line.push_str(&format!(" MODSEQ {modseq}"));
                }
                ctx.untagged(&line);
            }
        }
        Tagged::ok(if uid {
            "UID SEARCH completed"
        } else {
            "SEARCH completed"
        })
    }
}

impl Session {
    /// The messages of the session's view that match every key, as (number, UID) in
    /// ascending order. Messages expunged elsewhere but not yet reported are skipped.
    pub(crate) fn matching(
        &self,
        ctx: &SessionContext<'_>,
        criteria: &[SearchKey<'_>],
    ) -> Result<Vec<(u32, Uid)>, Option<Tagged>> {
        if let Some(unsupported) = criteria.iter().find_map(|k| unsupported_key(k, ctx)) {
            return Err(Tagged::bad(format!(
                "Search key {unsupported} is not supported"
            )));
        }
        let State::Selected { selection, .. } = &self.state else {
            return Err(Tagged::bad("No mailbox selected"));
        };
        let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
            return Err(Tagged::no("Mailbox no longer exists"));
        };
        let search = Search {
            selection,
            now: ctx.now,
            resolved: RefCell::default(),
            needles: RefCell::default(),
        };
        let mut matched: Vec<(u32, Uid)> = Vec::new();
        for (i, &message_uid) in selection.uids().iter().enumerate() {
            let Some(message) = mailbox.message(message_uid) else {
                continue;
            };
            let msn = i as u32 + 1;
            match criteria.iter().try_fold(true, |acc, key| {
                Ok::<bool, String>(acc && search.matches(key, msn, message)?)
            }) {
                Ok(true) => matched.push((msn, message_uid)),
                Ok(false) => {}
                Err(text) => return Err(Tagged::bad(text)),
            }
        }
        Ok(matched)
    }

    /// Checks a CHARSET argument: UTF-8 and US-ASCII only (RFC 9051 §6.4.4).
    pub(crate) fn check_charset(
        &self,
        charset: Option<&Charset<'_>>,
    ) -> Result<(), Option<Tagged>> {
        if let Some(charset) = charset {
            let name = match charset {
                Charset::Atom(atom) => atom.inner(),
                Charset::Quoted(quoted) => quoted.inner(),
            };
            if !name.eq_ignore_ascii_case("UTF-8") && !name.eq_ignore_ascii_case("US-ASCII") {
                return Err(Tagged::no(
                    "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset",
                ));
            }
        }
        Ok(())
    }
}

fn unsupported_key(key: &SearchKey<'_>, ctx: &SessionContext<'_>) -> Option<&'static str> {
    match key {
        SearchKey::ModSequence { .. } if !ctx.config.is_enabled(Feature::CondStore) => {
            Some("MODSEQ")
        }
        SearchKey::Younger(_) | SearchKey::Older(_) if !ctx.config.is_enabled(Feature::Within) => {
            Some("YOUNGER/OLDER")
        }
        SearchKey::And(keys) => keys.as_ref().iter().find_map(|k| unsupported_key(k, ctx)),
        SearchKey::Not(key) => unsupported_key(key, ctx),
        SearchKey::Or(a, b) => unsupported_key(a, ctx).or_else(|| unsupported_key(b, ctx)),
        _ => None,
    }
}

fn uses_modseq(key: &SearchKey<'_>) -> bool {
    match key {
        SearchKey::ModSequence { .. } => true,
        SearchKey::And(keys) => keys.as_ref().iter().any(uses_modseq),
        SearchKey::Not(key) => uses_modseq(key),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        _ => false,
    }
}

/// A content-search key's header field name (lower-cased) and its needle.
type PreparedText = (Box<str>, Needle);

struct Search<'a> {
    selection: &'a Selection,
    now: Timestamp,
    /// Sequence-set keys resolved to view positions once per command, not per message,
    /// keyed by the key's address in the parsed command (a list sorted by address: a
    /// command has few keys, and a map type of its own costs the wasm build code).
    resolved: RefCell<Vec<(usize, Vec<usize>)>>,
    /// Content-search strings and header field names, prepared (lower-cased) once per
    /// command and keyed like `resolved`, so that matching a message allocates nothing.
    needles: RefCell<Vec<(usize, PreparedText)>>,
}

impl Search<'_> {
    fn in_set(
        &self,
        key: &SearchKey<'_>,
        set: &imap_codec::imap_types::sequence::SequenceSet,
        uid: bool,
        msn: u32,
    ) -> Result<bool, String> {
        let address = key as *const SearchKey<'_> as usize;
        let mut resolved = self.resolved.borrow_mut();
        let at = match resolved.binary_search_by_key(&address, |(a, _)| *a) {
            Ok(at) => at,
            Err(at) => {
                resolved.insert(at, (address, resolve(set, uid, self.selection.uids())?));
                at
            }
        };
        Ok(resolved[at].1.binary_search(&(msn as usize - 1)).is_ok())
    }

    /// Runs `f` with the prepared (lower-cased) `field` name and `value` needle of the
    /// content-search `key`.
    fn with_needle<R>(
        &self,
        key: &SearchKey<'_>,
        field: &[u8],
        value: &[u8],
        f: impl FnOnce(&str, &Needle) -> R,
    ) -> R {
        let address = key as *const SearchKey<'_> as usize;
        let mut needles = self.needles.borrow_mut();
        let at = match needles.binary_search_by_key(&address, |(a, _)| *a) {
            Ok(at) => at,
            Err(at) => {
                let field = String::from_utf8_lossy(field).to_lowercase();
                needles.insert(at, (address, (field.into(), Needle::new(value))));
                at
            }
        };
        let (field, needle) = &needles[at].1;
        f(field, needle)
    }

    /// FROM, TO, CC, BCC, SUBJECT and HEADER: a field called `field` contains `value`.
    fn header(&self, key: &SearchKey<'_>, message: &Message, field: &[u8], value: &[u8]) -> bool {
        self.with_needle(key, field, value, |field, needle| {
            message.body().header_contains(field, needle)
        })
    }

    fn matches(&self, key: &SearchKey<'_>, msn: u32, message: &Message) -> Result<bool, String> {
        let flags = message.flags();
        let raw = message.body().bytes();
        Ok(match key {
            SearchKey::All => true,
            SearchKey::And(keys) => {
                for key in keys.as_ref() {
                    if !self.matches(key, msn, message)? {
                        return Ok(false);
                    }
                }
                true
            }
            SearchKey::Not(key) => !self.matches(key, msn, message)?,
            SearchKey::Or(a, b) => {
                self.matches(a, msn, message)? || self.matches(b, msn, message)?
            }
            SearchKey::SequenceSet(set) => self.in_set(key, set, false, msn)?,
            SearchKey::Uid(set) => self.in_set(key, set, true, msn)?,
            SearchKey::Answered => flags.contains(SystemFlag::Answered),
            SearchKey::Unanswered => !flags.contains(SystemFlag::Answered),
            SearchKey::Deleted => flags.contains(SystemFlag::Deleted),
            SearchKey::Undeleted => !flags.contains(SystemFlag::Deleted),
            SearchKey::Draft => flags.contains(SystemFlag::Draft),
            SearchKey::Undraft => !flags.contains(SystemFlag::Draft),
            SearchKey::Flagged => flags.contains(SystemFlag::Flagged),
            SearchKey::Unflagged => !flags.contains(SystemFlag::Flagged),
            SearchKey::Seen => flags.contains(SystemFlag::Seen),
            SearchKey::Unseen => !flags.contains(SystemFlag::Seen),
            SearchKey::Keyword(atom) => flags.has_keyword(atom.inner()),
            SearchKey::Unkeyword(atom) => !flags.has_keyword(atom.inner()),
            SearchKey::Recent => self.selection.is_recent(message.uid()),
            SearchKey::New => {
                self.selection.is_recent(message.uid()) && !flags.contains(SystemFlag::Seen)
            }
            SearchKey::Old => !self.selection.is_recent(message.uid()),
            SearchKey::Larger(n) => message.size() > *n as usize,
            SearchKey::Smaller(n) => message.size() < *n as usize,
            SearchKey::Before(date) => message.internal_date().utc_date() < *date.as_ref(),
            SearchKey::On(date) => message.internal_date().utc_date() == *date.as_ref(),
            SearchKey::Since(date) => message.internal_date().utc_date() >= *date.as_ref(),
            SearchKey::SentBefore(date) => message
                .body()
                .mime()
                .sent_date()
                .is_some_and(|d| d < *date.as_ref()),
            SearchKey::SentOn(date) => message
                .body()
                .mime()
                .sent_date()
                .is_some_and(|d| d == *date.as_ref()),
            SearchKey::SentSince(date) => message
                .body()
                .mime()
                .sent_date()
                .is_some_and(|d| d >= *date.as_ref()),
            SearchKey::Younger(seconds) => {
                self.now.millis_since(message.internal_date()) <= i64::from(seconds.get()) * 1000
            }
            SearchKey::Older(seconds) => {
                self.now.millis_since(message.internal_date()) > i64::from(seconds.get()) * 1000
            }
            SearchKey::From(s) => self.header(key, message, b"from", s.as_ref()),
            SearchKey::To(s) => self.header(key, message, b"to", s.as_ref()),
            SearchKey::Cc(s) => self.header(key, message, b"cc", s.as_ref()),
            SearchKey::Bcc(s) => self.header(key, message, b"bcc", s.as_ref()),
            SearchKey::Subject(s) => self.header(key, message, b"subject", s.as_ref()),
            SearchKey::Header(name, value) => {
                self.header(key, message, name.as_ref(), value.as_ref())
            }
            SearchKey::Body(s) => self.with_needle(key, b"", s.as_ref(), |_, needle| {
                message.body().mime().body_contains(raw, needle)
            }),
            SearchKey::Text(s) => self.with_needle(key, b"", s.as_ref(), |_, needle| {
                message.body().mime().text_contains(raw, needle)
            }),
            // RFC 7162 §3.1.5: messages with a mod-sequence at least this high. Per-flag
            // entries are not tracked separately; every flag change counts.
            SearchKey::ModSequence { modseq, .. } => message.modseq() >= *modseq,
        })
    }
}
