//! The store's typed errors, mapped once from SQLite result codes.

use rusqlite::ErrorCode;

/// Why a store operation failed. Every variant leaves the database as it was before the call:
/// writes run in one transaction that is rolled back on error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database or fails its integrity check. The app decides whether
    /// to [`wipe`](super::Store::wipe) and rebuild; the store never does so by itself.
    #[error("the store is corrupt: {detail}")]
    Corrupt { detail: String },
    /// The disk (or the configured page limit) is full; the write was rolled back.
    #[error("the disk is full; the write was rolled back")]
    DiskFull,
    /// The database was written by a newer app version. It is left untouched.
    #[error("the store has schema version {found}, this build supports up to {supported}")]
    SchemaTooNew { found: u32, supported: u32 },
    /// Another connection (another process) held a lock for longer than the busy timeout.
    #[error("the store is busy")]
    Busy,
    /// The operating system failed a read, write or open.
    #[error("store I/O failed: {detail}")]
    Io { detail: String },
    /// Log entries do not continue the stored log position; nothing was applied.
    #[error("log entries start at {found}, the store expects {expected}")]
    OutOfOrder { expected: u64, found: u64 },
    /// A snapshot step does not continue the snapshot in progress; nothing was applied.
    #[error("snapshot step refused: {reason}")]
    Snapshot { reason: String },
    /// A root or head version lower than the stored one: versions only grow.
    #[error("{what} version {offered} is older than the stored {stored}")]
    Rollback {
        what: &'static str,
        stored: u64,
        offered: u64,
    },
    /// Media bytes do not hash to the name they were stored under.
    #[error("media bytes do not match hash {hash}")]
    MediaHashMismatch { hash: String },
    /// A value read back from the store or passed in could not be (de)serialised.
    #[error("invalid {what}: {detail}")]
    Invalid { what: String, detail: String },
    /// Any other SQLite error (a bug in a query, most likely).
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => f.code,
            _ => return StoreError::Sqlite(e),
        };
        match code {
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt {
                detail: e.to_string(),
            },
            ErrorCode::DiskFull => StoreError::DiskFull,
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Busy,
            ErrorCode::SystemIoFailure | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
                StoreError::Io {
                    detail: e.to_string(),
                }
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io {
            detail: e.to_string(),
        }
    }
}

impl StoreError {
    pub(crate) fn invalid(what: impl Into<String>, detail: impl ToString) -> Self {
        StoreError::Invalid {
            what: what.into(),
            detail: detail.to_string(),
        }
    }
}
