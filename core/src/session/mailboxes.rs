//! Mailbox commands: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE,
//! LIST, LSUB, STATUS, CLOSE and UNSELECT.
//!
//! Hazards: a failed SELECT still leaves the previous mailbox (RFC 9051 §6.3.2), and an
//! IMAP4rev2 client is told so with `OK [CLOSED]`; CLOSE expunges without a single
//! EXPUNGE response, because the session's numbering no longer matters after it; a name
//! listed by LIST must round-trip through SELECT, so it is written as the client must
//! send it back.

use std::borrow::Cow;
use std::fmt::Write as _;

use imap_codec::imap_types::command::SelectParameter;
use imap_codec::imap_types::mailbox::{ListMailbox, Mailbox as MailboxArg};
use imap_codec::imap_types::status::StatusDataItemName;

use crate::config::Feature;
use crate::session::extparse::Extras;
use crate::session::{untagged, untagged_fmt, Selection, Session, SessionContext, State, Tagged};
use crate::store::{mutf7, name, Mailbox, StoreError, SystemFlag, Uid};
use crate::wire;

impl Session {
    /// A mailbox argument as a name in the store's terms (UTF-8). IMAP4rev1 clients send
    /// non-ASCII names in modified UTF-7, IMAP4rev2 clients in UTF-8 (RFC 9051 §5.1).
    pub(crate) fn mailbox_name(&self, mailbox: &MailboxArg<'_>) -> Result<String, Option<Tagged>> {
        match mailbox {
            MailboxArg::Inbox => Ok("INBOX".to_owned()),
            MailboxArg::Other(other) => {
                let text = std::str::from_utf8(other.as_ref())
                    .map_err(|_| Tagged::bad("Mailbox name is not valid UTF-8"))?;
                self.decode_wire_name(text).map(|n| name::canonical(&n))
            }
        }
    }

    /// A name (or LIST pattern) as the client wrote it, in UTF-8.
    pub(crate) fn decode_wire_name(&self, text: &str) -> Result<String, Option<Tagged>> {
        if self.rev2 {
            Ok(text.to_owned())
        } else {
            mutf7::decode(text).map_err(Tagged::no)
        }
    }

    /// A stored name as this client expects to read it.
    pub(crate) fn wire_name<'n>(&self, name: &'n str) -> Cow<'n, str> {
        if self.rev2 || name.is_ascii() && !name.contains('&') {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(mutf7::encode(name))
        }
    }
}

/// The tagged response for a refused store operation.
pub(crate) fn store_error(error: &StoreError) -> Option<Tagged> {
    match error {
        StoreError::NoSuchMailbox(name) => {
            Tagged::no(format!("[NONEXISTENT] Mailbox {name} does not exist"))
        }
        StoreError::MailboxExists(name) => {
            Tagged::no(format!("[ALREADYEXISTS] Mailbox {name} already exists"))
        }
        StoreError::InvalidName { reason, .. } => Tagged::no(format!("[CANNOT] {reason}")),
        StoreError::CannotDeleteInbox => Tagged::no("[CANNOT] INBOX cannot be deleted"),
        StoreError::HasChildren(name) => Tagged::no(format!(
            "[HASCHILDREN] Mailbox {name} has inferior hierarchical names"
        )),
        StoreError::NotSelectable(name) => {
            Tagged::no(format!("[CANNOT] Mailbox {name} is not selectable"))
        }
        StoreError::RenameIntoSelf(name) => {
            Tagged::no(format!("[CANNOT] Cannot rename {name} into itself"))
        }
        StoreError::UidsExhausted(name) => {
            Tagged::no(format!("[LIMIT] Mailbox {name} has no UIDs left"))
        }
        StoreError::InvalidFlag(flag) => Tagged::bad(format!("Invalid flag {flag}")),
        other => Tagged::no(other.to_string()),
    }
}

impl Session {
    /// The logged-in user (commands that call this run only when authenticated).
    pub(crate) fn user_name(&self) -> String {
        self.user().unwrap_or_default().to_owned()
    }

    /// SELECT or EXAMINE with parameters: `(CONDSTORE)` enables CONDSTORE (RFC 7162
    /// §3.1.8); QRESYNC is not supported.
    pub(crate) fn select_with(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
        read_only: bool,
        parameters: &[SelectParameter],
    ) -> Option<Tagged> {
        let mut resync = None;
        for parameter in parameters {
            match parameter {
                SelectParameter::CondStore if ctx.config.is_enabled(Feature::CondStore) => {
                    self.condstore = true;
                }
                // RFC 7162 §3.2.5: "A server MUST respond with a tagged BAD response if
                // the Quick Resynchronization parameter to SELECT/EXAMINE command is
                // specified and the client hasn't issued "ENABLE QRESYNC"".
                SelectParameter::QResync {
                    uid_validity,
                    mod_sequence_value,
                    known_uids,
                    ..
                } if self.qresync => {
                    resync = Some((
                        uid_validity.get(),
                        mod_sequence_value.get(),
                        known_uids.clone(),
                    ));
                }
                SelectParameter::QResync { .. } => {
                    return Tagged::bad("SELECT (QRESYNC …) needs ENABLE QRESYNC first");
                }
                _ => return Tagged::bad("Unsupported SELECT parameter"),
            }
        }
        let reply = self.select(ctx, mailbox, read_only);
        if let (Some((uid_validity, since, known)), State::Selected { selection, .. }) =
            (resync, &self.state)
        {
            let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
                return reply;
            };
            // RFC 7162 §3.2.5.1: only when the client's UIDVALIDITY still holds.
            if mailbox.uid_validity() == uid_validity {
                let largest = mailbox.uid_next().saturating_sub(1);
                let known_ok = |uid: Uid| {
                    known
                        .as_ref()
                        .is_none_or(|set| crate::session::sequence::contains_uid(set, uid, largest))
                };
                let vanished: Vec<u32> = mailbox
                    .expunged_since(since)
                    .into_iter()
                    .filter(|u| known_ok(*u))
                    .map(Uid::get)
                    .collect();
                if !vanished.is_empty() {
                    let set = crate::session::sequence::compact(vanished);
                    untagged_fmt!(&mut ctx.out, "VANISHED (EARLIER) {set}");
                }
                for (i, message) in mailbox.messages().iter().enumerate() {
                    if message.modseq() > since && known_ok(message.uid()) {
                        let mut line =
                            format!("* {} FETCH (UID {} FLAGS ", i + 1, message.uid()).into_bytes();
                        wire::flag_list(
                            &mut line,
                            message.flags(),
                            !self.rev2 && selection.is_recent(message.uid()),
                        );
                        line.extend_from_slice(
                            format!(" MODSEQ ({}))\r\n", message.modseq()).as_bytes(),
                        );
                        ctx.out.extend_from_slice(&line);
                    }
                }
            }
        }
        reply
    }

    pub(crate) fn select(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
        read_only: bool,
    ) -> Option<Tagged> {
        let user = self.user_name();
        if matches!(self.state, State::Selected { .. }) {
            self.state = State::Authenticated { user: user.clone() };
            // RFC 9051 §6.3.2 and RFC 7162 §3.2.11.
            if self.rev2 || self.qresync {
                ctx.untagged("OK [CLOSED] Previous mailbox is now closed");
            }
        }
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        let Some(id) = ctx.store.mailbox_id(&user, &name) else {
            return Tagged::no(format!("[NONEXISTENT] Mailbox {name} does not exist"));
        };
        if ctx.store.mailbox(id).is_some_and(Mailbox::is_noselect) {
            return Tagged::no(format!("[CANNOT] Mailbox {name} is not selectable"));
        }
        let recent = if read_only {
            let mailbox = ctx.store.mailbox(id).expect("exists");
            let count = mailbox.unclaimed_recent_count();
            mailbox.messages()[mailbox.len() - count..]
                .iter()
                .map(|m| m.uid())
                .collect()
        } else {
            ctx.store.claim_recent(id)
        };
        let mailbox = ctx.store.mailbox(id).expect("exists");
        let mut selection = Selection::new(mailbox, read_only, recent);
        selection.vanished = self.qresync;
        let mut flags = Vec::new();
        wire::flag_names(&mut flags, mailbox.keywords());
        let flags = String::from_utf8(flags).unwrap_or_default();
        untagged_fmt!(&mut ctx.out, "{} EXISTS", mailbox.len());
        if !self.rev2 {
            untagged_fmt!(&mut ctx.out, "{} RECENT", selection.recent.len());
            if let Some(first) = mailbox
                .messages()
                .iter()
                .position(|m| !m.flags().contains(SystemFlag::Seen))
            {
                untagged(
                    &mut ctx.out,
                    &format!("OK [UNSEEN {}] First unseen message", first + 1),
                );
            }
        }
        untagged(
            &mut ctx.out,
            &format!("OK [UIDVALIDITY {}] UIDs valid", mailbox.uid_validity()),
        );
        untagged(
            &mut ctx.out,
            &format!("OK [UIDNEXT {}] Predicted next UID", mailbox.uid_next()),
        );
        if self.condstore {
            untagged_fmt!(
                &mut ctx.out,
                "OK [HIGHESTMODSEQ {}] Highest",
                mailbox.highest_modseq()
            );
        }
        untagged_fmt!(&mut ctx.out, "FLAGS ({flags})");
        if read_only {
            untagged(
                &mut ctx.out,
                "OK [PERMANENTFLAGS ()] No permanent flags permitted",
            );
        } else {
            untagged(
                &mut ctx.out,
                &format!("OK [PERMANENTFLAGS ({flags} \\*)] Flags permitted"),
            );
        }
        if self.rev2 {
            let mut line = b"* LIST (".to_vec();
            line.extend_from_slice(self.list_attributes(ctx, &user, mailbox).as_bytes());
            line.extend_from_slice(b") \"/\" ");
            wire::astring(&mut line, self.wire_name(mailbox.name()).as_bytes());
            line.extend_from_slice(b"\r\n");
            ctx.out.extend_from_slice(&line);
        }
        self.state = State::Selected { user, selection };
        if read_only {
            Tagged::ok("[READ-ONLY] EXAMINE completed")
        } else {
            Tagged::ok("[READ-WRITE] SELECT completed")
        }
    }

    pub(crate) fn create(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        match ctx.store.create_mailbox(&user, &name) {
            Ok(change) => {
                ctx.change(&user, change);
                Tagged::ok("CREATE completed")
            }
            Err(error) => store_error(&error),
        }
    }

    pub(crate) fn delete(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        match ctx.store.delete_mailbox(&user, &name) {
            Ok(change) => {
                if let State::Selected { selection, .. } = &self.state {
                    if selection.mailbox == change.mailbox() {
                        self.state = State::Authenticated { user: user.clone() };
                        if self.rev2 {
                            ctx.untagged("OK [CLOSED] Deleted mailbox is no longer selected");
                        }
                    }
                }
                ctx.change(&user, change);
                Tagged::ok("DELETE completed")
            }
            Err(error) => store_error(&error),
        }
    }

    pub(crate) fn rename(
        &mut self,
        ctx: &mut SessionContext<'_>,
        from: &MailboxArg<'_>,
        to: &MailboxArg<'_>,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let (from, to) = match (self.mailbox_name(from), self.mailbox_name(to)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(reply), _) | (_, Err(reply)) => return reply,
        };
        match ctx.store.rename_mailbox(&user, &from, &to) {
            Ok(changes) => {
                for change in changes {
                    ctx.change(&user, change);
                }
                Tagged::ok("RENAME completed")
            }
            Err(error) => store_error(&error),
        }
    }

    pub(crate) fn subscribe(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
        subscribe: bool,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        let result = if subscribe {
            ctx.store.subscribe(&user, &name)
        } else {
            ctx.store.unsubscribe(&user, &name)
        };
        match result {
            Ok(()) if subscribe => Tagged::ok("SUBSCRIBE completed"),
            Ok(()) => Tagged::ok("UNSUBSCRIBE completed"),
            Err(error) => store_error(&error),
        }
    }

    fn list_attributes(&self, ctx: &SessionContext<'_>, user: &str, mailbox: &Mailbox) -> String {
        let mut attributes: Vec<&str> = Vec::new();
        if mailbox.is_noselect() {
            attributes.push("\\Noselect");
        }
        if ctx.config.is_enabled(Feature::Children) {
            let has_children = ctx
                .store
                .user(user)
                .is_some_and(|u| u.has_children(mailbox.name()));
            attributes.push(if has_children {
                "\\HasChildren"
            } else {
                "\\HasNoChildren"
            });
        }
        if ctx.config.is_enabled(Feature::SpecialUse) {
            if let Some(special_use) = mailbox.special_use() {
                attributes.push(special_use.as_str());
            }
        }
        attributes.join(" ")
    }

    pub(crate) fn list(
        &mut self,
        ctx: &mut SessionContext<'_>,
        reference: &MailboxArg<'_>,
        pattern: &ListMailbox<'_>,
        lsub: bool,
        extras: &Extras,
    ) -> Option<Tagged> {
        if let (Extras::ListExtended(list), false) = (extras, lsub) {
            return self.list_extended(ctx, list);
        }
        let user = self.user_name();
        let command = if lsub { "LSUB" } else { "LIST" };
        let reference = match reference {
            MailboxArg::Inbox => "INBOX".to_owned(),
            MailboxArg::Other(other) => String::from_utf8_lossy(other.as_ref()).into_owned(),
        };
        let pattern = match pattern {
            ListMailbox::Token(token) => String::from_utf8_lossy(token.as_ref()).into_owned(),
            ListMailbox::String(string) => String::from_utf8_lossy(string.as_ref()).into_owned(),
        };
        let (reference, pattern) = match (
            self.decode_wire_name(&reference),
            self.decode_wire_name(&pattern),
        ) {
            (Ok(reference), Ok(pattern)) => (reference, pattern),
            (Err(reply), _) | (_, Err(reply)) => return reply,
        };
        if pattern.is_empty() {
            // RFC 9051 §6.3.9: the hierarchy delimiter and the root of the reference.
            let root = reference
                .split_once(name::DELIMITER)
                .map(|(first, _)| format!("{first}{}", name::DELIMITER))
                .unwrap_or_default();
            let mut line = format!("* {command} (\\Noselect) \"/\" ").into_bytes();
            wire::astring(&mut line, self.wire_name(&root).as_bytes());
            line.extend_from_slice(b"\r\n");
            ctx.out.extend_from_slice(&line);
            return Tagged::ok(format!("{command} completed"));
        }
        let full = name::join_reference(&reference, &pattern);
        let Some(account) = ctx.store.user(&user) else {
            return Tagged::no("No such user");
        };
        let mut lines = Vec::new();
        if lsub {
            for subscribed in account.subscriptions() {
                if !name::matches(&full, subscribed) {
                    continue;
                }
                let attributes = match ctx.store.mailbox_by_name(&user, subscribed) {
                    Some(mailbox) if !mailbox.is_noselect() => String::new(),
                    _ => "\\Noselect".to_owned(),
                };
                lines.push((attributes, subscribed.to_owned()));
            }
        } else {
            for (mailbox_name, id) in account.mailboxes() {
                if !name::matches(&full, mailbox_name) {
                    continue;
                }
                let Some(mailbox) = ctx.store.mailbox(id) else {
                    continue;
                };
                lines.push((
                    self.list_attributes(ctx, &user, mailbox),
                    mailbox_name.to_owned(),
                ));
            }
        }
        for (attributes, mailbox_name) in lines {
            let mut line = format!("* {command} ({attributes}) \"/\" ").into_bytes();
            wire::astring(&mut line, self.wire_name(&mailbox_name).as_bytes());
            line.extend_from_slice(b"\r\n");
            ctx.out.extend_from_slice(&line);
        }
        Tagged::ok(format!("{command} completed"))
    }

    pub(crate) fn status(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
        items: &[StatusDataItemName],
    ) -> Option<Tagged> {
        let user = self.user_name();
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        let Some(mailbox) = ctx.store.mailbox_by_name(&user, &name) else {
            return Tagged::no(format!("[NONEXISTENT] Mailbox {name} does not exist"));
        };
        if mailbox.is_noselect() {
            return Tagged::no(format!("[CANNOT] Mailbox {name} is not selectable"));
        }
        let values = match self.status_values(ctx, mailbox, items) {
            Ok(values) => values,
            Err(reply) => return reply,
        };
        let mut line = b"* STATUS ".to_vec();
        wire::astring(&mut line, self.wire_name(mailbox.name()).as_bytes());
        line.extend_from_slice(format!(" ({values})\r\n").as_bytes());
        ctx.out.extend_from_slice(&line);
        Tagged::ok("STATUS completed")
    }

    /// The `(…)` part of a STATUS response.
    pub(crate) fn status_values(
        &self,
        ctx: &SessionContext<'_>,
        mailbox: &Mailbox,
        items: &[StatusDataItemName],
    ) -> Result<String, Option<Tagged>> {
        let mut values = String::new();
        for item in items {
            if !values.is_empty() {
                values.push(' ');
            }
            let _ = match item {
                StatusDataItemName::Messages => write!(values, "MESSAGES {}", mailbox.len()),
                StatusDataItemName::Recent => {
                    write!(values, "RECENT {}", mailbox.unclaimed_recent_count())
                }
                StatusDataItemName::UidNext => write!(values, "UIDNEXT {}", mailbox.uid_next()),
                StatusDataItemName::UidValidity => {
                    write!(values, "UIDVALIDITY {}", mailbox.uid_validity())
                }
                StatusDataItemName::Unseen => write!(values, "UNSEEN {}", mailbox.unseen_count()),
                StatusDataItemName::Deleted => {
                    write!(values, "DELETED {}", mailbox.deleted_count())
                }
                StatusDataItemName::HighestModSeq if ctx.config.is_enabled(Feature::CondStore) => {
                    write!(values, "HIGHESTMODSEQ {}", mailbox.highest_modseq())
                }
                StatusDataItemName::Size if ctx.config.is_enabled(Feature::StatusSize) => {
                    write!(values, "SIZE {}", mailbox.total_size())
                }
                other => {
                    return Err(Tagged::bad(format!(
                        "STATUS item {other:?} is not supported"
                    )));
                }
            };
        }
        Ok(values)
    }

    pub(crate) fn close_mailbox(
        &mut self,
        ctx: &mut SessionContext<'_>,
        expunge: bool,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let State::Selected { selection, .. } = &self.state else {
            return Tagged::bad("No mailbox selected");
        };
        if expunge && !selection.read_only {
            if let Ok(Some(change)) = ctx.store.expunge(selection.mailbox, None) {
                ctx.change(&user, change);
            }
        }
        self.state = State::Authenticated { user };
        Tagged::ok(if expunge {
            "CLOSE completed"
        } else {
            "UNSELECT completed"
        })
    }
}
