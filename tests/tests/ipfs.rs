//! Publishing to IPFS (issue 18): a tree uploaded to a real kubo node (started offline on
//! loopback by the test) through its HTTP API, then read by a reader and a browser-like client
//! through the node's gateway. `ipfs` must be on PATH (scripts/install-go-servers.sh).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;

use article_sync_core::format::layout;
use article_sync_core::publish::site;
use article_sync_core::publish::targets::{self, IpfsTarget, TargetError, TargetReport};
use article_sync_test_support::kubo::Kubo;
use article_sync_test_support::web::{Page, WebServer};
use article_sync_tests::world::World;

const FOLDER: &str = "news-fa";

fn target(kubo: &Kubo, folder: &str, gateway: &str, ipns: Option<&str>) -> IpfsTarget {
    let api = kubo.api.trim_start_matches("http://");
    let ipns = ipns.map(|k| format!("&ipns={k}")).unwrap_or_default();
    IpfsTarget::open(&format!("ipfs://{api}/{folder}?gateway={gateway}{ipns}")).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A plain HTTP/1.0 GET of `url`: the status, the `Content-Type` and the body.
fn get(url: &str) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..end]).to_string();
    let status = head[9..12].parse().unwrap();
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    (status, content_type, answer[end + 4..].to_vec())
}

/// The reader's article count after syncing from `mirror` only.
fn sync_count(world: &World, db: &Path, mirror: &str) -> u64 {
    let reader = world.reader(db, mirror, &[]);
    let report = runtime().block_on(reader.sync()).expect("the reader syncs");
    assert_eq!(report.route, mirror);
    reader.counts().unwrap().total
}

/// Every path sent by `later` that `earlier` sent too changes in place (head, website pages).
fn assert_only_new_files_again(earlier: &TargetReport, later: &TargetReport) {
    let before: BTreeSet<&String> = earlier.uploaded.iter().collect();
    for path in &later.uploaded {
        let in_place = path == layout::HEAD || site::is_site_path(path);
        assert!(!before.contains(path) || in_place, "{path} was sent again");
    }
    assert_eq!(
        later.uploaded.last().map(String::as_str),
        Some(layout::HEAD)
    );
}

#[test]
fn a_tree_on_ipfs_is_read_through_the_gateway_and_a_republish_sends_only_what_is_new() {
    let kubo = Kubo::start();
    let mut world = World::new(30);
    let ipfs = target(&kubo, FOLDER, &kubo.gateway, None);

    let first = targets::upload(&world.tree, &ipfs).unwrap();
    assert!(first.verified, "head read back through the gateway");
    assert_eq!(first.skipped, 0);
    assert_eq!(
        first.uploaded.last().map(String::as_str),
        Some(layout::HEAD)
    );
    let mirror = first.mirror_url.clone().unwrap();
    let prefix = format!("{}/ipfs/bafy", kubo.gateway);
    assert!(
        mirror.starts_with(&prefix) && mirror.ends_with('/'),
        "{mirror}"
    );

    // The gateway serves the tree: the head as text, the website's pages as HTML.
    let (status, content_type, head) = get(&format!("{mirror}head"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/plain; charset=utf-8")
    );
    assert_eq!(head, std::fs::read(world.tree.join(layout::HEAD)).unwrap());
    let (status, content_type, index) = get(&mirror);
    assert_eq!((status, content_type.as_str()), (200, "text/html"));
    assert_eq!(index, std::fs::read(world.tree.join(site::INDEX)).unwrap());
    let page = site::article_page(&world.articles[0].id);
    let (status, content_type, body) = get(&format!("{mirror}{page}"));
    assert_eq!((status, content_type.as_str()), (200, "text/html"));
    assert_eq!(body, std::fs::read(world.tree.join(&page)).unwrap());
    // Logs and snapshot parts come as what the gateway sniffs; the reader takes them as bytes.
    let log = first
        .uploaded
        .iter()
        .find(|p| p.starts_with("log/"))
        .unwrap();
    let (status, _, bytes) = get(&format!("{mirror}{log}"));
    assert_eq!(
        (status, bytes),
        (200, std::fs::read(world.tree.join(log)).unwrap())
    );

    let db = world.dir.path().join("reader.db");
    assert_eq!(sync_count(&world, &db, &mirror), 30);

    // Nothing new: nothing is sent, the CID stays.
    let again = targets::upload(&world.tree, &ipfs).unwrap();
    assert!(again.uploaded.is_empty() && again.verified);
    assert_eq!(again.mirror_url.as_deref(), Some(mirror.as_str()));

    let more = world.corpus.articles(30..40);
    world.articles.extend(more);
    world.publish();
    let second = targets::upload(&world.tree, &ipfs).unwrap();
    assert!(second.verified);
    assert_only_new_files_again(&first, &second);
    assert!(
        second.uploaded.len() < first.uploaded.len() / 2,
        "{:?}",
        second.uploaded
    );
    assert!(second.skipped > 0);
    let moved = second.mirror_url.unwrap();
    assert!(
        moved.starts_with(&prefix) && moved != mirror,
        "a new CID: {moved}"
    );
    assert_eq!(sync_count(&world, &db, &moved), 40);
    // The old CID still serves the old tree: readers of the old URL see version 1's head.
    assert_eq!(get(&format!("{mirror}head")).2, head);
}

#[test]
fn a_killed_ipfs_upload_resumes_with_the_files_still_missing() {
    let kubo = Kubo::start();
    let world = World::new(12);
    let full = targets::upload(&world.tree, &target(&kubo, FOLDER, &kubo.gateway, None)).unwrap();
    // As if killed part-way: the head never arrived and the later half of the files is gone.
    let lost: Vec<String> = full.uploaded[full.uploaded.len() / 2..].to_vec();
    for path in &lost {
        kubo.cli(&["files", "rm", &format!("/{FOLDER}/{path}")]);
    }
    // A new run (a new process) lists what the node holds and sends only the rest.
    let resumed =
        targets::upload(&world.tree, &target(&kubo, FOLDER, &kubo.gateway, None)).unwrap();
    assert_eq!(resumed.uploaded, lost);
    assert!(resumed.verified);
    assert_eq!(
        resumed.mirror_url, full.mirror_url,
        "the same files, the same CID"
    );
}

#[test]
fn with_an_ipns_key_the_mirror_url_stays_and_follows_each_publish() {
    let kubo = Kubo::start();
    kubo.cli(&["key", "gen", "news"]);
    let mut world = World::new(10);
    let ipfs = target(&kubo, FOLDER, &kubo.gateway, Some("news"));

    let first = targets::upload(&world.tree, &ipfs).unwrap();
    assert!(first.verified);
    let mirror = first.mirror_url.unwrap();
    let names = kubo.cli(&["key", "list", "-l", "--ipns-base", "base36"]);
    let name = names
        .lines()
        .find_map(|l| l.strip_suffix(" news"))
        .unwrap()
        .to_string();
    assert_eq!(mirror, format!("{}/ipns/{name}/", kubo.gateway));
    let db = world.dir.path().join("reader.db");
    assert_eq!(sync_count(&world, &db, &mirror), 10);

    let more = world.corpus.articles(10..20);
    world.articles.extend(more);
    world.publish();
    let second = targets::upload(&world.tree, &ipfs).unwrap();
    assert!(second.verified, "the name resolves to the new CID at once");
    assert_eq!(second.mirror_url.as_deref(), Some(mirror.as_str()));
    assert_eq!(sync_count(&world, &db, &mirror), 20);
}

#[test]
fn head_is_read_back_through_the_gateway_not_from_the_node() {
    let kubo = Kubo::start();
    let world = World::new(3);
    let stored = targets::upload(&world.tree, &target(&kubo, FOLDER, &kubo.gateway, None)).unwrap();
    let mirror = stored.mirror_url.unwrap();
    let cid_path = mirror
        .strip_prefix(&kubo.gateway)
        .unwrap()
        .trim_matches('/');

    let rt = runtime();
    let gateway = rt.block_on(WebServer::start());
    let base = gateway.url("").trim_end_matches('/').to_string();
    // A gateway that serves the CID's head altered: the node holds the right one, yet the
    // report says the head readers get does not verify.
    let mut head = std::fs::read(world.tree.join(layout::HEAD)).unwrap();
    let i = head.len() / 2;
    head[i] ^= 1;
    gateway.put(&format!("{cid_path}/head"), Page::new("text/plain", head));
    let report = targets::upload(&world.tree, &target(&kubo, FOLDER, &base, None)).unwrap();
    assert!(report.uploaded.is_empty());
    assert!(!report.verified);
    assert_eq!(report.mirror_url, Some(format!("{base}/{cid_path}/")));
    assert_eq!(gateway.requests_of(&format!("{cid_path}/head")).len(), 1);

    // A gateway that does not serve it: the run fails, naming the URL readers would use.
    gateway.remove(&format!("{cid_path}/head"));
    match targets::upload(&world.tree, &target(&kubo, FOLDER, &base, None)) {
        Err(TargetError::Failed { problem, .. }) => {
            assert!(
                problem.contains(&format!("{base}/{cid_path}/head")),
                "{problem}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unreachable_node_is_a_clear_failure() {
    let world = World::new(1);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("ipfs://127.0.0.1:{port}/m?gateway=http://127.0.0.1:{port}");
    let ipfs = IpfsTarget::open(&url).unwrap();
    match targets::upload(&world.tree, &ipfs) {
        Err(TargetError::Failed { problem, .. }) => assert!(problem.contains("cannot connect")),
        other => panic!("{other:?}"),
    }
}
