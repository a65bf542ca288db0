//! One stored message: its UID, flags, dates and its bytes.
//!
//! The bytes are stored once and shared: `COPY`, `MOVE` and every `FETCH BODY[]` hand out
//! the same allocation. Parsed MIME structure is computed on first use and cached beside
//! the bytes, so a message that is never asked for its structure costs nothing more than
//! its bytes and a few words, and one that is asked is parsed exactly once.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use crate::mime::{MimeInfo, Needle};
use crate::store::flags::Flags;
use crate::time::Timestamp;

/// A message's unique identifier within its mailbox (RFC 9051 §2.3.1.1): strictly
/// ascending in the order messages were added, never reused while UIDVALIDITY lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(NonZeroU32);

impl Uid {
    /// A UID from a non-zero value.
    pub fn new(value: u32) -> Option<Uid> {
        NonZeroU32::new(value).map(Uid)
    }

    /// The UID's value.
    pub fn get(self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The bytes of a message, shared between every mailbox that holds a copy.
///
/// Cloning is cheap (a reference count). The parsed structure is cached here too, so
/// copies share it as well.
#[derive(Clone)]
pub struct MessageBody(Arc<BodyData>);

struct BodyData {
    bytes: Box<[u8]>,
    mime: OnceLock<Box<MimeInfo>>,
}

impl MessageBody {
    /// Stores `bytes` as a message body.
    pub fn new(bytes: impl Into<Box<[u8]>>) -> Self {
        MessageBody(Arc::new(BodyData {
            bytes: bytes.into(),
            mime: OnceLock::new(),
        }))
    }

    /// The raw RFC 5322 bytes, exactly as received.
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The size in octets (`RFC822.SIZE`).
    pub fn len(&self) -> usize {
        self.0.bytes.len()
    }

    /// Whether the message has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.bytes.is_empty()
    }

    /// The parsed MIME structure, computed on first use and then cached.
    pub(crate) fn mime(&self) -> &MimeInfo {
        self.0
            .mime
            .get_or_init(|| Box::new(MimeInfo::parse(&self.0.bytes)))
    }

    /// The decoded value of the first header field called `name` (any case), e.g. a
    /// Subject for a list view: RFC 2047 words decoded, folded lines joined.
    pub fn header(&self, name: &str) -> Option<String> {
        self.mime().header(self.bytes(), name)
    }

    /// SEARCH FROM/TO/CC/BCC/SUBJECT/HEADER: whether a top-level field called `field`
    /// (lower-case) contains the needle after decoding.
    ///
    /// This does not parse the message when its header is plain (see
    /// [`crate::mime::matching::header_contains`]): the first header search over a
    /// mailbox of fresh messages only scans their header lines.
    pub(crate) fn header_contains(&self, field: &str, needle: &Needle) -> bool {
        let raw = self.bytes();
        let header = match self.0.mime.get() {
            Some(mime) => mime.header_range(),
            None => crate::mime::header::message_header(raw),
        };
        crate::mime::matching::header_contains(raw, header, field, needle, || {
            self.mime().decoded_fields(raw)
        })
    }

    /// Whether two bodies share one allocation (a copy, not merely equal bytes).
    pub fn shares_bytes_with(&self, other: &MessageBody) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageBody({} bytes)", self.len())
    }
}

impl From<Vec<u8>> for MessageBody {
    fn from(bytes: Vec<u8>) -> Self {
        MessageBody::new(bytes)
    }
}

impl From<&[u8]> for MessageBody {
    fn from(bytes: &[u8]) -> Self {
        MessageBody::new(bytes)
    }
}

/// A message as held in one mailbox.
#[derive(Debug, Clone)]
pub struct Message {
    pub(crate) uid: Uid,
    pub(crate) modseq: u64,
    pub(crate) internal_date: Timestamp,
    pub(crate) flags: Flags,
    pub(crate) body: MessageBody,
}

impl Message {
    /// The message's UID.
    pub fn uid(&self) -> Uid {
        self.uid
    }

    /// The mod-sequence of the message's last change (RFC 7162).
    pub fn modseq(&self) -> u64 {
        self.modseq
    }

    /// When the message arrived (INTERNALDATE).
    pub fn internal_date(&self) -> Timestamp {
        self.internal_date
    }

    /// The message's flags.
    pub fn flags(&self) -> &Flags {
        &self.flags
    }

    /// The message's bytes.
    pub fn body(&self) -> &MessageBody {
        &self.body
    }

    /// The size in octets.
    pub fn size(&self) -> usize {
        self.body.len()
    }
}
