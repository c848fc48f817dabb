//! Choosing what to fetch: the cheapest set of log files, or the snapshot, from the reader's
//! position to the head.

use crate::format::head::{Head, LogFileRef, SnapshotRef, TreeFormat};
use crate::format::log::cover;

/// What one sync fetches after `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan<'a> {
    /// The reader holds everything the head describes.
    UpToDate,
    /// Log files, in order, from the reader's position.
    Logs(Vec<&'a LogFileRef>),
    /// The snapshot (which replaces the reader's articles; reader state is kept), then log
    /// files from the snapshot's position.
    Snapshot {
        snapshot: &'a SnapshotRef,
        /// The head's format, which its snapshot's parts are in.
        format: TreeFormat,
        then: Vec<&'a LogFileRef>,
    },
}

impl Plan<'_> {
    /// Bytes the plan downloads.
    pub fn bytes(&self) -> u64 {
        match self {
            Plan::UpToDate => 0,
            Plan::Logs(files) => files.iter().map(|f| f.len).sum(),
            Plan::Snapshot { snapshot, then, .. } => {
                snapshot.bytes() + then.iter().map(|f| f.len).sum::<u64>()
            }
        }
    }
}

/// The cheapest plan from log position `seq`, or `None` when the head offers no way there
/// (a malformed or hostile head).
pub fn plan(head: &Head, seq: u64) -> Option<Plan<'_>> {
    if seq >= head.log.size {
        // Ahead of the head is a rewritten history, never something to fetch.
        return (seq == head.log.size).then_some(Plan::UpToDate);
    }
    let logs = cover(&head.files, seq, head.log.size).map(Plan::Logs);
    let snapshot = snapshot_plan(head);
    match (logs, snapshot) {
        // A new reader takes the snapshot: its headlines come first.
        (_, Some(s)) if seq == 0 => Some(s),
        (Some(l), Some(s)) => Some(if s.bytes() < l.bytes() { s } else { l }),
        (l, s) => l.or(s),
    }
}

/// The snapshot and the log files after it, if the head names a snapshot the log reaches
/// from: the way back when a log file from the reader's position is missing from every route.
pub fn snapshot_plan(head: &Head) -> Option<Plan<'_>> {
    let snapshot = head.snapshot.as_ref()?;
    let then = cover(&head.files, snapshot.seq, head.log.size)?;
    Some(Plan::Snapshot {
        snapshot,
        format: head.format,
        then,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::head::{LogState, PartKind, PartListRef, PartRef};

    fn file(first: u64, last: u64, len: u64) -> LogFileRef {
        LogFileRef {
            level: 0,
            first,
            last,
            tip_before: String::new(),
            tip_after: String::new(),
            hash: format!("{first}"),
            len,
            raw_len: len,
        }
    }

    fn head(files: Vec<LogFileRef>, snapshot_len: u64) -> Head {
        Head {
            kind: "head".into(),
            format: crate::format::head::TreeFormat::CURRENT,
            publisher: String::new(),
            version: 1,
            issued_at: 0,
            expires_at: 1,
            root_version: 1,
            log: LogState {
                size: 100,
                tip: String::new(),
            },
            files,
            snapshot: Some(SnapshotRef {
                seq: 90,
                tip: String::new(),
                articles: 90,
                comments: 0,
                headlines: PartRef {
                    kind: PartKind::Headlines,
                    hash: String::new(),
                    len: snapshot_len / 2,
                    raw_len: 1,
                    items: 90,
                },
                rest: PartListRef {
                    hash: String::new(),
                    len: 0,
                    parts: 1,
                    bytes: snapshot_len / 2,
                },
            }),
            mirrors: None,
        }
    }

    #[test]
    fn a_new_reader_takes_the_snapshot_and_a_recent_one_the_log() {
        let h = head(vec![file(1, 90, 90_000), file(91, 100, 10_000)], 50_000);
        assert!(matches!(plan(&h, 0), Some(Plan::Snapshot { then, .. }) if then.len() == 1));
        assert_eq!(plan(&h, 90), Some(Plan::Logs(vec![&h.files[1]])));
        assert_eq!(plan(&h, 100), Some(Plan::UpToDate));
    }

    #[test]
    fn a_reader_far_behind_takes_the_cheaper_path() {
        let h = head(vec![file(91, 100, 10_000)], 50_000);
        assert!(
            matches!(plan(&h, 40), Some(Plan::Snapshot { .. })),
            "the log does not reach back"
        );
        let h = head(vec![file(1, 90, 900_000), file(91, 100, 10_000)], 50_000);
        assert!(
            matches!(plan(&h, 40), Some(Plan::Snapshot { .. })),
            "the snapshot is smaller"
        );
        let h = head(vec![file(91, 100, 10_000)], 50_000);
        assert!(
            plan(&h, 120).is_none(),
            "a reader ahead of the head has no plan"
        );
    }
}
