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
    /// The verified head names `path`, and no route holds it (a partial copy, a torn mirror);
    /// what was applied before it stays, and `attempts` say how each route failed.
    #[error("no route holds {path}, which the head names: the copy is incomplete ({} attempt(s) failed)", attempts.len())]
    Missing {
        path: String,
        attempts: Vec<Attempt>,
    },
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
    /// Every route that answered served a head that is stale by the device's clock only: the
    /// `Date` of `routes` route(s) says `network` (Unix seconds), far behind the device's
    /// `device`. The heads stay refused (one route's `Date` is not trusted to judge expiry);
    /// the reader should set the clock.
    #[error(
        "your device's clock seems wrong: it says {}, while {} {}; set the date and time",
        utc(.device), routes_say(.routes), utc(.network)
    )]
    ClockWrong {
        device: i64,
        network: i64,
        routes: usize,
    },
    /// The publisher's signed head is in tree format `found`, newer than this reader's
    /// `known`: the app must be updated to sync (stored articles stay readable).
    #[error(
        "the news site publishes in format {found}, newer than this app reads ({known}): update the app"
    )]
    UpdateNeeded { found: u64, known: u32 },
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

/// A Unix time as people read it.
fn utc(t: &i64) -> String {
    chrono::DateTime::from_timestamp(*t, 0).map_or_else(
        || t.to_string(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn routes_say(routes: &usize) -> String {
    match routes {
        1 => "the route says".into(),
        n => format!("{n} routes say"),
    }
}
