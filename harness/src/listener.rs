//! Accept loops: one task per listening socket, one task per accepted connection.
//!
//! Accept errors such as `EMFILE` are transient: the loop logs them, pauses briefly and
//! goes on instead of taking the whole server down.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

use crate::connection::{self, ConnectionContext, Role};

/// Accepts connections on `listener` until the server is cancelled.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    role: Role,
    ctx: Arc<ConnectionContext>,
    tracker: TaskTracker,
) {
    let cancelled = ctx.cancel.cancelled();
    tokio::pin!(cancelled);
    loop {
        let accepted = tokio::select! {
            () = &mut cancelled => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                tracker.spawn(connection::serve(stream, peer, role, ctx.clone()));
            }
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}
