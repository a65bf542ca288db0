//! Load time of 20,000 messages from each fixture format, all in memory.
//!
//! ```text
//! cargo run --release -p ephemail-tests --example bench_fixtures
//! ```
//!
//! The messages are built here (about 2 KB each, some with `From ` body lines that mbox
//! must escape, a mix of flags), written with each format's exporter, and then parsed
//! ("parse") and parsed and applied to an empty store ("load"). The best of five runs is
//! printed. Target: at least 100,000 messages/s from an mbox.

use std::time::{Duration, Instant};

use ephemail_core::fixtures::{
    self, eml, maildir, mbox, DeclarativeExport, DeclarativeSyntax, FixtureFile, FixtureSet,
    LoadOptions,
};
use ephemail_core::{Flags, MailStore, Timestamp};

const MESSAGES: usize = 20_000;
const RUNS: usize = 5;

fn main() {
    let set = FixtureSet::from_store(&build_store());
    let bytes: usize = set
        .users
        .iter()
        .flat_map(|u| &u.mailboxes)
        .flat_map(|m| &m.messages)
        .map(|m| m.body.len())
        .sum();
    println!(
        "{MESSAGES} messages, {:.1} MB of message bytes, best of {RUNS} runs\n",
        bytes as f64 / 1e6
    );
    println!(
        "{:<28} {:>12} {:>14} {:>12}",
        "format", "parse (ms)", "load (ms)", "messages/s"
    );
    let toml =
        fixtures::declarative::export(&set, &DeclarativeExport::inline(DeclarativeSyntax::Toml))
            .unwrap();
    let json =
        fixtures::declarative::export(&set, &DeclarativeExport::inline(DeclarativeSyntax::Json))
            .unwrap();
    let cases: Vec<(&str, Vec<FixtureFile>)> = vec![
        ("mbox (mboxrd)", mbox::export(&set)),
        ("Maildir++", maildir::export(&set).unwrap()),
        (".eml tree", eml::export(&set)),
        ("declarative TOML, inline", toml),
        ("declarative JSON, inline", json),
    ];
    let options = LoadOptions::default();
    for (name, files) in cases {
        let mut parse = Duration::MAX;
        let mut load = Duration::MAX;
        for _ in 0..RUNS {
            let started = Instant::now();
            let parsed = fixtures::load(&files, &options).expect("loads");
            parse = parse.min(started.elapsed());
            assert_eq!(parsed.message_count(), MESSAGES);
            let mut store = MailStore::new();
            let started = Instant::now();
            let parsed = fixtures::load(&files, &options).expect("loads");
            parsed.apply(&mut store).expect("applies");
            load = load.min(started.elapsed());
        }
        println!(
            "{name:<28} {:>12.1} {:>14.1} {:>12.0}",
            parse.as_secs_f64() * 1e3,
            load.as_secs_f64() * 1e3,
            MESSAGES as f64 / load.as_secs_f64()
        );
    }
}

/// Two users, a few mailboxes, 20,000 messages of about 2 KB.
fn build_store() -> MailStore {
    let mut store = MailStore::new();
    for user in ["alice", "bob"] {
        store.add_user(user, "password").unwrap();
        store.create_mailbox(user, "Work/Reports").unwrap();
    }
    let mailboxes = [
        ("alice", "INBOX"),
        ("alice", "Archive"),
        ("alice", "Work/Reports"),
        ("bob", "INBOX"),
        ("bob", "Sent"),
    ];
    let flag_sets = [
        &["\\Seen"][..],
        &[],
        &["\\Seen", "\\Answered"],
        &["\\Seen", "\\Flagged", "Work"],
        &["$Forwarded"],
    ];
    let paragraph =
        "The quick brown fox jumps over the lazy dog, and the lazy dog lets it happen.\r\n";
    for n in 0..MESSAGES {
        let mut body = format!(
            "Date: Mon, 03 Mar 2025 09:{:02}:{:02} +0000\r\nFrom: Sender {n} <sender{n}@example.org>\r\nTo: alice@example.org\r\n\
             Subject: Message number {n}\r\nMessage-ID: <{n}@bench.example.org>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=us-ascii\r\n\r\n",
            n / 60 % 60,
            n % 60
        );
        for line in 0..22 {
            if line == 7 && n % 5 == 0 {
                body.push_str("From the beginning of a line, an mbox must escape this.\r\n");
            } else {
                body.push_str(paragraph);
            }
        }
        let (user, mailbox) = mailboxes[n % mailboxes.len()];
        let flags = Flags::parse(flag_sets[n % flag_sets.len()].iter().copied()).unwrap();
        store
            .deliver(
                user,
                mailbox,
                body.into_bytes(),
                flags,
                Timestamp::from_unix_secs(1_740_992_400 + n as i64),
            )
            .unwrap();
    }
    store
}
