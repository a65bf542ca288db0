//! Properties of the server as a whole, checked with proptest:
//! - the same bytes split at any positions give identical output (framing is chunking-proof);
//! - arbitrary bytes never panic, and everything sent parses with imap-codec;
//! - random command sequences over several sessions keep UIDs strictly ascending, UIDNEXT
//!   above every UID, and each session's view equal to the store once it has been told.

use ephemail_core::{Config, Input, MailStore, Output, Server, SessionId};
use ephemail_tests::{parse_responses, TestServer, START};
use proptest::prelude::*;

/// A realistic client script with literals of both kinds, IDLE and pipelining.
const SCRIPT: &[u8] = b"a1 LOGIN alice password\r\n\
a2 SELECT INBOX\r\n\
a3 APPEND INBOX (\\Seen) {21}\r\nSubject: hi\r\n\r\nbody\r\n\r\n\
a4 APPEND INBOX {21+}\r\nSubject: yo\r\n\r\nbody\r\n\r\n\
a5 FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])\r\n\
a6 STORE 1 +FLAGS (\\Flagged)\r\n\
a7 SEARCH FLAGGED\r\n\
a8 IDLE\r\nDONE\r\n\
a9 AUTHENTICATE PLAIN\r\n\
b1 COPY 1:2 Trash\r\n\
b2 UID MOVE 2 Archive\r\n\
b3 CREATE \"x y\"\r\n\
b4 LIST \"\" *\r\n\
b5 STATUS INBOX (MESSAGES UNSEEN SIZE)\r\n\
b6 LOGOUT\r\n";

fn run_chunks(chunks: &[&[u8]]) -> Vec<u8> {
    let mut store = MailStore::new();
    store.add_user("alice", "password").unwrap();
    let mut server = Server::new(Config::default(), store);
    let session = server.accept(START);
    let mut out = Vec::new();
    let mut drain = |server: &mut Server| {
        while let Some(output) = server.poll_output() {
            if let Output::Transmit { bytes, .. } = output {
                out.extend(bytes.chunks().flatten());
            }
        }
    };
    drain(&mut server);
    for chunk in chunks {
        server.handle_input(
            START,
            Input::Received {
                session,
                bytes: chunk,
            },
        );
        drain(&mut server);
    }
    out
}

fn split_at_points(bytes: &[u8], mut points: Vec<usize>) -> Vec<&[u8]> {
    points.iter_mut().for_each(|p| *p %= bytes.len() + 1);
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut from = 0;
    for p in points {
        chunks.push(&bytes[from..p]);
        from = p;
    }
    chunks.push(&bytes[from..]);
    chunks
}

#[test]
fn the_script_itself_does_what_it_says() {
    let out = String::from_utf8(run_chunks(&[SCRIPT])).unwrap();
    assert!(
        out.contains("a3 OK [APPENDUID 1 1] APPEND completed"),
        "{out}"
    );
    assert!(
        out.contains("a4 OK [APPENDUID 1 2] APPEND completed"),
        "{out}"
    );
    assert!(
        out.contains("a9 OK [CAPABILITY") || out.contains("a9 BAD"),
        "{out}"
    );
    assert!(
        out.ends_with("* BYE Logging out\r\nb6 OK LOGOUT completed\r\n"),
        "{out}"
    );
    parse_responses(out.as_bytes(), true).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn output_does_not_depend_on_chunking(points in proptest::collection::vec(any::<usize>(), 0..12)) {
        let whole = run_chunks(&[SCRIPT]);
        let split = run_chunks(&split_at_points(SCRIPT, points));
        prop_assert_eq!(String::from_utf8_lossy(&whole), String::from_utf8_lossy(&split));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_output_parses(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        login_first in any::<bool>(),
    ) {
        let mut t = TestServer::new();
        let c = t.connect();
        if login_first {
            t.login(c, "alice");
            t.command(c, "s1 SELECT INBOX");
        }
        let out = t.send(c, &bytes);
        prop_assert!(parse_responses(out.as_bytes(), false).is_ok(), "{:?}", parse_responses(out.as_bytes(), false));
        // The session is still usable (unless the bytes logged out).
        if !t.is_closed(c) {
            let out = t.send(c, b"\r\nz1 NOOP\r\n");
            prop_assert!(parse_responses(out.as_bytes(), false).is_ok());
        }
    }

    #[test]
    fn imap_shaped_noise_never_panics(words in proptest::collection::vec(token(), 1..40)) {
        let mut t = TestServer::new();
        let c = t.connect();
        t.login(c, "alice");
        t.deliver("alice", "INBOX", b"Subject: x\r\n\r\ny\r\n");
        t.command(c, "s1 SELECT INBOX");
        let line = words.join(" ");
        let out = t.send(c, format!("{line}\r\n").as_bytes());
        prop_assert!(parse_responses(out.as_bytes(), false).is_ok(), "{line:?} -> {out:?}");
    }

    #[test]
    fn random_sessions_keep_store_and_views_consistent(ops in proptest::collection::vec(op(), 1..60)) {
        let mut t = TestServer::new();
        let clients: Vec<SessionId> = (0..3).map(|_| t.selected("alice", "INBOX")).collect();
        for (i, op) in ops.iter().enumerate() {
            let c = clients[op.client];
            let out = match &op.kind {
                OpKind::Deliver => { t.deliver("alice", MAILBOXES[op.arg % 3], b"Subject: d\r\n\r\nx\r\n"); String::new() }
                OpKind::Command(template) => {
                    let line = template.replace("{n}", &(op.arg % 4 + 1).to_string()).replace("{box}", MAILBOXES[op.arg % 3]);
                    t.command(c, &format!("t{i} {line}"))
                }
            };
            prop_assert!(parse_responses(out.as_bytes(), false).is_ok(), "{out:?}");
            for mailbox in t.server.store().mailboxes("alice") {
                let uids: Vec<u32> = mailbox.messages().iter().map(|m| m.uid().get()).collect();
                prop_assert!(uids.windows(2).all(|w| w[0] < w[1]), "UIDs ascend in {}", mailbox.name());
                prop_assert!(uids.iter().all(|u| *u < mailbox.uid_next()), "UIDNEXT above all UIDs");
            }
        }
        // Tell everyone, then every view equals the store.
        for &c in &clients {
            let out = t.command(c, "z1 DONE");
            let _ = out;
            let out = t.command(c, "z2 NOOP");
            prop_assert!(parse_responses(out.as_bytes(), false).is_ok());
            if let Some((mailbox, view)) = t.server.session_view(c) {
                let store: Vec<_> = t.server.store().mailbox(mailbox).unwrap().messages().iter().map(|m| m.uid()).collect();
                prop_assert_eq!(view, store.as_slice());
            }
        }
    }
}

const MAILBOXES: [&str; 3] = ["INBOX", "Trash", "Archive"];

#[derive(Debug, Clone)]
enum OpKind {
    Deliver,
    Command(&'static str),
}

#[derive(Debug, Clone)]
struct Op {
    client: usize,
    kind: OpKind,
    arg: usize,
}

fn op() -> impl Strategy<Value = Op> {
    let kinds = prop_oneof![
        Just(OpKind::Deliver),
        Just(OpKind::Command("APPEND {box} {1+}\r\nx")),
        Just(OpKind::Command("STORE {n} +FLAGS (\\Deleted)")),
        Just(OpKind::Command("STORE 1:{n} -FLAGS.SILENT (\\Deleted)")),
        Just(OpKind::Command("EXPUNGE")),
        Just(OpKind::Command("UID EXPUNGE 1:{n}")),
        Just(OpKind::Command("COPY 1:{n} {box}")),
        Just(OpKind::Command("MOVE {n} {box}")),
        Just(OpKind::Command("UID MOVE {n}:* {box}")),
        Just(OpKind::Command("SELECT {box}")),
        Just(OpKind::Command("NOOP")),
        Just(OpKind::Command("FETCH 1:* (UID FLAGS)")),
        Just(OpKind::Command("SEARCH DELETED")),
        Just(OpKind::Command("IDLE")),
        Just(OpKind::Command("DONE")),
        Just(OpKind::Command("CLOSE")),
        Just(OpKind::Command("SEARCH RETURN (SAVE) DELETED")),
        Just(OpKind::Command("ENABLE QRESYNC")),
        Just(OpKind::Command("THREAD REFERENCES UTF-8 ALL")),
        Just(OpKind::Command(
            "UID SORT (REVERSE SUBJECT DATE) UTF-8 UNDELETED"
        )),
        Just(OpKind::Command(
            "UID FETCH 1:* (FLAGS) (CHANGEDSINCE {n} VANISHED)"
        )),
        Just(OpKind::Command("UID STORE $ -FLAGS (\\Deleted)")),
        Just(OpKind::Command("MOVE $ {box}")),
        Just(OpKind::Command(
            "STORE 1:{n} (UNCHANGEDSINCE {n}) +FLAGS (\\Deleted)"
        )),
        Just(OpKind::Command("FETCH 1:* (FLAGS) (CHANGEDSINCE {n})")),
        Just(OpKind::Command(
            "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" * RETURN (STATUS (MESSAGES))"
        )),
    ];
    (0..3usize, kinds, any::<usize>()).prop_map(|(client, kind, arg)| Op { client, kind, arg })
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a1".to_owned()),
        Just("UID".to_owned()),
        Just("FETCH".to_owned()),
        Just("STORE".to_owned()),
        Just("SEARCH".to_owned()),
        Just("LIST".to_owned()),
        Just("RETURN".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("BODY[".to_owned()),
        Just("]".to_owned()),
        Just("1:*".to_owned()),
        Just("*".to_owned()),
        Just("\"".to_owned()),
        Just("{3}".to_owned()),
        Just("{2+}".to_owned()),
        Just("\\Seen".to_owned()),
        Just("INBOX".to_owned()),
        Just("NIL".to_owned()),
        Just("$".to_owned()),
        Just("THREAD".to_owned()),
        Just("SORT".to_owned()),
        Just("REFERENCES".to_owned()),
        Just("UTF-8".to_owned()),
        Just("SAVE".to_owned()),
        Just("SUBSCRIBED".to_owned()),
        Just("CHANGEDSINCE".to_owned()),
        Just("MODSEQ".to_owned()),
        Just("STATUS".to_owned()),
        Just("\"&Jjo".to_owned()),
        "[a-zA-Z0-9]{1,6}",
    ]
}
