//! A run's inputs gathered: folders of article files, feed files and feed URLs (a newsroom has
//! one feed per section). A feed is a window on the newsroom's articles, so a run with any feed
//! removes nothing by absence; a folder is the whole state, so a run from folders alone does.
//! Feed URLs are fetched with their validators from the last run ([`FetchCache`]) and gzip; a
//! feed that fails is named in the report and its articles stay as they are.

use std::path::{Path, PathBuf};

use url::Url;

use super::cache::FetchCache;
use super::http::{Fetched, Http, Validators};
use super::images::{self, ImageOptions};
use super::source::{self, FEED_MAX, FeedItem};
use super::{Failure, PublishError, PublishInput};

/// One `--from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Folder(PathBuf),
    FeedFile(PathBuf),
    FeedUrl(Url),
}

impl Source {
    /// An `http(s)` URL, a folder, or else a feed file.
    pub fn parse(text: &str) -> Result<Source, PublishError> {
        if text.starts_with("http://") || text.starts_with("https://") {
            let url = Url::parse(text).map_err(|e| PublishError::source(text, e))?;
            return Ok(Source::FeedUrl(url));
        }
        let path = PathBuf::from(text);
        Ok(if path.is_dir() {
            Source::Folder(path)
        } else {
            Source::FeedFile(path)
        })
    }

    fn name(&self) -> String {
        match self {
            Source::Folder(p) | Source::FeedFile(p) => p.display().to_string(),
            Source::FeedUrl(u) => u.to_string(),
        }
    }
}

/// Reads every source; articles of several sources with the same id are one article with the
/// tags of each. A folder that cannot be read fails the run; a feed that cannot be read or
/// fetched is a [`Failure`]. Feed items' images are fetched into `tree`'s media (see
/// [`images`]). Nothing is written to the tree; `cache` learns what was fetched.
pub async fn gather(
    sources: &[Source],
    language: &str,
    tree: &Path,
    cache: &mut FetchCache,
    image_opts: &ImageOptions,
) -> Result<PublishInput, PublishError> {
    let http = Http::new(image_opts.timeout.max(std::time::Duration::from_secs(60)))
        .map_err(|e| PublishError::source("feeds", e))?;
    let mut failed = Vec::new();
    let mut folder_articles = Vec::new();
    let mut items: Vec<FeedItem> = Vec::new();
    for src in sources {
        let read = match src {
            Source::Folder(dir) => {
                folder_articles.extend(source::read_folder(dir, language)?);
                continue;
            }
            Source::FeedFile(path) => source::read_capped(path, FEED_MAX)
                .and_then(|b| source::read_feed_items(path, &b, language, None)),
            Source::FeedUrl(url) => {
                let name = Path::new(url.as_str());
                let read = match fetch_feed(&http, url, cache).await {
                    Ok((bytes, fresh)) => {
                        source::read_feed_items(name, &bytes, language, Some(url)).and_then(
                            |items| {
                                if let Some(validators) = fresh {
                                    cache.put_feed(url.as_str(), validators, &bytes)?;
                                }
                                Ok(items)
                            },
                        )
                    }
                    Err(e) => Err(e),
                };
                // A feed that fails counts as its last good copy: its articles stay as they are
                // (tags shared with other feeds included).
                if read.is_err()
                    && let Some(last) = cache.feed_body(url.as_str())
                    && let Ok(last) = source::read_feed_items(name, &last, language, Some(url))
                {
                    items.extend(last);
                }
                read
            }
        };
        match read {
            Ok(read) => items.extend(read),
            Err(e) => failed.push(Failure {
                input: src.name(),
                article: None,
                problem: problem_of(e),
            }),
        }
    }
    if !sources.is_empty() && failed.len() == sources.len() {
        return Err(PublishError::source(
            &failed[0].input,
            format!("every source failed; first: {}", failed[0].problem),
        ));
    }
    let whole = sources.iter().all(|s| matches!(s, Source::Folder(_)));
    let (feed_articles, image_failures) =
        images::attach(source::merge(items), tree, cache, image_opts).await;
    failed.extend(image_failures);
    let folder_items = folder_articles.into_iter().map(|article| FeedItem {
        article,
        images: vec![],
    });
    let articles =
        source::merge(
            folder_items.chain(feed_articles.into_iter().map(|article| FeedItem {
                article,
                images: vec![],
            })),
        )
        .into_iter()
        .map(|i| i.article)
        .collect();
    Ok(PublishInput {
        articles,
        whole,
        failed,
        ..PublishInput::default()
    })
}

/// The feed at `url`: its new body with its validators, or the cached body (and `None`) when
/// the server says it is unchanged.
async fn fetch_feed(
    http: &Http,
    url: &Url,
    cache: &FetchCache,
) -> Result<(Vec<u8>, Option<Validators>), PublishError> {
    let key = url.as_str();
    let cached = cache.feed_body(key);
    let known = cached
        .as_ref()
        .and(cache.feeds.get(key))
        .map(|f| &f.validators);
    let fail = |e: String| PublishError::source(key, e);
    match http.get(url, known, FEED_MAX).await.map_err(fail)? {
        Fetched::NotModified => Ok((cached.expect("asked only with a cached body"), None)),
        Fetched::Body { bytes, validators } => Ok((bytes, Some(validators))),
    }
}

fn problem_of(e: PublishError) -> String {
    match e {
        PublishError::Source { problem, .. } => problem,
        other => other.to_string(),
    }
}
