//! Progress events: often enough for a progress bar, rarely enough not to slow the sync.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The phase a sync is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Idle,
    /// Racing routes for `head`.
    Connecting,
    /// The snapshot's headlines (the list appears after this).
    Headlines,
    /// Snapshot parts with bodies and comments.
    Snapshot,
    /// Log files.
    Log,
    /// Rebuilding the search index after a snapshot (every article is readable already).
    Indexing,
    /// Lead images.
    Media,
    Done,
}

/// One progress event. Totals are known once `head` is verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub bytes: u64,
    pub bytes_total: Option<u64>,
    pub items: u64,
    pub items_total: Option<u64>,
}

/// Publishes progress to a watch channel, at most every [`Reporter::INTERVAL`] within a phase.
pub struct Reporter {
    tx: watch::Sender<Progress>,
    last: Mutex<Instant>,
}

impl Reporter {
    pub const INTERVAL: Duration = Duration::from_millis(100);

    pub fn new(tx: watch::Sender<Progress>) -> Self {
        Reporter {
            tx,
            last: Mutex::new(Instant::now() - Self::INTERVAL),
        }
    }

    /// Changes the progress with `f`; listeners hear of it on a phase change or once the
    /// interval has passed.
    pub fn update(&self, f: impl FnOnce(&mut Progress)) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let due = now.duration_since(*last) >= Self::INTERVAL;
        self.tx.send_if_modified(|p| {
            let phase = p.phase;
            f(p);
            let notify = due || p.phase != phase;
            if notify {
                *last = now;
            }
            notify
        });
    }

    /// Starts a phase with its totals, resetting the counters.
    pub fn phase(&self, phase: Phase, bytes_total: Option<u64>, items_total: Option<u64>) {
        tracing::info!(?phase, bytes_total, items_total, "sync phase");
        self.update(|p| {
            *p = Progress {
                phase,
                bytes: 0,
                bytes_total,
                items: 0,
                items_total,
            }
        });
    }
}
