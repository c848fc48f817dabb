//! Copying a published tree to the places mirrors serve it from (`publish --to URL`).
//!
//! Every target is a [`Target`]: it can say whether it holds a path, read a path back and store
//! a path with its [`FileHeaders`]. [`upload`] is the same for all of them:
//!
//! 1. immutable files the target lacks (a file it holds is never sent again, so a killed upload
//!    resumes where it stopped), then the website's pages whose bytes differ, then `head` last,
//!    so a reader never sees a head whose files are missing;
//! 2. the target published ([`Target::publish`]: IPFS names the stored folder's new CID),
//!    then `head` read back from it, compared with the tree's and verified against the tree's
//!    root.
//!
//! The targets are a folder (`file:///path`) and an MFS folder on an IPFS node
//! (`ipfs://HOST:PORT/NAME?gateway=URL[&ipns=KEY]`, see [`ipfs`]); object stores (through the
//! `object_store` crate) are further implementations of [`Target`].

mod folder;
pub mod ipfs;

use std::path::Path;

use thiserror::Error;

pub use folder::FolderTarget;
pub use ipfs::IpfsTarget;

use super::serving::{self, FileHeaders};
use super::site;
use super::tree::TreeState;
use crate::format::head::Head;
use crate::format::layout::{self, TreePath};

/// Why a target could not be used or updated.
#[derive(Debug, Error)]
pub enum TargetError {
    #[error(
        "target {0:?}: supported are file:///path and ipfs://HOST:PORT/NAME?gateway=URL (s3, gs and az are not yet)"
    )]
    Unsupported(String),
    #[error("target {target}: {problem}")]
    BadUrl { target: String, problem: String },
    #[error("target {target}: {problem}")]
    Failed { target: String, problem: String },
}

/// A place a tree is copied to.
pub trait Target {
    /// The target's URL, for reports.
    fn url(&self) -> &str;
    /// Whether the target holds `path`.
    fn has(&self, path: &str) -> Result<bool, TargetError>;
    /// The bytes of `path`, or `None` when the target lacks it.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError>;
    /// Stores `bytes` at `path` (atomically where the target can), with `headers` where the
    /// target keeps metadata.
    fn put(&self, path: &str, bytes: &[u8], headers: FileHeaders) -> Result<(), TargetError>;
    /// Called once `head` is stored: makes the stored files readable where that takes a step,
    /// and returns the URL readers read the mirror at now, when the target names one (IPFS: the
    /// gateway URL of the folder's new CID or of its IPNS name).
    fn publish(&self) -> Result<Option<String>, TargetError> {
        Ok(None)
    }
}

/// The target a `--to` URL names.
pub fn open(url: &str) -> Result<Box<dyn Target>, TargetError> {
    let parsed = url::Url::parse(url).map_err(|_| TargetError::Unsupported(url.into()))?;
    match parsed.scheme() {
        "file" => {
            let path = parsed
                .to_file_path()
                .map_err(|_| TargetError::Unsupported(url.into()))?;
            Ok(Box::new(FolderTarget::new(url, path)))
        }
        "ipfs" => Ok(Box::new(IpfsTarget::open(url)?)),
        _ => Err(TargetError::Unsupported(url.into())),
    }
}

/// What one upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetReport {
    pub url: String,
    /// Paths sent, in order (`head` last).
    pub uploaded: Vec<String>,
    pub bytes: u64,
    /// Files the target already held.
    pub skipped: usize,
    /// `head` read back equals the tree's and verifies.
    pub verified: bool,
    /// The URL readers read the mirror at now, when the target names one ([`Target::publish`]).
    pub mirror_url: Option<String>,
}

/// Copies the tree at `dir` to `target` (see the module's documentation for the order).
pub fn upload(dir: &Path, target: &dyn Target) -> Result<TargetReport, TargetError> {
    let fail = |problem: String| TargetError::Failed {
        target: target.url().into(),
        problem,
    };
    let state = TreeState::load(dir).map_err(|e| fail(e.to_string()))?;
    let head_bytes = std::fs::read(dir.join(layout::HEAD))
        .map_err(|e| fail(format!("the tree has no head: {e}")))?;
    let (immutable, pages) = tree_files(dir).map_err(|e| fail(e.to_string()))?;
    let mut report = TargetReport {
        url: target.url().into(),
        ..TargetReport::default()
    };
    let mut send = |path: &str, bytes: &[u8]| -> Result<(), TargetError> {
        let headers = serving::headers(path, bytes)
            .ok_or_else(|| fail(format!("{path} is no file of a tree")))?;
        target.put(path, bytes, headers)?;
        report.uploaded.push(path.to_string());
        report.bytes += bytes.len() as u64;
        Ok(())
    };
    let read = |path: &str| std::fs::read(dir.join(path)).map_err(|e| fail(format!("{path}: {e}")));
    let mut skipped = 0;
    for path in &immutable {
        if target.has(path)? {
            skipped += 1;
        } else {
            send(path, &read(path)?)?;
        }
    }
    for path in &pages {
        let bytes = read(path)?;
        if target.get(path)?.as_deref() == Some(&bytes[..]) {
            skipped += 1;
        } else {
            send(path, &bytes)?;
        }
    }
    if target.get(layout::HEAD)?.as_deref() == Some(&head_bytes[..]) {
        skipped += 1;
    } else {
        send(layout::HEAD, &head_bytes)?;
    }
    report.skipped = skipped;
    report.mirror_url = target.publish()?;
    let back = target.get(layout::HEAD)?;
    report.verified = back.is_some_and(|b| b == head_bytes && verifies(&state, &b));
    Ok(report)
}

/// Whether `bytes` is a head signed under one of the tree's roots.
fn verifies(state: &TreeState, bytes: &[u8]) -> bool {
    Head::peek_root_version(bytes)
        .ok()
        .and_then(|v| state.roots.iter().find(|r| r.version == v))
        .is_some_and(|root| Head::verify(bytes, root).is_ok())
}

/// The tree's files but `head`: the immutable ones (roots first, then media, logs, snapshots,
/// mirror lists, archived heads) and the website's pages.
fn tree_files(dir: &Path) -> std::io::Result<(Vec<String>, Vec<String>)> {
    let mut immutable = Vec::new();
    let mut pages = Vec::new();
    let mut add = |rel: String| {
        if let Ok(path) = TreePath::parse(&rel) {
            if path.is_immutable() {
                let rank = match path {
                    TreePath::Root(_) => 0,
                    TreePath::Media { .. } => 1,
                    TreePath::Log(_) => 2,
                    TreePath::Snapshot(_) | TreePath::PartList(_) => 3,
                    TreePath::Mirrors(_) => 4,
                    _ => 5,
                };
                immutable.push((rank, rel));
            }
        } else if serving::site_headers(&rel).is_some() {
            pages.push(rel);
        }
    };
    add(site::INDEX.to_string());
    for sub in [
        "root",
        "media",
        "log",
        "snapshot",
        "mirrors",
        "heads",
        site::DIR,
    ] {
        let folder = dir.join(sub);
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            if let Some(name) = entry?.file_name().to_str() {
                add(format!("{sub}/{name}"));
            }
        }
    }
    immutable.sort();
    pages.retain(|p| dir.join(p).is_file());
    pages.sort();
    Ok((immutable.into_iter().map(|(_, p)| p).collect(), pages))
}

#[cfg(test)]
mod tests;
