//! An article file as `publish --from DIR` reads it (from a folder of its own).
#![no_main]

use std::sync::LazyLock;

use article_sync_core::publish::source::read_folder;
use libfuzzer_sys::fuzz_target;

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

fuzz_target!(|data: &[u8]| {
    std::fs::write(DIR.path().join("article.json"), data).expect("the article file is written");
    let _ = read_folder(DIR.path(), "fa");
});
