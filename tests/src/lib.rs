//! Shared fixtures for the end-to-end tests: the seed article, generated corpora, trees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use article_sync_core::format::codec::Lines;
use article_sync_core::format::head::{Head, LogFileRef};
use article_sync_core::format::note::SecretKey;
use article_sync_core::format::root::TrustedRoot;
use article_sync_core::format::{Entry, layout};
use article_sync_core::publish::PublishOptions;

pub mod browser;

/// The folder holding the seed article (from `shared/seed/`) as article files.
pub fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed")
}

/// Publish options at a fixed time, valid for a week.
pub fn options(now: i64) -> PublishOptions {
    PublishOptions::new(now, "test")
}

/// Reads and verifies `head` of a tree against the key that made it.
pub fn read_head(tree: &Path, key: &SecretKey) -> Head {
    let bytes = std::fs::read(tree.join(layout::HEAD)).expect("head exists");
    let root = TrustedRoot::pinned(vec![key.public()]);
    let root = root
        .advance(&std::fs::read(tree.join(layout::root(1))).unwrap())
        .unwrap();
    Head::verify(&bytes, &root).expect("head verifies")
}

/// The entries of one log file of a tree, decoded.
pub fn entries(tree: &Path, file: &LogFileRef) -> Vec<Entry> {
    let bytes = std::fs::read(tree.join(layout::log(&file.hash))).unwrap();
    let mut lines = Lines::new("log", &bytes[..], file.raw_len);
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().unwrap() {
        out.push(serde_json::from_slice(line).unwrap());
    }
    out
}

/// Every file under `dir` with its bytes, for comparing trees before and after.
pub fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(snapshot_dir(&p));
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A publisher's tree with servers in front of it, and readers syncing from them.
pub mod world {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use article_sync_cli::corpus::Corpus;
    use article_sync_cli::serve::{Fault, ServeConfig, Server, TlsIdentity};
    use article_sync_core::format::head::TreeFormat;
    use article_sync_core::format::note::SecretKey;
    use article_sync_core::net::NetConfig;
    use article_sync_core::publish::source::SourceArticle;
    use article_sync_core::publish::{self, PublishReport};
    use article_sync_core::reader::{Reader, ReaderConfig};
    use article_sync_test_support::tls::TestCa;

    /// The time the fixtures are published at: now, so heads are valid for real clients.
    pub fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    pub struct World {
        pub dir: tempfile::TempDir,
        pub key: SecretKey,
        pub tree: PathBuf,
        pub ca: TestCa,
        pub corpus: Corpus,
        pub articles: Vec<SourceArticle>,
        /// Raw bytes per snapshot part.
        pub part_bytes: usize,
        /// The format [`World::publish`] writes.
        pub format: TreeFormat,
    }

    impl World {
        /// A tree holding `n` corpus articles, with small snapshot parts: every sync from it
        /// fetches several of each kind.
        pub fn new(n: u64) -> World {
            Self::with_parts(n, 16 * 1024)
        }

        /// A tree holding `n` corpus articles, its snapshot in parts of `part_bytes` raw bytes.
        pub fn with_parts(n: u64, part_bytes: usize) -> World {
            let dir = tempfile::tempdir().unwrap();
            let tree = dir.path().join("tree");
            let corpus = Corpus::new(42);
            let mut world = World {
                key: SecretKey::generate(),
                tree,
                ca: TestCa::new(),
                articles: corpus.articles(0..n),
                corpus,
                dir,
                part_bytes,
                format: TreeFormat::CURRENT,
            };
            world.publish();
            world
        }

        /// Publishes `self.articles` to the tree.
        pub fn publish(&mut self) -> PublishReport {
            publish::publish(
                &self.tree,
                &self.key,
                self.articles.clone(),
                &super::PublishOptions {
                    snapshot_part_bytes: self.part_bytes,
                    format: self.format,
                    ..super::options(now())
                },
            )
            .expect("publish")
        }

        /// A copy of the tree at this moment, as a lagging mirror would hold it.
        pub fn copy_tree(&self, name: &str) -> PathBuf {
            let to = self.dir.path().join(name);
            super::copy_dir(&self.tree, &to);
            to
        }

        /// An HTTPS server for `tree` with `fault`.
        pub async fn serve(&self, tree: &Path, fault: Fault) -> Server {
            let mut config = ServeConfig::new(tree);
            let (cert, key) = self.ca.leaf_pem(&["localhost", "127.0.0.1"]);
            config.tls = Some(TlsIdentity::from_pem(cert, key).unwrap());
            config.fault = fault;
            config.drip_interval = Duration::from_millis(200);
            config.stale_key = Some(std::sync::Arc::new(
                SecretKey::parse(&self.key.to_text()).unwrap(),
            ));
            Server::start(config).await.expect("server starts")
        }

        /// Network settings for tests: the world's CA only, short timeouts.
        pub fn net_config(&self) -> NetConfig {
            NetConfig {
                connect_timeout: Duration::from_secs(2),
                read_timeout: Duration::from_secs(2),
                request_timeout: Duration::from_secs(10),
                race_deadline: Duration::from_secs(15),
                sync_deadline: Duration::from_secs(60),
                probe_timeout: Duration::from_secs(2),
                extra_root_certs_pem: vec![self.ca.pem.clone().into_bytes()],
                webpki_roots: false,
                ..NetConfig::default()
            }
        }

        /// A reader whose database is `db`, with `main` and built-in `mirrors`.
        pub fn reader(&self, db: &Path, main: &str, mirrors: &[String]) -> Reader {
            self.reader_with(db, main, mirrors, self.net_config())
        }

        pub fn reader_with(
            &self,
            db: &Path,
            main: &str,
            mirrors: &[String],
            net: NetConfig,
        ) -> Reader {
            Reader::open(ReaderConfig {
                database: db.to_path_buf(),
                publisher_keys: vec![self.key.public().to_string()],
                main_url: main.to_string(),
                mirrors: mirrors.to_vec(),
                storage_budget_bytes: 1 << 30,
                text_only: false,
                net,
            })
            .expect("reader opens")
        }
    }
}

/// Hand-made changes to a tree, as a compromised or buggy publisher (or a test) would make them.
pub mod craft {
    use std::path::Path;

    use article_sync_core::format::codec::parse_hash;
    use article_sync_core::format::head::{Head, TreeFormat};
    use article_sync_core::format::log::LogFileBuilder;
    use article_sync_core::format::note::{self, NoteKind, SecretKey};
    use article_sync_core::format::{Change, Entry, layout};

    /// Appends `changes` to the tree's log as one new file and signs a new head with `key`,
    /// bypassing the publisher (and its sanitiser).
    pub fn append(tree: &Path, key: &SecretKey, changes: Vec<Change>) -> Head {
        let mut head = super::read_head(tree, key);
        let tip = parse_hash("tip", &head.log.tip).unwrap();
        let mut builder = LogFileBuilder::new(0, head.log.size + 1, tip);
        for (i, change) in changes.into_iter().enumerate() {
            builder.push(&Entry {
                seq: head.log.size + 1 + i as u64,
                change,
            });
        }
        let (file, bytes) = builder.finish(head.format.codec());
        std::fs::write(tree.join(layout::log(&file.hash)), bytes).unwrap();
        head.log.size = file.last;
        head.log.tip = file.tip_after.clone();
        head.files.push(file);
        head.version += 1;
        write_head(tree, key, &head);
        head
    }

    /// Re-signs the tree's head with `key` as a head of the tree format after the one this
    /// reader knows ([`TreeFormat::CURRENT`] + 1), changing nothing else: a site that moved to
    /// a format this build must refuse with "update the app". Returns that format.
    pub fn raise_format(tree: &Path, key: &SecretKey) -> u32 {
        let future = u32::from(TreeFormat::CURRENT) + 1;
        sign_as_format(tree, key, future);
        future
    }

    /// Re-signs the tree's head with `key` as a head of tree format `format`, changing
    /// nothing else.
    pub fn sign_as_format(tree: &Path, key: &SecretKey, format: u32) {
        let head = std::fs::read(tree.join(layout::HEAD)).unwrap();
        let (body, _) = note::split(NoteKind::Head, &head).unwrap();
        let mut body: serde_json::Value = serde_json::from_slice(body).unwrap();
        body["format"] = format.into();
        let signed = note::sign(NoteKind::Head, &serde_json::to_vec(&body).unwrap(), &[key]);
        std::fs::write(tree.join(layout::HEAD), signed).unwrap();
    }

    /// Signs and writes `head` (and its archive copy).
    pub fn write_head(tree: &Path, key: &SecretKey, head: &Head) {
        let bytes = head.sign(&[key]);
        std::fs::write(tree.join(layout::archived_head(head.version)), &bytes).unwrap();
        std::fs::write(tree.join(layout::HEAD), bytes).unwrap();
    }
}

/// Every stored article (id, revision, body) with its comment ids, sorted: what two stores
/// must agree on to hold the same sync data.
pub fn store_contents(db: &Path) -> Vec<(String, u64, String, Vec<String>)> {
    use article_sync_core::store::{ListFilter, Store, StoreConfig};
    let store = Store::open(db, StoreConfig::default()).unwrap();
    let mut out = vec![];
    let mut after = None;
    loop {
        let page = store.list(&ListFilter::All, after.as_ref(), 1000).unwrap();
        for item in &page.items {
            let view = store.article(&item.id).unwrap().unwrap();
            out.push((
                item.id.clone(),
                view.article.revision,
                view.article.body_html,
                view.comments.into_iter().map(|c| c.id).collect(),
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    out.sort();
    out
}
