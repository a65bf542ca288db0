//! Fixture files shaped like what real tools write load as those tools meant them.
//!
//! The samples live in `fixtures/samples/` (see its README). Each test reads one, applies
//! it to a store and checks bytes, flags, dates and folders, some through IMAP itself.

mod fixtures_support;

use ephemail_core::fixtures::{self, LoadOptions};
use ephemail_core::{Config, MailStore, SpecialUse, SystemFlag, Timestamp};
use ephemail_tests::TestServer;
use fixtures_support::{load_store, read_tree, sample};

fn text(store: &MailStore, user: &str, mailbox: &str, index: usize) -> String {
    let mailbox = store
        .mailbox_by_name(user, mailbox)
        .expect("mailbox exists");
    String::from_utf8(mailbox.messages()[index].body().bytes().to_vec()).expect("UTF-8")
}

#[test]
fn mbox_with_escaped_from_lines() {
    let bytes = std::fs::read(sample("mbox/escaped-from.mbox")).unwrap();
    let set = fixtures::load_file("escaped-from.mbox", &bytes, &LoadOptions::default()).unwrap();
    let mut store = MailStore::new();
    set.apply(&mut store).unwrap();
    // A single file loads into the default user, in the mailbox its name says.
    let inbox = store
        .mailbox_by_name("alice", "escaped-from")
        .expect("mailbox from file name");
    assert_eq!(
        inbox.len(),
        3,
        "the unescaped 'From the desk' line is not a boundary"
    );

    let first = text(&store, "alice", "escaped-from", 0);
    // Detected as mboxrd (it has >>From lines): one level removed everywhere.
    assert!(first
        .contains("\r\n\r\nFrom the archive: this line began with \"From \" in the original.\r\n"));
    assert!(first.contains("\r\n>From a quote of a quote: this began with \">From \".\r\n"));
    assert!(first.contains("\r\n>>From three levels down.\r\n"));
    assert!(first.contains("\r\nFrom the desk of Alice: this line is not escaped"));
    assert!(
        !first.contains("Status:"),
        "flag headers are removed: {first}"
    );
    assert!(
        first.ends_with("body text, not a new message.\r\n"),
        "separator line removed: {first:?}"
    );
    assert!(
        !first.contains("\n\n") && first.matches('\n').count() == first.matches("\r\n").count()
    );

    let messages = inbox.messages();
    let flags = messages[0].flags();
    assert!(flags.contains(SystemFlag::Seen) && flags.contains(SystemFlag::Answered));
    // "Mon Mar  3 09:15:02 2025", read as UTC.
    assert_eq!(
        messages[0].internal_date(),
        Timestamp::from_unix_secs(1_740_993_302)
    );

    // Gmail's "From " line puts the zone before the year.
    assert_eq!(
        messages[1].internal_date(),
        Timestamp::from_unix_secs(1_735_952_734)
    );
    assert_eq!(
        format!("{:?}", messages[1].flags()),
        "[\\Flagged, $Label1, Family]"
    );
    assert!(
        text(&store, "alice", "escaped-from", 1).starts_with("X-GM-THRID: 1790000000000000001\r\n")
    );

    assert!(messages[2].flags().is_empty());
    assert!(text(&store, "alice", "escaped-from", 2).ends_with("it stays unseen.\r\n"));
}

#[test]
fn mboxo_unescapes_one_level_only() {
    let bytes = std::fs::read(sample("mbox/legacy.mboxo")).unwrap();
    let options = LoadOptions {
        user: Some("bob".into()),
        ..LoadOptions::default()
    };
    let set = fixtures::load_file("legacy.mboxo", &bytes, &options).unwrap();
    let mut store = MailStore::new();
    set.apply(&mut store).unwrap();
    let body = text(&store, "bob", "legacy", 0);
    assert!(
        body.ends_with("\r\n\r\nFrom here on, mboxo.\r\n>>From this stays as it is in mboxo.\r\n"),
        "{body:?}"
    );
}

#[test]
fn maildir_with_every_flag_letter() {
    let store = load_store(&read_tree(&sample("maildir")), &LoadOptions::default());
    let inbox = store.mailbox_by_name("alice", "INBOX").unwrap();
    let flags: Vec<String> = inbox
        .messages()
        .iter()
        .map(|m| format!("{:?}", m.flags()))
        .collect();
    assert_eq!(
        flags,
        [
            "[\\Seen]",
            "[\\Seen, \\Answered]",
            "[\\Seen, \\Flagged]",
            "[\\Seen, $Forwarded]",
            "[\\Draft]",
            "[\\Seen, \\Deleted]",
            "[\\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft, $Forwarded, $Label1, Work]",
            "[]",
            "[]", // new/: delivered, not yet seen; tmp/ is never read
        ]
    );
    // INTERNALDATE is the delivery time at the start of each file name.
    let dates: Vec<i64> = inbox
        .messages()
        .iter()
        .map(|m| m.internal_date().unix_millis() / 1000)
        .collect();
    assert_eq!(dates, (1_700_000_001..=1_700_000_009).collect::<Vec<_>>());

    let names: Vec<&str> = store.mailboxes("alice").map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["Entwürfe", "INBOX", "Sent", "Work", "Work/Projects"]
    );
    assert_eq!(
        store
            .mailbox_by_name("alice", "Sent")
            .unwrap()
            .special_use(),
        Some(SpecialUse::Sent)
    );
    let user = store.user("alice").unwrap();
    // The subscriptions file lists Sent and Work.Projects.
    assert!(
        user.is_subscribed("Sent")
            && user.is_subscribed("Work/Projects")
            && user.is_subscribed("INBOX")
    );
    assert!(!user.is_subscribed("Work") && !user.is_subscribed("Entwürfe"));
    assert!(store.check_password("alice", fixtures::DEFAULT_PASSWORD));
}

#[test]
fn maildir_flags_show_over_imap() {
    let store = load_store(&read_tree(&sample("maildir")), &LoadOptions::default());
    let mut t = TestServer::with_store(Config::default(), store);
    let c = t.selected("alice", "INBOX");
    let out = t.command(c, "f1 FETCH 7 (FLAGS INTERNALDATE RFC822.SIZE)");
    assert!(
        out.contains("* 7 FETCH (FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Forwarded $Label1 Work \\Recent) INTERNALDATE \"14-Nov-2023 22:13:27 +0000\" RFC822.SIZE "),
        "{out}"
    );
    let out = t.command(c, "f2 LIST \"\" \"*\"");
    assert!(
        out.contains("Entwürfe\r\n") || out.contains("Entw&APw-rfe\r\n"),
        "{out}"
    );
    assert!(
        out.contains("* LIST (\\HasChildren) \"/\" Work\r\n"),
        "{out}"
    );
}

#[test]
fn maildir_verbatim_orders_by_uid_in_names() {
    let store = load_store(
        &read_tree(&sample("maildir-verbatim")),
        &LoadOptions::default(),
    );
    let inbox = store
        .mailbox_by_name("alice", "INBOX")
        .expect("INBOX/ is the inbox");
    let subjects: Vec<String> = inbox
        .messages()
        .iter()
        .map(|m| {
            String::from_utf8_lossy(m.body().bytes())
                .lines()
                .nth(2)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "Subject: First by UID",
            "Subject: Second by UID",
            "Subject: Third by UID"
        ]
    );
    assert_eq!(
        store
            .mailbox_by_name("alice", "Archive/2024")
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn greenmail_style_eml_tree_with_sidecars() {
    let now = Timestamp::from_unix_secs(1_750_000_000);
    let store = load_store(
        &read_tree(&sample("eml-tree")),
        &LoadOptions {
            now,
            ..LoadOptions::default()
        },
    );
    let users: Vec<&str> = store.users().map(|u| u.name()).collect();
    assert_eq!(users, ["alice@example.org", "bob@example.org"]);

    let inbox = store.mailbox_by_name("alice@example.org", "INBOX").unwrap();
    let subjects: Vec<String> = inbox
        .messages()
        .iter()
        .map(|m| {
            String::from_utf8_lossy(m.body().bytes())
                .lines()
                .nth(2)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "Subject: First",
            "Subject: Second, with a sidecar",
            "Subject: Tenth, sorts after the second"
        ]
    );
    let second = &inbox.messages()[1];
    assert_eq!(
        format!("{:?}", second.flags()),
        "[\\Seen, \\Flagged, $Forwarded]"
    );
    assert_eq!(
        second.internal_date(),
        Timestamp::from_unix_secs(1_740_996_005)
    );
    assert!(second
        .body()
        .bytes()
        .ends_with(b"\r\n\r\nLF on disk, CRLF in the store.\r\n"));
    // No sidecar: the Date: header.
    assert_eq!(
        inbox.messages()[0].internal_date(),
        Timestamp::from_unix_secs(1_740_992_400)
    );

    // No sidecar and no Date: header: the load's clock.
    let report = store
        .mailbox_by_name("alice@example.org", "Work/Reports")
        .unwrap();
    assert_eq!(report.messages()[0].internal_date(), now);
    assert!(store.mailbox_by_name("alice@example.org", "Work").is_some());

    let bob = store.mailbox_by_name("bob@example.org", "INBOX").unwrap();
    assert_eq!(
        format!("{:?}", bob.messages()[0].flags()),
        "[\\Seen, \\Answered]"
    );
    assert_eq!(
        bob.messages()[0].internal_date(),
        Timestamp::from_unix_secs(1_741_172_407)
    );
    assert_eq!(
        store
            .mailbox_by_name("bob@example.org", "Sent")
            .unwrap()
            .special_use(),
        Some(SpecialUse::Sent)
    );
    assert!(store.check_password("bob@example.org", "password"));
}

#[test]
fn declarative_json_with_message_files() {
    let store = load_store(
        &read_tree(&sample("declarative-paths")),
        &LoadOptions::default(),
    );
    assert!(store.check_password("carol", "s3cret"));
    let inbox = store.mailbox_by_name("carol", "INBOX").unwrap();
    assert_eq!(format!("{:?}", inbox.messages()[0].flags()), "[\\Seen]");
    assert_eq!(
        inbox.messages()[0].internal_date(),
        Timestamp::from_unix_secs(1_740_816_000)
    );
    assert_eq!(format!("{:?}", inbox.messages()[1].flags()), "[Work]");
    assert_eq!(
        inbox.messages()[1].internal_date(),
        Timestamp::from_unix_secs(1_741_000_000)
    );
    let archive = store.mailbox_by_name("carol", "Archive/2024").unwrap();
    assert_eq!(archive.special_use(), Some(SpecialUse::Archive));
    assert!(!store.user("carol").unwrap().is_subscribed("Archive/2024"));
    // The driver can ask which files the fixture needs before reading them.
    let json = std::fs::read(sample("declarative-paths/fixtures.json")).unwrap();
    assert_eq!(
        fixtures::declarative::referenced_files("fixtures.json", &json).unwrap(),
        ["messages/welcome.eml", "messages/invoice.eml"]
    );
}

#[test]
fn several_fixtures_load_into_one_store() {
    let mut store = MailStore::new();
    let options = LoadOptions::default();
    for name in ["maildir", "eml-tree", "declarative-paths"] {
        let set = fixtures::load(&read_tree(&sample(name)), &options).unwrap();
        set.apply(&mut store).unwrap();
    }
    // The mbox adds to alice's existing store rather than replacing it.
    let bytes = std::fs::read(sample("mbox/legacy.mboxo")).unwrap();
    fixtures::load_file("INBOX.mboxo", &bytes, &options)
        .unwrap()
        .apply(&mut store)
        .unwrap();
    let users: Vec<&str> = store.users().map(|u| u.name()).collect();
    assert_eq!(
        users,
        ["alice", "alice@example.org", "bob@example.org", "carol"]
    );
    assert_eq!(store.mailbox_by_name("alice", "INBOX").unwrap().len(), 10);
}
