//! One corpus size, prepared once and cached under `--out`: the publisher tree of `N` articles
//! (`base`), the same tree after 10 more articles were published (`plus10`), and the same
//! articles as RSS feeds for newsboat. A cache entry is reused only when it was made by the
//! same code ([`TREE_CODE`]) from the same seed, and its heads are still valid.

use std::fs;
use std::path::{Path, PathBuf};

use article_sync_core::format::note::SecretKey;
use article_sync_core::publish::source::SourceArticle;
use article_sync_core::publish::{self, PublishOptions};
use serde::{Deserialize, Serialize};

use super::BenchError;
use super::rss::{self, Descriptions};
use crate::corpus::Corpus;

/// Articles published between the base tree and the `plus10` tree.
pub const NEW_ARTICLES: u64 = 10;
/// How long the cached heads stay valid; an entry older than half of this is rebuilt.
const HEAD_VALIDITY: i64 = 60 * 24 * 3600;

/// What a cache entry was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    tree_code: String,
    seed: u64,
    size: u64,
    published_at: i64,
    public_key: String,
}

/// A prepared corpus size.
pub struct Fixture {
    pub size: u64,
    pub dir: PathBuf,
    /// The tree with articles `0..size`.
    pub base: PathBuf,
    /// The tree with articles `0..size + 10`.
    pub plus10: PathBuf,
    /// The publisher's public key, text form.
    pub public_key: String,
    /// RSS 2.0 of articles `0..size` and `0..size + 10`.
    pub feed_base: PathBuf,
    pub feed_plus10: PathBuf,
    /// Articles `0..size` as a feed whose descriptions are whole articles, and the tree
    /// published from them (each summary the whole text, as a feed reader makes it).
    pub whole: PathBuf,
    pub feed_whole: PathBuf,
    /// Whether this run built the entry (false: reused from the cache).
    pub built: bool,
    /// Seconds spent publishing (0 when reused).
    pub publish_secs: f64,
}

/// The SHA-256 of the code that makes the trees and feeds (the core's publisher, format and
/// text rules, the corpus, the feed writer and `Cargo.lock`; see `cli/build.rs`): a cached
/// entry outlives builds that change the reader's side only.
pub const TREE_CODE: &str = env!("ARTICLE_SYNC_TREE_CODE");

impl Fixture {
    /// Reuses or builds the entry for `size` under `cache`.
    pub fn prepare(cache: &Path, size: u64, seed: u64) -> Result<Fixture, BenchError> {
        let dir = cache.join(format!("n{size}-seed{seed}"));
        let stamp_path = dir.join("stamp.json");
        let now = chrono::Utc::now().timestamp();
        let stamp: Option<Stamp> = fs::read(&stamp_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let reusable = stamp.as_ref().filter(|s| {
            s.tree_code == TREE_CODE
                && s.seed == seed
                && s.size == size
                && now - s.published_at < HEAD_VALIDITY / 2
        });
        let mut fixture = Fixture {
            size,
            base: dir.join("base"),
            plus10: dir.join("plus10"),
            feed_base: dir.join("feed-base.xml"),
            feed_plus10: dir.join("feed-plus10.xml"),
            whole: dir.join("whole"),
            feed_whole: dir.join("feed-whole.xml"),
            public_key: String::new(),
            dir,
            built: false,
            publish_secs: 0.0,
        };
        if let Some(stamp) = reusable {
            fixture.public_key = stamp.public_key.clone();
            return Ok(fixture);
        }
        if fixture.dir.exists() {
            fs::remove_dir_all(&fixture.dir).map_err(|e| BenchError::io(&fixture.dir, e))?;
        }
        fs::create_dir_all(&fixture.dir).map_err(|e| BenchError::io(&fixture.dir, e))?;
        let started = std::time::Instant::now();
        let corpus = Corpus::new(seed);
        let mut articles = corpus.articles(0..size);
        let key = SecretKey::generate();
        let options = PublishOptions {
            head_validity: HEAD_VALIDITY,
            ..PublishOptions::new(now, "example-news")
        };
        publish::publish(&fixture.base, &key, articles.clone(), &options)
            .map_err(|e| BenchError::Publish(size, e.to_string()))?;
        write_feed(&fixture.feed_base, &articles, Descriptions::Summaries)?;
        let whole: Vec<SourceArticle> = articles.iter().map(crate::corpus::whole).collect();
        publish::publish(&fixture.whole, &key, whole.clone(), &options)
            .map_err(|e| BenchError::Publish(size, e.to_string()))?;
        write_feed(&fixture.feed_whole, &whole, Descriptions::WholeArticles)?;
        copy_dir(&fixture.base, &fixture.plus10)?;
        articles.extend(corpus.articles(size..size + NEW_ARTICLES));
        let options = PublishOptions {
            now: now + 1,
            ..options
        };
        publish::publish(&fixture.plus10, &key, articles.clone(), &options)
            .map_err(|e| BenchError::Publish(size + NEW_ARTICLES, e.to_string()))?;
        write_feed(&fixture.feed_plus10, &articles, Descriptions::Summaries)?;
        fixture.public_key = key.public().to_string();
        fixture.built = true;
        fixture.publish_secs = started.elapsed().as_secs_f64();
        let stamp = Stamp {
            tree_code: TREE_CODE.to_string(),
            seed,
            size,
            published_at: now,
            public_key: fixture.public_key.clone(),
        };
        let json = serde_json::to_vec_pretty(&stamp).map_err(|e| BenchError::io(&stamp_path, e))?;
        fs::write(&stamp_path, json).map_err(|e| BenchError::io(&stamp_path, e))?;
        Ok(fixture)
    }

    /// The articles published between `base` and `plus10`, as the corpus makes them.
    pub fn new_articles(&self, seed: u64) -> Vec<SourceArticle> {
        Corpus::new(seed).articles(self.size..self.size + NEW_ARTICLES)
    }
}

fn write_feed(
    path: &Path,
    articles: &[SourceArticle],
    descriptions: Descriptions,
) -> Result<(), BenchError> {
    fs::write(path, rss::feed(articles, descriptions)).map_err(|e| BenchError::io(path, e))
}

/// Copies a folder tree (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), BenchError> {
    fs::create_dir_all(to).map_err(|e| BenchError::io(to, e))?;
    for entry in fs::read_dir(from).map_err(|e| BenchError::io(from, e))? {
        let entry = entry.map_err(|e| BenchError::io(from, e))?;
        let target = to.join(entry.file_name());
        let kind = entry
            .file_type()
            .map_err(|e| BenchError::io(entry.path(), e))?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| BenchError::io(&target, e))?;
        }
    }
    Ok(())
}
