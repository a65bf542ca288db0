//! FETCH and UID FETCH.
//!
//! Hazards: `BODY[…]`, `RFC822`, `RFC822.TEXT` and `BINARY[…]` set `\Seen` unless the
//! mailbox is read-only or `.PEEK` is used, and when that changes the flags, FLAGS is
//! included in the same response (RFC 9051 §6.4.5); UID FETCH always reports the UID; a
//! partial `<o.n>` is reported as `<o>` alone; byte counts in literals are octets.
//! Message bytes are written straight from the shared store copy, never re-encoded.

use std::borrow::Cow;

use imap_codec::imap_types::command::FetchModifier;
use imap_codec::imap_types::fetch::{
    Macro, MacroOrMessageDataItemNames, MessageDataItemName, Part, Section,
};
use imap_codec::imap_types::sequence::SequenceSet;

use crate::config::Feature;
use crate::response_bytes::{Splice, SPLICE_MIN};
use crate::session::messages::Targets;
use crate::session::{Session, SessionContext, State, Tagged};
use crate::store::{FlagOperation, Flags, Message, SystemFlag, Uid};
use crate::wire;

impl Session {
    pub(crate) fn fetch(
        &mut self,
        ctx: &mut SessionContext<'_>,
        set: &SequenceSet,
        items: MacroOrMessageDataItemNames<'_>,
        uid: bool,
        modifiers: &[FetchModifier],
    ) -> Option<Tagged> {
        let user = self.user_name();
        // RFC 7162 §3.1.4: CHANGEDSINCE returns only messages whose mod-sequence is higher,
        // and implies the MODSEQ item; it and MODSEQ enable CONDSTORE.
        let mut changed_since = None;
        let mut vanished = false;
        for modifier in modifiers {
            match modifier {
                FetchModifier::ChangedSince(since) if ctx.config.is_enabled(Feature::CondStore) => {
                    changed_since = Some(since.get());
                }
                // RFC 7162 §3.2.6: only in UID FETCH, with CHANGEDSINCE, after ENABLE QRESYNC.
                FetchModifier::Vanished if self.qresync && uid => vanished = true,
                _ => return Tagged::bad("Unsupported FETCH modifier"),
            }
        }
        if vanished && changed_since.is_none() {
            return Tagged::bad("VANISHED needs CHANGEDSINCE");
        }
        let Targets {
            found: targets,
            expunged,
        } = match self.targets(ctx, set, uid) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let mut items = match items {
            MacroOrMessageDataItemNames::Macro(m) => expand_macro(m),
            MacroOrMessageDataItemNames::MessageDataItemNames(items) => items,
        };
        if uid && !items.contains(&MessageDataItemName::Uid) {
            items.insert(0, MessageDataItemName::Uid);
        }
        if changed_since.is_some() && !items.contains(&MessageDataItemName::ModSeq) {
            items.push(MessageDataItemName::ModSeq);
        }
        for item in &items {
            let unsupported = match item {
                MessageDataItemName::Binary { .. } if !ctx.config.is_enabled(Feature::Binary) => {
                    Some("BINARY")
                }
                MessageDataItemName::BinarySize { .. }
                    if !ctx.config.is_enabled(Feature::Binary) =>
                {
                    Some("BINARY.SIZE")
                }
                MessageDataItemName::ModSeq if !ctx.config.is_enabled(Feature::CondStore) => {
                    Some("MODSEQ")
                }
                _ => None,
            };
            if let Some(name) = unsupported {
                return Tagged::bad(format!("FETCH item {name} is not supported"));
            }
        }
        if items.contains(&MessageDataItemName::ModSeq) {
            self.condstore = true;
        }
        let condstore = self.condstore;
        let rev2 = self.rev2;
        let State::Selected { selection, .. } = &mut self.state else {
            return Tagged::bad("No mailbox selected");
        };
        if let (true, Some(since), Some(mailbox)) = (
            vanished,
            changed_since,
            ctx.store.mailbox(selection.mailbox),
        ) {
            let largest = mailbox.uid_next().saturating_sub(1);
            let gone: Vec<u32> = mailbox
                .expunged_since(since)
                .into_iter()
                .filter(|u| crate::session::sequence::contains_uid(set, *u, largest))
                .map(Uid::get)
                .collect();
            if !gone.is_empty() {
                let set = crate::session::sequence::compact(gone);
                crate::session::untagged_fmt!(&mut ctx.out, "VANISHED (EARLIER) {set}");
            }
        }
        let targets: Vec<(u32, Uid)> = match (changed_since, ctx.store.mailbox(selection.mailbox)) {
            (Some(since), Some(mailbox)) => targets
                .into_iter()
                .filter(|(_, uid)| mailbox.message(*uid).is_some_and(|m| m.modseq() > since))
                .collect(),
            _ => targets,
        };
        // RFC 3516 §4.3: "If the content transfer encoding is unknown, the server MUST
        // respond with a tagged NO … containing the UNKNOWN-CTE response code", so this is
        // checked before anything is sent or \Seen is set.
        if let Some(mailbox) = ctx.store.mailbox(selection.mailbox) {
            for item in &items {
                let (MessageDataItemName::Binary { section, .. }
                | MessageDataItemName::BinarySize { section }) = item
                else {
                    continue;
                };
                let parts: Vec<u32> = section.iter().map(|n| n.get()).collect();
                let unknown = targets.iter().any(|(_, uid)| {
                    mailbox
                        .message(*uid)
                        .is_some_and(|m| m.body().mime().check_binary(&parts).is_err())
                });
                if unknown {
                    return Tagged::no("[UNKNOWN-CTE] Unknown Content-Transfer-Encoding");
                }
            }
        }
        let sets_seen = !selection.read_only && items.iter().any(sets_seen);
        let mut seen_now: Vec<Uid> = Vec::new();
        if sets_seen {
            let mailbox = ctx.store.mailbox(selection.mailbox)?;
            let unseen: Vec<Uid> = targets
                .iter()
                .filter(|(_, u)| {
                    mailbox
                        .message(*u)
                        .is_some_and(|m| !m.flags().contains(SystemFlag::Seen))
                })
                .map(|(_, u)| *u)
                .collect();
            if !unseen.is_empty() {
                let mut seen = Flags::new();
                seen.insert(SystemFlag::Seen);
                if let Ok((Some(change), _)) = ctx.store.store_flags(
                    selection.mailbox,
                    &unseen,
                    FlagOperation::Add,
                    &seen,
                    None,
                ) {
                    ctx.changes.push((user.clone(), change));
                }
                seen_now = unseen;
            }
        }
        // Whole messages go out as they are: size the output once instead of doubling it
        // (and copying it) a dozen times on a FETCH of a large mailbox.
        if items.iter().any(|item| {
            matches!(
                item,
                MessageDataItemName::BodyExt {
                    section: None,
                    partial: None,
                    ..
                } | MessageDataItemName::Rfc822
            )
        }) {
            if let Some(mailbox) = ctx.store.mailbox(selection.mailbox) {
                let total: usize = targets
                    .iter()
                    .filter_map(|(_, uid)| mailbox.message(*uid).map(|m| m.size() + 64))
                    .sum();
                ctx.out.reserve(total);
            }
        }
        let flags_requested = items.contains(&MessageDataItemName::Flags);
        let modseq_requested = items.contains(&MessageDataItemName::ModSeq);
        let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
            return Tagged::no("Mailbox no longer exists");
        };
        for (msn, uid) in &targets {
            let Some(message) = mailbox.message(*uid) else {
                continue;
            };
            let out = &mut ctx.out;
            let splices = &mut ctx.splices;
            out.extend_from_slice(b"* ");
            wire::number(out, *msn);
            out.extend_from_slice(b" FETCH (");
            let mut first = true;
            for item in &items {
                if !first {
                    out.push(b' ');
                }
                first = false;
                let recent = !rev2 && selection.is_recent(*uid);
                write_item(out, splices, item, message, recent);
            }
            if !flags_requested && seen_now.binary_search(uid).is_ok() {
                out.extend_from_slice(b" FLAGS ");
                wire::flag_list(out, message.flags(), !rev2 && selection.is_recent(*uid));
                if condstore && !modseq_requested {
                    out.extend_from_slice(b" MODSEQ (");
                    wire::number(out, message.modseq());
                    out.push(b')');
                }
            }
            out.extend_from_slice(b")\r\n");
        }
        if expunged {
            return Tagged::no("[EXPUNGEISSUED] Some of the requested messages no longer exist");
        }
        Tagged::ok(if uid {
            "UID FETCH completed"
        } else {
            "FETCH completed"
        })
    }
}

fn expand_macro(m: Macro) -> Vec<MessageDataItemName<'static>> {
    use MessageDataItemName as I;
    match m {
        Macro::Fast => vec![I::Flags, I::InternalDate, I::Rfc822Size],
        Macro::All => vec![I::Flags, I::InternalDate, I::Rfc822Size, I::Envelope],
        _ => vec![
            I::Flags,
            I::InternalDate,
            I::Rfc822Size,
            I::Envelope,
            I::Body,
        ],
    }
}

fn sets_seen(item: &MessageDataItemName<'_>) -> bool {
    matches!(
        item,
        MessageDataItemName::BodyExt { peek: false, .. }
            | MessageDataItemName::Binary { peek: false, .. }
            | MessageDataItemName::Rfc822
            | MessageDataItemName::Rfc822Text
    )
}

fn write_item(
    out: &mut Vec<u8>,
    splices: &mut Vec<Splice>,
    item: &MessageDataItemName<'_>,
    message: &Message,
    recent: bool,
) {
    let raw = message.body().bytes();
    match item {
        MessageDataItemName::Uid => {
            out.extend_from_slice(b"UID ");
            wire::number(out, message.uid().get());
        }
        MessageDataItemName::Flags => {
            out.extend_from_slice(b"FLAGS ");
            wire::flag_list(out, message.flags(), recent);
        }
        MessageDataItemName::InternalDate => {
            out.extend_from_slice(b"INTERNALDATE ");
            wire::date_time(out, message.internal_date());
        }
        MessageDataItemName::Rfc822Size => {
            out.extend_from_slice(b"RFC822.SIZE ");
            wire::number(out, message.size() as u64);
        }
        MessageDataItemName::Envelope => {
            out.extend_from_slice(b"ENVELOPE ");
            message.body().mime().write_envelope(raw, out);
        }
        MessageDataItemName::Body => {
            out.extend_from_slice(b"BODY ");
            message.body().mime().write_body_structure(raw, false, out);
        }
        MessageDataItemName::BodyStructure => {
            out.extend_from_slice(b"BODYSTRUCTURE ");
            message.body().mime().write_body_structure(raw, true, out);
        }
        MessageDataItemName::Rfc822 => {
            out.extend_from_slice(b"RFC822 ");
            write_partial_data(out, splices, message, Some(raw), None, false);
        }
        MessageDataItemName::Rfc822Header => {
            out.extend_from_slice(b"RFC822.HEADER ");
            let header = message.body().mime().section(raw, &Section::Header(None));
            wire::literal(out, header.as_deref().unwrap_or_default());
        }
        MessageDataItemName::Rfc822Text => {
            out.extend_from_slice(b"RFC822.TEXT");
            let text = message.body().mime().section(raw, &Section::Text(None));
            let text = text.as_deref().unwrap_or_default();
            write_partial_data(out, splices, message, Some(text), None, false);
        }
        MessageDataItemName::BodyExt {
            section, partial, ..
        } => {
            out.extend_from_slice(b"BODY[");
            if let Some(section) = section {
                write_section(out, section);
            }
            out.push(b']');
            let data: Option<Cow<'_, [u8]>> = match section {
                None => Some(Cow::Borrowed(raw)),
                Some(section) => message.body().mime().section(raw, section),
            };
            write_partial_data(out, splices, message, data.as_deref(), *partial, false);
        }
        MessageDataItemName::Binary {
            section, partial, ..
        } => {
            out.extend_from_slice(b"BINARY[");
            write_part_numbers(out, section);
            out.push(b']');
            let parts: Vec<u32> = section.iter().map(|n| n.get()).collect();
            match message.body().mime().binary(raw, &parts) {
                Ok(data) => {
                    write_partial_data(out, splices, message, data.as_deref(), *partial, true)
                }
                Err(_) => {
                    out.extend_from_slice(b" NIL");
                }
            }
        }
        MessageDataItemName::BinarySize { section } => {
            out.extend_from_slice(b"BINARY.SIZE[");
            write_part_numbers(out, section);
            out.extend_from_slice(b"] ");
            let parts: Vec<u32> = section.iter().map(|n| n.get()).collect();
            match message.body().mime().binary(raw, &parts) {
                Ok(Some(data)) => wire::number(out, data.len() as u64),
                _ => out.extend_from_slice(b"0"),
            }
        }
        MessageDataItemName::ModSeq => {
            out.extend_from_slice(b"MODSEQ (");
            wire::number(out, message.modseq());
            out.push(b')');
        }
    }
}

/// Writes `<origin> data` (or ` data`), cutting the data to the partial range. Data
/// that is a long enough slice of `message`'s stored bytes is spliced in, not copied.
fn write_partial_data(
    out: &mut Vec<u8>,
    splices: &mut Vec<Splice>,
    message: &Message,
    data: Option<&[u8]>,
    partial: Option<(u32, std::num::NonZeroU32)>,
    binary: bool,
) {
    let Some(data) = data else {
        out.extend_from_slice(b" NIL");
        return;
    };
    let data = match partial {
        Some((origin, length)) => {
            out.push(b'<');
            wire::number(out, origin);
            out.push(b'>');
            let start = (origin as usize).min(data.len());
            let end = start.saturating_add(length.get() as usize).min(data.len());
            &data[start..end]
        }
        None => data,
    };
    out.push(b' ');
    if !data.contains(&0) {
        match stored_range(message.body().bytes(), data) {
            Some(range) if data.len() >= SPLICE_MIN => {
                wire::literal_prefix(out, data.len());
                splices.push(Splice {
                    at: out.len(),
                    body: message.body().clone(),
                    range,
                });
            }
            _ => wire::literal(out, data),
        }
    } else if binary {
        wire::literal8(out, data);
    } else {
        // A literal may not carry NUL, and BODY[] has no literal8 form (RFC 3516 keeps
        // that for BINARY[]): NUL goes out as 0x80, as Dovecot does, keeping the size.
        let masked: Vec<u8> = data
            .iter()
            .map(|&b| if b == 0 { 0x80 } else { b })
            .collect();
        wire::literal(out, &masked);
    }
}

/// Where `part` lies in `stored`, when it is a slice of it (and not a decoded copy).
fn stored_range(stored: &[u8], part: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(stored.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= stored.len()).then_some(start..end)
}

fn write_part_numbers(out: &mut Vec<u8>, parts: &[std::num::NonZeroU32]) {
    for (i, n) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        wire::number(out, n.get());
    }
}

fn write_part_prefix(out: &mut Vec<u8>, part: &Option<Part>) {
    if let Some(part) = part {
        write_part_numbers(out, part.0.as_ref());
        out.push(b'.');
    }
}

/// Writes a section spec as the client sent it, e.g. `1.2.HEADER.FIELDS (From To)`.
pub(crate) fn write_section(out: &mut Vec<u8>, section: &Section<'_>) {
    let fields = |out: &mut Vec<u8>, names: &[imap_codec::imap_types::core::AString<'_>]| {
        out.extend_from_slice(b" (");
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            wire::astring(out, name.as_ref());
        }
        out.push(b')');
    };
    match section {
        Section::Part(part) => write_part_numbers(out, part.0.as_ref()),
        Section::Header(part) => {
            write_part_prefix(out, part);
            out.extend_from_slice(b"HEADER");
        }
        Section::HeaderFields(part, names) => {
            write_part_prefix(out, part);
            out.extend_from_slice(b"HEADER.FIELDS");
            fields(out, names.as_ref());
        }
        Section::HeaderFieldsNot(part, names) => {
            write_part_prefix(out, part);
            out.extend_from_slice(b"HEADER.FIELDS.NOT");
            fields(out, names.as_ref());
        }
        Section::Text(part) => {
            write_part_prefix(out, part);
            out.extend_from_slice(b"TEXT");
        }
        Section::Mime(part) => {
            write_part_numbers(out, part.0.as_ref());
            out.extend_from_slice(b".MIME");
        }
    }
}
