//! The one error type of the FFI.

use article_sync_core::format::FormatError;
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
