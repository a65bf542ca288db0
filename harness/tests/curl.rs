//! curl as an IMAP client, verifying this run's CA with `--cacert`.
//!
//! Every curl call is its own session (connect, LOGIN, maybe SELECT, a command, LOGOUT),
//! so a sequence of calls makes the realistic session; IDLE is the one step curl cannot
//! do (the other clients' tests cover it).

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{require_tool, run_client, TempDir};
use ephemail::TestServer;

struct Curl {
    dir: TempDir,
    imap: String,
    imaps: String,
}

impl Curl {
    fn new(server: &TestServer) -> Curl {
        require_tool("curl");
        let dir = TempDir::new("curl");
        std::fs::write(dir.path("ca.pem"), server.ca_pem()).unwrap();
        Curl {
            dir,
            imap: format!("imap://127.0.0.1:{}", server.imap_addr().port()),
            imaps: format!("imaps://localhost:{}", server.imaps_addr().port()),
        }
    }

    fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut command = Command::new("curl");
        command
            .args(["--silent", "--show-error", "--max-time", "20"])
            .arg("--cacert")
            .arg(self.dir.path("ca.pem"))
            .args(["--user", "alice:curl-secret"])
            .args(args)
            .arg(url);
        command
    }

    /// Runs curl and returns its stdout; fails the test if curl fails.
    async fn run(&self, url: &str, args: &[&str]) -> String {
        let output = run_client(self.command(url, args), Duration::from_secs(30)).await;
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs curl expecting failure; returns its output.
    async fn fail(&self, command: Command) -> Output {
        let output = tokio::process::Command::from(command)
            .output()
            .await
            .unwrap();
        assert!(!output.status.success(), "curl succeeded: {output:?}");
        output
    }
}

async fn start() -> TestServer {
    TestServer::builder()
        .user("alice", "curl-secret")
        .start()
        .await
        .unwrap()
}

const MESSAGE: &str =
    "From: Bob <bob@example.com>\r\nSubject: minutes\r\n\r\nThe meeting moved to Thursday.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_session_over_implicit_tls() {
    let server = start().await;
    let curl = Curl::new(&server);
    let base = curl.imaps.clone();

    let list = curl.run(&format!("{base}/"), &[]).await;
    assert!(list.contains("INBOX") && list.contains("Sent"), "{list}");

    curl.run(&format!("{base}/"), &["--request", "CREATE Curl"])
        .await;
    let message = curl.dir.path("message.eml");
    std::fs::write(&message, MESSAGE).unwrap();
    let message = message.to_str().unwrap();
    curl.run(&format!("{base}/Curl"), &["--upload-file", message])
        .await;
    curl.run(&format!("{base}/Curl"), &["--upload-file", message])
        .await;

    // SELECT + UID FETCH BODY[]
    let body = curl.run(&format!("{base}/Curl;UID=1"), &[]).await;
    assert_eq!(body, MESSAGE);

    // SELECT + SEARCH
    let found = curl.run(&format!("{base}/Curl?BODY%20Thursday"), &[]).await;
    assert_eq!(found.trim(), "* SEARCH 1 2");

    // SELECT + custom commands: STORE, COPY, MOVE, EXPUNGE
    let stored = curl
        .run(
            &format!("{base}/Curl"),
            &["--request", "STORE 1 +FLAGS (\\Deleted)"],
        )
        .await;
    assert!(stored.contains("\\Deleted)"), "{stored}");
    curl.run(&format!("{base}/Curl"), &["--request", "COPY 1 Archive"])
        .await;
    curl.run(&format!("{base}/Curl"), &["--request", "MOVE 2 Drafts"])
        .await;
    let expunged = curl
        .run(&format!("{base}/Curl"), &["--request", "EXPUNGE"])
        .await;
    assert!(expunged.contains("* 1 EXPUNGE"), "{expunged}");

    let status = curl
        .run(
            &format!("{base}/"),
            &["--request", "STATUS Curl (MESSAGES)"],
        )
        .await;
    assert!(status.contains("MESSAGES 0"), "{status}");

    let counts = server
        .with_store(|store| {
            ["Curl", "Archive", "Drafts"]
                .map(|name| store.mailbox_by_name("alice", name).unwrap().len())
        })
        .await
        .unwrap();
    assert_eq!(counts, [0, 1, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_and_plain() {
    let server = start().await;
    server.deliver("alice", "INBOX", MESSAGE).await.unwrap();
    let curl = Curl::new(&server);
    let url = format!("{}/INBOX;UID=1", curl.imap);
    assert_eq!(curl.run(&url, &["--ssl-reqd"]).await, MESSAGE);
    assert_eq!(curl.run(&url, &[]).await, MESSAGE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_untrusted_ca_fail() {
    let server = start().await;
    let curl = Curl::new(&server);

    let mut wrong = curl.command(&format!("{}/", curl.imaps), &[]);
    wrong.args(["--user", "alice:wrong"]);
    let output = curl.fail(wrong).await;
    assert_eq!(output.status.code(), Some(67), "login denied: {output:?}");

    let mut untrusted = Command::new("curl");
    untrusted
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(["--user", "alice:curl-secret"])
        .arg(format!("{}/", curl.imaps));
    let output = curl.fail(untrusted).await;
    assert_eq!(
        output.status.code(),
        Some(60),
        "certificate problem: {output:?}"
    );
}
