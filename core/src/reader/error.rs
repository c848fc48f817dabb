//! Why a reader operation failed: one type for every front end, which maps it onto its own
//! (an FFI error case, an exit code).

use std::path::PathBuf;

use crate::comments::CommentError;
use crate::share::ShareError;
use crate::store::StoreError;
use crate::sync::SyncError;

#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The configuration is unusable; `field` names the [`super::ReaderConfig`] field.
    #[error("{field}: {reason}")]
    Config { field: &'static str, reason: String },
    /// An argument of a call is out of range or malformed; `name` names it.
    #[error("{name}: {reason}")]
    BadArgument { name: &'static str, reason: String },
    /// A comment field breaks the rules of [`super::comment`].
    #[error("invalid comment: {0}")]
    InvalidComment(#[from] CommentError),
    /// The article (or image) is not stored.
    #[error("{what} is not stored")]
    NotFound { what: String },
    /// [`super::Reader::open_offline`] was asked for a database that does not exist.
    #[error("no database at {}", path.display())]
    NoDatabase { path: PathBuf },
    /// The reader was opened offline ([`super::Reader::open_offline`]): it has no routes.
    #[error("this reader was opened offline, without routes")]
    Offline,
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl ReaderError {
    pub(crate) fn config(field: &'static str, reason: impl ToString) -> Self {
        ReaderError::Config {
            field,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn bad_argument(name: &'static str, reason: impl ToString) -> Self {
        ReaderError::BadArgument {
            name,
            reason: reason.to_string(),
        }
    }

    pub(crate) fn not_found(what: impl ToString) -> Self {
        ReaderError::NotFound {
            what: what.to_string(),
        }
    }
}
