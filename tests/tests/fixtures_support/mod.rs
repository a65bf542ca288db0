//! Shared by the `fixtures_*` tests: reading a directory into the entries core takes,
//! and a readable snapshot of a store to compare two stores with.

#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use ephemail_core::fixtures::{self, FixtureFile, FixtureSet, LoadOptions};
use ephemail_core::MailStore;

/// A directory under `fixtures/samples/`.
pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/samples")
        .join(name)
}

/// Every file and directory below `root`, as core wants them: relative paths with `/`,
/// directories ending in `/`, sorted.
pub fn read_tree(root: &Path) -> Vec<FixtureFile> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<FixtureFile>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("readable directory")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let relative = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                out.push(FixtureFile::directory(relative));
                walk(root, &path, out);
            } else {
                out.push(FixtureFile::new(
                    relative,
                    std::fs::read(&path).expect("readable file"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// Loads `files` (format detected) into a fresh store.
pub fn load_store(files: &[FixtureFile], options: &LoadOptions) -> MailStore {
    let set = fixtures::load(files, options).unwrap_or_else(|e| panic!("load failed: {e}"));
    store_of(&set)
}

/// A fresh store holding `set`.
pub fn store_of(set: &FixtureSet) -> MailStore {
    let mut store = MailStore::new();
    set.apply(&mut store)
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    store
}

/// One line per user, mailbox and message: everything a fixture can say, with message
/// bytes as length and hash so that a difference shows where it is.
pub fn snapshot(store: &MailStore) -> Vec<String> {
    let mut lines = Vec::new();
    for user in store.users() {
        lines.push(format!(
            "user {} password={:?}",
            user.name(),
            user.password()
        ));
        for mailbox in store.mailboxes(user.name()) {
            lines.push(format!(
                "  mailbox {:?} special_use={:?} subscribed={} noselect={}",
                mailbox.name(),
                mailbox.special_use(),
                user.is_subscribed(mailbox.name()),
                mailbox.is_noselect()
            ));
            for message in mailbox.messages() {
                lines.push(format!(
                    "    uid={} flags={:?} date={} size={} fnv={:016x}",
                    message.uid(),
                    message.flags(),
                    message.internal_date().unix_millis(),
                    message.size(),
                    fnv(message.body().bytes())
                ));
            }
        }
    }
    lines
}

/// The snapshot without what a format cannot carry: passwords, subscriptions and the
/// special uses its folder names do not suggest.
pub fn content_snapshot(store: &MailStore) -> Vec<String> {
    snapshot(store)
        .into_iter()
        .map(|line| {
            match line
                .find(" password=")
                .or_else(|| line.find(" special_use="))
            {
                Some(i) => line[..i].to_owned(),
                None => line,
            }
        })
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The demo set, loaded from the committed file.
pub fn demo_store() -> MailStore {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo/demo.toml");
    let bytes = std::fs::read(&path).expect("demo set exists");
    let set = fixtures::load_file("fixtures/demo/demo.toml", &bytes, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("demo set: {e}"));
    store_of(&set)
}
