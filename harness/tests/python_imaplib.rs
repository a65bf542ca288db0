//! Python's standard imaplib against an in-process server: plain + LOGIN, STARTTLS and
//! implicit TLS, each verifying this run's CA; plus the negative cases.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{require_tool, run_client, write_ready_file, TempDir};
use ephemail::TestServer;

const USERS: &[(&str, &str)] = &[("alice", "py-secret")];

async fn run_script(server: &TestServer, mode: &str) -> String {
    require_tool("python3");
    let dir = TempDir::new("py");
    let ready = write_ready_file(server, USERS, &dir);
    let mut command = Command::new("python3");
    command
        .arg(common::clients_dir().join("imaplib_session.py"))
        .arg(&ready)
        .arg(mode);
    let output = run_client(command, Duration::from_secs(60)).await;
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn start(login_requires_tls: bool) -> TestServer {
    TestServer::builder()
        .user(USERS[0].0, USERS[0].1)
        .login_requires_tls(login_requires_tls)
        .start()
        .await
        .unwrap()
}

/// After a session in `mode`, the store holds what the script did.
async fn assert_session_result(server: &TestServer, mode: &str) {
    let (kept, done) = server
        .with_store({
            let mode = mode.to_owned();
            move |store| {
                let kept = store
                    .mailbox_by_name("alice", &format!("Py-{mode}"))
                    .unwrap();
                let done = store
                    .mailbox_by_name("alice", &format!("Py-{mode}-done"))
                    .unwrap();
                let bodies = |m: &ephemail::core::Mailbox| {
                    m.messages()
                        .iter()
                        .map(|m| String::from_utf8_lossy(m.body().bytes()).into_owned())
                        .collect::<Vec<_>>()
                };
                (bodies(kept), bodies(done))
            }
        })
        .await
        .unwrap();
    assert!(kept.is_empty(), "{kept:?}");
    assert_eq!(done.len(), 3, "{done:?}");
    assert!(done[0].contains("Thursday")); // copied
    assert!(done[1].contains("second")); // moved
    assert!(done[2].contains("Thursday")); // appended while IDLE
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_login_session() {
    let server = start(false).await;
    let out = run_script(&server, "plain").await;
    assert!(out.contains("ok: plain session"), "{out}");
    assert_session_result(&server, "plain").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_session() {
    let server = start(false).await;
    let out = run_script(&server, "starttls").await;
    assert!(out.contains("ok: starttls session"), "{out}");
    assert_session_result(&server, "starttls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_session() {
    let server = start(false).await;
    let out = run_script(&server, "tls").await;
    assert!(out.contains("ok: tls session"), "{out}");
    assert_session_result(&server, "tls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused() {
    let server = start(false).await;
    let out = run_script(&server, "wrong-password").await;
    assert!(out.contains("ok: wrong password refused"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_login_refused_when_configured() {
    let server = start(true).await;
    let out = run_script(&server, "logindisabled").await;
    assert!(out.contains("ok: plaintext login refused"), "{out}");
    assert!(out.contains("ok: login after STARTTLS"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_our_ca_fails() {
    let server = start(false).await;
    let out = run_script(&server, "untrusted").await;
    assert!(out.contains("ok: untrusted CA rejected"), "{out}");
}
