//! RFC 9051 §7.5.1: "An EXPUNGE response MUST NOT be sent when no command is in progress,
//! nor while responding to a FETCH, STORE, or SEARCH command." The UID forms are different
//! commands and may carry EXPUNGE. Held-back expunges are delivered afterwards, and
//! sequence numbers never go out of step.

use ephemail_tests::TestServer;

fn setup(
    n: usize,
) -> (
    TestServer,
    ephemail_core::SessionId,
    ephemail_core::SessionId,
) {
    let mut t = TestServer::new();
    for i in 0..n {
        t.deliver(
            "alice",
            "INBOX",
            format!("Subject: m{i}\r\n\r\nx\r\n").as_bytes(),
        );
    }
    let reader = t.selected("alice", "INBOX");
    let cleaner = t.selected("alice", "INBOX");
    (t, reader, cleaner)
}

fn expunge_first_two(t: &mut TestServer, cleaner: ephemail_core::SessionId) {
    t.command(cleaner, "c1 STORE 1:2 +FLAGS.SILENT (\\Deleted)");
    let out = t.command(cleaner, "c2 EXPUNGE");
    assert_eq!(
        out,
        "* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nc2 OK EXPUNGE completed\r\n"
    );
}

#[test]
fn fetch_store_search_hold_expunge_back_and_noop_delivers_it() {
    let (mut t, reader, cleaner) = setup(4);
    t.command(reader, "r0 NOOP"); // reader has seen all four
    expunge_first_two(&mut t, cleaner);

    let out = t.command(reader, "r1 FETCH 1:4 UID");
    assert!(!out.contains(" EXPUNGE\r\n"), "{out}");
    assert!(
        out.contains("* 3 FETCH (UID 3)\r\n* 4 FETCH (UID 4)\r\n"),
        "{out}"
    );
    assert!(
        out.ends_with("r1 NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n")
    );

    let out = t.command(reader, "r2 STORE 4 +FLAGS (\\Seen)");
    assert!(!out.contains(" EXPUNGE\r\n"), "{out}");
    assert!(
        out.starts_with("* 4 FETCH (UID 4 FLAGS (\\Seen"),
        "numbers unchanged: {out}"
    );

    let out = t.command(reader, "r3 SEARCH ALL");
    assert_eq!(out, "* SEARCH 3 4\r\nr3 OK SEARCH completed\r\n");

    let out = t.command(reader, "r4 NOOP");
    assert_eq!(
        out,
        "* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nr4 OK NOOP completed\r\n"
    );
    let out = t.command(reader, "r5 FETCH 1:* UID");
    assert_eq!(
        out,
        "* 1 FETCH (UID 3)\r\n* 2 FETCH (UID 4)\r\nr5 OK FETCH completed\r\n"
    );
}

#[test]
fn uid_fetch_may_carry_the_expunge() {
    let (mut t, reader, cleaner) = setup(3);
    expunge_first_two(&mut t, cleaner);
    let out = t.command(reader, "r1 UID FETCH 1:* FLAGS");
    assert_eq!(
        out,
        "* 3 FETCH (UID 3 FLAGS (\\Recent))\r\n* 2 EXPUNGE\r\n* 1 EXPUNGE\r\nr1 OK UID FETCH completed\r\n"
    );
}

#[test]
fn view_matches_store_after_being_told() {
    let (mut t, reader, cleaner) = setup(5);
    expunge_first_two(&mut t, cleaner);
    t.deliver("alice", "INBOX", b"Subject: late\r\n\r\nx\r\n");
    t.command(reader, "r1 FETCH 1 FLAGS");
    let (mailbox, view) = t.server.session_view(reader).unwrap();
    assert_eq!(view.len(), 6, "expunges not yet told, new message told");
    t.command(reader, "r2 CHECK");
    let (_, view) = t.server.session_view(reader).unwrap();
    let store: Vec<_> = t
        .server
        .store()
        .mailbox(mailbox)
        .unwrap()
        .messages()
        .iter()
        .map(|m| m.uid())
        .collect();
    assert_eq!(view, store.as_slice());
}
