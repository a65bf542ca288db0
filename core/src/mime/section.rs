//! BODY[section] and BINARY[section]: finding the bytes a section specifier names.
//!
//! RFC 9051 §6.4.5: "Every message has at least one part number. Non-[MIME-IMB] messages,
//! and non-multipart [MIME-IMB] messages with no encapsulated message, only have a part
//! 1." Parts of an encapsulated message are numbered below the MESSAGE/RFC822 part, and
//! "The HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, and TEXT part specifiers can be the
//! sole part specifier or can be prefixed by one or more numeric part specifiers,
//! provided that the numeric part specifier refers to a part of type MESSAGE/RFC822."
//!
//! Choices left open:
//! - A section that names no part (`BODY[9]`, `BODY[1.HEADER]` of a text part) is
//!   answered with NIL, as Cyrus does, rather than an error for the whole FETCH.
//! - `n.MIME` of a non-multipart message's part 1 is the message header, since that is
//!   where part 1's MIME fields are.
//! - HEADER.FIELDS returns the matching fields exactly as stored (folding, bare LF and
//!   all), in message order, then the empty line; the RFC: "the blank line is included
//!   in all header fetches, except in the case of a message which has no body and no
//!   blank line."

use std::borrow::Cow;
use std::ops::Range;

use imap_codec::imap_types::core::AString;
use imap_codec::imap_types::fetch::{Part as PartSpec, Section};

use crate::mime::header;
use crate::mime::structure::{Kind, Part};

/// The bytes `section` names in the message `raw` whose part tree is `root`.
pub(crate) fn extract<'r>(
    raw: &'r [u8],
    root: &Part,
    section: &Section<'_>,
) -> Option<Cow<'r, [u8]>> {
    let borrowed = |range: Range<usize>| Some(Cow::Borrowed(&raw[range]));
    match section {
        Section::Part(spec) => borrowed(resolve(root, spec)?.body.clone()),
        Section::Mime(spec) => borrowed(resolve(root, spec)?.header.clone()),
        Section::Header(spec) => borrowed(message(root, spec.as_ref())?.header.clone()),
        Section::Text(spec) => borrowed(message(root, spec.as_ref())?.body.clone()),
        Section::HeaderFields(spec, names) => {
            let top = message(root, spec.as_ref())?;
            Some(Cow::Owned(filter(raw, top, names.as_ref(), true)))
        }
        Section::HeaderFieldsNot(spec, names) => {
            let top = message(root, spec.as_ref())?;
            Some(Cow::Owned(filter(raw, top, names.as_ref(), false)))
        }
    }
}

/// The part a numeric path names (1-based at every level).
pub(crate) fn resolve<'p>(root: &'p Part, spec: &PartSpec) -> Option<&'p Part> {
    resolve_path(root, spec.0.as_ref().iter().map(|n| n.get()))
}

/// Like [`resolve`], over plain numbers.
pub(crate) fn resolve_path(root: &Part, path: impl IntoIterator<Item = u32>) -> Option<&Part> {
    let mut current: Option<&Part> = None;
    for n in path {
        let index = usize::try_from(n).ok()?.checked_sub(1)?;
        current = Some(match current {
            // The first number picks a part of the message itself.
            None => child_of_message(root, index)?,
            Some(part) => match &part.kind {
                Kind::Multipart(children) => children.get(index)?,
                Kind::Message(inner) => child_of_message(inner, index)?,
                Kind::Leaf => return None,
            },
        });
    }
    current
}

/// Part `index + 1` of the message whose top-level part is `top`.
fn child_of_message(top: &Part, index: usize) -> Option<&Part> {
    match &top.kind {
        Kind::Multipart(children) => children.get(index),
        _ if index == 0 => Some(top),
        _ => None,
    }
}

/// The top-level part of the message a HEADER/TEXT specifier refers to: the message
/// itself, or the encapsulated message of a MESSAGE/RFC822 part.
fn message<'p>(root: &'p Part, spec: Option<&PartSpec>) -> Option<&'p Part> {
    match spec {
        None => Some(root),
        Some(spec) => match &resolve(root, spec)?.kind {
            Kind::Message(inner) => Some(inner),
            _ => None,
        },
    }
}

/// The header fields of `top` whose names are (`keep`) or are not (`!keep`) in `names`.
fn filter(raw: &[u8], top: &Part, names: &[AString<'_>], keep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for field in header::fields(raw, top.header.clone()) {
        let name = &raw[field.name.clone()];
        let listed = names
            .iter()
            .any(|n| AsRef::<[u8]>::as_ref(n).eq_ignore_ascii_case(name));
        if listed == keep {
            out.extend_from_slice(&raw[field.line.clone()]);
            if !raw[..field.line.end].ends_with(b"\n") {
                out.extend_from_slice(b"\r\n"); // a last field without a line end
            }
        }
    }
    let header = &raw[top.header.clone()];
    let has_blank_line = header.ends_with(b"\n\n")
        || header.ends_with(b"\n\r\n")
        || header == b"\r\n"
        || header == b"\n";
    if has_blank_line {
        out.extend_from_slice(b"\r\n");
    }
    out
}
