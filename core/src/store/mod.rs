//! The mail store: users, their mailbox trees, messages, flags, UIDs and MODSEQ.
//!
//! Plain data. The store knows nothing of wire syntax or sessions; every mutation that
//! other sessions must hear about returns a [`Change`], which the `Server` fans out. All
//! mutations are all-or-nothing: a failed call leaves the store as it was.

pub mod flags;
mod mailbox;
mod message;
pub mod mutf7;
pub mod name;

pub use flags::{Flags, Keyword, SystemFlag};
pub use mailbox::{FlagOperation, Mailbox, MailboxId, SpecialUse};
pub use message::{Message, MessageBody, Uid};

use crate::time::Timestamp;

/// The default folders every new user gets besides INBOX, with their special use.
pub const DEFAULT_FOLDERS: [(&str, SpecialUse); 5] = [
    ("Sent", SpecialUse::Sent),
    ("Drafts", SpecialUse::Drafts),
    ("Trash", SpecialUse::Trash),
    ("Junk", SpecialUse::Junk),
    ("Archive", SpecialUse::Archive),
];

/// Why a store operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such user.
    #[error("no such user: {0}")]
    NoSuchUser(String),
    /// The user exists already.
    #[error("user already exists: {0}")]
    UserExists(String),
    /// No such mailbox.
    #[error("no such mailbox: {0}")]
    NoSuchMailbox(String),
    /// The mailbox exists already.
    #[error("mailbox already exists: {0}")]
    MailboxExists(String),
    /// The name cannot be used.
    #[error("invalid mailbox name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// INBOX cannot be deleted.
    #[error("INBOX cannot be deleted")]
    CannotDeleteInbox,
    /// A `\Noselect` mailbox with children cannot be deleted (RFC 9051 §6.3.4).
    #[error("mailbox {0} has children and is not selectable")]
    HasChildren(String),
    /// A `\Noselect` mailbox holds no messages.
    #[error("mailbox {0} is not selectable")]
    NotSelectable(String),
    /// A mailbox cannot be renamed below itself.
    #[error("cannot rename {0} into its own subtree")]
    RenameIntoSelf(String),
    /// A flag name that cannot be stored.
    #[error("invalid flag: {0}")]
    InvalidFlag(String),
    /// The mailbox has used every UID there is.
    #[error("mailbox {0} has no UIDs left")]
    UidsExhausted(String),
}

/// A change to mail that sessions other than the one that made it must hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// New messages, in ascending UID order.
    Appended {
        /// Where.
        mailbox: MailboxId,
        /// Their UIDs.
        uids: Vec<Uid>,
    },
    /// Flags of these messages changed.
    FlagsChanged {
        /// Where.
        mailbox: MailboxId,
        /// Which.
        uids: Vec<Uid>,
    },
    /// These messages were removed.
    Expunged {
        /// Where.
        mailbox: MailboxId,
        /// Which.
        uids: Vec<Uid>,
    },
    /// A mailbox was created.
    MailboxCreated {
        /// Its id.
        mailbox: MailboxId,
        /// Its owner.
        user: String,
        /// Its name.
        name: String,
    },
    /// A mailbox was deleted (or emptied to a `\Noselect` placeholder).
    MailboxDeleted {
        /// Its id.
        mailbox: MailboxId,
        /// Its owner.
        user: String,
        /// Its name.
        name: String,
    },
    /// A mailbox was renamed.
    MailboxRenamed {
        /// Its id.
        mailbox: MailboxId,
        /// Its owner.
        user: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
}

impl Change {
    /// The mailbox the change is about.
    pub fn mailbox(&self) -> MailboxId {
        match self {
            Change::Appended { mailbox, .. }
            | Change::FlagsChanged { mailbox, .. }
            | Change::Expunged { mailbox, .. }
            | Change::MailboxCreated { mailbox, .. }
            | Change::MailboxDeleted { mailbox, .. }
            | Change::MailboxRenamed { mailbox, .. } => *mailbox,
        }
    }
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// `(source UID, destination UID)` pairs in source UID order.
    pub pairs: Vec<(Uid, Uid)>,
    /// The change to the destination, if anything was copied.
    pub change: Option<Change>,
}

/// A user: credentials, mailbox names and subscriptions.
#[derive(Debug, Clone)]
pub struct User {
    name: String,
    password: String,
    /// Canonical name → mailbox, sorted by name so that LIST comes out in a stable order
    /// and a subtree is a contiguous range.
    mailboxes: MailboxNames,
    /// Canonical subscribed names, sorted and unique (a sorted `Vec` is all this needs,
    /// and spares the wasm module a `BTreeSet<String>`).
    subscriptions: Vec<String>,
}

impl User {
    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Mailbox names and ids, sorted by name.
    pub fn mailboxes(&self) -> impl Iterator<Item = (&str, MailboxId)> {
        self.mailboxes.iter().map(|(name, id)| (name.as_str(), *id))
    }

    /// Subscribed names (which may not exist).
    pub fn subscriptions(&self) -> impl Iterator<Item = &str> {
        self.subscriptions.iter().map(String::as_str)
    }

    /// Whether `name` is subscribed.
    pub fn is_subscribed(&self, name: &str) -> bool {
        self.subscription(&name::canonical(name)).is_ok()
    }

    /// Whether any mailbox lies below `name`.
    pub fn has_children(&self, name: &str) -> bool {
        let prefix = format!("{name}{}", name::DELIMITER);
        self.mailboxes
            .range_from(&prefix)
            .next()
            .is_some_and(|(n, _)| n.starts_with(&prefix))
    }

    /// Where the canonical `name` is (`Ok`) or would go (`Err`) in `subscriptions`.
    fn subscription(&self, name: &str) -> Result<usize, usize> {
        self.subscriptions
            .binary_search_by(|s| s.as_str().cmp(name))
    }

    fn subscribe(&mut self, name: String) {
        if let Err(at) = self.subscription(&name) {
            self.subscriptions.insert(at, name);
        }
    }

    /// Whether `name` was subscribed.
    fn unsubscribe(&mut self, name: &str) -> bool {
        let found = self.subscription(name);
        if let Ok(at) = found {
            self.subscriptions.remove(at);
        }
        found.is_ok()
    }
}

/// A user's mailbox names and ids, sorted by name: the part of the
/// `BTreeMap<String, MailboxId>` API the store uses, over a `Vec` (a user has tens of
/// mailboxes, and a BTreeMap instantiation cost the wasm module about 10 KB).
#[derive(Debug, Clone, Default)]
struct MailboxNames(Vec<(String, MailboxId)>);

impl MailboxNames {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    fn get(&self, name: &str) -> Option<&MailboxId> {
        let at = self.position(name).ok()?;
        Some(&self.0[at].1)
    }

    fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    fn insert(&mut self, name: String, id: MailboxId) {
        match self.position(&name) {
            Ok(at) => self.0[at].1 = id,
            Err(at) => self.0.insert(at, (name, id)),
        }
    }

    fn remove(&mut self, name: &str) -> Option<MailboxId> {
        let at = self.position(name).ok()?;
        Some(self.0.remove(at).1)
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &MailboxId)> {
        self.0.iter().map(|(name, id)| (name, id))
    }

    /// The entries from `name` on (`BTreeMap::range(name..)`).
    fn range_from(&self, name: &str) -> impl Iterator<Item = (&String, &MailboxId)> {
        let start = self.position(name).unwrap_or_else(|at| at);
        self.0[start..].iter().map(|(name, id)| (name, id))
    }

    fn values(&self) -> impl Iterator<Item = &MailboxId> {
        self.0.iter().map(|(_, id)| id)
    }
}

/// All users, mailboxes and messages.
#[derive(Debug, Clone)]
pub struct MailStore {
    users: Users,
    mailboxes: Mailboxes,
    next_mailbox_id: u64,
    uid_validity_base: u32,
    uid_validity_counter: u32,
}

/// The users, sorted by name: the part of the `BTreeMap<String, User>` API the store
/// uses, over a `Vec` (a BTreeMap instantiation costs the wasm module more).
#[derive(Debug, Clone, Default)]
struct Users(Vec<User>);

impl Users {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|u| u.name.as_str().cmp(name))
    }

    fn get(&self, name: &str) -> Option<&User> {
        let at = self.position(name).ok()?;
        Some(&self.0[at])
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut User> {
        let at = self.position(name).ok()?;
        Some(&mut self.0[at])
    }

    fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    fn insert(&mut self, user: User) {
        match self.position(&user.name) {
            Ok(at) => self.0[at] = user,
            Err(at) => self.0.insert(at, user),
        }
    }

    fn remove(&mut self, name: &str) -> Option<User> {
        let at = self.position(name).ok()?;
        Some(self.0.remove(at))
    }

    fn values(&self) -> std::slice::Iter<'_, User> {
        self.0.iter()
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Every user's mailboxes, sorted by id: the part of the `BTreeMap<MailboxId, Mailbox>`
/// API the store uses, over a `Vec`. Ids only grow, so a new mailbox goes at the end and
/// the rest are binary searches; a BTreeMap instantiation cost the wasm module more.
#[derive(Debug, Clone, Default)]
struct Mailboxes(Vec<Mailbox>);

impl Mailboxes {
    fn position(&self, id: MailboxId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |m| m.id)
    }

    fn get(&self, id: &MailboxId) -> Option<&Mailbox> {
        let at = self.position(*id).ok()?;
        Some(&self.0[at])
    }

    fn get_mut(&mut self, id: &MailboxId) -> Option<&mut Mailbox> {
        let at = self.position(*id).ok()?;
        Some(&mut self.0[at])
    }

    fn insert(&mut self, mailbox: Mailbox) {
        match self.position(mailbox.id) {
            Ok(at) => self.0[at] = mailbox,
            Err(at) => self.0.insert(at, mailbox),
        }
    }

    fn remove(&mut self, id: &MailboxId) -> Option<Mailbox> {
        let at = self.position(*id).ok()?;
        Some(self.0.remove(at))
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

impl Default for MailStore {
    fn default() -> Self {
        MailStore::new()
    }
}

impl MailStore {
    /// An empty store; UIDVALIDITY values start at 1.
    pub fn new() -> Self {
        MailStore::with_uid_validity_base(1)
    }

    /// An empty store whose UIDVALIDITY values start at `base`: a deterministic stand-in
    /// for the time-based values real servers use, so that two runs agree but a test can
    /// still simulate a server whose UIDVALIDITY changed.
    pub fn with_uid_validity_base(base: u32) -> Self {
        MailStore {
            users: Users::default(),
            mailboxes: Mailboxes::default(),
            next_mailbox_id: 1,
            uid_validity_base: base.max(1),
            uid_validity_counter: 0,
        }
    }

    // ----- users -----

    /// Adds a user with INBOX and the default special-use folders.
    pub fn add_user(&mut self, name: &str, password: &str) -> Result<(), StoreError> {
        self.add_user_with_folders(name, password, &DEFAULT_FOLDERS)
    }

    /// Adds a user with INBOX and the given folders (which are also subscribed).
    pub fn add_user_with_folders(
        &mut self,
        name: &str,
        password: &str,
        folders: &[(&str, SpecialUse)],
    ) -> Result<(), StoreError> {
        if self.users.contains_key(name) {
            return Err(StoreError::UserExists(name.to_owned()));
        }
        self.users.insert(User {
            name: name.to_owned(),
            password: password.to_owned(),
            mailboxes: MailboxNames::default(),
            subscriptions: Vec::new(),
        });
        self.create_mailbox(name, "INBOX")?;
        self.subscribe(name, "INBOX")?;
        for (folder, special_use) in folders {
            let id = match self.mailbox_id(name, folder) {
                Some(id) => id,
                None => self.create_mailbox(name, folder)?.mailbox(),
            };
            self.set_special_use(id, Some(*special_use));
            self.subscribe(name, folder)?;
        }
        Ok(())
    }

    /// Removes a user and all their mail.
    pub fn remove_user(&mut self, name: &str) -> Result<(), StoreError> {
        let user = self
            .users
            .remove(name)
            .ok_or_else(|| StoreError::NoSuchUser(name.to_owned()))?;
        for id in user.mailboxes.values() {
            self.mailboxes.remove(id);
        }
        Ok(())
    }

    /// The user with this name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(name)
    }

    /// All users, sorted by name.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// Whether `name` exists and `password` is theirs.
    pub fn check_password(&self, name: &str, password: &str) -> bool {
        self.users.get(name).is_some_and(|u| u.password == password)
    }

    fn user_mut(&mut self, name: &str) -> Result<&mut User, StoreError> {
        self.users
            .get_mut(name)
            .ok_or_else(|| StoreError::NoSuchUser(name.to_owned()))
    }

    // ----- mailboxes -----

    /// The id of a user's mailbox (INBOX in any case).
    pub fn mailbox_id(&self, user: &str, name: &str) -> Option<MailboxId> {
        self.users
            .get(user)?
            .mailboxes
            .get(&name::canonical(name))
            .copied()
    }

    /// A mailbox by id.
    pub fn mailbox(&self, id: MailboxId) -> Option<&Mailbox> {
        self.mailboxes.get(&id)
    }

    /// A user's mailbox by name.
    pub fn mailbox_by_name(&self, user: &str, name: &str) -> Option<&Mailbox> {
        self.mailbox_id(user, name).and_then(|id| self.mailbox(id))
    }

    /// A user's mailboxes, sorted by name.
    pub fn mailboxes<'a>(&'a self, user: &str) -> impl Iterator<Item = &'a Mailbox> + 'a {
        self.users
            .get(user)
            .into_iter()
            .flat_map(|u| u.mailboxes.values())
            .filter_map(|id| self.mailboxes.get(id))
    }

    fn new_uid_validity(&mut self) -> u32 {
        self.uid_validity_counter = self.uid_validity_counter.wrapping_add(1);
        let value = self
            .uid_validity_base
            .wrapping_add(self.uid_validity_counter - 1);
        value.max(1)
    }

    fn insert_mailbox(&mut self, user: &str, name: String) -> MailboxId {
        let id = MailboxId(self.next_mailbox_id);
        self.next_mailbox_id += 1;
        let uid_validity = self.new_uid_validity();
        self.mailboxes
            .insert(Mailbox::new(id, name.clone(), uid_validity));
        if let Some(u) = self.users.get_mut(user) {
            u.mailboxes.insert(name, id);
        }
        id
    }

    /// Creates a mailbox and any missing superior levels (RFC 9051 §6.3.4). A trailing
    /// delimiter is allowed and ignored. Returns the change for the new mailbox itself.
    pub fn create_mailbox(&mut self, user: &str, name: &str) -> Result<Change, StoreError> {
        let name = name::validate_new(name).map_err(|e| StoreError::InvalidName {
            name: name.to_owned(),
            reason: e.text(),
        })?;
        let account = self.user_mut(user)?;
        if let Some(id) = account.mailboxes.get(&name).copied() {
            // Creating over a \Noselect placeholder makes it a real mailbox again.
            let mailbox = self.mailboxes.get_mut(&id).expect("user's mailbox exists");
            if mailbox.noselect {
                mailbox.noselect = false;
                return Ok(Change::MailboxCreated {
                    mailbox: id,
                    user: user.to_owned(),
                    name,
                });
            }
            return Err(StoreError::MailboxExists(name));
        }
        let missing: Vec<String> = name::ancestors(&name)
            .filter(|a| !account.mailboxes.contains_key(a))
            .map(str::to_owned)
            .collect();
        for ancestor in missing {
            self.insert_mailbox(user, ancestor);
        }
        let id = self.insert_mailbox(user, name.clone());
        Ok(Change::MailboxCreated {
            mailbox: id,
            user: user.to_owned(),
            name,
        })
    }

    /// Sets or clears a mailbox's special-use attribute.
    pub fn set_special_use(&mut self, id: MailboxId, special_use: Option<SpecialUse>) -> bool {
        match self.mailboxes.get_mut(&id) {
            Some(mailbox) => {
                mailbox.special_use = special_use;
                true
            }
            None => false,
        }
    }

    /// Deletes a mailbox (RFC 9051 §6.3.4). INBOX cannot be deleted. A mailbox with
    /// children loses its messages and stays as a `\Noselect` placeholder; a `\Noselect`
    /// mailbox with children cannot be deleted. Placeholders left without children go too.
    pub fn delete_mailbox(&mut self, user: &str, name: &str) -> Result<Change, StoreError> {
        let name = name::canonical(name);
        if name == "INBOX" {
            return Err(StoreError::CannotDeleteInbox);
        }
        let account = self
            .users
            .get(user)
            .ok_or_else(|| StoreError::NoSuchUser(user.to_owned()))?;
        let id = *account
            .mailboxes
            .get(&name)
            .ok_or_else(|| StoreError::NoSuchMailbox(name.clone()))?;
        let has_children = account.has_children(&name);
        let mailbox = self.mailboxes.get_mut(&id).expect("user's mailbox exists");
        if has_children {
            if mailbox.noselect {
                return Err(StoreError::HasChildren(name));
            }
            mailbox.noselect = true;
            mailbox.messages.clear();
            mailbox.total_size = 0;
            mailbox.special_use = None;
        } else {
            self.mailboxes.remove(&id);
            let account = self.users.get_mut(user).expect("checked above");
            account.mailboxes.remove(&name);
            self.prune_placeholders(user, &name);
        }
        Ok(Change::MailboxDeleted {
            mailbox: id,
            user: user.to_owned(),
            name,
        })
    }

    fn prune_placeholders(&mut self, user: &str, name: &str) {
        let mut current = name::parent(name).map(str::to_owned);
        while let Some(parent) = current {
            let Some(account) = self.users.get(user) else {
                return;
            };
            let Some(&id) = account.mailboxes.get(&parent) else {
                return;
            };
            let placeholder = self.mailboxes.get(&id).is_some_and(|m| m.noselect);
            if !placeholder || account.has_children(&parent) {
                return;
            }
            self.mailboxes.remove(&id);
            if let Some(account) = self.users.get_mut(user) {
                account.mailboxes.remove(&parent);
            }
            current = name::parent(&parent).map(str::to_owned);
        }
    }

    /// Renames a mailbox and everything below it (RFC 9051 §6.3.6). Renaming INBOX moves
    /// its messages into a new mailbox and leaves INBOX empty; its children stay.
    pub fn rename_mailbox(
        &mut self,
        user: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Change>, StoreError> {
        let from = name::canonical(from);
        let to = name::validate_new(to).map_err(|e| StoreError::InvalidName {
            name: to.to_owned(),
            reason: e.text(),
        })?;
        let account = self
            .users
            .get(user)
            .ok_or_else(|| StoreError::NoSuchUser(user.to_owned()))?;
        let from_id = *account
            .mailboxes
            .get(&from)
            .ok_or_else(|| StoreError::NoSuchMailbox(from.clone()))?;
        if account.mailboxes.contains_key(&to) {
            return Err(StoreError::MailboxExists(to));
        }
        if name::is_descendant(&to, &from) {
            return Err(StoreError::RenameIntoSelf(from));
        }
        if from == "INBOX" {
            return self.rename_inbox(user, from_id, &to);
        }
        // In name order: the map iterates sorted.
        let moved: Vec<(String, MailboxId)> = account
            .mailboxes
            .iter()
            .filter(|(n, _)| **n == from || name::is_descendant(n, &from))
            .map(|(n, id)| (n.clone(), *id))
            .collect();
        // Create missing superiors of the target first.
        let missing: Vec<String> = name::ancestors(&to)
            .filter(|a| !account.mailboxes.contains_key(a))
            .map(str::to_owned)
            .collect();
        for ancestor in missing {
            self.insert_mailbox(user, ancestor);
        }
        let subscriptions_moved: Vec<String>;
        let mut changes = Vec::new();
        {
            let account = self.users.get_mut(user).expect("checked above");
            for (old, id) in &moved {
                account.mailboxes.remove(old);
                let new = format!("{to}{}", &old[from.len()..]);
                account.mailboxes.insert(new.clone(), *id);
                if let Some(mailbox) = self.mailboxes.get_mut(id) {
                    mailbox.name = new.clone();
                }
                changes.push(Change::MailboxRenamed {
                    mailbox: *id,
                    user: user.to_owned(),
                    from: old.clone(),
                    to: new,
                });
            }
            subscriptions_moved = account
                .subscriptions
                .iter()
                .filter(|s| **s == from || name::is_descendant(s, &from))
                .cloned()
                .collect();
            for old in subscriptions_moved {
                account.unsubscribe(&old);
                account.subscribe(format!("{to}{}", &old[from.len()..]));
            }
        }
        self.prune_placeholders(user, &from);
        Ok(changes)
    }

    fn rename_inbox(
        &mut self,
        user: &str,
        inbox: MailboxId,
        to: &str,
    ) -> Result<Vec<Change>, StoreError> {
        let created = self.create_mailbox(user, to)?;
        let target = created.mailbox();
        let source = self.mailboxes.get_mut(&inbox).expect("INBOX exists");
        let messages = std::mem::take(&mut source.messages);
        source.total_size = 0;
        let old_uids: Vec<Uid> = messages.iter().map(|m| m.uid).collect();
        source.record_expunged(&old_uids);
        let destination = self.mailboxes.get_mut(&target).expect("just created");
        for message in messages {
            destination.append(message.body, message.flags, message.internal_date);
        }
        Ok(vec![
            created,
            Change::Expunged {
                mailbox: inbox,
                uids: old_uids,
            },
        ])
    }

    /// Subscribes `user` to `name` (which need not exist, RFC 9051 §6.3.7).
    pub fn subscribe(&mut self, user: &str, name: &str) -> Result<(), StoreError> {
        let name = name::canonical(name);
        self.user_mut(user)?.subscribe(name);
        Ok(())
    }

    /// Removes a subscription. Unsubscribing a name that is not subscribed is an error
    /// only if it does not exist either.
    pub fn unsubscribe(&mut self, user: &str, name: &str) -> Result<(), StoreError> {
        let name = name::canonical(name);
        let account = self.user_mut(user)?;
        if !account.unsubscribe(&name) && !account.mailboxes.contains_key(&name) {
            return Err(StoreError::NoSuchMailbox(name));
        }
        Ok(())
    }

    // ----- messages -----

    /// Appends a message. INTERNALDATE is `internal_date`; the driver passes `now`
    /// when the client gave no date.
    pub fn append(
        &mut self,
        id: MailboxId,
        body: impl Into<MessageBody>,
        flags: Flags,
        internal_date: Timestamp,
    ) -> Result<(Uid, Change), StoreError> {
        let mailbox = self
            .mailboxes
            .get_mut(&id)
            .ok_or_else(|| StoreError::NoSuchMailbox(id.to_string()))?;
        if mailbox.noselect {
            return Err(StoreError::NotSelectable(mailbox.name.clone()));
        }
        let uid = mailbox
            .append(body.into(), flags, internal_date)
            .ok_or_else(|| StoreError::UidsExhausted(mailbox.name.clone()))?;
        Ok((
            uid,
            Change::Appended {
                mailbox: id,
                uids: vec![uid],
            },
        ))
    }

    /// Delivers a message to a user's mailbox by name: what an MTA (or a test) does.
    pub fn deliver(
        &mut self,
        user: &str,
        mailbox: &str,
        body: impl Into<MessageBody>,
        flags: Flags,
        internal_date: Timestamp,
    ) -> Result<(Uid, Change), StoreError> {
        let id = self
            .mailbox_id(user, mailbox)
            .ok_or_else(|| StoreError::NoSuchMailbox(mailbox.to_owned()))?;
        self.append(id, body, flags, internal_date)
    }

    /// Changes flags of the messages with these UIDs. Returns the change (if any flag
    /// changed) and the UIDs refused by `unchanged_since`.
    pub fn store_flags(
        &mut self,
        id: MailboxId,
        uids: &[Uid],
        operation: FlagOperation,
        flags: &Flags,
        unchanged_since: Option<u64>,
    ) -> Result<(Option<Change>, Vec<Uid>), StoreError> {
        let mailbox = self
            .mailboxes
            .get_mut(&id)
            .ok_or_else(|| StoreError::NoSuchMailbox(id.to_string()))?;
        let positions: Vec<usize> = uids.iter().filter_map(|u| mailbox.position(*u)).collect();
        let (changed, refused) = mailbox.store_flags(&positions, operation, flags, unchanged_since);
        let change = (!changed.is_empty()).then_some(Change::FlagsChanged {
            mailbox: id,
            uids: changed,
        });
        Ok((change, refused))
    }

    /// Removes messages: those among `uids` (all when `None`) that carry `\Deleted`.
    pub fn expunge(
        &mut self,
        id: MailboxId,
        uids: Option<&[Uid]>,
    ) -> Result<Option<Change>, StoreError> {
        let mailbox = self
            .mailboxes
            .get_mut(&id)
            .ok_or_else(|| StoreError::NoSuchMailbox(id.to_string()))?;
        let deleted = |m: &Message| m.flags.contains(SystemFlag::Deleted);
        let positions: Vec<usize> = match uids {
            None => (0..mailbox.messages.len())
                .filter(|&i| deleted(&mailbox.messages[i]))
                .collect(),
            // Ascending UIDs give ascending positions.
            Some(uids) => sorted_unique(uids)
                .into_iter()
                .filter_map(|u| mailbox.position(u))
                .filter(|&i| deleted(&mailbox.messages[i]))
                .collect(),
        };
        let removed = mailbox.remove(&positions);
        Ok((!removed.is_empty()).then_some(Change::Expunged {
            mailbox: id,
            uids: removed,
        }))
    }

    /// Removes the messages with these UIDs whatever their flags (the second half of MOVE).
    pub fn remove_messages(
        &mut self,
        id: MailboxId,
        uids: &[Uid],
    ) -> Result<Option<Change>, StoreError> {
        let mailbox = self
            .mailboxes
            .get_mut(&id)
            .ok_or_else(|| StoreError::NoSuchMailbox(id.to_string()))?;
        let positions: Vec<usize> = sorted_unique(uids)
            .into_iter()
            .filter_map(|u| mailbox.position(u))
            .collect();
        let removed = mailbox.remove(&positions);
        Ok((!removed.is_empty()).then_some(Change::Expunged {
            mailbox: id,
            uids: removed,
        }))
    }

    /// Copies messages (bytes shared, flags kept, INTERNALDATE kept; RFC 9051 §6.4.7).
    pub fn copy(
        &mut self,
        from: MailboxId,
        uids: &[Uid],
        to: MailboxId,
    ) -> Result<Copied, StoreError> {
        let source = self
            .mailboxes
            .get(&from)
            .ok_or_else(|| StoreError::NoSuchMailbox(from.to_string()))?;
        let picked: Vec<(Uid, MessageBody, Flags, Timestamp)> = sorted_unique(uids)
            .into_iter()
            .filter_map(|u| source.message(u))
            .map(|m| (m.uid, m.body.clone(), m.flags.clone(), m.internal_date))
            .collect();
        let destination = self
            .mailboxes
            .get_mut(&to)
            .ok_or_else(|| StoreError::NoSuchMailbox(to.to_string()))?;
        if destination.noselect {
            return Err(StoreError::NotSelectable(destination.name.clone()));
        }
        let room = u32::MAX - destination.uid_next;
        if picked.len() as u64 > u64::from(room) {
            return Err(StoreError::UidsExhausted(destination.name.clone()));
        }
        let mut pairs = Vec::with_capacity(picked.len());
        for (uid, body, flags, date) in picked {
            let new = destination
                .append(body, flags, date)
                .expect("room checked above");
            pairs.push((uid, new));
        }
        let change = (!pairs.is_empty()).then(|| Change::Appended {
            mailbox: to,
            uids: pairs.iter().map(|p| p.1).collect(),
        });
        Ok(Copied { pairs, change })
    }

    /// Claims `\Recent` messages of a mailbox for a session (see [`Mailbox`]).
    pub(crate) fn claim_recent(&mut self, id: MailboxId) -> Vec<Uid> {
        self.mailboxes
            .get_mut(&id)
            .map(Mailbox::claim_recent)
            .unwrap_or_default()
    }

    /// Removes every user, mailbox and message.
    pub fn clear(&mut self) {
        self.users.clear();
        self.mailboxes.clear();
    }
}

/// `uids` ascending and without duplicates: the one sort the store needs.
fn sorted_unique(uids: &[Uid]) -> Vec<Uid> {
    let mut uids = uids.to_vec();
    uids.sort_unstable();
    uids.dedup();
    uids
}

#[cfg(test)]
mod tests;
