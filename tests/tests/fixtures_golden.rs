//! Snapshot a store after an IMAP session and diff it against a golden copy: the use
//! export exists for.
//!
//! Set `UPDATE_GOLDEN=1` to rewrite the golden file after a deliberate change.

mod fixtures_support;

use ephemail_core::fixtures::{
    self, DeclarativeExport, DeclarativeSyntax, FixtureSet, LoadOptions,
};
use ephemail_core::Config;
use ephemail_tests::TestServer;
use fixtures_support::{load_store, read_tree, sample};

#[test]
fn session_result_matches_golden_snapshot() {
    let store = load_store(&read_tree(&sample("eml-tree")), &LoadOptions::default());
    let mut t = TestServer::with_store(Config::default(), store);
    let c = t.connect();
    t.login(c, "alice@example.org");
    for (command, expect) in [
        ("a1 SELECT INBOX", "a1 OK"),
        ("a2 STORE 1 +FLAGS (\\Seen \\Answered)", "a2 OK"),
        ("a3 STORE 2 -FLAGS (\\Flagged)", "a3 OK"),
        ("a4 COPY 3 Work/Reports", "a4 OK"),
        ("a5 CREATE Later", "a5 OK"),
    ] {
        let out = t.command(c, command);
        assert!(out.contains(expect), "{command}: {out}");
    }
    let out = t.append(
        c,
        "a6",
        "Later",
        b"Subject: appended\r\n\r\nby the session\r\n",
    );
    assert!(out.contains("a6 OK"), "{out}");

    let set = FixtureSet::from_store(t.server.store());
    let files =
        fixtures::declarative::export(&set, &DeclarativeExport::inline(DeclarativeSyntax::Toml))
            .unwrap();
    let actual = String::from_utf8(files[0].bytes.clone()).unwrap();
    let golden = sample("golden/after-session.toml");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&golden).expect("golden file (run with UPDATE_GOLDEN=1)");
    assert!(
        actual == expected,
        "store differs from {}:\n{actual}",
        golden.display()
    );
}
