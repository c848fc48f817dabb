//! Phone to phone (issue 17): a reader's verified copy, exported into a folder, is a mirror the
//! next reader syncs from and verifies against its pinned key, without ever being online.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use article_sync_cli::serve::Fault;
use article_sync_core::format::codec::sha256_hex;
use article_sync_core::format::layout;
use article_sync_core::net::{
    ConnectionState, Connectivity, MemoryHealthLog, NetConfig, Route, RouteSet, RouteSource,
};
use article_sync_core::publish::source::SourceImage;
use article_sync_core::reader::{OfflineConfig, Reader, ReaderError};
use article_sync_core::share::export_tree;
use article_sync_core::store::{Store, StoreConfig};
use article_sync_core::sync::{SyncConfig, SyncError, SyncReport, Syncer};
use article_sync_tests::store_contents;
use article_sync_tests::world::{World, now};

/// A world of `n` articles, the first three with a lead image.
fn world_with_images(n: u64) -> World {
    let mut world = World::new(n);
    for (i, article) in world.articles.iter_mut().take(3).enumerate() {
        let mut png = Cursor::new(Vec::new());
        image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, i as u8 * 80]))
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let bytes = png.into_inner();
        article.lead_image = Some(SourceImage {
            hash: sha256_hex(&bytes),
            mime: "image/png",
            bytes,
            caption: None,
        });
    }
    world.publish();
    world
}

fn folder_url(dir: &Path) -> String {
    format!("file://{}/", dir.display())
}

/// A reader that was never online: its only route is the folder `dir`.
fn offline_reader(world: &World, db: &Path, dir: &Path) -> Reader {
    world.reader(db, &folder_url(dir), &[])
}

/// The stored media of a reader, as (hash, bytes), sorted.
fn media(reader: &Reader) -> Vec<(String, Vec<u8>)> {
    let store = reader.store();
    store
        .stored_media()
        .unwrap()
        .into_iter()
        .map(|(hash, _)| {
            let bytes = store.media(&hash).unwrap().unwrap();
            (hash, bytes)
        })
        .collect()
}

/// Reader A syncs online from a loopback server, once fresh and once more after a publish (so
/// its copy holds a snapshot and a log file), and exports into `out`.
async fn a_syncs_and_exports(world: &mut World, db: &Path, out: &Path) -> Reader {
    let main = world.serve(&world.tree, Fault::None).await;
    let a = world.reader(db, &main.url(), &[]);
    a.sync().await.expect("A's first sync");
    let extra = world.corpus.articles(1_000..1_005);
    world.articles.extend(extra);
    world.publish();
    let second = a.sync().await.expect("A's second sync");
    assert!(!second.used_snapshot, "A catches up by a log file");
    std::fs::create_dir_all(out).unwrap();
    let export = a.export_tree(out).expect("A exports");
    assert_eq!(export.head_version, a.sync_position().unwrap().head_version);
    assert!(out.join(layout::HEAD).is_file());
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_never_online_syncs_from_an_exported_folder() {
    let mut world = world_with_images(120);
    let (db_a, db_b) = (world.dir.path().join("a.db"), world.dir.path().join("b.db"));
    let out = world.dir.path().join("usb");
    let a = a_syncs_and_exports(&mut world, &db_a, &out).await;
    assert_eq!(media(&a).len(), 3, "A prefetched the three lead images");
    let usage = a.usage().unwrap();
    assert!(
        usage.copy > 0,
        "storage_usage shows the kept copy: {usage:?}"
    );

    let b = offline_reader(&world, &db_b, &out);
    let report = b.sync().await.expect("B syncs from the folder");
    assert!(report.used_snapshot);
    assert_eq!(report.route, folder_url(&out));
    assert_eq!(b.counts().unwrap().total, 125);
    assert_eq!(store_contents(&db_a), store_contents(&db_b));
    assert!(
        store_contents(&db_b)
            .iter()
            .any(|(_, _, _, c)| !c.is_empty()),
        "comments travel too"
    );
    assert_eq!(media(&a), media(&b), "the same images");
    assert_eq!(
        b.sync_position().unwrap().head_version,
        a.sync_position().unwrap().head_version
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_altered_file_in_an_export_is_refused_and_nothing_of_it_is_stored() {
    let mut world = World::new(60);
    let out = world.dir.path().join("usb");
    let db_a = world.dir.path().join("a.db");
    let a = a_syncs_and_exports(&mut world, &db_a, &out).await;
    let head = article_sync_tests::read_head(&out, &world.key);
    let last = head.files.last().unwrap();
    let path = layout::log(&last.hash);
    let mut bytes = std::fs::read(out.join(&path)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(out.join(&path), bytes).unwrap();

    let db_b = world.dir.path().join("b.db");
    let b = offline_reader(&world, &db_b, &out);
    let err = b.sync().await.expect_err("the altered log file is refused");
    assert!(
        matches!(err, ReaderError::Sync(SyncError::Verification { .. })),
        "{err:?}"
    );
    // The snapshot before it applied; nothing of the altered file did, and it is not kept.
    assert_eq!(b.counts().unwrap().total, 60);
    for article in &world.articles[60..] {
        assert!(b.article(&article.id).unwrap().is_none(), "{}", article.id);
    }
    assert!(b.store().tree_file(&path).unwrap().is_none());
    assert!(a.store().tree_file(&path).unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_copy_names_the_missing_file() {
    let mut world = World::new(60);
    let out = world.dir.path().join("usb");
    let db_a = world.dir.path().join("a.db");
    a_syncs_and_exports(&mut world, &db_a, &out).await;
    let head = article_sync_tests::read_head(&out, &world.key);
    let headlines = layout::snapshot(&head.snapshot.as_ref().unwrap().headlines.hash);
    std::fs::remove_file(out.join(&headlines)).unwrap();

    let b = offline_reader(&world, &world.dir.path().join("b.db"), &out);
    let err = b.sync().await.expect_err("a file is missing");
    let message = err.to_string();
    assert!(message.contains(&headlines), "{message}");
    assert_eq!(b.counts().unwrap().total, 0);
}

#[test]
fn an_export_refuses_a_path_that_is_not_a_writable_directory() {
    let world = World::new(1);
    let db = world.dir.path().join("a.db");
    let a = world.reader(&db, "https://127.0.0.1:9/", &[]);
    let file = world.dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let dir = world.dir.path().join("empty");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(matches!(
        a.export_tree(&dir),
        Err(ReaderError::Share(
            article_sync_core::share::ShareError::NothingToShare
        ))
    ));
    assert!(matches!(
        a.export_tree(&file),
        Err(ReaderError::Share(
            article_sync_core::share::ShareError::NotADirectory { .. }
        ))
    ));
    assert!(matches!(
        a.export_tree(&world.dir.path().join("nowhere")),
        Err(ReaderError::Share(
            article_sync_core::share::ShareError::Io { .. }
        ))
    ));
}

const DAY: i64 = 24 * 3600;

/// Publishes `world.articles` as if at `at` (its head valid for a week from then).
fn publish_at(world: &World, at: i64) {
    article_sync_core::publish::publish(
        &world.tree,
        &world.key,
        world.articles.clone(),
        &article_sync_core::publish::PublishOptions {
            snapshot_part_bytes: world.part_bytes,
            mirrors: Some(vec!["https://mirror.example/".into()]),
            ..article_sync_tests::options(at)
        },
    )
    .expect("publish");
}

/// A phone: a store and a sync engine whose clock can be set.
struct Phone {
    store: Arc<Store>,
    syncer: Syncer,
    offset: Arc<AtomicI64>,
}

impl Phone {
    fn new(world: &World, db: &Path, main: &str, mirrors: &[String], net: NetConfig) -> Phone {
        let store = Arc::new(Store::open(db, StoreConfig::default()).unwrap());
        let routes = RouteSet::new(main, mirrors).unwrap();
        let net = Connectivity::new(net, routes, Arc::new(MemoryHealthLog::new())).unwrap();
        let mut config = SyncConfig::new(vec![world.key.public()]);
        let offset = Arc::new(AtomicI64::new(0));
        let clock = offset.clone();
        config.clock = Arc::new(move || now() + clock.load(Ordering::Relaxed));
        let syncer = Syncer::new(store.clone(), net, config);
        Phone {
            store,
            syncer,
            offset,
        }
    }

    /// Syncs with the phone's clock at `at`.
    async fn sync_at(&self, at: i64) -> Result<SyncReport, SyncError> {
        self.offset.store(at - now(), Ordering::Relaxed);
        self.syncer.sync().await
    }

    fn export(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        export_tree(&self.store, dir).expect("export");
    }

    fn add_route(&self, route: Route) {
        self.syncer.net().add_route(route);
    }

    fn version(&self) -> u64 {
        self.store.sync_position().unwrap().head_version
    }

    /// What a reader opened on this phone's database shows: "copy of DATE, not live".
    fn copy_of(&self) -> Option<i64> {
        let reader = Reader::open_offline(OfflineConfig {
            database: self.store.path().to_path_buf(),
            storage_budget_bytes: 1 << 30,
            create: false,
        })
        .unwrap();
        reader.connection().unwrap().copy_of
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_weeks_of_shutdown_news_travels_two_hops_as_a_marked_copy() {
    let t = now();
    let mut world = World::new(0);
    world.articles = world.corpus.articles(0..40);
    publish_at(&world, t - 22 * DAY);
    let server = world.serve(&world.tree, Fault::None).await;
    let dir = world.dir.path().to_path_buf();
    let live = world.net_config();
    // Before the shutdown A and B sync online.
    let a = Phone::new(&world, &dir.join("a.db"), &server.url(), &[], live.clone());
    let b_online = Phone::new(&world, &dir.join("b.db"), &server.url(), &[], live.clone());
    a.sync_at(t - 22 * DAY).await.expect("A online");
    b_online.sync_at(t - 22 * DAY).await.expect("B online");
    let old = a.version();
    drop(b_online);
    // The last publish before the shutdown reaches A only.
    world.articles.extend(world.corpus.articles(40..45));
    publish_at(&world, t - 21 * DAY);
    let report = a.sync_at(t - 21 * DAY).await.expect("A's last sync");
    assert_eq!(report.copy_of, None, "a live head");
    let newest = a.version();
    assert!(newest > old);

    // Three weeks later, in a national shutdown: every international host fails, a domestic
    // one answers. The old server is a network mirror still serving the (now expired) head.
    let refused = format!(
        "https://127.0.0.1:{}/",
        article_sync_test_support::server::refused_port().await
    );
    let domestic = world.serve(&world.tree, Fault::None).await;
    let shutdown = NetConfig {
        international_probes: vec![refused.clone()],
        domestic_probes: vec![domestic.url()],
        ..live.clone()
    };
    let b = Phone::new(
        &world,
        &dir.join("b.db"),
        &refused,
        &[server.url()],
        shutdown.clone(),
    );
    b.export(&dir.join("b-old"));
    let err = b
        .sync_at(t)
        .await
        .expect_err("the network mirror's head expired");
    assert!(matches!(err, SyncError::Stale { .. }), "{err:?}");
    assert!(matches!(
        b.syncer.net().state(),
        ConnectionState::NationalShutdown(_)
    ));
    assert_eq!(
        b.version(),
        old,
        "a network mirror's expired head is never taken"
    );

    // Hop 1: A's copy on a USB stick.
    a.export(&dir.join("usb-a"));
    b.add_route(Route::folder(&dir.join("usb-a")).unwrap());
    let report = b.sync_at(t).await.expect("B takes A's copy");
    assert_eq!(report.copy_of, Some(t - 21 * DAY));
    assert_eq!(b.version(), newest);
    assert_eq!(b.store.counts().unwrap().total, 45);
    assert_eq!(b.copy_of(), Some(t - 21 * DAY), "copy of DATE, not live");

    // B's copy holds the expired head's mirror list too (passed on, not applied).
    let mirrors = article_sync_tests::read_head(&dir.join("usb-a"), &world.key)
        .mirrors
        .expect("the tree has a mirror list");
    assert!(
        b.store
            .tree_file(&layout::mirrors(&mirrors.hash))
            .unwrap()
            .is_some()
    );

    // Hop 2: C was never online, and is offline (no probe configured, nothing answers).
    b.export(&dir.join("usb-b"));
    let c = Phone::new(&world, &dir.join("c.db"), &refused, &[], live.clone());
    c.add_route(Route::folder(&dir.join("usb-b")).unwrap());
    let report = c.sync_at(t).await.expect("C takes B's copy");
    assert!(matches!(
        c.syncer.net().state(),
        ConnectionState::Offline(_)
    ));
    assert_eq!(report.copy_of, Some(t - 21 * DAY));
    assert_eq!(c.version(), newest);
    assert_eq!(
        store_contents(&dir.join("a.db")),
        store_contents(&dir.join("c.db"))
    );

    // An older copy never rolls back a newer one.
    c.add_route(Route::folder(&dir.join("b-old")).unwrap());
    c.sync_at(t).await.expect_err("nothing newer or live");
    assert_eq!(c.version(), newest);
    assert_eq!(c.store.counts().unwrap().total, 45);

    // The shutdown ends: a live head verifies and the normal rules apply again.
    world.articles.extend(world.corpus.articles(45..47));
    publish_at(&world, t);
    c.add_route(Route::parse(&server.url(), RouteSource::User).unwrap());
    let report = c.sync_at(t).await.expect("C online again");
    assert_eq!(report.copy_of, None);
    assert_eq!(c.store.counts().unwrap().total, 47);
    assert_eq!(c.copy_of(), None, "live again");
}

/// GETs `path` from an `http://host:port/` URL over a plain socket: (status line, body).
async fn get(url: &str, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = tokio::net::TcpStream::connect(&authority).await.unwrap();
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_shares_over_http_and_another_syncs_from_it() {
    let world = world_with_images(50);
    let main = world.serve(&world.tree, Fault::None).await;
    let (db_a, db_c) = (world.dir.path().join("a.db"), world.dir.path().join("c.db"));
    let a = world.reader(&db_a, &main.url(), &[]);
    assert!(
        matches!(
            a.start_sharing(0).await,
            Err(ReaderError::Share(
                article_sync_core::share::ShareError::NothingToShare
            ))
        ),
        "nothing to share before the first sync"
    );
    a.sync().await.expect("A syncs online");
    // A comment A wrote travels with the share, sealed.
    a.compose_comment(&world.articles[0].id, "مینا", "از گوشی به گوشی")
        .unwrap();
    let url = a.start_sharing(0).await.expect("A shares");
    assert!(url.starts_with("http://") && url.ends_with('/'), "{url}");

    let (status, page) = get(&url, "").await;
    assert!(status.contains("200"), "{status}");
    let key = world.key.public().to_string();
    let fingerprint = article_sync_core::share::serve::fingerprint(&key);
    for needle in [
        url.as_str(),
        fingerprint.as_str(),
        "Copy of",
        "تاریخ این نسخه",
        "qr.svg",
    ] {
        assert!(
            page.contains(needle),
            "{needle} not in the landing page:\n{page}"
        );
    }
    let (status, qr) = get(&url, "qr.svg").await;
    assert!(status.contains("200") && qr.contains("<svg"), "{status}");
    let (status, _) = get(&url, "../a.db").await;
    assert!(status.contains("404"), "{status}");

    // C adds A's URL as a mirror (its main site blocked) and syncs from A's phone.
    let blocked = format!(
        "https://127.0.0.1:{}/",
        article_sync_test_support::server::refused_port().await
    );
    let c = world.reader(&db_c, &blocked, &[]);
    c.add_mirror(&url).unwrap();
    let report = c.sync().await.expect("C syncs from A's share");
    assert_eq!(report.route, url);
    assert_eq!(store_contents(&db_a), store_contents(&db_c));
    assert_eq!(media(&a), media(&c), "the images too");
    let carried = c.store().carried_envelopes().unwrap();
    assert_eq!(carried.len(), 1, "C carries A's comment");
    let key = a.outbox().unwrap()[0].delivery_key.clone();
    assert_eq!(key.as_ref(), Some(&carried[0].0), "sealed once, as carried");

    // The port is free as soon as stop_sharing returns: sharing starts on it again at once.
    a.stop_sharing();
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let port: u16 = authority.rsplit(':').next().unwrap().parse().unwrap();
    for _ in 0..10 {
        let again = a.start_sharing(port).await.expect("the port is free again");
        assert!(again.ends_with(&format!(":{port}/")), "{again}");
        a.stop_sharing();
    }
    drop(std::net::TcpListener::bind(("0.0.0.0", port)).expect("free after the last stop"));
    assert!(
        tokio::net::TcpStream::connect(authority).await.is_err(),
        "stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_before_the_copy_names_the_roots_it_lacks() {
    let mut world = World::new(20);
    let main = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("a.db");
    let a = world.reader(&db, &main.url(), &[]);
    a.sync().await.expect("first sync");
    // As a store upgraded from before the copy: it verified root 1 but kept no file of it.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM tree_files WHERE path LIKE 'root/%'", [])
        .unwrap();
    world.articles.extend(world.corpus.articles(20..22));
    world.publish();
    a.sync().await.expect("second sync");
    let out = world.dir.path().join("usb");
    std::fs::create_dir_all(&out).unwrap();
    let export = a.export_tree(&out).unwrap();
    assert!(
        export.missing.contains(&layout::root(1)),
        "{:?}",
        export.missing
    );
}

/// Publishes 300 more articles: more entries than the snapshot may lag, so the publisher
/// rewrites it.
fn publish_a_new_snapshot(world: &mut World) {
    let from = world.articles.len() as u64;
    let extra = world.corpus.articles(from..from + 300);
    world.articles.extend(extra);
    assert!(world.publish().snapshot_written);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_caught_up_by_logs_keeps_the_new_snapshot_to_pass_on() {
    let mut world = World::new(20);
    let main = world.serve(&world.tree, Fault::None).await;
    let dir = world.dir.path().to_path_buf();
    let a = world.reader(&dir.join("a.db"), &main.url(), &[]);
    let metered = world.reader(&dir.join("m.db"), &main.url(), &[]);
    metered.set_text_only(true);
    a.sync().await.expect("A's first sync");
    metered
        .sync()
        .await
        .expect("the metered reader's first sync");
    publish_a_new_snapshot(&mut world);
    for reader in [&a, &metered] {
        let report = reader.sync().await.expect("caught up");
        assert!(!report.used_snapshot, "caught up by the log file");
    }
    let snapshot = article_sync_tests::read_head(&world.tree, &world.key)
        .snapshot
        .unwrap();
    let headlines = layout::snapshot(&snapshot.headlines.hash);

    // On a metered network the gap stays: the export names the snapshot missing.
    let usb_m = dir.join("usb-m");
    std::fs::create_dir_all(&usb_m).unwrap();
    let export = metered.export_tree(&usb_m).unwrap();
    assert!(export.missing.contains(&headlines), "{:?}", export.missing);

    // Unmetered, A fetched and kept it: a brand-new reader starts from A's copy.
    let usb = dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let export = a.export_tree(&usb).unwrap();
    assert!(
        export.missing.iter().all(|p| p.starts_with("log/")),
        "{:?}",
        export.missing
    );
    assert!(usb.join(&headlines).is_file());
    let b = offline_reader(&world, &dir.join("b.db"), &usb);
    let report = b.sync().await.expect("a new reader syncs from A's copy");
    assert!(report.used_snapshot);
    assert_eq!(b.counts().unwrap().total, 320);
    assert_eq!(
        store_contents(&dir.join("a.db")),
        store_contents(&dir.join("b.db"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_behind_falls_back_to_the_snapshot_when_the_copy_lacks_a_log_file() {
    let mut world = World::new(20);
    let main = world.serve(&world.tree, Fault::None).await;
    let dir = world.dir.path().to_path_buf();
    let c = world.reader(&dir.join("c.db"), &main.url(), &[]);
    c.sync().await.expect("C's first sync");
    publish_a_new_snapshot(&mut world);
    // N starts from the new snapshot: its copy holds no log file before it.
    let n = world.reader(&dir.join("n.db"), &main.url(), &[]);
    assert!(n.sync().await.unwrap().used_snapshot);
    let usb = dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let export = n.export_tree(&usb).unwrap();
    let head = article_sync_tests::read_head(&usb, &world.key);
    let from = c.sync_position().unwrap().log_seq;
    let Some(article_sync_core::sync::plan::Plan::Logs(files)) =
        article_sync_core::sync::plan::plan(&head, from)
    else {
        panic!("C's cheapest way is the log");
    };
    assert!(
        files
            .iter()
            .any(|f| export.missing.contains(&layout::log(&f.hash))),
        "the copy lacks a log file C needs: {:?}",
        export.missing
    );

    // C, its main site gone, syncs from N's copy.
    std::fs::remove_dir_all(&world.tree).unwrap();
    c.add_mirror(&folder_url(&usb)).unwrap();
    let report = c.sync().await.expect("C falls back to the snapshot");
    assert!(report.used_snapshot);
    assert_eq!(c.counts().unwrap().total, 320);
    assert_eq!(
        store_contents(&dir.join("c.db")),
        store_contents(&dir.join("n.db"))
    );
}
