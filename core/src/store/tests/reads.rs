//! Lists, article views, reader state, routes, outbox, wipe, and reads during a big write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::*;
use crate::net::{FailureKind, RouteHealth, RouteSource};

fn collect_all(store: &Store, filter: &ListFilter, page_size: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.list(filter, after.as_ref(), page_size).unwrap();
        assert!(page.items.len() <= page_size);
        out.extend(page.items.iter().map(|s| s.id.clone()));
        match page.next {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

#[test]
fn lists_page_newest_first_by_a_stable_cursor() {
    let (_dir, path) = temp();
    let store = open(&path);
    // Ties on published_at are ordered by id, so no item is skipped or repeated.
    let changes = (0..25)
        .map(|i| {
            let mut a = article(&format!("a{i:02}"), 1, i / 3);
            a.tags = vec![if i % 2 == 0 { "even" } else { "odd" }.into()];
            put(a)
        })
        .collect();
    apply(&store, changes).unwrap();
    let mut expected: Vec<(i64, String)> = (0..25).map(|i| (i / 3, format!("a{i:02}"))).collect();
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    assert_eq!(collect_all(&store, &ListFilter::All, 4), expected);

    // A page boundary stays put when newer articles arrive meanwhile.
    let first = store.list(&ListFilter::All, None, 5).unwrap();
    apply(&store, vec![put(article("newest", 1, 1000))]).unwrap();
    let second = store
        .list(&ListFilter::All, first.next.as_ref(), 5)
        .unwrap();
    assert_eq!(
        ids(&second),
        expected[5..10]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );

    let odd = collect_all(&store, &ListFilter::Tag("odd".into()), 3);
    assert_eq!(odd.len(), 12);
    assert!(
        odd.iter()
            .all(|id| id[1..].parse::<u32>().unwrap() % 2 == 1)
    );

    store.set_read("a24", true).unwrap();
    store.set_read("a23", true).unwrap();
    store.set_bookmarked("a01", true).unwrap();
    store.set_bookmarked("a02", true).unwrap();
    let unread = collect_all(&store, &ListFilter::Unread, 7);
    assert_eq!(unread.len(), 24);
    assert!(!unread.contains(&"a24".to_string()));
    assert_eq!(
        collect_all(&store, &ListFilter::Bookmarked, 1),
        ["a02", "a01"]
    );
    assert_eq!(
        store.counts().unwrap(),
        Counts {
            total: 26,
            unread: 24,
            bookmarked: 2
        }
    );
}

#[test]
fn an_article_comes_with_its_comments_and_the_stored_related_articles() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut main = article("main", 1, 5);
    main.related = vec!["r2".into(), "missing".into(), "r1".into()];
    main.links = vec!["r1".into()];
    apply(
        &store,
        vec![
            put(main.clone()),
            put(article("r1", 1, 1)),
            put(article("r2", 1, 2)),
            Change::PutComment {
                comment: comment("c", "main", "نظر"),
            },
        ],
    )
    .unwrap();
    store.set_position("main", Some(0.4)).unwrap();
    let view = store.article("main").unwrap().unwrap();
    assert_eq!(view.article, main);
    assert!(view.has_body && !view.evicted);
    assert_eq!(view.comments, vec![comment("c", "main", "نظر")]);
    let related: Vec<&str> = view.related.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(related, ["r2", "r1"], "editor's order, stored ones only");
    assert_eq!(view.links.len(), 1);
    assert_eq!(view.reader.position, Some(0.4));
    assert!(store.article("missing").unwrap().is_none());
}

#[test]
fn reader_marks_set_and_clear() {
    let (_dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("a", 1, 1))]).unwrap();
    store.set_read("a", true).unwrap();
    store.set_bookmarked("a", true).unwrap();
    let s = store.reader_state("a").unwrap();
    assert!(s.read_at.is_some() && s.bookmarked_at.is_some());
    store.set_read("a", false).unwrap();
    store.set_bookmarked("a", false).unwrap();
    assert_eq!(store.reader_state("a").unwrap(), ReaderState::default());
    // Re-syncing the article (a newer revision) keeps the marks.
    store.set_bookmarked("a", true).unwrap();
    apply(&store, vec![put(article("a", 2, 1))]).unwrap();
    assert!(store.reader_state("a").unwrap().bookmarked_at.is_some());
}

#[test]
fn route_health_and_head_etags_round_trip() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut main = RouteHealth::new("https://example.org/tree/", RouteSource::Main);
    main.consecutive_failures = 3;
    main.last_failure = Some(FailureKind::DnsTampered);
    main.last_failure_at = Some(1700);
    main.backoff_until = Some(1800);
    let mut mirror = RouteHealth::new("https://mirror.example.net/", RouteSource::MirrorList);
    mirror.successes = 12;
    mirror.last_success_at = Some(1750);
    mirror.median_latency_ms = Some(240);
    store.save_routes(&[main.clone(), mirror.clone()]).unwrap();
    let mut got = store.routes().unwrap();
    got.sort_by(|a, b| a.url.cmp(&b.url));
    assert_eq!(got, vec![main.clone(), mirror.clone()]);

    main.consecutive_failures = 0;
    main.last_failure = None;
    store.save_routes(&[main.clone()]).unwrap();
    store.set_head_etag(&main.url, Some("\"v42\"")).unwrap();
    assert_eq!(
        store.head_etag(&main.url).unwrap().as_deref(),
        Some("\"v42\"")
    );
    assert!(store.routes().unwrap().contains(&main));

    assert!(store.remove_route(&main.url).unwrap());
    assert!(!store.remove_route(&main.url).unwrap());
    assert_eq!(store.head_etag(&main.url).unwrap(), None);
    assert_eq!(store.routes().unwrap(), vec![mirror]);
}

#[test]
fn the_outbox_keeps_each_comment_sealed_once_through_its_steps() {
    use crate::format::{Receipt, ReceiptStatus};
    let (dir, path) = temp();
    let store = open(&path);
    let item = store.queue_comment("a", "کارو", "نظر من").unwrap();
    assert_eq!(item.state, OutboxState::Waiting);
    assert_eq!((item.attempts, item.body.as_str()), (0, "نظر من"));
    let device = store.device_key().unwrap();
    assert_eq!(
        store.device_key().unwrap(),
        device,
        "one device key per install"
    );

    let kept = store.seal_comment(item.id, b"first", "k1").unwrap();
    assert_eq!(store.seal_comment(item.id, b"second", "k2").unwrap(), kept);
    assert_eq!(kept, b"first");
    store
        .mark_comment_failed(item.id, "connect timeout")
        .unwrap();
    // The app is killed here; the outbox and its envelope survive.
    drop(store);
    let store = open(&path);
    let waiting = store.waiting_comments().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].1.as_deref(), Some(&b"first"[..]));
    assert_eq!(waiting[0].0.attempts, 1);
    assert_eq!(waiting[0].0.last_error.as_deref(), Some("connect timeout"));
    assert_eq!(store.device_key().unwrap(), device);

    store
        .mark_comment_sent(item.id, "https://relay.example/")
        .unwrap();
    let receipt = |status, reason: Option<&str>| crate::format::Entry {
        seq: 0,
        change: crate::format::Change::Receipt {
            receipt: Receipt {
                key: "k1".into(),
                status,
                reason: reason.map(str::to_string),
            },
        },
    };
    let apply = |store: &Store, seq: u64, status, reason| {
        let mut e = receipt(status, reason);
        e.seq = seq;
        store
            .apply_entries(&[e], seq, &format!("{seq:064x}"))
            .unwrap()
    };
    assert_eq!(apply(&store, 1, ReceiptStatus::Published, None).receipts, 1);
    // A late "received" never moves a published comment back.
    assert_eq!(apply(&store, 2, ReceiptStatus::Received, None).receipts, 0);
    let item = &store.outbox().unwrap()[0];
    assert_eq!(item.state, OutboxState::Published);
    assert_eq!(item.route.as_deref(), Some("https://relay.example/"));
    assert!(item.sent_at.is_some() && item.decided_at.is_some());
    assert_eq!(item.delivery_key.as_deref(), Some("k1"));
    drop(dir);
}

#[test]
fn a_published_reader_comment_marks_its_outbox_item_without_a_receipt() {
    let (_dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("a", 1, 10))]).unwrap();
    let mine = store.queue_comment("a", "کارو", "نظر").unwrap();
    let other = store.queue_comment("a", "کارو", "دیگری").unwrap();
    let key = "ab".repeat(32);
    store.seal_comment(mine.id, b"sealed", &key).unwrap();
    store
        .seal_comment(other.id, b"other", &"cd".repeat(32))
        .unwrap();
    // As a snapshot or the log carries it: a comment whose id comes from the delivery key.
    let published = comment(&crate::comments::published_comment_id(&key), "a", "نظر");
    apply(&store, vec![Change::PutComment { comment: published }]).unwrap();
    let states: Vec<OutboxState> = store.outbox().unwrap().iter().map(|i| i.state).collect();
    assert_eq!(states, [OutboxState::Published, OutboxState::Waiting]);
}

#[test]
fn wipe_leaves_no_file_behind() {
    let (dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("a", 1, 1))]).unwrap();
    // Keep the WAL around: a reader is mid-read while the wipe is asked for below.
    let _ = store.list(&ListFilter::All, None, 1).unwrap();
    assert!(std::fs::read_dir(dir.path()).unwrap().count() >= 2);
    store.wipe().unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn wipe_files_removes_a_corrupt_store() {
    let (dir, path) = temp();
    std::fs::write(
        &path,
        b"garbage garbage garbage garbage garbage garbage garbage garbage",
    )
    .unwrap();
    assert!(matches!(
        Store::open(&path, StoreConfig::default()),
        Err(StoreError::Corrupt { .. })
    ));
    crate::store::wipe_files(&path).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // And a fresh store opens in its place.
    drop(open(&path));
}

#[test]
fn a_read_during_a_10000_article_sync_returns_in_under_50_ms() {
    let (_dir, path) = temp();
    let store = Arc::new(open(&path));
    apply(&store, vec![put(article("before", 1, 1))]).unwrap();
    let entries = put_entries(persian_articles(10_000), 2);
    let (started, wait_started) = mpsc::channel();
    let committing = Arc::new(AtomicBool::new(false));
    let writer = {
        let store = Arc::clone(&store);
        let committing = Arc::clone(&committing);
        std::thread::spawn(move || {
            store.write(|tx| {
                started.send(()).unwrap();
                let stats = apply::apply_entries(tx, &entries, 10_001, "tip", u64::MAX);
                committing.store(true, Ordering::SeqCst);
                stats
            })
        })
    };
    wait_started.recv().unwrap();
    let mut reads = 0;
    let mut slowest = Duration::ZERO;
    while !writer.is_finished() || reads == 0 {
        let in_write = !committing.load(Ordering::SeqCst);
        let t = Instant::now();
        let page = store.list(&ListFilter::All, None, 20).unwrap();
        slowest = slowest.max(t.elapsed());
        if in_write {
            // The write has not committed: the reader sees the state before it.
            assert_eq!(ids(&page), ["before"]);
        }
        let t = Instant::now();
        store.counts().unwrap();
        slowest = slowest.max(t.elapsed());
        reads += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = writer.join().unwrap().unwrap();
    assert_eq!(stats.articles_put, 10_000);
    assert!(reads > 1, "reads ran while the write was running");
    assert!(
        slowest < Duration::from_millis(50),
        "slowest read {slowest:?}"
    );
    assert_eq!(store.counts().unwrap().total, 10_001);
}

#[test]
fn article_html_is_sanitised_when_read() {
    let (_dir, path) = temp();
    let store = open(&path);
    let mut a = article("a", 1, 1);
    a.body_html = "<p onclick=\"steal()\">متن <a href=\"javascript:x()\">پیوند</a></p>\
                   <script>steal()</script>"
        .into();
    apply(&store, vec![put(a)]).unwrap();
    let body = store.article("a").unwrap().unwrap().article.body_html;
    for bad in ["<script", "onclick", "javascript:", "steal"] {
        assert!(!body.contains(bad), "{bad} in {body}");
    }
    assert!(body.contains("متن") && body.contains("پیوند"), "{body}");
}

#[test]
fn carried_envelopes_are_kept_once_capped_and_never_a_readers_own() {
    use crate::format::limits::CARRIED_MAX;
    use crate::store::CarriedOutcome;
    let (_dir, path) = temp();
    let store = open(&path);
    apply(&store, vec![put(article("a", 1, 10))]).unwrap();
    let key = |i: usize| format!("{i:064x}");
    // The reader's own sealed comment is never carried as another's.
    let mine = store.queue_comment("a", "کارو", "نظر").unwrap();
    store.seal_comment(mine.id, b"mine", &key(0)).unwrap();
    assert!(!store.carry_envelope(&key(0), b"mine").unwrap());
    for i in 1..=CARRIED_MAX {
        assert!(store.carry_envelope(&key(i), b"sealed").unwrap(), "{i}");
    }
    assert!(
        !store.carry_envelope(&key(1), b"sealed").unwrap(),
        "kept once"
    );
    let over = key(CARRIED_MAX + 1);
    assert!(!store.carry_envelope(&over, b"sealed").unwrap(), "capped");
    assert_eq!(store.carried_envelopes().unwrap().len(), CARRIED_MAX);

    // Delivered, it leaves the waiting ones (room for another) and is never taken again.
    store.mark_carried(&key(1), &CarriedOutcome::Sent).unwrap();
    store
        .mark_carried(&key(2), &CarriedOutcome::Failed("refused".into()))
        .unwrap();
    let waiting = store.carried_envelopes().unwrap();
    assert_eq!(waiting.len(), CARRIED_MAX - 1);
    assert!(waiting.iter().all(|(k, _)| *k != key(1)));
    assert!(waiting.iter().any(|(k, _)| *k == key(2)), "a failure waits");
    assert!(store.holds_envelope(&key(1)).unwrap());
    assert!(!store.carry_envelope(&key(1), b"sealed").unwrap());
    assert!(store.carry_envelope(&over, b"sealed").unwrap());
}
