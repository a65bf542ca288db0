//! SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO).
//!
//! Hazards: messages that compare equal on every key keep mailbox order (RFC 5256 §3:
//! "If two or more messages exactly match according to the sorting criteria, these
//! messages are sorted according to the order in which they appear in the mailbox"), so
//! the sort must be stable and start from sequence order; REVERSE flips only its own key.
//!
//! SORT and THREAD (and sequence-set resolution) order indices through [`sort_indices`],
//! one instantiation of the slice sort for all of them: each `sort_by` closure would
//! otherwise compile to its own copy of the sort, about 3.5 KB each in the wasm module.

use std::cmp::Ordering;

use imap_codec::imap_types::core::Charset;
use imap_codec::imap_types::extensions::sort::{SortCriterion, SortKey};
use imap_codec::imap_types::search::SearchKey;

use crate::mime::sorting::SortKeys;
use crate::session::{Session, SessionContext, State, Tagged};

/// A message that matched SORT's or THREAD's search, with what they compare.
pub(crate) struct KeyedMessage {
    /// Its position in the session's view (for ties: mailbox order).
    pub position: u32,
    /// What to report: its UID for the UID forms, else its sequence number.
    pub number: u32,
    /// INTERNALDATE, in seconds.
    pub arrival: i64,
    pub size: u64,
    /// Header keys; `date` falls back to `arrival` (RFC 5256 §2.2).
    pub keys: SortKeys,
}

impl Session {
    /// The messages matching `search`, with their sort keys: the shared first half of
    /// SORT and THREAD.
    pub(crate) fn keyed_matches(
        &self,
        ctx: &SessionContext<'_>,
        charset: &Charset<'_>,
        search: &[SearchKey<'_>],
        uid: bool,
    ) -> Result<Vec<KeyedMessage>, Option<Tagged>> {
        self.check_charset(Some(charset))?;
        let matched = self.matching(ctx, search)?;
        let State::Selected { selection, .. } = &self.state else {
            return Err(Tagged::bad("No mailbox selected"));
        };
        let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
            return Err(Tagged::no("Mailbox no longer exists"));
        };
        Ok(matched
            .iter()
            .filter_map(|(msn, message_uid)| {
                let message = mailbox.message(*message_uid)?;
                let mut keys = message.body().mime().sort_keys(message.body().bytes());
                let arrival = message.internal_date().unix_millis() / 1000;
                keys.date.get_or_insert(arrival);
                Some(KeyedMessage {
                    position: *msn,
                    number: if uid { message_uid.get() } else { *msn },
                    arrival,
                    size: message.size() as u64,
                    keys,
                })
            })
            .collect())
    }

    pub(crate) fn sort(
        &mut self,
        ctx: &mut SessionContext<'_>,
        criteria: &[SortCriterion],
        charset: &Charset<'_>,
        search: &[SearchKey<'_>],
        uid: bool,
    ) -> Option<Tagged> {
        let rows = match self.keyed_matches(ctx, charset, search, uid) {
            Ok(rows) => rows,
            Err(reply) => return reply,
        };
        let mut order: Vec<usize> = (0..rows.len()).collect();
        sort_indices(&mut order, &|a, b| {
            let (a, b) = (&rows[a], &rows[b]);
            for criterion in criteria {
                let order = match criterion.key {
                    SortKey::Arrival => a.arrival.cmp(&b.arrival),
                    SortKey::Size => a.size.cmp(&b.size),
                    SortKey::Date => a.keys.date.cmp(&b.keys.date),
                    SortKey::From => a.keys.from.cmp(&b.keys.from),
                    SortKey::To => a.keys.to.cmp(&b.keys.to),
                    SortKey::Cc => a.keys.cc.cmp(&b.keys.cc),
                    SortKey::Subject => a.keys.subject.cmp(&b.keys.subject),
                    SortKey::DisplayFrom => a.keys.display_from.cmp(&b.keys.display_from),
                    SortKey::DisplayTo => a.keys.display_to.cmp(&b.keys.display_to),
                };
                let order = if criterion.reverse {
                    order.reverse()
                } else {
                    order
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            a.position.cmp(&b.position)
        });
        let mut line = String::from("SORT");
        for i in order {
            line.push(' ');
            line.push_str(&rows[i].number.to_string());
        }
        ctx.untagged(&line);
        Tagged::ok(if uid {
            "UID SORT completed"
        } else {
            "SORT completed"
        })
    }
}

/// Sorts indices (into a slice of [`KeyedMessage`]s, THREAD's nodes or sequence ranges)
/// by `compare`, stably, as `sort_by` would.
pub(crate) fn sort_indices(indices: &mut [usize], compare: &dyn Fn(usize, usize) -> Ordering) {
    indices.sort_by(|&a, &b| compare(a, b));
}
