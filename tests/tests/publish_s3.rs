//! Publishing to a real S3-compatible object store (SeaweedFS on loopback): the whole tree, then
//! only what the bucket lacks; every object stored with its Content-Type and Cache-Control; a
//! reader syncing anonymously from the bucket's HTTP endpoint.

use std::collections::BTreeSet;

use article_sync_cli::bench::seaweed::Seaweed;
use article_sync_core::format::layout;
use article_sync_core::publish::serving::{self, IMMUTABLE, ONE_MINUTE};
use article_sync_core::publish::site;
use article_sync_core::publish::targets::{BucketTarget, Target, TargetOptions, upload};
use article_sync_tests::world::World;

/// Every file of the tree, relative.
fn tree_files(tree: &std::path::Path) -> BTreeSet<String> {
    article_sync_tests::snapshot_dir(tree)
        .into_keys()
        .map(|p| p.strip_prefix(tree).unwrap().to_string_lossy().into_owned())
        .collect()
}

/// A plain GET without credentials, as a reader's browser or app makes it: status, headers
/// and body.
fn anonymous_get(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let tls = article_sync_core::net::tls_config(false, &[]).unwrap();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .build()
            .unwrap();
        let response = client.get(url).send().await.expect("an answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    })
}

#[test]
fn a_bucket_gets_the_tree_then_only_what_it_lacks_and_a_reader_syncs_from_it() {
    let weed = Seaweed::start("mirror").expect("SeaweedFS starts");
    let mut world = World::new(200);
    let url = format!("s3://{}/fa", weed.bucket);
    let target = BucketTarget::open(&url, &weed.target_options()).unwrap();

    let first = upload(&world.tree, &target).unwrap();
    assert!(first.verified, "{first:?}");
    assert_eq!(first.skipped, 0);
    assert_eq!(
        first.uploaded.last().map(String::as_str),
        Some(layout::HEAD)
    );
    let sent: BTreeSet<String> = first.uploaded.iter().cloned().collect();
    assert_eq!(sent, tree_files(&world.tree));
    let held = target.list(&[]).unwrap();
    assert_eq!(held.keys().cloned().collect::<BTreeSet<_>>(), sent);

    // Nothing new: a listing, head compared, head read back.
    let before = target.requests();
    let again = upload(&world.tree, &target).unwrap();
    assert!(again.uploaded.is_empty() && again.verified, "{again:?}");
    assert_eq!(again.skipped, sent.len());
    assert!(
        target.requests() - before <= 3,
        "{}",
        target.requests() - before
    );

    // 10 new articles: their pages and files, the pages listing them and head; nothing sent
    // before is sent again but pages and head, which change in place.
    let new = world.corpus.articles(200..210);
    world.articles.extend(new.iter().cloned());
    world.publish();
    let before = target.requests();
    let third = upload(&world.tree, &target).unwrap();
    assert!(third.verified);
    assert_eq!(
        third.uploaded.last().map(String::as_str),
        Some(layout::HEAD)
    );
    for path in &third.uploaded {
        let in_place = path == layout::HEAD || site::is_site_path(path);
        assert!(!sent.contains(path) || in_place, "{path} was sent again");
    }
    for a in &new {
        assert!(
            third.uploaded.contains(&site::article_page(&a.id)),
            "{}",
            a.id
        );
    }
    assert!(third.uploaded.len() < 40, "{:?}", third.uploaded);
    assert_eq!(
        target.requests() - before,
        third.uploaded.len() as u64 + 3,
        "a listing, head compared, the puts and head read back"
    );

    // Each object as an anonymous client gets it: the tree's bytes with the table's headers.
    let state = article_sync_core::publish::tree::TreeState::load(&world.tree).unwrap();
    let log = state.head.as_ref().unwrap().files.last().unwrap();
    let kinds = [
        (layout::HEAD.to_string(), ONE_MINUTE),
        (layout::log(&log.hash), IMMUTABLE),
        (layout::root(1), IMMUTABLE),
        (site::INDEX.to_string(), ONE_MINUTE),
        (site::article_page(&new[0].id), ONE_MINUTE),
        (site::STYLE.to_string(), ONE_MINUTE),
    ];
    for (path, cache) in kinds {
        let bytes = std::fs::read(world.tree.join(&path)).unwrap();
        let (status, headers, body) =
            anonymous_get(&format!("{}/{}/fa/{path}", weed.endpoint(), weed.bucket));
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, bytes, "{path}");
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let expected = serving::headers(&path, &bytes).unwrap();
        assert_eq!(
            header("content-type"),
            Some(expected.content_type),
            "{path}"
        );
        assert_eq!(header("cache-control"), Some(cache), "{path}");
    }
    // Writing needs the publisher's signature.
    let anonymous = TargetOptions::from([
        ("endpoint".to_string(), weed.endpoint()),
        ("skip_signature".to_string(), "true".to_string()),
        ("allow_http".to_string(), "true".to_string()),
    ]);
    let stranger = BucketTarget::open(&url, &anonymous).unwrap();
    let headers = serving::headers(layout::HEAD, b"forged").unwrap();
    assert!(stranger.put(layout::HEAD, b"forged", headers).is_err());
    assert!(
        stranger.get(layout::HEAD).unwrap().is_some(),
        "reading needs none"
    );

    // A reader syncs from the bucket's HTTP endpoint, unsigned, as from any mirror.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = world.dir.path().join("reader.db");
    let mirror = weed.public_url("fa");
    let reader = world.reader(&db, &mirror, &[]);
    let report = runtime
        .block_on(reader.syncer().unwrap().sync())
        .expect("a reader syncs from the bucket");
    assert_eq!(report.route, mirror);
    assert_eq!(reader.store().counts().unwrap().total, 210);
}
