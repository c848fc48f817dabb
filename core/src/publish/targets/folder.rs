//! A folder target (`file:///path`): a USB stick, a web server's document root, a synced folder.

use std::path::PathBuf;

use super::{Target, TargetError};
use crate::publish::serving::FileHeaders;
use crate::publish::tree::write_atomic;

/// A folder; files are written atomically (temporary file, fsync, rename). A folder keeps no
/// headers: the web server in front of it sets them.
pub struct FolderTarget {
    url: String,
    root: PathBuf,
}

impl FolderTarget {
    pub fn new(url: &str, root: PathBuf) -> FolderTarget {
        FolderTarget {
            url: url.into(),
            root,
        }
    }

    fn fail(&self, path: &str, e: std::io::Error) -> TargetError {
        TargetError::Failed {
            target: self.url.clone(),
            problem: format!("{path}: {e}"),
        }
    }
}

impl Target for FolderTarget {
    fn url(&self) -> &str {
        &self.url
    }

    fn has(&self, path: &str) -> Result<bool, TargetError> {
        Ok(self.root.join(path).is_file())
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        match std::fs::read(self.root.join(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.fail(path, e)),
        }
    }

    fn put(&self, path: &str, bytes: &[u8], _headers: FileHeaders) -> Result<(), TargetError> {
        write_atomic(&self.root.join(path), bytes, true).map_err(|e| self.fail(path, e))
    }
}
