//! The demo's world, all in-process on 127.0.0.1: a publisher tree (the seed articles plus a
//! generated Persian corpus), a main site and two mirrors serving it over TLS from a throw-away
//! CA, an international and a domestic probe host, the publisher's comment inbox with a relay
//! to it (the tree's comment endpoint), the publisher's image host (a plain-HTTP "CDN" the
//! publisher's feed points at), and readers with their own databases.
//! Names under `.test` resolve to 127.0.0.1 through the reader's own resolver.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;

use article_sync_core::comments::CommentSecret;
use article_sync_core::comments::inbox::{Inbox, InboxStatus};
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::{codec, layout};
use article_sync_core::net::{NetConfig, StaticResolver};
use article_sync_core::publish::cache::FetchCache;
use article_sync_core::publish::feeds::{self, Source};
use article_sync_core::publish::images::ImageOptions;
use article_sync_core::publish::source::{self, SourceArticle};
use article_sync_core::publish::{self, PublishOptions, PublishReport};
use article_sync_core::reader::{Reader, ReaderConfig};

use crate::comments::{Listener, inbox, relay};
use crate::corpus::Corpus;
use crate::error::Failure;
use crate::serve::{Fault, ServeConfig, Server, Stats, TestCa};

/// The seed articles, embedded so that the binary runs from any directory.
const SEED_FILES: &[(&str, &[u8])] = &[
    (
        "russia-ready-military-cooperation-syria.json",
        include_bytes!("../../../tests/fixtures/seed/russia-ready-military-cooperation-syria.json"),
    ),
    (
        "helsinki-summit.json",
        include_bytes!("../../../tests/fixtures/seed/helsinki-summit.json"),
    ),
    (
        "russian-forces-syria.png",
        include_bytes!("../../../tests/fixtures/seed/russian-forces-syria.png"),
    ),
];

/// The hosts of the demo, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Host {
    Main,
    Mirror1,
    Mirror2,
    Intl,
    Domestic,
}

impl Host {
    pub const ALL: [Host; 5] = [
        Host::Main,
        Host::Mirror1,
        Host::Mirror2,
        Host::Intl,
        Host::Domestic,
    ];

    /// The name typed at the interactive prompt.
    pub fn key(self) -> &'static str {
        match self {
            Host::Main => "main",
            Host::Mirror1 => "mirror1",
            Host::Mirror2 => "mirror2",
            Host::Intl => "intl",
            Host::Domestic => "domestic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Host::Main => "main site",
            Host::Mirror1 => "mirror 1",
            Host::Mirror2 => "mirror 2",
            Host::Intl => "international probe",
            Host::Domestic => "domestic probe",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Host::Main => "www.example-news.test",
            Host::Mirror1 => "mirror1.example-cdn.test",
            Host::Mirror2 => "mirror2.example-ipfs.test",
            Host::Intl => "probe.example-intl.test",
            Host::Domestic => "probe.example-domestic.test",
        }
    }

    pub fn parse(s: &str) -> Option<Host> {
        Host::ALL.into_iter().find(|h| h.key() == s)
    }
}

/// Timeouts short enough for a demo on loopback.
fn demo_net(ca_pem: &str, resolver: StaticResolver, intl: &str, domestic: &str) -> NetConfig {
    NetConfig {
        connect_timeout: Duration::from_millis(1000),
        read_timeout: Duration::from_millis(1500),
        request_timeout: Duration::from_secs(5),
        race_deadline: Duration::from_secs(6),
        sync_deadline: Duration::from_secs(30),
        stagger: Duration::from_millis(250),
        probe_delay: Duration::from_millis(500),
        probe_timeout: Duration::from_millis(1000),
        extra_root_certs_pem: vec![ca_pem.as_bytes().to_vec()],
        webpki_roots: false,
        resolver: Arc::new(resolver),
        international_probes: vec![intl.to_string()],
        domestic_probes: vec![domestic.to_string()],
        ..NetConfig::default()
    }
}

pub struct World {
    dir: TempDir,
    tree: PathBuf,
    key: SecretKey,
    seed: Vec<SourceArticle>,
    corpus: Corpus,
    /// Corpus articles published so far, with their publication times.
    articles: Vec<SourceArticle>,
    published: u64,
    /// Articles published from the newsroom's feed (see [`World::publish_photo_story`]).
    from_feed: Vec<SourceArticle>,
    servers: BTreeMap<Host, Server>,
    /// The publisher's image host: plain HTTP on 127.0.0.1, holding [`PHOTO_STORY`]'s photo.
    cdn: Server,
    /// The photo's path on the image host and its size.
    photo: (String, u64),
    urls: BTreeMap<Host, String>,
    net: NetConfig,
    inbox: Arc<Inbox>,
    /// The relay's base URL: the one comment endpoint the mirror list names.
    relay_url: String,
    /// The inbox's and the relay's listeners, kept running.
    _comment_listeners: [Listener; 2],
}

/// The relay's name (resolved to 127.0.0.1 like the other hosts).
const RELAY_NAME: &str = "comments.example-relay.test";

/// The id of the feed item whose photo lives on the image host.
pub const PHOTO_STORY: &str = "photo-story-idlib";

/// What [`World::publish_photo_story`] published.
pub struct PhotoStory {
    /// The photo's address on the publisher's image host, as the feed names it.
    pub url: String,
    /// The photo's size on the image host.
    pub original_bytes: u64,
}

impl World {
    /// Publishes the seed and `articles` corpus articles, starts the five servers.
    pub async fn start(articles: u64) -> Result<World, Failure> {
        let fail =
            |what: &str, e: &dyn std::fmt::Display| Failure::failed(format!("demo: {what}: {e}"));
        let dir = tempfile::tempdir().map_err(|e| fail("temporary folder", &e))?;
        let seed_dir = dir.path().join("seed");
        std::fs::create_dir_all(&seed_dir).map_err(|e| fail("seed folder", &e))?;
        for (name, bytes) in SEED_FILES {
            std::fs::write(seed_dir.join(name), bytes).map_err(|e| fail("seed file", &e))?;
        }
        let seed = source::read_folder(&seed_dir, "fa").map_err(|e| fail("seed articles", &e))?;
        let tree = dir.path().join("tree");
        let key = SecretKey::generate();
        let inbox = Arc::new(
            Inbox::open(
                &dir.path().join("inbox.db"),
                vec![CommentSecret::derive(&key)],
            )
            .map_err(|e| fail("inbox", &e))?,
        );
        let loopback = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let limits = inbox::Limits {
            per_device: 20,
            per_address: 100,
            window: Duration::from_secs(3600),
        };
        let inbox_listener = inbox::start(inbox.clone(), limits, loopback, None)
            .await
            .map_err(|e| fail("inbox", &e))?;
        let to = url::Url::parse(&inbox_listener.url()).map_err(|e| fail("inbox URL", &e))?;
        let relay_listener = relay::start(to, loopback, &[])
            .await
            .map_err(|e| fail("relay", &e))?;
        let relay_url = format!("http://{RELAY_NAME}:{}/", relay_listener.addr().port());
        // The image host keeps its files by hash, as many CDNs do; the tree's own layout lets
        // `serve` play it.
        let photo = crate::photos::jpeg(1600, 1000, 2018, 85);
        let cdn_dir = dir.path().join("cdn");
        let photo_path = layout::media(&codec::sha256_hex(&photo), "image/jpeg")
            .ok_or_else(|| Failure::failed("demo: the photo's name"))?;
        std::fs::create_dir_all(cdn_dir.join("media")).map_err(|e| fail("image host", &e))?;
        std::fs::write(cdn_dir.join(&photo_path), &photo).map_err(|e| fail("image host", &e))?;
        let cdn = Server::start(ServeConfig::new(&cdn_dir))
            .await
            .map_err(|e| fail("image host", &e))?;
        let mut world = World {
            tree,
            key,
            inbox,
            relay_url,
            _comment_listeners: [inbox_listener, relay_listener],
            seed,
            corpus: Corpus::new(2018),
            articles: Vec::new(),
            published: 0,
            from_feed: Vec::new(),
            cdn,
            photo: (photo_path, photo.len() as u64),
            servers: BTreeMap::new(),
            urls: BTreeMap::new(),
            net: NetConfig::default(),
            dir,
        };
        world.publish(articles)?;

        let ca = TestCa::new().map_err(|e| fail("test CA", &e))?;
        let mut names: Vec<&str> = Host::ALL.iter().map(|h| h.name()).collect();
        names.push("127.0.0.1");
        let identity = ca.leaf(&names).map_err(|e| fail("certificate", &e))?;
        let mut resolver =
            StaticResolver::new().with(RELAY_NAME, [IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        for host in Host::ALL {
            let mut config = ServeConfig::new(&world.tree);
            config.tls = Some(identity.clone());
            let key =
                SecretKey::parse(&world.key.to_text()).map_err(|e| fail("publisher key", &e))?;
            config.stale_key = Some(Arc::new(key));
            let server = Server::start(config)
                .await
                .map_err(|e| fail(host.label(), &e))?;
            let url = format!("https://{}:{}/", host.name(), server.addr().port());
            resolver = resolver.with(host.name(), [IpAddr::V4(Ipv4Addr::LOCALHOST)]);
            world.urls.insert(host, url);
            world.servers.insert(host, server);
        }
        world.net = demo_net(
            &ca.pem(),
            resolver,
            world.url(Host::Intl),
            world.url(Host::Domestic),
        );
        Ok(world)
    }

    pub fn url(&self, host: Host) -> &str {
        self.urls.get(&host).map_or("", String::as_str)
    }

    /// The host a route URL belongs to.
    pub fn host_of(&self, url: &str) -> Option<Host> {
        self.urls.iter().find(|(_, u)| *u == url).map(|(h, _)| *h)
    }

    /// A readable name for a route URL.
    pub fn label(&self, url: &str) -> String {
        self.host_of(url)
            .map_or_else(|| url.to_string(), |h| h.label().to_string())
    }

    pub fn corpus_published(&self) -> u64 {
        self.published
    }

    /// The relay's base URL.
    pub fn relay_url(&self) -> &str {
        &self.relay_url
    }

    /// The moderator approves every comment the inbox received; returns how many.
    pub fn approve_comments(&self) -> Result<usize, Failure> {
        let fail = |e: &dyn std::fmt::Display| Failure::failed(format!("demo: inbox: {e}"));
        let received: Vec<i64> = (self.inbox.list().map_err(|e| fail(&e))?)
            .into_iter()
            .filter(|c| c.status == InboxStatus::Received)
            .map(|c| c.id)
            .collect();
        for id in &received {
            self.inbox.approve(*id).map_err(|e| fail(&e))?;
        }
        Ok(received.len())
    }

    /// Publishes `more` new corpus articles (the whole site is the input, as a publisher runs
    /// it), with the inbox's approved comments and receipts. Articles after the first run are
    /// breaking news: published now, heading the lists.
    pub fn publish(&mut self, more: u64) -> Result<PublishReport, Failure> {
        let now = chrono::Utc::now().timestamp();
        let first_run = self.published == 0;
        let start = self.published;
        for (i, mut a) in self
            .corpus
            .articles(start..start + more)
            .into_iter()
            .enumerate()
        {
            if !first_run {
                a.published_at = now - (more - i as u64) as i64;
                a.updated_at = a.published_at;
            }
            self.articles.push(a);
        }
        let mut input = self.seed.clone();
        input.extend(self.articles.iter().cloned());
        input.extend(self.from_feed.iter().cloned());
        let pending = self
            .inbox
            .pending()
            .map_err(|e| Failure::failed(format!("demo: inbox: {e}")))?;
        let options = PublishOptions {
            comment_endpoints: Some(vec![self.relay_url.clone()]),
            reader_comments: pending.comments.clone(),
            receipts: pending.receipts.clone(),
            ..PublishOptions::new(now, "example-news")
        };
        let report = tokio::task::block_in_place(|| {
            publish::publish(&self.tree, &self.key, input, &options)
        })
        .map_err(|e| Failure::failed(format!("demo: publish: {e}")))?;
        self.inbox
            .published(&pending)
            .map_err(|e| Failure::failed(format!("demo: inbox: {e}")))?;
        self.published = start + more;
        Ok(report)
    }

    /// The newsroom publishes a photo story from its RSS feed: the item's photo is an
    /// enclosure on the image host, which the publisher (outside the censored country)
    /// downloads into the tree's `media/` with its phone-sized variant. Fails when the photo
    /// did not come along.
    pub async fn publish_photo_story(&mut self) -> Result<PhotoStory, Failure> {
        let fail = |e: &dyn std::fmt::Display| Failure::failed(format!("demo: photo story: {e}"));
        let url = format!("http://{}/{}", self.cdn.addr(), self.photo.0);
        let date = chrono::Utc::now().to_rfc2822();
        let feed = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>example-news</title><link>https://www.example-news.org/fa/</link>
<item><guid>{PHOTO_STORY}</guid><title>عکس روز: بازگشت آوارگان به ادلب</title>
<link>https://www.example-news.org/fa/{PHOTO_STORY}</link><pubDate>{date}</pubDate>
<description>گزارش تصویری از بازگشت خانواده‌ها به روستاهای جنوب ادلب.</description>
<enclosure url="{url}" type="image/jpeg" length="0"/></item></channel></rss>"#
        );
        let feed_path = self.dir.path().join("feed.xml");
        std::fs::write(&feed_path, feed).map_err(|e| fail(&e))?;
        let mut cache = FetchCache::open(&FetchCache::beside(&self.tree));
        let sources = [Source::FeedFile(feed_path)];
        let input = feeds::gather(
            &sources,
            "fa",
            &self.tree,
            &mut cache,
            &ImageOptions::default(),
        )
        .await
        .map_err(|e| fail(&e))?;
        if let Some(f) = input.failed.first() {
            return Err(fail(&format!("{}: {}", f.input, f.problem)));
        }
        self.from_feed = input.articles;
        self.publish(0)?;
        Ok(PhotoStory {
            url,
            original_bytes: self.photo.1,
        })
    }

    /// The publisher's image host, for the censor and its request counts.
    pub fn cdn(&self) -> &Server {
        &self.cdn
    }

    pub fn set_fault(&self, host: Host, fault: Fault) -> Result<(), Failure> {
        match self.servers.get(&host) {
            Some(s) => s
                .set_fault(fault)
                .map_err(|e| Failure::failed(format!("demo: {}: {e}", host.label()))),
            None => Ok(()),
        }
    }

    pub fn fault(&self, host: Host) -> Fault {
        self.servers.get(&host).map_or(Fault::None, Server::fault)
    }

    pub fn reset_stats(&self) {
        for s in self.servers.values() {
            s.reset_stats();
        }
    }

    pub fn stats(&self, host: Host) -> Stats {
        self.servers
            .get(&host)
            .map(Server::stats)
            .unwrap_or_default()
    }

    /// A reader with its own database `name.db` in the demo's folder, trusting the demo CA.
    pub fn reader(&self, name: &str) -> Result<Reader, Failure> {
        let config = ReaderConfig {
            database: self.db_path(name),
            publisher_keys: vec![self.key.public().to_string()],
            main_url: self.url(Host::Main).to_string(),
            mirrors: vec![
                self.url(Host::Mirror1).to_string(),
                self.url(Host::Mirror2).to_string(),
            ],
            storage_budget_bytes: 256 * 1024 * 1024,
            text_only: false,
            net: self.net.clone(),
        };
        Reader::open(config).map_err(|e| Failure::failed(format!("demo: reader {name}: {e}")))
    }

    pub fn db_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.db"))
    }

    pub fn folder(&self) -> &Path {
        self.dir.path()
    }

    pub async fn shutdown(self) {
        for (_, s) in self.servers {
            s.shutdown().await;
        }
        self.cdn.shutdown().await;
    }
}
