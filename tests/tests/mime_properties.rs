//! Properties of BODY[section] over generated messages:
//! - BODY[] is the message, and BODY[HEADER] followed by BODY[TEXT] is the message;
//! - a multipart's parts, each as its MIME header plus its body, put back between the
//!   delimiter lines with preamble and epilogue, reproduce BODY[TEXT];
//! - long sections, which go out as slices of the stored message rather than copies,
//!   are byte-exact and in order, across several messages in one FETCH;
//! - any byte soup made of risky MIME tokens gets responses that parse, and no panic.

use ephemail_tests::mime_corpus::{fetch_bytes, section_data, server_with};
use ephemail_tests::parse_responses;
use proptest::prelude::*;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn body_section(message: &[u8], sections: &[&str]) -> Vec<Option<Vec<u8>>> {
    let (mut t, c) = server_with(&[message.to_vec()]);
    sections
        .iter()
        .map(|section| {
            let response = fetch_bytes(&mut t, c, &format!("f1 FETCH 1 (BODY.PEEK[{section}])"));
            parse_responses(&response, false).expect("responses parse");
            section_data(&response, &format!("BODY[{section}]"))
        })
        .collect()
}

/// A line of text that cannot be a delimiter line (no leading `-`).
fn text_line() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,:;=?!]{0,30}"
}

fn header_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Content-Type: text/plain; charset=utf-8".to_owned()),
        Just("Content-Type: text/html".to_owned()),
        Just("Content-Transfer-Encoding: quoted-printable".to_owned()),
        Just("Content-Disposition: attachment; filename=\"a b.txt\"".to_owned()),
        "X-[A-Za-z]{1,8}: [a-z ]{0,20}",
    ]
}

/// A part: header fields (maybe none), the empty line, then body lines, with or
/// without a final line end (that CRLF would belong to the delimiter).
fn part() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(header_field(), 0..4),
        prop::collection::vec(text_line(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(fields, lines, trailing)| {
            let mut s = String::new();
            for f in fields {
                s.push_str(&f);
                s.push_str("\r\n");
            }
            s.push_str("\r\n");
            s.push_str(&lines.join("\r\n"));
            if trailing && !lines.is_empty() {
                s.push_str("\r\n");
            }
            s
        })
}

fn risky_token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"--b".to_vec()),
        Just(b"--b--".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=b\r\n".to_vec()),
        Just(b"Content-Type: message/rfc822\r\n".to_vec()),
        Just(b"Content-Type: text/plain; charset=\"iso-8859-1\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: quoted-printable\r\n".to_vec()),
        Just(b"Content-Disposition: (comment attachment; filename*=utf-8''%ff\r\n".to_vec()),
        Just(b"From: \"a\\\" <b@c>, (x) :; <@d:e@f>, g:\r\n".to_vec()),
        Just(b"Subject: =?utf-8?b?w7w=?= =?x?q?=ZZ?=\r\n".to_vec()),
        Just(b"Date: Mon, 31 Feb 99999 99:99:99 +9999\r\n".to_vec()),
        Just(b" folded\r\n".to_vec()),
        Just(b"=\r\n".to_vec()),
        Just(b"=4".to_vec()),
        Just(b"\0".to_vec()),
        Just(vec![0xff, 0xfe, 0x80]),
        Just(b"(((\"".to_vec()),
        Just(b"{5}\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn body_is_the_message_and_header_plus_text_is_too(
        tokens in prop::collection::vec(risky_token(), 0..40)
    ) {
        let message: Vec<u8> = tokens.concat();
        let got = body_section(&message, &["", "HEADER", "TEXT"]);
        let masked: Vec<u8> = message.iter().map(|&b| if b == 0 { 0x80 } else { b }).collect();
        prop_assert_eq!(got[0].as_deref(), Some(&masked[..]));
        let joined = [got[1].clone().unwrap(), got[2].clone().unwrap()].concat();
        prop_assert_eq!(joined, masked);
    }

    #[test]
    fn multipart_parts_with_their_headers_reproduce_the_body(
        preamble in prop::collection::vec(text_line(), 0..3),
        parts in prop::collection::vec(part(), 1..5),
        epilogue in prop::collection::vec(text_line(), 0..3),
        padding in "[ \t]{0,2}",
    ) {
        let boundary = "b0und";
        let mut text = String::new();
        if !preamble.is_empty() {
            text.push_str(&preamble.join("\r\n"));
            text.push_str("\r\n");
        }
        for p in &parts {
            text.push_str(&format!("--{boundary}{padding}\r\n{p}\r\n"));
        }
        text.push_str(&format!("--{boundary}--\r\n{}", epilogue.join("\r\n")));
        let message = format!(
            "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n{text}"
        );
        let mut sections = vec!["TEXT".to_owned()];
        for i in 1..=parts.len() {
            sections.push(format!("{i}.MIME"));
            sections.push(format!("{i}"));
        }
        let refs: Vec<&str> = sections.iter().map(String::as_str).collect();
        let got = body_section(message.as_bytes(), &refs);
        prop_assert_eq!(got[0].as_deref(), Some(text.as_bytes()));
        let mut rebuilt = Vec::new();
        if !preamble.is_empty() {
            rebuilt.extend_from_slice(preamble.join("\r\n").as_bytes());
            rebuilt.extend_from_slice(b"\r\n");
        }
        for i in 0..parts.len() {
            rebuilt.extend_from_slice(format!("--{boundary}{padding}\r\n").as_bytes());
            let mime = got[1 + 2 * i].clone().expect("MIME header");
            let body = got[2 + 2 * i].clone().expect("part body");
            prop_assert_eq!([mime.clone(), body.clone()].concat(), parts[i].as_bytes().to_vec());
            rebuilt.extend_from_slice(&mime);
            rebuilt.extend_from_slice(&body);
            rebuilt.extend_from_slice(b"\r\n");
        }
        rebuilt.extend_from_slice(format!("--{boundary}--\r\n{}", epilogue.join("\r\n")).as_bytes());
        prop_assert_eq!(rebuilt, text.into_bytes());
    }

    #[test]
    fn long_sections_shared_from_the_store_are_exact(
        lines in prop::collection::vec(prop::collection::vec(text_line(), 0..120), 1..4),
        cut in 0usize..3000,
    ) {
        let messages: Vec<Vec<u8>> = lines
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                format!("Subject: m{i}\r\nFrom: a@b.c\r\n\r\n{}\r\n", lines.join("\r\n")).into_bytes()
            })
            .collect();
        let (mut t, c) = server_with(&messages);
        let response = fetch_bytes(
            &mut t,
            c,
            &format!("f1 FETCH 1:* (BODY.PEEK[] RFC822.TEXT BODY.PEEK[TEXT]<{cut}.1500> BINARY.PEEK[1] RFC822.SIZE)"),
        );
        let parsed = parse_responses(&response, false);
        prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        // One FETCH response per message, in order; split them at each `* n FETCH`.
        let text = response.clone();
        let mut starts: Vec<usize> = (1..=messages.len())
            .map(|n| find(&text, format!("* {n} FETCH (").as_bytes()).expect("a FETCH response"))
            .collect();
        starts.push(text.len());
        for (i, message) in messages.iter().enumerate() {
            let one = &text[starts[i]..starts[i + 1]];
            let body = &message[message.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
            let partial = &body[cut.min(body.len())..(cut + 1500).min(body.len())];
            prop_assert_eq!(section_data(one, "BODY[]"), Some(message.clone()));
            prop_assert_eq!(section_data(one, "RFC822.TEXT"), Some(body.to_vec()));
            prop_assert_eq!(section_data(one, &format!("BODY[TEXT]<{cut}>")), Some(partial.to_vec()));
            prop_assert_eq!(section_data(one, "BINARY[1]"), Some(body.to_vec()));
            let size = format!("RFC822.SIZE {} ", message.len());
            prop_assert!(find(one, size.as_bytes()).is_some(), "{}", String::from_utf8_lossy(one));
        }
    }

    #[test]
    fn risky_mail_gets_parseable_answers(
        tokens in prop::collection::vec(risky_token(), 0..60)
    ) {
        let message: Vec<u8> = tokens.concat();
        let (mut t, c) = server_with(&[message]);
        for command in [
            "f1 FETCH 1 (ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE)",
            "f1 FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2.1.HEADER] BODY.PEEK[1.TEXT])",
            "f1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (From Subject)] BINARY.SIZE[1])",
            "f1 FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[2] BINARY.PEEK[1.1])",
            "f1 SEARCH TEXT x",
            "f1 SEARCH OR FROM a SUBJECT b",
            "f1 SEARCH SENTSINCE 1-Jan-2000",
        ] {
            let response = fetch_bytes(&mut t, c, command);
            prop_assert!(
                parse_responses(&response, false).is_ok(),
                "{}: {}", command, String::from_utf8_lossy(&response)
            );
            let text = String::from_utf8_lossy(&response);
            prop_assert!(
                text.contains("f1 OK") || text.contains("f1 NO [UNKNOWN-CTE]"),
                "{}: {}", command, text
            );
        }
    }
}
