//! Errors of the publisher. Each names the file and the problem, so a publisher can fix the
//! input; nothing on disk changes when one is returned.

use std::path::PathBuf;

use thiserror::Error;

use crate::format::FormatError;

#[derive(Debug, Error)]
pub enum PublishError {
    /// An input file (article, image, feed) is unusable.
    #[error("{}: {problem}", file.display())]
    Source { file: PathBuf, problem: String },
    /// The existing tree cannot be read or does not verify.
    #[error("tree {}: {problem}", path.display())]
    Tree { path: PathBuf, problem: String },
    /// The signing key is unusable or not trusted by the tree's root.
    #[error("key: {0}")]
    Key(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl PublishError {
    pub(crate) fn source(file: impl Into<PathBuf>, problem: impl std::fmt::Display) -> Self {
        PublishError::Source {
            file: file.into(),
            problem: problem.to_string(),
        }
    }

    pub(crate) fn tree(path: impl Into<PathBuf>, problem: impl std::fmt::Display) -> Self {
        PublishError::Tree {
            path: path.into(),
            problem: problem.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| PublishError::Io { path, source }
    }
}

impl From<(PathBuf, FormatError)> for PublishError {
    fn from((path, err): (PathBuf, FormatError)) -> Self {
        PublishError::tree(path, err)
    }
}
