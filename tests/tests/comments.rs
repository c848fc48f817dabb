//! Comments arrive exactly once: through 100+ connections dropped at random points (the request
//! cut before the inbox has it, the answer cut after the inbox stored it, a relay's forward cut
//! in the middle), and through reader processes killed (SIGKILL) during delivery. Every
//! comment is in the inbox once; none is lost; none is sealed twice. A relay on the path sees
//! only sealed bytes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use article_sync_cli::comments::inbox::{self, Limits};
use article_sync_cli::comments::{Listener, relay};
use article_sync_cli::serve::{Fault, Server};
use article_sync_core::comments::CommentSecret;
use article_sync_core::comments::inbox::Inbox;
use article_sync_core::format::layout;
use article_sync_core::publish;
use article_sync_core::reader::Reader;
use article_sync_core::store::OutboxState;
use article_sync_test_support::proxy::{Cut, Proxy};
use article_sync_tests::world::{World, now};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const CHILD: &str = env!("CARGO_BIN_EXE_sync-child");

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A random fate per connection: a third pass, the rest are cut before or after the server's
/// work.
fn chaos(seed: u64) -> impl Fn(usize) -> Cut + Send + Sync + 'static {
    let rng = Mutex::new(StdRng::seed_from_u64(seed));
    move |_| {
        let mut rng = rng.lock().unwrap();
        match rng.random_range(0..3) {
            0 => Cut::Pass,
            1 => Cut::Request(rng.random_range(1..900)),
            _ => Cut::Answer,
        }
    }
}

/// The publisher's side on loopback: an inbox, a relay to it, and the tree served over HTTPS
/// with the given comment endpoints in its mirror list.
struct Publisher {
    inbox: Arc<Inbox>,
    _inbox_listener: Listener,
}

impl Publisher {
    async fn start(world: &World) -> (Publisher, SocketAddr) {
        Self::start_at(world, loopback()).await
    }

    async fn start_at(world: &World, addr: SocketAddr) -> (Publisher, SocketAddr) {
        let inbox = Arc::new(
            Inbox::open(
                &world.dir.path().join("inbox.db"),
                vec![CommentSecret::derive(&world.key)],
            )
            .unwrap(),
        );
        let limits = Limits {
            per_device: 10_000,
            per_address: 10_000,
            window: Duration::from_secs(3600),
        };
        let listener = inbox::start(inbox.clone(), limits, addr, None)
            .await
            .unwrap();
        let addr = listener.addr();
        (
            Publisher {
                inbox,
                _inbox_listener: listener,
            },
            addr,
        )
    }

    /// The inbox's comments by text: each text must appear once.
    fn texts(&self) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for c in self.inbox.list().unwrap() {
            *seen.entry(c.text).or_insert(0) += 1;
        }
        seen
    }
}

fn publish_with_endpoints(world: &World, endpoints: Vec<String>) {
    publish::publish(
        &world.tree,
        &world.key,
        world.articles.clone(),
        &publish::PublishOptions {
            comment_endpoints: Some(endpoints),
            ..article_sync_tests::options(now())
        },
    )
    .unwrap();
}

fn compose(reader: &Reader, world: &World, texts: &[String]) {
    for (i, text) in texts.iter().enumerate() {
        let article = &world.articles[i % world.articles.len()].id;
        reader
            .compose_comment(article, &format!("خواننده {i}"), text)
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_comment_arrives_once_through_a_hundred_dropped_connections() {
    let world = World::new(5);
    let (publisher, inbox_addr) = Publisher::start(&world).await;
    // reader → proxy A → relay → proxy B → inbox, and reader → proxy C → inbox.
    let to_inbox = Proxy::start(inbox_addr, chaos(1)).await;
    let relay = relay::start(to_inbox.url().parse().unwrap(), loopback(), &[])
        .await
        .unwrap();
    let to_relay = Proxy::start(relay.addr(), chaos(2)).await;
    let direct = Proxy::start(inbox_addr, chaos(3)).await;
    publish_with_endpoints(&world, vec![to_relay.url(), direct.url()]);
    let server: Server = world.serve(&world.tree, Fault::None).await;
    let db = world.dir.path().join("reader.db");
    let reader = world.reader(&db, &server.url(), &[]);
    reader.sync().await.expect("the first sync");

    let mut written = Vec::new();
    let cuts = || to_inbox.cuts() + to_relay.cuts() + direct.cuts();
    for round in 0.. {
        if cuts() >= 100 {
            break;
        }
        assert!(round < 40, "only {} cuts after {round} rounds", cuts());
        let texts: Vec<String> = (0..5).map(|i| format!("نظر {round}-{i}: می‌شود؟")).collect();
        compose(&reader, &world, &texts);
        written.extend(texts);
        for attempt in 0.. {
            assert!(attempt < 200, "round {round}: the outbox never emptied");
            let delivery = reader.deliver_comments().await.unwrap();
            if delivery.waiting == 0 {
                break;
            }
        }
    }

    let texts = publisher.texts();
    for text in &written {
        assert_eq!(texts.get(text), Some(&1), "{text:?} in the inbox {texts:?}");
    }
    assert_eq!(texts.len(), written.len());
    let outbox = reader.outbox().unwrap();
    assert!(outbox.iter().all(|i| i.state == OutboxState::Sent));
    assert!(
        outbox.iter().any(|i| i.attempts > 0),
        "no delivery ever failed"
    );
    // The relay's path carried only sealed bytes.
    let seen = to_relay.captured();
    assert!(!seen.is_empty());
    for text in written.iter().take(5) {
        let needle = text.as_bytes();
        assert!(
            !seen.windows(needle.len()).any(|w| w == needle),
            "the relay saw {text:?}"
        );
    }
    assert!(
        !seen
            .windows("خواننده".len())
            .any(|w| w == "خواننده".as_bytes())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_killed_during_delivery_sends_each_comment_once() {
    let world = World::new(3);
    let (publisher, inbox_addr) = Publisher::start(&world).await;
    // Answers are slow to come back: kills land before, during and after the inbox's work.
    let slow = Proxy::start(inbox_addr, |_| Cut::Delay(Duration::from_millis(300))).await;
    publish_with_endpoints(&world, vec![slow.url()]);
    let server = world.serve(&world.tree, Fault::None).await;
    let ca = world.dir.path().join("ca.pem");
    std::fs::write(&ca, &world.ca.pem).unwrap();
    let key = world.dir.path().join("publisher.pub");
    std::fs::write(&key, world.key.public().to_string()).unwrap();
    let db = world.dir.path().join("reader.db");
    {
        let reader = world.reader(&db, &server.url(), &[]);
        reader.sync().await.unwrap();
    }

    let mut rng = StdRng::seed_from_u64(7);
    let mut written = Vec::new();
    let mut kills = 0;
    for round in 0..12 {
        let text = format!("نظر شماره {round}");
        {
            let reader = world.reader(&db, &server.url(), &[]);
            compose(&reader, &world, std::slice::from_ref(&text));
        }
        written.push(text);
        let mut child = Command::new(CHILD)
            .args([
                db.to_str().unwrap(),
                &server.url(),
                ca.to_str().unwrap(),
                key.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..400))).await;
        let _ = child.kill();
        kills += u32::from(!child.wait().unwrap().success());
    }
    assert!(kills >= 6, "only {kills} of 12 readers were killed");

    let reader = world.reader(&db, &server.url(), &[]);
    for _ in 0..20 {
        if reader.deliver_comments().await.unwrap().waiting == 0 {
            break;
        }
    }
    let texts = publisher.texts();
    for text in &written {
        assert_eq!(texts.get(text), Some(&1), "{text:?} in {texts:?}");
    }
    assert_eq!(texts.len(), written.len(), "{texts:?}");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Phone to phone (issue 17): a comment written while no endpoint answers travels on A's
/// exported copy; B, who synced from it, delivers it once online; A's own delivery later is a
/// repeat the inbox recognises. The inbox holds it once, and it is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_carried_on_a_copy_arrives_once_and_is_published() {
    let world = World::new(5);
    // The inbox's address, where nothing listens yet: no comment endpoint answers.
    let port = article_sync_test_support::server::refused_port().await;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    publish_with_endpoints(&world, vec![format!("http://{addr}/")]);
    let server = world.serve(&world.tree, Fault::None).await;
    let dir = world.dir.path().to_path_buf();
    let a = world.reader(&dir.join("a.db"), &server.url(), &[]);
    a.sync().await.expect("A syncs online");
    let article = world.articles[0].id.clone();
    let text = "این نظر با فلش رفت";
    a.compose_comment(&article, "مینا", text).unwrap();
    assert_eq!(a.deliver_comments().await.unwrap().waiting, 1, "offline");

    let usb = dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let export = a.export_tree(&usb).unwrap();
    assert_eq!(export.envelopes, 1);
    let key = a.outbox().unwrap()[0]
        .delivery_key
        .clone()
        .expect("sealed for the export");
    let sealed = std::fs::read(usb.join(layout::envelope(&key))).unwrap();
    assert!(
        !contains(&sealed, text) && !contains(&sealed, "مینا"),
        "the stick holds sealed bytes only"
    );

    // B was never online: it syncs from the stick, twice, and carries the envelope once.
    let b = world.reader(
        &dir.join("b.db"),
        &format!("file://{}/", usb.display()),
        &[],
    );
    b.sync().await.expect("B syncs from the stick");
    b.sync().await.expect("B syncs from the stick again");
    assert_eq!(
        b.store().carried_envelopes().unwrap(),
        vec![(key.clone(), sealed)]
    );
    assert!(b.outbox().unwrap().is_empty(), "not B's own comment");
    assert_eq!(
        b.deliver_comments().await.unwrap().waiting,
        1,
        "still offline"
    );
    // The same files on a network mirror (here the reader's main site): outbox/ is no publisher
    // data, and a mirror's is never taken.
    let hosted = world.serve(&usb, Fault::None).await;
    let m = world.reader(&dir.join("m.db"), &hosted.url(), &[]);
    m.sync().await.expect("M syncs from the hosted copy");
    assert!(m.store().carried_envelopes().unwrap().is_empty());

    // B gets online first and delivers; then A does too.
    let (publisher, _) = Publisher::start_at(&world, addr).await;
    let delivered = b.deliver_comments().await.unwrap();
    assert_eq!((delivered.sent, delivered.waiting), (1, 0));
    assert!(b.store().carried_envelopes().unwrap().is_empty());
    let delivered = a.deliver_comments().await.unwrap();
    assert_eq!((delivered.sent, delivered.waiting), (1, 0));
    let held = publisher.inbox.list().unwrap();
    assert_eq!(held.len(), 1, "the inbox holds it once");
    assert_eq!(
        (held[0].text.as_str(), held[0].key.as_str()),
        (text, key.as_str())
    );

    // The publisher approves and publishes it: A sees its comment published.
    publisher.inbox.approve(held[0].id).unwrap();
    let pending = publisher.inbox.pending().unwrap();
    publish::publish(
        &world.tree,
        &world.key,
        world.articles.clone(),
        &publish::PublishOptions {
            reader_comments: pending.comments.clone(),
            receipts: pending.receipts.clone(),
            ..article_sync_tests::options(now())
        },
    )
    .unwrap();
    publisher.inbox.published(&pending).unwrap();
    a.sync().await.expect("A syncs the publish");
    assert_eq!(a.outbox().unwrap()[0].state, OutboxState::Published);
    let view = a.article(&article).unwrap().unwrap();
    assert_eq!(
        view.comments.iter().filter(|c| c.body == text).count(),
        1,
        "published once"
    );
}
