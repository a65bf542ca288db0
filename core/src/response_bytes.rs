//! The bytes of one [`crate::Output::Transmit`]: response text with stored message bodies
//! spliced in, not copied.
//!
//! A `FETCH 1:* BODY[]` over a mailbox of 2,000 messages of 4 KB answers with 8 MB, nearly
//! all of it message bytes the store already holds. Copying them into one fresh buffer
//! costs more than producing the rest of the response: the copy itself, and the page
//! faults of touching 8 MB of new memory on every such FETCH. So a large message slice
//! travels as a reference-counted handle to the stored body plus a range, and the
//! driver writes the pieces in order (one vectored write on a socket) or copies them
//! once where it must (the browser).

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use crate::store::MessageBody;

/// Slices shorter than this are copied into the text: an extra piece to write costs
/// more than copying a few hundred bytes.
pub(crate) const SPLICE_MIN: usize = 1024;

/// A piece of a stored message body, to be written at `at` in the response text.
#[derive(Clone)]
pub(crate) struct Splice {
    /// Offset into the text before which the slice goes.
    pub(crate) at: usize,
    pub(crate) body: MessageBody,
    pub(crate) range: Range<usize>,
}

/// Bytes for one connection, in order: response text interleaved with slices of stored
/// messages (shared with the store, not copied).
///
/// Write every chunk of [`ResponseBytes::chunks`] in order, or take a copy with
/// [`ResponseBytes::into_vec`].
#[derive(Clone, Default)]
pub struct ResponseBytes {
    text: Vec<u8>,
    /// In ascending `at` order.
    splices: Vec<Splice>,
}

impl ResponseBytes {
    /// `text` with `splices` (in ascending `at` order, each `at` within `text`) spliced in.
    pub(crate) fn new(text: Vec<u8>, splices: Vec<Splice>) -> ResponseBytes {
        debug_assert!(splices.windows(2).all(|w| w[0].at <= w[1].at));
        debug_assert!(splices.iter().all(|s| s.at <= text.len()));
        debug_assert!(splices.iter().all(|s| s.range.end <= s.body.len()));
        ResponseBytes { text, splices }
    }

    /// The total number of bytes.
    pub fn len(&self) -> usize {
        self.text.len() + self.splices.iter().map(|s| s.range.len()).sum::<usize>()
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pieces in wire order, empty ones left out: a range of the text (`None`) or
    /// of a stored body.
    fn pieces(&self) -> impl Iterator<Item = (Option<&MessageBody>, Range<usize>)> + '_ {
        let starts = std::iter::once(0).chain(self.splices.iter().map(|s| s.at));
        let tail = self.splices.last().map_or(0, |s| s.at)..self.text.len();
        self.splices
            .iter()
            .zip(starts)
            .flat_map(|(splice, from)| {
                [
                    (None, from..splice.at),
                    (Some(&splice.body), splice.range.clone()),
                ]
            })
            .chain(std::iter::once((None, tail)))
            .filter(|(_, range)| !range.is_empty())
    }

    /// The bytes as a sequence of non-empty slices, in the order they go on the wire.
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.pieces().map(|(body, range)| match body {
            None => &self.text[range],
            Some(body) => &body.bytes()[range],
        })
    }

    /// The chunks as owned values, in order, for a driver that keeps them queued until
    /// the socket takes them (no bytes are copied: text chunks share one buffer, message
    /// slices share the store's).
    pub fn into_chunks(self) -> Vec<Chunk> {
        let pieces: Vec<(Option<MessageBody>, Range<usize>)> = self
            .pieces()
            .map(|(body, range)| (body.cloned(), range))
            .collect();
        let text = Arc::new(self.text);
        pieces
            .into_iter()
            .map(|(body, range)| Chunk {
                source: match body {
                    None => Source::Text(text.clone()),
                    Some(body) => Source::Stored(body),
                },
                range,
            })
            .collect()
    }

    /// All the bytes in one buffer (no copy when nothing was spliced in).
    pub fn into_vec(self) -> Vec<u8> {
        if self.splices.is_empty() {
            return self.text;
        }
        let mut all = Vec::with_capacity(self.len());
        for chunk in self.chunks() {
            all.extend_from_slice(chunk);
        }
        all
    }
}

/// One piece of a [`ResponseBytes`] that owns a share of its bytes; see
/// [`ResponseBytes::into_chunks`]. Dereferences to the bytes.
#[derive(Clone)]
pub struct Chunk {
    source: Source,
    range: Range<usize>,
}

#[derive(Clone)]
enum Source {
    /// Response text, shared by every chunk of one `ResponseBytes`.
    Text(Arc<Vec<u8>>),
    /// A stored message.
    Stored(MessageBody),
}

impl Deref for Chunk {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        let all: &[u8] = match &self.source {
            Source::Text(text) => text,
            Source::Stored(body) => body.bytes(),
        };
        &all[self.range.clone()]
    }
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chunk({} bytes)", self.range.len())
    }
}

impl From<Vec<u8>> for ResponseBytes {
    fn from(text: Vec<u8>) -> Self {
        ResponseBytes {
            text,
            splices: Vec::new(),
        }
    }
}

impl fmt::Debug for ResponseBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ResponseBytes({} bytes, {} shared slices)",
            self.len(),
            self.splices.len()
        )
    }
}

impl PartialEq for ResponseBytes {
    /// Equal when the bytes are, however they are split.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.clone().into_vec() == other.clone().into_vec()
    }
}

impl Eq for ResponseBytes {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_interleave_text_and_shared_slices() {
        let body = MessageBody::new(b"0123456789".to_vec());
        let splice = |at: usize, range: Range<usize>| Splice {
            at,
            body: body.clone(),
            range,
        };
        let bytes = ResponseBytes::new(
            b"ab{3}cd".to_vec(),
            vec![
                splice(0, 0..2),
                splice(2, 2..5),
                splice(2, 5..5),
                splice(7, 8..10),
            ],
        );
        let chunks: Vec<&[u8]> = bytes.chunks().collect();
        assert_eq!(
            chunks,
            [&b"01"[..], b"ab", b"234", b"{3}cd", b"89"],
            "empty pieces are skipped"
        );
        assert_eq!(bytes.len(), 14);
        let owned: Vec<Vec<u8>> = bytes
            .clone()
            .into_chunks()
            .iter()
            .map(|c| c.to_vec())
            .collect();
        assert_eq!(owned, chunks);
        assert_eq!(bytes.into_vec(), b"01ab234{3}cd89");
        let plain = ResponseBytes::from(b"* OK\r\n".to_vec());
        assert_eq!(plain.chunks().collect::<Vec<_>>(), [&b"* OK\r\n"[..]]);
        assert!(ResponseBytes::default().chunks().next().is_none());
        assert!(ResponseBytes::default().is_empty());
    }
}
