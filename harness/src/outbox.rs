//! Output waiting for one connection's socket.
//!
//! Core hands us [`ResponseBytes`]: response text with stored message bodies spliced in,
//! not copied. The outbox keeps them as chunks and writes them with vectored writes, so a
//! `FETCH 1:* BODY[]` of a whole mailbox goes from the store to the kernel without a
//! single copy in between, and the chunks are released as the socket takes them.
//!
//! The connection loop writes [`Outbox::slices`] with one vectored write per turn, which
//! is cancel-safe, so it may sit in `select!` while it also reads.

use std::collections::VecDeque;
use std::io::{self, IoSlice};

use ephemail_core::{Chunk, ResponseBytes};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Slices handed to one vectored write; more rarely helps, as the socket buffer is the
/// limit, and the kernel caps a write at 1,024 slices.
pub(crate) const SLICES_PER_WRITE: usize = 64;

/// Bytes queued for a connection, in order.
#[derive(Default)]
pub(crate) struct Outbox {
    chunks: VecDeque<Chunk>,
    /// Bytes of the front chunk already written.
    written: usize,
    /// Bytes queued and not yet written.
    len: usize,
}

impl Outbox {
    /// Queues `bytes` after everything already queued.
    pub(crate) fn push(&mut self, bytes: ResponseBytes) {
        for chunk in bytes.into_chunks() {
            self.len += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Bytes not yet written.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether everything has been written.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Fills `slices` with the queued bytes, front first, and returns how many slices
    /// it used: the argument for one vectored write, followed by [`Outbox::advance`].
    pub(crate) fn slices<'a>(&'a self, slices: &mut [IoSlice<'a>]) -> usize {
        let mut count = 0;
        for (slot, (i, chunk)) in slices.iter_mut().zip(self.chunks.iter().enumerate()) {
            let skip = if i == 0 { self.written } else { 0 };
            *slot = IoSlice::new(&chunk[skip..]);
            count += 1;
        }
        count
    }

    /// Drops `n` written bytes from the front.
    pub(crate) fn advance(&mut self, mut n: usize) {
        self.len -= n.min(self.len);
        while let Some(front) = self.chunks.front() {
            let left = front.len() - self.written;
            if n < left {
                self.written += n;
                return;
            }
            n -= left;
            self.written = 0;
            self.chunks.pop_front();
        }
    }

    /// Writes everything queued.
    pub(crate) async fn write_all<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
    ) -> io::Result<()> {
        while !self.is_empty() {
            let mut slices = [IoSlice::new(&[]); SLICES_PER_WRITE];
            let count = self.slices(&mut slices);
            let n = writer.write_vectored(&slices[..count]).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.advance(n);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes at most `limit` bytes per call, like a full socket.
    struct Trickle {
        taken: Vec<u8>,
        limit: usize,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<io::Result<usize>> {
            let n = buf.len().min(self.limit);
            self.taken.extend_from_slice(&buf[..n]);
            std::task::Poll::Ready(Ok(n))
        }

        fn poll_write_vectored(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> std::task::Poll<io::Result<usize>> {
            let mut n = 0;
            for buf in bufs {
                let take = buf.len().min(self.limit - n);
                self.taken.extend_from_slice(&buf[..take]);
                n += take;
                if n == self.limit {
                    break;
                }
            }
            std::task::Poll::Ready(Ok(n))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn writes_everything_in_order_however_the_writer_splits_it() {
        let mut expected = Vec::new();
        let mut outbox = Outbox::default();
        for i in 0..200u32 {
            let text = format!("* {i} chunk of text\r\n").into_bytes();
            expected.extend_from_slice(&text);
            outbox.push(ResponseBytes::from(text));
        }
        assert_eq!(outbox.len(), expected.len());
        for limit in [1, 7, 100, 100_000] {
            let mut copy = Outbox::default();
            copy.push(ResponseBytes::from(expected.clone()));
            let mut writer = Trickle {
                taken: Vec::new(),
                limit,
            };
            copy.write_all(&mut writer).await.unwrap();
            assert_eq!(writer.taken, expected);
            assert!(copy.is_empty());
        }
        let mut writer = Trickle {
            taken: Vec::new(),
            limit: 13,
        };
        outbox.write_all(&mut writer).await.unwrap();
        assert_eq!(writer.taken, expected);
        assert_eq!(outbox.len(), 0);
    }
}
