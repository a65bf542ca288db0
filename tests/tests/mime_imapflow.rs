//! imapflow (Node), a strict client, reads our ENVELOPE and BODYSTRUCTURE for the whole
//! MIME corpus through its own response stream, parser and message formatter
//! (`tests/clients/imapflow_mime.cjs`), and gets what the messages hold: RFC 2047 words
//! it decodes itself, groups, nested messages, part numbers and sizes.
//!
//! Needs `node` and the npm package imapflow in `harness/tests/clients`
//! (`scripts/setup-clients.sh`, or `npm ci` in that folder).

use std::path::PathBuf;
use std::process::Command;

use ephemail_tests::mime_corpus::{corpus, fetch_bytes, server_with};

fn clients() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../harness/tests/clients")
}

/// One JSON line per FETCH response, as imapflow formatted it.
fn imapflow_reads(responses: &[u8]) -> Vec<String> {
    assert!(
        Command::new("node").arg("--version").output().is_ok(),
        "node is not installed"
    );
    assert!(
        clients().join("node_modules/imapflow").is_dir(),
        "the npm package imapflow is not installed in harness/tests/clients; \
         run scripts/setup-clients.sh (or `npm ci` in that folder)"
    );
    let file = std::env::temp_dir().join(format!("ephemail-mime-{}.imap", std::process::id()));
    std::fs::write(&file, responses).expect("write responses");
    let output = Command::new("node")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients/imapflow_mime.cjs"))
        .arg(clients())
        .arg(&file)
        .output()
        .expect("run node");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "imapflow failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn imapflow_reads_envelope_and_bodystructure_of_the_corpus() {
    let messages = corpus();
    let bodies: Vec<Vec<u8>> = messages.iter().map(|(_, m)| m.clone()).collect();
    let (mut t, c) = server_with(&bodies);
    let responses = fetch_bytes(&mut t, c, "f1 FETCH 1:* (UID ENVELOPE BODYSTRUCTURE)");
    let lines = imapflow_reads(&responses);
    assert_eq!(lines.len(), messages.len(), "{lines:#?}");
    for line in &lines {
        assert!(!line.contains("\"error\""), "{line}");
        assert!(line.contains("\"bodyStructure\":{\"type\":"), "{line}");
    }
    let of = |name: &str| {
        let index = messages
            .iter()
            .position(|(n, _)| n == name)
            .expect("fixture");
        let seq = format!("{{\"seq\":{},", index + 1);
        lines
            .iter()
            .find(|l| l.starts_with(&seq))
            .unwrap_or_else(|| panic!("no FETCH for {name}"))
            .clone()
    };
    // imapflow decodes the RFC 2047 words we pass through still encoded.
    let encoded = of("encoded_words_charsets");
    assert!(
        encoded.contains("you understand the example. Grüße"),
        "{encoded}"
    );
    assert!(encoded.contains("\"name\":\"André Pirard\""), "{encoded}");
    // A nested message: its own envelope and parts, numbered below it.
    let nested = of("nested_rfc822");
    assert!(
        nested.contains("\"type\":\"message/rfc822\",\"part\":\"2\",\"size\":399,\"lineCount\":17"),
        "{nested}"
    );
    assert!(nested.contains("\"envelopeSubject\":\"lunch\""), "{nested}");
    assert!(
        nested.contains("\"type\":\"text/html\",\"part\":\"2.2\""),
        "{nested}"
    );
    // RFC 2231 parameters reach the client.
    let rfc2231 = of("rfc2231_params");
    assert!(
        rfc2231.contains("Übersicht der Ergebnisse.pdf"),
        "{rfc2231}"
    );
    // Groups: imapflow turns them into its group objects.
    let groups = of("group_addresses");
    assert!(groups.contains("\"name\":\"Friends\""), "{groups}");
    assert!(
        groups.contains("\"address\":\"mary@example.net\""),
        "{groups}"
    );
}
