//! Replaying `C:`/`S:` transcripts against a [`crate::TestServer`].
//!
//! A transcript is a text file that reads like the RFCs' examples:
//!
//! ```text
//! # comment
//! S: * OK [CAPABILITY IMAP4rev1 ...        (a trailing "..." matches any rest of line)
//! C: a1 LOGIN alice password
//! S: a1 OK [CAPABILITY ...
//! C2: b1 LOGIN bob password                 (C2/S2: a second client; C3/S3 a third …)
//! !deliver alice INBOX Hello there          (a message with this subject arrives)
//! !advance 60000                            (the virtual clock moves on, in ms)
//! !closed                                   (the server has closed client 1)
//! ```
//!
//! `C:` sends the rest of the line plus CRLF. Every line the server sends must be matched
//! by an `S:` line, in order, before that client's next `C:` and by the end of the file.
//! Server output is split on CRLF, so a literal's content shows as its own lines.

use std::collections::BTreeMap;

use ephemail_core::SessionId;

use crate::TestServer;

/// Runs a transcript; returns a description of the first mismatch.
pub fn run(server: &mut TestServer, script: &str) -> Result<(), String> {
    let mut clients: BTreeMap<u32, SessionId> = BTreeMap::new();
    let mut pending: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut received: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for (number, line) in script.lines().enumerate() {
        let number = number + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |message: String| format!("line {number}: {line}\n  {message}");
        if let Some(command) = line.strip_prefix('!') {
            let mut words = command.splitn(4, ' ');
            match words.next() {
                Some("deliver") => {
                    let (Some(user), Some(mailbox)) = (words.next(), words.next()) else {
                        return Err(fail("usage: !deliver USER MAILBOX SUBJECT".into()));
                    };
                    let subject = words.next().unwrap_or("Test");
                    let message = format!(
                        "From: sender@example.org\r\nTo: {user}@example.org\r\nSubject: {subject}\r\n\r\nHello.\r\n"
                    );
                    server.deliver(user, mailbox, message.as_bytes());
                }
                Some("advance") => {
                    let millis = words
                        .next()
                        .and_then(|m| m.parse().ok())
                        .ok_or_else(|| fail("usage: !advance MILLIS".into()))?;
                    server.advance(millis);
                }
                Some("closed") => {
                    let client = clients
                        .get(&1)
                        .copied()
                        .ok_or_else(|| fail("no client".into()))?;
                    if !server.is_closed(client) {
                        return Err(fail("the server has not closed the connection".into()));
                    }
                }
                _ => return Err(fail("unknown directive".into())),
            }
            collect(server, &clients, &mut received, &mut pending);
            continue;
        }
        let (kind, client_number, rest) =
            parse_prefix(line).ok_or_else(|| fail("expected C:, S: or !".into()))?;
        let client = *clients.entry(client_number).or_insert_with(|| {
            let (id, greeting) = server.connect_raw();
            received
                .entry(client_number)
                .or_default()
                .extend_from_slice(greeting.as_bytes());
            id
        });
        collect(server, &clients, &mut received, &mut pending);
        let lines = pending.entry(client_number).or_default();
        match kind {
            'C' => {
                if !lines.is_empty() {
                    return Err(fail(format!(
                        "unmatched server output before sending: {lines:#?}"
                    )));
                }
                let mut bytes = rest.as_bytes().to_vec();
                bytes.extend_from_slice(b"\r\n");
                let out = server.send(client, &bytes);
                received
                    .entry(client_number)
                    .or_default()
                    .extend_from_slice(out.as_bytes());
                collect(server, &clients, &mut received, &mut pending);
            }
            _ => {
                if lines.is_empty() {
                    return Err(fail(
                        "expected this line, but the server sent nothing more".into(),
                    ));
                }
                let actual = lines.remove(0);
                let matches = match rest.strip_suffix("...") {
                    Some(prefix) => actual.starts_with(prefix),
                    None => actual == rest,
                };
                if !matches {
                    return Err(fail(format!("server sent: {actual}")));
                }
            }
        }
    }
    collect(server, &clients, &mut received, &mut pending);
    for (client, lines) in pending {
        if !lines.is_empty() {
            return Err(format!(
                "end of transcript: client {client} has unmatched output {lines:#?}"
            ));
        }
    }
    Ok(())
}

fn parse_prefix(line: &str) -> Option<(char, u32, &str)> {
    let (head, rest) = line
        .split_once(": ")
        .or_else(|| line.strip_suffix(':').map(|h| (h, "")))?;
    let mut chars = head.chars();
    let kind = chars.next().filter(|c| *c == 'C' || *c == 'S')?;
    let digits: String = chars.collect();
    let client = if digits.is_empty() {
        1
    } else {
        digits.parse().ok()?
    };
    Some((kind, client, rest))
}

/// Moves complete lines from every client's received bytes into its pending list.
fn collect(
    server: &mut TestServer,
    clients: &BTreeMap<u32, SessionId>,
    received: &mut BTreeMap<u32, Vec<u8>>,
    pending: &mut BTreeMap<u32, Vec<String>>,
) {
    for (number, id) in clients {
        let fresh = server.take_bytes(*id);
        let buffer = received.entry(*number).or_default();
        buffer.extend_from_slice(&fresh);
        while let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = buffer.drain(..end + 2).collect();
            pending
                .entry(*number)
                .or_default()
                .push(String::from_utf8_lossy(&line[..end]).into_owned());
        }
    }
}
