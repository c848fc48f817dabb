//! The reader commands, run as a binary the way scripts run them: a real tree served over TLS
//! by `article-sync serve` (a child process), a real SQLite file, JSON on stdout, one line on
//! stderr and the documented exit codes.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

mod common;
use common::{BIN, Served, cmd, fails, json, run, sync_cmd};
/// SIGPIPE's number on Linux and macOS.
const SIGPIPE: i32 = 13;
const SEED_ID: &str = "russia-ready-military-cooperation-syria";
const HELSINKI_ID: &str = "helsinki-summit";

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|a| a["id"].as_str().expect("an id").to_string())
        .collect()
}

/// A publisher tree of the seed articles with its public key file.
fn seed_tree(dir: &Path) -> (PathBuf, PathBuf) {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/seed");
    let articles = article_sync_core::publish::source::read_folder(&seed, "fa").expect("seed");
    publish_tree(dir, articles)
}

/// Publishes `articles` with a new key into `dir/tree`; returns the tree and the public key file.
fn publish_tree(
    dir: &Path,
    articles: Vec<article_sync_core::publish::source::SourceArticle>,
) -> (PathBuf, PathBuf) {
    let keys = dir.join("keys");
    article_sync_core::publish::keygen(&keys).expect("keygen");
    let key = article_sync_core::publish::read_secret_key(&keys.join("publisher.key")).unwrap();
    let tree = dir.join("tree");
    let options =
        article_sync_core::publish::PublishOptions::new(chrono::Utc::now().timestamp(), "test");
    article_sync_core::publish::publish(&tree, &key, articles, &options).expect("publish");
    (tree, keys.join("publisher.pub"))
}

#[test]
fn export_writes_a_tree_another_reader_syncs_from_as_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let a = home.join("a.db");
    let a = a.to_str().unwrap();
    json(run(&mut sync_cmd(home, a, &served.url, &public, &ca)));
    drop(served);

    let usb = home.join("usb");
    fails(
        &run(cmd(home).args(["export", "--db", a, "--out"]).arg(&usb)),
        1,
        "usb",
    );
    std::fs::create_dir(&usb).unwrap();
    let export = json(run(cmd(home)
        .args(["export", "--json", "--db", a, "--out"])
        .arg(&usb)));
    assert_eq!(export["head_version"], 1, "{export}");
    assert!(usb.join("head").is_file());

    let b = home.join("b.db");
    let folder = format!("file://{}/", usb.display());
    let sync = json(run(&mut sync_cmd(
        home,
        b.to_str().unwrap(),
        &folder,
        &public,
        &ca,
    )));
    assert_eq!(sync["route"], folder.as_str(), "{sync}");
    assert_eq!(sync["new_articles"], 2);
    let status = json(run(cmd(home).args(["status", "--json", "--db", a])));
    assert!(status["storage"]["copy"].as_u64().unwrap() > 0, "{status}");

    // `share` serves the same copy over HTTP: a third reader syncs from it.
    let shared = Served::spawn(cmd(home).args(["share", "--db", a, "--addr", "127.0.0.1:0"]));
    let c = home.join("c.db");
    let sync = json(run(&mut sync_cmd(
        home,
        c.to_str().unwrap(),
        &shared.url,
        &public,
        &ca,
    )));
    assert_eq!(sync["route"], shared.url.as_str(), "{sync}");
    assert_eq!(sync["new_articles"], 2);
}

#[test]
fn sync_from_a_served_tree_then_list_search_read_and_status_offline() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let db = home.join("reader.db");
    let db = db.to_str().unwrap();

    let sync = json(run(&mut sync_cmd(home, db, &served.url, &public, &ca)));
    assert_eq!(sync["state"], "direct", "{sync}");
    assert_eq!(sync["route"], served.url.as_str());
    assert_eq!(sync["evidence"], Value::Array(vec![]));
    assert_eq!(sync["used_snapshot"], true);
    assert_eq!(sync["new_articles"], 2);
    assert_eq!(sync["banner"]["fa"], "ارتباط بدون سانسور");

    let list = json(run(cmd(home).args(["list", "--json", "--db", db])));
    assert_eq!(ids(&list), [SEED_ID, HELSINKI_ID], "newest first");
    // Whoever reads the output went away (`| head`): the command ends by SIGPIPE, as other
    // tools do, not with a panic.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = run(cmd(home).args(["list", "--db", db]).stdout(writer));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.signal(), Some(SIGPIPE), "{:?}", out.status);
    assert_eq!(list[0]["published_at"], 1_531_855_800);
    assert!(list[0]["title"].as_str().unwrap().contains("روسیه"));

    // The seed writes «گفتوگو» without its ZWNJ, the other article «گفت‌وگو» with it: either
    // spelling finds both.
    for query in ["گفت\u{200c}وگو", "گفتوگو"] {
        let hits = json(run(cmd(home).args(["search", "--json", "--db", db, query])));
        let mut found = ids(&hits);
        found.sort();
        assert_eq!(found, [HELSINKI_ID, SEED_ID], "query {query:?}: {hits}");
        assert!(hits[0]["published_at"].is_i64());
    }
    let none = json(run(cmd(home).args(["search", "--json", "--db", db, "سلام"])));
    assert_eq!(none, Value::Array(vec![]));

    let article = json(run(cmd(home).args(["read", "--json", "--db", db, SEED_ID])));
    assert_eq!(article["id"], SEED_ID);
    let body = article["body"].as_str().unwrap();
    assert!(body.contains("توافق هلسینکی"), "{body}");
    assert!(
        !body.contains("<p>") && body.contains("\n\n"),
        "paragraphs as text: {body}"
    );
    assert_eq!(article["comments"][0]["author"], "کارو");
    let text = run(cmd(home).args(["read", "--db", db, SEED_ID]));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("اعلام آمادگی وزارت دفاع روسیه"), "{text}");

    // Reader state and the outbox.
    json(run(cmd(home).args([
        "bookmark",
        "--json",
        "--db",
        db,
        HELSINKI_ID,
    ])));
    let marked = json(run(cmd(home).args([
        "list",
        "--json",
        "--bookmarked",
        "--db",
        db,
    ])));
    assert_eq!(ids(&marked), [HELSINKI_ID]);
    let unread = json(run(
        cmd(home).args(["list", "--json", "--unread", "--db", db])
    ));
    assert_eq!(
        ids(&unread),
        [HELSINKI_ID],
        "reading the seed article marked it read"
    );
    let queued = json(run(cmd(home).args([
        "comment",
        "--json",
        "--db",
        db,
        SEED_ID,
        "--author",
        "مریم",
        "--text",
        "ممنون",
    ])));
    assert_eq!(queued["state"], "waiting");
    let outbox = json(run(cmd(home).args(["outbox", "--json", "--db", db])));
    assert_eq!(outbox[0]["text"], "ممنون");

    // `status` works with the server gone, from the database alone (and the environment).
    drop(served);
    let status = json(run(cmd(home)
        .env("ARTICLE_SYNC_DB", db)
        .args(["status", "--json"])));
    assert_eq!(status["state"], "direct");
    assert!(
        status["route"]
            .as_str()
            .unwrap()
            .starts_with("https://127.0.0.1:")
    );
    assert_eq!(status["articles"]["total"], 2);
    assert_eq!(status["outbox"], 1);
}

#[test]
fn a_config_file_supplies_key_main_and_ca() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let config_dir = home.join("config/article-sync");
    std::fs::create_dir_all(&config_dir).unwrap();
    // The default configuration file, found without --config.
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "database = {:?}\nkey = {:?}\nmain = {:?}\nca = {:?}\n",
            home.join("from-config.db"),
            public,
            served.url,
            ca
        ),
    )
    .unwrap();
    let sync = json(run(cmd(home).args(["sync", "--json"])));
    assert_eq!(sync["state"], "direct");
    assert!(home.join("from-config.db").is_file());
    let list = json(run(cmd(home).args(["list", "--json", "--limit", "1"])));
    assert_eq!(ids(&list), [SEED_ID]);
}

#[test]
fn a_sync_that_evicts_says_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    // A budget of nothing: every article's body is evicted as soon as it is stored.
    let config = home.join("tiny.toml");
    std::fs::write(&config, "budget_mb = 0\n").unwrap();
    let db = home.join("r.db");
    let sync = json(run(cmd(home)
        .args(["sync", "--json", "--main", &served.url, "--key"])
        .arg(&public)
        .arg("--ca")
        .arg(&ca)
        .arg("--config")
        .arg(&config)
        .arg("--db")
        .arg(&db)));
    assert_eq!(sync["applied"]["evicted"], 2, "{sync}");
    let status = json(run(cmd(home)
        .args(["status", "--json", "--config"])
        .arg(&config)
        .arg("--db")
        .arg(&db)));
    assert_eq!(status["storage"]["evicted_articles"], 2, "{status}");
}

#[test]
fn bad_flags_and_a_missing_key_give_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("r.db");
    let db = db.to_str().unwrap();

    fails(&run(cmd(home).args(["sync", "--bogus"])), 2, "--bogus");
    fails(
        &run(cmd(home).args(["list", "--db", db, "--limit", "many"])),
        2,
        "many",
    );
    fails(
        &run(cmd(home).args(["sync", "--db", db, "--main", "https://main.test/"])),
        2,
        "no publisher key",
    );
    fails(
        &run(cmd(home)
            .args(["sync", "--db", db, "--main", "https://main.test/", "--key"])
            .arg(home.join("missing.pub"))),
        2,
        "cannot read the publisher key",
    );
    let not_a_key = home.join("not-a-key.pub");
    std::fs::write(&not_a_key, "hello\n").unwrap();
    fails(
        &run(cmd(home)
            .args(["sync", "--db", db, "--main", "https://main.test/", "--key"])
            .arg(&not_a_key)),
        2,
        "not a public key",
    );
    let (_tree, public) = seed_tree(home);
    fails(
        &run(cmd(home).args(["sync", "--db", db, "--key"]).arg(&public)),
        2,
        "no main site URL",
    );
    fails(
        &run(cmd(home)
            .args(["sync", "--db", db, "--main", "ftp://main.test/", "--key"])
            .arg(&public)),
        2,
        "--main",
    );
    assert!(
        !Path::new(db).exists(),
        "nothing was created by a usage error"
    );
    fails(&run(cmd(home).args(["list", "--db", db])), 1, "no database");
}

#[test]
fn a_failed_sync_names_the_route_exits_1_and_v_shows_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (_tree, public) = seed_tree(home);
    // A port nobody listens on: connections are refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let main = format!("http://127.0.0.1:{port}/");
    let db = home.join("r.db");
    let out = run(cmd(home)
        .args(["sync", "--json", "--main", &main, "--key"])
        .arg(&public)
        .arg("--db")
        .arg(&db));
    let line = fails(&out, 1, "sync failed");
    assert!(line.contains(&main) && line.contains("refused"), "{line}");
    let state: Value = serde_json::from_slice(&out.stdout).expect("the state is still printed");
    assert_eq!(state["state"], "offline");
    assert_eq!(state["route"], Value::Null);
    assert_eq!(state["evidence"][0]["url"], main.as_str());
    assert_eq!(state["evidence"][0]["kind"], "refused");

    let verbose = run(cmd(home)
        .args(["-v", "sync", "--main", &main, "--key"])
        .arg(&public)
        .arg("--db")
        .arg(&db));
    assert_eq!(verbose.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.lines().count() > 1, "-v adds the evidence: {stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.trim_start().starts_with("main ") && l.contains("refused")),
        "{stderr}"
    );

    let status = json(run(cmd(home).args(["status", "--json", "--db"]).arg(&db)));
    assert_eq!(
        status["state"], "offline",
        "the failed sync's state was kept"
    );
}

#[test]
fn a_mirror_added_by_hand_is_listed_raced_and_wiped_with_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let main = format!("http://127.0.0.1:{port}/");
    let db = home.join("r.db");
    let added = json(run(cmd(home)
        .args(["mirrors", "add", "--json", &served.url])
        .arg("--db")
        .arg(&db)));
    assert_eq!(added["url"], served.url.as_str());
    assert_eq!(added["source"], "user");
    assert_eq!(added["added"], true);
    let listed = json(run(cmd(home)
        .args(["mirrors", "list", "--json", "--main", &main])
        .arg("--db")
        .arg(&db)));
    let urls: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 2, "{listed}");
    assert!(
        urls.contains(&served.url.as_str()) && urls.contains(&main.as_str()),
        "{listed}"
    );

    // Main refuses connections; the mirror the reader added serves the tree.
    let sync = json(run(cmd(home)
        .args(["sync", "--json", "--main", &main, "--key"])
        .arg(&public)
        .arg("--ca")
        .arg(&ca)
        .arg("--db")
        .arg(&db)));
    assert_eq!(sync["route"], served.url.as_str(), "{sync}");
    assert_eq!(
        sync["state"], "mirror_only",
        "a refused main is not censorship-like"
    );
    assert_eq!(sync["evidence"][0]["kind"], "refused");

    fails(
        &run(cmd(home)
            .args(["mirrors", "add", "ftp://x.test/"])
            .arg("--db")
            .arg(&db)),
        2,
        "not a mirror",
    );
    let wiped = json(run(cmd(home).args(["wipe", "--json"]).arg("--db").arg(&db)));
    assert_eq!(wiped["wiped"], true);
    assert!(!db.exists());
}

/// The reader scenario list, the same in every front end (core/tests/reader_scenarios.rs,
/// tests/python/test_scenarios.py, tests/kotlin ScenarioTest.kt, tests/swift
/// ScenarioTests.swift): bad configuration, an unknown article, an empty comment, an over-long
/// comment, a sync with no route, wipe and reopen. Here as exit codes and one-line errors.
#[test]
fn the_reader_scenarios_fail_the_same_way_as_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let db = home.join("r.db");
    let reader = |args: &[&str]| {
        let mut c = cmd(home);
        c.args(args).arg("--db").arg(&db);
        run(&mut c)
    };
    let sync = |main: &str, extra: &[&str]| {
        let mut c = cmd(home);
        c.args(["sync", "--main", main, "--key"])
            .arg(&public)
            .args(extra);
        c.arg("--db").arg(&db);
        run(&mut c)
    };

    // Bad configuration: exit 2, the flag named, nothing created.
    fails(&sync("ftp://main.test/", &[]), 2, "--main");
    fails(
        &sync(
            "https://main.test/",
            &["--probe-domestic", "ftp://probe.test/"],
        ),
        2,
        "--probe-domestic",
    );
    assert!(!db.exists());

    // A sync with no route: exit 1.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    fails(
        &sync(&format!("http://127.0.0.1:{port}/"), &[]),
        1,
        "sync failed",
    );

    // An unknown article; comments empty and over-long (4,000 characters pass the rules and
    // then meet the unknown article).
    fails(&reader(&["bookmark", "no-such-article"]), 1, "not stored");
    let long = "ن".repeat(4001);
    let fits = "ن".repeat(4000);
    for (author, text, code, needle) in [
        (" \u{200C} ", "نظر", 2, "invalid comment: author"),
        ("کارو", long.as_str(), 2, "invalid comment: text"),
        ("کارو", fits.as_str(), 1, "not stored"),
    ] {
        let out = reader(&[
            "comment",
            "no-such-article",
            "--author",
            author,
            "--text",
            text,
        ]);
        fails(&out, code, needle);
    }

    // Wipe and reopen: the database is gone, the next sync starts afresh.
    assert_eq!(json(reader(&["wipe", "--json"]))["wiped"], true);
    fails(&reader(&["list"]), 1, "no database");
    let served = Served::start(&tree, &home.join("ca.pem"));
    let ca = home.join("ca.pem");
    let out = sync(&served.url, &["--ca", ca.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ids(&json(reader(&["list", "--json"]))).contains(&SEED_ID.to_string()));
}

/// `serve` outlives clients that hang up mid-answer: a write to a closed connection is an error
/// on that connection (EPIPE), not a SIGPIPE that ends the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_survives_clients_that_hang_up() {
    let dir = tempfile::tempdir().unwrap();
    let articles = article_sync_cli::corpus::Corpus::new(7).articles(0..2_000);
    let (tree, _) = publish_tree(dir.path(), articles);
    let biggest = std::fs::read_dir(tree.join("snapshot"))
        .unwrap()
        .map(|e| e.unwrap())
        .max_by_key(|e| e.metadata().unwrap().len())
        .unwrap()
        .file_name();
    let ca = dir.path().join("ca.pem");
    let mut served = Served::start(&tree, &ca);
    let mut tls =
        article_sync_core::net::tls_config(false, &[std::fs::read(&ca).unwrap()]).unwrap();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let client = reqwest::Client::builder()
        .http1_only()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap();
    let url = format!("{}snapshot/{}", served.url, biggest.to_string_lossy());
    for _ in 0..20 {
        let mut answer = client.get(&url).send().await.unwrap();
        let _ = answer.chunk().await;
        // Hangs up with most of the file unsent.
        drop(answer);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let ended = served.child.try_wait().unwrap();
    assert_eq!(ended, None, "serve ended");
    let head = client.get(format!("{}head", served.url)).send().await;
    assert_eq!(head.map(|r| r.status().as_u16()).ok(), Some(200));
}

/// Text from a tree — titles, bodies, authors, comments — reaches the terminal without its
/// control characters: an escape sequence in a signed article cannot recolour, retitle or
/// rewrite the reader's terminal.
#[test]
fn escape_sequences_in_articles_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let from = home.join("articles");
    std::fs::create_dir_all(&from).unwrap();
    let esc = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31m";
    let article = serde_json::json!({
        "id": "escapes",
        "title": format!("تیتر{esc}سرخ"),
        "summary": format!("خلاصه{esc}"),
        "body": format!("<p>متن{esc}اصلی</p>"),
        "author": format!("نویسنده{esc}"),
        "published": "2018-07-17T19:30:00Z",
        "comments": [{"id": "c1", "author": format!("کارو{esc}"), "body": format!("نظر{esc}"),
                      "posted": "2018-07-18T06:12:00Z"}],
    });
    std::fs::write(from.join("escapes.json"), article.to_string()).unwrap();
    let articles = article_sync_core::publish::source::read_folder(&from, "fa").unwrap();
    let (tree, public) = publish_tree(home, articles);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let db = home.join("r.db");
    let reader = |args: &[&str]| {
        let mut c = cmd(home);
        c.args(args).arg("--db").arg(&db);
        run(&mut c)
    };
    let mut c = cmd(home);
    c.args(["sync", "--main", &served.url, "--key"])
        .arg(&public)
        .arg("--ca")
        .arg(&ca)
        .arg("--db")
        .arg(&db);
    assert!(run(&mut c).status.success());
    reader(&["comment", "escapes", "--author", "من", "--text", "پاسخ"]);
    for args in [
        &["list"][..],
        &["read", "escapes"],
        &["search", "تیتر"],
        &["outbox"],
        &["status"],
    ] {
        let out = reader(args);
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{args:?} printed a control character: {stdout:?}"
        );
        if args[0] != "status" && args[0] != "outbox" {
            assert!(stdout.contains("تیتر"), "{args:?}: {stdout}");
        }
    }
    let read = String::from_utf8(reader(&["read", "escapes"]).stdout).unwrap();
    assert!(
        read.contains("نظر") && read.contains("کارو") && read.contains("اصلی"),
        "{read}"
    );
}

/// `serve --tls` with a fault from the start.
fn serve_with_fault(tree: &Path, ca_out: &Path, fault: &str) -> Served {
    Served::start_with(tree, ca_out, &["--fault", fault])
}

#[test]
fn two_processes_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (tree, public) = seed_tree(home);
    let ca = home.join("ca.pem");
    let served = Served::start(&tree, &ca);
    let sync = |db: &str, url: &str| {
        let mut c = sync_cmd(home, db, url, &public, &ca);
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    };
    let no_bad_advice = |out: &Output| {
        let stderr = String::from_utf8_lossy(&out.stderr);
        for bad in ["wipe", "already exists", "busy"] {
            assert!(!stderr.contains(bad), "{bad:?} in {stderr:?}");
        }
    };

    // Several syncs started together on a new database: one opens and migrates while the
    // others wait for it; each syncs, or is told at once that a sync is running.
    for round in 0..3 {
        let db = home.join(format!("race-{round}.db"));
        let db = db.to_str().unwrap();
        let children: Vec<Child> = (0..4)
            .map(|_| sync(db, &served.url).spawn().unwrap())
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for out in &outs {
            no_bad_advice(out);
            if !out.status.success() {
                fails(out, 1, "sync already running");
            }
        }
        assert!(outs.iter().any(|o| o.status.success()), "round {round}");
        let list = json(run(cmd(home).args(["list", "--json", "--db", db])));
        assert_eq!(ids(&list).len(), 2);
    }

    // A sync that runs long (a dripping main): a second one returns at once, typed, and reads
    // in a third process never fail meanwhile.
    let db = home.join("reader.db");
    let db = db.to_str().unwrap();
    json(run(&mut sync(db, &served.url)));
    let drip_ca = home.join("drip-ca.pem");
    let dripping = serve_with_fault(&tree, &drip_ca, "drip");
    let mut first = sync_cmd(home, db, &dripping.url, &public, &drip_ca)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first sync still runs"
    );
    let started = std::time::Instant::now();
    let second = sync(db, &served.url).output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    fails(&second, 1, "sync already running");
    no_bad_advice(&second);
    for _ in 0..5 {
        let list = json(run(cmd(home).args(["list", "--json", "--db", db])));
        assert_eq!(ids(&list).len(), 2);
        json(run(cmd(home).args(["status", "--json", "--db", db])));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    // The lock went with the process: the next sync runs.
    json(run(&mut sync(db, &served.url)));
}

#[test]
fn version_names_the_bundled_sqlite() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!(
        "article-sync {} (SQLite {})\n",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version()
    );
    assert_eq!(text, expected);
    assert!(rusqlite::version().starts_with("3."), "{text}");
}
