//! SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO).
//!
//! Hazards: messages that compare equal on every key keep mailbox order (RFC 5256 §3:
//! "If two or more messages exactly match according to the sorting criteria, these
//! messages are sorted according to the order in which they appear in the mailbox"), so
//! the sort must be stable and start from sequence order; REVERSE flips only its own key.

use std::cmp::Ordering;

use imap_codec::imap_types::core::Charset;
use imap_codec::imap_types::extensions::sort::{SortCriterion, SortKey};
use imap_codec::imap_types::search::SearchKey;

use crate::mime::sorting::SortKeys;
use crate::session::{Session, SessionContext, State, Tagged};

impl Session {
    pub(crate) fn sort(
        &mut self,
        ctx: &mut SessionContext<'_>,
        criteria: &[SortCriterion],
        charset: &Charset<'_>,
        search: &[SearchKey<'_>],
        uid: bool,
    ) -> Option<Tagged> {
        if let Err(reply) = self.check_charset(Some(charset)) {
            return reply;
        }
        let matched = match self.matching(ctx, search) {
            Ok(matched) => matched,
            Err(reply) => return reply,
        };
        let State::Selected { selection, .. } = &self.state else {
            return Tagged::bad("No mailbox selected");
        };
        let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
            return Tagged::no("Mailbox no longer exists");
        };
        let mut rows: Vec<(u32, u32, i64, u64, SortKeys)> = matched
            .iter()
            .filter_map(|(msn, message_uid)| {
                let message = mailbox.message(*message_uid)?;
                let raw = message.body().bytes();
                let mut keys = message.body().mime().sort_keys(raw);
                let arrival = message.internal_date().unix_millis() / 1000;
                keys.date.get_or_insert(arrival);
                Some((
                    *msn,
                    message_uid.get(),
                    arrival,
                    message.size() as u64,
                    keys,
                ))
            })
            .collect();
        rows.sort_by(|a, b| {
            for criterion in criteria {
                let order = match criterion.key {
                    SortKey::Arrival => a.2.cmp(&b.2),
                    SortKey::Size => a.3.cmp(&b.3),
                    SortKey::Date => a.4.date.cmp(&b.4.date),
                    SortKey::From => a.4.from.cmp(&b.4.from),
                    SortKey::To => a.4.to.cmp(&b.4.to),
                    SortKey::Cc => a.4.cc.cmp(&b.4.cc),
                    SortKey::Subject => a.4.subject.cmp(&b.4.subject),
                    SortKey::DisplayFrom => a.4.display_from.cmp(&b.4.display_from),
                    SortKey::DisplayTo => a.4.display_to.cmp(&b.4.display_to),
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
            a.0.cmp(&b.0)
        });
        let mut line = String::from("SORT");
        for row in &rows {
            line.push(' ');
            line.push_str(&if uid { row.1 } else { row.0 }.to_string());
        }
        ctx.untagged(&line);
        Tagged::ok(if uid {
            "UID SORT completed"
        } else {
            "SORT completed"
        })
    }
}
