//! The search normaliser and query builder: a query (the input's first line) never makes
//! SQLite's FTS5 fail, on a real store; the rest of the input is text to index and to mark.
#![no_main]

use std::sync::LazyLock;

use article_sync_core::store::normalize::{index_text, inflections, words};
use article_sync_core::store::query::Query;
use article_sync_core::store::search::Matcher;
use article_sync_core::store::{SearchOptions, Store, StoreConfig};
use libfuzzer_sys::fuzz_target;

struct Open {
    store: Store,
    _dir: tempfile::TempDir,
}

static STORE: LazyLock<Open> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = Store::open(&dir.path().join("fuzz.db"), StoreConfig::default()).expect("a store");
    Open { store, _dir: dir }
});

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (query, text) = input.split_once('\n').unwrap_or((input, ""));
    let parsed = Query::parse(query);
    assert_eq!(parsed.fts().is_some(), !parsed.is_empty());
    let opts = SearchOptions::default();
    if let Err(e) = STORE.store.search(query, &opts) {
        panic!("search {query:?} failed: {e}");
    }
    let _ = index_text(text);
    for word in words(text) {
        assert!(text.get(word.start..word.end).is_some());
        assert_eq!(inflections(&word.norm)[0], word.norm);
    }
    let matcher = Matcher {
        query: &parsed,
        opts: &opts,
    };
    if let Some(window) = matcher.window(text) {
        let _ = matcher.snippet_of(&window);
        let _ = matcher.snippet_at(text, window.from);
    }
    let _ = matcher.mark_all(text);
});
