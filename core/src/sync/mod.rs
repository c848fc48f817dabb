//! The sync engine: incremental, verified, resumable.
//!
//! One sync fetches and verifies `head` (signature by the trusted root, following rotations;
//! version never going down; expiry), picks the cheapest log files or the snapshot from the
//! stored position ([`plan`]), fetches them in parallel from any route that holds them, checks
//! lengths, hashes, sequence numbers and the hash chain, sanitises bodies, and applies them in
//! SQLite transactions each together with its new position; then it updates the routes from
//! the signed mirror list and fetches lead images within the storage budget. Killed at any
//! point, the store is before or after a transaction, and the next sync resumes.

mod engine;
mod error;
pub mod plan;
pub mod progress;

pub use engine::{Clock, MAX_SYNC_BYTES, SyncConfig, Syncer};
pub use error::SyncError;
pub use progress::{Phase, Progress};

use crate::store::ApplyStats;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The route whose head won (its base URL).
    pub route: String,
    /// The head version the reader now holds.
    pub head_version: u64,
    /// Whether anything new was applied.
    pub changed: bool,
    /// Whether the snapshot was used (a new reader, or one far behind).
    pub used_snapshot: bool,
    /// Requests made (head race attempts included) and bytes received.
    pub requests: u64,
    pub bytes: u64,
    /// Requests made when the snapshot's headlines were stored, so the list could show
    /// (snapshot syncs only).
    pub requests_to_headlines: Option<u64>,
    pub applied: ApplyStats,
    pub media_fetched: u64,
    /// Comments of the outbox delivered in this sync (see [`crate::comments::delivery`]).
    pub comments_sent: u64,
    /// How far the device's clock seems off, in seconds (positive: ahead), when off by more
    /// than an hour: by the time at least two routes' `Date`s agreed on (this sync then judged
    /// expiry by that time), or by a signed head issued after the device's "now".
    pub clock_off_by: Option<i64>,
    /// When the head taken is an expired copy passed on during a shutdown (see the engine's
    /// `copy_in_shutdown`): the time it was issued, for "copy of DATE, not live".
    pub copy_of: Option<i64>,
}
