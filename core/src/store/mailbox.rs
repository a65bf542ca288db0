//! One mailbox: its messages in UID order and the counters IMAP promises about them.
//!
//! The hazards this type guards: UIDs strictly ascend and are never reused, UIDNEXT stays
//! above every UID ever assigned (even after EXPUNGE), and HIGHESTMODSEQ grows with every
//! change so that a CONDSTORE client can resynchronise.

use std::fmt;

use crate::store::flags::{Flags, SystemFlag};
use crate::store::message::{Message, MessageBody, Uid};
use crate::time::Timestamp;

/// Identifies a mailbox for as long as it exists, across renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MailboxId(pub(crate) u64);

impl MailboxId {
    /// The id's numeric value (stable for the life of the store).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A special-use attribute (RFC 6154) marking what a mailbox is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SpecialUse {
    /// `\All`
    All,
    /// `\Archive`
    Archive,
    /// `\Drafts`
    Drafts,
    /// `\Flagged`
    Flagged,
    /// `\Junk`
    Junk,
    /// `\Sent`
    Sent,
    /// `\Trash`
    Trash,
}

impl SpecialUse {
    /// Every special-use attribute.
    pub const ALL: [SpecialUse; 7] = [
        SpecialUse::All,
        SpecialUse::Archive,
        SpecialUse::Drafts,
        SpecialUse::Flagged,
        SpecialUse::Junk,
        SpecialUse::Sent,
        SpecialUse::Trash,
    ];

    /// The wire name, e.g. `\Sent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SpecialUse::All => "\\All",
            SpecialUse::Archive => "\\Archive",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Flagged => "\\Flagged",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Trash => "\\Trash",
        }
    }

    /// Parses a wire name, case-insensitively, with or without the backslash.
    pub fn parse(name: &str) -> Option<SpecialUse> {
        let name = name.strip_prefix('\\').unwrap_or(name);
        SpecialUse::ALL
            .into_iter()
            .find(|u| u.as_str()[1..].eq_ignore_ascii_case(name))
    }
}

/// How a STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlagOperation {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// A mailbox and its messages.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub(crate) id: MailboxId,
    pub(crate) name: String,
    pub(crate) uid_validity: u32,
    pub(crate) uid_next: u32,
    pub(crate) highest_modseq: u64,
    /// Sorted by UID, which is also the order of sequence numbers.
    pub(crate) messages: Vec<Message>,
    pub(crate) special_use: Option<SpecialUse>,
    /// `\Noselect`: a placeholder kept because it has children (RFC 9051 §6.3.4).
    pub(crate) noselect: bool,
    /// Messages with a UID at or above this are `\Recent` for the next session that
    /// claims them (RFC 3501 §2.3.2: exactly one session sees a message as recent).
    pub(crate) recent_from: u32,
    pub(crate) total_size: u64,
    /// Keywords ever used here, so PERMANENTFLAGS and FLAGS can list them.
    pub(crate) keywords: Vec<crate::store::flags::Keyword>,
    /// Every expunged UID with the mod-sequence of its removal, oldest first, so a
    /// QRESYNC client can learn what vanished since it last looked (RFC 7162 §3.2.5).
    pub(crate) expunged: Vec<(u64, Uid)>,
}

impl Mailbox {
    pub(crate) fn new(id: MailboxId, name: String, uid_validity: u32) -> Self {
        Mailbox {
            id,
            name,
            uid_validity,
            uid_next: 1,
            highest_modseq: 1,
            messages: Vec::new(),
            special_use: None,
            noselect: false,
            recent_from: 1,
            total_size: 0,
            keywords: Vec::new(),
            expunged: Vec::new(),
        }
    }

    /// The mailbox id.
    pub fn id(&self) -> MailboxId {
        self.id
    }

    /// The full name, with `/` as hierarchy delimiter.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// UIDVALIDITY.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// UIDNEXT: the UID the next message will get.
    pub fn uid_next(&self) -> u32 {
        self.uid_next
    }

    /// HIGHESTMODSEQ (RFC 7162).
    pub fn highest_modseq(&self) -> u64 {
        self.highest_modseq
    }

    /// The special-use attribute, if any.
    pub fn special_use(&self) -> Option<SpecialUse> {
        self.special_use
    }

    /// Whether this is a `\Noselect` placeholder.
    pub fn is_noselect(&self) -> bool {
        self.noselect
    }

    /// The messages in UID order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The number of messages.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether the mailbox holds no messages.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The message with this UID.
    pub fn message(&self, uid: Uid) -> Option<&Message> {
        self.position(uid).map(|i| &self.messages[i])
    }

    /// Index of the message with this UID.
    pub(crate) fn position(&self, uid: Uid) -> Option<usize> {
        self.messages.binary_search_by_key(&uid, |m| m.uid).ok()
    }

    /// Number of messages without `\Seen`.
    pub fn unseen_count(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| !m.flags.contains(SystemFlag::Seen))
            .count()
    }

    /// Number of messages with `\Deleted`.
    pub fn deleted_count(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.flags.contains(SystemFlag::Deleted))
            .count()
    }

    /// Sum of message sizes in octets (`STATUS SIZE`).
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// Keywords in use in this mailbox.
    pub fn keywords(&self) -> &[crate::store::flags::Keyword] {
        &self.keywords
    }

    /// Messages that would be `\Recent` to the next session that claims them.
    pub fn unclaimed_recent_count(&self) -> usize {
        let start = self
            .messages
            .partition_point(|m| m.uid.get() < self.recent_from);
        self.messages.len() - start
    }

    fn next_modseq(&mut self) -> u64 {
        self.highest_modseq += 1;
        self.highest_modseq
    }

    fn learn_keywords(&mut self, flags: &Flags) {
        for keyword in flags.keywords() {
            if !self.keywords.contains(keyword) {
                self.keywords.push(keyword.clone());
            }
        }
    }

    /// Adds a message at the end and returns its UID, or `None` when the UID space
    /// (2^32 - 1) is exhausted.
    pub(crate) fn append(
        &mut self,
        body: MessageBody,
        flags: Flags,
        internal_date: Timestamp,
    ) -> Option<Uid> {
        let uid = Uid::new(self.uid_next)?;
        self.uid_next = self.uid_next.checked_add(1)?;
        let modseq = self.next_modseq();
        self.learn_keywords(&flags);
        self.total_size += body.len() as u64;
        self.messages.push(Message {
            uid,
            modseq,
            internal_date,
            flags,
            body,
        });
        Some(uid)
    }

    /// Changes flags of the messages at `positions` (ascending indices). Returns the
    /// UIDs whose flags actually changed. With `unchanged_since`, messages whose modseq
    /// is higher are left alone and reported in the second list (RFC 7162 §3.1.3).
    pub(crate) fn store_flags(
        &mut self,
        positions: &[usize],
        operation: FlagOperation,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> (Vec<Uid>, Vec<Uid>) {
        self.learn_keywords(flags);
        let mut changed = Vec::new();
        let mut refused = Vec::new();
        for &i in positions {
            let Some(message) = self.messages.get(i) else {
                continue;
            };
            if unchanged_since.is_some_and(|since| message.modseq > since) {
                refused.push(message.uid);
                continue;
            }
            let mut updated = message.flags.clone();
            match operation {
                FlagOperation::Replace => updated = flags.clone(),
                FlagOperation::Add => updated.add_all(flags),
                FlagOperation::Remove => updated.remove_all(flags),
            }
            if updated != message.flags {
                let modseq = self.next_modseq();
                let message = &mut self.messages[i];
                message.flags = updated;
                message.modseq = modseq;
                changed.push(message.uid);
            }
        }
        (changed, refused)
    }

    /// Removes the messages at `positions` (ascending indices) and returns their UIDs.
    pub(crate) fn remove(&mut self, positions: &[usize]) -> Vec<Uid> {
        if positions.is_empty() {
            return Vec::new();
        }
        let mut removed = Vec::with_capacity(positions.len());
        let mut next = positions.iter().copied().peekable();
        let mut index = 0;
        let mut freed = 0u64;
        self.messages.retain(|m| {
            let drop = next.peek() == Some(&index);
            if drop {
                next.next();
                removed.push(m.uid);
                freed += m.body.len() as u64;
            }
            index += 1;
            !drop
        });
        self.total_size -= freed;
        self.record_expunged(&removed);
        removed
    }

    /// Notes UIDs as expunged at a new mod-sequence.
    pub(crate) fn record_expunged(&mut self, uids: &[Uid]) {
        let modseq = self.next_modseq();
        self.expunged.extend(uids.iter().map(|uid| (modseq, *uid)));
    }

    /// UIDs expunged after mod-sequence `since`, ascending.
    pub fn expunged_since(&self, since: u64) -> Vec<Uid> {
        let start = self
            .expunged
            .partition_point(|(modseq, _)| *modseq <= since);
        let mut uids: Vec<Uid> = self.expunged[start..].iter().map(|(_, uid)| *uid).collect();
        uids.sort_unstable();
        uids
    }

    /// Claims the `\Recent` messages for one session: returns the UIDs that are recent
    /// for it and marks them as seen by a session.
    pub(crate) fn claim_recent(&mut self) -> Vec<Uid> {
        let start = self
            .messages
            .partition_point(|m| m.uid.get() < self.recent_from);
        self.recent_from = self.uid_next;
        self.messages[start..].iter().map(|m| m.uid).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox_with(n: usize) -> Mailbox {
        let mut mailbox = Mailbox::new(MailboxId(1), "INBOX".into(), 7);
        for i in 0..n {
            let body = MessageBody::new(format!("Subject: {i}\r\n\r\nbody\r\n").into_bytes());
            mailbox
                .append(body, Flags::new(), Timestamp::from_unix_secs(i as i64))
                .unwrap();
        }
        mailbox
    }

    #[test]
    fn uids_ascend_and_are_not_reused_after_expunge() {
        let mut mailbox = mailbox_with(3);
        assert_eq!(mailbox.uid_next(), 4);
        let removed = mailbox.remove(&[2]);
        assert_eq!(removed, vec![Uid::new(3).unwrap()]);
        let uid = mailbox
            .append(
                MessageBody::new(b"x".to_vec()),
                Flags::new(),
                Timestamp::EPOCH,
            )
            .unwrap();
        assert_eq!(uid.get(), 4);
        let uids: Vec<u32> = mailbox.messages().iter().map(|m| m.uid().get()).collect();
        assert_eq!(uids, vec![1, 2, 4]);
    }

    #[test]
    fn store_flags_bumps_modseq_only_on_change() {
        let mut mailbox = mailbox_with(2);
        let before = mailbox.highest_modseq();
        let seen = Flags::parse(["\\Seen"]).unwrap();
        let (changed, _) = mailbox.store_flags(&[0, 1], FlagOperation::Add, &seen, None);
        assert_eq!(changed.len(), 2);
        assert_eq!(mailbox.highest_modseq(), before + 2);
        let (changed, _) = mailbox.store_flags(&[0], FlagOperation::Add, &seen, None);
        assert!(changed.is_empty());
        assert_eq!(mailbox.unseen_count(), 0);
    }

    #[test]
    fn unchanged_since_refuses_newer_messages() {
        let mut mailbox = mailbox_with(2);
        let since = mailbox.messages()[0].modseq();
        let flagged = Flags::parse(["\\Flagged"]).unwrap();
        let (changed, refused) =
            mailbox.store_flags(&[0, 1], FlagOperation::Add, &flagged, Some(since));
        assert_eq!(changed, vec![Uid::new(1).unwrap()]);
        assert_eq!(refused, vec![Uid::new(2).unwrap()]);
    }

    #[test]
    fn recent_is_claimed_once() {
        let mut mailbox = mailbox_with(2);
        assert_eq!(mailbox.claim_recent().len(), 2);
        assert!(mailbox.claim_recent().is_empty());
        mailbox
            .append(
                MessageBody::new(b"y".to_vec()),
                Flags::new(),
                Timestamp::EPOCH,
            )
            .unwrap();
        assert_eq!(mailbox.unclaimed_recent_count(), 1);
    }

    #[test]
    fn total_size_tracks_appends_and_removals() {
        let mut mailbox = mailbox_with(2);
        let size: u64 = mailbox.messages().iter().map(|m| m.size() as u64).sum();
        assert_eq!(mailbox.total_size(), size);
        mailbox.remove(&[0, 1]);
        assert_eq!(mailbox.total_size(), 0);
    }
}
