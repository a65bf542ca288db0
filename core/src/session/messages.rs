//! Commands that change messages: APPEND, STORE, COPY, MOVE, EXPUNGE and UID EXPUNGE.
//!
//! Hazards: EXPUNGE responses renumber, so they are sent highest number first and the
//! session's view drops each message as it is reported; MOVE reports COPYUID in an
//! untagged OK *before* its EXPUNGEs (RFC 6851 §4.3); a message that another session
//! expunged but this one has not been told of still has a number here, and is skipped
//! with `NO [EXPUNGEISSUED]` (RFC 5530) rather than silently.

use imap_codec::imap_types::command::StoreModifier;
use imap_codec::imap_types::datetime::DateTime;
use imap_codec::imap_types::extensions::binary::LiteralOrLiteral8;
use imap_codec::imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_codec::imap_types::mailbox::Mailbox as MailboxArg;
use imap_codec::imap_types::sequence::SequenceSet;

use crate::config::Feature;
use crate::session::mailboxes::store_error;
use crate::session::sequence::{compact, resolve};
use crate::session::{Session, SessionContext, State, Tagged};
use crate::store::{FlagOperation, Flags, Uid};
use crate::time::Timestamp;
use crate::wire;

/// Messages a sequence set names in the session's view.
pub(crate) struct Targets {
    /// (sequence number, UID) of each message that still exists.
    pub found: Vec<(u32, Uid)>,
    /// Some named messages were expunged by another session meanwhile.
    pub expunged: bool,
}

/// Client flag arguments as store flags; `\Recent` and unknown system flags are refused.
pub(crate) fn to_flags(flags: &[Flag<'_>]) -> Result<Flags, Option<Tagged>> {
    let names: Vec<String> = flags.iter().map(ToString::to_string).collect();
    Flags::parse(names.iter().map(String::as_str))
        .map_err(|name| Tagged::bad(format!("Invalid flag {name}")))
}

impl Session {
    pub(crate) fn append(
        &mut self,
        ctx: &mut SessionContext<'_>,
        mailbox: &MailboxArg<'_>,
        flags: &[Flag<'_>],
        date: Option<&DateTime>,
        message: &LiteralOrLiteral8<'_>,
        lifted: Option<&[u8]>,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        let flags = match to_flags(flags) {
            Ok(flags) => flags,
            Err(reply) => return reply,
        };
        let data = match message {
            LiteralOrLiteral8::Literal(literal) => lifted.unwrap_or(literal.data()),
            LiteralOrLiteral8::Literal8(literal8) if ctx.config.is_enabled(Feature::Binary) => {
                lifted.unwrap_or(literal8.data.as_ref())
            }
            LiteralOrLiteral8::Literal8(_) => {
                return Tagged::no("[CANNOT] APPEND of literal8 needs BINARY, which is off");
            }
        };
        if data.len() > ctx.config.max_message_size as usize {
            return Tagged::no(format!(
                "[TOOBIG] Message too large (limit {} bytes)",
                ctx.config.max_message_size
            ));
        }
        let Some(id) = ctx.store.mailbox_id(&user, &name) else {
            return Tagged::no(format!("[TRYCREATE] Mailbox {name} does not exist"));
        };
        let internal_date = date.map_or(ctx.now, |d| Timestamp::from_datetime(d.as_ref()));
        match ctx.store.append(id, data.to_vec(), flags, internal_date) {
            Ok((uid, change)) => {
                ctx.change(&user, change);
                let uid_validity = ctx.store.mailbox(id).map_or(0, |m| m.uid_validity());
                if ctx.config.is_enabled(Feature::UidPlus) {
                    Tagged::ok(format!("[APPENDUID {uid_validity} {uid}] APPEND completed"))
                } else {
                    Tagged::ok("APPEND completed")
                }
            }
            Err(error) => store_error(&error),
        }
    }

    /// The selected mailbox's messages named by a sequence set: (number, UID) pairs, and
    /// whether some of them were expunged by another session meanwhile.
    pub(crate) fn targets(
        &self,
        ctx: &SessionContext<'_>,
        set: &SequenceSet,
        uid: bool,
    ) -> Result<Targets, Option<Tagged>> {
        let State::Selected { selection, .. } = &self.state else {
            return Err(Tagged::bad("No mailbox selected"));
        };
        let uid_mode = uid;
        let positions = resolve(set, uid, selection.uids()).map_err(Tagged::bad)?;
        let mailbox = ctx.store.mailbox(selection.mailbox);
        let mut expunged = false;
        let mut targets = Vec::with_capacity(positions.len());
        for i in positions {
            let uid = selection.uids()[i];
            if mailbox.is_some_and(|m| m.position(uid).is_some()) {
                targets.push((i as u32 + 1, uid));
            } else if !uid_mode {
                // A UID that no longer exists is simply not matched (RFC 9051 §6.4.9);
                // a sequence number the client still sees deserves an explanation.
                expunged = true;
            }
        }
        Ok(Targets {
            found: targets,
            expunged,
        })
    }

    pub(crate) fn expunge(
        &mut self,
        ctx: &mut SessionContext<'_>,
        uid_set: Option<&SequenceSet>,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let uids = match uid_set {
            Some(set) => match self.targets(ctx, set, true) {
                Ok(targets) => Some(
                    targets
                        .found
                        .into_iter()
                        .map(|(_, u)| u)
                        .collect::<Vec<_>>(),
                ),
                Err(reply) => return reply,
            },
            None => None,
        };
        let State::Selected { selection, .. } = &mut self.state else {
            return Tagged::bad("No mailbox selected");
        };
        if selection.read_only {
            return Tagged::no("[READ-ONLY] Mailbox is read-only");
        }
        match ctx.store.expunge(selection.mailbox, uids.as_deref()) {
            Ok(Some(change)) => {
                if let crate::store::Change::Expunged { uids, .. } = &change {
                    report_expunged(ctx, selection, uids);
                }
                ctx.change(&user, change);
            }
            Ok(None) => {}
            Err(error) => return store_error(&error),
        }
        Tagged::ok(if uid_set.is_some() {
            "UID EXPUNGE completed"
        } else {
            "EXPUNGE completed"
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store(
        &mut self,
        ctx: &mut SessionContext<'_>,
        set: &SequenceSet,
        kind: StoreType,
        response: StoreResponse,
        flags: &[Flag<'_>],
        uid: bool,
        modifiers: &[StoreModifier],
    ) -> Option<Tagged> {
        let user = self.user_name();
        // RFC 7162 §3.1.3: UNCHANGEDSINCE changes only messages whose mod-sequence is not
        // higher; the others are reported in MODIFIED. It enables CONDSTORE.
        let mut unchanged_since = None;
        for modifier in modifiers {
            match modifier {
                StoreModifier::UnchangedSince(since)
                    if ctx.config.is_enabled(Feature::CondStore) =>
                {
                    unchanged_since = Some(*since);
                    self.condstore = true;
                }
                _ => return Tagged::bad("Unsupported STORE modifier"),
            }
        }
        let condstore = self.condstore;
        let Targets {
            found: targets,
            expunged,
        } = match self.targets(ctx, set, uid) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let flags = match to_flags(flags) {
            Ok(flags) => flags,
            Err(reply) => return reply,
        };
        let rev2 = self.rev2;
        let State::Selected { selection, .. } = &mut self.state else {
            return Tagged::bad("No mailbox selected");
        };
        if selection.read_only {
            return Tagged::no("[READ-ONLY] Mailbox is read-only");
        }
        let operation = match kind {
            StoreType::Replace => FlagOperation::Replace,
            StoreType::Add => FlagOperation::Add,
            StoreType::Remove => FlagOperation::Remove,
        };
        let uids: Vec<Uid> = targets.iter().map(|(_, u)| *u).collect();
        let refused = match ctx.store.store_flags(
            selection.mailbox,
            &uids,
            operation,
            &flags,
            unchanged_since,
        ) {
            Ok((change, refused)) => {
                if let Some(change) = change {
                    ctx.change(&user, change);
                }
                refused
            }
            Err(error) => return store_error(&error),
        };
        if response == StoreResponse::Answer {
            if let Some(mailbox) = ctx.store.mailbox(selection.mailbox) {
                for (msn, uid) in &targets {
                    let Some(message) = mailbox.message(*uid) else {
                        continue;
                    };
                    if refused.contains(uid) {
                        continue;
                    }
                    let mut line = format!("* {msn} FETCH (").into_bytes();
                    // The UID is always included: harmless for FETCH-style clients and
                    // required for UID STORE (RFC 9051 §6.4.9).
                    line.extend_from_slice(format!("UID {uid} FLAGS ").as_bytes());
                    wire::flag_list(
                        &mut line,
                        message.flags(),
                        !rev2 && selection.is_recent(*uid),
                    );
                    if condstore {
                        line.extend_from_slice(
                            format!(" MODSEQ ({})", message.modseq()).as_bytes(),
                        );
                    }
                    line.extend_from_slice(b")\r\n");
                    ctx.out.extend_from_slice(&line);
                }
            }
        }
        if !refused.is_empty() {
            let numbers: Vec<u32> = targets
                .iter()
                .filter(|(_, u)| refused.contains(u))
                .map(|(msn, u)| if uid { u.get() } else { *msn })
                .collect();
            return Tagged::ok(format!(
                "[MODIFIED {}] Conditional STORE failed for some messages",
                compact(numbers)
            ));
        }
        if expunged {
            return Tagged::no("[EXPUNGEISSUED] Some of the requested messages no longer exist");
        }
        Tagged::ok(if uid {
            "UID STORE completed"
        } else {
            "STORE completed"
        })
    }

    pub(crate) fn copy_or_move(
        &mut self,
        ctx: &mut SessionContext<'_>,
        set: &SequenceSet,
        mailbox: &MailboxArg<'_>,
        uid: bool,
        moving: bool,
    ) -> Option<Tagged> {
        let user = self.user_name();
        let command = match (uid, moving) {
            (false, false) => "COPY",
            (true, false) => "UID COPY",
            (false, true) => "MOVE",
            (true, true) => "UID MOVE",
        };
        let Targets {
            found: targets,
            expunged,
        } = match self.targets(ctx, set, uid) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        if expunged {
            return Tagged::no("[EXPUNGEISSUED] Some of the requested messages no longer exist");
        }
        let name = match self.mailbox_name(mailbox) {
            Ok(name) => name,
            Err(reply) => return reply,
        };
        let Some(destination) = ctx.store.mailbox_id(&user, &name) else {
            return Tagged::no(format!("[TRYCREATE] Mailbox {name} does not exist"));
        };
        let State::Selected { selection, .. } = &mut self.state else {
            return Tagged::bad("No mailbox selected");
        };
        if moving && selection.read_only {
            return Tagged::no("[READ-ONLY] Mailbox is read-only");
        }
        let source_uids: Vec<Uid> = targets.iter().map(|(_, u)| *u).collect();
        let (pairs, change) = match ctx.store.copy(selection.mailbox, &source_uids, destination) {
            Ok(copied) => (copied.pairs, copied.change),
            Err(error) => return store_error(&error),
        };
        if let Some(change) = change {
            ctx.change(&user, change);
        }
        let copy_uid = if ctx.config.is_enabled(Feature::UidPlus) && !pairs.is_empty() {
            let validity = ctx
                .store
                .mailbox(destination)
                .map_or(0, |m| m.uid_validity());
            format!(
                "[COPYUID {validity} {} {}] ",
                compact(pairs.iter().map(|p| p.0.get())),
                compact(pairs.iter().map(|p| p.1.get()))
            )
        } else {
            String::new()
        };
        if !moving {
            return Tagged::ok(format!("{copy_uid}{command} completed"));
        }
        if !copy_uid.is_empty() {
            ctx.untagged(&format!("OK {copy_uid}Moved"));
        }
        match ctx.store.remove_messages(selection.mailbox, &source_uids) {
            Ok(Some(change)) => {
                if let crate::store::Change::Expunged { uids, .. } = &change {
                    report_expunged(ctx, selection, uids);
                }
                ctx.change(&user, change);
            }
            Ok(None) => {}
            Err(error) => return store_error(&error),
        }
        Tagged::ok(format!("{command} completed"))
    }
}

/// Sends `* n EXPUNGE` for messages this session removed, highest first, and drops them
/// from its view.
fn report_expunged(
    ctx: &mut SessionContext<'_>,
    selection: &mut crate::session::Selection,
    uids: &[Uid],
) {
    crate::session::sync::report_gone(&mut ctx.out, selection, uids);
}
