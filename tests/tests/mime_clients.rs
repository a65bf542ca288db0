//! Third-party parsers read our MIME responses: `imap-proto` (the parser under the
//! `imap` and `async-imap` crates) and imap-codec's `ResponseCodec` parse ENVELOPE,
//! BODYSTRUCTURE, BODY and body sections for every corpus message, and what they read
//! is what the message holds.

use std::borrow::Cow;

use ephemail_tests::mime_corpus::{corpus, fetch_bytes, server_with};
use ephemail_tests::parse_responses;
use imap_proto::types::{AttributeValue, BodyStructure, Envelope, Response};

/// Parses the untagged FETCH at the start of `bytes` with imap-proto.
fn proto_fetch(bytes: &[u8]) -> Vec<AttributeValue<'_>> {
    let (rest, response) = imap_proto::parser::parse_response(bytes).unwrap_or_else(|e| {
        panic!(
            "imap-proto rejects our response ({e:?}): {}",
            String::from_utf8_lossy(bytes)
        )
    });
    assert!(
        rest.starts_with(b"f1 OK"),
        "trailing bytes: {}",
        String::from_utf8_lossy(rest)
    );
    match response {
        Response::Fetch(_, attributes) => attributes,
        other => panic!("not a FETCH: {other:?}"),
    }
}

fn envelope<'a>(attributes: &'a [AttributeValue<'a>]) -> &'a Envelope<'a> {
    attributes
        .iter()
        .find_map(|a| match a {
            AttributeValue::Envelope(e) => Some(&**e),
            _ => None,
        })
        .expect("ENVELOPE")
}

fn structures<'a>(attributes: &'a [AttributeValue<'a>]) -> Vec<&'a BodyStructure<'a>> {
    attributes
        .iter()
        .filter_map(|a| match a {
            AttributeValue::BodyStructure(b) => Some(b),
            _ => None,
        })
        .collect()
}

/// Leaves of a body structure, depth first, as `type/subtype` in lower case.
fn leaves(body: &BodyStructure<'_>, out: &mut Vec<String>) {
    let name = |common: &imap_proto::types::BodyContentCommon<'_>| {
        format!("{}/{}", common.ty.ty, common.ty.subtype).to_lowercase()
    };
    match body {
        BodyStructure::Basic { common, .. } | BodyStructure::Text { common, .. } => {
            out.push(name(common))
        }
        BodyStructure::Message { body, .. } => {
            out.push("message/rfc822".into());
            leaves(body, out);
        }
        BodyStructure::Multipart { bodies, .. } => {
            for b in bodies {
                leaves(b, out);
            }
        }
    }
}

#[test]
fn imap_proto_and_imap_codec_parse_every_corpus_message() {
    for (name, message) in corpus() {
        let (mut t, c) = server_with(std::slice::from_ref(&message));
        // imap-proto has no parser for the non-extensible `BODY (…)` item, so that one
        // is checked with imap-codec only.
        let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (UID RFC822.SIZE BODY)");
        parse_responses(&response, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = fetch_bytes(
            &mut t,
            c,
            "f1 FETCH 1 (UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)",
        );
        parse_responses(&response, false).unwrap_or_else(|e| panic!("{name}: {e}"));
        let attributes = proto_fetch(&response);
        let env = envelope(&attributes);
        let found = structures(&attributes);
        assert_eq!(found.len(), 1, "{name}: BODYSTRUCTURE");
        let mut parts = Vec::new();
        leaves(found[0], &mut parts);
        assert!(!parts.is_empty(), "{name}");
        // The subject the client reads is the raw first Subject field, unfolded.
        let raw_subject = raw_field(&message, "subject");
        assert_eq!(
            env.subject.as_deref(),
            raw_subject.as_deref(),
            "{name}: subject"
        );

        // Every section form parses too.
        for section in [
            "BODY.PEEK[]",
            "BODY.PEEK[HEADER]",
            "BODY.PEEK[TEXT]",
            "BODY.PEEK[1]",
            "BODY.PEEK[1.MIME]",
            "BODY.PEEK[HEADER.FIELDS (From Subject)]",
            "BODY.PEEK[HEADER.FIELDS.NOT (From Subject)]",
            "BODY.PEEK[2.1]",
            "BODY.PEEK[]<5.10>",
            "RFC822.HEADER",
        ] {
            let response = fetch_bytes(&mut t, c, &format!("f1 FETCH 1 ({section})"));
            parse_responses(&response, false).unwrap_or_else(|e| panic!("{name} {section}: {e}"));
            if !message.contains(&0) {
                proto_fetch(&response);
            }
        }
    }
}

/// The first `name:` field of `message`, unfolded and trimmed, as clients expect it.
fn raw_field(message: &[u8], name: &str) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(message);
    let header = text
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let unfolded = header.replace("\r\n ", " ").replace("\r\n\t", "\t");
    let unfolded = unfolded.replace("\n ", " ").replace("\n\t", "\t");
    unfolded.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().as_bytes().to_vec())
    })
}

#[test]
fn nested_message_reads_as_a_client_expects() {
    let (_, message) = corpus()
        .into_iter()
        .find(|(n, _)| n == "nested_rfc822")
        .expect("fixture");
    let (mut t, c) = server_with(&[message]);
    let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (BODYSTRUCTURE)");
    let attributes = proto_fetch(&response);
    let BodyStructure::Multipart { bodies, common, .. } = structures(&attributes)[0] else {
        panic!("multipart expected");
    };
    assert_eq!(common.ty.subtype, "MIXED");
    assert_eq!(bodies.len(), 2);
    let BodyStructure::Message {
        envelope,
        body,
        lines,
        other,
        ..
    } = &bodies[1]
    else {
        panic!("message/rfc822 expected");
    };
    assert_eq!(envelope.subject, Some(Cow::Borrowed(&b"lunch"[..])));
    assert_eq!(*lines, 17);
    assert_eq!(other.octets, 399);
    let BodyStructure::Multipart { bodies: inner, .. } = &**body else {
        panic!("inner multipart expected");
    };
    assert_eq!(inner.len(), 2);
}

#[test]
fn groups_read_as_a_client_expects() {
    let (_, message) = corpus()
        .into_iter()
        .find(|(n, _)| n == "group_addresses")
        .expect("fixture");
    let (mut t, c) = server_with(&[message]);
    let response = fetch_bytes(&mut t, c, "f1 FETCH 1 (ENVELOPE)");
    let attributes = proto_fetch(&response);
    let env = envelope(&attributes);
    let cc = env.cc.as_ref().expect("cc");
    // Start marker, two members, end marker, one address outside the group.
    assert_eq!(cc.len(), 5);
    assert_eq!(cc[0].mailbox.as_deref(), Some(&b"Friends"[..]));
    assert_eq!(cc[0].host, None);
    assert_eq!(cc[2].name.as_deref(), Some(&b"Mary Smith"[..]));
    assert_eq!((cc[3].mailbox.as_ref(), cc[3].host.as_ref()), (None, None));
    assert_eq!(cc[4].host.as_deref(), Some(&b"example.org"[..]));
}
