//! Shared fixtures for the end-to-end tests: the seed article, generated corpora, trees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use article_sync_core::format::codec::GzLines;
use article_sync_core::format::head::{Head, LogFileRef};
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::root::TrustedRoot;
use article_sync_core::format::{Entry, layout};
use article_sync_core::publish::PublishOptions;

/// The folder holding the seed article (from `shared/seed/`) as article files.
pub fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed")
}

/// Publish options at a fixed time, valid for a week.
pub fn options(now: i64) -> PublishOptions {
    PublishOptions {
        now,
        head_validity: 7 * 24 * 3600,
        publisher: "test".into(),
        mirrors: None,
        site: None,
    }
}

/// Reads and verifies `head` of a tree against the key that made it.
pub fn read_head(tree: &Path, key: &SecretKey) -> Head {
    let bytes = std::fs::read(tree.join(layout::HEAD)).expect("head exists");
    let root = TrustedRoot::pinned(vec![key.public()]);
    let root = root
        .advance(&std::fs::read(tree.join(layout::root(1))).unwrap())
        .unwrap();
    Head::verify(&bytes, &root).expect("head verifies")
}

/// The entries of one log file of a tree, decoded.
pub fn entries(tree: &Path, file: &LogFileRef) -> Vec<Entry> {
    let bytes = std::fs::read(tree.join(layout::log(&file.hash))).unwrap();
    let mut lines = GzLines::new("log", &bytes[..], file.raw_len);
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().unwrap() {
        out.push(serde_json::from_slice(line).unwrap());
    }
    out
}

/// Every file under `dir` with its bytes, for comparing trees before and after.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(snapshot_dir(&p));
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
