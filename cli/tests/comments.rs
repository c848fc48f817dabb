//! The comment round trip with the binary, as a publisher and a reader run it: the inbox and a
//! relay as child processes, the main site blocked, a comment written and delivered through
//! the relay, approved (and another rejected), published, and shown as published under its
//! article after a sync from the mirror. Then the inbox's answers to bad input, and an inbox
//! killed (SIGKILL) right after its `202`.

use std::path::Path;
use std::process::Command;

use article_sync_core::comments::CommentSecret;
use article_sync_core::comments::envelope::{self, CommentDraft, DeviceKey};
use article_sync_core::publish::read_secret_key;
use serde_json::Value;

mod common;
use common::{BIN, Served, cmd, json, run};

const SEED_ID: &str = "russia-ready-military-cooperation-syria";

fn seed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/seed")
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn inbox(home: &Path, extra: &[&str]) -> Served {
    Served::spawn(
        Command::new(BIN)
            .args(["inbox", "--addr", "127.0.0.1:0", "--db"])
            .arg(home.join("inbox.db"))
            .arg("--key")
            .arg(home.join("keys/publisher.key"))
            .args(extra),
    )
}

/// `comments --inbox INBOX.db list --json`.
fn inbox_list(home: &Path) -> Value {
    json(run(Command::new(BIN)
        .args(["comments", "--inbox"])
        .arg(home.join("inbox.db"))
        .args(["list", "--json"])))
}

fn outbox(home: &Path, db: &str) -> Vec<Value> {
    json(run(cmd(home).args(["outbox", "--json", "--db", db])))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_comment_written_while_main_is_blocked_comes_back_published() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    ok(run(cmd(home)
        .args(["keygen", "--out"])
        .arg(home.join("keys"))));
    let inbox = inbox(home, &[]);
    let relay = Served::spawn(Command::new(BIN).args([
        "relay",
        "--addr",
        "127.0.0.1:0",
        "--to",
        inbox.url.trim_end_matches("comments"),
    ]));
    let relay_url = relay.url.trim_end_matches("comments").to_string();
    let publish = |extra: &[&str]| {
        ok(run(cmd(home)
            .args(["publish", "--key"])
            .arg(home.join("keys/publisher.key"))
            .arg("--from")
            .arg(seed())
            .arg("--tree")
            .arg(home.join("tree"))
            .args(extra)))
    };
    publish(&["--comments-url", &relay_url]);
    let ca = home.join("ca.pem");
    let mirror = Served::start(&home.join("tree"), &ca);
    let blocked = Served::spawn(
        Command::new(BIN)
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--fault",
                "reset",
                "--tree",
            ])
            .arg(home.join("tree")),
    );
    let db = home.join("reader.db");
    let db = db.to_str().unwrap();
    let sync = || {
        json(run(cmd(home)
            .args(["sync", "--json", "--db", db, "--main", &blocked.url])
            .args(["--mirror", &mirror.url])
            .arg("--key")
            .arg(home.join("keys/publisher.pub"))
            .arg("--ca")
            .arg(&ca)))
    };
    let report = sync();
    assert_eq!(report["state"], "main_blocked_mirror", "{report}");

    for text in ["این نظر منتشر می‌شود", "این یکی نه"] {
        let queued = json(run(cmd(home).args([
            "comment",
            "--json",
            "--db",
            db,
            "--article",
            SEED_ID,
            "--author",
            "کارو",
            "--text",
            text,
        ])));
        assert_eq!(queued["state"], "waiting");
    }
    let report = sync();
    assert_eq!(report["comments_sent"], 2, "{report}");
    let items = outbox(home, db);
    assert!(
        items
            .iter()
            .all(|i| i["state"] == "sent" && i["route"] == relay_url.as_str())
    );

    let listed = inbox_list(home);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|c| c["status"] == "received" && c["article_id"] == SEED_ID)
    );
    let moderate = |args: &[&str]| {
        ok(run(Command::new(BIN)
            .args(["comments", "--inbox"])
            .arg(home.join("inbox.db"))
            .args(args)))
    };
    let id_of = |text: &str| {
        listed.iter().find(|c| c["text"] == text).unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    moderate(&["approve", &id_of("این نظر منتشر می‌شود")]);
    moderate(&["reject", &id_of("این یکی نه"), "--reason", "خارج از موضوع"]);
    let inbox_db = home.join("inbox.db");
    publish(&["--inbox", inbox_db.to_str().unwrap()]);

    let report = sync();
    // The published comment marks its own item (its id comes from the delivery key); the
    // rejection comes by its receipt.
    assert_eq!(report["applied"]["comments_put"], 1, "{report}");
    assert_eq!(report["applied"]["receipts"], 1, "{report}");
    let items = outbox(home, db);
    let state = |text: &str| items.iter().find(|i| i["text"] == text).unwrap().clone();
    let published = state("این نظر منتشر می‌شود");
    assert_eq!(published["state"], "published");
    assert!(published["decided_at"].is_i64());
    let rejected = state("این یکی نه");
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["reason"], "خارج از موضوع");

    let article = json(run(cmd(home).args(["read", "--json", "--db", db, SEED_ID])));
    let comments = article["comments"].as_array().unwrap();
    assert!(
        comments
            .iter()
            .any(|c| c["author"] == "کارو" && c["body"] == "این نظر منتشر می‌شود"),
        "{comments:?}"
    );
    assert!(!comments.iter().any(|c| c["body"] == "این یکی نه"));

    // A second publish tells nothing twice.
    let again = publish(&["--inbox", inbox_db.to_str().unwrap()]);
    assert!(again.contains("no change"), "{again}");
}

/// An envelope for the inbox of `home`'s publisher key.
fn envelope(home: &Path, device: &DeviceKey, text: &str) -> Vec<u8> {
    let key = read_secret_key(&home.join("keys/publisher.key")).unwrap();
    let draft = CommentDraft {
        article_id: SEED_ID.into(),
        author: "مینا".into(),
        text: text.into(),
        client_time: 0,
        nonce: envelope::nonce(),
    };
    envelope::seal(&draft, device, &CommentSecret::derive(&key).public()).bytes
}

async fn post(url: &str, body: Vec<u8>) -> (u16, Option<String>, Option<String>, Value) {
    let answer = reqwest::Client::builder()
        .tls_backend_preconfigured(article_sync_core::net::tls_config(false, &[]).unwrap())
        .build()
        .unwrap()
        .post(url)
        .body(body)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (status, kind, retry) = (
        answer.status().as_u16(),
        header("content-type"),
        header("retry-after"),
    );
    let body = answer.bytes().await.unwrap();
    (
        status,
        kind,
        retry,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_inbox_answers_bad_input_with_problems_and_keeps_what_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    ok(run(cmd(home)
        .args(["keygen", "--out"])
        .arg(home.join("keys"))));
    let mut served = inbox(home, &["--per-device", "1"]);
    let url = served.url.clone();
    let device = DeviceKey::generate();

    let (status, kind, _, problem) = post(
        &url,
        b"not an envelope at all, just text....................".to_vec(),
    )
    .await;
    assert_eq!(
        (status, kind.as_deref()),
        (400, Some("application/problem+json"))
    );
    assert_eq!(problem["field"], "envelope");
    let long = "ن".repeat(4_001);
    let (status, _, _, problem) = post(&url, envelope(home, &device, &long)).await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("text")));
    let (status, _, _, problem) = post(&url, vec![7; 40_000]).await;
    assert_eq!((status, problem["field"].as_str()), (413, Some("envelope")));

    let first = envelope(home, &device, "اول");
    let (status, _, _, answer) = post(&url, first.clone()).await;
    assert_eq!(status, 202);
    assert_eq!(answer["key"], envelope::delivery_key(&first).as_str());
    // The inbox is killed the moment it answered: what it acknowledged is on disk.
    let _ = served.child.kill();
    let _ = served.child.wait();
    let served = inbox(home, &["--per-device", "1"]);
    let url = served.url.clone();
    let (status, _, _, _) = post(&url, first.clone()).await;
    assert_eq!(status, 202, "a repeat is accepted");
    let (status, _, _, _) = post(&url, envelope(home, &device, "دوم")).await;
    assert_eq!(status, 202);
    let (status, _, retry, _) = post(&url, envelope(home, &device, "سوم")).await;
    assert_eq!(
        status, 429,
        "a third new comment from one device in the window"
    );
    assert!(retry.unwrap().parse::<u64>().unwrap() > 0);

    let listed = inbox_list(home);
    let texts: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["اول", "دوم"]);
}
