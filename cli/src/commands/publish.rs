//! `article-sync publish`: build or update a signed mirror tree.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;

use article_sync_core::comments::inbox::{Inbox, InboxStatus, Pending};
use article_sync_core::format::head::TreeFormat;
use article_sync_core::publish::cache::FetchCache;
use article_sync_core::publish::feeds::{self, Source};
use article_sync_core::publish::images::ImageOptions;
use article_sync_core::publish::targets::{
    self, TargetOptions, TargetReport, UploadOptions, UploadProgress,
};
use article_sync_core::publish::{self, PublishOptions, SNAPSHOT_PART_BYTES, source};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The publisher's secret key (from `keygen`).
    #[arg(long, env = "ARTICLE_SYNC_PUBLISHER_KEY")]
    pub key: PathBuf,
    /// A folder of article JSON files (see the README), or an RSS 2.0, Atom or JSON Feed file or
    /// `http(s)` URL (repeat: one feed per section). A folder is the whole state: an article
    /// whose file is gone is removed. A feed is a window: articles that leave it stay.
    #[arg(long, required = true)]
    pub from: Vec<String>,
    /// The tree to create or update.
    #[arg(long)]
    pub tree: PathBuf,
    /// Removes the article with this id (repeat).
    #[arg(long = "remove")]
    pub remove: Vec<String>,
    /// Removes articles published more than this many days ago (off by default).
    #[arg(long)]
    pub keep_days: Option<u32>,
    /// Where the validators of fetched feeds and images are remembered between runs
    /// (default: `<tree>.cache` beside the tree).
    #[arg(long)]
    pub cache: Option<PathBuf>,
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
    /// Seconds one image download may take.
    #[arg(long, default_value_t = 30)]
    pub image_timeout: u64,
    /// The tree format to write: 4 (as 3, and snapshot bodies without the summary their
    /// headlines carry: fewest bytes for readers), 3 (Persian text packed, then zstd), 2 (zstd)
    /// or 1 (gzip). An app reads the formats up to its own and refuses a
    /// newer one, asking its reader to update: keep the format the oldest apps in use read.
    #[arg(long, default_value_t = TreeFormat::CURRENT.into(),
          value_parser = clap::value_parser!(u32).range(1..=u32::from(TreeFormat::CURRENT) as i64))]
    pub format: u32,
    /// After publishing, copy the tree to this mirror (repeat): `file:///path`,
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`, or an IPFS node's
    /// MFS folder `ipfs://HOST:PORT/NAME?gateway=URL[&ipns=KEY]` (see the README). Only the
    /// files it lacks are sent, `head` last, and `head` is read back and verified.
    #[arg(long = "to")]
    pub to: Vec<String>,
    /// Settings of `--to` object stores: a TOML file with a table per target URL of
    /// `object_store` keys (`endpoint`, `region`, `access_key_id`, `secret_access_key`,
    /// `allow_http`, …), over those of the environment (`AWS_*`, `GOOGLE_*`, `AZURE_*`).
    #[arg(long)]
    pub target_config: Option<PathBuf>,
    /// Files sent to a target at once.
    #[arg(long, default_value_t = targets::DEFAULT_JOBS as u32,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let key = publish::read_secret_key(&args.key)?;
    let mut settings = match &args.target_config {
        Some(path) => target_config(path)?,
        None => BTreeMap::new(),
    };
    let targets = args
        .to
        .iter()
        .map(|url| targets::open_with(url, &settings.remove(url).unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(url) = settings.keys().next() {
        anyhow::bail!("--target-config names {url:?}, which no --to names");
    }
    let sources = args
        .from
        .iter()
        .map(|f| Source::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let cache_dir = args
        .cache
        .clone()
        .unwrap_or_else(|| FetchCache::beside(&args.tree));
    let mut cache = FetchCache::open(&cache_dir);
    let image_opts = ImageOptions {
        timeout: std::time::Duration::from_secs(args.image_timeout.max(1)),
        ..ImageOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut input = runtime.block_on(feeds::gather(
        &sources,
        &args.language,
        &args.tree,
        &mut cache,
        &image_opts,
    ))?;
    input.remove = args.remove;
    input.keep_days = args.keep_days;
    let inbox = match &args.inbox {
        Some(path) => Some(Inbox::open(path, Vec::new())?),
        None => None,
    };
    let pending = match &inbox {
        Some(inbox) => pending(inbox, &args.tree, &input.articles)?,
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
        format: TreeFormat::try_from(args.format).map_err(anyhow::Error::msg)?,
    };
    let report = publish::publish_input(&args.tree, &key, input, &opts)
        .context("publish failed; the tree was not changed")?;
    cache.save()?;
    if let Some(inbox) = &inbox {
        // After the tree: a crash in between publishes the same comments and receipts again,
        // which readers take as no change.
        inbox.published(&pending)?;
    }
    // Every target is tried; the run fails afterwards if one failed or did not verify.
    let uploads: Vec<Upload> = targets
        .iter()
        .map(|t| {
            let bar = Bar::new(t.url(), args.json);
            let opts = UploadOptions {
                jobs: args.jobs as usize,
                progress: &bar,
            };
            let result = targets::upload_with(&args.tree, t.as_ref(), &opts);
            bar.0.finish_and_clear();
            (t.url().to_string(), result.map_err(|e| e.to_string()))
        })
        .collect();
    let upload_failed = uploads
        .iter()
        .any(|(_, u)| u.as_ref().map_or(true, |r| !r.verified));
    print_report(&report, &uploads, args.json);
    if upload_failed {
        anyhow::bail!("the tree was published, but not every --to target was updated and verified");
    }
    Ok(())
}

/// The `--target-config` file: a table per target URL of `name = value` settings.
fn target_config(path: &Path) -> anyhow::Result<BTreeMap<String, TargetOptions>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --target-config {}", path.display()))?;
    let file: toml::Table =
        toml::from_str(&text).with_context(|| format!("--target-config {}", path.display()))?;
    let mut out = BTreeMap::new();
    for (url, table) in file {
        let toml::Value::Table(table) = table else {
            anyhow::bail!("--target-config: {url:?} must be a table of settings");
        };
        let mut options = TargetOptions::new();
        for (key, value) in table {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Integer(i) => i.to_string(),
                _ => anyhow::bail!("--target-config: {url:?}.{key} must be a string"),
            };
            options.insert(key, value);
        }
        out.insert(url, options);
    }
    Ok(out)
}

/// The progress bar of one upload on stderr; hidden when stderr is no terminal or with --json.
struct Bar(indicatif::ProgressBar, std::sync::atomic::AtomicU64);

impl Bar {
    fn new(url: &str, json: bool) -> Bar {
        if json || !std::io::stderr().is_terminal() {
            return Bar(indicatif::ProgressBar::hidden(), Default::default());
        }
        let bar = indicatif::ProgressBar::new(0);
        let style =
            indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} files {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(url.to_string());
        Bar(bar, Default::default())
    }
}

impl UploadProgress for Bar {
    fn planned(&self, files: u64) {
        self.0.set_length(files);
    }
    fn done(&self, _path: &str, bytes: u64, sent: bool) {
        if sent {
            let total = bytes
                + self
                    .1
                    .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
            self.0
                .set_message(format!("{} sent", indicatif::HumanBytes(total)));
        }
        self.0.inc(1);
    }
}

/// A `--to` target's URL and what uploading to it did.
type Upload = (String, Result<TargetReport, String>);

fn print_report(report: &publish::PublishReport, uploads: &[Upload], json: bool) {
    if json {
        let json = serde_json::json!({
            "head_version": report.head_version,
            "log_size": report.log_size,
            "added": report.added,
            "edited": report.edited,
            "removed": report.removed,
            "removals": report.removals.iter().map(|r| serde_json::json!({
                "id": r.id, "rule": r.rule.as_str(),
            })).collect::<Vec<_>>(),
            "failed": report.failed.iter().map(|f| serde_json::json!({
                "input": f.input, "article": f.article, "problem": f.problem,
            })).collect::<Vec<_>>(),
            "comments_changed": report.comments_changed,
            "receipts": report.receipts,
            "media_added": report.media_added,
            "snapshot_written": report.snapshot_written,
            "written": report.written,
            "site": {
                "written": report.site.written,
                "removed": report.site.removed,
                "unchanged": report.site.unchanged,
            },
            "targets": uploads.iter().map(|(url, u)| match u {
                Ok(r) => serde_json::json!({
                    "url": url, "uploaded": r.uploaded, "bytes": r.bytes,
                    "skipped": r.skipped, "verified": r.verified, "mirror_url": r.mirror_url,
                }),
                Err(e) => serde_json::json!({ "url": url, "error": e }),
            }).collect::<Vec<_>>(),
        });
        println!("{json}");
        return;
    }
    if report.written.is_empty() {
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
    if !report.site.written.is_empty() || !report.site.removed.is_empty() {
        println!(
            "website: {} pages written, {} removed, {} unchanged (index.html)",
            report.site.written.len(),
            report.site.removed.len(),
            report.site.unchanged
        );
    }
    for r in &report.removals {
        println!("removed {} ({})", r.id, r.rule.as_str());
    }
    for f in &report.failed {
        match &f.article {
            Some(article) => println!("failed image {} of {article}: {}", f.input, f.problem),
            None => println!(
                "failed feed {}: {} (its articles are unchanged)",
                f.input, f.problem
            ),
        }
    }
    for (url, upload) in uploads {
        match upload {
            Ok(r) => {
                println!(
                    "{url}: {} files uploaded ({} bytes), {} already there, head {}",
                    r.uploaded.len(),
                    r.bytes,
                    r.skipped,
                    if r.verified {
                        "verified"
                    } else {
                        "NOT verified"
                    }
                );
                if let Some(mirror) = &r.mirror_url {
                    println!("  readers use {mirror}");
                }
            }
            Err(e) => println!("{url}: failed: {e}"),
        }
    }
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
