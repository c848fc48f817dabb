//! Images travel with the articles: every image a feed item references (its body's `<img>`
//! `src`, `srcset` and `<picture>` sources, and the images its entry names) is downloaded, a few
//! at a time with a timeout and a size cap, checked by its bytes, stored by hash, and the body's
//! reference is pointed at `media/<hash>.<ext>`. A failed image is dropped from the body and
//! named in the report; it never fails the article or the run. An image URL fetched before is
//! asked again only with its validators ([`FetchCache`]); identical bytes are one file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use url::Url;

use super::Failure;
use super::cache::{CachedImage, FetchCache};
use super::http::{Fetched, Http, Validators};
use super::refs::{self, RefKind};
use super::source::{FeedItem, SourceArticle, SourceImage};
use crate::format::codec::sha256_hex;
use crate::format::layout;
use crate::format::limits::MEDIA_MAX;

/// Limits of the image downloads.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// Largest image accepted, in bytes.
    pub max_bytes: u64,
    /// Images kept per article; later ones are dropped (and reported).
    pub per_article: usize,
    /// Downloads under way at once.
    pub parallel: usize,
    /// Time for one download.
    pub timeout: Duration,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            max_bytes: 8 * 1024 * 1024,
            per_article: 24,
            parallel: 4,
            timeout: Duration::from_secs(30),
        }
    }
}

/// The media type of image bytes (JPEG, PNG, WebP, GIF, AVIF), whatever the server claimed.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |p: &[u8]| bytes.starts_with(p);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..12], b"avif" | b"avis")
    {
        Some("image/avif")
    } else {
        None
    }
}

/// An image downloaded (or found again in the tree).
#[derive(Debug, Clone)]
struct Got {
    hash: String,
    mime: &'static str,
    bytes: Vec<u8>,
    /// What its server gave to ask again with.
    validators: Validators,
}

/// Downloads the images of `items` and returns the articles with their lead image, images and
/// rewritten bodies, and the images that failed. `tree` holds the media of earlier runs.
pub async fn attach(
    items: Vec<FeedItem>,
    tree: &Path,
    cache: &mut FetchCache,
    opts: &ImageOptions,
) -> (Vec<SourceArticle>, Vec<Failure>) {
    let mut failed = Vec::new();
    let mut wanted: Vec<(SourceArticle, Vec<(String, bool)>)> = Vec::new();
    for item in items {
        let mut urls: Vec<(String, bool)> = item
            .images
            .iter()
            .map(|i| (i.url.clone(), i.lead))
            .collect();
        for url in refs::images(&item.article.body_html) {
            if !urls.iter().any(|(u, _)| *u == url) {
                urls.push((url, false));
            }
        }
        for (url, _) in urls.drain(opts.per_article.min(urls.len())..) {
            failed.push(Failure::image(
                &item.article.id,
                &url,
                format!("more than {} images in the article", opts.per_article),
            ));
        }
        wanted.push((item.article, urls));
    }
    let mut unique: Vec<String> = wanted
        .iter()
        .flat_map(|(_, urls)| urls.iter().map(|(u, _)| u.clone()))
        .collect();
    unique.sort();
    unique.dedup();
    let got = fetch_all(unique, tree, cache, opts).await;

    let mut articles = Vec::new();
    for (mut article, urls) in wanted {
        let mut lead: Option<&Got> = None;
        let mut images: Vec<&Got> = Vec::new();
        for (url, named) in &urls {
            match &got[url] {
                Ok(g) => {
                    if *named && lead.is_none() {
                        lead = Some(g);
                    } else if !images.iter().any(|i| i.hash == g.hash) {
                        images.push(g);
                    }
                }
                Err(problem) => failed.push(Failure::image(&article.id, url, problem)),
            }
        }
        if lead.is_none() && !images.is_empty() {
            lead = Some(images.remove(0));
        }
        images.retain(|i| lead.is_none_or(|l| l.hash != i.hash));
        let image = |g: &Got| SourceImage {
            hash: g.hash.clone(),
            mime: g.mime,
            bytes: g.bytes.clone(),
            caption: None,
        };
        article.lead_image = lead.map(image);
        article.images = images.into_iter().map(image).collect();
        let paths: HashMap<String, Option<String>> = urls
            .iter()
            .map(|(url, _)| {
                let path = got[url]
                    .as_ref()
                    .ok()
                    .and_then(|g| layout::media(&g.hash, g.mime));
                (url.clone(), path)
            })
            .collect();
        article.body_html = refs::rewrite(&article.body_html, move |kind, value| match kind {
            RefKind::Page => Some(value.to_string()),
            RefKind::Image => paths.get(value).cloned().flatten(),
        });
        articles.push(article);
    }
    (articles, failed)
}

/// Fetches each URL once, `opts.parallel` at a time; remembers what came in `cache`.
async fn fetch_all(
    urls: Vec<String>,
    tree: &Path,
    cache: &mut FetchCache,
    opts: &ImageOptions,
) -> BTreeMap<String, Result<Got, String>> {
    let http = match Http::new(opts.timeout) {
        Ok(http) => http,
        Err(e) => return urls.into_iter().map(|u| (u, Err(e.clone()))).collect(),
    };
    let known = cache.images.clone();
    let results: Vec<(String, Result<Got, String>)> = futures::stream::iter(urls)
        .map(|url| {
            let (http, known) = (&http, &known);
            async move {
                let result = fetch_one(http, &url, known.get(&url), tree, opts.max_bytes).await;
                (url, result)
            }
        })
        .buffer_unordered(opts.parallel.max(1))
        .collect()
        .await;
    results
        .into_iter()
        .map(|(url, result)| {
            if let Ok(got) = &result {
                let entry = CachedImage {
                    validators: got.validators.clone(),
                    hash: got.hash.clone(),
                    mime: got.mime.to_string(),
                };
                cache.images.insert(url.clone(), entry);
            }
            (url, result)
        })
        .collect()
}

/// One image: from the tree when the cache knows it and its server says it is unchanged (or
/// gave no validators to ask with), else downloaded and checked.
async fn fetch_one(
    http: &Http,
    url: &str,
    known: Option<&CachedImage>,
    tree: &Path,
    max_bytes: u64,
) -> Result<Got, String> {
    let parsed = Url::parse(url).map_err(|e| format!("bad URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("not an http(s) URL: {}", parsed.scheme()));
    }
    let stored = known.and_then(|k| {
        let path = tree.join(layout::media(&k.hash, &k.mime)?);
        let bytes = std::fs::read(path).ok()?;
        (sha256_hex(&bytes) == k.hash).then_some(bytes)
    });
    let validators = known.map(|k| &k.validators);
    if let (Some(k), Some(bytes)) = (known, &stored)
        && k.validators.is_empty()
    {
        return checked(bytes.clone(), k.validators.clone());
    }
    let asked = stored.as_ref().and(validators);
    match http.get(&parsed, asked, max_bytes).await? {
        Fetched::NotModified => {
            let (k, bytes) = known.zip(stored).expect("asked only with stored bytes");
            checked(bytes, k.validators.clone())
        }
        Fetched::Body { bytes, validators } => checked(bytes, validators),
    }
}

fn checked(bytes: Vec<u8>, validators: Validators) -> Result<Got, String> {
    if bytes.len() as u64 > MEDIA_MAX {
        return Err(format!("larger than the {MEDIA_MAX} bytes allowed"));
    }
    let mime = sniff(&bytes).ok_or_else(|| {
        let what = if bytes.trim_ascii_start().starts_with(b"<") {
            "an HTML or XML page"
        } else {
            "unknown bytes"
        };
        format!("not a JPEG, PNG, WebP, GIF or AVIF image ({what})")
    })?;
    Ok(Got {
        hash: sha256_hex(&bytes),
        mime,
        bytes,
        validators,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0"), Some("image/avif"));
        assert_eq!(sniff(b"<!doctype html><html>"), None);
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
    }
}
