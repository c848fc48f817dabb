//! `keygen` and `publish` as a publisher runs them, including a feed fetched over HTTP, a
//! second feed that fails and an article removed on request.

use std::path::Path;
use std::process::Command;

use article_sync_core::format::codec::PACKED_MARK;
use article_sync_core::format::head::TreeFormat;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_article-sync");

const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>خبر</title>
<item><title>عنوان از خوراک</title><link>https://www.example-news.org/fa/feed-1</link><guid>feed-1</guid>
<description>خلاصه</description><pubDate>Tue, 17 Jul 2018 19:30:00 GMT</pubDate></item></channel></rss>"#;

/// Serves `body` once per connection as an HTTP/1.1 answer, on 127.0.0.1.
async fn serve_feed(body: &'static str) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 2048];
            let _ = socket.read(&mut request).await;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    addr
}

/// Runs `keygen` into `dir`/keys; returns that folder.
fn keygen(dir: &std::path::Path) -> std::path::PathBuf {
    let keys = dir.join("keys");
    let out = Command::new(BIN)
        .args(["keygen", "--out", keys.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    keys
}

/// `article-sync publish --key KEYS/publisher.key --from FROM --tree TREE`, for a test to add
/// its own flags to.
fn publish_command(keys: &Path, from: impl AsRef<std::ffi::OsStr>, tree: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("publish")
        .arg("--key")
        .arg(keys.join("publisher.key"))
        .arg("--from")
        .arg(from)
        .arg("--tree")
        .arg(tree);
    command
}

// Two workers: the feed server runs on one while the test blocks on the child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keygen_then_publish_a_feed_from_a_url() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let public = std::fs::read_to_string(keys.join("publisher.pub")).unwrap();
    assert!(public.trim().starts_with("ed25519:") && public.lines().count() == 1);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(keys.join("publisher.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    let addr = serve_feed(RSS).await;
    let tree = dir.path().join("tree");
    let url = format!("http://{addr}/feed.xml");
    let publish = |extra: &[&str]| -> std::process::Output {
        publish_command(&keys, &url, &tree)
            .arg("--json")
            .args(extra)
            .output()
            .unwrap()
    };
    let out = publish(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["added"], 1);
    assert_eq!(
        report["written"].as_array().unwrap().last().unwrap(),
        "head"
    );

    let again = publish(&[]);
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        report["written"].as_array().unwrap().len(),
        0,
        "no change writes nothing"
    );
    assert_eq!(report["head_version"], 1);

    // A second feed that fails is named; `--remove` takes the article away, naming the rule.
    let missing = dir.path().join("missing.xml");
    let out = publish(&["--from", missing.to_str().unwrap(), "--remove", "feed-1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["removals"],
        serde_json::json!([{"id": "feed-1", "rule": "requested"}])
    );
    assert_eq!(report["failed"][0]["input"], missing.to_str().unwrap());
    assert!(
        dir.path().join("tree.cache").is_dir(),
        "the cache is beside the tree"
    );
}

#[test]
fn a_missing_key_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "publish",
            "--key",
            "/nonexistent/publisher.key",
            "--from",
            dir.path().to_str().unwrap(),
            "--tree",
            dir.path().join("t").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("publisher.key"), "{stderr}");
}

/// `--format 1` writes a tree apps older than format 2 read (gzip files, a head of format 1),
/// `--format 2` one apps older than format 3 read (zstd), `--format 3` one apps older than
/// format 4 read (packed text in zstd, marked at the start); the default is format 4 (files as
/// format 3's); a format this build does not know is refused.
#[test]
fn publish_writes_the_format_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let feed = dir.path().join("feed.xml");
    std::fs::write(&feed, RSS).unwrap();
    let publish = |tree: &str, extra: &[&str]| -> std::process::Output {
        publish_command(&keys, &feed, &dir.path().join(tree))
            .args(extra)
            .output()
            .unwrap()
    };
    // The head's format, and the first bytes of its log file.
    let written = |tree: &str| -> (u64, Vec<u8>) {
        let tree = dir.path().join(tree);
        let note = std::fs::read(tree.join(article_sync_core::format::layout::HEAD)).unwrap();
        let body = note.split(|&b| b == b'\n').next().unwrap();
        let head: serde_json::Value = serde_json::from_slice(body).unwrap();
        let file = head["files"][0]["hash"].as_str().unwrap();
        let log = std::fs::read(tree.join(article_sync_core::format::layout::log(file)));
        (head["format"].as_u64().unwrap(), log.unwrap()[..4].to_vec())
    };
    for (tree, extra, format, magic) in [
        ("v1", &["--format", "1"][..], 1, &[0x1f, 0x8b][..]),
        (
            "v2",
            &["--format", "2"][..],
            2,
            &[0x28, 0xb5, 0x2f, 0xfd][..],
        ),
        ("v3", &["--format", "3"][..], 3, &PACKED_MARK[..4]),
        ("v4", &[][..], 4, &PACKED_MARK[..4]),
    ] {
        let out = publish(tree, extra);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (found, first) = written(tree);
        assert_eq!(found, format);
        assert!(first.starts_with(magic), "{tree}: {first:?}");
    }
    let newer = (u32::from(TreeFormat::CURRENT) + 1).to_string();
    let out = publish("newer", &["--format", &newer]);
    assert!(!out.status.success());
    assert!(!dir.path().join("newer").exists());
}

/// `--to file:///…` (repeatable) copies the tree to each folder, head last and verified; run
/// again, it sends nothing; an unknown scheme is refused before anything is published.
#[test]
fn publish_to_folders_copies_only_what_they_lack() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/seed");
    let tree = dir.path().join("tree");
    let (one, two) = (dir.path().join("usb"), dir.path().join("www/fa"));
    let to = |p: &std::path::Path| format!("file://{}", p.display());
    let publish = |extra: &[String]| {
        publish_command(&keys, &seed, &tree)
            .arg("--json")
            .args(extra)
            .output()
            .unwrap()
    };
    let targets = ["--to".into(), to(&one), "--to".into(), to(&two)];
    let out = publish(&targets);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (n, folder) in [&one, &two].into_iter().enumerate() {
        let target = &report["targets"][n];
        assert_eq!(target["verified"], true);
        assert_eq!(
            target["uploaded"].as_array().unwrap().last().unwrap(),
            "head"
        );
        assert_eq!(
            std::fs::read(folder.join("head")).unwrap(),
            std::fs::read(tree.join("head")).unwrap()
        );
        assert!(folder.join("index.html").is_file());
    }

    let again = publish(&targets);
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    for n in 0..2 {
        assert_eq!(
            report["targets"][n]["uploaded"].as_array().unwrap().len(),
            0
        );
        assert_eq!(report["targets"][n]["verified"], true);
    }

    let before = std::fs::read(tree.join("head")).unwrap();
    let refused = publish(&["--to".into(), "ftp://host/fa".into()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ftp://host/fa"));
    assert_eq!(std::fs::read(tree.join("head")).unwrap(), before);
}

#[test]
fn publish_to_an_ipfs_node_reports_the_url_readers_use() {
    let kubo = article_sync_test_support::kubo::Kubo::start();
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/seed");
    let tree = dir.path().join("tree");
    let api = kubo.api.trim_start_matches("http://");
    let to = format!("ipfs://{api}/news?gateway={}", kubo.gateway);
    let publish = |json: bool| {
        let mut command = publish_command(&keys, &seed, &tree);
        command.args(["--to", &to]);
        if json {
            command.arg("--json");
        }
        command.output().unwrap()
    };
    let out = publish(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["verified"], true);
    assert_eq!(
        target["uploaded"].as_array().unwrap().last().unwrap(),
        "head"
    );
    let mirror = target["mirror_url"].as_str().unwrap();
    assert!(
        mirror.starts_with(&format!("{}/ipfs/bafy", kubo.gateway)),
        "{mirror}"
    );

    let again = publish(false);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{text}");
    assert!(text.contains(&format!("{to}: 0 files uploaded")), "{text}");
    assert!(text.contains(&format!("readers use {mirror}")), "{text}");

    let bad = publish_command(&keys, &seed, &tree)
        .args(["--to", &format!("ipfs://{api}/news")])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("gateway=URL is required"));
}

/// `publish --to s3://…` killed part-way through its upload (one file at a time, so the kill
/// lands inside it) and run again: the second run sends exactly what the bucket lacks, head
/// last, and reads head back verified. The first run takes its settings from the environment,
/// the second from `--target-config`.
#[test]
fn a_killed_upload_to_a_bucket_resumes_without_sending_anything_twice() {
    use article_sync_cli::bench::seaweed::Seaweed;
    use article_sync_core::publish::targets::{BucketTarget, Target};

    let weed = Seaweed::start("mirror").expect("SeaweedFS starts");
    let dir = tempfile::tempdir().unwrap();
    let keys = keygen(dir.path());
    let tree = dir.path().join("tree");
    // A tree of 300 articles; the run adds the feed's one (a feed is a window: the rest stay).
    let key = article_sync_core::publish::read_secret_key(&keys.join("publisher.key")).unwrap();
    let articles = article_sync_cli::corpus::Corpus::new(7).articles(0..300);
    let opts =
        article_sync_core::publish::PublishOptions::new(chrono::Utc::now().timestamp(), "test");
    article_sync_core::publish::publish(&tree, &key, articles, &opts).unwrap();
    let feed = dir.path().join("feed.rss");
    std::fs::write(&feed, RSS).unwrap();
    let url = format!("s3://{}/fa", weed.bucket);
    let publish = |extra: &[&str]| {
        let mut command = publish_command(&keys, &feed, &tree);
        command.args(["--to", &url, "--json"]).args(extra);
        command
    };

    let options = weed.target_options();
    let bucket = BucketTarget::open(&url, &options).unwrap();
    let mut child = publish(&["--jobs", "1"])
        .envs(weed.env())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while bucket.list(&[]).unwrap().len() < 40 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended early"
        );
        assert!(std::time::Instant::now() < deadline, "no upload started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let held: std::collections::BTreeSet<String> = bucket.list(&[]).unwrap().into_keys().collect();
    assert!(!held.contains("head"), "killed before head: {}", held.len());

    let config = dir.path().join("targets.toml");
    let table: String = options
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}\n"))
        .collect();
    std::fs::write(&config, format!("[{url:?}]\n{table}")).unwrap();
    let out = publish(&["--target-config", config.to_str().unwrap()])
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let target = &report["targets"][0];
    assert_eq!(target["verified"], true, "{target}");
    let uploaded: Vec<String> = serde_json::from_value(target["uploaded"].clone()).unwrap();
    assert_eq!(uploaded.last().map(String::as_str), Some("head"));
    for path in &uploaded {
        assert!(!held.contains(path), "{path} was sent twice");
    }
    assert_eq!(target["skipped"], held.len());
    let now: std::collections::BTreeSet<String> = bucket.list(&[]).unwrap().into_keys().collect();
    assert_eq!(now.len(), held.len() + uploaded.len());
}
