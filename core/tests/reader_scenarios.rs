//! The reader scenario list, the same in every front end (tests/python/test_scenarios.py,
//! tests/kotlin ScenarioTest.kt, tests/swift ScenarioTests.swift, cli/tests/reader.rs): bad
//! configuration, an unknown article, an empty comment, an over-long comment, a sync with no
//! route, wipe and reopen. Here against `core::Reader` itself.

use std::path::Path;
use std::time::Duration;

use article_sync_core::comments::CommentField;
use article_sync_core::format::note::SecretKey;
use article_sync_core::net::{ConnectionState, NetConfig};
use article_sync_core::reader::{Reader, ReaderConfig, ReaderError};
use article_sync_core::sync::SyncError;

const MISSING: &str = "no-such-article";

/// A loopback URL nothing listens on.
fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("https://{}/", listener.local_addr().unwrap())
}

fn config(db: &Path, main: &str) -> ReaderConfig {
    ReaderConfig {
        database: db.to_path_buf(),
        publisher_keys: vec![SecretKey::generate().public().to_string()],
        main_url: main.to_owned(),
        mirrors: vec![],
        storage_budget_bytes: 1 << 20,
        text_only: false,
        net: NetConfig {
            connect_timeout: Duration::from_secs(2),
            race_deadline: Duration::from_secs(5),
            probe_timeout: Duration::from_secs(1),
            ..NetConfig::default()
        },
    }
}

fn config_error(config: ReaderConfig) -> &'static str {
    match Reader::open(config) {
        Err(ReaderError::Config { field, .. }) => field,
        Err(other) => panic!("not a configuration error: {other}"),
        Ok(_) => panic!("a bad configuration opened"),
    }
}

#[test]
fn bad_configuration_names_its_field_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub/reader.db");
    let good = config(&db, "https://main.example/");
    let mut bad_key = good.clone();
    bad_key.publisher_keys = vec!["ed25519:AAAA".into()];
    assert_eq!(config_error(bad_key), "publisher_keys");
    let mut no_keys = good.clone();
    no_keys.publisher_keys.clear();
    assert_eq!(config_error(no_keys), "publisher_keys");
    assert_eq!(config_error(config(&db, "ftp://example.org/")), "main_url");
    let mut bad_mirror = good.clone();
    bad_mirror.mirrors = vec!["https://user:pw@mirror.example/".into()];
    assert_eq!(config_error(bad_mirror), "mirrors");
    let mut bad_probe = good.clone();
    bad_probe.net.domestic_probes = vec!["ftp://probe.example/".into()];
    assert_eq!(config_error(bad_probe), "domestic_probes");
    let mut no_timeout = good.clone();
    no_timeout.net.connect_timeout = Duration::ZERO;
    assert_eq!(config_error(no_timeout), "connect_timeout");
    assert!(
        !db.parent().unwrap().exists(),
        "a bad configuration creates nothing"
    );
    // A good one creates the folder too.
    Reader::open(good).unwrap();
    assert!(db.is_file());
}

#[test]
fn an_unknown_article_and_bad_comments_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let reader = Reader::open(config(&dir.path().join("r.db"), "https://main.example/")).unwrap();
    assert!(reader.article(MISSING).unwrap().is_none());
    for result in [
        reader.set_bookmarked(MISSING, true),
        reader.set_read(MISSING, true),
        reader.set_reading_position(MISSING, Some(0.5)),
    ] {
        assert!(
            matches!(result, Err(ReaderError::NotFound { .. })),
            "{result:?}"
        );
    }
    let field = |r: Result<_, ReaderError>| match r {
        Err(ReaderError::InvalidComment(e)) => e.field,
        other => panic!("not an invalid comment: {other:?}"),
    };
    assert_eq!(
        field(reader.compose_comment(MISSING, " \u{200C} ", "نظر")),
        CommentField::Author
    );
    assert_eq!(
        field(reader.compose_comment(MISSING, "کارو", "")),
        CommentField::Text
    );
    let long = "ن".repeat(4001);
    assert_eq!(
        field(reader.compose_comment(MISSING, "کارو", &long)),
        CommentField::Text
    );
    // 4,000 characters meet the rules, then the missing article.
    assert!(matches!(
        reader.compose_comment(MISSING, "کارو", &long[..long.len() - 'ن'.len_utf8()]),
        Err(ReaderError::NotFound { .. })
    ));
    assert!(reader.outbox().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_no_route_then_wipe_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let reader = Reader::open(config(&db, &closed_url())).unwrap();
    let err = reader.sync().await.unwrap_err();
    assert!(
        matches!(err, ReaderError::Sync(SyncError::NoRoute { .. })),
        "{err}"
    );
    // The state it ended in is recorded for the next start.
    let ended = reader.connection().unwrap().state;
    assert!(!matches!(ended, ConnectionState::Unknown), "{ended:?}");
    reader.wipe().unwrap();
    assert!(!db.exists());
    let again = Reader::open(config(&db, "https://main.example/")).unwrap();
    assert_eq!(again.counts().unwrap().total, 0);
    // Nothing of the wiped reader is left, its recorded banner state included.
    let fresh = again.connection().unwrap();
    assert!(matches!(fresh.state, ConnectionState::Unknown) && fresh.checked_at == 0);
}
