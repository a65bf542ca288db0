//! Hostile and broken mail: a 1 MB header, a 1 MB single header line, 100 levels of
//! message/rfc822, 100 levels of multipart, 20,000 parts, base64 and boundary abuse.
//! Every answer must parse and nothing may panic; the structure is best effort.

use ephemail_tests::mime_corpus::{fetch_bytes, item_value, server_with};
use ephemail_tests::parse_responses;

fn fetch_all(message: Vec<u8>) -> Vec<u8> {
    let (mut t, c) = server_with(&[message]);
    let mut all = Vec::new();
    for command in [
        "f1 FETCH 1 (ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE)",
        "f1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[1] BINARY.SIZE[1])",
        "f1 SEARCH TEXT needle",
        "f1 SEARCH HEADER X-Big needle",
    ] {
        let response = fetch_bytes(&mut t, c, command);
        parse_responses(&response, false)
            .unwrap_or_else(|e| panic!("{command}: {}", &e[..e.len().min(500)]));
        let text = String::from_utf8_lossy(&response);
        assert!(text.contains("f1 OK"), "{command}");
        all.extend_from_slice(&response);
    }
    all
}

#[test]
fn one_megabyte_of_header_fields() {
    let mut message = b"Subject: big\r\n".to_vec();
    let mut i = 0;
    while message.len() < 1 << 20 {
        message.extend_from_slice(format!("X-Big-{i}: some value number {i}\r\n").as_bytes());
        i += 1;
    }
    message.extend_from_slice(b"X-Big: the needle\r\n\r\nbody\r\n");
    let out = fetch_all(message);
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("BODY[HEADER.FIELDS (Subject)] {16}\r\nSubject: big\r\n\r\n"));
    assert!(text.contains("* SEARCH 1\r\n"), "the last field is found");
}

#[test]
fn one_megabyte_single_folded_header_line() {
    let mut message = b"Subject: ".to_vec();
    for i in 0..(1 << 20) / 16 {
        message.extend_from_slice(if i % 8 == 7 {
            b"word word\r\n word "
        } else {
            b"word word word  "
        });
    }
    message.extend_from_slice(b"needle\r\nFrom: a@b.c\r\n\r\nbody");
    let out = fetch_all(message);
    assert!(String::from_utf8_lossy(&out).contains("* SEARCH 1\r\n"));
}

#[test]
fn hundred_levels_of_message_rfc822() {
    let mut message = Vec::new();
    for i in 0..100 {
        message.extend_from_slice(
            format!("Subject: level {i}\r\nContent-Type: message/rfc822\r\n\r\n").as_bytes(),
        );
    }
    message.extend_from_slice(b"Subject: bottom\r\n\r\nthe needle at the bottom\r\n");
    let out = fetch_all(message);
    let structure = item_value(&out, "BODYSTRUCTURE").expect("BODYSTRUCTURE");
    // Bounded so that imap-codec (7 levels of parentheses) parses it.
    let depth = structure.iter().fold((0i32, 0i32), |(d, max), &b| match b {
        b'(' => (d + 1, max.max(d + 1)),
        b')' => (d - 1, max),
        _ => (d, max),
    });
    assert!(depth.1 <= 12, "{}", String::from_utf8_lossy(structure));
}

#[test]
fn hundred_levels_of_multipart_and_many_parts() {
    // 20,000 empty parts.
    let mut message = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n".to_vec();
    for _ in 0..20_000 {
        message.extend_from_slice(b"--x\r\n\r\nneedle\r\n");
    }
    message.extend_from_slice(b"--x--\r\n");
    let out = fetch_all(message);
    assert!(String::from_utf8_lossy(&out).contains("* SEARCH 1\r\n"));

    // 100 nested multiparts, each boundary a prefix of the next one.
    let mut message = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n".to_vec();
    let mut boundary = "b".to_owned();
    for _ in 0..100 {
        let inner = format!("{boundary}x");
        message.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: multipart/mixed; boundary=\"{inner}\"\r\n\r\n")
                .as_bytes(),
        );
        boundary = inner;
    }
    message.extend_from_slice(format!("--{boundary}\r\n\r\nneedle\r\n").as_bytes());
    fetch_all(message);
}

#[test]
fn broken_encodings_and_boundaries() {
    for message in [
        &b"Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\nx\r\n----\r\n"[..],
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--",
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n--b\r\n",
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n====\n--b--",
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n==\r\n=F",
        b"Content-Type: /\r\nContent-Type: text/\r\n\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"\r\n",
        b"",
        b":\r\n\r\n",
        b"\xff\xfe: \xff\r\nSubject: \xe9t\xe9\r\n\r\n\xff",
        b"From: <<<<>>>>,,,;;;:::@@@\"\r\nTo: (((\r\nCc: \"\\\r\n\r\n",
    ] {
        fetch_all(message.to_vec());
    }
}
