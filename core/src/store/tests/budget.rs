//! Media and the storage budget.

use sha2::{Digest, Sha256};

use super::*;

fn media_ref(bytes: &[u8]) -> MediaRef {
    MediaRef {
        hash: hex::encode(Sha256::digest(bytes)),
        size: bytes.len() as u64,
        mime: "image/jpeg".into(),
        caption: None,
        original: None,
    }
}

fn with_budget(path: &std::path::Path, budget_bytes: u64) -> Store {
    Store::open(
        path,
        StoreConfig {
            budget_bytes,
            ..StoreConfig::default()
        },
    )
    .unwrap()
}

fn with_body(id: &str, published_at: i64, body_len: usize) -> Article {
    let mut a = article(id, 1, published_at);
    a.body_html = "x".repeat(body_len);
    a
}

#[test]
fn media_is_checked_against_its_hash_and_missing_images_are_listed_newest_first() {
    let (_dir, path) = temp();
    let store = open(&path);
    let (old, new) = (media_ref(b"old image"), media_ref(b"new image"));
    let (new_body, shared) = (media_ref(b"new body image"), media_ref(b"shared"));
    let mut a = article("a", 1, 1);
    a.lead_image = Some(old.clone());
    a.images = vec![shared.clone()];
    let mut b = article("b", 1, 2);
    b.lead_image = Some(new.clone());
    b.images = vec![new_body.clone(), shared.clone()];
    apply(&store, vec![put(a), put(b)]).unwrap();
    assert_eq!(
        store.missing_images(10).unwrap(),
        vec![new.clone(), new_body.clone(), shared.clone(), old.clone()],
        "the newest article's images first, its lead image first, each once"
    );
    assert_eq!(store.missing_images(1).unwrap(), vec![new.clone()]);
    assert!(matches!(
        store.put_media(&new.hash, "image/jpeg", b"tampered"),
        Err(StoreError::MediaHashMismatch { .. })
    ));
    store
        .put_media(&new.hash, "image/jpeg", b"new image")
        .unwrap();
    assert_eq!(
        store.missing_images(10).unwrap(),
        vec![new_body, shared, old]
    );
    assert_eq!(
        store.media(&new.hash).unwrap().as_deref(),
        Some(&b"new image"[..])
    );
    assert_eq!(store.usage().unwrap().media, 9);
}

#[test]
fn prefetch_stays_within_the_budget_and_a_bookmark_keeps_its_images() {
    let (_dir, path) = temp();
    let store = with_budget(&path, 3_000);
    let images: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 1_000]).collect();
    let articles: Vec<Article> = (0..4u8)
        .map(|i| {
            let mut a = with_body(&format!("a{i}"), i64::from(i), 10);
            a.lead_image = Some(media_ref(&images[usize::from(i)]));
            a
        })
        .collect();
    apply(&store, articles.iter().cloned().map(put).collect()).unwrap();
    // 40 bytes of bodies leave room for two of the four 1,000-byte images: the newest two.
    let wanted: Vec<String> = store
        .missing_images(10)
        .unwrap()
        .into_iter()
        .map(|m| m.hash)
        .collect();
    let hash = |i: usize| media_ref(&images[i]).hash;
    assert_eq!(wanted, vec![hash(3), hash(2)]);

    // The oldest article is bookmarked and holds its image; newer images push others out.
    store.set_bookmarked("a0", true).unwrap();
    store.put_media(&hash(0), "image/jpeg", &images[0]).unwrap();
    for i in [3, 2, 1] {
        store.put_media(&hash(i), "image/jpeg", &images[i]).unwrap();
    }
    assert!(
        store.media(&hash(0)).unwrap().is_some(),
        "the bookmark keeps its image"
    );
    assert!(store.usage().unwrap().total() <= 3_000);
}

#[test]
fn reading_media_counts_as_a_use_at_the_next_write() {
    let (_dir, path) = temp();
    let store = open(&path);
    let m = media_ref(b"bytes");
    store.put_media(&m.hash, "image/jpeg", b"bytes").unwrap();
    let last_used = |s: &Store| -> i64 {
        s.db.read(|c| {
            Ok(c.query_row(
                "SELECT last_used_at FROM media WHERE hash = ?1",
                [&m.hash],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    };
    store
        .db
        .write(|tx| Ok::<_, StoreError>(tx.execute("UPDATE media SET last_used_at = 5", [])?))
        .unwrap();
    assert_eq!(last_used(&store), 5);
    assert!(store.media(&m.hash).unwrap().is_some());
    store.set_read("x", true).unwrap();
    assert!(last_used(&store) > 1_600_000_000);
}

#[test]
fn over_budget_read_content_goes_first_and_bookmarks_never() {
    let (_dir, path) = temp();
    let roomy = open(&path);
    let img = media_ref(b"lead image of the oldest read article");
    let mut oldest_read = with_body("oldest-read", 1, 1_000);
    oldest_read.lead_image = Some(img.clone());
    apply(
        &roomy,
        vec![
            put(with_body("bookmarked", 0, 1_000)),
            put(oldest_read),
            put(with_body("unread-old", 2, 1_000)),
            put(with_body("newer-read", 3, 1_000)),
            put(with_body("unread-new", 4, 1_000)),
        ],
    )
    .unwrap();
    roomy
        .put_media(
            &img.hash,
            &img.mime,
            b"lead image of the oldest read article",
        )
        .unwrap();
    roomy.set_bookmarked("bookmarked", true).unwrap();
    roomy.set_read("bookmarked", true).unwrap();
    roomy.set_read("oldest-read", true).unwrap();
    roomy.set_read("newer-read", true).unwrap();
    assert_eq!(roomy.usage().unwrap().total(), 5_000 + img.size);
    let store = with_budget(&path, 3_500);
    let ev = store.enforce_budget().unwrap();
    assert_eq!((ev.articles, ev.media), (2, 1));
    let usage = store.usage().unwrap();
    assert_eq!(usage.total(), 3_000);
    assert_eq!(usage.evicted_articles, 2);
    for (id, evicted) in [
        ("bookmarked", false),
        ("oldest-read", true),
        ("newer-read", true),
        ("unread-old", false),
        ("unread-new", false),
    ] {
        let view = store.article(id).unwrap().unwrap();
        assert_eq!(view.evicted, evicted, "{id}");
        assert_eq!(view.has_body, !evicted, "{id}");
    }
    assert!(store.media(&img.hash).unwrap().is_none());
    // The headline stays, listed and searchable by title; the body is no longer searched.
    assert_eq!(store.counts().unwrap().total, 5);
    let hits = store
        .search("عنوان oldest", &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].article.id, "oldest-read");
    assert!(hits[0].article.evicted);
    assert_eq!(
        found_sorted(&store, &"x".repeat(1_000)),
        ["bookmarked", "unread-new", "unread-old"]
    );

    // Within budget: nothing more goes. Tighter: unread content goes, bookmarks never.
    assert_eq!(store.enforce_budget().unwrap(), Eviction::default());
    let tight = with_budget(&path, 0);
    tight.enforce_budget().unwrap();
    assert!(tight.article("bookmarked").unwrap().unwrap().has_body);
    assert_eq!(tight.usage().unwrap().total(), 1_000);

    // Sync fetches an evicted article again on demand.
    assert!(
        tight
            .restore_article(&with_body("oldest-read", 1, 1_000))
            .unwrap()
    );
    let view = tight.article("oldest-read").unwrap().unwrap();
    assert!(view.has_body && !view.evicted);
    assert!(store.reader_state("oldest-read").unwrap().read_at.is_some());
}

#[test]
fn far_over_budget_the_oldest_go_in_order_across_batches() {
    let (_dir, path) = temp();
    // 300 articles, three to a publication time, ids out of order within a time.
    let ids: Vec<(i64, String)> = (0..300)
        .map(|i| (i / 3, format!("a{:03}", 299 - i)))
        .collect();
    let roomy = open(&path);
    apply(
        &roomy,
        ids.iter()
            .map(|(t, id)| put(with_body(id, *t, 100)))
            .collect(),
    )
    .unwrap();
    roomy.set_read(&ids[250].1, true).unwrap();
    let store = with_budget(&path, 100 * 100);
    assert_eq!(store.enforce_budget().unwrap().articles, 200);
    // The read one first, then the oldest 199 by publication time, then id.
    let mut order = ids.clone();
    order.sort();
    let read = order.iter().position(|(_, id)| *id == ids[250].1).unwrap();
    let read = order.remove(read);
    let expected: Vec<&String> = std::iter::once(&read.1)
        .chain(order.iter().take(199).map(|(_, id)| id))
        .collect();
    for (_, id) in &ids {
        let evicted = store.article(id).unwrap().unwrap().evicted;
        assert_eq!(evicted, expected.contains(&id), "{id}");
    }
}

#[test]
fn sync_writes_keep_the_budget_in_the_same_transaction() {
    let (_dir, path) = temp();
    let store = with_budget(&path, 2_500);
    let [old, mid, new] = [("old", 1), ("mid", 2), ("new", 3)].map(|(id, t)| {
        let mut a = with_body(id, t, 1_000);
        a.body_html.replace_range(..6, "quake ");
        a
    });
    let stats = apply(&store, vec![put(old), put(mid), put(new)]).unwrap();
    assert_eq!(stats.evicted, 1);
    assert!(store.article("old").unwrap().unwrap().evicted);
    assert!(store.usage().unwrap().total() <= 2_500);
    // Put and evicted by the same write: indexed once, by its headline, without the body.
    assert_eq!(found_sorted(&store, "quake"), ["mid", "new"]);
    assert_eq!(found_sorted(&store, "عنوان old"), ["old"]);
}

/// The query plan's steps of `sql` with `params`.
fn plan(store: &Store, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    store.db.with_writer_conn(|c| {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        stmt.query_map(params, |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    })
}

#[test]
fn usage_reads_only_covering_indexes() {
    let (_dir, path) = temp();
    let store = open(&path);
    let steps = plan(&store, crate::store::budget::USAGE, []);
    let reads: Vec<&String> = steps
        .iter()
        .filter(|l| l.starts_with("SEARCH") || l.starts_with("SCAN") && !l.contains("CONSTANT"))
        .collect();
    assert_eq!(reads.len(), 4, "{steps:?}");
    assert!(
        reads.iter().all(|l| l.contains("COVERING INDEX")),
        "{steps:?}"
    );
}

/// Summed once per snapshot part over budget: from the reader's few marks, not a seek per
/// stored body (at 100,000 articles that made a first sync three times slower).
#[test]
fn the_read_bodies_are_summed_from_the_readers_marks() {
    let (_dir, path) = temp();
    let store = open(&path);
    let steps = plan(&store, crate::store::budget::READ_BODIES, []);
    assert!(steps[0].contains("SCAN r"), "{steps:?}");
    assert!(
        steps[1].contains("SEARCH a USING INDEX sqlite_autoindex_articles_1"),
        "{steps:?}"
    );
}

#[test]
fn eviction_walks_only_what_holds_a_body_or_media() {
    let (_dir, path) = temp();
    let store = open(&path);
    // Eviction's parameters: unread, after (published_at, id), how many.
    let params = rusqlite::params![true, 0, "", 64];
    let bodies = plan(&store, crate::store::budget::CANDIDATE_BODIES, params);
    assert!(
        bodies[0].contains("USING INDEX articles_body_by_age"),
        "{bodies:?}"
    );
    let media = plan(&store, crate::store::budget::CANDIDATE_MEDIA, params);
    assert!(media[0].contains("USING INDEX media_stored"), "{media:?}");
    assert!(!media.iter().any(|l| l.starts_with("SCAN")), "{media:?}");
}

#[test]
fn an_article_whose_only_stored_content_is_an_image_is_evicted_in_its_turn() {
    let (_dir, path) = temp();
    let store = with_budget(&path, 1_500);
    let image = vec![7u8; 1_000];
    let mut oldest = with_body("a0", 0, 0);
    oldest.lead_image = Some(media_ref(&image));
    let newer = with_body("a1", 1, 1_000);
    apply(&store, vec![put(oldest), put(newer)]).unwrap();
    let hash = media_ref(&image).hash;
    store.put_media(&hash, "image/jpeg", &image).unwrap();
    // Over by 500 bytes: the oldest article goes first, and all it holds is its image.
    assert!(store.media(&hash).unwrap().is_none());
    assert!(store.article("a1").unwrap().unwrap().has_body);
    assert_eq!(store.usage().unwrap().total(), 1_000);
}

fn tree_path(dir: &str, bytes: &[u8]) -> String {
    let hash = hex::encode(Sha256::digest(bytes));
    match dir {
        "log" => crate::format::layout::log(&hash),
        _ => crate::format::layout::snapshot(&hash),
    }
}

#[test]
fn the_copy_keeps_what_the_head_names_and_goes_before_articles() {
    let (_dir, path) = temp();
    let store = with_budget(&path, 3_000);
    let (old_log, log) = (tree_path("log", b"old log"), tree_path("log", &[1; 600]));
    let part = tree_path("snapshot", &[2; 900]);
    assert!(matches!(
        store.keep_tree_file(&log, b"not its bytes"),
        Err(StoreError::Invalid { .. })
    ));
    store.keep_tree_file(&old_log, b"old log").unwrap();
    store.keep_tree_file(&log, &[1; 600]).unwrap();
    store.keep_tree_file(&part, &[2; 900]).unwrap();
    store.keep_tree_file("root/1.json", b"root").unwrap();
    let missing = tree_path("log", b"never fetched");
    store
        .accept_head(
            1,
            10,
            20,
            b"head",
            &[log.clone(), part.clone(), missing.clone()],
        )
        .unwrap();
    assert_eq!(
        store.tree_paths().unwrap(),
        vec![
            ("root/1.json".to_string(), true),
            (log.clone(), true),
            (missing, false),
            (part.clone(), true),
            ("head".to_string(), true),
        ],
        "a file the head no longer names is dropped; one it names and is not held is listed"
    );
    assert_eq!(store.usage().unwrap().copy, 600 + 900 + 4 + 4);

    // Over budget: the copy's log file goes first, then its snapshot part, then articles.
    apply(&store, vec![put(with_body("a", 1, 1_600))]).unwrap();
    assert_eq!(store.tree_file(&log).unwrap(), None);
    assert!(store.tree_file(&part).unwrap().is_some());
    apply(&store, vec![put(with_body("b", 2, 1_300))]).unwrap();
    assert_eq!(store.tree_file(&part).unwrap(), None);
    let usage = store.usage().unwrap();
    assert_eq!((usage.copy, usage.evicted_articles), (8, 0), "{usage:?}");
    assert_eq!(
        store.tree_file("head").unwrap().as_deref(),
        Some(&b"head"[..])
    );
}

/// A snapshot far over budget (a first sync: bodies newest first) leaves what writing every
/// body and then keeping the budget leaves, without writing the bodies it cannot keep.
#[test]
fn a_snapshot_over_budget_does_not_write_the_bodies_it_cannot_keep() {
    use crate::format::snapshot::{Body, PartItem};
    const BUDGET: u64 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let newest_first: Vec<Article> = (0..60)
        .rev()
        .map(|i| with_body(&format!("a{i:02}"), i, 20_000))
        .collect();
    let sync = |store: &Store| {
        let headlines: Vec<PartItem> = newest_first
            .iter()
            .map(|a| PartItem::Headline(Headline::from(a)))
            .collect();
        store.apply_snapshot_items(10, "s", 0, &headlines).unwrap();
        // Read ones go first, a bookmarked one never.
        store.set_read("a59", true).unwrap();
        store.set_read("a50", true).unwrap();
        store.set_bookmarked("a05", true).unwrap();
        let bodies: Vec<PartItem> = newest_first
            .iter()
            .map(|a| PartItem::Body(Body::from(a)))
            .collect();
        let mut stats = store
            .apply_snapshot_items(10, "s", 1, &bodies[..30])
            .unwrap();
        stats += store
            .apply_snapshot_items(10, "s", 2, &bodies[30..])
            .unwrap();
        stats += store.finish_snapshot(10, "ff").unwrap();
        stats
    };
    let lean = with_budget(&dir.path().join("lean.db"), BUDGET);
    let stats = sync(&lean);
    // The same snapshot stored whole, then held to the budget.
    let whole_path = dir.path().join("whole.db");
    sync(&with_budget(&whole_path, u64::MAX));
    let whole = with_budget(&whole_path, BUDGET);
    whole.enforce_budget().unwrap();

    let kept = |store: &Store| -> Vec<String> {
        let mut kept = Vec::new();
        for a in &newest_first {
            let view = store.article(&a.id).unwrap().unwrap();
            assert_eq!(view.evicted, view.article.body_html.is_empty(), "{}", a.id);
            if !view.evicted {
                kept.push(a.id.clone());
            }
        }
        kept
    };
    let expected = [
        "a58", "a57", "a56", "a55", "a54", "a53", "a52", "a51", "a49", "a05",
    ];
    assert_eq!(kept(&whole), expected);
    assert_eq!(kept(&lean), expected);
    assert_eq!(stats.evicted, 50, "{stats:?}");
    assert_eq!(lean.usage().unwrap().total(), BUDGET);

    // 1.2 MB of bodies written and dropped again would stay in the file as free pages.
    let file_bytes = |store: &Store| -> i64 {
        store.db.with_writer_conn(|c| {
            c.query_row(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                [],
                |r| r.get(0),
            )
            .unwrap()
        })
    };
    let (lean_bytes, whole_bytes) = (file_bytes(&lean), file_bytes(&whole));
    assert!(
        lean_bytes * 2 < whole_bytes,
        "{lean_bytes} bytes, {whole_bytes} when every body is written"
    );
}
