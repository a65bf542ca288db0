//! The demo set: committed as generated, and as realistic as the issue asks.

mod fixtures_support;

#[path = "../examples/gen_demo.rs"]
mod gen_demo;

use ephemail_core::{Config, MailStore, SpecialUse, SystemFlag};
use ephemail_tests::TestServer;
use fixtures_support::demo_store;

fn demo_text() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(gen_demo::DEMO_PATH);
    std::fs::read_to_string(path).expect("demo set committed")
}

#[test]
fn committed_demo_is_what_the_generator_makes() {
    // Fails when the generator changed without `cargo run -p ephemail-tests --example gen_demo`.
    assert!(
        demo_text() == gen_demo::demo_toml(),
        "fixtures/demo/demo.toml is stale"
    );
    assert!(
        gen_demo::demo_toml() == gen_demo::demo_toml(),
        "generator is not deterministic"
    );
}

#[test]
fn demo_is_small_enough_to_embed() {
    let size = demo_text().len();
    assert!(size < 300_000, "demo set is {size} bytes");
}

fn bodies(store: &MailStore, user: &str, mailbox: &str) -> Vec<String> {
    store
        .mailbox_by_name(user, mailbox)
        .unwrap_or_else(|| panic!("{user} has {mailbox}"))
        .messages()
        .iter()
        .map(|m| String::from_utf8_lossy(m.body().bytes()).into_owned())
        .collect()
}

#[test]
fn demo_has_what_a_demo_needs() {
    let store = demo_store();
    let users: Vec<&str> = store.users().map(|u| u.name()).collect();
    assert_eq!(users, ["alice", "bob"]);

    let inbox = store.mailbox_by_name("alice", "INBOX").unwrap();
    assert!(inbox.len() >= 50, "INBOX has {}", inbox.len());
    let texts = bodies(&store, "alice", "INBOX");
    let count = |needle: &str| texts.iter().filter(|t| t.contains(needle)).count();
    assert!(count("\r\nIn-Reply-To: <") >= 15, "threads");
    assert!(count("\r\nReferences: <") >= 15, "threads");
    assert!(count("multipart/alternative") >= 5, "multipart/alternative");
    assert!(count("Content-Disposition: attachment") >= 4, "attachments");
    assert!(count("\r\nSubject: =?UTF-8?B?") >= 5, "non-ASCII subjects");
    assert!(count("\r\nFrom: =?UTF-8?B?") >= 5, "non-ASCII names");
    assert!(
        inbox.messages().iter().any(|m| m.size() > 100_000),
        "a large message"
    );
    let with = |flag: SystemFlag| {
        inbox
            .messages()
            .iter()
            .filter(|m| m.flags().contains(flag))
            .count()
    };
    assert!(
        with(SystemFlag::Seen) > 10 && with(SystemFlag::Seen) < inbox.len(),
        "seen and unseen"
    );
    assert!(with(SystemFlag::Flagged) >= 3, "flagged");
    assert!(with(SystemFlag::Answered) >= 5, "answered");
    assert!(
        texts.iter().all(|t| !t.replace("\r\n", "").contains('\n')),
        "CRLF only"
    );

    for (name, special) in [
        ("Sent", SpecialUse::Sent),
        ("Drafts", SpecialUse::Drafts),
        ("Trash", SpecialUse::Trash),
        ("Archive", SpecialUse::Archive),
        ("Junk", SpecialUse::Junk),
    ] {
        for user in ["alice", "bob"] {
            let mailbox = store.mailbox_by_name(user, name).unwrap();
            assert_eq!(mailbox.special_use(), Some(special));
        }
    }
    assert!(!store.mailbox_by_name("alice", "Sent").unwrap().is_empty());
    assert!(store
        .mailbox_by_name("alice", "Drafts")
        .unwrap()
        .messages()
        .iter()
        .all(|m| m.flags().contains(SystemFlag::Draft)));
    assert!(
        store
            .mailbox_by_name("alice", "Projects/Website/Design")
            .unwrap()
            .len()
            >= 2,
        "nested tree"
    );
    assert!(!store.mailbox_by_name("bob", "INBOX").unwrap().is_empty());
}

#[test]
fn demo_serves_over_imap() {
    let mut t = TestServer::with_store(Config::default(), demo_store());
    let c = t.connect();
    t.login(c, "alice");
    let out = t.command(c, "l1 LIST \"\" \"*\"");
    assert!(out.contains("\\Sent) \"/\" Sent\r\n"), "{out}");
    assert!(out.contains("\"/\" Projects/Website/Design\r\n"), "{out}");
    let out = t.command(c, "s1 SELECT INBOX");
    assert!(
        out.contains(" EXISTS\r\n") && out.contains("s1 OK [READ-WRITE]"),
        "{out}"
    );
    let out = t.command(c, "f1 FETCH 1 (BODY.PEEK[HEADER])");
    assert!(
        out.contains("=?UTF-8?B?UXVhcnRlcmx5IHBsYW5uaW5nIOKAlCBhZ2VuZGEgZm9yIFEy?="),
        "{out}"
    );
    let out = t.command(c, "f2 SEARCH UNSEEN");
    assert!(out.contains("* SEARCH "), "{out}");
}

#[test]
fn the_browser_path_loads_the_same_demo() {
    use ephemail_core::fixtures::{declarative, DeclarativeSyntax, LoadOptions};
    let set = declarative::load_inline(
        "demo.toml",
        demo_text().as_bytes(),
        DeclarativeSyntax::Toml,
        &LoadOptions::default(),
    )
    .unwrap();
    let mut store = MailStore::new();
    set.apply(&mut store).unwrap();
    assert_eq!(
        fixtures_support::snapshot(&store),
        fixtures_support::snapshot(&demo_store())
    );
}
