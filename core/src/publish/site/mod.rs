//! The mirror's website: plain HTML pages in the tree, so that a reader without the app can
//! read any mirror in a browser (with JavaScript off, from a web host or from a folder).
//!
//! ```text
//! index.html                the newest articles, with a link to the archive pages
//! site/page-<n>.html        archive page n: articles n·P−P+1 … n·P counted from the oldest
//! site/article-<id>.html    one article: lead image, body, related articles, comments
//! site/about.html           the publisher's key fingerprint, the mirror list, how to get the app
//! site/style.css            the only style sheet
//! ```
//!
//! Every link is relative and every page under `site/` carries `<base href="../">`, so links
//! are written relative to the tree's root and resolve under any mirror path and from `file://`.
//! Nothing is loaded from outside the tree (a `Content-Security-Policy` meta tag says so to the
//! browser too). Article bodies are the sanitised HTML the format carries; everything else is
//! escaped.
//!
//! The site is not part of the signed data readers sync: a browser trusts whoever hosts the
//! mirror, the app trusts only the publisher's signatures. Archive pages are numbered from the
//! oldest article, so a run that adds articles rewrites the index, the newest archive pages,
//! the new articles' pages and those whose links or comments changed, and nothing else: every
//! page is rendered and written only when its bytes differ from the file on disk.

mod html;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::PublishError;
use super::tree::write_atomic;
use crate::format::head::Head;
use crate::format::note::PublicKey;
use crate::format::{Article, Comment};

/// The front page.
pub const INDEX: &str = "index.html";
/// The folder of every other page.
pub const DIR: &str = "site";
/// The "about this mirror" page.
pub const ABOUT: &str = "site/about.html";
/// The style sheet.
pub const STYLE: &str = "site/style.css";
/// Articles on the front page and on each archive page.
pub const PAGE_SIZE: usize = 20;

/// The page of article `id` (a valid id: `[A-Za-z0-9._-]`, so a safe file name).
pub fn article_page(id: &str) -> String {
    format!("{DIR}/article-{id}.html")
}

/// Archive page `n` (from 1, the oldest articles).
pub fn archive_page(n: usize) -> String {
    format!("{DIR}/page-{n}.html")
}

/// Whether `path` (relative to the tree) names a file the site generator writes.
pub fn is_site_path(path: &str) -> bool {
    if path == INDEX {
        return true;
    }
    let Some(name) = path.strip_prefix("site/") else {
        return false;
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some(parts) => parts,
        None => return false,
    };
    if name == "style.css" || name == "about.html" {
        return true;
    }
    ext == "html"
        && (stem
            .strip_prefix("article-")
            .is_some_and(crate::format::model::is_valid_id)
            || stem.strip_prefix("page-").is_some_and(|n| {
                !n.is_empty()
                    && n.len() <= 19
                    && !n.starts_with('0')
                    && n.bytes().all(|b| b.is_ascii_digit())
            }))
}

/// What the site shows: the tree's state after a run.
pub struct SiteInput<'a> {
    pub publisher: &'a str,
    /// The publisher's key (its fingerprint is shown on the about page).
    pub key: &'a PublicKey,
    pub head: &'a Head,
    /// The mirrors of the signed mirror list.
    pub mirrors: &'a [String],
    pub articles: &'a BTreeMap<String, Article>,
    /// Comments by comment id.
    pub comments: &'a BTreeMap<String, Comment>,
}

/// What writing the site did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteReport {
    /// Pages written because they were new or their bytes changed.
    pub written: Vec<String>,
    /// Pages of articles (or archive pages) that no longer exist, deleted.
    pub removed: Vec<String>,
    /// Pages whose bytes were already on disk.
    pub unchanged: usize,
}

/// Every file of the site, with its bytes.
pub fn render(input: &SiteInput) -> Vec<(String, Vec<u8>)> {
    let mut articles: Vec<&Article> = input.articles.values().collect();
    // Oldest first: archive page n keeps its articles when newer ones arrive.
    articles.sort_by(|a, b| (a.published_at, &a.id).cmp(&(b.published_at, &b.id)));
    let mut comments: BTreeMap<&str, Vec<&Comment>> = BTreeMap::new();
    for c in input.comments.values() {
        comments.entry(c.article_id.as_str()).or_default().push(c);
    }
    for list in comments.values_mut() {
        list.sort_by(|a, b| (a.posted_at, &a.id).cmp(&(b.posted_at, &b.id)));
    }

    let mut r = html::Renderer::new(input);
    let mut files = vec![(STYLE.to_string(), html::CSS.as_bytes().to_vec())];
    let pages = articles.len().div_ceil(PAGE_SIZE);
    let newest: Vec<&Article> = articles.iter().rev().take(PAGE_SIZE).copied().collect();
    files.push((INDEX.to_string(), r.index(&newest, pages).into_bytes()));
    for (i, chunk) in articles.chunks(PAGE_SIZE).enumerate() {
        let n = i + 1;
        let list: Vec<&Article> = chunk.iter().rev().copied().collect();
        files.push((archive_page(n), r.archive(&list, n, pages).into_bytes()));
    }
    for a in &articles {
        let list = comments.get(a.id.as_str()).map_or(&[][..], Vec::as_slice);
        files.push((article_page(&a.id), r.article(a, list).into_bytes()));
    }
    files.push((ABOUT.to_string(), r.about().into_bytes()));
    files
}

/// Renders the site into the tree at `dir`, writing only the pages whose bytes changed and
/// deleting the pages of articles that left the tree.
pub fn write(dir: &Path, input: &SiteInput) -> Result<SiteReport, PublishError> {
    let files = render(input);
    let expected: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut report = SiteReport::default();
    let site_dir = dir.join(DIR);
    match std::fs::read_dir(&site_dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(PublishError::io(&site_dir))?;
                let Some(name) = entry.file_name().to_str().map(|n| format!("{DIR}/{n}")) else {
                    continue;
                };
                if is_site_path(&name) && !expected.contains(name.as_str()) {
                    let path = dir.join(&name);
                    std::fs::remove_file(&path).map_err(PublishError::io(&path))?;
                    report.removed.push(name);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(PublishError::io(&site_dir)(e)),
    }
    report.removed.sort();
    // Atomic but not fsynced: the pages are no signed data, and a site of 10,000 articles
    // would otherwise take seconds of syncs on its first run.
    for (path, bytes) in files {
        let full = dir.join(&path);
        if std::fs::read(&full).is_ok_and(|b| b == bytes) {
            report.unchanged += 1;
            continue;
        }
        write_atomic(&full, &bytes, false).map_err(PublishError::io(&full))?;
        report.written.push(path);
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
