//! THREAD (RFC 5256 §2): ORDEREDSUBJECT and REFERENCES over messages with chosen
//! Message-ID, In-Reply-To, References, Subject and Date fields.

use ephemail_tests::TestServer;

fn message(id: Option<&str>, refs: &str, subject: &str, day: u32) -> Vec<u8> {
    let mut m = String::from("From: a@example.org\r\n");
    if let Some(id) = id {
        m.push_str(&format!("Message-ID: <{id}@x>\r\n"));
    }
    if !refs.is_empty() {
        let refs: Vec<String> = refs.split(' ').map(|r| format!("<{r}@x>")).collect();
        m.push_str(&format!("References: {}\r\n", refs.join(" ")));
    }
    m.push_str(&format!(
        "Subject: {subject}\r\nDate: Mon, {day} Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n"
    ));
    m.into_bytes()
}

fn server(messages: &[Vec<u8>]) -> (TestServer, ephemail_core::SessionId) {
    let mut t = TestServer::new();
    for m in messages {
        t.deliver("alice", "INBOX", m);
    }
    let c = t.selected("alice", "INBOX");
    (t, c)
}

#[test]
fn references_builds_the_reply_tree() {
    let (mut t, c) = server(&[
        message(Some("a"), "", "Plans", 1),               // 1
        message(Some("b"), "a", "Re: Plans", 2),          // 2: reply to 1
        message(Some("c"), "a b", "Re: Plans", 4),        // 3: reply to 2
        message(Some("d"), "a", "Re: Plans", 3),          // 4: reply to 1, earlier than 3
        message(Some("e"), "", "Other", 5),               // 5: alone
        message(Some("f"), "gone", "Lost parent", 6),     // 6: parent not in mailbox
        message(Some("g"), "gone", "Re: Lost parent", 7), // 7: sibling under the same missing parent
        message(None, "", "No id at all", 8),             // 8
    ]);
    let out = t.command(c, "t1 THREAD REFERENCES UTF-8 ALL");
    assert_eq!(
        out,
        "* THREAD (1 (2 3)(4))(5)((6)(7))(8)\r\nt1 OK THREAD completed\r\n"
    );
    let out = t.command(c, "t2 UID THREAD REFERENCES UTF-8 NOT 5");
    assert_eq!(
        out,
        "* THREAD (1 (2 3)(4))((6)(7))(8)\r\nt2 OK UID THREAD completed\r\n"
    );
}

#[test]
fn references_merges_roots_by_subject_and_survives_loops() {
    let (mut t, c) = server(&[
        message(Some("a"), "", "Budget", 1),       // 1
        message(Some("b"), "", "Re: Budget", 2),   // 2: no References, but a reply subject
        message(Some("c"), "d", "Loop", 3),        // 3: c's parent is d …
        message(Some("d"), "c", "Loop", 4),        // 4: … and d's parent would be c
        message(Some("a"), "", "Duplicate id", 5), // 5: Message-ID already used
    ]);
    let out = t.command(c, "t1 THREAD REFERENCES UTF-8 ALL");
    assert!(out.ends_with("t1 OK THREAD completed\r\n"), "{out}");
    let line = out.lines().next().unwrap();
    assert!(line.starts_with("* THREAD (1 2)"), "{line}");
    // Every message appears exactly once.
    let numbers: Vec<u32> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(sorted, vec![1, 2, 3, 4, 5], "{line}");
    ephemail_tests::parse_responses(out.as_bytes(), false).unwrap();
}

#[test]
fn ordered_subject_groups_by_base_subject() {
    let (mut t, c) = server(&[
        message(Some("a"), "", "Plans", 3),      // 1
        message(Some("b"), "", "Re: plans", 1),  // 2: same base subject, earliest
        message(Some("c"), "", "Other", 2),      // 3
        message(Some("d"), "", "Fwd: Plans", 4), // 4
    ]);
    let out = t.command(c, "t1 THREAD ORDEREDSUBJECT US-ASCII ALL");
    assert_eq!(out, "* THREAD (2 (1)(4))(3)\r\nt1 OK THREAD completed\r\n");
    let out = t.command(c, "t2 THREAD FOO UTF-8 ALL");
    assert!(out.starts_with("t2 BAD "), "{out}");
}
