//! Store logic without wire bytes: hierarchy, rename, delete, copy, expunge.

use super::*;

fn store() -> MailStore {
    let mut store = MailStore::new();
    store.add_user("alice", "pw").unwrap();
    store
}

fn names(store: &MailStore) -> Vec<String> {
    store
        .mailboxes("alice")
        .map(|m| m.name().to_owned())
        .collect()
}

fn body(text: &str) -> MessageBody {
    MessageBody::new(text.as_bytes().to_vec())
}

#[test]
fn new_user_has_inbox_and_special_use_folders() {
    let store = store();
    assert_eq!(
        names(&store),
        ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]
    );
    let sent = store.mailbox_by_name("alice", "Sent").unwrap();
    assert_eq!(sent.special_use(), Some(SpecialUse::Sent));
    assert!(store.user("alice").unwrap().is_subscribed("inbox"));
    assert!(store.check_password("alice", "pw"));
    assert!(!store.check_password("alice", "PW"));
    assert!(!store.check_password("bob", "pw"));
}

#[test]
fn uid_validity_is_unique_and_deterministic() {
    let a = store();
    let b = store();
    let va: Vec<u32> = a.mailboxes("alice").map(|m| m.uid_validity()).collect();
    let vb: Vec<u32> = b.mailboxes("alice").map(|m| m.uid_validity()).collect();
    assert_eq!(va, vb);
    let mut sorted = va.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), va.len());
}

#[test]
fn create_makes_superiors_and_inbox_is_case_insensitive() {
    let mut store = store();
    store.create_mailbox("alice", "a/b/c/").unwrap();
    assert!(store.mailbox_id("alice", "a").is_some());
    assert!(store.mailbox_id("alice", "a/b").is_some());
    assert!(store.mailbox_id("alice", "a/b/c").is_some());
    store.create_mailbox("alice", "inbox/x").unwrap();
    assert!(store.mailbox_id("alice", "INBOX/x").is_some());
    assert_eq!(
        store.create_mailbox("alice", "Inbox"),
        Err(StoreError::MailboxExists("INBOX".into()))
    );
    assert!(matches!(
        store.create_mailbox("alice", "x//y"),
        Err(StoreError::InvalidName { .. })
    ));
}

#[test]
fn delete_with_children_leaves_noselect_and_prunes_it_later() {
    let mut store = store();
    store.create_mailbox("alice", "p/c").unwrap();
    let p = store.mailbox_id("alice", "p").unwrap();
    store
        .append(p, body("x"), Flags::new(), Timestamp::EPOCH)
        .unwrap();
    store.delete_mailbox("alice", "p").unwrap();
    let placeholder = store.mailbox(p).unwrap();
    assert!(placeholder.is_noselect());
    assert!(placeholder.is_empty());
    assert_eq!(
        store.delete_mailbox("alice", "p"),
        Err(StoreError::HasChildren("p".into()))
    );
    store.delete_mailbox("alice", "p/c").unwrap();
    assert!(
        store.mailbox_id("alice", "p").is_none(),
        "placeholder pruned"
    );
    assert_eq!(
        store.delete_mailbox("alice", "INBOX"),
        Err(StoreError::CannotDeleteInbox)
    );
    assert!(matches!(
        store.delete_mailbox("alice", "nope"),
        Err(StoreError::NoSuchMailbox(_))
    ));
}

#[test]
fn rename_moves_children_and_subscriptions() {
    let mut store = store();
    store.create_mailbox("alice", "a/b").unwrap();
    store.subscribe("alice", "a/b").unwrap();
    let id = store.mailbox_id("alice", "a/b").unwrap();
    store.rename_mailbox("alice", "a", "z/y").unwrap();
    assert_eq!(store.mailbox_id("alice", "z/y/b"), Some(id));
    assert!(store.mailbox_id("alice", "z").is_some());
    assert!(store.mailbox_id("alice", "a").is_none());
    assert!(store.user("alice").unwrap().is_subscribed("z/y/b"));
    assert_eq!(
        store.rename_mailbox("alice", "z", "z/q"),
        Err(StoreError::RenameIntoSelf("z".into()))
    );
    assert_eq!(
        store.rename_mailbox("alice", "z", "Sent"),
        Err(StoreError::MailboxExists("Sent".into()))
    );
}

#[test]
fn rename_inbox_moves_messages_and_keeps_inbox() {
    let mut store = store();
    store.create_mailbox("alice", "INBOX/child").unwrap();
    let inbox = store.mailbox_id("alice", "INBOX").unwrap();
    for i in 0..3 {
        store
            .append(
                inbox,
                body(&format!("m{i}")),
                Flags::new(),
                Timestamp::EPOCH,
            )
            .unwrap();
    }
    store.rename_mailbox("alice", "inbox", "Old").unwrap();
    assert!(store.mailbox(inbox).unwrap().is_empty());
    assert_eq!(
        store.mailbox(inbox).unwrap().uid_next(),
        4,
        "UIDs not reused"
    );
    assert_eq!(store.mailbox_by_name("alice", "Old").unwrap().len(), 3);
    assert!(store.mailbox_id("alice", "INBOX/child").is_some());
}

#[test]
fn copy_shares_bytes_and_keeps_flags_and_dates() {
    let mut store = store();
    let inbox = store.mailbox_id("alice", "INBOX").unwrap();
    let trash = store.mailbox_id("alice", "Trash").unwrap();
    let flags = Flags::parse(["\\Flagged", "work"]).unwrap();
    let (uid, _) = store
        .append(
            inbox,
            body("hello"),
            flags.clone(),
            Timestamp::from_unix_secs(99),
        )
        .unwrap();
    let Copied { pairs, change } = store.copy(inbox, &[uid, uid], trash).unwrap();
    assert_eq!(pairs.len(), 1);
    assert!(matches!(change, Some(Change::Appended { .. })));
    let original = store.mailbox(inbox).unwrap().message(uid).unwrap();
    let copy = store.mailbox(trash).unwrap().message(pairs[0].1).unwrap();
    assert!(original.body().shares_bytes_with(copy.body()));
    assert_eq!(copy.flags(), &flags);
    assert_eq!(copy.internal_date(), Timestamp::from_unix_secs(99));
}

#[test]
fn expunge_removes_only_deleted() {
    let mut store = store();
    let inbox = store.mailbox_id("alice", "INBOX").unwrap();
    let mut uids = Vec::new();
    for i in 0..4 {
        let (uid, _) = store
            .append(
                inbox,
                body(&format!("m{i}")),
                Flags::new(),
                Timestamp::EPOCH,
            )
            .unwrap();
        uids.push(uid);
    }
    let deleted = Flags::parse(["\\Deleted"]).unwrap();
    store
        .store_flags(
            inbox,
            &[uids[1], uids[3]],
            FlagOperation::Add,
            &deleted,
            None,
        )
        .unwrap();
    let change = store.expunge(inbox, Some(&[uids[0], uids[1]])).unwrap();
    assert_eq!(
        change,
        Some(Change::Expunged {
            mailbox: inbox,
            uids: vec![uids[1]]
        })
    );
    let change = store.expunge(inbox, None).unwrap();
    assert_eq!(
        change,
        Some(Change::Expunged {
            mailbox: inbox,
            uids: vec![uids[3]]
        })
    );
    assert_eq!(store.expunge(inbox, None).unwrap(), None);
    assert_eq!(store.mailbox(inbox).unwrap().len(), 2);
}

#[test]
fn unsubscribe_unknown_name_is_an_error() {
    let mut store = store();
    store.subscribe("alice", "ghost").unwrap();
    store.unsubscribe("alice", "ghost").unwrap();
    assert!(store.unsubscribe("alice", "ghost").is_err());
    store.unsubscribe("alice", "Sent").unwrap();
    store.unsubscribe("alice", "Sent").unwrap();
}

#[test]
fn noselect_refuses_messages() {
    let mut store = store();
    store.create_mailbox("alice", "p/c").unwrap();
    store.delete_mailbox("alice", "p").unwrap();
    let p = store.mailbox_id("alice", "p").unwrap();
    assert!(matches!(
        store.append(p, body("x"), Flags::new(), Timestamp::EPOCH),
        Err(StoreError::NotSelectable(_))
    ));
    // CREATE over a placeholder revives it.
    store.create_mailbox("alice", "p").unwrap();
    assert!(!store.mailbox(p).unwrap().is_noselect());
}
