//! Node's imapflow against an in-process server, over implicit TLS and STARTTLS,
//! verifying this run's CA. Needs `npm ci` in tests/clients (scripts/setup-clients.sh).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{clients_dir, require_tool, run_client, write_ready_file, TempDir};
use ephemail::TestServer;

const USERS: &[(&str, &str)] = &[("alice", "node-secret")];

async fn run_script(server: &TestServer, mode: &str) -> String {
    require_tool("node");
    assert!(
        clients_dir().join("node_modules/imapflow").is_dir(),
        "the npm package imapflow is not installed in harness/tests/clients; \
         run scripts/setup-clients.sh (or `npm ci` in that folder)"
    );
    let dir = TempDir::new("node");
    let ready = write_ready_file(server, USERS, &dir);
    let mut command = Command::new("node");
    command
        .current_dir(clients_dir())
        .arg("imapflow_session.mjs")
        .arg(&ready)
        .arg(mode);
    let output = run_client(command, Duration::from_secs(60)).await;
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn start() -> TestServer {
    TestServer::builder()
        .user(USERS[0].0, USERS[0].1)
        .start()
        .await
        .unwrap()
}

async fn assert_session_result(server: &TestServer, mode: &str) {
    let mode = mode.to_owned();
    let (kept, done) = server
        .with_store(move |store| {
            let len = |name: String| store.mailbox_by_name("alice", &name).unwrap().len();
            (
                len(format!("Node-{mode}")),
                len(format!("Node-{mode}-done")),
            )
        })
        .await
        .unwrap();
    assert_eq!((kept, done), (0, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_session() {
    let server = start().await;
    let out = run_script(&server, "tls").await;
    assert!(out.contains("ok: imapflow tls session"), "{out}");
    assert_session_result(&server, "tls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_session() {
    let server = start().await;
    let out = run_script(&server, "starttls").await;
    assert!(out.contains("ok: imapflow starttls session"), "{out}");
    assert_session_result(&server, "starttls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_our_ca_fails() {
    let server = start().await;
    let out = run_script(&server, "untrusted").await;
    assert!(out.contains("ok: untrusted CA rejected"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused() {
    let server = start().await;
    let out = run_script(&server, "wrong-password").await;
    assert!(out.contains("ok: wrong password refused"), "{out}");
}
