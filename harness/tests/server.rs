//! The harness's own promises over real sockets: backpressure, no deadlock on large
//! literals, STARTTLS, IPv6, shutdown on drop, the wait/event API and the blocking API.

use std::time::Duration;

use ephemail::core::Event;
use ephemail::TestServer;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(20);

/// Reads lines until one starts with `tag ` and returns everything read.
async fn read_until_tagged<R: AsyncRead + Unpin>(reader: &mut BufReader<R>, tag: &str) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout(LIMIT, reader.read_line(&mut line))
            .await
            .expect("response in time")
            .unwrap();
        assert!(n > 0, "connection closed; got so far: {all}");
        all.push_str(&line);
        if line.starts_with(&format!("{tag} ")) {
            return all;
        }
    }
}

async fn logged_in(server: &TestServer) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(server.imap_addr()).await.unwrap();
    let mut stream = BufReader::new(stream);
    let mut greeting = String::new();
    stream.read_line(&mut greeting).await.unwrap();
    assert!(greeting.starts_with("* OK"), "{greeting}");
    stream
        .get_mut()
        .write_all(b"l LOGIN alice pw\r\n")
        .await
        .unwrap();
    let reply = read_until_tagged(&mut stream, "l").await;
    assert!(reply.contains("l OK"), "{reply}");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_slowed_by_tcp_not_our_memory() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let body = format!("Subject: big\r\n\r\n{}\r\n", "x".repeat(10 * 1024));
    server
        .deliver("alice", "INBOX", body.clone())
        .await
        .unwrap();
    let client = logged_in(&server).await;
    let (reader, mut writer) = tokio::io::split(client.into_inner());
    let mut reader = BufReader::new(reader);

    // 10,000 FETCHes of a 10 KB body: 100 MB of responses for 270 KB of commands.
    const COUNT: usize = 10_000;
    let mut events = server.events();
    let commands: String = (0..COUNT)
        .map(|i| format!("f{i} FETCH 1 BODY.PEEK[]\r\n"))
        .collect();
    let write = tokio::spawn(async move {
        writer.write_all(b"s SELECT INBOX\r\n").await.unwrap();
        writer.write_all(commands.as_bytes()).await.unwrap();
        writer
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut executed = 0;
    while let Some(event) = events.try_next() {
        if matches!(event, Event::CommandReceived { .. }) {
            executed += 1;
        }
    }
    // Events a slow reader missed were commands too (nearly all events here are).
    executed += events.missed() as usize;
    // Reading stops once 1 MiB is unsent; what one read brought in still runs (core
    // executes every complete command at once), so a few hundred run, not all.
    assert!(executed > 0, "the server read nothing");
    assert!(
        executed < COUNT / 4,
        "the server executed {executed} commands for a client that reads nothing"
    );

    // Once the client reads, everything arrives, in order.
    let mut received = 0usize;
    let mut line = Vec::new();
    let last_tag = format!("f{} ", COUNT - 1);
    loop {
        line.clear();
        tokio::time::timeout(LIMIT, reader.read_until(b'\n', &mut line))
            .await
            .unwrap()
            .unwrap();
        if line.starts_with(b"f") && line.windows(4).any(|w| w == b" OK ") {
            received += 1;
            if line.starts_with(last_tag.as_bytes()) {
                break;
            }
        }
    }
    assert_eq!(received, COUNT);
    write.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_literal_while_a_large_response_is_written_does_not_deadlock() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let body = format!("Subject: big\r\n\r\n{}\r\n", "y".repeat(4 * 1024 * 1024));
    server
        .deliver("alice", "INBOX", body.clone())
        .await
        .unwrap();
    let client = logged_in(&server).await;
    let (reader, mut writer) = tokio::io::split(client.into_inner());
    let mut reader = BufReader::new(reader);

    // Pipelined: a 4 MB response, then a 16 MB non-synchronizing literal, then another
    // 4 MB response. The client writes everything before reading anything.
    let literal = "z".repeat(16 * 1024 * 1024);
    let write = tokio::spawn(async move {
        let mut out = Vec::new();
        out.extend_from_slice(b"s SELECT INBOX\r\nf1 FETCH 1 BODY.PEEK[]\r\n");
        out.extend_from_slice(format!("a APPEND INBOX {{{}+}}\r\n", literal.len() + 2).as_bytes());
        out.extend_from_slice(literal.as_bytes());
        out.extend_from_slice(b"\r\n\r\nf2 FETCH 1 BODY.PEEK[]\r\n");
        writer.write_all(&out).await.unwrap();
        writer
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let replies = tokio::time::timeout(LIMIT, async {
        let mut all = String::new();
        for tag in ["s", "f1", "a", "f2"] {
            let part = read_until_tagged(&mut reader, tag).await;
            all.push_str(part.lines().last().unwrap());
            all.push('\n');
        }
        all
    })
    .await
    .expect("no deadlock");
    assert!(replies.contains("a OK"), "{replies}");
    assert!(replies.contains("f2 OK"), "{replies}");
    let _writer = write.await.unwrap();
    let sizes = server
        .with_store(|s| {
            s.mailbox_by_name("alice", "INBOX")
                .unwrap()
                .messages()
                .iter()
                .map(|m| m.size())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
    assert_eq!(sizes, vec![body.len(), 16 * 1024 * 1024 + 2]);
}

#[tokio::test]
async fn starttls_discards_pipelined_plaintext_and_continues_encrypted() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let tcp = TcpStream::connect(server.imap_addr()).await.unwrap();
    let mut plain = BufReader::new(tcp);
    let mut greeting = String::new();
    plain.read_line(&mut greeting).await.unwrap();
    assert!(greeting.contains("STARTTLS"), "{greeting}");
    // An attacker's injected command after STARTTLS must not run (RFC 9051 §11.1).
    plain
        .get_mut()
        .write_all(b"t STARTTLS\r\ninjected LOGIN alice pw\r\n")
        .await
        .unwrap();
    let reply = read_until_tagged(&mut plain, "t").await;
    assert_eq!(reply, "t OK Begin TLS negotiation now\r\n");
    assert!(plain.buffer().is_empty());
    let name = ServerName::try_from("localhost").unwrap();
    let tls = server
        .tls_connector()
        .connect(name, plain.into_inner())
        .await
        .unwrap();
    let mut tls = BufReader::new(tls);
    tls.get_mut().write_all(b"c CAPABILITY\r\n").await.unwrap();
    let reply = read_until_tagged(&mut tls, "c").await;
    assert!(!reply.contains("injected"), "{reply}");
    assert!(!reply.contains("STARTTLS"), "{reply}");
    assert!(reply.ends_with("c OK CAPABILITY completed\r\n"), "{reply}");
    let user = server
        .with_server(|s, _| {
            s.sessions()
                .filter_map(|id| s.session_user(id).map(str::to_owned))
                .count()
        })
        .await
        .unwrap();
    assert_eq!(user, 0, "the injected LOGIN ran");
}

#[tokio::test]
async fn listens_on_ipv6_loopback() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .imap_addr("[::1]:0".parse().unwrap())
        .no_imaps()
        .start()
        .await
        .unwrap();
    assert!(server.imap_addr().is_ipv6());
    assert_eq!(server.addresses().imaps, None);
    let mut client = logged_in(&server).await;
    client.get_mut().write_all(b"n NOOP\r\n").await.unwrap();
    assert_eq!(
        read_until_tagged(&mut client, "n").await,
        "n OK NOOP completed\r\n"
    );
}

#[tokio::test]
async fn dropping_the_server_closes_listeners_and_connections() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let addr = server.imap_addr();
    let mut client = logged_in(&server).await;
    drop(server);
    let mut rest = Vec::new();
    let n = tokio::time::timeout(LIMIT, client.read_to_end(&mut rest))
        .await
        .expect("connection closed in time");
    assert!(n.is_ok());
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = TcpStream::connect(addr).await;
    assert!(refused.is_err(), "listener still open");
}

#[tokio::test]
async fn shutdown_waits_for_every_task() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let addr = server.imaps_addr();
    let mut client = logged_in(&server).await;
    tokio::time::timeout(LIMIT, server.shutdown())
        .await
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
    // RFC 9051 §7.1.5: the client is told why its connection ends.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(LIMIT, client.read_to_end(&mut rest)).await;
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.contains("* BYE ephemail is shutting down\r\n"),
        "{rest:?}"
    );
}

#[tokio::test]
async fn wait_for_and_events_follow_the_store() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .seed(|store| {
            store.create_mailbox("alice", "Seeded")?;
            Ok(())
        })
        .start()
        .await
        .unwrap();
    let mut events = server.events();
    let waiting = server.wait_for(
        |store| {
            store
                .mailbox_by_name("alice", "INBOX")
                .is_some_and(|m| m.len() == 2)
        },
        LIMIT,
    );
    let mut client = logged_in(&server).await;
    client
        .get_mut()
        .write_all(b"a APPEND INBOX {7+}\r\nhello\r\n\r\nb APPEND Seeded {3+}\r\nhi\n\r\n")
        .await
        .unwrap();
    read_until_tagged(&mut client, "b").await;
    assert!(matches!(
        server.wait_for(|_| false, Duration::from_millis(50)).await,
        Err(ephemail::Error::Timeout(_))
    ));
    server
        .deliver("alice", "INBOX", "Subject: x\r\n\r\n")
        .await
        .unwrap();
    waiting.await.unwrap();

    let mut seen = Vec::new();
    while let Some(event) = events.try_next() {
        seen.push(event);
    }
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::LoggedIn { user, .. } if user == "alice")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|e| matches!(e, Event::CommandReceived { line, .. } if line.contains("LOGIN") && !line.contains("pw"))),
        "passwords are redacted: {seen:?}"
    );
    assert!(matches!(
        server.deliver("nobody", "INBOX", "x").await,
        Err(ephemail::Error::Store(_))
    ));
}

#[test]
fn blocking_api_for_plain_tests() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start_blocking()
        .unwrap();
    let mut stream = std::net::TcpStream::connect(server.imap_addr()).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"a LOGIN alice pw\r\nb APPEND INBOX {2+}\r\nhi\r\n",
    )
    .unwrap();
    server
        .wait_for(
            |s| s.mailbox_by_name("alice", "INBOX").unwrap().len() == 1,
            LIMIT,
        )
        .unwrap();
    server.add_user("bob", "pw2").unwrap();
    let snapshot = server.snapshot().unwrap();
    assert!(snapshot.check_password("bob", "pw2"));
    assert_eq!(
        snapshot
            .mailbox_by_name("alice", "INBOX")
            .unwrap()
            .messages()[0]
            .body()
            .bytes(),
        b"hi"
    );
    server.shutdown();
}

#[tokio::test]
async fn an_idle_session_is_logged_out_by_the_timer() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .autologout(Some(Duration::from_millis(200)))
        .start()
        .await
        .unwrap();
    let mut client = logged_in(&server).await;
    let mut rest = String::new();
    tokio::time::timeout(LIMIT, client.read_to_string(&mut rest))
        .await
        .expect("closed by the autologout timer")
        .unwrap();
    assert_eq!(rest, "* BYE Autologout; idle for too long\r\n");
}

#[tokio::test]
async fn events_as_a_stream() {
    use tokio_stream::StreamExt;
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    let mut logins = server
        .events()
        .into_stream()
        .filter(|e| matches!(e, Event::LoggedIn { .. }));
    let _client = logged_in(&server).await;
    let event = tokio::time::timeout(LIMIT, logins.next()).await.unwrap();
    assert!(matches!(event, Some(Event::LoggedIn { user, .. }) if user == "alice"));
}

/// Reads one FETCH response per message, each `* n FETCH (BODY[] {len}\r\n…)`, and
/// returns the literals.
async fn read_bodies<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    count: usize,
) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for n in 1..=count {
        let mut line = String::new();
        tokio::time::timeout(LIMIT, reader.read_line(&mut line))
            .await
            .expect("response in time")
            .unwrap();
        let prefix = format!("* {n} FETCH (BODY[] {{");
        assert!(line.starts_with(&prefix), "{line}");
        let len: usize = line[prefix.len()..line.len() - 3].parse().unwrap();
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await.unwrap();
        let mut close = String::new();
        reader.read_line(&mut close).await.unwrap();
        assert_eq!(close, ")\r\n");
        bodies.push(body);
    }
    bodies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_a_whole_mailbox_returns_every_stored_byte_over_tcp_and_tls() {
    let server = TestServer::builder()
        .user("alice", "pw")
        .start()
        .await
        .unwrap();
    // Sizes around and far above what core shares instead of copying, so responses mix
    // copied text and shared message slices.
    let messages: Vec<Vec<u8>> = (0..120)
        .map(|i| {
            let line = format!("line {i} of a message body that is long enough\r\n");
            format!("Subject: m{i}\r\n\r\n{}", line.repeat(i * i % 700)).into_bytes()
        })
        .collect();
    for message in &messages {
        server
            .deliver("alice", "INBOX", message.clone())
            .await
            .unwrap();
    }
    let command = b"s EXAMINE INBOX\r\nf FETCH 1:* BODY.PEEK[]\r\n";

    let mut plain = logged_in(&server).await;
    plain.get_mut().write_all(command).await.unwrap();
    read_until_tagged(&mut plain, "s").await;
    assert_eq!(read_bodies(&mut plain, messages.len()).await, messages);
    assert_eq!(
        read_until_tagged(&mut plain, "f").await,
        "f OK FETCH completed\r\n"
    );

    let tcp = TcpStream::connect(server.imaps_addr()).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = server.tls_connector().connect(name, tcp).await.unwrap();
    let mut tls = BufReader::new(tls);
    let mut greeting = String::new();
    tls.read_line(&mut greeting).await.unwrap();
    tls.get_mut()
        .write_all(b"l LOGIN alice pw\r\n")
        .await
        .unwrap();
    read_until_tagged(&mut tls, "l").await;
    tls.get_mut().write_all(command).await.unwrap();
    read_until_tagged(&mut tls, "s").await;
    assert_eq!(read_bodies(&mut tls, messages.len()).await, messages);
    assert_eq!(
        read_until_tagged(&mut tls, "f").await,
        "f OK FETCH completed\r\n"
    );
}
