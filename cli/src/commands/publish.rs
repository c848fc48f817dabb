//! `article-sync publish`: build or update a signed mirror tree.

use std::path::{Path, PathBuf};

use anyhow::Context;

use article_sync_core::comments::inbox::{Inbox, InboxStatus, Pending};
use article_sync_core::publish::{self, PublishOptions, SNAPSHOT_PART_BYTES, source};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The publisher's secret key (from `keygen`).
    #[arg(long, env = "ARTICLE_SYNC_PUBLISHER_KEY")]
    pub key: PathBuf,
    /// A folder of article JSON files (see the README), or an RSS 2.0, Atom or JSON Feed file or
    /// `http(s)` URL.
    #[arg(long)]
    pub from: PathBuf,
    /// The tree to create or update.
    #[arg(long)]
    pub tree: PathBuf,
    /// Mirror base URLs to sign into the mirror list (repeat); omitted: keep the current list.
    #[arg(long = "mirror")]
    pub mirrors: Vec<String>,
    /// Comment endpoint base URLs (the inbox, relays) to sign into the mirror list (repeat);
    /// omitted: keep the current ones.
    #[arg(long = "comments-url")]
    pub comments_urls: Vec<String>,
    /// The comment inbox: publish its approved comments and the receipts readers lack.
    #[arg(long)]
    pub inbox: Option<PathBuf>,
    /// The publisher's own site, whose links become references to offline copies
    /// (default: the hosts of the articles' URLs).
    #[arg(long)]
    pub site: Option<url::Url>,
    /// The publisher's name shown to readers.
    #[arg(long, default_value = "article-sync")]
    pub publisher: String,
    /// How long a head stays valid, in hours; re-run publish before half of it has passed.
    #[arg(long, default_value_t = 7 * 24)]
    pub valid_hours: i64,
    /// Language of articles that do not name theirs.
    #[arg(long, default_value = "fa")]
    pub language: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let key = publish::read_secret_key(&args.key)?;
    let articles = read_source(&args.from, &args.language)?;
    let inbox = match &args.inbox {
        Some(path) => Some(Inbox::open(path, Vec::new())?),
        None => None,
    };
    let pending = match &inbox {
        Some(inbox) => pending(inbox, &args.tree, &articles)?,
        None => Pending::default(),
    };
    let opts = PublishOptions {
        now: chrono::Utc::now().timestamp(),
        head_validity: args.valid_hours * 3600,
        publisher: args.publisher,
        mirrors: (!args.mirrors.is_empty()).then_some(args.mirrors),
        comment_endpoints: (!args.comments_urls.is_empty()).then_some(args.comments_urls),
        reader_comments: pending.comments.clone(),
        receipts: pending.receipts.clone(),
        site: args.site,
        snapshot_part_bytes: SNAPSHOT_PART_BYTES,
    };
    let report = publish::publish(&args.tree, &key, articles, &opts)
        .context("publish failed; the tree was not changed")?;
    if let Some(inbox) = &inbox {
        // After the tree: a crash in between publishes the same comments and receipts again,
        // which readers take as no change.
        inbox.published(&pending)?;
    }
    if args.json {
        let json = serde_json::json!({
            "head_version": report.head_version,
            "log_size": report.log_size,
            "added": report.added,
            "edited": report.edited,
            "removed": report.removed,
            "comments_changed": report.comments_changed,
            "receipts": report.receipts,
            "media_added": report.media_added,
            "snapshot_written": report.snapshot_written,
            "written": report.written,
        });
        println!("{json}");
    } else if report.written.is_empty() {
        println!("no change; head stays at version {}", report.head_version);
    } else {
        println!(
            "head version {}: {} added, {} edited, {} removed, {} comment changes, {} receipts, {} media; {} files written{}",
            report.head_version,
            report.added,
            report.edited,
            report.removed,
            report.comments_changed,
            report.receipts,
            report.media_added,
            report.written.len(),
            if report.snapshot_written {
                " (new snapshot)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// What the inbox adds to this run. An approved comment on an article that neither the input
/// nor the tree holds is rejected first (readers are told why).
fn pending(
    inbox: &Inbox,
    tree: &Path,
    articles: &[source::SourceArticle],
) -> anyhow::Result<Pending> {
    let published = publish::tree::TreeState::load(tree)?;
    for c in inbox.list()? {
        let known = published.articles.contains_key(&c.article_id)
            || articles.iter().any(|a| a.id == c.article_id);
        if c.status == InboxStatus::Approved && !known {
            inbox.reject(c.id, "the article is not published")?;
        }
    }
    Ok(inbox.pending()?)
}

/// Articles from a folder of article files, a feed file, or a feed at an `http(s)` URL.
fn read_source(from: &Path, language: &str) -> anyhow::Result<Vec<source::SourceArticle>> {
    let text = from.to_string_lossy();
    if text.starts_with("http://") || text.starts_with("https://") {
        let bytes = fetch_feed(&text)?;
        return Ok(source::read_feed(from, &bytes, language)?);
    }
    if from.is_dir() {
        return Ok(source::read_folder(from, language)?);
    }
    let len = std::fs::metadata(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .len();
    anyhow::ensure!(
        len <= source::FEED_MAX,
        "{}: feed is larger than {} bytes",
        from.display(),
        source::FEED_MAX
    );
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    Ok(source::read_feed(from, &bytes, language)?)
}

/// Downloads a feed, at most [`source::FEED_MAX`] bytes, with explicit timeouts.
fn fetch_feed(url: &str) -> anyhow::Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(article_sync_core::net::tls_config(true, &[])?)
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(120))
            .build()?;
        let mut response = client
            .get(url)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("cannot fetch the feed {url}"))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            bytes.extend_from_slice(&chunk);
            anyhow::ensure!(
                bytes.len() as u64 <= source::FEED_MAX,
                "{url}: feed is larger than {} bytes",
                source::FEED_MAX
            );
        }
        Ok(bytes)
    })
}
