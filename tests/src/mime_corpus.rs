//! The MIME fixture corpus (`fixtures/mime/*.eml`) and MIME workloads for tests and
//! benchmarks.
//!
//! [`corpus`] loads every fixture message in name order; [`bench_messages`] builds the
//! benchmark mailbox (messages of about 4 KB, varied in structure so FETCH and SEARCH
//! see realistic work) deterministically, so a sans-IO benchmark and an over-loopback
//! one can share it; [`fetch_bytes`] runs one command and returns the raw response bytes.

use std::path::PathBuf;

use ephemail_core::{Input, SessionId};

use crate::TestServer;

/// The folder holding the MIME corpus.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/mime")
}

/// Every corpus message as (name without `.eml`, bytes), sorted by name.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut messages: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("fixtures/mime exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?.strip_suffix(".eml")?.to_owned();
            Some((name, std::fs::read(&path).ok()?))
        })
        .collect();
    messages.sort();
    messages
}

/// Sends one command line and returns every byte the client received for it, up to and
/// including the tagged response (no lossy UTF-8 conversion, unlike `command`).
pub fn fetch_bytes(t: &mut TestServer, client: SessionId, line: &str) -> Vec<u8> {
    let mut bytes = line.as_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    t.server.handle_input(
        t.now,
        Input::Received {
            session: client,
            bytes: &bytes,
        },
    );
    t.pump();
    t.take_bytes(client)
}

/// The value of the first `ITEM` in a single-message FETCH response, e.g. the
/// `(…)` after `ENVELOPE `, found by bracket matching that skips quoted strings and
/// literals.
pub fn item_value<'a>(response: &'a [u8], item: &str) -> Option<&'a [u8]> {
    let key = format!("{item} ");
    let start = find(response, key.as_bytes())? + key.len();
    let end = value_end(response, start)?;
    Some(&response[start..end])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The end of the value starting at `at`: a parenthesised list (quoted strings and
/// literals inside are skipped whole), or an atom such as NIL.
fn value_end(s: &[u8], at: usize) -> Option<usize> {
    if *s.get(at)? != b'(' {
        let len = s[at..]
            .iter()
            .position(|b| matches!(b, b' ' | b')' | b'\r'))?;
        return Some(at + len);
    }
    let mut depth = 0usize;
    let mut i = at;
    loop {
        match *s.get(i)? {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' => {
                i += 1;
                while *s.get(i)? != b'"' {
                    if s[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => {
                let close = i + s[i..].iter().position(|&b| b == b'}')?;
                let n: usize = std::str::from_utf8(&s[i + 1..close]).ok()?.parse().ok()?;
                i = close + 3 + n; // `}`, CRLF and the literal's bytes
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// A server with `messages` in alice's INBOX and a client that has it selected.
pub fn server_with(messages: &[Vec<u8>]) -> (TestServer, SessionId) {
    let mut t = TestServer::new();
    for message in messages {
        t.deliver("alice", "INBOX", message);
    }
    let c = t.selected("alice", "INBOX");
    (t, c)
}

/// `count` messages of about 4 KB each, the benchmark workload. Every tenth subject
/// carries the word `quarterly`, and every seventh body the word `zanzibar`, so the
/// SEARCH figures count real matches. The mix: plain text, multipart/alternative with
/// quoted-printable, and multipart/mixed with a base64 attachment.
pub fn bench_messages(count: usize) -> Vec<Vec<u8>> {
    const FILLER: &str =
        "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ";
    (0..count)
        .map(|i| {
            let subject = if i % 10 == 0 {
                format!("Re: quarterly report {i}")
            } else {
                format!("=?utf-8?q?Nachricht_Nr=2E_{i}_=C3=BCber_Dinge?=")
            };
            let word = if i % 7 == 0 { " zanzibar" } else { "" };
            let mut text = String::new();
            while text.len() < 1_800 {
                text.push_str(FILLER);
                if text.len().is_multiple_of(5) {
                    text.push_str("\r\n");
                }
            }
            text.push_str(word);
            let head = format!(
                "Date: Mon, {} Jan 2024 10:{:02}:00 +0100\r\nFrom: \"Sender {i}\" <sender{i}@example.com>\r\n\
                 To: Alice <alice@example.com>, bob@example.org\r\nCc: team@example.net\r\n\
                 Subject: {subject}\r\nMessage-ID: <msg{i}@example.com>\r\nMIME-Version: 1.0\r\n",
                1 + i % 28,
                i % 60
            );
            let body = match i % 3 {
                0 => format!(
                    "Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n{text}\r\n"
                ),
                1 => format!(
                    "Content-Type: multipart/alternative; boundary=\"alt{i}\"\r\n\r\n\
                     --alt{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                     Content-Transfer-Encoding: quoted-printable\r\n\r\n{text}\r\n\
                     --alt{i}\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>{text}</p>\r\n\
                     --alt{i}--\r\n"
                ),
                _ => {
                    let attachment: String = (0..20)
                        .map(|_| "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\r\n")
                        .collect();
                    format!(
                        "Content-Type: multipart/mixed; boundary=\"mix{i}\"\r\n\r\n\
                         --mix{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
                         --mix{i}\r\nContent-Type: application/octet-stream; name=\"data{i}.bin\"\r\n\
                         Content-Transfer-Encoding: base64\r\n\
                         Content-Disposition: attachment; filename=\"data{i}.bin\"\r\n\r\n{attachment}\
                         --mix{i}--\r\n"
                    )
                }
            };
            format!("{head}{body}").into_bytes()
        })
        .collect()
}

/// The data of the item that starts with `item` (e.g. `BODY[1.2]`, `BINARY[2]<0>`) in a
/// FETCH response: Some(bytes) for a literal, literal8 or quoted string, None for NIL or
/// when the item is absent.
pub fn section_data(response: &[u8], item: &str) -> Option<Vec<u8>> {
    let key = format!("{item} ");
    let at = find(response, key.as_bytes())? + key.len();
    let rest = &response[at..];
    let rest = rest.strip_prefix(b"~").unwrap_or(rest);
    match rest.first()? {
        b'{' => {
            let close = rest.iter().position(|&b| b == b'}')?;
            let n: usize = std::str::from_utf8(&rest[1..close]).ok()?.parse().ok()?;
            Some(rest.get(close + 3..close + 3 + n)?.to_vec())
        }
        b'"' => {
            let end = 1 + rest[1..].iter().position(|&b| b == b'"')?;
            Some(rest[1..end].to_vec())
        }
        _ => None,
    }
}
