//! Request and byte counters, per kind of tree path, for tests, the bench and the demo.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use article_sync_core::format::layout::TreePath;
use serde::{Deserialize, Serialize};

use super::Fault;

/// The kinds of path counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathKind {
    Head,
    ArchivedHead,
    Root,
    Log,
    Snapshot,
    Mirrors,
    Media,
    /// Anything that is not a tree path.
    Other,
}

impl PathKind {
    pub const ALL: [PathKind; 8] = [
        PathKind::Head,
        PathKind::ArchivedHead,
        PathKind::Root,
        PathKind::Log,
        PathKind::Snapshot,
        PathKind::Mirrors,
        PathKind::Media,
        PathKind::Other,
    ];

    /// The key in [`Stats::paths`].
    pub fn name(self) -> &'static str {
        match self {
            PathKind::Head => "head",
            PathKind::ArchivedHead => "archived_head",
            PathKind::Root => "root",
            PathKind::Log => "log",
            PathKind::Snapshot => "snapshot",
            PathKind::Mirrors => "mirrors",
            PathKind::Media => "media",
            PathKind::Other => "other",
        }
    }

    pub fn of(path: &TreePath) -> PathKind {
        match path {
            TreePath::Head => PathKind::Head,
            TreePath::ArchivedHead(_) => PathKind::ArchivedHead,
            TreePath::Root(_) => PathKind::Root,
            TreePath::Log(_) => PathKind::Log,
            TreePath::Snapshot(_) | TreePath::PartList(_) => PathKind::Snapshot,
            TreePath::Mirrors(_) => PathKind::Mirrors,
            TreePath::Media { .. } => PathKind::Media,
            TreePath::OutboxIndex | TreePath::Envelope(_) => PathKind::Other,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counters for one kind of path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStats {
    /// Requests answered (any status, any method).
    pub requests: u64,
    /// Response body bytes handed to the connection (headers not counted).
    pub bytes_sent: u64,
    /// 304 Not Modified answers.
    pub not_modified: u64,
    /// 206 Partial Content answers.
    pub partial: u64,
    /// 404 answers (missing files, refused paths, torn files).
    pub not_found: u64,
}

impl PathStats {
    fn add(&mut self, other: &PathStats) {
        self.requests += other.requests;
        self.bytes_sent += other.bytes_sent;
        self.not_modified += other.not_modified;
        self.partial += other.partial;
        self.not_found += other.not_found;
    }
}

/// A snapshot of a server's counters (also the JSON of `GET /.admin/stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// The fault in force when the counters were read.
    pub fault: Fault,
    /// TCP connections accepted on the tree's address.
    pub connections: u64,
    /// Connections reset by the `reset` fault.
    pub resets: u64,
    /// Connections held without an answer by the `blackhole` fault.
    pub blackholed: u64,
    /// TLS handshakes that failed (e.g. a client refusing the `bad-cert` certificate).
    pub tls_failures: u64,
    /// Counters by [`PathKind::name`]; every kind is present.
    pub paths: BTreeMap<String, PathStats>,
}

impl Stats {
    pub fn path(&self, kind: PathKind) -> PathStats {
        self.paths.get(kind.name()).copied().unwrap_or_default()
    }

    /// The sum over all kinds of path.
    pub fn total(&self) -> PathStats {
        let mut sum = PathStats::default();
        for s in self.paths.values() {
            sum.add(s);
        }
        sum
    }
}

#[derive(Default)]
pub(crate) struct PathCounters {
    requests: AtomicU64,
    bytes_sent: AtomicU64,
    not_modified: AtomicU64,
    partial: AtomicU64,
    not_found: AtomicU64,
}

impl PathCounters {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }
    pub(crate) fn sent(&self, bytes: usize) {
        self.bytes_sent.fetch_add(bytes as u64, Relaxed);
    }
    pub(crate) fn not_modified(&self) {
        self.not_modified.fetch_add(1, Relaxed);
    }
    pub(crate) fn partial(&self) {
        self.partial.fetch_add(1, Relaxed);
    }
    pub(crate) fn not_found(&self) {
        self.not_found.fetch_add(1, Relaxed);
    }

    fn read(&self) -> PathStats {
        PathStats {
            requests: self.requests.load(Relaxed),
            bytes_sent: self.bytes_sent.load(Relaxed),
            not_modified: self.not_modified.load(Relaxed),
            partial: self.partial.load(Relaxed),
            not_found: self.not_found.load(Relaxed),
        }
    }

    fn reset(&self) {
        for c in [
            &self.requests,
            &self.bytes_sent,
            &self.not_modified,
            &self.partial,
            &self.not_found,
        ] {
            c.store(0, Relaxed);
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) connections: AtomicU64,
    pub(crate) resets: AtomicU64,
    pub(crate) blackholed: AtomicU64,
    pub(crate) tls_failures: AtomicU64,
    paths: [PathCounters; PathKind::ALL.len()],
}

impl Counters {
    pub(crate) fn path(&self, kind: PathKind) -> &PathCounters {
        &self.paths[kind.index()]
    }

    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn read(&self, fault: Fault) -> Stats {
        Stats {
            fault,
            connections: self.connections.load(Relaxed),
            resets: self.resets.load(Relaxed),
            blackholed: self.blackholed.load(Relaxed),
            tls_failures: self.tls_failures.load(Relaxed),
            paths: PathKind::ALL
                .iter()
                .map(|k| (k.name().to_string(), self.path(*k).read()))
                .collect(),
        }
    }

    pub(crate) fn reset(&self) {
        for c in [
            &self.connections,
            &self.resets,
            &self.blackholed,
            &self.tls_failures,
        ] {
            c.store(0, Relaxed);
        }
        self.paths.iter().for_each(PathCounters::reset);
    }
}
