//! `article-sync serve` on real loopback sockets, with real TLS from a test CA: the honest
//! mirror (ETag, Range, cache headers, HTTP/2) and every fault.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use article_sync_cli::serve::{
    Fault, IMMUTABLE, ONE_MINUTE, PathKind, STALE_BY_SECS, ServeConfig, ServeError, Server, Stats,
    TestCa,
};
use article_sync_core::format::codec::{GENESIS_TIP, sha256_hex};
use article_sync_core::format::head::{Head, LogFileRef, LogState, SnapshotRef, TreeFormat};
use article_sync_core::format::layout;
use article_sync_core::format::log::{LogFileBuilder, check_pinned};
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::root::TrustedRoot;
use article_sync_core::format::snapshot::SnapshotBuilder;
use article_sync_core::format::{Article, Change, Entry, FormatError};
use reqwest::{StatusCode, Version, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "outside the tree";

/// A tree with two published versions: head v2 (current), `heads/1` and `heads/2`.
struct Tree {
    dir: tempfile::TempDir,
    key: SecretKey,
    /// The log file of version 1 (entries 1..=2) and of version 2 (entries 3..=4).
    logs: [LogFileRef; 2],
    /// The snapshots of version 1 and of version 2.
    snapshots: [SnapshotRef; 2],
}

impl Tree {
    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("tree")
    }

    fn file(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.path().join(path)).unwrap()
    }

    fn root(&self) -> TrustedRoot {
        TrustedRoot::pinned(vec![self.key.public()])
    }

    fn key_copy(&self) -> Arc<SecretKey> {
        Arc::new(SecretKey::parse(&self.key.to_text()).unwrap())
    }
}

fn article(id: &str, published_at: i64) -> Article {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "revision": 1,
        "title": format!("خبر {id}"),
        "summary": "خلاصه",
        "body_html": "<p>متن خبر</p>",
        "language": "fa",
        "published_at": published_at,
        "updated_at": published_at,
    }))
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn build_tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
    let tree = dir.path().join("tree");
    for sub in ["log", "snapshot", "heads"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
    }
    let write = |path: &str, bytes: &[u8]| std::fs::write(tree.join(path), bytes).unwrap();
    let key = SecretKey::generate();
    let (a1, a2, a3) = (article("a1", 100), article("a2", 200), article("a3", 300));

    let mut versions = Vec::new();
    let mut tip = GENESIS_TIP;
    let batches: [(Vec<Change>, Vec<&Article>); 2] = [
        (
            vec![
                Change::PutArticle {
                    article: a1.clone(),
                },
                Change::PutArticle {
                    article: a2.clone(),
                },
            ],
            vec![&a1, &a2],
        ),
        (
            vec![
                Change::PutArticle {
                    article: a3.clone(),
                },
                Change::DeleteArticle {
                    id: "a1".into(),
                    revision: 2,
                },
            ],
            vec![&a2, &a3],
        ),
    ];
    let mut files = Vec::new();
    let mut seq = 0;
    for (i, (changes, live)) in batches.into_iter().enumerate() {
        let mut builder = LogFileBuilder::new(0, seq + 1, tip);
        for change in changes {
            seq += 1;
            builder.push(&Entry { seq, change });
        }
        tip = builder.tip();
        let (file, bytes) = builder.finish(TreeFormat::CURRENT.codec());
        write(&layout::log(&file.hash), &bytes);
        files.push(file.clone());
        let (snapshot, snapshot_files) = SnapshotBuilder::new(1 << 20, TreeFormat::CURRENT).build(
            &live,
            &[],
            seq,
            hex::encode(tip),
        );
        for (path, bytes) in &snapshot_files {
            write(path, bytes);
        }
        let version = i as u64 + 1;
        let head = Head {
            kind: "head".into(),
            format: TreeFormat::CURRENT,
            publisher: "test".into(),
            version,
            issued_at: now() - 60,
            expires_at: now() + 7 * 24 * 3600,
            root_version: 0,
            log: LogState {
                size: seq,
                tip: hex::encode(tip),
            },
            files: files.clone(),
            snapshot: Some(snapshot.clone()),
            mirrors: None,
        };
        let signed = head.sign(&[&key]);
        write(&layout::archived_head(version), &signed);
        write(layout::HEAD, &signed);
        versions.push((file, snapshot));
    }
    let [(log1, snapshot1), (log2, snapshot2)]: [_; 2] = versions.try_into().unwrap();
    Tree {
        dir,
        key,
        logs: [log1, log2],
        snapshots: [snapshot1, snapshot2],
    }
}

async fn serve(tree: &Tree, fault: Fault) -> Server {
    let mut config = ServeConfig::new(tree.path());
    config.fault = fault;
    Server::start(config).await.unwrap()
}

/// A client builder trusting only the CA in `roots_pem` (none: plain HTTP only).
fn builder(roots_pem: &[Vec<u8>]) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(article_sync_core::net::tls_config(false, roots_pem).unwrap())
}

fn client() -> reqwest::Client {
    builder(&[])
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn tls_client(ca: &TestCa) -> reqwest::ClientBuilder {
    builder(&[ca.pem().as_bytes().to_vec()]).timeout(Duration::from_secs(10))
}

async fn get(client: &reqwest::Client, server: &Server, path: &str) -> reqwest::Response {
    client
        .get(format!("{}{path}", server.url()))
        .send()
        .await
        .unwrap()
}

/// Whether `condition` holds within two seconds.
async fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !condition() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

/// Sends one raw HTTP/1.1 request line and returns the whole answer.
async fn raw_request(addr: SocketAddr, target: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn head_and_log_files_are_served_with_etags_and_cache_headers() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    let client = client();

    let head = get(&client, &server, "head").await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[header::CACHE_CONTROL], ONE_MINUTE);
    let head_tag = head.headers()[header::ETAG].to_str().unwrap().to_string();
    let head_bytes = head.bytes().await.unwrap();
    assert_eq!(head_bytes, tree.file(layout::HEAD));
    assert_eq!(head_tag, format!("\"{}\"", sha256_hex(&head_bytes)));
    assert_eq!(Head::verify(&head_bytes, &tree.root()).unwrap().version, 2);

    let again = client
        .get(format!("{}head", server.url()))
        .header(header::IF_NONE_MATCH, &head_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());

    let log = &tree.logs[1];
    let path = layout::log(&log.hash);
    let response = get(&client, &server, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
    assert_eq!(
        response.headers()[header::ETAG],
        format!("\"{}\"", log.hash).as_str()
    );
    let bytes = response.bytes().await.unwrap();
    check_pinned("log", &bytes, &log.hash, log.len).unwrap();
    let cached = client
        .get(format!("{}{path}", server.url()))
        .header(
            header::IF_NONE_MATCH,
            format!("W/\"other\", \"{}\"", log.hash),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let stats = server.stats();
    assert_eq!(stats.path(PathKind::Head).requests, 2);
    assert_eq!(stats.path(PathKind::Head).not_modified, 1);
    assert_eq!(
        stats.path(PathKind::Head).bytes_sent,
        head_bytes.len() as u64
    );
    assert_eq!(stats.path(PathKind::Log).requests, 2);
    assert_eq!(stats.path(PathKind::Log).bytes_sent, log.len);
    assert_eq!(stats.total().requests, 4);
    server.shutdown().await;
}

#[tokio::test]
async fn single_ranges_get_206_and_unsatisfiable_ones_416() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    let client = client();
    let path = layout::log(&tree.logs[0].hash);
    let whole = tree.file(&path);
    let len = whole.len();
    let ranged = |range: String| {
        let request = client
            .get(format!("{}{path}", server.url()))
            .header(header::RANGE, range);
        async move { request.send().await.unwrap() }
    };

    let first = ranged("bytes=0-9".into()).await;
    assert_eq!(first.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        first.headers()[header::CONTENT_RANGE],
        format!("bytes 0-9/{len}").as_str()
    );
    assert_eq!(first.bytes().await.unwrap(), whole[..10]);

    let tail = ranged("bytes=-5".into()).await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), whole[len - 5..]);

    let rest = ranged(format!("bytes={}-", len - 3)).await;
    assert_eq!(rest.bytes().await.unwrap(), whole[len - 3..]);

    let beyond = ranged(format!("bytes={len}-")).await;
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers()[header::CONTENT_RANGE],
        format!("bytes */{len}").as_str()
    );

    let several = ranged("bytes=0-1,4-5".into()).await;
    assert_eq!(several.status(), StatusCode::OK);
    assert_eq!(several.bytes().await.unwrap(), whole);

    assert_eq!(server.stats().path(PathKind::Log).partial, 3);
}

#[tokio::test]
async fn the_head_method_gives_the_length_without_a_body() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    let response = client()
        .head(format!("{}head", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_LENGTH],
        tree.file(layout::HEAD).len().to_string().as_str()
    );
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(server.stats().path(PathKind::Head).bytes_sent, 0);
}

#[tokio::test]
async fn paths_outside_the_tree_layout_are_refused() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    for target in [
        "/../secret.txt",
        "/log/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/heads/..%2f..%2fsecret.txt",
        "/heads/1/../../../secret.txt",
        "//etc/passwd",
        "/head/",
        "/",
        "/.admin/stats",
    ] {
        let answer = raw_request(server.addr(), target).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{target}: {answer}");
        assert!(!answer.contains(SECRET), "{target}");
    }
    assert_eq!(server.stats().path(PathKind::Other).not_found, 9);
}

#[tokio::test]
async fn symlinks_out_of_the_tree_are_not_followed() {
    let tree = build_tree();
    let outside = tree.dir.path().join("secret.txt");
    let name = format!("{}.png", "a".repeat(64));
    std::fs::create_dir_all(tree.path().join("media")).unwrap();
    std::os::unix::fs::symlink(&outside, tree.path().join("media").join(&name)).unwrap();
    std::fs::remove_dir_all(tree.path().join("heads")).unwrap();
    std::os::unix::fs::symlink(tree.dir.path(), tree.path().join("heads")).unwrap();
    // A link that stays inside the tree is served.
    let log = layout::log(&tree.logs[0].hash);
    std::fs::create_dir_all(tree.path().join("media")).unwrap();
    let inside = format!("{}.gif", "b".repeat(64));
    std::os::unix::fs::symlink(
        tree.path().join(&log),
        tree.path().join("media").join(&inside),
    )
    .unwrap();
    std::fs::write(tree.dir.path().join("1"), SECRET).unwrap();

    let server = serve(&tree, Fault::None).await;
    for target in [format!("/media/{name}"), "/heads/1".to_string()] {
        let answer = raw_request(server.addr(), &target).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{target}: {answer}");
        assert!(!answer.contains(SECRET), "{target}");
    }
    let answer = get(&client(), &server, &format!("media/{inside}")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.bytes().await.unwrap(), tree.file(&log));
}

#[tokio::test]
async fn http2_is_spoken_over_tls_by_alpn_and_on_plain_tcp_by_prior_knowledge() {
    let tree = build_tree();
    let ca = TestCa::new().unwrap();
    let mut config = ServeConfig::new(tree.path());
    config.tls = Some(ca.leaf(&["localhost", "127.0.0.1"]).unwrap());
    let server = Server::start(config).await.unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));

    let h2 = tls_client(&ca).build().unwrap();
    let response = get(&h2, &server, "head").await;
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.bytes().await.unwrap(), tree.file(layout::HEAD));

    let mut h1_tls =
        article_sync_core::net::tls_config(false, &[ca.pem().as_bytes().to_vec()]).unwrap();
    h1_tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let h1 = reqwest::Client::builder()
        .tls_backend_preconfigured(h1_tls)
        .http1_only()
        .build()
        .unwrap();
    let response = get(&h1, &server, "head").await;
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.status(), StatusCode::OK);

    let plain = serve(&tree, Fault::None).await;
    let h2c = builder(&[]).http2_prior_knowledge().build().unwrap();
    let response = get(&h2c, &plain, "head").await;
    assert_eq!(response.version(), Version::HTTP_2);
    assert_eq!(response.bytes().await.unwrap(), tree.file(layout::HEAD));
}

#[tokio::test]
async fn reset_sends_a_tcp_rst_at_accept() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Reset).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .unwrap();
    assert_eq!(
        read.unwrap_err().kind(),
        std::io::ErrorKind::ConnectionReset
    );
    let err = client()
        .get(format!("{}head", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(server.stats().resets, 2);
    assert_eq!(server.stats().path(PathKind::Head).requests, 0);
}

#[tokio::test]
async fn blackhole_accepts_and_never_answers() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Blackhole).await;
    let client = builder(&[])
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .get(format!("{}head", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let stats = server.stats();
    assert_eq!((stats.connections, stats.blackholed), (1, 1));
    assert_eq!(stats.total().requests, 0);
}

#[tokio::test]
async fn drip_sends_one_byte_per_interval() {
    let tree = build_tree();
    let mut config = ServeConfig::new(tree.path());
    config.fault = Fault::Drip;
    config.drip_interval = Duration::from_millis(50);
    let server = Server::start(config).await.unwrap();
    let path = layout::log(&tree.logs[0].hash);
    let started = Instant::now();
    let response = client()
        .get(format!("{}{path}", server.url()))
        .header(header::RANGE, "bytes=0-19")
        .send()
        .await
        .unwrap();
    let bytes = response.bytes().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(bytes, tree.file(&path)[..20]);
    assert!(elapsed >= Duration::from_millis(19 * 50), "{elapsed:?}");
    assert_eq!(server.stats().path(PathKind::Log).bytes_sent, 20);

    let impatient = builder(&[])
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let slow = async {
        impatient
            .get(format!("{}head", server.url()))
            .send()
            .await?
            .bytes()
            .await
    };
    assert!(slow.await.unwrap_err().is_timeout());
}

#[tokio::test]
async fn blockpage_answers_403_html_for_every_path() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Blockpage).await;
    for path in ["head", "no/such/path"] {
        let response = get(&client(), &server, path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.text().await.unwrap().contains("<html"));
    }
}

#[tokio::test]
async fn bad_cert_fails_verification_against_the_real_ca() {
    let tree = build_tree();
    let ca = TestCa::new().unwrap();
    let mut config = ServeConfig::new(tree.path());
    config.tls = Some(ca.leaf(&["localhost", "127.0.0.1"]).unwrap());
    config.fault = Fault::BadCert;
    let server = Server::start(config).await.unwrap();
    let client = tls_client(&ca).build().unwrap();
    let err = client
        .get(format!("{}head", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
    // The server sees the client's alert a moment after the client gave up.
    assert!(eventually(|| server.stats().tls_failures == 1).await);

    server.set_fault(Fault::None).unwrap();
    assert_eq!(get(&client, &server, "head").await.status(), StatusCode::OK);

    // A plain-HTTP server under bad-cert speaks TLS too.
    let plain = serve(&tree, Fault::BadCert).await;
    let err = client
        .get(format!("https://{}/head", plain.addr()))
        .send()
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("UnknownIssuer"), "{err:?}");
}

#[tokio::test]
async fn tamper_flips_bytes_of_log_files_and_snapshot_parts_keeping_their_length() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Tamper).await;
    let client = client();
    let log = &tree.logs[1];
    let part = &tree.snapshots[1].headlines;
    let list = &tree.snapshots[1].rest;
    for (path, hash, len) in [
        (layout::log(&log.hash), &log.hash, log.len),
        (layout::snapshot(&part.hash), &part.hash, part.len),
        (layout::part_list(&list.hash), &list.hash, list.len),
    ] {
        let bytes = get(&client, &server, &path).await.bytes().await.unwrap();
        assert_eq!(bytes.len() as u64, len);
        assert_ne!(bytes, tree.file(&path));
        assert!(matches!(
            check_pinned("file", &bytes, hash, len),
            Err(FormatError::HashMismatch { .. })
        ));
    }
    let head = get(&client, &server, "head").await.bytes().await.unwrap();
    assert_eq!(head, tree.file(layout::HEAD));
}

#[tokio::test]
async fn rollback_serves_the_previous_signed_head() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Rollback).await;
    let bytes = get(&client(), &server, "head").await.bytes().await.unwrap();
    let head = Head::verify(&bytes, &tree.root()).unwrap();
    assert_eq!(head.version, 1);
    assert_eq!(bytes, tree.file(&layout::archived_head(1)));
}

#[tokio::test]
async fn stale_serves_the_current_head_validly_signed_but_expired() {
    let tree = build_tree();
    let mut config = ServeConfig::new(tree.path());
    config.fault = Fault::Stale;
    assert!(matches!(
        Server::start(config.clone()).await,
        Err(ServeError::StaleNeedsKey)
    ));
    config.stale_key = Some(tree.key_copy());
    let server = Server::start(config).await.unwrap();
    let bytes = get(&client(), &server, "head").await.bytes().await.unwrap();
    let head = Head::verify(&bytes, &tree.root()).unwrap();
    assert_eq!(head.version, 2);
    assert!(head.is_expired(now()));
    assert!(head.expires_at <= now() - STALE_BY_SECS + 5);
    assert!(
        !Head::verify(&tree.file(layout::HEAD), &tree.root())
            .unwrap()
            .is_expired(now())
    );

    let keyless = serve(&tree, Fault::None).await;
    assert!(matches!(
        keyless.set_fault(Fault::Stale),
        Err(ServeError::StaleNeedsKey)
    ));
    assert_eq!(keyless.fault(), Fault::None);
}

#[tokio::test]
async fn torn_serves_the_current_head_without_its_newest_files() {
    let tree = build_tree();
    let server = serve(&tree, Fault::Torn).await;
    let client = client();
    let bytes = get(&client, &server, "head").await.bytes().await.unwrap();
    assert_eq!(Head::verify(&bytes, &tree.root()).unwrap().version, 2);
    let status = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", server.url());
        async move { client.get(url).send().await.unwrap().status() }
    };
    assert_eq!(
        status(layout::log(&tree.logs[1].hash)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(layout::snapshot(&tree.snapshots[1].headlines.hash)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(layout::part_list(&tree.snapshots[1].rest.hash)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(layout::log(&tree.logs[0].hash)).await,
        StatusCode::OK
    );
    server.set_fault(Fault::None).unwrap();
    assert_eq!(
        status(layout::log(&tree.logs[1].hash)).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn server_error_answers_503_for_everything() {
    let tree = build_tree();
    let server = serve(&tree, Fault::ServerError).await;
    for path in ["head", "nope"] {
        assert_eq!(
            get(&client(), &server, path).await.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}

#[tokio::test]
async fn set_fault_acts_on_connections_already_open() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    let client = client();
    assert_eq!(get(&client, &server, "head").await.status(), StatusCode::OK);
    server.set_fault(Fault::Reset).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        client
            .get(format!("{}head", server.url()))
            .send()
            .await
            .is_err()
    );
    assert!(server.stats().resets >= 1);
    server.set_fault(Fault::None).unwrap();
    assert_eq!(get(&client, &server, "head").await.status(), StatusCode::OK);
    assert_eq!(server.stats().fault, Fault::None);
}

#[tokio::test]
async fn the_admin_endpoint_switches_faults_and_reports_stats() {
    let tree = build_tree();
    let mut config = ServeConfig::new(tree.path());
    config.admin = Some("127.0.0.1:0".parse().unwrap());
    let server = Server::start(config).await.unwrap();
    let admin = format!("http://{}/.admin", server.admin_addr().unwrap());
    let client = client();
    let post = |what: &str| client.post(format!("{admin}/{what}")).send();

    let switched = post("fault/5xx").await.unwrap();
    assert_eq!(switched.status(), StatusCode::OK);
    assert_eq!(switched.text().await.unwrap(), r#"{"fault":"5xx"}"#);
    assert_eq!(server.fault(), Fault::ServerError);
    assert_eq!(
        get(&client, &server, "head").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    // Still reachable while the tree's address resets every connection.
    assert_eq!(post("fault/reset").await.unwrap().status(), StatusCode::OK);
    assert!(
        client
            .get(format!("{}head", server.url()))
            .send()
            .await
            .is_err()
    );
    assert_eq!(post("fault/none").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(&client, &server, "head").await.status(), StatusCode::OK);

    assert_eq!(
        post("fault/bogus").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post("fault/stale").await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let stats: Stats = serde_json::from_slice(
        &client
            .get(format!("{admin}/stats"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stats.fault, Fault::None);
    assert_eq!(stats.path(PathKind::Head).requests, 2);
    assert_eq!(
        stats.path(PathKind::Head).bytes_sent,
        tree.file(layout::HEAD).len() as u64 + "503 Service Unavailable\n".len() as u64
    );
    assert!(stats.resets >= 1);
    let fault: serde_json::Value = serde_json::from_slice(
        &client
            .get(format!("{admin}/fault"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(fault["fault"], "none");

    let mut public = ServeConfig::new(tree.path());
    public.admin = Some("0.0.0.0:0".parse().unwrap());
    assert!(matches!(
        Server::start(public).await,
        Err(ServeError::AdminNotLoopback(_))
    ));
}

#[tokio::test]
async fn a_head_replaced_by_rename_is_served_at_once() {
    let tree = build_tree();
    let server = serve(&tree, Fault::None).await;
    let client = client();
    let version = |bytes: &[u8]| Head::verify(bytes, &tree.root()).unwrap().version;
    let first = get(&client, &server, "head").await.bytes().await.unwrap();
    assert_eq!(version(&first), 2);
    let staged = tree.path().join("head.new");
    std::fs::write(&staged, tree.file(&layout::archived_head(1))).unwrap();
    std::fs::rename(&staged, tree.path().join(layout::HEAD)).unwrap();
    let second = get(&client, &server, "head").await.bytes().await.unwrap();
    assert_eq!(version(&second), 1);
}

#[tokio::test]
async fn the_command_line_makes_a_ca_that_clients_can_trust() {
    let tree = build_tree();
    let ca_file = tree.dir.path().join("ca.pem");
    let args = article_sync_cli::serve::Args {
        tree: tree.path(),
        addr: "127.0.0.1:0".parse().unwrap(),
        tls: true,
        cert: None,
        key_pem: None,
        ca_out: Some(ca_file.clone()),
        fault: Fault::None,
        key: None,
        admin: None,
        drip_ms: 1000,
    };
    let config = article_sync_cli::serve::config_from_args(&args).unwrap();
    let server = Server::start(config).await.unwrap();
    let pem = std::fs::read(&ca_file).unwrap();
    let client = builder(&[pem]).build().unwrap();
    let response = get(&client, &server, "head").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), tree.file(layout::HEAD));
}

/// Every kind of file of a published tree (with an image and its website) is answered with
/// the type and caching of the one table, `/` with the front page, other names with 404.
#[tokio::test]
async fn each_file_is_served_with_its_type_and_caching() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/seed");
    let articles = article_sync_core::publish::source::read_folder(&seed, "fa").unwrap();
    let key = SecretKey::generate();
    let mut opts = article_sync_core::publish::PublishOptions::new(1_531_900_000, "test");
    opts.mirrors = Some(vec!["https://mirror.example/".into()]);
    article_sync_core::publish::publish(dir.path(), &key, articles, &opts).unwrap();
    let head = Head::verify(
        &std::fs::read(dir.path().join(layout::HEAD)).unwrap(),
        &TrustedRoot::pinned(vec![key.public()])
            .advance(&std::fs::read(dir.path().join(layout::root(1))).unwrap())
            .unwrap(),
    )
    .unwrap();
    let snapshot = head.snapshot.clone().unwrap();
    let media = std::fs::read_dir(dir.path().join("media"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let server = Server::start(ServeConfig::new(dir.path())).await.unwrap();
    let client = client();
    for (path, content_type, cache) in [
        ("head".to_string(), "text/plain; charset=utf-8", ONE_MINUTE),
        (layout::root(1), "text/plain; charset=utf-8", IMMUTABLE),
        (
            layout::archived_head(1),
            "text/plain; charset=utf-8",
            IMMUTABLE,
        ),
        (
            layout::log(&head.files[0].hash),
            "application/zstd",
            IMMUTABLE,
        ),
        (
            layout::snapshot(&snapshot.headlines.hash),
            "application/zstd",
            IMMUTABLE,
        ),
        (
            layout::part_list(&snapshot.rest.hash),
            "application/json",
            IMMUTABLE,
        ),
        (
            layout::mirrors(&head.mirrors.unwrap().hash),
            "text/plain; charset=utf-8",
            IMMUTABLE,
        ),
        (
            format!("media/{}", media.to_str().unwrap()),
            "image/png",
            IMMUTABLE,
        ),
        (String::new(), "text/html; charset=utf-8", ONE_MINUTE),
        ("index.html".into(), "text/html; charset=utf-8", ONE_MINUTE),
        (
            "site/article-helsinki-summit.html".into(),
            "text/html; charset=utf-8",
            ONE_MINUTE,
        ),
        (
            "site/about.html".into(),
            "text/html; charset=utf-8",
            ONE_MINUTE,
        ),
        (
            "site/style.css".into(),
            "text/css; charset=utf-8",
            ONE_MINUTE,
        ),
    ] {
        let response = get(&client, &server, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            content_type,
            "{path}"
        );
        assert_eq!(response.headers()[header::CACHE_CONTROL], cache, "{path}");
        assert!(response.headers().contains_key(header::ETAG), "{path}");
    }
    let front = get(&client, &server, "").await.text().await.unwrap();
    assert_eq!(
        front.as_bytes(),
        std::fs::read(dir.path().join("index.html")).unwrap()
    );
    for missing in [
        "site/article-nope.html",
        "site/page-9.html",
        "site/x.js",
        "site/page-0.html",
    ] {
        assert_eq!(
            get(&client, &server, missing).await.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}
