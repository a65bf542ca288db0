//! SORT (RFC 5256 §3) and SORT=DISPLAY (RFC 5957) over messages with chosen headers.

use ephemail_tests::TestServer;

fn message(from: &str, to: &str, subject: &str, date: &str, body_len: usize) -> Vec<u8> {
    let mut m = format!("From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n\r\n")
        .into_bytes();
    m.extend(std::iter::repeat_n(b'x', body_len));
    m.extend_from_slice(b"\r\n");
    m
}

fn setup() -> (TestServer, ephemail_core::SessionId) {
    let mut t = TestServer::new();
    let messages = [
        // 1
        message("Zed <zed@example.org>", "amy@example.org", "Re: Lunch", "Tue, 2 Jan 2024 10:00:00 +0000", 300),
        // 2
        message("\"Anna Z\" <bob@example.org>", "Carl <carl@example.org>", "[team] Budget", "Mon, 1 Jan 2024 10:00:00 +0000", 100),
        // 3
        message("alice@example.org", "bea@example.org", "lunch", "Wed, 3 Jan 2024 09:00:00 +0100", 200),
        // 4: no Date, so its INTERNALDATE counts
        b"From: mike@example.org\r\nTo: dan@example.org\r\nSubject: Fwd: Budget (fwd)\r\n\r\nshort\r\n".to_vec(),
    ];
    for m in &messages {
        t.deliver("alice", "INBOX", m);
    }
    let c = t.selected("alice", "INBOX");
    (t, c)
}

#[test]
fn sort_keys() {
    let (mut t, c) = setup();
    let sorted = |t: &mut TestServer, criteria: &str| -> String {
        let out = t.command(c, &format!("s SORT ({criteria}) UTF-8 ALL"));
        assert!(out.ends_with("s OK SORT completed\r\n"), "{out}");
        out.lines().next().unwrap().to_owned()
    };
    // Base subjects: budget (2, 4), lunch (1, 3); ties keep mailbox order.
    assert_eq!(sorted(&mut t, "SUBJECT"), "* SORT 2 4 1 3");
    assert_eq!(sorted(&mut t, "REVERSE SUBJECT"), "* SORT 1 3 2 4");
    assert_eq!(sorted(&mut t, "SIZE"), "* SORT 4 2 3 1");
    // Local parts: alice, bob, mike, zed.
    assert_eq!(sorted(&mut t, "FROM"), "* SORT 3 2 4 1");
    // RFC 5957: display name when there is one ("anna z"), else the address.
    assert_eq!(sorted(&mut t, "DISPLAYFROM"), "* SORT 3 2 4 1");
    assert_eq!(sorted(&mut t, "TO"), "* SORT 1 3 2 4");
    assert_eq!(sorted(&mut t, "DISPLAYTO"), "* SORT 1 3 2 4");
    // Dates with zones: 2 (Jan 1), 1 (Jan 2 10:00Z), 3 (Jan 3 08:00Z), then 4's
    // INTERNALDATE (the virtual clock, Jan 2 03:04:05Z).
    assert_eq!(sorted(&mut t, "DATE"), "* SORT 2 4 1 3");
    assert_eq!(sorted(&mut t, "SUBJECT REVERSE DATE"), "* SORT 4 2 3 1");
    assert_eq!(sorted(&mut t, "ARRIVAL"), "* SORT 1 2 3 4");
}

#[test]
fn uid_sort_with_search_criteria_and_errors() {
    let (mut t, c) = setup();
    t.command(c, "a STORE 1,3 +FLAGS.SILENT (\\Seen)");
    let out = t.command(c, "u UID SORT (SIZE) US-ASCII SEEN");
    assert_eq!(out, "* SORT 3 1\r\nu OK UID SORT completed\r\n");
    let out = t.command(c, "v SORT (SIZE) KOI8-R ALL");
    assert_eq!(
        out,
        "v NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n"
    );
    let out = t.command(c, "w SORT (BOGUS) UTF-8 ALL");
    assert!(out.starts_with("w BAD "), "{out}");
    let out = t.command(c, "x SORT (SUBJECT) UTF-8 SUBJECT budget");
    assert_eq!(out, "* SORT 2 4\r\nx OK SORT completed\r\n");
}
