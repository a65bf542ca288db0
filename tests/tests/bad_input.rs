//! Bad input never panics, hangs or loses mail: it gets a tagged BAD/NO (or an untagged
//! BAD when no tag can be read), and the session stays usable and consistent.

use ephemail_core::Config;
use ephemail_tests::{parse_responses, TestServer};

#[test]
fn an_endless_line_is_discarded_without_being_buffered() {
    let mut t = TestServer::with_config(Config::default().with_max_line_length(1000));
    let c = t.connect();
    let mut out = t.send(c, b"x1 LOGIN ");
    for _ in 0..100 {
        out += &t.send(c, &[b'a'; 10_000]); // 1 MB without a line end
    }
    assert_eq!(out, "", "nothing is answered until the line ends");
    let out = t.send(c, b"aaa\r\nx2 NOOP\r\n");
    assert_eq!(
        out,
        "x1 BAD Command line too long (limit 1000 bytes)\r\nx2 OK NOOP completed\r\n"
    );
}

#[test]
fn an_oversized_non_synchronizing_literal_is_read_and_refused() {
    let mut t = TestServer::with_config(Config::default().with_max_message_size(100));
    let c = t.connect();
    t.login(c, "alice");
    let mut bytes = b"a1 APPEND INBOX {500+}\r\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'A', 500));
    bytes.extend_from_slice(b"\r\na2 NOOP\r\n");
    let out = t.send(c, &bytes);
    assert_eq!(
        out,
        "a1 NO [TOOBIG] Message too large (limit 100 bytes)\r\na2 OK NOOP completed\r\n"
    );
    assert!(t
        .server
        .store()
        .mailbox_by_name("alice", "INBOX")
        .unwrap()
        .is_empty());
}

#[test]
fn literal_bytes_are_never_taken_for_commands() {
    let mut t = TestServer::new();
    let c = t.connect();
    t.login(c, "alice");
    // The literal holds what looks like a LOGOUT command.
    let message = b"z9 LOGOUT\r\n";
    let mut bytes = format!("a1 APPEND INBOX {{{}+}}\r\n", message.len()).into_bytes();
    bytes.extend_from_slice(message);
    bytes.extend_from_slice(b"\r\n");
    let out = t.send(c, &bytes);
    assert_eq!(out, "a1 OK [APPENDUID 1 1] APPEND completed\r\n");
    assert!(!t.is_closed(c));
}

#[test]
fn commands_pipelined_after_starttls_are_discarded() {
    let mut t = TestServer::with_config(Config::default().with_starttls(true));
    let c = t.connect();
    let out = t.send(c, b"a1 STARTTLS\r\na2 LOGIN alice password\r\n");
    assert_eq!(out, "a1 OK Begin TLS negotiation now\r\n");
    assert!(t.started_tls(c));
    assert_eq!(
        t.server.session_user(c),
        None,
        "the injected LOGIN was not executed"
    );
    let out = t.command(c, "a3 LOGIN alice password");
    assert!(out.starts_with("a3 OK "), "{out}");
}

#[test]
fn starttls_is_refused_when_the_driver_cannot_do_tls() {
    let mut t = TestServer::new();
    let c = t.connect();
    let out = t.command(c, "a1 STARTTLS");
    assert_eq!(out, "a1 BAD STARTTLS is not supported by this server\r\n");
    assert!(!t.started_tls(c));
}

#[test]
fn input_after_logout_is_ignored_and_close_comes_once() {
    let mut t = TestServer::new();
    let c = t.connect();
    let out = t.send(c, b"a1 LOGOUT\r\na2 NOOP\r\n");
    assert_eq!(out, "* BYE Logging out\r\na1 OK LOGOUT completed\r\n");
    assert!(t.is_closed(c));
    assert_eq!(t.send(c, b"a3 NOOP\r\n"), "");
}

#[test]
fn bare_lf_line_endings_are_accepted() {
    let mut t = TestServer::new();
    let c = t.connect();
    let out = t.send(c, b"a1 NOOP\n");
    assert_eq!(out, "a1 OK NOOP completed\r\n");
}

#[test]
fn garbage_gets_bad_and_parses() {
    let mut t = TestServer::new();
    let c = t.connect();
    let out = t.send_bytes_checked(
        c,
        b"\x00\xff\xfe garbage\r\n(((\r\n\"unterminated\r\n* 1 EXISTS\r\n",
    );
    assert_eq!(out.matches(" BAD ").count(), 4, "{out}");
}

trait Checked {
    fn send_bytes_checked(&mut self, c: ephemail_core::SessionId, bytes: &[u8]) -> String;
}

impl Checked for TestServer {
    fn send_bytes_checked(&mut self, c: ephemail_core::SessionId, bytes: &[u8]) -> String {
        let out = self.send(c, bytes);
        parse_responses(out.as_bytes(), false).expect("responses parse");
        out
    }
}

#[test]
fn big_appends_keep_every_byte_and_nul_is_refused() {
    let mut t = TestServer::new();
    let c = t.connect();
    t.login(c, "alice");
    let mut message = b"Subject: big\r\n\r\n".to_vec();
    message.extend((0..100_000u32).map(|i| b'a' + (i % 26) as u8));
    message.extend_from_slice(b"\r\n");
    for (tag, chunk) in [("a1", 1usize), ("a2", 7), ("a3", 65_536)] {
        let mut bytes =
            format!("{tag} APPEND INBOX (\\Seen) {{{}+}}\r\n", message.len()).into_bytes();
        bytes.extend_from_slice(&message);
        bytes.extend_from_slice(b"\r\n");
        let mut out = String::new();
        for piece in bytes.chunks(chunk.max(bytes.len() / 5000)) {
            out += &t.send(c, piece);
        }
        assert!(out.starts_with(&format!("{tag} OK [APPENDUID 1 ")), "{out}");
    }
    let inbox = t.server.store().mailbox_by_name("alice", "INBOX").unwrap();
    assert_eq!(inbox.len(), 3);
    for stored in inbox.messages() {
        assert_eq!(stored.body().bytes(), message.as_slice());
        assert!(stored.flags().contains(ephemail_core::SystemFlag::Seen));
    }
    // A NUL without BINARY's literal8 is refused, not stored.
    let mut bad = message.clone();
    bad[5000] = 0;
    let mut bytes = format!("a4 APPEND INBOX {{{}+}}\r\n", bad.len()).into_bytes();
    bytes.extend_from_slice(&bad);
    bytes.extend_from_slice(b"\r\n");
    let out = t.send(c, &bytes);
    assert!(out.starts_with("a4 BAD "), "{out}");
    assert_eq!(
        t.server
            .store()
            .mailbox_by_name("alice", "INBOX")
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn shutdown_says_bye_to_every_session_once() {
    let mut t = TestServer::new();
    let a = t.selected("alice", "INBOX");
    let b = t.connect();
    t.command(a, "i1 IDLE");
    let now = t.now;
    t.server.shutdown(now);
    t.pump();
    for c in [a, b] {
        assert_eq!(t.take(c), "* BYE ephemail is shutting down\r\n");
        assert!(t.is_closed(c));
    }
    assert_eq!(t.server.sessions().count(), 0);
    assert!(
        t.server.store().user("alice").is_some(),
        "the store is kept"
    );
}
