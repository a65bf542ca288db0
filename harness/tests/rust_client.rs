//! A Rust IMAP client crate (async-imap) over real TCP and TLS that verifies our CA.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::types::Flag;
use ephemail::TestServer;
use futures::TryStreamExt;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

type Session = async_imap::Session<TlsStream<TcpStream>>;

const MESSAGE: &str = "From: Bob <bob@example.com>\r\n\
To: Alice <alice@example.com>\r\n\
Subject: quarterly report\r\n\
Message-ID: <report-1@example.com>\r\n\
\r\n\
Numbers are up.\r\n";

async fn connect_tls(server: &TestServer) -> async_imap::Client<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(server.imaps_addr()).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = server.tls_connector().connect(name, tcp).await.unwrap();
    let mut client = async_imap::Client::new(tls);
    let greeting = client.read_response().await.unwrap().unwrap();
    assert!(format!("{:?}", greeting.parsed()).contains("ephemail ready"));
    client
}

async fn login(server: &TestServer, user: &str) -> Session {
    connect_tls(server)
        .await
        .login(user, "secret")
        .await
        .map_err(|(e, _)| e)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realistic_session_over_implicit_tls() {
    let server = TestServer::builder()
        .user("alice", "secret")
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;

    let names: Vec<String> = alice
        .list(Some(""), Some("*"))
        .await
        .unwrap()
        .map_ok(|n| n.name().to_owned())
        .try_collect()
        .await
        .unwrap();
    assert!(names.contains(&"INBOX".to_owned()), "{names:?}");
    assert!(names.contains(&"Sent".to_owned()), "{names:?}");

    alice.create("Reports").await.unwrap();
    alice
        .append("INBOX", Some("(\\Flagged)"), None, MESSAGE)
        .await
        .unwrap();
    alice
        .append("INBOX", None, None, "Subject: other\r\n\r\nx\r\n")
        .await
        .unwrap();

    let inbox = alice.select("INBOX").await.unwrap();
    assert_eq!(inbox.exists, 2);

    let fetched: Vec<_> = alice
        .fetch("1", "(FLAGS ENVELOPE BODY.PEEK[])")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].body(), Some(MESSAGE.as_bytes()));
    assert!(fetched[0].flags().any(|f| f == Flag::Flagged));
    let envelope = fetched[0].envelope().unwrap();
    assert_eq!(envelope.subject.as_deref(), Some(&b"quarterly report"[..]));

    let found = alice
        .search("SUBJECT quarterly BODY Numbers FLAGGED")
        .await
        .unwrap();
    assert_eq!(found.into_iter().collect::<Vec<_>>(), vec![1]);

    let stored: Vec<_> = alice
        .store("1", "+FLAGS (\\Seen)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(stored[0].flags().any(|f| f == Flag::Seen));

    alice.copy("1", "Reports").await.unwrap();
    alice.mv("2", "Archive").await.unwrap();
    alice
        .store("1", "+FLAGS (\\Deleted)")
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let expunged: Vec<u32> = alice.expunge().await.unwrap().try_collect().await.unwrap();
    assert_eq!(expunged, vec![1]);

    // What the store holds now, read through the test API.
    let counts = server
        .with_store(|store| {
            ["INBOX", "Reports", "Archive"].map(|name| {
                let mailbox = store.mailbox_by_name("alice", name).unwrap();
                (
                    mailbox.len(),
                    mailbox.messages().first().map(|m| m.flags().clone()),
                )
            })
        })
        .await
        .unwrap();
    assert_eq!(counts[0].0, 0);
    assert_eq!(counts[1].0, 1);
    assert!(counts[1]
        .1
        .as_ref()
        .unwrap()
        .contains(ephemail::core::SystemFlag::Seen));
    assert_eq!(counts[2].0, 1);

    alice.logout().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sees_an_append_from_another_connection() {
    let server = TestServer::builder()
        .user("alice", "secret")
        .start()
        .await
        .unwrap();
    let mut watcher = login(&server, "alice").await;
    watcher.select("INBOX").await.unwrap();
    let mut idle = watcher.idle();
    idle.init().await.unwrap();

    let mut writer = login(&server, "alice").await;
    writer.append("INBOX", None, None, MESSAGE).await.unwrap();

    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(10));
    match wait.await.unwrap() {
        IdleResponse::NewData(data) => {
            let text = format!("{:?}", data.parsed());
            assert!(text.contains("Exists(1)"), "{text}");
        }
        other => panic!("expected new data, got {other:?}"),
    }
    let mut watcher = idle.done().await.unwrap();
    watcher.logout().await.unwrap();
    writer.logout().await.unwrap();
}

#[tokio::test]
async fn idle_sees_a_delivery_through_the_api() {
    let server = TestServer::builder()
        .user("alice", "secret")
        .start()
        .await
        .unwrap();
    let mut watcher = login(&server, "alice").await;
    watcher.select("INBOX").await.unwrap();
    let mut idle = watcher.idle();
    idle.init().await.unwrap();
    server.deliver("alice", "INBOX", MESSAGE).await.unwrap();
    let (wait, _stop) = idle.wait_with_timeout(Duration::from_secs(10));
    let IdleResponse::NewData(data) = wait.await.unwrap() else {
        panic!("no new data");
    };
    assert!(format!("{:?}", data.parsed()).contains("Exists(1)"));
}

#[tokio::test]
async fn wrong_password_is_refused() {
    let server = TestServer::builder()
        .user("alice", "secret")
        .start()
        .await
        .unwrap();
    let client = connect_tls(&server).await;
    let (error, _client) = client.login("alice", "wrong").await.unwrap_err();
    assert!(error.to_string().contains("No"), "{error}");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_fails() {
    let server = TestServer::builder().start().await.unwrap();
    let other_run = TestServer::builder()
        .no_imap()
        .no_imaps()
        .start()
        .await
        .unwrap();
    let tcp = TcpStream::connect(server.imaps_addr()).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let error = other_run
        .tls_connector()
        .connect(name, tcp)
        .await
        .unwrap_err();
    // Each run's CA has its own name, so the client finds no issuer at all.
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
}

#[tokio::test]
async fn the_certificate_names_localhost_and_both_loopback_addresses() {
    let server = TestServer::builder()
        .imaps_addr("[::1]:0".parse().unwrap())
        .tls_names(["mail.test"])
        .start()
        .await
        .unwrap();
    for name in ["localhost", "127.0.0.1", "::1", "mail.test"] {
        let tcp = TcpStream::connect(server.imaps_addr()).await.unwrap();
        let name = ServerName::try_from(name).unwrap();
        server.tls_connector().connect(name, tcp).await.unwrap();
    }
    let tcp = TcpStream::connect(server.imaps_addr()).await.unwrap();
    let wrong = ServerName::try_from("example.com").unwrap();
    assert!(server.tls_connector().connect(wrong, tcp).await.is_err());
}
