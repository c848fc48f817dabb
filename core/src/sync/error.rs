//! Why a sync failed. Every variant leaves the store as it was before the failing step.

use std::sync::Arc;

use thiserror::Error;

use crate::net::Attempt;
use crate::store::StoreError;

#[derive(Debug, Clone, Error)]
pub enum SyncError {
    /// No route gave a verified head before the deadline; `attempts` say how each failed.
    #[error("no route answered with a verified head ({} attempt(s) failed)", attempts.len())]
    NoRoute { attempts: Vec<Attempt> },
    /// Content from `route` failed `check`; nothing from it reached the store.
    #[error("verification failed on {route}: {check}")]
    Verification { route: String, check: String },
    /// Every route that answered served a head older than the one the reader holds.
    #[error("rollback refused: {route} served head version {served}, the reader holds {stored}")]
    Rollback {
        route: String,
        served: u64,
        stored: u64,
    },
    /// Every route that answered served an expired head; local data is kept.
    #[error("every route serves an expired head (stale since {since})")]
    Stale { since: i64 },
    /// Every route that answered served a head that is stale by the device's clock only:
    /// several independent routes' `Date`s agree on a time (`network`) far behind it. The
    /// heads stay refused (a `Date` is not signed); the reader should set the clock.
    #[error(
        "your device's clock seems wrong: it says {device}, while several routes say {network} (Unix seconds); the heads they serve are current"
    )]
    ClockWrong { device: i64, network: i64 },
    #[error("storage: {0}")]
    Storage(Arc<StoreError>),
    #[error("sync cancelled")]
    Cancelled,
    /// Another sync of the same database runs (in another process, e.g. the app's background
    /// worker beside the app); nothing was done. Sync again once it has finished.
    #[error("sync already running")]
    AlreadyRunning,
    /// The whole-sync deadline passed.
    #[error("sync deadline passed")]
    Deadline,
    /// A bug: the sync task panicked. The store is as the last committed step left it.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        SyncError::Storage(Arc::new(e))
    }
}
