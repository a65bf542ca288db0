//! THREAD and UID THREAD (RFC 5256 §2, §4): ORDEREDSUBJECT and REFERENCES.
//!
//! Hazards: REFERENCES links messages by Message-ID, In-Reply-To and References, and
//! must survive what real mail does: missing and duplicate Message-IDs (each gets a
//! unique stand-in), references that would make a loop (ignored), and referenced
//! messages that are not in the mailbox (kept as empty containers, then pruned, RFC 5256
//! §2.2 step 4). Siblings sort by sent date, falling back to INTERNALDATE; equal dates
//! keep mailbox order.

use std::collections::HashMap;

use imap_codec::imap_types::core::Charset;
use imap_codec::imap_types::extensions::thread::ThreadingAlgorithm;
use imap_codec::imap_types::search::SearchKey;

use crate::session::sort::{sort_indices, KeyedMessage};
use crate::session::{Session, SessionContext, Tagged};

/// The sent date THREAD sorts by (the INTERNALDATE when the Date: field is unusable).
fn date(message: &KeyedMessage) -> i64 {
    message.keys.date.unwrap_or(message.arrival)
}

/// A thread container (RFC 5256 §2.2): maybe a message, maybe only a referenced id.
#[derive(Default)]
struct Node {
    row: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

impl Session {
    pub(crate) fn thread(
        &mut self,
        ctx: &mut SessionContext<'_>,
        algorithm: &ThreadingAlgorithm<'_>,
        charset: &Charset<'_>,
        search: &[SearchKey<'_>],
        uid: bool,
    ) -> Option<Tagged> {
        let references = match algorithm {
            ThreadingAlgorithm::References => true,
            ThreadingAlgorithm::OrderedSubject => false,
            _ => return Tagged::bad("Unsupported threading algorithm"),
        };
        let rows = match self.keyed_matches(ctx, charset, search, uid) {
            Ok(rows) => rows,
            Err(reply) => return reply,
        };
        let threads = if references {
            by_references(&rows)
        } else {
            by_subject(&rows)
        };
        ctx.untagged(format!("THREAD {threads}").trim_end());
        Tagged::ok(if uid {
            "UID THREAD completed"
        } else {
            "THREAD completed"
        })
    }
}

/// ORDEREDSUBJECT (RFC 5256 §2.1): messages with the same base subject form a thread
/// under the earliest; threads sort by their first message's date.
fn by_subject(rows: &[KeyedMessage]) -> String {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    sort_indices(&mut order, &|a, b| {
        rows[a]
            .keys
            .subject
            .cmp(&rows[b].keys.subject)
            .then(date(&rows[a]).cmp(&date(&rows[b])))
            .then(a.cmp(&b))
    });
    let mut nodes: Vec<Node> = (0..rows.len())
        .map(|i| Node {
            row: Some(i),
            ..Node::default()
        })
        .collect();
    let mut roots = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && rows[order[end]].keys.subject == rows[order[start]].keys.subject
        {
            end += 1;
        }
        let root = order[start];
        nodes[root].children = order[start + 1..end].to_vec();
        roots.push(root);
        start = end;
    }
    sort_indices(&mut roots, &|a, b| {
        date(&rows[a]).cmp(&date(&rows[b])).then(a.cmp(&b))
    });
    render_all(&nodes, rows, &roots)
}

/// REFERENCES (RFC 5256 §2.2).
fn by_references(rows: &[KeyedMessage]) -> String {
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut node_for = |id: &str, nodes: &mut Vec<Node>| -> usize {
        *by_id.entry(id.to_owned()).or_insert_with(|| {
            nodes.push(Node::default());
            nodes.len() - 1
        })
    };
    for (i, row) in rows.iter().enumerate() {
        // Step 1A: a missing or duplicate Message-ID gets a unique stand-in.
        let own = row.keys.message_id.clone();
        let n = match own {
            Some(id) => {
                let n = node_for(&id, &mut nodes);
                if nodes[n].row.is_some() {
                    node_for(&format!("<{i}.duplicate@ephemail>"), &mut nodes)
                } else {
                    n
                }
            }
            None => node_for(&format!("<{i}.missing@ephemail>"), &mut nodes),
        };
        nodes[n].row = Some(i);
        // Step 1B: link the references in order, never making a loop.
        let refs: Vec<String> = if row.keys.references.is_empty() {
            row.keys.in_reply_to.iter().cloned().collect()
        } else {
            row.keys.references.clone()
        };
        let ids: Vec<usize> = refs.iter().map(|id| node_for(id, &mut nodes)).collect();
        for pair in ids.windows(2) {
            let (parent, child) = (pair[0], pair[1]);
            if nodes[child].parent.is_none() && !is_ancestor(&nodes, child, parent) {
                link(&mut nodes, parent, child);
            }
        }
        // Step 1C: the last reference is the parent, replacing any other.
        if let Some(&parent) = ids.last() {
            if !is_ancestor(&nodes, n, parent) {
                unlink(&mut nodes, n);
                link(&mut nodes, parent, n);
            }
        } else {
            unlink(&mut nodes, n);
        }
    }
    // Step 2-3: the root set, pruned of empty containers.
    let roots: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].parent.is_none())
        .collect();
    let roots = prune(&mut nodes, roots, true);
    // Step 4: sort by date (step 6 sorts every level again after grouping).
    let mut roots = sort_by_date(&mut nodes, rows, roots);
    // Step 5: gather roots with the same base subject.
    let mut table: HashMap<String, usize> = HashMap::new();
    for &root in &roots {
        let Some(subject) = subject_of(&nodes, rows, root).filter(|s| !s.is_empty()) else {
            continue;
        };
        match table.get(&subject) {
            None => {
                table.insert(subject, root);
            }
            Some(&other) => {
                let prefer = (nodes[root].row.is_none() && nodes[other].row.is_some())
                    || (is_reply(&nodes, rows, other) && !is_reply(&nodes, rows, root));
                if prefer {
                    table.insert(subject, root);
                }
            }
        }
    }
    let mut merged: Vec<usize> = Vec::new();
    for root in roots.drain(..) {
        if nodes[root].parent.is_some() {
            continue; // already placed under a new container for its subject
        }
        let Some(subject) = subject_of(&nodes, rows, root).filter(|s| !s.is_empty()) else {
            merged.push(root);
            continue;
        };
        let keeper = table[&subject];
        if keeper == root {
            merged.push(root);
            continue;
        }
        let (root_dummy, keeper_dummy) = (nodes[root].row.is_none(), nodes[keeper].row.is_none());
        if root_dummy && keeper_dummy {
            let children = std::mem::take(&mut nodes[root].children);
            for child in children {
                nodes[child].parent = Some(keeper);
                nodes[keeper].children.push(child);
            }
        } else if keeper_dummy || (is_reply(&nodes, rows, root) && !is_reply(&nodes, rows, keeper))
        {
            link(&mut nodes, keeper, root);
        } else {
            // A new empty container holds both; it takes the keeper's place.
            nodes.push(Node::default());
            let dummy = nodes.len() - 1;
            let keeper_position = merged.iter().position(|&r| r == keeper);
            link(&mut nodes, dummy, keeper);
            link(&mut nodes, dummy, root);
            table.insert(subject, dummy);
            match keeper_position {
                Some(position) => merged[position] = dummy,
                None => merged.push(dummy),
            }
        }
    }
    // Step 6: every level by date.
    let roots = sort_by_date(&mut nodes, rows, merged);
    render_all(&nodes, rows, &roots)
}

fn link(nodes: &mut [Node], parent: usize, child: usize) {
    nodes[child].parent = Some(parent);
    nodes[parent].children.push(child);
}

fn unlink(nodes: &mut [Node], child: usize) {
    if let Some(parent) = nodes[child].parent.take() {
        nodes[parent].children.retain(|&c| c != child);
    }
}

/// Whether `ancestor` is `node` or above it.
fn is_ancestor(nodes: &[Node], ancestor: usize, node: usize) -> bool {
    let mut current = Some(node);
    let mut steps = 0;
    while let Some(n) = current {
        if n == ancestor {
            return true;
        }
        current = nodes[n].parent;
        steps += 1;
        if steps > nodes.len() {
            return true; // a loop already: refuse to add to it
        }
    }
    false
}

/// Step 4 of §2.2: drop empty leaf containers; promote the children of other empty
/// containers, except at the root where only a single child is promoted.
fn prune(nodes: &mut Vec<Node>, ids: Vec<usize>, at_root: bool) -> Vec<usize> {
    let mut kept = Vec::new();
    for id in ids {
        let children = std::mem::take(&mut nodes[id].children);
        let children = prune(nodes, children, false);
        if nodes[id].row.is_some() {
            nodes[id].children = children;
            kept.push(id);
        } else if children.is_empty() {
            continue;
        } else if !at_root || children.len() == 1 {
            let parent = nodes[id].parent;
            for child in children {
                nodes[child].parent = parent;
                kept.push(child);
            }
        } else {
            nodes[id].children = children;
            kept.push(id);
        }
    }
    kept
}

/// Sorts `ids` and all levels below by date (an empty container by its first child).
fn sort_by_date(nodes: &mut Vec<Node>, rows: &[KeyedMessage], ids: Vec<usize>) -> Vec<usize> {
    for &id in &ids {
        let children = std::mem::take(&mut nodes[id].children);
        nodes[id].children = sort_by_date(nodes, rows, children);
    }
    let mut ids = ids;
    sort_indices(&mut ids, &|a, b| {
        date_of(nodes, rows, a).cmp(&date_of(nodes, rows, b))
    });
    ids
}

fn date_of(nodes: &[Node], rows: &[KeyedMessage], id: usize) -> (i64, usize) {
    match nodes[id].row {
        Some(row) => (date(&rows[row]), row),
        None => nodes[id]
            .children
            .first()
            .map_or((i64::MAX, usize::MAX), |&child| date_of(nodes, rows, child)),
    }
}

fn subject_of(nodes: &[Node], rows: &[KeyedMessage], id: usize) -> Option<String> {
    match nodes[id].row {
        Some(row) => Some(rows[row].keys.subject.clone()),
        None => nodes[id]
            .children
            .first()
            .and_then(|&c| subject_of(nodes, rows, c)),
    }
}

fn is_reply(nodes: &[Node], rows: &[KeyedMessage], id: usize) -> bool {
    nodes[id].row.is_some_and(|row| rows[row].keys.is_reply)
}

/// `(a b (c)(d e))` for each root, per RFC 5256 §4's thread-list grammar.
fn render_all(nodes: &[Node], rows: &[KeyedMessage], roots: &[usize]) -> String {
    let mut out = String::new();
    for &root in roots {
        out.push('(');
        render(nodes, rows, root, &mut out);
        out.push(')');
    }
    out
}

fn render(nodes: &[Node], rows: &[KeyedMessage], id: usize, out: &mut String) {
    let mut current = id;
    let mut first = true;
    loop {
        if let Some(row) = nodes[current].row {
            if !first {
                out.push(' ');
            }
            out.push_str(&rows[row].number.to_string());
            first = false;
        }
        match nodes[current].children.as_slice() {
            [only] if nodes[current].row.is_some() => current = *only,
            [] => return,
            children => {
                if !first {
                    out.push(' ');
                }
                for &child in children {
                    out.push('(');
                    render(nodes, rows, child, out);
                    out.push(')');
                }
                return;
            }
        }
    }
}
