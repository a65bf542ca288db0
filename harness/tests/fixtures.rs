//! Fixtures through the harness: `.fixtures(path)` on the builder and
//! `ephemail serve --fixtures PATH`, with the demo set as the default.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{CliServer, TempDir};
use ephemail::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/samples")
        .join(name)
}

/// Sends each command over plain IMAP and returns everything the server answered.
async fn session(addr: &str, commands: &[&str]) -> String {
    let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut transcript = String::new();
    lines.read_line(&mut transcript).await.unwrap();
    for (n, command) in commands.iter().enumerate() {
        let tag = format!("t{n}");
        write
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await
            .unwrap();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(Duration::from_secs(10), lines.read_line(&mut line))
                .await
                .expect("answer in time")
                .unwrap();
            assert!(read > 0, "connection closed: {transcript}");
            transcript.push_str(&line);
            if line.starts_with(&format!("{tag} ")) {
                break;
            }
        }
    }
    transcript
}

/// The number of messages in the demo set's INBOX of alice.
fn demo_inbox() -> usize {
    let set = ephemail::fixtures::demo_set().unwrap();
    let alice = set.users.iter().find(|u| u.name == "alice").unwrap();
    alice
        .mailboxes
        .iter()
        .find(|m| m.name == "INBOX")
        .unwrap()
        .messages
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builder_loads_several_fixtures() {
    let server = TestServer::builder()
        .user("carol", "pw")
        .fixtures(sample("maildir"))
        .fixtures(sample("eml-tree"))
        .fixtures(sample("mbox/escaped-from.mbox"))
        .fixtures(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo"))
        .no_imaps()
        .start()
        .await
        .unwrap();
    let (inbox, mboxed, users) = server
        .with_store(|s| {
            (
                s.mailbox_by_name("alice", "INBOX").unwrap().len() - demo_inbox(),
                s.mailbox_by_name("alice", "escaped-from").unwrap().len(),
                s.users().map(|u| u.name().to_owned()).collect::<Vec<_>>(),
            )
        })
        .await
        .unwrap();
    assert_eq!((inbox, mboxed), (9, 3));
    assert_eq!(
        users,
        [
            "alice",
            "alice@example.org",
            "bob",
            "bob@example.org",
            "carol"
        ]
    );
    let out = session(
        &server.imap_addr().to_string(),
        &[
            "LOGIN alice password",
            "SELECT INBOX",
            "FETCH 7 (FLAGS)",
            "LOGOUT",
        ],
    )
    .await;
    assert!(
        out.contains(&format!("* {} EXISTS\r\n", 9 + demo_inbox())),
        "{out}"
    );
    assert!(out.contains("$Forwarded $Label1 Work"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_fixture_stops_the_start_and_names_the_file() {
    let dir = TempDir::new("bad-fixture");
    std::fs::create_dir_all(dir.path("alice")).unwrap();
    std::fs::write(dir.path("alice/INBOX.mbox"), "Subject: not an mbox\n").unwrap();
    let error = TestServer::builder()
        .fixtures(&dir.0)
        .no_imaps()
        .start()
        .await
        .expect_err("a bad fixture must stop the start");
    let text = error.to_string();
    assert!(
        text.contains("alice/INBOX.mbox:1: not an mbox file: it must begin with a \"From \" line"),
        "{text}"
    );
    let unknown = dir.path("notes.txt");
    std::fs::write(&unknown, "hello").unwrap();
    let error = TestServer::builder()
        .fixtures(&unknown)
        .no_imaps()
        .start()
        .await
        .expect_err("a file of no known format must stop the start");
    assert!(
        error.to_string().contains("cannot tell the format"),
        "{error}"
    );
    let missing = TestServer::builder()
        .fixtures(dir.path("no-such-thing"))
        .no_imaps()
        .start()
        .await
        .expect_err("a missing path must stop the start");
    assert!(missing.to_string().contains("no-such-thing"), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_loads_the_demo_set_by_default() {
    let server = CliServer::start(&["--imap", "127.0.0.1:0", "--imaps", "off"]);
    let users: Vec<&str> = server.ready["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["alice", "bob"]);
    let out = session(
        &server.addr("imap"),
        &["LOGIN alice password", "SELECT INBOX", "LOGOUT"],
    )
    .await;
    let exists: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("* ")?.strip_suffix(" EXISTS")?.parse().ok())
        .expect("EXISTS");
    assert!(exists >= 50, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_fixtures_flag_replaces_the_demo() {
    let path = sample("declarative-paths/fixtures.json");
    let server = CliServer::start(&[
        "--imap",
        "127.0.0.1:0",
        "--imaps",
        "off",
        "--fixtures",
        path.to_str().unwrap(),
    ]);
    assert_eq!(server.ready["users"][0]["name"], "carol");
    assert_eq!(server.ready["users"][0]["password"], "s3cret");
    assert_eq!(server.ready["users"].as_array().unwrap().len(), 1);
    let out = session(
        &server.addr("imap"),
        &["LOGIN carol s3cret", "SELECT INBOX", "LOGOUT"],
    )
    .await;
    assert!(out.contains("* 2 EXISTS\r\n"), "{out}");

    let none = CliServer::start(&["--imap", "127.0.0.1:0", "--imaps", "off", "--no-demo"]);
    assert_eq!(none.ready["users"].as_array().unwrap().len(), 0);
}

#[test]
fn serve_reports_a_bad_fixture_and_exits() {
    let dir = TempDir::new("bad-cli-fixture");
    std::fs::write(dir.path("f.toml"), "[[users]]\nname = \"a\"\nflag = 1\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ephemail"))
        .args([
            "serve",
            "--imap",
            "127.0.0.1:0",
            "--imaps",
            "off",
            "--fixtures",
        ])
        .arg(dir.path("f.toml"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("f.toml:3:1: unknown field `flag`"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_to_disk_and_load_it_back() {
    use ephemail::core::fixtures::{maildir, FixtureSet, LoadOptions};
    let server = TestServer::builder()
        .fixture_set(ephemail::fixtures::demo_set().unwrap())
        .no_imaps()
        .start()
        .await
        .unwrap();
    let store = server.snapshot().await.unwrap();
    let dir = TempDir::new("snapshot");
    let files = maildir::export(&FixtureSet::from_store(&store)).unwrap();
    ephemail::fixtures::write_files(&dir.0, &files).unwrap();
    let back = ephemail::fixtures::read_fixtures(&dir.0, &LoadOptions::default()).unwrap();
    assert_eq!(
        back.message_count(),
        FixtureSet::from_store(&store).message_count()
    );
    assert!(dir.path("alice/.Projects.Website.Design/cur").is_dir());
    assert!(
        dir.path("bob/new").is_dir(),
        "empty directories are written too"
    );
}
