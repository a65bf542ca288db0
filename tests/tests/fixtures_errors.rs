//! Bad fixtures fail loudly and completely: the error names the file and the line or
//! field, and the store is left exactly as it was.

mod fixtures_support;

use ephemail_core::fixtures::{self, FixtureFile, LoadOptions, Location};
use ephemail_core::MailStore;
use fixtures_support::snapshot;

/// The error `files` give, as a person reads it.
fn error(files: &[FixtureFile]) -> String {
    match fixtures::load(files, &LoadOptions::default()) {
        Ok(set) => {
            let mut store = seeded();
            let before = snapshot(&store);
            let e = set
                .apply(&mut store)
                .expect_err("the fixture should be refused");
            assert_eq!(
                snapshot(&store),
                before,
                "a refused fixture changed the store"
            );
            e.to_string()
        }
        Err(e) => e.to_string(),
    }
}

fn one(path: &str, text: &str) -> String {
    error(&[FixtureFile::new(path, text.as_bytes().to_vec())])
}

/// A store that already has a user with mail, so "nothing changed" means something.
fn seeded() -> MailStore {
    let mut store = MailStore::new();
    store.add_user("alice", "password").unwrap();
    store.add_user("zed", "zed's own").unwrap();
    let set = fixtures::load_file(
        "seed.mbox",
        b"From x Thu Nov 26 17:49:03 2026\nSubject: seed\n\nseed\n",
        &LoadOptions::default(),
    )
    .unwrap();
    set.apply(&mut store).unwrap();
    store
}

const MESSAGE: &str = "raw = \"Subject: hi\\n\\nhi\\n\"";

#[test]
fn toml_syntax_error_names_line_and_column() {
    let e = one("f.toml", "[[users]]\nname = \"alice\"\npassword = \n");
    assert!(e.starts_with("f.toml:3:12: "), "{e}");
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let e = one(
        "f.json",
        "{\n  \"users\": [\n    { \"name\": \"a\", }\n  ]\n}\n",
    );
    assert_eq!(e, "f.json:3:20: trailing comma");
}

#[test]
fn misspelt_field_is_an_error_not_a_default() {
    let e = one(
        "f.toml",
        &format!("[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\nflag = [\"\\\\Seen\"]\n{MESSAGE}\n"),
    );
    assert!(
        e.starts_with("f.toml:6:1: unknown field `flag`, expected one of"),
        "{e}"
    );
}

#[test]
fn unknown_flag_names_its_field() {
    let e = one(
        "f.toml",
        &format!("[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\nflags = [\"\\\\Seen\", \"\\\\Recent\"]\n{MESSAGE}\n"),
    );
    assert!(
        e.starts_with(
            "f.toml: field users[0].mailboxes[0].messages[0].flags[1]: invalid flag \"\\Recent\""
        ),
        "{e}"
    );
    let e = one(
        "f.json",
        r#"{"users":[{"name":"a","mailboxes":[{"name":"INBOX","messages":[{"raw":"S: x\n\nx","keywords":["two words"]}]}]}]}"#,
    );
    assert!(e.starts_with("f.json: field users[0].mailboxes[0].messages[0].keywords[0]: invalid flag \"two words\""), "{e}");
}

#[test]
fn unknown_special_use() {
    let e = one("f.toml", "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"Stuff\"\nspecial_use = \"\\\\Important\"\n");
    assert!(
        e.starts_with(
            "f.toml: field users[0].mailboxes[0].special_use: unknown special use \"\\Important\""
        ),
        "{e}"
    );
}

#[test]
fn unreadable_internal_date() {
    let e = one(
        "f.toml",
        &format!("[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\ninternal_date = \"last Tuesday\"\n{MESSAGE}\n"),
    );
    assert!(e.starts_with("f.toml: field users[0].mailboxes[0].messages[0].internal_date: cannot read date \"last Tuesday\""), "{e}");
}

#[test]
fn message_needs_exactly_one_source() {
    let none = one("f.toml", "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\nflags = []\n");
    assert_eq!(none, "f.toml: field users[0].mailboxes[0].messages[0]: a message needs exactly one of raw, raw_base64 and path");
    let two = one(
        "f.toml",
        &format!("[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\npath = \"m.eml\"\n{MESSAGE}\n"),
    );
    assert!(
        two.ends_with("a message needs exactly one of raw, raw_base64 and path"),
        "{two}"
    );
    let bad = one("f.toml", "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\nraw_base64 = \"@@@\"\n");
    assert!(
        bad.starts_with("f.toml: field users[0].mailboxes[0].messages[0].raw_base64: bad base64"),
        "{bad}"
    );
}

#[test]
fn missing_or_escaping_message_file() {
    let missing = one("f.toml", "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\npath = \"msgs/1.eml\"\n");
    assert_eq!(
        missing,
        "f.toml: field users[0].mailboxes[0].messages[0].path: message file \"msgs/1.eml\" not found (looked for \"msgs/1.eml\")"
    );
    let outside = one("f.toml", "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\npath = \"../../etc/passwd\"\n");
    assert_eq!(
        outside,
        "f.toml: field users[0].mailboxes[0].messages[0].path: \"../../etc/passwd\" points outside the fixture directory"
    );
}

#[test]
fn duplicates_and_bad_names() {
    let users = one(
        "f.toml",
        "[[users]]\nname = \"a\"\n[[users]]\nname = \"a\"\n",
    );
    assert_eq!(
        users,
        "f.toml: field users[1].name: user \"a\" is defined twice (first in f.toml)"
    );
    let mailboxes = one(
        "f.toml",
        "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"inbox\"\n[[users.mailboxes]]\nname = \"INBOX\"\n",
    );
    assert_eq!(mailboxes, "f.toml: field users[0].mailboxes[1].name: mailbox \"INBOX\" of user \"a\" is defined twice (first in f.toml)");
    let wildcard = one(
        "f.toml",
        "[[users]]\nname = \"a\"\n[[users.mailboxes]]\nname = \"Work/*\"\n",
    );
    assert_eq!(wildcard, "f.toml: field users[0].mailboxes[0].name: invalid mailbox name \"Work/*\": Mailbox name must not contain * or %");
    let empty_level = one(
        "f.json",
        r#"{"users":[{"name":"a","mailboxes":[{"name":"a//b"}]}]}"#,
    );
    assert_eq!(empty_level, "f.json: field users[0].mailboxes[0].name: invalid mailbox name \"a//b\": Mailbox name has an empty hierarchy level");
    let no_name = one("f.toml", "[[users]]\nname = \"\"\n");
    assert_eq!(no_name, "f.toml: field users[0].name: user name \"\" must be non-empty and free of control characters");
}

#[test]
fn conflicting_password_for_an_existing_user() {
    // The first user is fine; the second clashes with the store: nothing is applied.
    let e = one(
        "f.toml",
        "[[users]]\nname = \"new\"\n[[users.mailboxes]]\nname = \"Fresh\"\n[[users]]\nname = \"zed\"\npassword = \"guess\"\n",
    );
    assert_eq!(
        e,
        "f.toml: field users[1].name: user \"zed\" exists already with another password"
    );
}

#[test]
fn mbox_errors_name_the_line() {
    assert_eq!(
        one("a/INBOX.mbox", "Subject: no envelope\n\nhi\n"),
        "a/INBOX.mbox:1: not an mbox file: it must begin with a \"From \" line"
    );
    assert_eq!(
        one(
            "a/INBOX.mbox",
            "From x Thu Nov 26 17:49:03 2026\nS: 1\n\none\n\nFrom y Thu Nov 26 17:50:03 2026\nS: 2\nX-Keywords: ok, \\Seen\n\ntwo\n"
        ),
        "a/INBOX.mbox:8: X-Keywords: \"\\Seen\" is not a valid keyword"
    );
}

#[test]
fn maildir_errors_name_the_file() {
    let files = [
        FixtureFile::new("cur/1700000001.M1.h:2,S", b"S: 1\n\n1\n".to_vec()),
        FixtureFile::new("cur/1700000002.M2.h:2,SX", b"S: 2\n\n2\n".to_vec()),
    ];
    assert_eq!(
        error(&files),
        "cur/1700000002.M2.h:2,SX: unknown Maildir flag letter 'X' (known: D F P R S T, a-z)"
    );
    let files = [FixtureFile::new(
        "cur/1700000001.M1.h:2,Sc",
        b"S: 1\n\n1\n".to_vec(),
    )];
    assert_eq!(
        error(&files),
        "cur/1700000001.M1.h:2,Sc: keyword letter 'c' has no entry in dovecot-keywords"
    );
    let files = [
        FixtureFile::new("cur/1700000001.M1.h:2,Sa", b"S: 1\n\n1\n".to_vec()),
        FixtureFile::new("dovecot-keywords", b"0 $Label1\nseven Work\n".to_vec()),
    ];
    assert_eq!(
        error(&files),
        "dovecot-keywords:2: expected \"INDEX KEYWORD\" with INDEX 0 to 25, found \"seven Work\""
    );
    let files = [FixtureFile::new("cur/1700000001.M1.h:2,S", Vec::new())];
    assert_eq!(
        error(&files),
        "cur/1700000001.M1.h:2,S: the message file is empty"
    );
}

#[test]
fn eml_tree_errors_name_the_file() {
    let orphan = [
        FixtureFile::new("a/INBOX/1.eml", b"S: 1\n\n1\n".to_vec()),
        FixtureFile::new("a/INBOX/2.eml.toml", b"flags = []\n".to_vec()),
    ];
    assert_eq!(
        error(&orphan),
        "a/INBOX/2.eml.toml: sidecar without its message: a/INBOX/2.eml does not exist"
    );
    let typo = [
        FixtureFile::new("a/INBOX/1.eml", b"S: 1\n\n1\n".to_vec()),
        FixtureFile::new(
            "a/INBOX/1.eml.toml",
            b"flags = [\"\\\\Seen\"]\ninternaldate = \"x\"\n".to_vec(),
        ),
    ];
    assert!(
        error(&typo).starts_with("a/INBOX/1.eml.toml:2: unknown field `internaldate`"),
        "{}",
        error(&typo)
    );
    let bad_flag = [
        FixtureFile::new("a/INBOX/1.eml", b"S: 1\n\n1\n".to_vec()),
        FixtureFile::new(
            "a/INBOX/1.eml.json",
            br#"{"flags": ["\\Unknown"]}"#.to_vec(),
        ),
    ];
    assert!(
        error(&bad_flag)
            .starts_with("a/INBOX/1.eml.json: field flags[0]: invalid flag \"\\Unknown\""),
        "{}",
        error(&bad_flag)
    );
    let empty = [FixtureFile::new("a/INBOX/1.eml", Vec::new())];
    assert_eq!(error(&empty), "a/INBOX/1.eml: the message file is empty");
}

#[test]
fn nothing_recognisable() {
    let e = error(&[FixtureFile::new("notes.txt", b"hello".to_vec())]);
    assert!(e.starts_with("notes.txt: no fixtures found"), "{e}");
    let e = fixtures::load_file("mail.txt", b"x", &LoadOptions::default()).unwrap_err();
    assert_eq!(e.location, Location::File);
    assert_eq!(e.file, "mail.txt");
}

#[test]
fn a_bad_file_among_good_ones_loads_nothing() {
    // Two declarative files: the first is fine, the second is not. Nothing is applied.
    let files = [
        FixtureFile::new("a.toml", format!("[[users]]\nname = \"new\"\n[[users.mailboxes]]\nname = \"INBOX\"\n[[users.mailboxes.messages]]\n{MESSAGE}\n").into_bytes()),
        FixtureFile::new("b.toml", b"[[users]]\nname = \"other\"\n[[users.mailboxes]]\nname = \"Bad%\"\n".to_vec()),
    ];
    let e = error(&files);
    assert_eq!(e, "b.toml: field users[0].mailboxes[0].name: invalid mailbox name \"Bad%\": Mailbox name must not contain * or %");
}
