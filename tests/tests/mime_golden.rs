//! Golden tests: ENVELOPE, BODYSTRUCTURE and BODY of every message in `fixtures/mime`,
//! compared byte for byte with `fixtures/mime/NAME.expected`.
//!
//! The expected files were generated once by this test (`EPHEMAIL_BLESS=1 cargo test -p
//! ephemail-tests --test mime_golden`) and then checked by hand against RFC 9051 §7.5.2;
//! rerun with `EPHEMAIL_BLESS=1` only after a deliberate change, and review the diff.

use ephemail_tests::mime_corpus::{corpus, corpus_dir, fetch_bytes, item_value, server_with};

/// The three items of one message, one line each (literals keep their own CRLF).
fn describe(message: &[u8]) -> Vec<u8> {
    let (mut t, c) = server_with(&[message.to_vec()]);
    let mut out = Vec::new();
    for item in ["ENVELOPE", "BODYSTRUCTURE", "BODY"] {
        let response = fetch_bytes(&mut t, c, &format!("f1 FETCH 1 ({item})"));
        assert!(
            response.ends_with(b"f1 OK FETCH completed\r\n"),
            "{}",
            String::from_utf8_lossy(&response)
        );
        ephemail_tests::parse_responses(&response, false).expect("imap-codec parses it");
        let value = item_value(&response, item).expect("item in response");
        out.extend_from_slice(item.as_bytes());
        out.push(b' ');
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn corpus_matches_expected_output() {
    let bless = std::env::var_os("EPHEMAIL_BLESS").is_some();
    let messages = corpus();
    assert!(
        messages.len() >= 30,
        "corpus has {} messages",
        messages.len()
    );
    let mut failures = Vec::new();
    for (name, message) in &messages {
        let actual = describe(message);
        let path = corpus_dir().join(format!("{name}.expected"));
        if bless {
            std::fs::write(&path, &actual).expect("write expected");
            continue;
        }
        let expected = std::fs::read(&path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{name}:\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
