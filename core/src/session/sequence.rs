//! Resolving sequence sets against a session's view.
//!
//! Hazard: message sequence numbers are per session and shift on every EXPUNGE the session
//! has been told of, while UIDs are stable. `*` is the last message (or highest UID) *in
//! the session's view*, and `n:m` means the same as `m:n` (RFC 9051 §9, seq-range). A UID
//! range that matches nothing is not an error; a sequence number beyond the view is.

use imap_codec::imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use crate::session::sort::sort_indices;
use crate::store::Uid;

/// Positions (0-based indices into `view`) selected by `set`, ascending and unique.
///
/// `view` is sorted by UID. Returns `Err` with a BAD text for an out-of-range sequence
/// number.
pub(crate) fn resolve(set: &SequenceSet, uid: bool, view: &[Uid]) -> Result<Vec<usize>, String> {
    let mut ranges: Vec<(usize, usize)> = Vec::new(); // half-open index ranges
    if view.is_empty() {
        if uid {
            return Ok(Vec::new());
        }
        // `*` in an empty mailbox selects nothing; any number is out of range.
        for sequence in set.0.as_ref() {
            let numbers = match sequence {
                Sequence::Single(a) => vec![a],
                Sequence::Range(a, b) => vec![a, b],
            };
            if numbers.iter().any(|n| matches!(n, SeqOrUid::Value(_))) {
                return Err("Invalid message sequence number (mailbox is empty)".to_owned());
            }
        }
        return Ok(Vec::new());
    }
    let last_uid = view[view.len() - 1].get();
    for sequence in set.0.as_ref() {
        let (a, b) = match sequence {
            Sequence::Single(a) => (a, a),
            Sequence::Range(a, b) => (a, b),
        };
        if uid {
            let value = |s: &SeqOrUid| match s {
                SeqOrUid::Value(v) => v.get(),
                SeqOrUid::Asterisk => last_uid,
            };
            let (lo, hi) = ordered(value(a), value(b));
            let start = view.partition_point(|u| u.get() < lo);
            let end = view.partition_point(|u| u.get() <= hi);
            if start < end {
                ranges.push((start, end));
            }
        } else {
            let count = view.len() as u32;
            let value = |s: &SeqOrUid| match s {
                SeqOrUid::Value(v) => v.get(),
                SeqOrUid::Asterisk => count,
            };
            let (lo, hi) = ordered(value(a), value(b));
            if hi > count {
                return Err(format!(
                    "Invalid message sequence number {hi} (mailbox has {count} messages)"
                ));
            }
            ranges.push((lo as usize - 1, hi as usize));
        }
    }
    // The ranges in order, through the index sort SORT and THREAD use: sorting the pairs
    // themselves would add another sort instantiation to the wasm module.
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    sort_indices(&mut order, &|a, b| ranges[a].cmp(&ranges[b]));
    let mut positions = Vec::new();
    let mut next = 0;
    for (start, end) in order.into_iter().map(|i| ranges[i]) {
        for i in start.max(next)..end {
            positions.push(i);
        }
        next = next.max(end);
    }
    Ok(positions)
}

/// Whether a UID set (with `*` as `largest`) names `uid`, without a view: for UIDs that
/// are gone, such as QRESYNC's known UIDs (RFC 7162 §3.2.5).
pub(crate) fn contains_uid(set: &SequenceSet, uid: Uid, largest: u32) -> bool {
    let value = |s: &SeqOrUid| match s {
        SeqOrUid::Value(v) => v.get(),
        SeqOrUid::Asterisk => largest,
    };
    set.0.as_ref().iter().any(|sequence| {
        let (a, b) = match sequence {
            Sequence::Single(a) => (value(a), value(a)),
            Sequence::Range(a, b) => ordered(value(a), value(b)),
        };
        (a..=b).contains(&uid.get())
    })
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Writes UIDs (ascending) as a compact sequence set such as `1:3,7,9:10`.
pub(crate) fn write_compact(out: &mut String, values: impl IntoIterator<Item = u32>) {
    let mut run: Option<(u32, u32)> = None;
    let mut first = true;
    let mut flush = |out: &mut String, (a, b): (u32, u32)| {
        if !first {
            out.push(',');
        }
        first = false;
        if a == b {
            out.push_str(&a.to_string());
        } else {
            out.push_str(&format!("{a}:{b}"));
        }
    };
    for v in values {
        run = match run {
            Some((a, b)) if v == b + 1 => Some((a, v)),
            Some(r) => {
                flush(out, r);
                Some((v, v))
            }
            None => Some((v, v)),
        };
    }
    if let Some(r) = run {
        flush(out, r);
    }
}

/// Writes values in the given order as a sequence set, compressing ascending runs.
pub(crate) fn compact(values: impl IntoIterator<Item = u32>) -> String {
    let mut out = String::new();
    write_compact(&mut out, values);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(uids: &[u32]) -> Vec<Uid> {
        uids.iter().map(|&u| Uid::new(u).unwrap()).collect()
    }

    fn set(s: &str) -> SequenceSet {
        SequenceSet::try_from(s).unwrap()
    }

    #[test]
    fn sequence_numbers() {
        let v = view(&[3, 5, 9, 10]);
        assert_eq!(resolve(&set("1:*"), false, &v).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(resolve(&set("*:3"), false, &v).unwrap(), vec![2, 3]);
        assert_eq!(resolve(&set("2,1,2"), false, &v).unwrap(), vec![0, 1]);
        assert!(resolve(&set("5"), false, &v).is_err());
    }

    #[test]
    fn uids() {
        let v = view(&[3, 5, 9, 10]);
        assert_eq!(resolve(&set("4:9"), true, &v).unwrap(), vec![1, 2]);
        assert_eq!(
            resolve(&set("11:*"), true, &v).unwrap(),
            vec![3],
            "n:* with n > max"
        );
        assert_eq!(resolve(&set("1,2"), true, &v).unwrap(), Vec::<usize>::new());
        assert_eq!(resolve(&set("*"), true, &v).unwrap(), vec![3]);
    }

    #[test]
    fn empty_view() {
        assert!(resolve(&set("1:*"), false, &[]).is_err());
        assert!(resolve(&set("*"), false, &[]).unwrap().is_empty());
        assert!(resolve(&set("1:*"), true, &[]).unwrap().is_empty());
    }

    #[test]
    fn compact_runs() {
        assert_eq!(compact([1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(compact([4]), "4");
        assert_eq!(compact([]), "");
    }
}
