//! `ephemail demo`: serves the browser demo's built files over HTTP.
//!
//! Browsers refuse to compile WebAssembly streamed with the wrong type
//! (`WebAssembly.instantiateStreaming` requires `application/wasm`), and ES modules need a
//! JavaScript type, so files go out with types guessed from their extensions.

use std::path::PathBuf;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

/// Serves `dir` on `listener` until `shutdown` completes; `/` serves `index.html`.
pub async fn serve(
    dir: PathBuf,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router =
        Router::new().fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
