//! Reading a tree from disk at request time, and the content-level faults (tamper, rollback,
//! stale, torn) that change what a path answers.
//!
//! Files are read whole on every request: the publisher may update the tree while it is being
//! served, and it replaces `head` by rename, so one read sees one whole head.

use std::collections::BTreeSet;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use article_sync_core::format::codec::parse_json;
use article_sync_core::format::head::Head;
use article_sync_core::format::layout::{self, TreePath};
use article_sync_core::format::note::{self, NoteKind, SecretKey};

use super::Fault;

/// Seconds an expired head served by the `stale` fault has been expired for.
pub const STALE_BY_SECS: i64 = 24 * 3600;

/// A tree folder on disk.
pub(crate) struct Tree {
    root: PathBuf,
}

impl Tree {
    pub(crate) fn new(root: PathBuf) -> Tree {
        Tree { root }
    }

    /// The bytes a path answers under `fault`, or `None` for 404. `raw` is the text that
    /// [`TreePath::parse`] accepted for `path`, so it stays inside the tree.
    pub(crate) async fn answer(
        &self,
        fault: Fault,
        path: &TreePath,
        raw: &str,
        stale_key: Option<&SecretKey>,
    ) -> io::Result<Option<Vec<u8>>> {
        match (fault, path) {
            (Fault::Tamper, TreePath::Log(_) | TreePath::Snapshot(_) | TreePath::PartList(_)) => {
                Ok(self.read(raw).await?.map(tamper))
            }
            (Fault::Rollback, TreePath::Head) => {
                let Some(current) = self.read(layout::HEAD).await? else {
                    return Ok(None);
                };
                match peek_head(&current) {
                    Some(head) => self.archived_head_before(head.version).await,
                    None => Ok(None),
                }
            }
            (Fault::Stale, TreePath::Head) => {
                let Some(current) = self.read(layout::HEAD).await? else {
                    return Ok(None);
                };
                match (peek_head(&current), stale_key) {
                    (Some(head), Some(key)) => Ok(Some(expire(head, key, unix_now()))),
                    _ => Ok(Some(current)),
                }
            }
            (
                Fault::Torn,
                TreePath::Log(hash) | TreePath::Snapshot(hash) | TreePath::PartList(hash),
            ) => {
                if self.added_by_current_head().await?.contains(hash) {
                    Ok(None)
                } else {
                    self.read(raw).await
                }
            }
            _ => self.read(raw).await,
        }
    }

    /// A file's bytes, or `None` when it does not exist or its real path (every symlink
    /// resolved) is not a file inside the tree's real path: a copied tree may hold links, and
    /// `serve` hands out nothing outside it.
    pub(crate) async fn read(&self, raw: &str) -> io::Result<Option<Vec<u8>>> {
        let inside = async {
            let root = tokio::fs::canonicalize(&self.root).await?;
            let real = tokio::fs::canonicalize(self.root.join(raw)).await?;
            let is_file = tokio::fs::metadata(&real).await?.is_file();
            io::Result::Ok((real.starts_with(&root) && is_file).then_some(real))
        };
        let read = async { tokio::fs::read(inside.await?.ok_or(io::ErrorKind::NotFound)?).await };
        match read.await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The newest archived head (`heads/<v>`) with a version below `version`.
    async fn archived_head_before(&self, version: u64) -> io::Result<Option<Vec<u8>>> {
        let mut best = None;
        let mut dir = match tokio::fs::read_dir(self.root.join("heads")).await {
            Ok(dir) => dir,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        while let Some(entry) = dir.next_entry().await? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Ok(TreePath::ArchivedHead(v)) = TreePath::parse(&format!("heads/{name}"))
                && v < version
                && best.is_none_or(|b| v > b)
            {
                best = Some(v);
            }
        }
        match best {
            Some(v) => self.read(&layout::archived_head(v)).await,
            None => Ok(None),
        }
    }

    /// Hashes of the pinned files (see [`pinned_files`]) the current head names and the previous
    /// archived head does not.
    async fn added_by_current_head(&self) -> io::Result<BTreeSet<String>> {
        let Some(head) = self
            .read(layout::HEAD)
            .await?
            .as_deref()
            .and_then(peek_head)
        else {
            return Ok(BTreeSet::new());
        };
        let before = self
            .archived_head_before(head.version)
            .await?
            .as_deref()
            .and_then(peek_head)
            .map(|h| pinned_files(&h))
            .unwrap_or_default();
        Ok(pinned_files(&head).difference(&before).cloned().collect())
    }
}

/// The head's body, parsed without checking its signature: the server only needs its version
/// and file list, and a client verifies whatever it is served.
fn peek_head(bytes: &[u8]) -> Option<Head> {
    let (body, _) = note::split(NoteKind::Head, bytes).ok()?;
    parse_json("head", body).ok()
}

/// Hashes of the log files, the snapshot's headlines part and its part list a head pins
/// (without its part list, a torn mirror lacks the parts it names too).
fn pinned_files(head: &Head) -> BTreeSet<String> {
    let logs = head.files.iter().map(|f| f.hash.clone());
    let snapshot = head
        .snapshot
        .iter()
        .flat_map(|s| [s.headlines.hash.clone(), s.rest.hash.clone()]);
    logs.chain(snapshot).collect()
}

/// Flips every bit of one byte in 256, starting at `min(len / 2, 128)`; the length is kept.
fn tamper(mut bytes: Vec<u8>) -> Vec<u8> {
    let start = (bytes.len() / 2).min(128);
    for i in (start..bytes.len()).step_by(256) {
        bytes[i] ^= 0xff;
    }
    bytes
}

/// Re-signs `head` so that it expired [`STALE_BY_SECS`] before `now`, keeping its validity
/// period (clamped to 1 hour .. 30 days) and everything else.
fn expire(mut head: Head, key: &SecretKey, now: i64) -> Vec<u8> {
    let validity = (head.expires_at - head.issued_at).clamp(3600, 30 * 24 * 3600);
    head.expires_at = now - STALE_BY_SECS;
    head.issued_at = head.expires_at - validity;
    head.sign(&[key])
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_keeps_the_length_and_changes_the_bytes() {
        for len in [1usize, 2, 100, 300, 5000] {
            let original: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let tampered = tamper(original.clone());
            assert_eq!(tampered.len(), len);
            assert_ne!(tampered, original, "len {len}");
        }
    }
}
