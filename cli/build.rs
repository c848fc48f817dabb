//! Fingerprints the code that makes the bench's trees and feeds (`bench::fixture`), so that
//! a cached corpus outlives builds that change only the reader's side (store, sync, network).

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What the trees and feeds are made from, relative to this crate: the publisher, the wire
/// format and the text rules of the core, the corpus, the feed writer and the lock file.
const TREE_CODE: &[&str] = &[
    "../core/src/lib.rs",
    "../core/src/format",
    "../core/src/publish",
    "../core/src/content",
    "../core/src/text",
    "../core/src/comments",
    "src/corpus.rs",
    "../tests/fixtures/words/fa.tsv",
    "src/bench/fixture.rs",
    "src/bench/rss.rs",
    "../Cargo.lock",
];

fn main() {
    let mut files = Vec::new();
    for path in TREE_CODE {
        println!("cargo:rerun-if-changed={path}");
        collect(Path::new(path), &mut files);
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.to_string_lossy().as_bytes());
        hash.update(fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())));
    }
    println!(
        "cargo:rustc-env=ARTICLE_SYNC_TREE_CODE={}",
        hex::encode(hash.finalize())
    );
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let entries = fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for entry in entries {
            collect(&entry.expect("a folder entry").path(), files);
        }
    } else {
        files.push(path.to_path_buf());
    }
}
