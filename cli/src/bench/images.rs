//! What images cost (issue 20): the time to publish articles with one photo each from a feed
//! whose photos a loopback web server serves (download, checks, phone variants, tree writes),
//! the bytes of the phone variants readers download against the originals, the bytes of a
//! first sync with images against a text-only one, and (issue 17) the size of the copy the
//! reader with images exports against the text-only reader's. Size-independent rows.
//!
//! The photos are real JPEG and PNG files made once with the `image` crate
//! ([`crate::photos`]): photo-like JPEGs of 0.7–1.6 megapixels at quality 85 (100–400 KB),
//! every tenth a PNG graphic, no two alike. There are fewer photos than articles: article `i`
//! has photo `i mod photos`, as a site reuses its pictures. The publisher fetches and decodes
//! each distinct photo once; the newest `photos` articles each have a distinct one, so a
//! reader's prefetch of the newest photos is not shortened by repeats.

use std::path::Path;
use std::time::Instant;

use article_sync_core::format::layout;
use article_sync_core::format::note::SecretKey;
use article_sync_core::net::NetConfig;
use article_sync_core::publish::cache::FetchCache;
use article_sync_core::publish::feeds::{self, Source};
use article_sync_core::publish::images::ImageOptions;
use article_sync_core::publish::tree::TreeState;
use article_sync_core::publish::{self, PublishOptions};
use article_sync_core::reader::{Reader, ReaderConfig};

use super::BenchError;
use super::measure::Summary;
use super::report::{Cell, Row, Unit, no_target};
use crate::corpus::Corpus;
use crate::serve::{ServeConfig, Server};

/// Photo sizes (pixels) the base photos cycle through.
const DIMENSIONS: &[(u32, u32)] = &[
    (1000, 667),
    (1200, 800),
    (1280, 853),
    (1400, 933),
    (1600, 1000),
    (1500, 844),
    (1100, 1100),
    (1700, 956),
];

/// The measured costs.
#[derive(Debug, Clone)]
pub struct ImageCosts {
    pub articles: usize,
    /// Distinct photos among the articles.
    pub photos: usize,
    /// Each run's publish time, in milliseconds.
    pub publish_ms: Vec<f64>,
    /// The distinct photos as the feed serves them.
    pub original_bytes: u64,
    /// What readers download by default: each distinct photo's phone variant, or the photo
    /// itself when it needs none.
    pub phone_bytes: u64,
    /// A new reader's first sync, images prefetched as on an unmetered network.
    pub first_sync_bytes: u64,
    pub first_sync_images: u64,
    /// The same first sync in text-only mode.
    pub text_only_bytes: u64,
    /// The copy the reader with images exports (phone to phone), and the text-only reader's.
    pub export_bytes: u64,
    pub export_text_only_bytes: u64,
}

/// Makes `n` distinct photos (distinct pixels: no two share a phone variant): (file name,
/// bytes).
fn distinct_photos(n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|i| {
            if i % 10 == 9 {
                return (format!("{i}.png"), crate::photos::png(380, 260, i as u64));
            }
            let (w, h) = DIMENSIONS[i % DIMENSIONS.len()];
            (format!("{i}.jpg"), crate::photos::jpeg(w, h, i as u64, 85))
        })
        .collect()
}

/// An RSS feed of `n` corpus articles, article `i` with photo `i mod files.len()` as an
/// enclosure at `base`.
fn feed(n: usize, base: &str, files: &[(String, Vec<u8>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>example-news</title><link>https://www.example-news.org/fa/</link>\n",
    );
    let articles = Corpus::new(7).articles(0..n as u64);
    for (a, (name, bytes)) in articles.iter().zip(files.iter().cycle()) {
        let date = chrono::DateTime::from_timestamp(a.published_at, 0).unwrap_or_default();
        let mime = if name.ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{}</guid><title>{}</title><pubDate>{}</pubDate>\
             <description>{}</description><enclosure url=\"{base}{name}\" type=\"{mime}\" \
             length=\"{}\"/></item>\n",
            a.id,
            super::rss::escape(&a.title),
            date.to_rfc2822(),
            super::rss::escape(&a.summary),
            bytes.len()
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Publishes `n` articles with one of `photos` distinct photos each `runs` times into fresh
/// trees, checks that every article has its photo, then syncs the last tree into two new
/// readers (with images, text-only) and exports both copies.
pub async fn measure(
    scratch: &Path,
    n: usize,
    photos: usize,
    runs: usize,
) -> Result<ImageCosts, BenchError> {
    let io = |what: &Path| {
        let what = what.to_path_buf();
        move |e: std::io::Error| BenchError::io(&what, e)
    };
    let _ = std::fs::remove_dir_all(scratch);
    // The photo host: the files under `media/` of a folder `serve` serves over plain HTTP.
    let host_dir = scratch.join("photo-host");
    let media = host_dir.join("media");
    std::fs::create_dir_all(&media).map_err(io(&media))?;
    let files = tokio::task::block_in_place(|| distinct_photos(photos.clamp(1, n.max(1))));
    let mut named = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let mime = if name.ends_with(".png") {
            "image/png"
        } else {
            "image/jpeg"
        };
        let hash = article_sync_core::format::codec::sha256_hex(&bytes);
        let path = layout::media(&hash, mime).unwrap_or_default();
        std::fs::write(host_dir.join(&path), &bytes).map_err(io(&media))?;
        named.push((path, bytes));
    }
    let original_bytes = named.iter().map(|(_, b)| b.len() as u64).sum();
    let host = Server::start(ServeConfig::new(&host_dir))
        .await
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let feed_path = scratch.join("feed.xml");
    let text = feed(n, &host.url(), &named);
    std::fs::write(&feed_path, text).map_err(io(&feed_path))?;

    let key = SecretKey::generate();
    let mut publish_ms = Vec::new();
    let mut tree = scratch.join("tree");
    for run in 0..runs.max(1) {
        tree = scratch.join(format!("tree-{run}"));
        let started = Instant::now();
        let mut cache = FetchCache::open(&scratch.join(format!("cache-{run}")));
        let input = feeds::gather(
            &[Source::FeedFile(feed_path.clone())],
            "fa",
            &tree,
            &mut cache,
            &ImageOptions::default(),
        )
        .await
        .map_err(|e| BenchError::Publish(n as u64, e.to_string()))?;
        if let Some(f) = input.failed.first() {
            return Err(BenchError::Publish(
                n as u64,
                format!("{}: {}", f.input, f.problem),
            ));
        }
        let options = PublishOptions::new(chrono::Utc::now().timestamp(), "example-news");
        tokio::task::block_in_place(|| publish::publish_input(&tree, &key, input, &options))
            .map_err(|e| BenchError::Publish(n as u64, e.to_string()))?;
        publish_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    host.shutdown().await;

    let state = TreeState::load(&tree).map_err(|e| BenchError::Check(e.to_string()))?;
    // Oldest first, which is the feed's order: article `i` must show photo `i mod photos`.
    let mut articles: Vec<_> = state.articles.values().collect();
    articles.sort_by_key(|a| a.published_at);
    let leads: Vec<_> = articles
        .iter()
        .filter_map(|a| a.lead_image.as_ref())
        .collect();
    if articles.len() != n || leads.len() != n {
        return Err(BenchError::Check(format!(
            "{} of {n} articles have their photo",
            leads.len()
        )));
    }
    // Variants by hash: each distinct photo counts once, however many articles show it.
    let variants: std::collections::BTreeMap<_, _> = leads
        .iter()
        .take(named.len())
        .map(|m| (&m.hash, m.size))
        .collect();
    let cycled = leads
        .iter()
        .skip(named.len())
        .zip(&leads)
        .all(|(later, first)| later.hash == first.hash);
    if variants.len() != named.len() || !cycled {
        return Err(BenchError::Check(format!(
            "the articles do not show their {} distinct photos in turn",
            named.len()
        )));
    }
    let phone_bytes = variants.values().sum();

    let mirror = Server::start(ServeConfig::new(&tree))
        .await
        .map_err(|e| BenchError::Server(e.to_string()))?;
    let sync = |name: &str, text_only: bool| {
        let config = ReaderConfig {
            database: scratch.join(name),
            publisher_keys: vec![key.public().to_string()],
            main_url: mirror.url(),
            mirrors: vec![],
            storage_budget_bytes: 1 << 40,
            text_only,
            net: NetConfig::default(),
        };
        async move {
            let reader =
                Reader::open(config).map_err(|e| BenchError::Check(format!("reader: {e}")))?;
            let report = reader
                .sync()
                .await
                .map_err(|e| BenchError::Check(format!("sync: {e}")))?;
            let held = reader
                .counts()
                .map_err(|e| BenchError::Check(e.to_string()))?
                .total;
            if held != n as u64 {
                return Err(BenchError::Check(format!(
                    "a reader synced {held} of {n} articles"
                )));
            }
            Ok(report)
        }
    };
    let with_images = sync("images.db", false).await?;
    let text_only = sync("text-only.db", true).await?;
    mirror.shutdown().await;
    let copy = scratch.join("copy");
    let (export, _) = super::share::export(&scratch.join("images.db"), &copy)?;
    // The copy carries every photo the reader prefetched.
    let media = copy.join("media");
    let carried = std::fs::read_dir(&media).map_err(io(&media))?.count() as u64;
    if with_images.media_fetched == 0 || carried != with_images.media_fetched {
        return Err(BenchError::Check(format!(
            "the copy carries {carried} photos; the reader prefetched {}",
            with_images.media_fetched
        )));
    }
    let (text_export, _) =
        super::share::export(&scratch.join("text-only.db"), &scratch.join("copy-text"))?;
    let _ = std::fs::remove_dir_all(scratch);
    Ok(ImageCosts {
        articles: n,
        photos: named.len(),
        publish_ms,
        original_bytes,
        phone_bytes,
        first_sync_bytes: with_images.bytes,
        first_sync_images: with_images.media_fetched,
        text_only_bytes: text_only.bytes,
        export_bytes: export.bytes,
        export_text_only_bytes: text_export.bytes,
    })
}

/// The image rows; each cell says why when it could not be measured.
pub fn rows(costs: Result<ImageCosts, BenchError>) -> Vec<Row> {
    let row = |id: &str, title: &str, unit: Unit, cell: Cell| Row {
        id: id.into(),
        title: title.into(),
        unit,
        cells: vec![cell],
    };
    let one = |v: f64| Summary::of(&[v]);
    match costs {
        Ok(c) => {
            let mut publish = Cell::new(0, Summary::of(&c.publish_ms));
            publish.note = Some(format!(
                "{} articles, one photo each, from {} distinct photos (JPEG 100–400 KB, every \
                 tenth a PNG) on a loopback web server, each fetched and resized once: download, \
                 checks, phone variants, tree writes",
                c.articles, c.photos
            ));
            // Bytes against a baseline's bytes, with a note.
            let compared = |ours: u64, name: &str, theirs: u64, note: String| {
                let mut cell =
                    Cell::new(0, one(ours as f64)).baseline(name, one(theirs as f64), no_target);
                cell.note = Some(note);
                cell
            };
            let phone = compared(
                c.phone_bytes,
                "originals",
                c.original_bytes,
                format!(
                    "the {} distinct photos as readers download them by default (each counted \
                     once, not per article), against the files the feed named",
                    c.photos
                ),
            );
            let first = compared(
                c.first_sync_bytes,
                "text-only",
                c.text_only_bytes,
                format!(
                    "{} articles; {} phone-sized photos prefetched (the newest articles', \
                     distinct) on an unmetered network",
                    c.articles, c.first_sync_images
                ),
            );
            vec![
                row(
                    "images.publish_time",
                    "Images: publish N articles with one photo each from a feed",
                    Unit::Millis,
                    publish,
                ),
                row(
                    "images.phone_bytes",
                    "Images: bytes of the phone variants against the originals",
                    Unit::Bytes,
                    phone,
                ),
                row(
                    "images.first_sync_bytes",
                    "Images: first-sync bytes with images",
                    Unit::Bytes,
                    first,
                ),
                row(
                    "images.export_bytes",
                    "Phone to phone: bytes of a reader's exported copy with images",
                    Unit::Bytes,
                    compared(
                        c.export_bytes,
                        "text-only",
                        c.export_text_only_bytes,
                        format!(
                            "the copy of the reader whose first sync took {} articles (feed \
                             items: title and summary, no body or comments) and prefetched {} of \
                             their {} distinct photos, against the text-only reader's copy",
                            c.articles, c.first_sync_images, c.photos
                        ),
                    ),
                ),
            ]
        }
        Err(e) => [
            ("images.publish_time", Unit::Millis),
            ("images.phone_bytes", Unit::Bytes),
            ("images.first_sync_bytes", Unit::Bytes),
            ("images.export_bytes", Unit::Bytes),
        ]
        .into_iter()
        .map(|(id, unit)| {
            let mut cell = Cell::new(0, None);
            cell.note = Some(e.to_string());
            row(id, id, unit, cell)
        })
        .collect(),
    }
}
