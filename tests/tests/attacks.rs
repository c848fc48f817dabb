//! Every attack the signed mirror format must survive (the README's "The tree" section lists
//! the format), each with a good mirror beside the bad route: the sync succeeds from the good one and the store holds nothing from the bad one.
//! Servers are real HTTPS servers on loopback; hostile behaviour comes from `serve`'s faults or
//! from trees altered on disk.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use article_sync_cli::serve::{Fault, Server};
use article_sync_core::format::codec::{decompress_capped, gzip, sha256_hex};
use article_sync_core::format::note::{self, NoteKind, SecretKey};
use article_sync_core::format::{Article, Change, layout};
use article_sync_core::net::{
    ConnectionState, Connectivity, FailureKind, MemoryHealthLog, RouteSet,
};
use article_sync_core::publish::{self, source::SourceArticle};
use article_sync_core::store::{Store, StoreConfig};
use article_sync_core::sync::{SyncConfig, SyncError, SyncReport, Syncer};
use article_sync_tests::world::{World, now};
use article_sync_tests::{craft, read_head, store_contents};

const DAY: i64 = 24 * 3600;

/// A reader's sync engine with a clock of its own.
fn syncer(world: &World, db: &Path, main: &str, mirrors: &[String], clock_offset: i64) -> Syncer {
    let store = Arc::new(Store::open(db, StoreConfig::default()).unwrap());
    let routes = RouteSet::new(main, mirrors).unwrap();
    let net =
        Connectivity::new(world.net_config(), routes, Arc::new(MemoryHealthLog::new())).unwrap();
    let mut config = SyncConfig::new(vec![world.key.public()]);
    config.clock = Arc::new(move || now() + clock_offset);
    Syncer::new(store, net, config)
}

fn store(db: &Path) -> Store {
    Store::open(db, StoreConfig::default()).unwrap()
}

/// The contents a clean sync of `tree` gives.
async fn clean_contents(world: &World, tree: &Path) -> Vec<(String, u64, String, Vec<String>)> {
    let server = world.serve(tree, Fault::None).await;
    let db = world.dir.path().join(format!(
        "clean-{}.db",
        sha256_hex(tree.to_string_lossy().as_bytes())
    ));
    syncer(world, &db, &server.url(), &[], 0)
        .sync()
        .await
        .expect("clean sync");
    store_contents(&db)
}

fn failure_on(syncer: &Syncer, url: &str) -> Option<FailureKind> {
    syncer
        .net()
        .routes()
        .into_iter()
        .find(|e| e.route.id() == url)
        .and_then(|e| e.health.last_failure)
}

/// Bad main, good mirror: the sync succeeds, the store equals a clean sync of the good tree,
/// and main carries the failure `kind`.
async fn good_mirror_wins(
    world: &World,
    bad: &Server,
    good: &Server,
    kind: FailureKind,
) -> SyncReport {
    let db = world
        .dir
        .path()
        .join(format!("reader-{}.db", bad.addr().port()));
    let s = syncer(world, &db, &bad.url(), &[good.url()], 0);
    let report = s
        .sync()
        .await
        .unwrap_or_else(|e| panic!("sync from the good mirror: {e}"));
    assert_eq!(
        store_contents(&db),
        clean_contents(world, &world.tree).await,
        "the store holds exactly the good tree"
    );
    assert_eq!(
        failure_on(&s, &bad.url()),
        Some(kind),
        "the bad route is demoted with the evidence"
    );
    report
}

fn article(id: &str, body: &str) -> Article {
    Article {
        id: id.into(),
        revision: 1,
        title: "injected".into(),
        summary: String::new(),
        body_html: body.into(),
        author: None,
        language: "fa".into(),
        published_at: now(),
        updated_at: now(),
        tags: vec![],
        url: None,
        lead_image: None,
        images: vec![],
        related: vec![],
        links: vec![],
    }
}

#[tokio::test]
async fn altered_file_demotes_the_mirror_and_the_next_one_is_used() {
    let world = World::new(40);
    let bad = world.serve(&world.tree, Fault::Tamper).await;
    let good = world.serve(&world.tree, Fault::None).await;
    good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;
}

#[tokio::test]
async fn an_altered_part_list_demotes_the_mirror_and_the_next_one_is_used() {
    let world = World::new(40);
    let tree = world.copy_tree("bad-part-list");
    let head = read_head(&tree, &world.key);
    let list = head.snapshot.expect("a snapshot").rest;
    // Valid JSON that adds up, naming a part the publisher never wrote.
    let path = tree.join(layout::part_list(&list.hash));
    let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    let forged = text.replacen(
        &text[text.find("\"hash\":\"").unwrap() + 8..][..64],
        &"0".repeat(64),
        1,
    );
    assert_eq!(forged.len(), text.len());
    std::fs::write(&path, forged).unwrap();
    let bad = world.serve(&tree, Fault::None).await;
    let good = world.serve(&world.tree, Fault::None).await;
    good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;
}

#[tokio::test]
async fn forged_heads_are_refused() {
    let world = World::new(20);
    let good = world.serve(&world.tree, Fault::None).await;

    // Signed by a key the app does not pin.
    let mut stranger = World::new(20);
    stranger.articles.push(SourceArticle {
        id: "forged".into(),
        ..stranger.articles[0].clone()
    });
    stranger.publish();
    let bad = world.serve(&stranger.tree, Fault::None).await;
    good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;

    // The right key, one byte of the body changed.
    let altered = world.copy_tree("altered-head");
    let mut head = std::fs::read(altered.join(layout::HEAD)).unwrap();
    let at = head.windows(9).position(|w| w == b"\"version\"").unwrap() + 10;
    head[at] = if head[at] == b'9' { b'8' } else { b'9' };
    std::fs::write(altered.join(layout::HEAD), head).unwrap();
    let bad = world.serve(&altered, Fault::None).await;
    good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;
}

#[tokio::test]
async fn rollback_to_an_older_signed_head_is_refused() {
    let mut world = World::new(20);
    world.articles.truncate(15);
    world.publish();
    let good = world.serve(&world.tree, Fault::None).await;
    let bad = world.serve(&world.tree, Fault::Rollback).await;
    let db = world.dir.path().join("reader.db");
    let s = syncer(&world, &db, &good.url(), &[], 0);
    s.sync().await.unwrap();
    let held = store_contents(&db);

    // Only the rolled-back route: a typed error, nothing changes.
    let only_bad = syncer(&world, &db, &bad.url(), &[], 0);
    match only_bad.sync().await {
        Err(SyncError::Rollback { served, stored, .. }) => assert!(served < stored),
        other => panic!("expected a rollback error, got {other:?}"),
    }
    assert_eq!(store_contents(&db), held);

    // Beside a good mirror: the good one answers.
    let both = syncer(&world, &db, &bad.url(), &[good.url()], 0);
    both.sync().await.expect("the good mirror answers");
    assert_eq!(
        failure_on(&both, &bad.url()),
        Some(FailureKind::Verification)
    );
    assert_eq!(store_contents(&db), held);
}

#[tokio::test]
async fn a_frozen_mirror_and_a_clock_past_expiry_keep_the_data() {
    let world = World::new(20);
    let good = world.serve(&world.tree, Fault::None).await;
    let frozen = world.serve(&world.tree, Fault::Stale).await;
    good_mirror_wins(&world, &frozen, &good, FailureKind::Verification).await;

    let db = world.dir.path().join("clock.db");
    syncer(&world, &db, &good.url(), &[], 0)
        .sync()
        .await
        .unwrap();
    let held = store_contents(&db);
    // A year ahead every head has expired by the device's clock, while the one route's `Date`
    // says it is current: named as the clock, refused all the same, data kept.
    match syncer(&world, &db, &good.url(), &[], 365 * DAY)
        .sync()
        .await
    {
        Err(SyncError::ClockWrong { routes: 1, .. }) => {}
        other => panic!("expected a wrong clock, got {other:?}"),
    }
    assert_eq!(store_contents(&db), held);
    // A year behind: only expiry is checked, so syncing works.
    syncer(&world, &db, &good.url(), &[], -365 * DAY)
        .sync()
        .await
        .expect("a slow clock still syncs");
    assert_eq!(store_contents(&db), held);
}

#[tokio::test]
async fn a_forked_history_is_refused() {
    let world = World::new(20);
    let good = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    syncer(&world, &db, &good.url(), &[], 0)
        .sync()
        .await
        .unwrap();
    let held = store_contents(&db);

    // Same key, same log size, a different history, a newer head version.
    let fork = world.dir.path().join("fork");
    let mut other = world.articles.clone();
    other[0].title = "تاریخ بازنویسی‌شده".into();
    for _ in 0..3 {
        publish::publish(
            &fork,
            &world.key,
            other.clone(),
            &article_sync_tests::options(now()),
        )
        .unwrap();
        other[1].title.push('!');
    }
    let bad = world.serve(&fork, Fault::None).await;
    let s = syncer(&world, &db, &bad.url(), &[good.url()], 0);
    s.sync().await.expect("the good mirror answers");
    assert_eq!(failure_on(&s, &bad.url()), Some(FailureKind::Verification));
    assert_eq!(store_contents(&db), held);
}

/// Replaces the newest log file of a copy of the tree with `bytes` under the same name.
fn with_newest_log(
    world: &World,
    name: &str,
    bytes: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> std::path::PathBuf {
    let copy = world.copy_tree(name);
    let head = article_sync_tests::read_head(&copy, &world.key);
    let newest = head
        .files
        .iter()
        .max_by_key(|f| (f.last, std::cmp::Reverse(f.first)))
        .unwrap();
    let path = copy.join(layout::log(&newest.hash));
    let old = std::fs::read(&path).unwrap();
    std::fs::write(&path, bytes(old)).unwrap();
    copy
}

#[tokio::test]
async fn mix_and_match_dropped_entries_and_endless_data_are_caught_by_the_pins() {
    let mut world = World::new(20);
    let first_log = {
        let head = article_sync_tests::read_head(&world.tree, &world.key);
        std::fs::read(world.tree.join(layout::log(&head.files[0].hash))).unwrap()
    };
    world.articles.extend(world.corpus.articles(20..30));
    world.publish();
    let good = world.serve(&world.tree, Fault::None).await;

    // The new head with an old log file in place of the new one.
    let mixed = with_newest_log(&world, "mixed", |_| first_log.clone());
    // One entry dropped from the newest log file.
    let dropped = with_newest_log(&world, "dropped", |bytes| {
        let raw = String::from_utf8(decompress_capped("log", &bytes, 1 << 30).unwrap()).unwrap();
        let kept: String = raw.lines().skip(1).map(|l| format!("{l}\n")).collect();
        gzip(kept.as_bytes())
    });
    // Zeros far past the pinned length, and a gzip bomb.
    let endless = with_newest_log(&world, "endless", |bytes| {
        vec![0; bytes.len() * 64 + (1 << 20)]
    });
    let bomb = with_newest_log(&world, "bomb", |_| gzip(&vec![0; 64 << 20]));

    for (name, tree) in [
        ("mixed", mixed),
        ("dropped", dropped),
        ("endless", endless),
        ("bomb", bomb),
    ] {
        // A new reader takes the snapshot of the first run, then the newest log file.
        let db = world.dir.path().join(format!("{name}.db"));
        let bad = world.serve(&tree, Fault::None).await;
        let s = syncer(&world, &db, &bad.url(), &[good.url()], 0);
        s.sync().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            failure_on(&s, &bad.url()),
            Some(FailureKind::Verification),
            "{name}"
        );
        assert_eq!(
            store_contents(&db),
            clean_contents(&world, &world.tree).await,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_slow_drip_loses_to_the_stagger() {
    let world = World::new(20);
    let good = world.serve(&world.tree, Fault::None).await;
    let drip = world.serve(&world.tree, Fault::Drip).await;
    let started = std::time::Instant::now();
    let db = world.dir.path().join("reader.db");
    let s = syncer(&world, &db, &drip.url(), &[good.url()], 0);
    s.sync().await.expect("the good mirror answers");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        store_contents(&db),
        clean_contents(&world, &world.tree).await
    );
}

#[tokio::test]
async fn a_torn_mirror_sends_the_reader_elsewhere_for_the_missing_files() {
    let mut world = World::new(20);
    let db = world.dir.path().join("reader.db");
    let good = world.serve(&world.tree, Fault::None).await;
    syncer(&world, &db, &good.url(), &[], 0)
        .sync()
        .await
        .unwrap();
    world.articles.extend(world.corpus.articles(20..25));
    world.publish();
    let torn = world.serve(&world.tree, Fault::Torn).await;
    let s = syncer(&world, &db, &torn.url(), &[good.url()], 0);
    let report = s.sync().await.expect("the files come from the good mirror");
    assert_eq!(
        report.route,
        torn.url(),
        "the torn mirror's head is valid and wins the race"
    );
    assert_eq!(failure_on(&s, &torn.url()), Some(FailureKind::HttpStatus));
    assert_eq!(
        store_contents(&db),
        clean_contents(&world, &world.tree).await
    );
}

#[tokio::test]
async fn a_hostile_mirror_in_the_signed_list_cannot_inject_data() {
    let mut world = World::new(20);
    let hostile = world.serve(&world.tree, Fault::Tamper).await;
    let good = world.serve(&world.tree, Fault::None).await;
    let mut opts = article_sync_tests::options(now());
    opts.mirrors = Some(vec![hostile.url()]);
    publish::publish(&world.tree, &world.key, world.articles.clone(), &opts).unwrap();

    let db = world.dir.path().join("reader.db");
    let main = world.serve(&world.tree, Fault::None).await;
    let s = syncer(&world, &db, &main.url(), &[good.url()], 0);
    s.sync().await.unwrap();
    assert!(
        s.net()
            .routes()
            .iter()
            .any(|e| e.route.id() == hostile.url()),
        "the signed list added the hostile mirror"
    );

    main.set_fault(Fault::Reset).unwrap();
    good.set_fault(Fault::None).unwrap();
    world.articles.extend(world.corpus.articles(20..24));
    let mut opts = article_sync_tests::options(now());
    opts.mirrors = Some(vec![hostile.url()]);
    publish::publish(&world.tree, &world.key, world.articles.clone(), &opts).unwrap();
    s.sync()
        .await
        .expect("the good mirror delivers what the hostile one tampers with");
    assert_eq!(
        store_contents(&db),
        clean_contents(&world, &world.tree).await
    );
}

#[tokio::test]
async fn a_head_naming_paths_outside_the_tree_is_refused() {
    let world = World::new(10);
    let good = world.serve(&world.tree, Fault::None).await;
    let evil = world.copy_tree("evil");
    let mut head = article_sync_tests::read_head(&evil, &world.key);
    head.version += 1;
    head.files[0].hash = "../../etc/passwd".into();
    craft::write_head(&evil, &world.key, &head);
    let bad = world.serve(&evil, Fault::None).await;
    good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;
}

#[tokio::test]
async fn script_in_article_html_is_sanitised_before_storage() {
    let world = World::new(5);
    let body = r#"<p onclick="steal()">متن<script>alert(1)</script><img src="x.png" onerror="steal()"><a href="javascript:alert(1)">پیوند</a><img src="https://tracker.example/pixel.gif"><img src="//tracker.example/p2.gif"></p>"#;
    // Signed with the publisher's key (a stolen one): the reader still cleans it.
    let mut hostile = article("hostile-html", body);
    hostile.url = Some(" JavaScript:alert(1)".into());
    craft::append(
        &world.tree,
        &world.key,
        vec![Change::PutArticle { article: hostile }],
    );
    let server = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    syncer(&world, &db, &server.url(), &[], 0)
        .sync()
        .await
        .unwrap();
    let view = store(&db)
        .article("hostile-html")
        .unwrap()
        .expect("stored")
        .article;
    assert_eq!(
        view.url, None,
        "a javascript: article URL is dropped at read"
    );
    let stored = view.body_html;
    for bad in [
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "tracker.example",
    ] {
        assert!(!stored.contains(bad), "{bad} reached the store: {stored}");
    }
    assert!(stored.contains("متن") && stored.contains("پیوند"));
}

#[tokio::test]
async fn wrong_key_signatures_on_a_rotated_root_are_refused() {
    let world = World::new(10);
    let new = SecretKey::generate();
    publish::rotate(&world.tree, &[&world.key], &[&new], 1, now()).unwrap();
    let mut world = world;
    let old_key = std::mem::replace(&mut world.key, new);
    world.articles.extend(world.corpus.articles(10..12));
    world.publish();
    let server = world.serve(&world.tree, Fault::None).await;
    // The app pins only the old key: it follows the rotation signed by old and new keys.
    let db = world.dir.path().join("reader.db");
    let store = Arc::new(Store::open(&db, StoreConfig::default()).unwrap());
    let net = Connectivity::new(
        world.net_config(),
        RouteSet::new(&server.url(), &[]).unwrap(),
        Arc::new(MemoryHealthLog::new()),
    )
    .unwrap();
    let s = Syncer::new(store.clone(), net, SyncConfig::new(vec![old_key.public()]));
    s.sync().await.expect("rotation followed");
    assert_eq!(store.sync_position().unwrap().root.version, 2);
    assert_eq!(store.counts().unwrap().total, 12);
}

/// Replaces the tree's `head` (and its copy under `heads/`) by `note`.
fn replace_head(tree: &Path, note: &[u8]) {
    let old = std::fs::read(tree.join(layout::HEAD)).unwrap();
    for entry in std::fs::read_dir(tree.join("heads")).unwrap() {
        let path = entry.unwrap().path();
        if std::fs::read(&path).unwrap() == old {
            std::fs::write(&path, note).unwrap();
        }
    }
    std::fs::write(tree.join(layout::HEAD), note).unwrap();
}

#[tokio::test]
async fn a_duplicated_signature_line_counts_once() {
    // The root needs two of its two keys. The good mirror's head carries both signatures; the
    // bad mirror's carries the first key's line twice.
    let mut world = World::new(10);
    let second = SecretKey::generate();
    publish::rotate(&world.tree, &[&world.key], &[&world.key, &second], 2, now()).unwrap();
    world.articles.extend(world.corpus.articles(10..12));
    world.publish();
    let head = std::fs::read(world.tree.join(layout::HEAD)).unwrap();
    let (body, _) = note::split(NoteKind::Head, &head).unwrap();
    let both = note::sign(NoteKind::Head, body, &[&world.key, &second]);
    let once = note::sign(NoteKind::Head, body, &[&world.key]);
    let line = &once[body.len() + 1..];
    let mut twice = once.clone();
    twice.extend_from_slice(line);
    replace_head(&world.tree, &both);
    let bad_tree = world.copy_tree("duplicated-signature");
    replace_head(&bad_tree, &twice);

    let good = world.serve(&world.tree, Fault::None).await;
    let bad = world.serve(&bad_tree, Fault::None).await;
    let report = good_mirror_wins(&world, &bad, &good, FailureKind::Verification).await;
    assert_eq!(report.route, good.url());
}

#[tokio::test]
async fn the_client_caps_images_and_the_whole_sync_whatever_the_signed_head_says() {
    use article_sync_core::format::MediaRef;
    use article_sync_core::format::limits::MEDIA_MAX;

    let world = World::new(50);
    // Signed with the publisher's key (a stolen one): a lead image "of" 1 GiB.
    let mut huge = article("huge-image", "<p>متن</p>");
    huge.lead_image = Some(
        serde_json::from_value::<MediaRef>(serde_json::json!({
            "hash": sha256_hex(b"not served"),
            "size": MEDIA_MAX * 64,
            "mime": "image/jpeg",
        }))
        .unwrap(),
    );
    craft::append(
        &world.tree,
        &world.key,
        vec![Change::PutArticle { article: huge }],
    );
    let server = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    syncer(&world, &db, &server.url(), &[], 0)
        .sync()
        .await
        .expect("the article itself syncs");
    assert_eq!(
        server
            .stats()
            .path(article_sync_cli::serve::PathKind::Media)
            .requests,
        0,
        "an image over the client's cap is never requested"
    );

    // A total per sync: a reader allowing 1 KB stops there.
    let db = world.dir.path().join("capped.db");
    let store = Arc::new(Store::open(&db, StoreConfig::default()).unwrap());
    let routes = RouteSet::new(&server.url(), &[]).unwrap();
    let net =
        Connectivity::new(world.net_config(), routes, Arc::new(MemoryHealthLog::new())).unwrap();
    let mut config = SyncConfig::new(vec![world.key.public()]);
    config.max_sync_bytes = 1_000;
    let err = Syncer::new(store, net, config).sync().await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Verification { check, .. } if check.contains("1000 bytes one sync may download")),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_device_clock_is_told_from_a_stale_mirror() {
    let world = World::new(20);
    let main = world.serve(&world.tree, Fault::None).await;
    let mirror = world.serve(&world.tree, Fault::None).await;

    // Ten days fast, one route: its head is stale by the device's clock only. Refused (one
    // route's `Date` is not trusted), and named for what it is, in the error and the evidence.
    let db = world.dir.path().join("fast.db");
    let fast = syncer(&world, &db, &main.url(), &[], 10 * DAY);
    let err = fast.sync().await.expect_err("stale by the device's clock");
    match &err {
        SyncError::ClockWrong {
            device,
            network,
            routes: 1,
        } => assert!((device - network - 10 * DAY).abs() < 600, "{err}"),
        other => panic!("expected a wrong clock, got {other:?}"),
    }
    assert!(
        err.to_string().contains("your device's clock seems wrong"),
        "{err}"
    );
    assert_eq!(failure_on(&fast, &main.url()), Some(FailureKind::Clock));
    assert!(
        matches!(fast.net().state(), ConnectionState::Direct(_)),
        "the main site answered: the banner does not say it cannot connect ({:?})",
        fast.net().state()
    );
    assert!(store_contents(&db).is_empty());

    // Ten days fast, two routes whose `Date`s agree: expiry is judged by their time, the
    // sync succeeds and says how far the clock is off.
    let report = syncer(&world, &db, &main.url(), &[mirror.url()], 10 * DAY)
        .sync()
        .await
        .expect("two routes agree on the time");
    let off = report.clock_off_by.expect("the clock is named");
    assert!((off - 10 * DAY).abs() < 600, "{off}");
    assert_eq!(store_contents(&db).len(), 20);

    // Ten days fast, and both routes frozen (their heads expired by their own time too): stale
    // by the trusted time, so still refused as stale mirrors.
    let frozen = world.serve(&world.tree, Fault::Stale).await;
    let frozen_too = world.serve(&world.tree, Fault::Stale).await;
    let db = world.dir.path().join("frozen-fast.db");
    let result = syncer(&world, &db, &frozen.url(), &[frozen_too.url()], 10 * DAY)
        .sync()
        .await;
    assert!(matches!(result, Err(SyncError::Stale { .. })), "{result:?}");
    // Frozen mirrors with a right clock are stale mirrors, not a clock problem.
    let db = world.dir.path().join("frozen.db");
    let result = syncer(&world, &db, &frozen.url(), &[frozen_too.url()], 0)
        .sync()
        .await;
    assert!(matches!(result, Err(SyncError::Stale { .. })), "{result:?}");

    // Ten days slow: syncing works, the signed head names the slow clock, and a head that
    // expired before the newest verified head was issued is refused (the freeze attack stays
    // closed).
    let db = world.dir.path().join("slow.db");
    let report = syncer(&world, &db, &main.url(), &[], -10 * DAY)
        .sync()
        .await
        .expect("a slow clock syncs");
    let off = report.clock_off_by.expect("the clock is named");
    assert!((off + 10 * DAY).abs() < 600, "{off}");
    let held = store_contents(&db);
    let mut old = read_head(&world.tree, &world.key);
    old.version += 1;
    old.issued_at = now() - 20 * DAY;
    old.expires_at = now() - 5 * DAY;
    craft::write_head(&world.tree, &world.key, &old);
    let result = syncer(&world, &db, &main.url(), &[], -10 * DAY)
        .sync()
        .await;
    assert!(matches!(result, Err(SyncError::Stale { .. })), "{result:?}");
    assert_eq!(store_contents(&db), held);
}
