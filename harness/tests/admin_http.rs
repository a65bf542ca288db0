//! The admin HTTP API and `ephemail demo`, exercised with real HTTP requests (curl).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{require_tool, run_client, TempDir};
use ephemail::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// `curl -s -w '\n%{http_code} %{content_type}' [args] url` → (body, status, type).
async fn curl(args: &[&str], url: &str) -> (String, u16, String) {
    require_tool("curl");
    let mut command = Command::new("curl");
    command
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(["--write-out", "\n%{http_code} %{content_type}"])
        .args(args)
        .arg(url);
    let output = run_client(command, Duration::from_secs(30)).await;
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, meta) = text.rsplit_once('\n').unwrap();
    let (status, content_type) = meta.split_once(' ').unwrap();
    (
        body.to_owned(),
        status.parse().unwrap(),
        content_type.to_owned(),
    )
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_list_fetch_add_user_and_reset_over_http() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .admin_addr("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let api = format!("http://{}/api", server.addresses().admin.unwrap());

    // An IMAP client idles on INBOX: an HTTP delivery must reach it at once.
    let tcp = TcpStream::connect(server.imap_addr()).await.unwrap();
    let mut imap = BufReader::new(tcp);
    let mut line = String::new();
    imap.read_line(&mut line).await.unwrap();
    imap.get_mut()
        .write_all(b"a LOGIN alice pw\r\nb SELECT INBOX\r\nc IDLE\r\n")
        .await
        .unwrap();
    loop {
        line.clear();
        imap.read_line(&mut line).await.unwrap();
        if line.starts_with('+') {
            break;
        }
    }

    let dir = TempDir::new("admin");
    let message = dir.path("m.eml");
    std::fs::write(
        &message,
        "From: a@example.com\r\nSubject: via http\r\n\r\nhello\r\n",
    )
    .unwrap();
    let upload = format!("@{}", message.display());
    let (body, status, _) = curl(
        &[
            "--data-binary",
            &upload,
            "-H",
            "Content-Type: message/rfc822",
        ],
        &format!("{api}/users/alice/mailboxes/INBOX/messages"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(json(&body)["uid"], 1);

    line.clear();
    tokio::time::timeout(Duration::from_secs(10), imap.read_line(&mut line))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(line, "* 1 EXISTS\r\n");

    let (body, status, content_type) = curl(&[], &format!("{api}/users")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(json(&body)[0]["name"], "alice");

    let (body, _, _) = curl(&[], &format!("{api}/users/alice/mailboxes")).await;
    let mailboxes = json(&body);
    let inbox = mailboxes
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "INBOX")
        .unwrap();
    assert_eq!(inbox["messages"], 1);
    assert_eq!(inbox["unseen"], 1);

    let (body, _, _) = curl(&[], &format!("{api}/users/alice/mailboxes/INBOX/messages")).await;
    let messages = json(&body);
    assert_eq!(messages[0]["uid"], 1);
    assert_eq!(messages[0]["size"], 49);

    let (body, status, content_type) = curl(
        &[],
        &format!("{api}/users/alice/mailboxes/INBOX/messages/1"),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "message/rfc822"));
    assert!(body.contains("Subject: via http"), "{body}");

    // Errors are JSON with a status that says what went wrong.
    let (body, status, _) = curl(&[], &format!("{api}/users/nobody/mailboxes")).await;
    assert_eq!(status, 404, "{body}");
    assert!(json(&body)["error"].as_str().unwrap().contains("nobody"));
    let (_, status, _) = curl(
        &[],
        &format!("{api}/users/alice/mailboxes/INBOX/messages/9"),
    )
    .await;
    assert_eq!(status, 404);

    let (body, status, _) = curl(
        &[
            "-H",
            "Content-Type: application/json",
            "--data",
            r#"{"name":"bob","password":"b"}"#,
        ],
        &format!("{api}/users"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, status, _) = curl(
        &[
            "-H",
            "Content-Type: application/json",
            "--data",
            r#"{"name":"bob","password":"b"}"#,
        ],
        &format!("{api}/users"),
    )
    .await;
    assert_eq!(status, 409);
    assert!(server
        .with_store(|s| s.check_password("bob", "b"))
        .await
        .unwrap());

    let (body, status, _) = curl(&["--request", "POST"], &format!("{api}/reset")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["removed"], 1);
    loop {
        line.clear();
        tokio::time::timeout(Duration::from_secs(10), imap.read_line(&mut line))
            .await
            .expect("EXPUNGE while idling")
            .unwrap();
        if line == "* 1 EXPUNGE\r\n" {
            break;
        }
        assert_eq!(line, "* 1 RECENT\r\n", "unexpected line while idling");
    }
    let left = server
        .with_store(|s| s.mailbox_by_name("alice", "INBOX").unwrap().len())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_serves_the_admin_api_when_asked() {
    let server = common::CliServer::start(&[
        "--imap",
        "127.0.0.1:0",
        "--imaps",
        "off",
        "--admin",
        "127.0.0.1:0",
        "--user",
        "carol:pw",
    ]);
    let admin = server.addr("admin");
    let (body, status, _) = curl(&[], &format!("http://{admin}/api/users")).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)[0]["name"], "carol");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_static_files_with_their_types() {
    let dir = TempDir::new("demo");
    std::fs::write(dir.path("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(dir.path("demo.js"), "export const x = 1;").unwrap();
    std::fs::write(dir.path("demo_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args(["demo", "--addr", "127.0.0.1:0", "--dir"])
        .arg(&dir.0)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    tokio::time::timeout(Duration::from_secs(20), stdout.read_line(&mut banner))
        .await
        .unwrap()
        .unwrap();
    let base = banner.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner}");

    let (body, status, content_type) = curl(&[], &base).await;
    assert_eq!((status, content_type.as_str()), (200, "text/html"));
    assert!(body.contains("<title>demo</title>"));
    let (_, status, content_type) = curl(&[], &format!("{base}demo_bg.wasm")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/wasm"));
    let (_, _, content_type) = curl(&[], &format!("{base}demo.js")).await;
    assert!(content_type.contains("javascript"), "{content_type}");
    let (_, status, _) = curl(&[], &format!("{base}missing.txt")).await;
    assert_eq!(status, 404);
    child.kill().await.unwrap();
}

#[test]
fn demo_without_a_built_folder_says_what_to_do() {
    let dir = TempDir::new("demo-empty");
    let output = Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args(["demo", "--addr", "127.0.0.1:0", "--dir"])
        .arg(&dir.0)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no index.html"));
}
