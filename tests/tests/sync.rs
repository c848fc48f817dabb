//! The sync engine against real HTTPS servers on loopback (`article-sync serve` in-process,
//! TLS from a test CA): first sync, incremental sync, no-change sync.

use article_sync_cli::serve::{Fault, PathKind};
use article_sync_core::format::layout;
use article_sync_core::store::ListFilter;
use article_sync_tests::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_then_incremental_then_nothing_new() {
    let t = std::time::Instant::now();
    let mut world = World::new(10_000);
    eprintln!("published in {:?}", t.elapsed());
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &main.url(), &[]);

    let t = std::time::Instant::now();
    let first = reader.syncer().sync().await.expect("first sync");
    eprintln!("first sync in {:?}", t.elapsed());
    assert!(first.used_snapshot, "a new reader takes the snapshot");
    assert_eq!(reader.store().counts().unwrap().total, 10_000);
    assert!(
        first.requests <= 25,
        "first sync took {} requests",
        first.requests
    );
    assert_eq!(first.route, main.url());

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
    let incremental = reader.syncer().sync().await.expect("incremental sync");
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
    let unchanged = reader.syncer().sync().await.expect("no-change sync");
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
