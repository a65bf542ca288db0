//! Load → export → load gives the same store, for every format.
//!
//! The declarative format carries everything, so the demo set must come back exactly.
//! The file formats lose what their layout cannot hold (passwords, subscriptions, odd
//! special uses), so for them the demo goes through the format once, and then a second
//! trip must change nothing at all; the messages, flags and dates must survive both.

mod fixtures_support;

use ephemail_core::fixtures::{
    self, eml, maildir, mbox, DeclarativeExport, DeclarativeSyntax, FixtureFile, FixtureSet,
    LoadOptions, MessageStorage,
};
use ephemail_core::{Flags, MailStore, Timestamp};
use fixtures_support::{content_snapshot, demo_store, load_store, read_tree, sample, snapshot};

fn declarative(
    store: &MailStore,
    syntax: DeclarativeSyntax,
    storage: MessageStorage,
) -> Vec<FixtureFile> {
    let mut options = DeclarativeExport::inline(syntax);
    options.messages = storage;
    fixtures::declarative::export(&FixtureSet::from_store(store), &options).expect("export")
}

#[test]
fn declarative_toml_inline_is_exact() {
    let demo = demo_store();
    let files = declarative(&demo, DeclarativeSyntax::Toml, MessageStorage::Inline);
    assert_eq!(files.len(), 1);
    let back = load_store(&files, &LoadOptions::default());
    assert_eq!(snapshot(&back), snapshot(&demo));
    // A second export is byte for byte the first.
    assert_eq!(
        declarative(&back, DeclarativeSyntax::Toml, MessageStorage::Inline),
        files
    );
}

#[test]
fn declarative_json_inline_is_exact() {
    let demo = demo_store();
    let files = declarative(&demo, DeclarativeSyntax::Json, MessageStorage::Inline);
    assert_eq!(files[0].path, "fixtures.json");
    let back = load_store(&files, &LoadOptions::default());
    assert_eq!(snapshot(&back), snapshot(&demo));
}

#[test]
fn declarative_with_message_files_is_exact() {
    let demo = demo_store();
    let files = declarative(
        &demo,
        DeclarativeSyntax::Toml,
        MessageStorage::Files("messages".into()),
    );
    assert_eq!(files.len(), 1 + demo_message_count(&demo));
    assert!(files
        .iter()
        .any(|f| f.path == "messages/alice/Projects/Website/Design/1.eml"));
    let text = String::from_utf8(files[0].bytes.clone()).unwrap();
    assert!(
        text.contains("path = \"messages/alice/INBOX/1.eml\""),
        "{}",
        &text[..400]
    );
    let back = load_store(&files, &LoadOptions::default());
    assert_eq!(snapshot(&back), snapshot(&demo));
}

#[test]
fn declarative_keeps_bytes_that_are_not_crlf_text() {
    let mut store = MailStore::new();
    store.add_user("u", "pw").unwrap();
    let odd: [&[u8]; 3] = [
        b"Subject: bare LF\n\nkept as is\n",
        b"Subject: latin-1\r\n\r\ncaf\xe9\r\n",
        b"Subject: no final line break\r\n\r\nend",
    ];
    for (i, body) in odd.iter().enumerate() {
        store
            .deliver(
                "u",
                "INBOX",
                body.to_vec(),
                Flags::new(),
                Timestamp::from_unix_millis(1_700_000_000_123 + i as i64),
            )
            .unwrap();
    }
    for syntax in [DeclarativeSyntax::Toml, DeclarativeSyntax::Json] {
        let files = declarative(&store, syntax, MessageStorage::Inline);
        let back = load_store(&files, &LoadOptions::default());
        assert_eq!(snapshot(&back), snapshot(&store));
    }
}

fn demo_message_count(store: &MailStore) -> usize {
    store
        .users()
        .flat_map(|u| {
            store
                .mailboxes(u.name())
                .map(|m| m.len())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// Through a file format twice: the first trip may lose what the layout cannot hold,
/// the second must lose nothing, and messages must survive both.
fn twice(demo: &MailStore, export: impl Fn(&FixtureSet) -> Vec<FixtureFile>) {
    let first_files = export(&FixtureSet::from_store(demo));
    let first = load_store(&first_files, &LoadOptions::default());
    let second_files = export(&FixtureSet::from_store(&first));
    assert_eq!(second_files, first_files, "export is not stable");
    let second = load_store(&second_files, &LoadOptions::default());
    assert_eq!(snapshot(&second), snapshot(&first));
    assert_eq!(content_snapshot(&first), content_snapshot(demo));
}

#[test]
fn eml_tree_round_trip() {
    twice(&demo_store(), eml::export);
}

#[test]
fn mbox_round_trip() {
    twice(&demo_store(), mbox::export);
}

#[test]
fn maildir_round_trip() {
    twice(&demo_store(), |set| {
        maildir::export(set).expect("exportable")
    });
}

#[test]
fn special_uses_of_standard_names_survive_file_formats() {
    let demo = demo_store();
    let files = maildir::export(&FixtureSet::from_store(&demo)).unwrap();
    let back = load_store(&files, &LoadOptions::default());
    for (name, special) in [
        ("Sent", "Some(Sent)"),
        ("Drafts", "Some(Drafts)"),
        ("Trash", "Some(Trash)"),
        ("Junk", "Some(Junk)"),
        ("Archive", "Some(Archive)"),
    ] {
        let mailbox = back.mailbox_by_name("alice", name).unwrap();
        assert_eq!(format!("{:?}", mailbox.special_use()), special);
    }
    assert!(
        files
            .iter()
            .any(|f| f.path == "alice/.Entw&APw-rfe alt/cur/"),
        "modified UTF-7 folder name"
    );
}

/// An exporter of one file format.
type Export = fn(&FixtureSet) -> Vec<FixtureFile>;

#[test]
fn samples_round_trip_through_their_own_format() {
    let cases: [(&str, Export); 4] = [
        ("maildir", |s| maildir::export(s).unwrap()),
        ("maildir-verbatim", |s| maildir::export(s).unwrap()),
        ("eml-tree", eml::export),
        ("mbox", mbox::export),
    ];
    for (name, export) in cases {
        let options = LoadOptions {
            now: Timestamp::from_unix_secs(1_750_000_000),
            ..LoadOptions::default()
        };
        let original = load_store(&read_tree(&sample(name)), &options);
        let files = export(&FixtureSet::from_store(&original));
        let back = load_store(&files, &options);
        assert_eq!(
            content_snapshot(&back),
            content_snapshot(&original),
            "{name}"
        );
    }
}
