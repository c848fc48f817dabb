//! Store tests on real SQLite files in temporary folders.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use tempfile::TempDir;

use super::*;

mod budget;
mod reads;
mod search;
use crate::format::snapshot::Headline;
use crate::format::{Change, Comment};
use article_sync_test_support::seed::seed_paragraphs;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn temp() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.db");
    (dir, path)
}

pub(crate) fn open(path: &Path) -> Store {
    Store::open(path, StoreConfig::default()).expect("open store")
}

pub(crate) fn article(id: &str, revision: u64, published_at: i64) -> Article {
    Article {
        id: id.into(),
        revision,
        title: format!("عنوان {id}"),
        summary: format!("خلاصه {id}"),
        body_html: format!("<p>متن {id} نسخه {revision}</p>"),
        author: Some("نویسنده".into()),
        language: "fa".into(),
        published_at,
        updated_at: published_at,
        tags: vec!["news".into()],
        url: None,
        lead_image: None,
        images: vec![],
        related: vec![],
        links: vec![],
    }
}

pub(crate) fn comment(id: &str, article_id: &str, body: &str) -> Comment {
    Comment {
        id: id.into(),
        article_id: article_id.into(),
        author: "کارو".into(),
        body: body.into(),
        posted_at: 100,
    }
}

/// Entries `first..` for `changes`, applied at once.
pub(crate) fn apply(store: &Store, changes: Vec<Change>) -> Result<ApplyStats> {
    let first = store.sync_position()?.log_seq + 1;
    let entries: Vec<Entry> = changes
        .into_iter()
        .enumerate()
        .map(|(i, change)| Entry {
            seq: first + i as u64,
            change,
        })
        .collect();
    let last = entries.last().map_or(first - 1, |e| e.seq);
    store.apply_entries(&entries, last, &format!("{last:064x}"))
}

pub(crate) fn put(a: Article) -> Change {
    Change::PutArticle { article: a }
}

/// The ids `query` finds, best first.
pub(crate) fn found(store: &Store, query: &str) -> Vec<String> {
    store
        .search(query, &SearchOptions::default())
        .unwrap_or_else(|e| panic!("search {query:?} failed: {e}"))
        .into_iter()
        .map(|h| h.article.id)
        .collect()
}

/// The ids `query` finds, sorted.
pub(crate) fn found_sorted(store: &Store, query: &str) -> Vec<String> {
    let mut ids = found(store, query);
    ids.sort();
    ids
}

pub(crate) fn ids(page: &Page) -> Vec<&str> {
    page.items.iter().map(|s| s.id.as_str()).collect()
}

// ---- open, schema, errors ------------------------------------------------------------------

fn schema_of(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).expect("open");
    let mut out: Vec<String> = conn
        .prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master")
        .unwrap()
        .query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for t in tables {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info(\"{t}\")"))
            .unwrap();
        let cols = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{t}.{}:{}:{}:{:?}:{}",
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?
                ))
            })
            .unwrap();
        for c in cols {
            out.push(c.unwrap());
        }
    }
    out.push(format!(
        "user_version={}",
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))
            .unwrap()
    ));
    out.sort();
    out
}

#[test]
fn every_earlier_schema_upgrades_to_the_fresh_one() {
    let (_dir, fresh) = temp();
    drop(open(&fresh));
    let expected = schema_of(&fresh);
    assert!(expected.iter().any(|l| l.contains("table|articles|")));
    for v in 0..schema::VERSION {
        let (_d, path) = temp();
        let mut conn = Connection::open(&path).unwrap();
        schema::upgrade(&mut conn, v).unwrap();
        assert_eq!(schema::version(&conn).unwrap(), v);
        if v >= 1 {
            conn.execute(
                "INSERT INTO articles (id, revision, title, language, published_at, updated_at,
                    body_html, body_size) VALUES ('old', 1, 'گفت‌وگو', 'fa', 1, 1, '<p>x</p>', 8)",
                [],
            )
            .unwrap();
        }
        drop(conn);
        let store = open(&path);
        // Rows written before the search migration (3) are indexed by it; a raw insert at a
        // later version bypasses the indexer, so only those are checked.
        if (1..3).contains(&v) {
            let hits = store.search("گفتوگو", &SearchOptions::default()).unwrap();
            assert_eq!(
                hits.len(),
                1,
                "rows from version {v} are searchable after upgrade"
            );
        }
        drop(store);
        assert_eq!(schema_of(&path), expected, "upgraded from version {v}");
    }
}

/// A store whose index holds the words of before the hamza spellings (version 13) has it
/// rebuilt in batches, as after a snapshot, and meanwhile answers with the old words.
#[test]
fn the_index_of_an_older_normaliser_is_rebuilt_with_its_words() {
    let (_dir, path) = temp();
    let mut conn = Connection::open(&path).unwrap();
    schema::upgrade(&mut conn, 13).unwrap();
    conn.execute_batch(
        "INSERT INTO articles (pk, id, revision, title, language, published_at, updated_at,
             body_html, body_size) VALUES (1, 'old', 1, 'مسئله آب', 'fa', 1, 1, '<p>x</p>', 8);
         INSERT INTO search (rowid, title, summary, body, comments) VALUES (1, 'مسیله اب', '', 'x', '');",
    )
    .unwrap();
    drop(conn);
    let store = open(&path);
    assert!(store.search_rebuild_pending().unwrap());
    assert_eq!(found(&store, "مسئله"), ["old"], "the old words answer");
    assert!(found(&store, "مساله").is_empty());
    while !store.rebuild_search_step(100).unwrap().unwrap().finished {}
    assert!(!store.search_rebuild_pending().unwrap());
    assert_eq!(found(&store, "مساله"), ["old"]);
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let (_dir, path) = temp();
    drop(open(&path));
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::VERSION + 1)
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path, StoreConfig::default()) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, schema::VERSION + 1);
            assert_eq!(supported, schema::VERSION);
        }
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
    let conn = Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'articles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "nothing was wiped");
    assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
}

#[test]
fn garbage_bytes_are_reported_as_corrupt() {
    let (_dir, path) = temp();
    std::fs::write(
        &path,
        b"this is not a database, just some bytes that look nothing like one",
    )
    .unwrap();
    assert!(matches!(
        Store::open(&path, StoreConfig::default()),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_truncated_file_is_reported_as_corrupt() {
    let (_dir, path) = temp();
    let store = open(&path);
    many_articles(&store, 200);
    drop(store); // checkpoints the WAL into the main file
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let _ = std::fs::remove_file(path.with_extension("db-wal"));
    match Store::open(&path, StoreConfig::default()) {
        Err(StoreError::Corrupt { .. }) => {}
        other => panic!("expected Corrupt, got {:?}", other.err()),
    }
}

/// A checkpoint beside the writer copies the WAL into the main file while a write transaction
/// is open (it neither waits for it nor blocks it), and leaves the WAL for the final one.
#[test]
fn a_checkpoint_beside_the_writer_fills_the_file_without_blocking_it() {
    let (_dir, path) = temp();
    let store = open(&path);
    many_articles(&store, 200);
    let wal = path.with_extension("db-wal");
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let (before, wal_before) = (size(&path), size(&wal));
    assert!(
        wal_before > 64 * 1024,
        "the articles are in the WAL: {wal_before}"
    );
    store
        .db
        .write(|tx| {
            tx.execute("UPDATE articles SET title = 'x' WHERE id = 'a0'", [])?;
            store.checkpoint_beside()
        })
        .unwrap();
    assert!(
        size(&path) > before + 64 * 1024,
        "{before} bytes before, {} after",
        size(&path)
    );
    assert!(size(&wal) >= wal_before, "the WAL is left in place");
    assert_eq!(store.article("a0").unwrap().unwrap().article.title, "x");
}

/// Overwrites page `root` (1-based) of the database file with garbage.
fn scribble_over_page(path: &Path, table: &str) {
    let conn = Connection::open(path).unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let mut bytes = std::fs::read(path).unwrap();
    let at = ((root - 1) * page_size) as usize;
    for (i, b) in bytes[at..at + page_size as usize].iter_mut().enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    std::fs::write(path, bytes).unwrap();
}

/// A long write (a first sync of many articles, one transaction a part) leaves the WAL at
/// most [`db::WAL_CHECKPOINT_PAGES`] and one transaction long, not as long as everything it
/// wrote.
#[test]
fn the_wal_stays_bounded_through_a_long_write() {
    let (_dir, path) = temp();
    let store = open(&path);
    let (parts, per_part) = (12, 320);
    let body = format!("<p>{}</p>", "x".repeat(100 * 1024)); // 32 MiB a part
    for part in 0..parts {
        let rows: Vec<Article> = (0..per_part)
            .map(|i| {
                let mut a = article(&format!("a{part}-{i}"), 1, i as i64);
                a.body_html = body.clone();
                a
            })
            .collect();
        store.write_article_rows(&rows).unwrap();
    }
    let cap = db::WAL_CHECKPOINT_PAGES as u64 * 4096;
    let part_bytes = (per_part * body.len()) as u64;
    let written = parts as u64 * part_bytes;
    assert!(written > cap + 3 * part_bytes, "the write outgrows the cap");
    let wal = std::fs::metadata(path.with_extension("db-wal"))
        .unwrap()
        .len();
    assert!(
        wal <= cap + 2 * part_bytes,
        "WAL of {wal} bytes after {written} written"
    );
    assert_eq!(store.counts().unwrap().total, (parts * per_part) as u64);
}

fn many_articles(store: &Store, n: usize) {
    let many: Vec<Change> = (0..n)
        .map(|i| {
            let mut a = article(&format!("a{i}"), 1, i as i64);
            a.body_html = format!("<p>{}</p>", "متن ".repeat(200));
            put(a)
        })
        .collect();
    apply(store, many).unwrap();
}

#[test]
fn a_corrupt_page_of_the_readers_marks_is_reported_at_open() {
    let (_dir, path) = temp();
    let store = open(&path);
    many_articles(&store, 50);
    store.set_bookmarked("a3", true).unwrap();
    drop(store);
    scribble_over_page(&path, "reader_state");
    match Store::open(&path, StoreConfig::default()) {
        Err(StoreError::Corrupt { .. }) => {}
        other => panic!("expected Corrupt, got {:?}", other.err()),
    }
}

#[test]
fn a_corrupt_article_page_is_reported_when_read_and_by_the_full_check() {
    let (_dir, path) = temp();
    let store = open(&path);
    many_articles(&store, 200);
    drop(store);
    scribble_over_page(&path, "articles_newest");
    // Opening stays cheap: the article tables are not scanned.
    let store = open(&path);
    assert!(matches!(
        store.integrity_check(),
        Err(StoreError::Corrupt { .. })
    ));
    assert!(matches!(
        store.list(&ListFilter::All, None, 20),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn a_healthy_store_passes_the_full_check() {
    let (_dir, path) = temp();
    let store = open(&path);
    many_articles(&store, 20);
    store.integrity_check().unwrap();
}

#[test]
fn a_full_disk_leaves_the_store_as_it_was() {
    let (_dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("kept", 1, 1))]).unwrap();
    let before = store.sync_position().unwrap();
    let pages: i64 = store
        .db
        .with_writer_conn(|c| c.query_row("PRAGMA page_count", [], |r| r.get(0)))
        .unwrap();
    store
        .db
        .with_writer_conn(|c| c.pragma_update(None, "max_page_count", pages + 2))
        .unwrap();
    let big: Vec<Change> = (0..50)
        .map(|i| {
            let mut a = article(&format!("big{i}"), 1, 10 + i);
            a.body_html = "<p>".to_string() + &"x".repeat(20_000) + "</p>";
            put(a)
        })
        .collect();
    assert!(matches!(
        apply(&store, big.clone()),
        Err(StoreError::DiskFull)
    ));
    assert_eq!(store.sync_position().unwrap(), before);
    assert_eq!(store.counts().unwrap().total, 1);
    assert!(store.article("kept").unwrap().is_some());
    assert!(store.article("big0").unwrap().is_none());
    // With room again, the same write succeeds.
    store
        .db
        .with_writer_conn(|c| c.pragma_update(None, "max_page_count", 1_000_000))
        .unwrap();
    apply(&store, big).unwrap();
    assert_eq!(store.counts().unwrap().total, 51);
}

#[test]
fn a_lock_held_by_another_process_is_reported_as_busy() {
    let (_dir, path) = temp();
    let store = Store::open(
        &path,
        StoreConfig {
            busy_timeout: std::time::Duration::from_millis(50),
            ..StoreConfig::default()
        },
    )
    .unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    assert!(matches!(store.set_read("a", true), Err(StoreError::Busy)));
    other.execute_batch("ROLLBACK").unwrap();
    store.set_read("a", true).unwrap();
}

#[test]
fn an_unopenable_path_is_an_io_error() {
    let (dir, _) = temp();
    let path = dir.path().join("no-such-folder").join("store.db");
    assert!(matches!(
        Store::open(&path, StoreConfig::default()),
        Err(StoreError::Io { .. })
    ));
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
}

// ---- apply: log entries -----------------------------------------------------------------------

#[test]
fn entries_must_continue_the_stored_position() {
    let (_dir, path) = temp();
    let store = open(&path);
    let e = |seq| Entry {
        seq,
        change: put(article(&format!("a{seq}"), 1, seq as i64)),
    };
    match store.apply_entries(&[e(2)], 2, GENESIS) {
        Err(StoreError::OutOfOrder { expected, found }) => assert_eq!((expected, found), (1, 2)),
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
    // A gap in the middle refuses the whole batch.
    assert!(matches!(
        store.apply_entries(&[e(1), e(3)], 3, GENESIS),
        Err(StoreError::OutOfOrder { .. })
    ));
    assert_eq!(store.counts().unwrap().total, 0);
    assert_eq!(store.sync_position().unwrap().log_seq, 0);
    store.apply_entries(&[e(1), e(2)], 2, "ab").unwrap();
    let pos = store.sync_position().unwrap();
    assert_eq!((pos.log_seq, pos.log_tip.as_str()), (2, "ab"));
    assert!(matches!(
        store.apply_entries(&[e(2)], 2, "ab"),
        Err(StoreError::OutOfOrder {
            expected: 3,
            found: 2
        })
    ));
}

#[test]
fn revisions_only_move_forward() {
    let (_dir, path) = temp();
    let store = open(&path);
    let stats = apply(
        &store,
        vec![put(article("a", 2, 1)), put(article("a", 1, 1))],
    )
    .unwrap();
    assert_eq!((stats.articles_put, stats.skipped), (1, 1));
    let mut same = article("a", 2, 1);
    same.title = "replayed".into();
    apply(&store, vec![put(same)]).unwrap();
    let view = store.article("a").unwrap().unwrap();
    assert_eq!(view.article, article("a", 2, 1));
    let mut newer = article("a", 3, 1);
    newer.title = "ویرایش".into();
    apply(&store, vec![put(newer.clone())]).unwrap();
    assert_eq!(store.article("a").unwrap().unwrap().article, newer);
}

#[test]
fn a_tombstone_drops_the_article_its_comments_search_row_and_unshared_media() {
    let (_dir, path) = temp();
    let store = open(&path);
    let img = |b: &[u8]| MediaRef {
        hash: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b)),
        size: b.len() as u64,
        mime: "image/jpeg".into(),
        caption: None,
        original: None,
    };
    let (own, shared) = (img(b"own"), img(b"shared"));
    let mut a = article("a", 1, 1);
    a.lead_image = Some(own.clone());
    a.images = vec![shared.clone()];
    let mut b = article("b", 1, 2);
    b.lead_image = Some(shared.clone());
    apply(
        &store,
        vec![
            put(a),
            put(b),
            Change::PutComment {
                comment: comment("c1", "a", "نظر یکتا"),
            },
        ],
    )
    .unwrap();
    store.put_media(&own.hash, "image/jpeg", b"own").unwrap();
    store
        .put_media(&shared.hash, "image/jpeg", b"shared")
        .unwrap();
    store.set_read("a", true).unwrap();
    assert_eq!(
        store
            .search("یکتا", &SearchOptions::default())
            .unwrap()
            .len(),
        1
    );

    let stats = apply(
        &store,
        vec![Change::DeleteArticle {
            id: "a".into(),
            revision: 1,
        }],
    )
    .unwrap();
    assert_eq!(stats.articles_deleted, 1);
    assert!(store.article("a").unwrap().is_none());
    assert!(
        store
            .search("یکتا", &SearchOptions::default())
            .unwrap()
            .is_empty()
    );
    assert!(store.media(&own.hash).unwrap().is_none());
    assert_eq!(
        store.media(&shared.hash).unwrap().as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(store.reader_state("a").unwrap(), ReaderState::default());
    let n: i64 = store
        .db
        .read(|c| Ok(c.query_row("SELECT count(*) FROM comments", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn comments_are_put_deleted_and_skipped_for_unknown_articles() {
    let (_dir, path) = temp();
    let store = open(&path);
    let stats = apply(
        &store,
        vec![
            put(article("a", 1, 1)),
            Change::PutComment {
                comment: comment("c1", "a", "اول"),
            },
            Change::PutComment {
                comment: comment("c2", "a", "دوم"),
            },
            Change::PutComment {
                comment: comment("c3", "missing", "گم"),
            },
            Change::DeleteComment {
                id: "c1".into(),
                article_id: "a".into(),
            },
        ],
    )
    .unwrap();
    assert_eq!(
        (stats.comments_put, stats.comments_deleted, stats.skipped),
        (2, 1, 1)
    );
    let view = store.article("a").unwrap().unwrap();
    assert_eq!(view.comments, vec![comment("c2", "a", "دوم")]);
}

// ---- apply: snapshots -------------------------------------------------------------------------

#[test]
fn a_snapshot_applies_in_resumable_steps_and_replaces_sync_data_but_not_reader_state() {
    let (_dir, path) = temp();
    let store = open(&path);
    apply(
        &store,
        vec![
            put(article("old", 1, 1)),
            put(article("kept", 1, 2)),
            Change::PutComment {
                comment: comment("gone", "kept", "حذف"),
            },
        ],
    )
    .unwrap();
    store.set_bookmarked("old", true).unwrap();

    let kept = article("kept", 2, 2);
    let new = article("new", 1, 3);
    let headlines = vec![
        PartItem::Headline(Headline::from(&new)),
        PartItem::Headline(Headline::from(&kept)),
    ];
    // A later part before part 0 is refused.
    assert!(matches!(
        store.apply_snapshot_items(10, "s", 1, &[]),
        Err(StoreError::Snapshot { .. })
    ));
    store.apply_snapshot_items(10, "s", 0, &headlines).unwrap();
    let pos = store.sync_position().unwrap();
    assert_eq!(
        pos.snapshot,
        Some(SnapshotProgress {
            seq: 10,
            id: "s".into(),
            parts_applied: 1
        })
    );
    assert_eq!(pos.log_seq, 3, "the position moves only at the end");
    // The list shows the headlines at once, without bodies.
    let page = store.list(&ListFilter::All, None, 10).unwrap();
    assert_eq!(ids(&page), ["new", "kept", "old"]);
    assert!(!page.items[0].has_body);

    // Another snapshot at the same position continues nothing: its part 1 is refused.
    assert!(matches!(
        store.apply_snapshot_items(10, "other", 1, &[]),
        Err(StoreError::Snapshot { .. })
    ));
    // Skipping a part is refused; re-applying part 0 is harmless.
    assert!(matches!(
        store.apply_snapshot_items(10, "s", 2, &[]),
        Err(StoreError::Snapshot { .. })
    ));
    store.apply_snapshot_items(10, "s", 0, &headlines).unwrap();
    store
        .apply_snapshot_items(
            10,
            "s",
            1,
            &[
                PartItem::Article(new.clone()),
                PartItem::Article(kept.clone()),
            ],
        )
        .unwrap();
    store
        .apply_snapshot_items(
            10,
            "s",
            2,
            &[PartItem::Comment(comment("c", "new", "تازه"))],
        )
        .unwrap();
    assert!(matches!(
        store.finish_snapshot(11, "ff"),
        Err(StoreError::Snapshot { .. })
    ));
    let stats = store.finish_snapshot(10, "ff").unwrap();
    assert_eq!((stats.articles_deleted, stats.comments_deleted), (1, 1));

    let pos = store.sync_position().unwrap();
    assert_eq!(
        (pos.log_seq, pos.log_tip.as_str(), pos.snapshot),
        (10, "ff", None)
    );
    assert_eq!(
        ids(&store.list(&ListFilter::All, None, 10).unwrap()),
        ["new", "kept"]
    );
    assert_eq!(store.article("kept").unwrap().unwrap().article, kept);
    assert!(store.article("kept").unwrap().unwrap().comments.is_empty());
    assert_eq!(store.article("new").unwrap().unwrap().comments.len(), 1);
    // The bookmark of the article the snapshot no longer has survives, and comes back with it.
    assert!(store.reader_state("old").unwrap().bookmarked_at.is_some());
    apply(&store, vec![put(article("old", 2, 1))]).unwrap();
    assert_eq!(
        ids(&store.list(&ListFilter::Bookmarked, None, 10).unwrap()),
        ["old"]
    );
}

#[test]
fn a_part_whose_items_fail_midway_is_rolled_back_whole() {
    let (_dir, path) = temp();
    let store = open(&path);
    let (a, b) = (article("a", 1, 1), article("b", 1, 2));
    store
        .apply_snapshot_items(10, "s", 0, &[PartItem::Headline(Headline::from(&a))])
        .unwrap();
    // Part 1 as it is parsed: one article stored, then the parser fails.
    let items = vec![
        Ok(PartItem::Article(a.clone())),
        Ok(PartItem::Headline(Headline::from(&b))),
        Err(StoreError::Invalid {
            what: "part".into(),
            detail: "torn".into(),
        }),
        Ok(PartItem::Article(b.clone())),
    ];
    assert!(matches!(
        store.apply_snapshot_part(10, "s", 1, items),
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        store
            .sync_position()
            .unwrap()
            .snapshot
            .unwrap()
            .parts_applied,
        1,
        "the failed part is not counted"
    );
    let page = store.list(&ListFilter::All, None, 10).unwrap();
    assert_eq!(ids(&page), ["a"], "nothing of the failed part is stored");
    assert!(!page.items[0].has_body);
    // The same part, parsed whole the next time, applies.
    let items = [PartItem::Article(a), PartItem::Article(b)];
    store
        .apply_snapshot_part(10, "s", 1, items.iter().map(Ok::<_, StoreError>))
        .unwrap();
    assert_eq!(
        ids(&store.list(&ListFilter::All, None, 10).unwrap()),
        ["b", "a"]
    );
}

/// Format 4: a body cut of its summary gets it back from the stored headline of its revision;
/// a cut without that headline, or one that does not fit it, rolls the part back.
#[test]
fn a_cut_body_is_spliced_with_its_stored_summary_or_refused() {
    use crate::format::snapshot::Body;
    let (_dir, path) = temp();
    let store = open(&path);
    let whole = |id: &str| {
        let first = "خبر فوری: گفت‌وگوی «سه‌شنبه» دربارهٔ بودجهٔ ۱۴۰۳ ادامه یافت";
        Article {
            summary: format!("{first}…"),
            body_html: format!("<p>{first} و پایان نیافت.</p>"),
            ..article(id, 1, 1)
        }
    };
    let (a, b) = (whole("a"), whole("b"));
    let headlines = [a.clone(), b.clone()].map(|x| PartItem::Headline(Headline::from(&x)));
    store.apply_snapshot_items(10, "s", 0, &headlines).unwrap();
    let cut = |x: &Article| Body::cut(x);
    assert!(cut(&a).is_cut());

    let no_headline = Body {
        id: "c".into(),
        ..cut(&a)
    };
    let other_revision = Body {
        revision: 2,
        ..cut(&b)
    };
    let past_summary = Body {
        summary_len: Some(b.summary.len() as u64 + 1),
        ..cut(&b)
    };
    let half = Body {
        summary_at: None,
        ..cut(&b)
    };
    for bad in [no_headline, other_revision, past_summary, half] {
        let items = [PartItem::Body(cut(&a)), PartItem::Body(bad.clone())];
        let result = store.apply_snapshot_part(10, "s", 1, items.iter().map(Ok::<_, StoreError>));
        assert!(
            matches!(result, Err(StoreError::Snapshot { .. })),
            "{bad:?}: {result:?}"
        );
        let pos = store.sync_position().unwrap().snapshot.unwrap();
        assert_eq!(pos.parts_applied, 1, "the part is rolled back");
        let stored = store.article("a").unwrap().unwrap().article;
        assert_eq!(
            stored.body_html, "",
            "whatever was stored stays: a headline"
        );
        assert_eq!(stored.summary, a.summary);
    }

    let items = [PartItem::Body(cut(&a)), PartItem::Body(cut(&b))];
    store.apply_snapshot_items(10, "s", 1, &items).unwrap();
    store.finish_snapshot(10, "ff").unwrap();
    for x in [a, b] {
        assert_eq!(store.article(&x.id).unwrap().unwrap().article, x);
    }
    // A newer stored revision keeps its own body, cut or not.
    let newer = Article {
        revision: 2,
        ..whole("a")
    };
    apply(&store, vec![put(newer)]).unwrap();
    store.apply_snapshot_items(12, "t", 0, &[]).unwrap();
    assert_eq!(
        store
            .apply_snapshot_items(12, "t", 1, &[PartItem::Body(cut(&whole("a")))])
            .unwrap()
            .skipped,
        1
    );
}

#[test]
fn root_and_head_versions_only_grow() {
    let (_dir, path) = temp();
    let store = open(&path);
    let root = StoredRoot {
        version: 2,
        keys: vec!["key-a".into(), "key-b".into()],
        threshold: 2,
        comment_key: Some("x25519:key-c".into()),
    };
    store.set_root(&root).unwrap();
    store.set_head(5, 100, 200).unwrap();
    let pos = store.sync_position().unwrap();
    assert_eq!(pos.root, root);
    assert_eq!(
        (pos.head_version, pos.head_issued_at, pos.head_expires_at),
        (5, Some(100), Some(200))
    );
    assert!(matches!(
        store.set_head(4, 300, 400),
        Err(StoreError::Rollback { what: "head", .. })
    ));
    assert!(matches!(
        store.set_root(&StoredRoot { version: 1, ..root }),
        Err(StoreError::Rollback { what: "root", .. })
    ));
    assert_eq!(store.sync_position().unwrap().head_version, 5);
}

#[test]
fn every_committed_write_bumps_the_change_counter() {
    let (_dir, path) = temp();
    let store = open(&path);
    let rx = store.changes();
    let start = *rx.borrow();
    apply(&store, vec![put(article("a", 1, 1))]).unwrap();
    store.set_read("a", true).unwrap();
    assert_eq!(*rx.borrow(), start + 2);
    // A refused write changes nothing and tells nobody.
    let _ = store.apply_entries(&[], 7, "x");
    assert_eq!(*rx.borrow(), start + 2);
}

#[test]
fn the_last_connection_state_survives_a_reopen_and_is_replaced_by_the_next() {
    use crate::net::{ConnectionState, Evidence};
    let (_dir, path) = temp();
    let store = open(&path);
    assert_eq!(store.last_connection().unwrap(), None);
    let evidence = Evidence {
        network_available: true,
        checked_at: 42,
        ..Evidence::default()
    };
    let first = LastConnection {
        state: ConnectionState::MainBlockedMirror(evidence.clone()),
        route: Some("https://mirror.test/".into()),
        at: 42,
    };
    store.set_last_connection(&first).unwrap();
    drop(store);
    let store = open(&path);
    assert_eq!(store.last_connection().unwrap(), Some(first));
    let second = LastConnection {
        state: ConnectionState::NationalShutdown(evidence),
        route: None,
        at: 43,
    };
    store.set_last_connection(&second).unwrap();
    assert_eq!(store.last_connection().unwrap(), Some(second));
}

#[test]
fn a_headline_then_its_article_store_what_a_log_put_stores() {
    let img = |b: &[u8]| MediaRef {
        hash: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b)),
        size: b.len() as u64,
        mime: "image/jpeg".into(),
        caption: None,
        original: None,
    };
    let mut a = article("a", 3, 1);
    a.lead_image = Some(img(b"lead"));
    a.images = vec![img(b"one"), img(b"two")];
    a.related = vec!["b".into()];
    let rows = |store: &Store| {
        store.db.with_writer_conn(|c| {
            let media: Vec<(i64, String, bool)> = c
                .prepare("SELECT position, hash, is_lead FROM article_media ORDER BY position")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let known: i64 = c
                .query_row("SELECT count(*) FROM media", [], |r| r.get(0))
                .unwrap();
            (media, known)
        })
    };

    let (_d1, logged) = temp();
    let logged = open(&logged);
    apply(&logged, vec![put(a.clone())]).unwrap();

    let (_d2, snap) = temp();
    let snap = open(&snap);
    snap.apply_snapshot_items(5, "s", 0, &[PartItem::Headline(Headline::from(&a))])
        .unwrap();
    snap.apply_snapshot_items(5, "s", 1, &[PartItem::Article(a.clone())])
        .unwrap();
    snap.finish_snapshot(5, "ff").unwrap();

    assert_eq!(rows(&snap), rows(&logged));
    assert_eq!(rows(&snap).0.len(), 3);
    let (s, l) = (
        snap.article("a").unwrap().unwrap(),
        logged.article("a").unwrap().unwrap(),
    );
    assert_eq!(s.article, l.article);
    assert!(s.has_body);
}

#[test]
fn a_row_left_with_its_headline_only_is_filled_by_a_later_log_entry() {
    let (_dir, path) = temp();
    let store = open(&path);
    let a = article("a", 2, 1);
    // The snapshot's article part never carried it: its headline stays alone.
    store
        .apply_snapshot_items(5, "s", 0, &[PartItem::Headline(Headline::from(&a))])
        .unwrap();
    store.finish_snapshot(5, "ff").unwrap();
    assert!(!store.article("a").unwrap().unwrap().has_body);

    let stats = apply(&store, vec![put(a.clone())]).unwrap();
    assert_eq!(stats.articles_put, 1);
    let view = store.article("a").unwrap().unwrap();
    assert!(view.has_body);
    assert_eq!(
        view.article.body_html,
        crate::content::sanitize_html(&a.body_html)
    );
    // A stored body is not put again by the same revision.
    assert_eq!(apply(&store, vec![put(a)]).unwrap().articles_put, 0);
}

/// `n` articles made of the seed page's paragraphs, one per second from
/// `published_at = 1_500_000_000`: article `i` mixes the paragraphs in an order derived from
/// `i`, so searches hit a realistic spread of articles; ids are `seed-<i>`.
pub(crate) fn persian_articles(n: usize) -> Vec<Article> {
    let paras = seed_paragraphs();
    let body_paras = &paras[2..];
    (0..n)
        .map(|i| {
            let k = body_paras.len();
            let body: String = (0..4)
                .map(|j| format!("<p>{}</p>", body_paras[(i * 7 + j * 3) % k]))
                .collect();
            Article {
                id: format!("seed-{i}"),
                revision: 1,
                title: format!("{} {}", paras[0], i),
                summary: paras[1].to_owned(),
                body_html: body,
                author: None,
                language: "fa".into(),
                published_at: 1_500_000_000 + i as i64,
                updated_at: 1_500_000_000 + i as i64,
                tags: vec![format!("tag{}", i % 10)],
                url: None,
                lead_image: None,
                images: vec![],
                related: vec![],
                links: vec![],
            }
        })
        .collect()
}

/// Log entries `first_seq..` that put `articles`.
pub(crate) fn put_entries(articles: Vec<Article>, first_seq: u64) -> Vec<Entry> {
    articles
        .into_iter()
        .enumerate()
        .map(|(i, article)| Entry {
            seq: first_seq + i as u64,
            change: Change::PutArticle { article },
        })
        .collect()
}
