//! Errors of the wire format: parsing and verifying files from an untrusted route.

use thiserror::Error;

/// Why a file of the tree was rejected. Each variant names the check that failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FormatError {
    #[error("{what} is larger than its cap of {cap} bytes")]
    TooLarge { what: String, cap: u64 },
    #[error("{what} has length {actual}, expected {expected}")]
    WrongLength {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("{what} does not match its hash")]
    HashMismatch { what: String },
    #[error("{what} is malformed: {reason}")]
    Malformed { what: String, reason: String },
    #[error("{what} nests deeper than {max} levels")]
    TooDeep { what: String, max: usize },
    #[error("{what} has {valid} valid signature(s) from trusted keys, {threshold} needed")]
    BadSignature {
        what: String,
        valid: usize,
        threshold: usize,
    },
    #[error("{what} is not a {expected} document")]
    WrongKind { what: String, expected: String },
    #[error("sequence gap in {what}: expected entry {expected}, found {found}")]
    SequenceGap {
        what: String,
        expected: u64,
        found: u64,
    },
    #[error("hash chain broken in {what}: {reason}")]
    ChainMismatch { what: String, reason: String },
    #[error("path {0:?} is not a path of the tree")]
    BadPath(String),
    #[error("root rotation to version {version} refused: {reason}")]
    RootRotation { version: u64, reason: String },
    #[error("decompression of {what} failed: {reason}")]
    Decompress { what: String, reason: String },
    /// A head, signed by the publisher, of a tree format this reader cannot read: the app must
    /// be updated (the publisher may keep writing the older format while old apps are in use).
    #[error("the tree is in format {found}, newer than this app reads ({known}): update the app")]
    NewerFormat { found: u64, known: u32 },
}

impl FormatError {
    pub(crate) fn malformed(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        FormatError::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}
