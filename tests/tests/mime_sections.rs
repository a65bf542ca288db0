//! FETCH BODY[section], RFC822.HEADER/TEXT, BINARY[section], BINARY.SIZE and APPEND of
//! literal8, over corpus messages, asserting the exact bytes returned.

use ephemail_tests::mime_corpus::{corpus, fetch_bytes, section_data, server_with};
use ephemail_tests::{parse_responses, TestServer};

fn fixture(name: &str) -> Vec<u8> {
    corpus()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
        .1
}

/// FETCH 1 (`item`) and the data of `echo` (the item as the server names it).
fn get(t: &mut TestServer, c: ephemail_core::SessionId, item: &str, echo: &str) -> Option<Vec<u8>> {
    let response = fetch_bytes(t, c, &format!("f1 FETCH 1 ({item})"));
    parse_responses(&response, false).expect("imap-codec parses it");
    assert!(
        response.ends_with(b"f1 OK FETCH completed\r\n"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(
        response.windows(echo.len()).any(|w| w == echo.as_bytes()),
        "{echo} missing: {}",
        String::from_utf8_lossy(&response)
    );
    section_data(&response, echo)
}

fn peek(t: &mut TestServer, c: ephemail_core::SessionId, section: &str) -> Option<String> {
    get(
        t,
        c,
        &format!("BODY.PEEK[{section}]"),
        &format!("BODY[{section}]"),
    )
    .map(|b| String::from_utf8(b).expect("utf-8 fixture"))
}

#[test]
fn sections_of_a_nested_message() {
    let raw = fixture("nested_rfc822");
    let (mut t, c) = server_with(std::slice::from_ref(&raw));
    let text = String::from_utf8(raw.clone()).unwrap();
    assert_eq!(peek(&mut t, c, "").unwrap(), text);
    assert_eq!(peek(&mut t, c, "1").unwrap(), "Forwarding this.\r\n");
    let inner = peek(&mut t, c, "2").unwrap();
    assert!(inner.starts_with("From: Carol <carol@example.net>\r\n"));
    assert!(inner.ends_with("--inner-alt--\r\n"));
    let inner_header = peek(&mut t, c, "2.HEADER").unwrap();
    assert!(inner_header.starts_with("From: Carol"));
    assert!(inner_header.ends_with("boundary=\"inner-alt\"\r\n\r\n"));
    let inner_text = peek(&mut t, c, "2.TEXT").unwrap();
    assert_eq!(format!("{inner_header}{inner_text}"), inner);
    assert_eq!(peek(&mut t, c, "2.1").unwrap(), "Lunch at noon?");
    assert_eq!(peek(&mut t, c, "2.2").unwrap(), "<p>Lunch at noon?</p>");
    assert_eq!(
        peek(&mut t, c, "2.1.MIME").unwrap(),
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    );
    assert_eq!(
        peek(&mut t, c, "2.MIME").unwrap(),
        "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n"
    );
    // Field names match case-insensitively; fields come in message order; the server
    // echoes the list as the client sent it.
    assert_eq!(
        peek(&mut t, c, "2.HEADER.FIELDS (SUBJECT from)").unwrap(),
        "From: Carol <carol@example.net>\r\nSubject: lunch\r\n\r\n"
    );
    assert_eq!(
        peek(
            &mut t,
            c,
            "HEADER.FIELDS.NOT (From To Subject Date MIME-Version Content-Type)"
        )
        .unwrap(),
        "\r\n"
    );
    assert_eq!(peek(&mut t, c, "HEADER.FIELDS (X-Absent)").unwrap(), "\r\n");
    // Sections that name no part are NIL.
    assert_eq!(peek(&mut t, c, "1.HEADER"), None);
    assert_eq!(peek(&mut t, c, "3"), None);
    assert_eq!(peek(&mut t, c, "1.1"), None);
    assert_eq!(peek(&mut t, c, "2.3"), None);
    // A partial is reported by its origin alone.
    assert_eq!(
        get(&mut t, c, "BODY.PEEK[2.1]<3.5>", "BODY[2.1]<3>").unwrap(),
        b"ch at"
    );
    assert_eq!(
        get(&mut t, c, "BODY.PEEK[2.1]<100.5>", "BODY[2.1]<100>").unwrap(),
        b""
    );
    // RFC822.HEADER and RFC822.TEXT are HEADER and TEXT.
    let header = get(&mut t, c, "RFC822.HEADER", "RFC822.HEADER").unwrap();
    let body = peek(&mut t, c, "TEXT").unwrap();
    assert_eq!([header, body.into_bytes()].concat(), raw);
    // Nothing above was BODY[…] without PEEK: the message is still unseen.
    let flags = fetch_bytes(&mut t, c, "f1 FETCH 1 (FLAGS)");
    assert!(!String::from_utf8_lossy(&flags).contains("Seen"));
    // BODY[…] sets \Seen and reports it.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (BODY[1])");
    let response = String::from_utf8_lossy(&response);
    assert!(response.contains("FLAGS (\\Seen"), "{response}");
}

#[test]
fn part_one_of_a_single_part_message() {
    let raw = fixture("simple_plain");
    let (mut t, c) = server_with(std::slice::from_ref(&raw));
    let header = peek(&mut t, c, "HEADER").unwrap();
    assert_eq!(
        peek(&mut t, c, "1").unwrap(),
        "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
    );
    assert_eq!(peek(&mut t, c, "1.MIME").unwrap(), header);
    assert_eq!(peek(&mut t, c, "2"), None);
}

#[test]
fn header_only_message_has_no_blank_line() {
    let raw = fixture("header_only_no_blank");
    let (mut t, c) = server_with(std::slice::from_ref(&raw));
    assert_eq!(peek(&mut t, c, "HEADER").unwrap().as_bytes(), raw);
    assert_eq!(peek(&mut t, c, "TEXT").unwrap(), "");
    // RFC 9051: the blank line is included "except in the case of a message which has
    // no body and no blank line"; the last field gets its line end.
    assert_eq!(
        peek(&mut t, c, "HEADER.FIELDS (Subject)").unwrap(),
        "Subject: only a header, no blank line\r\n"
    );
}

#[test]
fn binary_decodes_transfer_encodings() {
    let (mut t, c) = server_with(&[
        fixture("binary_nul"),
        fixture("bad_base64"),
        fixture("multipart_alternative"),
        fixture("unknown_cte"),
        fixture("bad_qp"),
    ]);
    let caps = t.command(c, "c1 CAPABILITY");
    assert!(caps.contains(" BINARY"), "{caps}");
    // NUL in the content: literal8.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])");
    parse_responses(&response, false).expect("imap-codec parses literal8");
    assert!(
        response
            .windows(b"BINARY[2] ~{15}\r\n".len())
            .any(|w| w == b"BINARY[2] ~{15}\r\n"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert_eq!(
        section_data(&response, "BINARY[2]").unwrap(),
        b"\x00\x01\x02binary\x00data\xff"
    );
    assert!(String::from_utf8_lossy(&response).contains("BINARY.SIZE[2] 15"));
    // Damaged base64: best effort.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])");
    assert_eq!(
        section_data(&response, "BINARY[1]").unwrap(),
        b"Hello, world!"
    );
    assert!(String::from_utf8_lossy(&response).contains("BINARY.SIZE[1] 13"));
    // Quoted-printable, 8-bit result in an ordinary literal.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 3 (BINARY.PEEK[2])");
    assert_eq!(
        String::from_utf8(section_data(&response, "BINARY[2]").unwrap()).unwrap(),
        "<html><body><p>Café opens at <b>nine</b>.</p></body></html>\r\n"
    );
    // BINARY[] is the message as stored; a partial works as for BODY.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 3 (BINARY.PEEK[]<0.5>)");
    assert_eq!(section_data(&response, "BINARY[]<0>").unwrap(), b"From:");
    // Unknown encoding: tagged NO [UNKNOWN-CTE], and nothing else.
    let response = t.command(c, "f1 FETCH 4 (BINARY.PEEK[2])");
    assert_eq!(
        response,
        "f1 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding\r\n"
    );
    let response = t.command(c, "f1 FETCH 4 (BINARY.PEEK[1])");
    assert!(
        response.contains("BINARY[1] {11}\r\nOld school."),
        "{response}"
    );
    // Damaged quoted-printable: best effort, stray `=` kept.
    let response = fetch_bytes(&mut t, c, "f1 FETCH 5 (BINARY.PEEK[1])");
    assert_eq!(
        String::from_utf8(section_data(&response, "BINARY[1]").unwrap()).unwrap(),
        "Price = 5 €, a stray = sign, bad =ZZ escape, lowercase é,\r\ntrailing soft breaknext line"
    );
    // BINARY without PEEK sets \Seen.
    let response = t.command(c, "f1 FETCH 4 (BINARY[1])");
    assert!(response.contains("FLAGS (\\Seen"), "{response}");
}

#[test]
fn append_literal8_and_fetch_it_back() {
    // A small literal8 goes through the codec; a big one (4 KB) is lifted out of the
    // command by the framer before parsing.
    let mut big = b"Subject: nul\r\n\r\n".to_vec();
    big.extend((0..4_000u32).map(|i| (i % 251) as u8));
    big.extend_from_slice(b"\r\n");
    for message in [&b"Subject: nul\r\n\r\na\x00b\r\n"[..], &big] {
        append_literal8(message);
    }
}

fn append_literal8(message: &[u8]) {
    let mut t = TestServer::new();
    let c = t.selected("alice", "INBOX");
    let mut command = format!("a1 APPEND INBOX ~{{{}}}\r\n", message.len()).into_bytes();
    let cont = t.send(c, &command);
    assert!(cont.starts_with("+ "), "{cont}");
    command.clear();
    command.extend_from_slice(message);
    command.extend_from_slice(b"\r\n");
    let done = t.send(c, &command);
    assert!(done.contains("a1 OK"), "{done}");
    let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (BINARY.PEEK[] BODY.PEEK[TEXT])");
    parse_responses(&response, false).expect("imap-codec parses it");
    assert_eq!(section_data(&response, "BINARY[]").unwrap(), message);
    // BODY[…] cannot carry NUL: it goes out as 0x80, same length.
    let text = &message[b"Subject: nul\r\n\r\n".len()..];
    let masked: Vec<u8> = text
        .iter()
        .map(|&b| if b == 0 { 0x80 } else { b })
        .collect();
    assert_eq!(section_data(&response, "BODY[TEXT]").unwrap(), masked);
}
