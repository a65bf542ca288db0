//! A session's view of its selected mailbox, and the untagged updates that keep it true.
//!
//! Hazard: the client numbers messages 1..n by its own view, which may lag the store. An
//! EXPUNGE renumbers every later message, so the view only drops a message when the
//! session has sent `* n EXPUNGE` for it, and that may happen only where RFC 9051 §7.5.1
//! allows: not while answering FETCH, STORE or SEARCH (their UID forms are allowed). Until
//! then a message expunged elsewhere keeps its number, and commands naming it skip it.
//! New messages are announced with EXISTS at any command's end or at once during IDLE.
//!
//! Detecting changes costs O(log n) per command: new messages are those above the view's
//! last UID, and expunges exist exactly when the view and store disagree in count.

use crate::session::{untagged, untagged_fmt, Session, SessionContext, State};
use crate::store::{Change, Mailbox, MailboxId, Uid};
use crate::wire;

/// The selected mailbox as this session knows it.
#[derive(Debug)]
pub(crate) struct Selection {
    pub mailbox: MailboxId,
    pub read_only: bool,
    /// UIDs in sequence-number order (ascending UIDs).
    uids: Vec<Uid>,
    /// Messages that are `\Recent` for this session (IMAP4rev1 only).
    pub recent: UidSet,
    /// Messages whose flags another session changed, not yet reported.
    pending_flags: UidSet,
    /// Another session deleted the mailbox.
    deleted: bool,
    /// The result saved by `SEARCH RETURN (SAVE)` (RFC 5182), as UIDs so that EXPUNGE
    /// cannot make it point at other messages.
    pub saved_search: Vec<Uid>,
    /// QRESYNC is on: expunges are reported as `VANISHED` (RFC 7162 §3.2.10).
    pub vanished: bool,
}

impl Selection {
    pub(crate) fn new(mailbox: &Mailbox, read_only: bool, recent: Vec<Uid>) -> Self {
        Selection {
            mailbox: mailbox.id(),
            read_only,
            uids: mailbox.messages().iter().map(|m| m.uid()).collect(),
            recent: UidSet::from(recent),
            pending_flags: UidSet::default(),
            deleted: false,
            saved_search: Vec::new(),
            vanished: false,
        }
    }

    pub(crate) fn uids(&self) -> &[Uid] {
        &self.uids
    }

    /// The sequence number of a UID in this view.
    pub(crate) fn msn(&self, uid: Uid) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// The saved search result as a UID set for `$`, without vanished messages.
    pub(crate) fn saved_uid_set(&self) -> String {
        crate::session::sequence::compact(
            self.saved_search
                .iter()
                .filter(|u| self.msn(**u).is_some())
                .map(|u| u.get()),
        )
    }

    /// The saved search result as sequence numbers of this view.
    pub(crate) fn saved_number_set(&self) -> String {
        crate::session::sequence::compact(self.saved_search.iter().filter_map(|u| self.msn(*u)))
    }

    pub(crate) fn is_recent(&self, uid: Uid) -> bool {
        self.recent.contains(uid)
    }

    /// Removes messages from the view after the session reported their EXPUNGE.
    pub(crate) fn forget(&mut self, uids: &[Uid]) {
        self.uids.retain(|u| uids.binary_search(u).is_err());
        self.recent.remove_all(uids);
        self.pending_flags.remove_all(uids);
    }

    pub(crate) fn note(&mut self, change: &Change, own: bool) {
        match change {
            Change::FlagsChanged { uids, .. } if !own => {
                self.pending_flags.insert_all(uids);
            }
            Change::MailboxDeleted { .. } if !own => self.deleted = true,
            _ => {}
        }
    }
}

/// A set of UIDs kept as a sorted vector, with just what [`Selection`] needs. It stands in
/// for a `BTreeSet<Uid>`, whose instantiation (with the sort its `collect` uses) cost the
/// wasm module about 10 KB.
#[derive(Debug, Default)]
pub(crate) struct UidSet(Vec<Uid>);

impl UidSet {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, uid: Uid) -> bool {
        self.0.binary_search(&uid).is_ok()
    }

    /// Adds `uids` (in any order; usually ascending, which only appends).
    fn insert_all(&mut self, uids: &[Uid]) {
        for &uid in uids {
            if let Err(at) = self.0.binary_search(&uid) {
                self.0.insert(at, uid);
            }
        }
    }

    /// Removes `uids`, which must be ascending.
    fn remove_all(&mut self, uids: &[Uid]) {
        self.0.retain(|u| uids.binary_search(u).is_err());
    }
}

impl From<Vec<Uid>> for UidSet {
    fn from(uids: Vec<Uid>) -> Self {
        let mut set = UidSet::default();
        set.insert_all(&uids);
        set
    }
}

/// Tells the client that messages are gone and drops them from the view: `* n EXPUNGE`
/// for each, highest number first so every number is right when sent, or one
/// `* VANISHED uid-set` once QRESYNC is on (RFC 7162 §3.2.10). `uids` is ascending.
pub(crate) fn report_gone(out: &mut Vec<u8>, selection: &mut Selection, uids: &[Uid]) {
    let known: Vec<Uid> = uids
        .iter()
        .copied()
        .filter(|u| selection.msn(*u).is_some())
        .collect();
    if known.is_empty() {
        return;
    }
    if selection.vanished {
        let set = crate::session::sequence::compact(known.iter().map(|u| u.get()));
        untagged_fmt!(out, "VANISHED {set}");
    } else {
        for uid in known.iter().rev() {
            if let Some(msn) = selection.msn(*uid) {
                untagged_fmt!(out, "{msn} EXPUNGE");
            }
        }
    }
    selection.forget(&known);
}

impl Session {
    /// Sends what changed in the selected mailbox since the session last reported it.
    pub(crate) fn push_updates(&mut self, ctx: &mut SessionContext<'_>, expunge_allowed: bool) {
        let rev2 = self.rev2;
        let condstore = self.condstore;
        let State::Selected { selection, .. } = &mut self.state else {
            return;
        };
        let Some(mailbox) = ctx
            .store
            .mailbox(selection.mailbox)
            .filter(|_| !selection.deleted)
        else {
            untagged(&mut ctx.out, "BYE The selected mailbox was deleted");
            ctx.close = true;
            self.state = State::Logout;
            return;
        };
        let last_known = selection.uids.last().map_or(0, |u| u.get());
        let first_new = mailbox
            .messages()
            .partition_point(|m| m.uid().get() <= last_known);
        let new_count = mailbox.len() - first_new;
        let stale = selection.uids.len() + new_count != mailbox.len();
        if stale && expunge_allowed {
            // Merge-walk: which UIDs of the view are gone from the store?
            let store_uids = &mailbox.messages()[..first_new];
            let mut gone = Vec::new();
            let mut j = 0;
            for &uid in &selection.uids {
                while j < store_uids.len() && store_uids[j].uid() < uid {
                    j += 1;
                }
                if j >= store_uids.len() || store_uids[j].uid() != uid {
                    gone.push(uid);
                }
            }
            report_gone(&mut ctx.out, selection, &gone);
        }
        if new_count > 0 {
            let new: Vec<Uid> = mailbox.messages()[first_new..]
                .iter()
                .map(|m| m.uid())
                .collect();
            selection.uids.extend_from_slice(&new);
            untagged_fmt!(&mut ctx.out, "{} EXISTS", selection.uids.len());
            if !rev2 {
                if !selection.read_only {
                    let claimed = ctx.store.claim_recent(selection.mailbox);
                    selection.recent.insert_all(&claimed);
                }
                untagged_fmt!(&mut ctx.out, "{} RECENT", selection.recent.len());
            }
        }
        if !selection.pending_flags.is_empty() {
            let Some(mailbox) = ctx.store.mailbox(selection.mailbox) else {
                return;
            };
            let pending = std::mem::take(&mut selection.pending_flags);
            for uid in pending.0 {
                let (Some(msn), Some(message)) = (selection.msn(uid), mailbox.message(uid)) else {
                    continue;
                };
                let mut line = format!("* {msn} FETCH (UID {uid} FLAGS ").into_bytes();
                wire::flag_list(
                    &mut line,
                    message.flags(),
                    !rev2 && selection.is_recent(uid),
                );
                if condstore {
                    // RFC 7162 §3.2: MODSEQ in every unsolicited FETCH once enabled.
                    line.extend_from_slice(format!(" MODSEQ ({})", message.modseq()).as_bytes());
                }
                line.extend_from_slice(b")\r\n");
                ctx.out.extend_from_slice(&line);
            }
        }
    }

    /// During IDLE, reports changes at once (RFC 2177); otherwise does nothing.
    pub(crate) fn push_idle_updates(&mut self, ctx: &mut SessionContext<'_>) {
        if matches!(self.mode, crate::session::Mode::Idle { .. }) {
            self.push_updates(ctx, true);
        }
    }
}
