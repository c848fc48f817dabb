//! Writing the reader's copy of the tree into a folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::comments::carry;
use crate::format::layout;
use crate::store::{Store, StoreError};

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// The version of the exported head.
    pub head_version: u64,
    /// Files written, `head` included.
    pub files: u64,
    pub bytes: u64,
    /// Sealed comment envelopes carried along (`outbox/`, see [`crate::comments::carry`]).
    pub envelopes: u64,
    /// Tree paths the head names that this reader does not hold (it caught up by log files,
    /// or the storage budget dropped them): a reader whose position those files are needed
    /// for cannot sync from this export and names the path it misses.
    pub missing: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The reader holds no verified head yet (it never synced).
    #[error("nothing to share: this reader has not synced yet")]
    NothingToShare,
    #[error("{} is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    /// Sharing could not listen on `addr` (in use, not this device's, no permission).
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    #[error("cannot write {}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ShareError + '_ {
    move |e| ShareError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes the copy held in `store` as a mirror tree under `dir` (an existing, writable
/// directory), with the comment envelopes still waiting for delivery: the immutable files first, then `head` through a temporary file and a rename,
/// so a reader syncing from the folder meanwhile never sees a head newer than its files. Files
/// already there are overwritten with the held bytes. Blocking.
pub fn export_tree(store: &Store, dir: &Path) -> Result<Export, ShareError> {
    if !fs::metadata(dir).map_err(io(dir))?.is_dir() {
        return Err(ShareError::NotADirectory { path: dir.into() });
    }
    let head = store
        .tree_file(layout::HEAD)?
        .ok_or(ShareError::NothingToShare)?;
    // Refuse a directory this process cannot write before writing anything.
    let probe = dir.join(".article-sync-export");
    fs::write(&probe, b"").map_err(io(dir))?;
    let _ = fs::remove_file(&probe);
    let mut export = Export {
        head_version: store.sync_position()?.head_version,
        ..Export::default()
    };
    let mut write = |path: &str, bytes: &[u8]| -> Result<(), ShareError> {
        write_file(dir, path, bytes)?;
        export.files += 1;
        export.bytes += bytes.len() as u64;
        Ok(())
    };
    for (path, _) in store.tree_paths()? {
        if path == layout::HEAD {
            continue;
        }
        // Not held, or dropped by a sync running meanwhile: missing either way.
        match store.tree_file(&path)? {
            Some(bytes) => write(&path, &bytes)?,
            None => export.missing.push(path),
        }
    }
    for (hash, mime) in store.stored_media()? {
        let (Some(path), Some(bytes)) = (layout::media(&hash, &mime), store.media(&hash)?) else {
            continue;
        };
        write(&path, &bytes)?;
    }
    // Always written, so a copy exported over an older one never offers its stale envelopes.
    let carried = carry::to_carry(store)?;
    for (key, sealed) in &carried {
        write(&layout::envelope(key), sealed)?;
    }
    write(layout::OUTBOX_INDEX, carry::index(&carried).as_bytes())?;
    export.envelopes = carried.len() as u64;
    write(layout::HEAD, &head)?;
    Ok(export)
}

/// Writes `bytes` at tree path `path` under `dir` through a temporary file and a rename, so the
/// path never holds half a file.
fn write_file(dir: &Path, path: &str, bytes: &[u8]) -> Result<(), ShareError> {
    let target = dir.join(path);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let temp = target.with_file_name(format!(
        ".{}.part",
        target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
    ));
    let mut file = fs::File::create(&temp).map_err(io(&temp))?;
    file.write_all(bytes).map_err(io(&temp))?;
    file.sync_all().map_err(io(&temp))?;
    fs::rename(&temp, &target).map_err(io(&target))?;
    Ok(())
}
