//! Two sessions storing flags on the same message: the store merges +FLAGS/-FLAGS, each
//! session hears about the other's change, and MODSEQ grows with every change.

use ephemail_core::SystemFlag;
use ephemail_tests::TestServer;

#[test]
fn both_sessions_see_the_merged_flags() {
    let mut t = TestServer::new();
    t.deliver("alice", "INBOX", b"Subject: shared\r\n\r\nx\r\n");
    let a = t.selected("alice", "INBOX");
    let b = t.selected("alice", "INBOX");

    let out = t.command(a, "a1 STORE 1 +FLAGS (\\Flagged)");
    assert_eq!(
        out,
        "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))\r\na1 OK STORE completed\r\n"
    );
    let out = t.command(b, "b1 STORE 1 +FLAGS (\\Seen work)");
    // b's own response already shows a's flag; no separate unsolicited FETCH is needed.
    assert!(
        out.contains("* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged work))\r\n"),
        "{out}"
    );
    let out = t.command(a, "a2 NOOP");
    assert_eq!(
        out,
        "* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged work \\Recent))\r\na2 OK NOOP completed\r\n"
    );

    let out = t.command(a, "a3 STORE 1 -FLAGS.SILENT (\\Flagged)");
    assert_eq!(out, "a3 OK STORE completed\r\n");
    let out = t.command(b, "b2 NOOP");
    assert_eq!(
        out,
        "* 1 FETCH (UID 1 FLAGS (\\Seen work))\r\nb2 OK NOOP completed\r\n"
    );

    let mailbox = t.server.store().mailbox_by_name("alice", "INBOX").unwrap();
    let message = &mailbox.messages()[0];
    assert!(message.flags().contains(SystemFlag::Seen));
    assert!(!message.flags().contains(SystemFlag::Flagged));
    assert!(message.flags().has_keyword("WORK"));
    assert_eq!(message.modseq(), mailbox.highest_modseq());
}

#[test]
fn storing_unchanged_flags_notifies_nobody() {
    let mut t = TestServer::new();
    t.deliver("alice", "INBOX", b"Subject: shared\r\n\r\nx\r\n");
    let a = t.selected("alice", "INBOX");
    let b = t.selected("alice", "INBOX");
    t.command(a, "a1 STORE 1 +FLAGS.SILENT (\\Seen)");
    t.command(b, "b0 NOOP");
    let before = t
        .server
        .store()
        .mailbox_by_name("alice", "INBOX")
        .unwrap()
        .highest_modseq();
    t.command(a, "a2 STORE 1 +FLAGS.SILENT (\\Seen)");
    assert_eq!(t.command(b, "b1 NOOP"), "b1 OK NOOP completed\r\n");
    let after = t
        .server
        .store()
        .mailbox_by_name("alice", "INBOX")
        .unwrap()
        .highest_modseq();
    assert_eq!(before, after);
}
