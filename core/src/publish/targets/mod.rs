//! Copying a published tree to the places mirrors serve it from (`publish --to URL`).
//!
//! Every target is a [`Target`]: it can say which paths it holds, read a path back and store a
//! path with its [`FileHeaders`]. [`upload`] is the same for all of them:
//!
//! 1. one listing of what the target holds; then the immutable files it lacks, sent in
//!    parallel (a file it holds is never sent again, so a killed upload resumes where it
//!    stopped); then, once all of them are there, the website's pages whose bytes differ; then
//!    `head` last, so a reader never sees a head whose files are missing;
//! 2. the target published ([`Target::publish`]: IPFS names the stored folder's new CID),
//!    then `head` read back from it, compared with the tree's and verified against the tree's
//!    root.
//!
//! Targets: a folder (`file:///path`), object stores through the `object_store` crate
//! (`s3://`, `gs://`, `az://`, see [`bucket`]) and an MFS folder on an IPFS node
//! (`ipfs://HOST:PORT/NAME?gateway=URL[&ipns=KEY]`, see [`ipfs`]).

pub mod bucket;
mod folder;
pub mod ipfs;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use md5::Digest;
use thiserror::Error;

use super::serving::{self, FileHeaders};
use super::site;
use super::tree::TreeState;
use crate::format::head::Head;
use crate::format::layout::{self, TreePath};
pub use bucket::BucketTarget;
pub use folder::FolderTarget;
pub use ipfs::IpfsTarget;

/// Why a target could not be used or updated.
#[derive(Debug, Error)]
pub enum TargetError {
    #[error(
        "target {0:?}: not a supported URL (file:///path, s3://, gs://, az://, ipfs://HOST:PORT/NAME?gateway=URL)"
    )]
    Unsupported(String),
    #[error("target {target}: {problem}")]
    BadUrl { target: String, problem: String },
    #[error("target {target}: {problem}")]
    Failed { target: String, problem: String },
}

/// Options of one target, `name = value` (for object stores: `object_store`'s configuration
/// keys, e.g. `endpoint`, `region`, `access_key_id`, `allow_http`).
pub type TargetOptions = BTreeMap<String, String>;

/// What a target knows of a file it holds (from a listing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Held {
    pub size: Option<u64>,
    /// The MD5 of its bytes, where the store tells it (the ETag of a single-part S3 upload).
    pub md5: Option<[u8; 16]>,
}

/// A place a tree is copied to. Calls come from several threads at once.
pub trait Target: Send + Sync {
    /// The target's URL, for reports.
    fn url(&self) -> &str;
    /// Whether the target holds `path`.
    fn has(&self, path: &str) -> Result<bool, TargetError>;
    /// The bytes of `path`, or `None` when the target lacks it.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError>;
    /// Stores `bytes` at `path` (atomically where the target can), with `headers` where the
    /// target keeps metadata.
    fn put(&self, path: &str, bytes: &[u8], headers: FileHeaders) -> Result<(), TargetError>;
    /// Which of `paths` the target holds (it may name more). The default asks [`Target::has`]
    /// for each; a store that lists a prefix in a few requests does that instead.
    fn list(&self, paths: &[String]) -> Result<HashMap<String, Held>, TargetError> {
        let mut held = HashMap::new();
        for path in paths {
            if self.has(path)? {
                held.insert(path.clone(), Held::default());
            }
        }
        Ok(held)
    }
    /// Called once `head` is stored: makes the stored files readable where that takes a step,
    /// and returns the URL readers read the mirror at now, when the target names one (IPFS: the
    /// gateway URL of the folder's new CID or of its IPNS name).
    fn publish(&self) -> Result<Option<String>, TargetError> {
        Ok(None)
    }
}

/// The target a `--to` URL names, with no options.
pub fn open(url: &str) -> Result<Box<dyn Target>, TargetError> {
    open_with(url, &TargetOptions::new())
}

/// The target a `--to` URL names, with its options (which a folder has none of).
pub fn open_with(url: &str, options: &TargetOptions) -> Result<Box<dyn Target>, TargetError> {
    let parsed = url::Url::parse(url).map_err(|_| TargetError::Unsupported(url.into()))?;
    match parsed.scheme() {
        "file" => {
            let path = parsed
                .to_file_path()
                .map_err(|_| TargetError::Unsupported(url.into()))?;
            Ok(Box::new(FolderTarget::new(url, path)))
        }
        "s3" | "gs" | "az" => Ok(Box::new(BucketTarget::open(url, options)?)),
        "ipfs" => Ok(Box::new(IpfsTarget::open(url)?)),
        _ => Err(TargetError::Unsupported(url.into())),
    }
}

/// What one upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetReport {
    pub url: String,
    /// Paths sent, in upload order (immutable files, pages, `head` last).
    pub uploaded: Vec<String>,
    pub bytes: u64,
    /// Files the target already held.
    pub skipped: usize,
    /// `head` read back equals the tree's and verifies.
    pub verified: bool,
    /// The URL readers read the mirror at now, when the target names one ([`Target::publish`]).
    pub mirror_url: Option<String>,
}

/// Told how an upload goes (the CLI draws a progress bar). Called from the upload's threads.
pub trait UploadProgress: Sync {
    /// The upload goes through `files` files.
    fn planned(&self, _files: u64) {}
    /// `path` (`bytes` long) is on the target: sent now, or already there (`sent` false).
    fn done(&self, _path: &str, _bytes: u64, _sent: bool) {}
}

/// No progress shown.
impl UploadProgress for () {}

/// Files sent at once by default.
pub const DEFAULT_JOBS: usize = 8;

/// How [`upload_with`] runs.
pub struct UploadOptions<'a> {
    /// Files sent at once (1 or more).
    pub jobs: usize,
    pub progress: &'a dyn UploadProgress,
}

impl Default for UploadOptions<'_> {
    fn default() -> Self {
        UploadOptions {
            jobs: DEFAULT_JOBS,
            progress: &(),
        }
    }
}

/// Copies the tree at `dir` to `target` with [`DEFAULT_JOBS`] and no progress.
pub fn upload(dir: &Path, target: &dyn Target) -> Result<TargetReport, TargetError> {
    upload_with(dir, target, &UploadOptions::default())
}

/// Copies the tree at `dir` to `target` (see the module's documentation for the order).
pub fn upload_with(
    dir: &Path,
    target: &dyn Target,
    opts: &UploadOptions,
) -> Result<TargetReport, TargetError> {
    let fail = |problem: String| TargetError::Failed {
        target: target.url().into(),
        problem,
    };
    let state = TreeState::load(dir).map_err(|e| fail(e.to_string()))?;
    let head_bytes = std::fs::read(dir.join(layout::HEAD))
        .map_err(|e| fail(format!("the tree has no head: {e}")))?;
    let (immutable, pages) = tree_files(dir).map_err(|e| fail(e.to_string()))?;
    let progress = opts.progress;
    progress.planned((immutable.len() + pages.len() + 1) as u64);
    let mut wanted = immutable.clone();
    wanted.extend(pages.iter().cloned());
    let held = target.list(&wanted)?;
    let read = |path: &str| std::fs::read(dir.join(path)).map_err(|e| fail(format!("{path}: {e}")));
    // Sends `bytes` unless `same` says the target holds them; the number of bytes sent.
    let send = |path: &str, bytes: &[u8], same: bool| -> Result<Option<u64>, TargetError> {
        let len = bytes.len() as u64;
        if same {
            progress.done(path, len, false);
            return Ok(None);
        }
        let headers = serving::headers(path, bytes)
            .ok_or_else(|| fail(format!("{path} is no file of a tree")))?;
        target.put(path, bytes, headers)?;
        progress.done(path, len, true);
        Ok(Some(len))
    };

    let mut sent = in_parallel(opts.jobs, &immutable, |path| {
        let size = std::fs::metadata(dir.join(path))
            .map_err(|e| fail(format!("{path}: {e}")))?
            .len();
        match held.get(path) {
            Some(h) if h.size.is_none_or(|s| s == size) => {
                progress.done(path, size, false);
                Ok(None)
            }
            _ => send(path, &read(path)?, false),
        }
    })?;
    sent.extend(in_parallel(opts.jobs, &pages, |path| {
        let bytes = read(path)?;
        let same = match held.get(path) {
            None => false,
            Some(h) if h.size.is_some_and(|s| s != bytes.len() as u64) => false,
            Some(Held { md5: Some(m), .. }) => *m == <[u8; 16]>::from(md5::Md5::digest(&bytes)),
            Some(_) => target.get(path)?.as_deref() == Some(&bytes[..]),
        };
        send(path, &bytes, same)
    })?);
    let same = target.get(layout::HEAD)?.as_deref() == Some(&head_bytes[..]);
    sent.push(send(layout::HEAD, &head_bytes, same)?);

    let mut report = TargetReport {
        url: target.url().into(),
        ..TargetReport::default()
    };
    let order = immutable.iter().chain(&pages).map(String::as_str);
    for (path, sent) in order.chain([layout::HEAD]).zip(sent) {
        match sent {
            Some(len) => {
                report.uploaded.push(path.to_string());
                report.bytes += len;
            }
            None => report.skipped += 1,
        }
    }
    report.mirror_url = target.publish()?;
    let back = target.get(layout::HEAD)?;
    report.verified = back.is_some_and(|b| b == head_bytes && verifies(&state, &b));
    Ok(report)
}

/// `work` done for every item by up to `jobs` threads; the results in the items' order. After
/// an error no further item is started, and the first error is returned.
fn in_parallel<T: Send>(
    jobs: usize,
    items: &[String],
    work: impl Fn(&str) -> Result<T, TargetError> + Sync,
) -> Result<Vec<T>, TargetError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let worker = || -> Result<Vec<(usize, T)>, TargetError> {
        let mut done = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            match work(item) {
                Ok(result) => done.push((i, result)),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok(done)
    };
    let threads = jobs.clamp(1, items.len().max(1));
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut done = Vec::with_capacity(items.len());
    for outcome in outcomes {
        done.extend(outcome?);
    }
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, result)| result).collect())
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
