//! How a command fails: one line for the terminal, an exit code for scripts, and the evidence
//! behind it for `-v`.

use std::fmt;

/// Exit codes (documented in `--help`).
pub mod exit {
    /// The command did what it was asked.
    pub const OK: u8 = 0;
    /// The operation failed: no route, bad content, a storage error, no such article, a demo
    /// scenario that did not end in its expected state.
    pub const FAILED: u8 = 1;
    /// Bad flags or configuration: an unknown flag, a missing or invalid publisher key or main
    /// URL, an unreadable configuration file.
    pub const USAGE: u8 = 2;
}

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    /// One line: what failed, where, what to try.
    pub message: String,
    /// Shown with `-v`: per-route evidence and the like.
    pub details: Vec<String>,
}

impl Failure {
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::FAILED,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::USAGE,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn with_details(mut self, details: Vec<String>) -> Failure {
        self.details = details;
        self
    }

    /// The message on one line (newlines of wrapped errors folded).
    pub fn line(&self) -> String {
        self.message
            .split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        Failure::failed(format!("{err:#}"))
    }
}

impl From<article_sync_core::store::StoreError> for Failure {
    fn from(err: article_sync_core::store::StoreError) -> Failure {
        Failure::failed(format!("database: {err}"))
    }
}

impl From<article_sync_core::reader::ReaderError> for Failure {
    fn from(err: article_sync_core::reader::ReaderError) -> Failure {
        use article_sync_core::reader::ReaderError;
        match &err {
            ReaderError::Config { .. }
            | ReaderError::BadArgument { .. }
            | ReaderError::InvalidComment(_) => Failure::usage(err.to_string()),
            ReaderError::NotFound { .. } => Failure::failed(format!(
                "{err}; `article-sync list` or `search` shows the ids"
            )),
            ReaderError::NoDatabase { path } => Failure::failed(format!(
                "no database at {}; run `article-sync sync --db {0} --key PUBFILE --main URL` first",
                path.display()
            )),
            ReaderError::Store(e) => Failure::failed(format!("database: {e}")),
            ReaderError::Sync(_) | ReaderError::Offline | ReaderError::Share(_) => {
                Failure::failed(err.to_string())
            }
        }
    }
}
