//! The sync engine against real HTTPS servers on loopback (`article-sync serve` in-process,
//! TLS from a test CA): first sync, incremental sync, no-change sync.

use std::time::Duration;

use article_sync_cli::corpus::Corpus;
use article_sync_cli::serve::{Fault, PathKind};
use article_sync_core::format::head::{Head, TreeFormat};
use article_sync_core::format::{Article, layout};
use article_sync_core::net::NetConfig;
use article_sync_core::publish::SNAPSHOT_PART_BYTES;
use article_sync_core::publish::source::SourceArticle;
use article_sync_core::reader::Reader;
use article_sync_core::store::ListFilter;
use article_sync_core::sync::SyncError;
use article_sync_tests::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_then_incremental_then_nothing_new() {
    let t = std::time::Instant::now();
    let mut world = World::with_parts(10_000, SNAPSHOT_PART_BYTES);
    eprintln!("published in {:?}", t.elapsed());
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &main.url(), &[]);

    let t = std::time::Instant::now();
    let first = reader.syncer().unwrap().sync().await.expect("first sync");
    eprintln!("first sync in {:?}", t.elapsed());
    assert!(first.used_snapshot, "a new reader takes the snapshot");
    assert_eq!(reader.store().counts().unwrap().total, 10_000);
    // The sync ends with the search index rebuilt over every article.
    assert!(!reader.store().search_rebuild_pending().unwrap());
    let first_title = &world.articles[0].title;
    let hits = reader
        .store()
        .search(
            first_title,
            &article_sync_core::store::SearchOptions {
                limit: 10_000,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        hits.iter().any(|h| h.article.id == world.articles[0].id),
        "search finds the first article by its title"
    );
    assert!(
        first.requests <= 25,
        "first sync took {} requests",
        first.requests
    );
    assert_eq!(first.route, main.url());
    assert_eq!(
        first.requests_to_headlines,
        Some(3),
        "the list shows after `head`, the root it names and the headlines part, before any \
         other part is asked for"
    );

    // 10 new, 3 edited, 2 deleted, new comments.
    for i in [3, 500, 9_000] {
        world.articles[i].title.push_str(" (ویرایش)");
    }
    let commented_id = world.articles[42].id.clone();
    world.articles[42]
        .comments
        .push(article_sync_core::publish::source::SourceComment {
            id: "late-comment".into(),
            author: "خواننده".into(),
            body: "نظر تازه درباره این گزارش".into(),
            posted_at: article_sync_tests::world::now(),
        });
    let gone = [world.articles[7].id.clone(), world.articles[8].id.clone()];
    world.articles.retain(|a| !gone.contains(&a.id));
    let new = world.corpus.articles(10_000..10_010);
    world.articles.extend(new.iter().cloned());
    let published = world.publish();
    assert_eq!(
        (published.added, published.edited, published.removed),
        (10, 3, 2)
    );

    main.reset_stats();
    let incremental = reader
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("incremental sync");
    assert!(!incremental.used_snapshot);
    assert_eq!(incremental.requests, 2, "head and one log file");
    let head_len = std::fs::read(world.tree.join(layout::HEAD)).unwrap().len() as u64;
    let log_len = main.stats().path(PathKind::Log).bytes_sent;
    assert_eq!(incremental.bytes, head_len + log_len);
    let floor: u64 = new
        .iter()
        .map(|a| {
            article_sync_core::format::codec::gzip(
                serde_json::to_string(&(&a.title, &a.summary, &a.body_html))
                    .unwrap()
                    .as_bytes(),
            )
            .len() as u64
        })
        .sum();
    assert!(
        log_len as f64 <= 1.5 * floor as f64,
        "log file {log_len} B against the articles' compressed {floor} B"
    );

    let store = reader.store();
    assert_eq!(store.counts().unwrap().total, 10_008);
    assert!(
        store.article(&gone[0]).unwrap().is_none(),
        "tombstones delete"
    );
    let edited = store.article(&world.articles[3].id).unwrap().unwrap();
    assert!(edited.article.title.ends_with("(ویرایش)") && edited.article.revision == 2);
    let newest = store.list(&ListFilter::All, None, 1).unwrap();
    assert_eq!(newest.items[0].id, "article-010009");
    let commented = store.article(&commented_id).unwrap().unwrap();
    assert!(
        commented.comments.iter().any(|c| c.id == "late-comment"),
        "comments attach to their articles"
    );

    main.reset_stats();
    let unchanged = reader
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("no-change sync");
    assert_eq!(unchanged.requests, 1);
    assert!(!unchanged.changed);
    let stats = main.stats();
    assert_eq!(stats.total().requests, 1);
    assert_eq!(
        stats.path(PathKind::Head).not_modified,
        1,
        "the host gives ETags, so a 304"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lead_images_come_within_the_sync_and_others_on_demand_and_text_only_skips_them() {
    use article_sync_core::publish::source;
    let dir = tempfile::tempdir().unwrap();
    let world = World::new(0);
    let articles = source::read_folder(&article_sync_tests::seed_dir(), "fa").unwrap();
    article_sync_core::publish::publish(
        &world.tree,
        &world.key,
        articles,
        &article_sync_tests::options(article_sync_tests::world::now()),
    )
    .unwrap();
    let server = world.serve(&world.tree, Fault::None).await;

    let reader = world.reader(&dir.path().join("with-media.db"), &server.url(), &[]);
    let report = reader.syncer().unwrap().sync().await.unwrap();
    assert_eq!(report.media_fetched, 1);
    let seed = reader
        .store()
        .article("russia-ready-military-cooperation-syria")
        .unwrap()
        .unwrap();
    let image = seed
        .article
        .lead_image
        .clone()
        .expect("the seed has a lead image");
    let bytes = reader
        .store()
        .media(&image.hash)
        .unwrap()
        .expect("stored with the sync");
    assert_eq!(
        article_sync_core::format::codec::sha256_hex(&bytes),
        image.hash
    );

    let mut net = world.net_config();
    net.stagger = Duration::from_millis(250);
    let text_only =
        article_sync_core::reader::Reader::open(article_sync_core::reader::ReaderConfig {
            database: dir.path().join("text-only.db"),
            publisher_keys: vec![world.key.public().to_string()],
            main_url: server.url(),
            mirrors: vec![],
            storage_budget_bytes: 1 << 30,
            text_only: true,
            net,
        })
        .unwrap();
    server.reset_stats();
    let report = text_only.syncer().unwrap().sync().await.unwrap();
    assert_eq!(report.media_fetched, 0);
    assert_eq!(
        server.stats().path(PathKind::Media).requests,
        0,
        "text-only fetches no media"
    );
    assert!(text_only.store().media(&image.hash).unwrap().is_none());
    let fetched = text_only
        .syncer()
        .unwrap()
        .fetch_media(&image)
        .await
        .expect("on demand");
    assert_eq!(fetched, bytes);
    assert_eq!(text_only.store().media(&image.hash).unwrap(), Some(bytes));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_joins_the_running_one_and_cancel_stops_it() {
    let world = World::new(300);
    let main = world.serve(&world.tree, Fault::Drip).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &main.url(), &[]);

    // A dripping main keeps the sync busy; a second request joins instead of starting anew.
    let first = tokio::spawn({
        let syncer = reader.syncer().unwrap().clone();
        async move { syncer.sync().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let connections = main.stats().connections;
    let second = tokio::spawn({
        let syncer = reader.syncer().unwrap().clone();
        async move { syncer.sync().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        main.stats().connections,
        connections,
        "the joined sync made no requests of its own"
    );

    let started = std::time::Instant::now();
    reader.syncer().unwrap().cancel();
    for task in [first, second] {
        assert!(matches!(task.await.unwrap(), Err(SyncError::Cancelled)));
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cancel is prompt"
    );
    assert_eq!(
        reader.store().counts().unwrap().total,
        0,
        "nothing half-applied"
    );

    // The next sync starts afresh and completes.
    main.set_fault(Fault::None).unwrap();
    reader
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("a new sync after the cancelled one");
    assert_eq!(reader.store().counts().unwrap().total, 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_files_fetched_one_at_a_time_arrive_in_order() {
    use article_sync_core::net::{Connectivity, MemoryHealthLog, RouteSet};
    use article_sync_core::store::{Store, StoreConfig};
    use article_sync_core::sync::{SyncConfig, Syncer};
    use std::sync::Arc;

    let mut world = World::new(10);
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let store = Arc::new(Store::open(&db, StoreConfig::default()).unwrap());
    let net = Connectivity::new(
        world.net_config(),
        RouteSet::new(&main.url(), &[]).unwrap(),
        Arc::new(MemoryHealthLog::new()),
    )
    .unwrap();
    let mut config = SyncConfig::new(vec![world.key.public()]);
    config.parallel_fetches = 1;
    let syncer = Syncer::new(store.clone(), net, config);
    syncer.sync().await.unwrap();
    for run in 0..12u64 {
        world
            .articles
            .extend(world.corpus.articles(10 + run * 3..13 + run * 3));
        world.publish();
    }
    main.reset_stats();
    let report = tokio::time::timeout(Duration::from_secs(30), syncer.sync())
        .await
        .expect("no deadlock")
        .unwrap();
    assert!(
        main.stats().path(PathKind::Log).requests >= 2,
        "several log files: {report:?}"
    );
    assert_eq!(store.counts().unwrap().total, 46);
}

/// Whether any of the database's files (main, WAL) holds `word`.
fn on_disk(db: &std::path::Path, word: &str) -> Vec<String> {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let path = format!("{}{suffix}", db.display());
            let bytes = std::fs::read(&path).unwrap_or_default();
            bytes
                .windows(word.len())
                .any(|w| w == word.as_bytes())
                .then_some(path)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_article_and_a_deleted_comment_leave_no_text_on_disk() {
    use article_sync_core::format::{Article, Change, Comment};
    use article_sync_tests::craft;
    use article_sync_tests::world::now;

    let world = World::new(20);
    let article: Article = serde_json::from_value(serde_json::json!({
        "id": "withdrawn",
        "revision": 1,
        "title": "qqzsecrettitle",
        "summary": "",
        "body_html": "<p>qqzsecretbody</p>",
        "language": "fa",
        "published_at": now(),
        "updated_at": now(),
    }))
    .unwrap();
    let comment = Comment {
        id: "c-secret".into(),
        article_id: world.articles[0].id.clone(),
        author: "qqzsecretauthor".into(),
        body: "qqzsecretcomment".into(),
        posted_at: now(),
    };
    craft::append(
        &world.tree,
        &world.key,
        vec![
            Change::PutArticle { article },
            Change::PutComment { comment },
        ],
    );
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &main.url(), &[]);
    reader.sync().await.expect("first sync");
    let words = ["secrettitle", "secretbody", "secretauthor", "secretcomment"];
    assert!(
        words.iter().all(|w| !on_disk(&db, w).is_empty()),
        "the test words are stored first"
    );

    craft::append(
        &world.tree,
        &world.key,
        vec![
            Change::DeleteArticle {
                id: "withdrawn".into(),
                revision: 1,
            },
            Change::DeleteComment {
                id: "c-secret".into(),
                article_id: world.articles[0].id.clone(),
            },
        ],
    );
    reader.sync().await.expect("second sync");
    // The reader is still open: nothing waits for a close to clean up.
    for word in words {
        assert_eq!(on_disk(&db, word), Vec::<String>::new(), "{word} is left");
    }
    assert!(reader.article("withdrawn").ok().flatten().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wipe_stops_a_running_sync_and_waits_for_it_before_deleting() {
    let world = World::new(300);
    let main = world.serve(&world.tree, Fault::Drip).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &main.url(), &[]);
    let sync = tokio::spawn({
        let reader = reader.clone();
        async move { reader.sync().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sync.is_finished());

    // Another clone of the reader (the app's UI, say) is still held.
    let other = reader.clone();
    tokio::task::spawn_blocking(move || reader.wipe())
        .await
        .unwrap()
        .expect("wipe");
    let result = tokio::time::timeout(Duration::from_secs(1), sync)
        .await
        .expect("the sync had stopped")
        .unwrap();
    assert!(result.is_err(), "the sync was cancelled");
    assert!(
        other.store().counts().is_err(),
        "a clone still reads the deleted database"
    );
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        assert!(!std::path::Path::new(&path).exists(), "{path} is left");
    }
    // A reader reopened on the same path at once starts from nothing and syncs.
    main.set_fault(Fault::None).unwrap();
    let reopened = world.reader(&db, &main.url(), &[]);
    assert_eq!(reopened.store().counts().unwrap().total, 0);
    reopened.sync().await.expect("sync after wipe");
    assert_eq!(reopened.store().counts().unwrap().total, 300);
}

/// Every stored article of `reader`, whole, in the world's order.
fn stored_articles(world: &World, reader: &Reader) -> Vec<Article> {
    world
        .articles
        .iter()
        .map(|a| reader.store().article(&a.id).unwrap().unwrap().article)
        .collect()
}

/// The move from format `from` to `to`: a `from` tree (in a folder of its own) of `articles`
/// syncs; the publisher adds 10 articles in format `to`, which writes a new snapshot smaller
/// than the old one by more than `saving_percent`; a reader that followed `from` follows with
/// the log, a new reader takes the new snapshot, and both hold the same 310 articles. Gives the
/// world and both heads for the format's own checks.
async fn moves_between_formats(
    from: TreeFormat,
    to: TreeFormat,
    saving_percent: u64,
    articles: fn(&Corpus, std::ops::Range<u64>) -> Vec<SourceArticle>,
) -> (World, Head, Head) {
    let mut world = World::with_parts(300, 64 * 1024);
    world.format = from;
    world.articles = articles(&world.corpus, 0..300);
    world.tree = world.dir.path().join(format!("{from:?}"));
    world.publish();
    let before = article_sync_tests::read_head(&world.tree, &world.key);
    assert_eq!(before.format, from);
    let main = world.serve(&world.tree, Fault::None).await;
    let old = world.reader(&world.dir.path().join("old.db"), &main.url(), &[]);
    let first = old
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("the old format syncs");
    assert!(first.used_snapshot);
    assert!(
        stored_articles(&world, &old)
            .iter()
            .all(|a| !a.body_html.is_empty())
    );

    world.format = to;
    world.articles.extend(articles(&world.corpus, 300..310));
    assert!(
        world.publish().snapshot_written,
        "a new format writes its snapshot"
    );
    let after = article_sync_tests::read_head(&world.tree, &world.key);
    assert_eq!(after.format, to);
    let (old_bytes, new_bytes) = (
        before.snapshot.as_ref().unwrap().bytes(),
        after.snapshot.as_ref().unwrap().bytes(),
    );
    assert!(
        new_bytes * 100 < old_bytes * (100 - saving_percent),
        "{to:?}'s snapshot: {new_bytes} bytes, {from:?}'s: {old_bytes}"
    );
    let followed = old
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("the old reader follows");
    assert!(!followed.used_snapshot);
    let new = world.reader(&world.dir.path().join("new.db"), &main.url(), &[]);
    let fresh = new
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect("the new format syncs");
    assert!(fresh.used_snapshot);
    let synced = stored_articles(&world, &new);
    assert_eq!(synced.len(), 310);
    assert_eq!(stored_articles(&world, &old), synced);
    (world, before, after)
}

/// A format 1 tree (gzip) still syncs, and moves to format 2 (zstd, smaller parts by more than
/// a tenth).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_1_tree_still_syncs_and_moves_to_format_2() {
    let (world, v1, _) =
        moves_between_formats(TreeFormat::V1, TreeFormat::V2, 10, Corpus::articles).await;
    let headlines = &v1.snapshot.unwrap().headlines.hash;
    let headlines = std::fs::read(
        world
            .dir
            .path()
            .join("V1")
            .join(layout::snapshot(headlines)),
    );
    assert_eq!(
        headlines.unwrap()[..2],
        [0x1f, 0x8b],
        "format 1 parts are gzip"
    );
}

/// A format 2 tree moves to format 3: the text packed before zstd, marked in each file, the
/// snapshot smaller by more than 3 %.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_2_tree_moves_to_format_3() {
    use article_sync_core::format::codec::{Codec, PACKED_MARK};
    let (world, _, v3) =
        moves_between_formats(TreeFormat::V2, TreeFormat::V3, 3, Corpus::articles).await;
    let headlines = &v3.snapshot.as_ref().unwrap().headlines.hash;
    let part = std::fs::read(world.tree.join(layout::snapshot(headlines)));
    let log = std::fs::read(world.tree.join(layout::log(&v3.files.last().unwrap().hash)));
    for file in [part.unwrap(), log.unwrap()] {
        assert!(file.starts_with(&PACKED_MARK));
        assert_eq!(Codec::of(&file), Codec::ZstdPacked);
    }
}

/// A format 3 tree of whole-article descriptions moves to format 4: each body is sent without
/// the summary its headline carries (the first paragraph's start, the summary's `…` left off),
/// the snapshot smaller by more than 3 % (with 10 articles more), and every body arrives as published, byte for byte
/// (the reader that followed the log holds the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_3_tree_moves_to_format_4_and_sends_no_summary_twice() {
    use article_sync_core::format::head::PartKind;
    use article_sync_core::format::snapshot::{PartItem, PartList, PartReader};
    let (world, _, v4) =
        moves_between_formats(TreeFormat::V3, TreeFormat::V4, 3, Corpus::whole_articles).await;
    let snapshot = v4.snapshot.as_ref().unwrap();
    let list = std::fs::read(world.tree.join(layout::part_list(&snapshot.rest.hash))).unwrap();
    let mut cut = 0;
    for part in PartList::parse(&list, &snapshot.rest).unwrap() {
        let bytes = std::fs::read(world.tree.join(layout::snapshot(&part.hash))).unwrap();
        let mut reader = PartReader::new(&part, &bytes, v4.format);
        while let Some(item) = reader.next_item().unwrap() {
            if let PartItem::Body(b) = item {
                assert_eq!(part.kind, PartKind::Bodies);
                cut += usize::from(b.is_cut());
            }
        }
    }
    assert_eq!(cut, 310, "every body is cut");

    let new = world.reader(
        &world.dir.path().join("new.db"),
        &world.serve(&world.tree, Fault::None).await.url(),
        &[],
    );
    let mut ellipses = 0;
    for (source, stored) in world.articles.iter().zip(stored_articles(&world, &new)) {
        ellipses += usize::from(stored.summary.ends_with('…'));
        let summary = stored.summary.trim_end_matches('…');
        assert!(stored.body_html.contains(summary));
        assert_eq!(
            stored.body_html,
            article_sync_core::content::sanitize_html(&source.body_html)
        );
    }
    assert!(ellipses > 100, "{ellipses} summaries end with `…`");
}

/// Format 4's cut bodies under a head that says format 3 (a buggy or hostile publisher) are a
/// malformed part: the sync fails, no body is stored, the headlines already stored stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_bodies_under_a_format_3_head_are_refused() {
    let mut world = World::new(30);
    world.tree = world.dir.path().join("whole");
    world.articles = world.corpus.whole_articles(0..30);
    world.publish();
    article_sync_tests::craft::sign_as_format(&world.tree, &world.key, 3);
    let main = world.serve(&world.tree, Fault::None).await;
    let reader = world.reader(&world.dir.path().join("reader.db"), &main.url(), &[]);
    let err = reader
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect_err("cut bodies in a format 3 tree");
    assert!(
        matches!(&err, SyncError::Verification { check, .. } if check.contains("cut in a format 3 tree")),
        "{err:?}"
    );
    let page = reader.store().list(&ListFilter::All, None, 100).unwrap();
    assert_eq!(page.items.len(), 30, "the headlines stay");
    assert!(page.items.iter().all(|a| !a.has_body), "no body is stored");
}

/// A head signed in a format newer than this reader's is refused with `UpdateNeeded` (the
/// app must be updated); what the reader holds stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_of_a_newer_format_asks_to_update_the_app() {
    let mut world = World::new(10);
    let main = world.serve(&world.tree, Fault::None).await;
    let reader = world.reader(&world.dir.path().join("reader.db"), &main.url(), &[]);
    reader.sync().await.expect("the first sync");
    world
        .articles
        .extend(world.corpus.articles(10..12).iter().cloned());
    world.publish();
    let future = article_sync_tests::craft::raise_format(&world.tree, &world.key);

    let err = reader
        .syncer()
        .unwrap()
        .sync()
        .await
        .expect_err("a later format is not read");
    let known = u32::from(TreeFormat::CURRENT);
    assert!(
        matches!(err, SyncError::UpdateNeeded { found, known: k } if found == u64::from(future) && k == known),
        "{err:?}"
    );
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(reader.store().counts().unwrap().total, 10);
}

/// The part files of `tree`'s snapshot after its headlines, in order.
fn snapshot_parts(tree: &std::path::Path, head: &Head) -> Vec<String> {
    use article_sync_core::format::snapshot::PartList;
    let snapshot = head.snapshot.as_ref().expect("the tree has a snapshot");
    let list = std::fs::read(tree.join(layout::part_list(&snapshot.rest.hash))).unwrap();
    PartList::parse(&list, &snapshot.rest)
        .unwrap()
        .iter()
        .map(|p| layout::snapshot(&p.hash))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_snapshot_continues_only_the_same_snapshot() {
    use article_sync_tests::{options, read_head, store_contents};
    // Tree A, and tree B: the same articles published at the same log position with another
    // part size (as a re-run publish or another mirror's copy would be).
    let world = World::with_parts(300, 8 * 1024);
    let other = world.dir.path().join("other");
    article_sync_core::publish::publish(
        &other,
        &world.key,
        world.articles.clone(),
        &article_sync_core::publish::PublishOptions {
            snapshot_part_bytes: 5 * 1024,
            ..options(article_sync_tests::world::now())
        },
    )
    .unwrap();
    let (head_a, head_b) = (
        read_head(&world.tree, &world.key),
        read_head(&other, &world.key),
    );
    let (snap_a, snap_b) = (
        head_a.snapshot.clone().unwrap(),
        head_b.snapshot.clone().unwrap(),
    );
    assert_eq!(snap_a.seq, snap_b.seq, "one log position");
    assert_ne!(snap_a.id(), snap_b.id(), "two snapshots");

    // A's parts from the third on are missing: the first sync stops after two.
    let parts = snapshot_parts(&world.tree, &head_a);
    assert!(parts.len() > 4, "{} parts", parts.len());
    for part in &parts[2..] {
        std::fs::remove_file(world.tree.join(part)).unwrap();
    }
    let mirror_a = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &mirror_a.url(), &[]);
    reader.sync().await.expect_err("tree A is torn");
    let progress = reader.store().sync_position().unwrap().snapshot.unwrap();
    assert_eq!(
        (progress.id.as_str(), progress.parts_applied),
        (snap_a.id().as_str(), 3),
        "the headlines and two parts of A are applied"
    );
    drop(reader);

    // Resumed from B, the sync starts B from its first part: every article arrives whole.
    let mirror_b = world.serve(&other, Fault::None).await;
    let reader = world.reader(&db, &mirror_b.url(), &[]);
    let report = reader.sync().await.expect("the sync from B");
    assert!(report.used_snapshot);
    assert_eq!(reader.store().counts().unwrap().total, 300);
    let fresh = world.dir.path().join("fresh.db");
    world
        .reader(&fresh, &mirror_b.url(), &[])
        .sync()
        .await
        .unwrap();
    assert_eq!(store_contents(&db), store_contents(&fresh));
}

/// A censor that silences a route's open connections (a shutdown; or a phone moving between
/// networks) leaves dead connections in the reader's pool. Once the route answers again, the
/// next sync reaches it on a new connection instead of stalling on the dead one until the read
/// timeout fails the route.
#[tokio::test]
async fn a_connection_silenced_while_idle_is_not_reused() {
    let mut world = World::new(5);
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let net = NetConfig {
        keep_alive: Duration::from_secs(1),
        ..world.net_config()
    };
    let reader = world.reader_with(&db, &main.url(), &[], net);
    let syncer = reader.syncer().unwrap().clone();
    syncer.sync().await.expect("first sync");
    let connections = main.stats().connections;

    // Longer than a ping and its answer: the silenced connection is found dead while idle.
    main.set_fault(Fault::Blackhole).unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    main.set_fault(Fault::None).unwrap();
    world.articles.extend(world.corpus.articles(5..7));
    world.publish();

    let report = syncer
        .sync()
        .await
        .expect("the route answers again on a new connection");
    assert_eq!(report.applied.articles_put, 2);
    assert!(main.stats().connections > connections, "a new connection");
}
