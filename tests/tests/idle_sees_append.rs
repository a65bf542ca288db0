//! A session in IDLE hears about other sessions' changes at once (RFC 2177, RFC 9051
//! §6.3.13), on a virtual clock, without any socket.

use ephemail_tests::TestServer;

const MESSAGE: &[u8] = b"From: bob@example.org\r\nSubject: ping\r\n\r\nhi\r\n";

#[test]
fn idle_sees_another_sessions_append_at_once() {
    let mut t = TestServer::new();
    let laptop = t.selected("alice", "INBOX");
    let phone = t.connect();
    t.login(phone, "alice");
    assert_eq!(t.command(laptop, "i1 IDLE"), "+ idling\r\n");

    let out = t.append(phone, "p1", "INBOX", MESSAGE);
    assert!(
        out.ends_with("p1 OK [APPENDUID 1 1] APPEND completed\r\n"),
        "{out}"
    );
    // Without the laptop sending anything, the update is already there.
    assert_eq!(t.take(laptop), "* 1 EXISTS\r\n* 1 RECENT\r\n");

    t.advance(5 * 60 * 1000);
    t.deliver("alice", "INBOX", MESSAGE);
    assert_eq!(t.take(laptop), "* 2 EXISTS\r\n* 2 RECENT\r\n");

    assert_eq!(t.command(laptop, "DONE"), "i1 OK IDLE terminated\r\n");
    let out = t.command(laptop, "f1 FETCH 1:* UID");
    assert_eq!(
        out,
        "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\nf1 OK FETCH completed\r\n"
    );
}

#[test]
fn idle_reports_flag_changes_and_expunges() {
    let mut t = TestServer::new();
    t.deliver("alice", "INBOX", MESSAGE);
    t.deliver("alice", "INBOX", MESSAGE);
    let laptop = t.selected("alice", "INBOX");
    let phone = t.selected("alice", "INBOX");
    t.command(laptop, "i1 IDLE");

    t.command(phone, "p1 STORE 2 +FLAGS.SILENT (\\Flagged)");
    assert_eq!(
        t.take(laptop),
        "* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))\r\n"
    );

    t.command(phone, "p2 STORE 1 +FLAGS.SILENT (\\Deleted)");
    t.take(laptop);
    let out = t.command(phone, "p3 EXPUNGE");
    assert_eq!(out, "* 1 EXPUNGE\r\np3 OK EXPUNGE completed\r\n");
    assert_eq!(t.take(laptop), "* 1 EXPUNGE\r\n");
    assert_eq!(t.server.session_view(laptop).unwrap().1.len(), 1);
}

#[test]
fn sessions_on_other_mailboxes_hear_nothing() {
    let mut t = TestServer::new();
    let inbox = t.selected("alice", "INBOX");
    let sent = t.selected("alice", "Sent");
    let bobs = t.selected("bob", "INBOX");
    t.command(sent, "i1 IDLE");
    t.command(bobs, "i2 IDLE");
    t.append(inbox, "a1", "INBOX", MESSAGE);
    assert_eq!(t.take(sent), "");
    assert_eq!(t.take(bobs), "");
}

#[test]
fn observers_get_mailbox_changed_events() {
    let mut t = TestServer::new();
    t.deliver("alice", "INBOX", MESSAGE);
    let changed = t
        .events
        .iter()
        .filter(
            |e| matches!(e, ephemail_core::Event::MailboxChanged { user, .. } if user == "alice"),
        )
        .count();
    assert_eq!(changed, 1);
}
