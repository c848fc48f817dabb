//! The one error type of the FFI: every core error is mapped here, once.

use article_sync_core::format::FormatError;
use article_sync_core::reader::ReaderError;
use article_sync_core::share::ShareError;
use article_sync_core::store::StoreError;
use article_sync_core::sync::SyncError;
use article_sync_core::text::date::DateError;

/// Why a call into the article-sync core failed.
///
/// Kotlin: `ArticleSyncException` subclasses; Swift: `ArticleSyncError` cases; Python:
/// `ArticleSyncError.*` exceptions. Each carries a message in English for logs; apps choose the
/// text they show from the variant.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ArticleSyncError {
    /// Data from outside (a key, a signed file, a mirror's content) failed to parse or verify.
    #[error("invalid {what}: {reason}")]
    Invalid { what: String, reason: String },
    /// An argument from the app is malformed or out of range (a locale, a URL, a time).
    #[error("bad argument `{name}`: {reason}")]
    BadArgument { name: String, reason: String },
    /// A comment field breaks the rules (author 1–64 characters on one line, text 1–4,000
    /// characters, plain text); the message names the field (`author` or `text`).
    #[error("invalid comment: {reason}")]
    InvalidComment { reason: String },
    /// The article or image asked for is not in the store.
    #[error("not found: {what}")]
    NotFound { what: String },
    /// No route (main site or mirror) gave verified content; the message lists how each
    /// failed. `Reader.connectionState()` names the banner state.
    #[error("no route: {reason}")]
    NoRoute { reason: String },
    /// A route served content that failed verification; nothing of it was stored.
    #[error("verification failed: {reason}")]
    Verification { reason: String },
    /// Every route that answered served an older tree than the reader holds (a frozen or
    /// hostile mirror); nothing was stored.
    #[error("rollback refused: {reason}")]
    Rollback { reason: String },
    /// Every route that answered served an expired tree; stored articles stay readable.
    #[error("stale tree: {reason}")]
    Stale { reason: String },
    /// The device's clock seems wrong (several routes' `Date`s agree on another time, by
    /// which their trees are current): ask the reader to set the date and time.
    #[error("clock wrong: {reason}")]
    ClockWrong { reason: String },
    /// The news site publishes in a format newer than this app reads: ask the reader to update
    /// the app (stored articles stay readable).
    #[error("update needed: {reason}")]
    UpdateNeeded { reason: String },
    /// The whole sync took longer than `ReaderConfig.syncDeadlineMs`; what was applied stays.
    #[error("timed out: {reason}")]
    Timeout { reason: String },
    /// The local database failed (disk full, corrupt file, I/O). `Reader.wipe()` rebuilds.
    #[error("storage: {reason}")]
    Storage { reason: String },
    /// The sync was cancelled (`cancelSync()` or the caller's cancellation); what was applied
    /// stays and the next sync resumes.
    #[error("cancelled")]
    Cancelled,
    /// Another sync of the same database runs (another process: a background worker or an
    /// extension beside the app); nothing was done. Sync again once it has finished.
    #[error("sync already running")]
    SyncAlreadyRunning,
    /// The reader was wiped; open a new one.
    #[error("the reader is closed (wiped)")]
    Closed,
    /// A fault inside the core (a bug): it failed safely; report it with the message.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}

impl ArticleSyncError {
    pub(crate) fn bad_argument(name: &str, reason: impl ToString) -> Self {
        ArticleSyncError::BadArgument {
            name: name.to_owned(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn internal(reason: impl ToString) -> Self {
        ArticleSyncError::Internal {
            reason: reason.to_string(),
        }
    }
}

impl From<FormatError> for ArticleSyncError {
    fn from(e: FormatError) -> Self {
        let what = match &e {
            FormatError::TooLarge { what, .. }
            | FormatError::WrongLength { what, .. }
            | FormatError::HashMismatch { what }
            | FormatError::Malformed { what, .. }
            | FormatError::TooDeep { what, .. }
            | FormatError::BadSignature { what, .. }
            | FormatError::WrongKind { what, .. }
            | FormatError::SequenceGap { what, .. }
            | FormatError::ChainMismatch { what, .. }
            | FormatError::Decompress { what, .. } => what.clone(),
            FormatError::BadPath(_) => "path".to_owned(),
            FormatError::RootRotation { .. } => "root".to_owned(),
            FormatError::NewerFormat { .. } => "head".to_owned(),
        };
        ArticleSyncError::Invalid {
            what,
            reason: e.to_string(),
        }
    }
}

impl From<DateError> for ArticleSyncError {
    fn from(e: DateError) -> Self {
        match e {
            DateError::BadLocale(_) => ArticleSyncError::bad_argument("locale", e),
            DateError::OutOfRange(_) => ArticleSyncError::bad_argument("unix_seconds", e),
            DateError::Data { .. } => ArticleSyncError::internal(e),
        }
    }
}

impl From<StoreError> for ArticleSyncError {
    fn from(e: StoreError) -> Self {
        match e {
            // A query or a value the store wrote itself: a bug, not the disk.
            StoreError::Sqlite(_) | StoreError::OutOfOrder { .. } | StoreError::Snapshot { .. } => {
                ArticleSyncError::internal(e)
            }
            _ => ArticleSyncError::Storage {
                reason: e.to_string(),
            },
        }
    }
}

impl From<SyncError> for ArticleSyncError {
    fn from(e: SyncError) -> Self {
        let reason = e.to_string();
        match e {
            SyncError::NoRoute { attempts } | SyncError::Missing { attempts, .. } => {
                let failures: Vec<String> = attempts
                    .iter()
                    .filter(|a| !a.remembered)
                    .filter_map(|a| {
                        a.failure_kind()
                            .map(|kind| format!("{} {}", a.url, kind.as_str()))
                    })
                    .collect();
                ArticleSyncError::NoRoute {
                    reason: if failures.is_empty() {
                        reason
                    } else {
                        format!("{reason}: {}", failures.join(", "))
                    },
                }
            }
            SyncError::Verification { .. } => ArticleSyncError::Verification { reason },
            SyncError::Rollback { .. } => ArticleSyncError::Rollback { reason },
            SyncError::Stale { .. } => ArticleSyncError::Stale { reason },
            SyncError::ClockWrong { .. } => ArticleSyncError::ClockWrong { reason },
            SyncError::UpdateNeeded { .. } => ArticleSyncError::UpdateNeeded { reason },
            SyncError::Storage(_) => ArticleSyncError::Storage { reason },
            SyncError::Cancelled => ArticleSyncError::Cancelled,
            SyncError::AlreadyRunning => ArticleSyncError::SyncAlreadyRunning,
            SyncError::Deadline => ArticleSyncError::Timeout { reason },
            SyncError::Internal(_) => ArticleSyncError::Internal { reason },
        }
    }
}

impl From<ReaderError> for ArticleSyncError {
    fn from(e: ReaderError) -> Self {
        match e {
            ReaderError::Config {
                field: "publisher_keys",
                ..
            } => ArticleSyncError::Invalid {
                what: "publisher key".to_owned(),
                reason: e.to_string(),
            },
            ReaderError::Config { field, reason } => ArticleSyncError::BadArgument {
                name: field.to_owned(),
                reason,
            },
            ReaderError::BadArgument { name, reason } => ArticleSyncError::BadArgument {
                name: name.to_owned(),
                reason,
            },
            ReaderError::InvalidComment(c) => ArticleSyncError::InvalidComment {
                reason: c.to_string(),
            },
            ReaderError::NotFound { what } => ArticleSyncError::NotFound { what },
            ReaderError::Store(e) => e.into(),
            ReaderError::Sync(e) => e.into(),
            ReaderError::Share(ShareError::NothingToShare) => ArticleSyncError::NotFound {
                what: "a synced copy to share".to_owned(),
            },
            ReaderError::Share(ShareError::Store(e)) => e.into(),
            ReaderError::Share(e) => ArticleSyncError::BadArgument {
                name: "path".to_owned(),
                reason: e.to_string(),
            },
            // Never reached through the FFI: its readers are opened with routes.
            ReaderError::NoDatabase { .. } | ReaderError::Offline => ArticleSyncError::internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use article_sync_core::net::{Attempt, FailureKind, Outcome, RouteSource};

    #[test]
    fn no_route_names_each_failed_route() {
        let attempt = |url: &str, kind, remembered| Attempt {
            url: url.to_owned(),
            source: RouteSource::Main,
            path: "head".to_owned(),
            at: 0,
            outcome: Outcome::Failed {
                kind,
                detail: String::new(),
            },
            remembered,
        };
        let e: ArticleSyncError = SyncError::NoRoute {
            attempts: vec![
                attempt("https://main.example/", FailureKind::Reset, false),
                attempt("https://old.example/", FailureKind::Dns, true),
            ],
        }
        .into();
        match e {
            ArticleSyncError::NoRoute { reason } => {
                assert!(reason.contains("https://main.example/ reset"), "{reason}");
                assert!(!reason.contains("old.example"), "{reason}");
            }
            other => panic!("gave {other:?}"),
        }
    }

    #[test]
    fn store_faults_are_storage_and_bugs_are_internal() {
        assert!(matches!(
            StoreError::DiskFull.into(),
            ArticleSyncError::Storage { .. }
        ));
        let bug: ArticleSyncError = StoreError::OutOfOrder {
            expected: 1,
            found: 3,
        }
        .into();
        assert!(matches!(bug, ArticleSyncError::Internal { .. }));
        assert!(matches!(
            SyncError::Cancelled.into(),
            ArticleSyncError::Cancelled
        ));
    }
}
