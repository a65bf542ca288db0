//! Extended LIST (RFC 5258, part of IMAP4rev2 as RFC 9051 §6.3.9) and LIST-STATUS
//! (RFC 5819).
//!
//! Hazards: with `SUBSCRIBED` selection a subscribed name that no longer exists is still
//! listed, as `\NonExistent` (which implies `\Noselect`); with `RECURSIVEMATCH` a name
//! that does not itself match the selection is listed when a descendant does, marked
//! with `CHILDINFO` extended data (RFC 5258 §3.5); LIST-STATUS sends STATUS only for
//! mailboxes that can be selected, and RFC 5819 §2 says it must come after the LIST line.

use crate::config::Feature;
use crate::session::extparse::ListExtended;
use crate::session::{Session, SessionContext, Tagged};
use crate::store::name;
use crate::wire;

/// What one listed name is.
#[derive(Default)]
struct Entry {
    subscribed: bool,
    /// Listed only because a descendant matched the selection (RECURSIVEMATCH).
    child_info: bool,
}

impl Session {
    pub(crate) fn list_extended(
        &mut self,
        ctx: &mut SessionContext<'_>,
        list: &ListExtended,
    ) -> Option<Tagged> {
        if !ctx.config.is_enabled(Feature::ListExtended) {
            return Tagged::bad("LIST-EXTENDED is not supported by this server");
        }
        if list.return_status.is_some() && !ctx.config.is_enabled(Feature::ListStatus) {
            return Tagged::bad("LIST-STATUS is not supported by this server");
        }
        let user = self.user_name();
        let reference = match self.decode_wire_name(&list.reference) {
            Ok(reference) => reference,
            Err(reply) => return reply,
        };
        let mut patterns = Vec::new();
        for pattern in &list.patterns {
            match self.decode_wire_name(pattern) {
                Ok(pattern) => patterns.push(name::join_reference(&reference, &pattern)),
                Err(reply) => return reply,
            }
        }
        let Some(account) = ctx.store.user(&user) else {
            return Tagged::no("No such user");
        };
        let matches = |candidate: &str| patterns.iter().any(|p| name::matches(p, candidate));
        let selected = |candidate: &str| -> bool {
            let subscribed_ok = !list.select_subscribed || account.is_subscribed(candidate);
            let special_ok = !list.select_special_use
                || ctx
                    .store
                    .mailbox_by_name(&user, candidate)
                    .is_some_and(|m| m.special_use().is_some());
            subscribed_ok && special_ok
        };
        // Every name that could be listed: existing mailboxes and subscriptions.
        let mut candidates: Vec<&str> = account.mailboxes().map(|(n, _)| n).collect();
        if list.select_subscribed {
            candidates.extend(account.subscriptions());
        }
        let mut entries: Vec<(String, Entry)> = Vec::new(); // sorted by name
        for candidate in &candidates {
            if !selected(candidate) {
                continue;
            }
            if matches(candidate) {
                let entry = entry(&mut entries, candidate);
                entry.subscribed = account.is_subscribed(candidate);
            } else if list.recursive_match {
                // A matching ancestor is listed on the descendant's behalf.
                for ancestor in name::ancestors(candidate) {
                    if matches(ancestor) && !selected(ancestor) {
                        let entry = entry(&mut entries, ancestor);
                        entry.child_info = true;
                        entry.subscribed = account.is_subscribed(ancestor);
                    }
                }
            }
        }
        let show_subscribed = list.select_subscribed || list.return_subscribed;
        let show_children = list.return_children || ctx.config.is_enabled(Feature::Children);
        let show_special = list.return_special_use || ctx.config.is_enabled(Feature::SpecialUse);
        for (mailbox_name, entry) in &entries {
            let mailbox = ctx.store.mailbox_by_name(&user, mailbox_name);
            let mut attributes: Vec<&str> = Vec::new();
            match mailbox {
                None => attributes.push("\\NonExistent"),
                Some(mailbox) => {
                    if mailbox.is_noselect() {
                        attributes.push("\\Noselect");
                    }
                    if show_children {
                        attributes.push(if account.has_children(mailbox_name) {
                            "\\HasChildren"
                        } else {
                            "\\HasNoChildren"
                        });
                    }
                    if show_special {
                        if let Some(special_use) = mailbox.special_use() {
                            attributes.push(special_use.as_str());
                        }
                    }
                }
            }
            if show_subscribed && entry.subscribed {
                attributes.push("\\Subscribed");
            }
            let mut line = format!("* LIST ({}) \"/\" ", attributes.join(" ")).into_bytes();
            wire::astring(&mut line, self.wire_name(mailbox_name).as_bytes());
            if entry.child_info {
                line.extend_from_slice(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
            }
            line.extend_from_slice(b"\r\n");
            ctx.out.extend_from_slice(&line);
            if let (Some(items), Some(mailbox)) = (&list.return_status, mailbox) {
                if !mailbox.is_noselect() {
                    match self.status_values(ctx, mailbox, items) {
                        Ok(values) => {
                            let mut line = b"* STATUS ".to_vec();
                            wire::astring(&mut line, self.wire_name(mailbox_name).as_bytes());
                            line.extend_from_slice(format!(" ({values})\r\n").as_bytes());
                            ctx.out.extend_from_slice(&line);
                        }
                        Err(reply) => return reply,
                    }
                }
            }
        }
        Tagged::ok("LIST completed")
    }
}

/// The entry for `name` in `entries`, added in sorted place if new: what
/// `BTreeMap::entry(..).or_default()` does, without a BTreeMap instantiation for one
/// command's short list.
fn entry<'a>(entries: &'a mut Vec<(String, Entry)>, name: &str) -> &'a mut Entry {
    let at = match entries.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
        Ok(at) => at,
        Err(at) => {
            entries.insert(at, (name.to_owned(), Entry::default()));
            at
        }
    };
    &mut entries[at].1
}
