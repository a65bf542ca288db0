//! One client connection: read, write, and do TLS; nothing else.
//!
//! Two hazards shape this file.
//!
//! *Deadlock on large literals.* A client may be writing a big APPEND while we write a big
//! FETCH response to it. If either side only reads after it has finished writing, both
//! block on full socket buffers forever. So one loop reads and writes at once, selecting
//! over cancel-safe operations only (channel receive, `read_buf`, `write`, `flush`).
//!
//! *Unbounded buffering.* Core executes every complete command at once, so a client that
//! pipelines `FETCH 1:* BODY[]` without ever reading would make us hold all of the
//! responses. We stop reading from a connection while its unsent output exceeds
//! [`MAX_UNSENT_OUTPUT`]: the commands wait in the kernel's buffers and TCP slows the
//! client down, not our memory.
//!
//! STARTTLS: core emits `StartTls` after the tagged OK of the command; we stop reading,
//! write everything queued before it in plain text, then hand the socket to rustls.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ephemail_core::SessionId;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::driver::{ConnOutput, Request};
use crate::outbox::{Outbox, SLICES_PER_WRITE};

/// Unsent output above which we stop reading from the client.
pub const MAX_UNSENT_OUTPUT: usize = 1024 * 1024;

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection may take to flush and close when the server shuts down.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Bytes read from the socket at most per read call.
const READ_CHUNK: usize = 16 * 1024;

/// Which listener role accepted the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Plain text, STARTTLS offered when TLS is configured (the port-143 role).
    Plain,
    /// TLS from the first byte (the port-993 role).
    ImplicitTls,
}

/// What a connection task needs from the server around it.
#[derive(Clone)]
pub(crate) struct ConnectionContext {
    pub(crate) requests: mpsc::Sender<Request>,
    pub(crate) acceptor: Option<TlsAcceptor>,
    pub(crate) cancel: CancellationToken,
}

/// Serves one accepted socket until it closes or the server shuts down.
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    role: Role,
    ctx: Arc<ConnectionContext>,
) {
    let span = tracing::info_span!("session", session = tracing::field::Empty, %peer, ?role);
    serve_in_span(stream, role, ctx, span.clone())
        .instrument(span)
        .await;
}

async fn serve_in_span(
    stream: TcpStream,
    role: Role,
    ctx: Arc<ConnectionContext>,
    span: tracing::Span,
) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "could not set TCP_NODELAY");
    }
    let transport = match role {
        Role::Plain => Transport::Plain(stream),
        Role::ImplicitTls => match handshake(stream, &ctx).await {
            Some(tls) => Transport::Tls(Box::new(tls)),
            None => return,
        },
    };
    let (output_tx, mut output) = mpsc::unbounded_channel();
    let accept = Request::Accept {
        tls: role == Role::ImplicitTls,
        conn: output_tx,
        span,
    };
    if ctx.requests.send(accept).await.is_err() {
        return;
    }
    let session = tokio::select! {
        () = ctx.cancel.cancelled() => return,
        first = output.recv() => match first {
            Some(ConnOutput::Session(session)) => session,
            _ => return,
        },
    };
    tracing::debug!("connected");

    let mut transport = transport;
    loop {
        let (returned, outcome) = pump(transport, session, &mut output, &ctx).await;
        match (outcome, returned) {
            (Outcome::StartTls, Transport::Plain(tcp)) => match handshake(tcp, &ctx).await {
                Some(tls) => transport = Transport::Tls(Box::new(tls)),
                None => break,
            },
            _ => break,
        }
    }
    let _ = ctx.requests.send(Request::Closed { session }).await;
    tracing::debug!("disconnected");
}

async fn handshake(tcp: TcpStream, ctx: &ConnectionContext) -> Option<TlsStream<TcpStream>> {
    let Some(acceptor) = &ctx.acceptor else {
        tracing::warn!("TLS requested but no TLS configuration; closing");
        return None;
    };
    tokio::select! {
        () = ctx.cancel.cancelled() => None,
        result = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => match result {
            Ok(Ok(tls)) => Some(tls),
            Ok(Err(error)) => {
                tracing::info!(%error, "TLS handshake failed");
                None
            }
            Err(_) => {
                tracing::info!("TLS handshake timed out");
                None
            }
        },
    }
}

enum Outcome {
    /// Upgrade to TLS, then keep going.
    StartTls,
    /// The connection is over.
    Finished,
}

/// Moves bytes both ways until the connection ends or must be upgraded.
async fn pump(
    transport: Transport,
    session: SessionId,
    output: &mut mpsc::UnboundedReceiver<ConnOutput>,
    ctx: &ConnectionContext,
) -> (Transport, Outcome) {
    let (mut reader, mut writer) = tokio::io::split(transport);
    let mut queue = OutputQueue::default();
    let mut input = Vec::with_capacity(READ_CHUNK);
    // Input handed to the server task and not yet executed. We read again only once it
    // has been, so the unsent-output bound below sees every response that input caused:
    // at most one read's worth of commands runs past the bound.
    let mut in_flight = false;
    // Made once: a fresh `cancelled()` per loop turn would join and leave the token's
    // waiter list every time.
    let cancelled = ctx.cancel.cancelled();
    tokio::pin!(cancelled);

    let outcome = loop {
        if queue.is_idle() {
            if queue.start_tls {
                break Outcome::StartTls;
            }
            if queue.closing {
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, writer.shutdown()).await;
                break Outcome::Finished;
            }
        }
        let may_read = queue.accepts_more() && !in_flight && queue.unsent() <= MAX_UNSENT_OUTPUT;
        tokio::select! {
            biased;
            () = &mut cancelled => {
                // Shutting down: the server task sends this connection its `* BYE` and a
                // Close; send that and what is already queued, then close cleanly (a TLS
                // close_notify, then FIN), but never let a stuck client hold us up.
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
                    loop {
                        match output.recv().await {
                            Some(ConnOutput::Bytes(bytes)) => queue.outbox.push(bytes),
                            Some(ConnOutput::Close) | None => break,
                            Some(_) => {}
                        }
                    }
                    queue.outbox.write_all(&mut writer).await?;
                    writer.shutdown().await
                })
                .await;
                break Outcome::Finished;
            }
            message = output.recv(), if queue.accepts_more() => {
                let Some(message) = message else { break Outcome::Finished };
                queue.take(message, &mut in_flight);
                // Whatever else the server task sent in the same turn (typically the
                // `Processed` after a response) is taken now, not one wake-up each. Not
                // past a StartTls or Close: what follows those is for later.
                while queue.accepts_more() {
                    match output.try_recv() {
                        Ok(message) => queue.take(message, &mut in_flight),
                        Err(_) => break,
                    }
                }
            }
            result = write_some(&mut writer, &queue.outbox), if queue.has_work() => {
                match result {
                    Ok((0, _)) if !queue.outbox.is_empty() => break Outcome::Finished,
                    Ok((n, flushed)) => queue.wrote(n, flushed),
                    Err(_) => break Outcome::Finished,
                }
            }
            result = reader.read_buf(&mut input), if may_read => match result {
                Ok(0) | Err(_) => {
                    // The client is gone (or half-closed). Tell core; the server task
                    // answers with Close once it has routed everything for us.
                    if ctx.requests.send(Request::Closed { session }).await.is_err() {
                        break Outcome::Finished;
                    }
                    // Keep writing what is queued until that Close arrives.
                    loop {
                        match output.recv().await {
                            Some(ConnOutput::Bytes(bytes)) => queue.outbox.push(bytes),
                            Some(ConnOutput::Processed) => {}
                            _ => break,
                        }
                    }
                    let _ = tokio::time::timeout(
                        Duration::from_secs(1),
                        queue.outbox.write_all(&mut writer),
                    )
                    .await;
                    break Outcome::Finished;
                }
                Ok(_) => {
                    // A mostly full buffer (bulk input such as an APPEND literal) is
                    // handed over as it is, and a fresh one takes its place; a short
                    // read is copied to its exact size, so a command of a few bytes does
                    // not pin 16 KiB until it is executed.
                    let bytes = if input.len() >= READ_CHUNK / 2 {
                        std::mem::replace(&mut input, Vec::with_capacity(READ_CHUNK))
                    } else {
                        let bytes = input.clone();
                        input.clear();
                        bytes
                    };
                    if ctx.requests.send(Request::Received { session, bytes }).await.is_err() {
                        break Outcome::Finished;
                    }
                    in_flight = true;
                }
            },
        }
    };
    (reader.unsplit(writer), outcome)
}

/// Output for the client that is not yet written, and what is to happen after it.
#[derive(Default)]
struct OutputQueue {
    outbox: Outbox,
    /// Bytes were written since the last flush (a TLS stream may still hold them).
    needs_flush: bool,
    /// Upgrade to TLS once everything is written.
    start_tls: bool,
    /// Close once everything is written.
    closing: bool,
}

impl OutputQueue {
    /// Everything is written and flushed.
    fn is_idle(&self) -> bool {
        self.outbox.is_empty() && !self.needs_flush
    }

    fn has_work(&self) -> bool {
        !self.is_idle()
    }

    /// More output may be taken from the server task: not after a StartTls or Close.
    fn accepts_more(&self) -> bool {
        !self.start_tls && !self.closing
    }

    fn unsent(&self) -> usize {
        self.outbox.len()
    }

    fn take(&mut self, message: ConnOutput, in_flight: &mut bool) {
        match message {
            ConnOutput::Bytes(bytes) => self.outbox.push(bytes),
            ConnOutput::StartTls => self.start_tls = true,
            ConnOutput::Close => self.closing = true,
            ConnOutput::Processed => *in_flight = false,
            ConnOutput::Session(_) => {}
        }
    }

    fn wrote(&mut self, n: usize, flushed: bool) {
        self.outbox.advance(n);
        self.needs_flush = !flushed;
    }
}

/// Writes some of `outbox` (one vectored write) and, once all of it is written,
/// flushes, all in one poll where the socket allows: `(bytes written, flushed)`.
/// Cancel-safe, so it may sit in a `select!`: it completes as soon as any byte is
/// written, so nothing written is lost.
async fn write_some<W: AsyncWrite + Unpin>(
    writer: &mut W,
    outbox: &Outbox,
) -> io::Result<(usize, bool)> {
    let mut slices = [IoSlice::new(&[]); SLICES_PER_WRITE];
    let count = outbox.slices(&mut slices);
    let slices = &slices[..count];
    let pending = outbox.len();
    std::future::poll_fn(|cx| {
        let n = if pending == 0 {
            0
        } else {
            match Pin::new(&mut *writer).poll_write_vectored(cx, slices) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        };
        if n < pending {
            return Poll::Ready(Ok((n, false)));
        }
        match Pin::new(&mut *writer).poll_flush(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok((n, true))),
            // Report the bytes written; the flush is tried again on the next turn.
            Poll::Ready(Err(_)) | Poll::Pending if n > 0 => Poll::Ready(Ok((n, false))),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// A socket before or after its TLS upgrade.
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Transport::Plain(s) => s.is_write_vectored(),
            Transport::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
