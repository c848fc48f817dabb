//! Phone to phone (issue 17): a reader's verified copy, exported into a folder, is a mirror the
//! next reader syncs from and verifies against its pinned key, without ever being online.

use std::io::Cursor;
use std::path::Path;

use article_sync_cli::serve::Fault;
use article_sync_core::format::codec::sha256_hex;
use article_sync_core::format::layout;
use article_sync_core::publish::source::SourceImage;
use article_sync_core::reader::{Reader, ReaderError};
use article_sync_core::sync::SyncError;
use article_sync_tests::store_contents;
use article_sync_tests::world::World;

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
