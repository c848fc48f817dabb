//! Inputs of the publisher: a folder of article files, or a feed (RSS 2.0, Atom, JSON Feed).
//!
//! An article file is one JSON object (see the README for the format); images are files beside
//! it. Everything is read and checked before anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

use super::{PublishError, refs};
use crate::format::Comment;
use crate::format::codec::sha256_hex;
use crate::format::layout;
use crate::format::limits::{BODY_MAX, MEDIA_MAX, media_type_for_extension};
use crate::format::model::is_valid_id;

/// An article as the publisher wrote it, before revisions and sanitising.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceArticle {
    /// The file it came from, for error messages.
    pub file: PathBuf,
    pub id: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub author: Option<String>,
    pub language: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub tags: Vec<String>,
    pub url: Option<String>,
    pub lead_image: Option<SourceImage>,
    pub images: Vec<SourceImage>,
    pub related: Vec<String>,
    pub comments: Vec<SourceComment>,
}

#[cfg(test)]
impl SourceArticle {
    /// Article `a<n>`, a short Persian one published at `published_at`, for tests.
    pub(crate) fn numbered(n: u64, published_at: i64) -> SourceArticle {
        SourceArticle {
            file: PathBuf::from(format!("a{n}.json")),
            id: format!("a{n}"),
            title: format!("خبر شمارهٔ {n}"),
            summary: String::new(),
            body_html: format!("<p>متن {n}</p>"),
            author: None,
            language: "fa".into(),
            published_at,
            updated_at: published_at,
            tags: vec![],
            url: None,
            lead_image: None,
            images: vec![],
            related: vec![],
            comments: vec![],
        }
    }
}

/// An image file read from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceImage {
    pub hash: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SourceComment {
    pub id: String,
    pub author: String,
    pub body: String,
    pub posted_at: i64,
}

impl SourceComment {
    /// The wire comment on article `article_id`.
    pub fn to_comment(&self, article_id: &str) -> Comment {
        Comment {
            id: self.id.clone(),
            article_id: article_id.to_owned(),
            author: self.author.clone(),
            body: self.body.clone(),
            posted_at: self.posted_at,
        }
    }
}

/// The on-disk article file format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleFile {
    id: String,
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    author: Option<String>,
    language: Option<String>,
    published: DateTime<Utc>,
    updated: Option<DateTime<Utc>>,
    #[serde(default)]
    tags: Vec<String>,
    url: Option<String>,
    image: Option<ImageFile>,
    #[serde(default)]
    images: Vec<ImageFile>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    comments: Vec<CommentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageFile {
    file: String,
    caption: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommentFile {
    id: String,
    author: String,
    body: String,
    posted: DateTime<Utc>,
}

/// Largest article file accepted.
const ARTICLE_FILE_MAX: u64 = 4 * 1024 * 1024;
/// Largest feed accepted.
pub const FEED_MAX: u64 = 64 * 1024 * 1024;

/// Reads every `*.json` file of `dir` (not recursively), in name order.
pub fn read_folder(dir: &Path, default_language: &str) -> Result<Vec<SourceArticle>, PublishError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(PublishError::io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect();
    files.sort();
    let articles = files
        .iter()
        .map(|f| read_article_file(f, default_language))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique(&articles)?;
    Ok(articles)
}

fn read_article_file(file: &Path, default_language: &str) -> Result<SourceArticle, PublishError> {
    let bytes = read_capped(file, ARTICLE_FILE_MAX)?;
    let parsed: ArticleFile = serde_json::from_slice(&bytes)
        .map_err(|e| PublishError::source(file, format!("invalid article JSON: {e}")))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let image = |img: &ImageFile| read_image(file, dir, img);
    let comments = parsed
        .comments
        .iter()
        .map(|c| {
            check_id(file, "comment id", &c.id)?;
            Ok(SourceComment {
                id: c.id.clone(),
                author: c.author.trim().to_string(),
                body: c.body.trim().to_string(),
                posted_at: c.posted.timestamp(),
            })
        })
        .collect::<Result<Vec<_>, PublishError>>()?;
    let lead_image = parsed.image.as_ref().map(image).transpose()?;
    let images: Vec<SourceImage> = parsed.images.iter().map(image).collect::<Result<_, _>>()?;
    let body_html = media_refs(
        parsed.body,
        parsed
            .image
            .iter()
            .chain(&parsed.images)
            .zip(lead_image.iter().chain(&images)),
    );
    let article = SourceArticle {
        file: file.to_path_buf(),
        id: parsed.id,
        title: parsed.title.trim().to_string(),
        summary: parsed.summary.trim().to_string(),
        body_html,
        author: parsed.author,
        language: parsed
            .language
            .unwrap_or_else(|| default_language.to_string()),
        published_at: parsed.published.timestamp(),
        updated_at: parsed.updated.unwrap_or(parsed.published).timestamp(),
        tags: parsed.tags,
        url: parsed.url,
        lead_image,
        images,
        related: parsed.related,
        comments,
    };
    check_article(&article)?;
    Ok(article)
}

/// The body with its references to the article's image files (by file name) pointing at their
/// media files in the tree; a body that names none of them is returned as it is.
fn media_refs<'a>(
    body: String,
    images: impl Iterator<Item = (&'a ImageFile, &'a SourceImage)>,
) -> String {
    let paths: std::collections::HashMap<String, String> = images
        .filter_map(|(file, img)| Some((file.file.clone(), layout::media(&img.hash, img.mime)?)))
        .collect();
    if !refs::images(&body).iter().any(|r| paths.contains_key(r)) {
        return body;
    }
    refs::rewrite(&body, move |kind, value| match kind {
        refs::RefKind::Image => Some(paths.get(value).cloned().unwrap_or_else(|| value.into())),
        refs::RefKind::Page => Some(value.into()),
    })
}

fn read_image(article: &Path, dir: &Path, img: &ImageFile) -> Result<SourceImage, PublishError> {
    let name = Path::new(&img.file);
    if name.components().count() != 1 || img.file.starts_with('.') {
        return Err(PublishError::source(
            article,
            format!(
                "image {:?} must be a file name beside the article",
                img.file
            ),
        ));
    }
    let path = dir.join(name);
    let ext = name.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = media_type_for_extension(ext).ok_or_else(|| {
        PublishError::source(
            article,
            format!(
                "image {:?} is not a JPEG, PNG, WebP, GIF or AVIF file",
                img.file
            ),
        )
    })?;
    if !path.is_file() {
        return Err(PublishError::source(
            article,
            format!("image {:?} is missing", img.file),
        ));
    }
    let bytes = read_capped(&path, MEDIA_MAX)?;
    Ok(SourceImage {
        hash: sha256_hex(&bytes),
        mime,
        bytes,
        caption: img.caption.clone(),
    })
}

/// Parses a feed (RSS 2.0, Atom or JSON Feed). `name` is used in error messages.
pub fn read_feed(
    name: &Path,
    bytes: &[u8],
    default_language: &str,
) -> Result<Vec<SourceArticle>, PublishError> {
    let items = read_feed_items(name, bytes, default_language, None)?;
    Ok(items.into_iter().map(|i| i.article).collect())
}

/// An article of a feed with the images its entry names outside the body (absolute URLs);
/// the body's own images are found in the body.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    pub article: SourceArticle,
    pub images: Vec<ImageLink>,
}

/// An image a feed entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLink {
    pub url: String,
    /// The feed names it as the entry's image (JSON Feed `image`, `media:thumbnail`).
    pub lead: bool,
}

/// Parses a feed into items. Relative links resolve against `base` (the feed's own URL), else
/// the feed's home link; the article id is the entry's guid, else its link (hashed into an id
/// when it is not one); entries with the same id are one article with the tags of each.
pub fn read_feed_items(
    name: &Path,
    bytes: &[u8],
    default_language: &str,
    base: Option<&Url>,
) -> Result<Vec<FeedItem>, PublishError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|links, title, uri| match links.first() {
            Some(link) => link.href.clone(),
            None => feed_rs::parser::generate_id(links, title, uri),
        })
        .build();
    let feed = parser
        .parse(bytes)
        .map_err(|e| PublishError::source(name, format!("invalid feed: {e}")))?;
    let feed_base = base
        .cloned()
        .or_else(|| feed.links.iter().find_map(|l| Url::parse(&l.href).ok()));
    let json_images = json_feed_images(bytes);
    let language = feed
        .language
        .clone()
        .unwrap_or_else(|| default_language.to_string());
    let items = feed
        .entries
        .into_iter()
        .enumerate()
        .map(|(n, e)| {
            let id = if is_valid_id(&e.id) {
                e.id.clone()
            } else {
                format!("f-{}", &sha256_hex(e.id.as_bytes())[..24])
            };
            let published = e.published.or(e.updated).ok_or_else(|| {
                PublishError::source(name, format!("entry {:?} has no date", e.id))
            })?;
            let text = |t: &Option<feed_rs::model::Text>| {
                t.as_ref()
                    .map(|t| t.content.trim().to_string())
                    .unwrap_or_default()
            };
            let link = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .and_then(|l| resolve(feed_base.as_ref(), &l.href));
            let base = link
                .as_deref()
                .and_then(|l| Url::parse(l).ok())
                .or_else(|| feed_base.clone());
            let summary = text(&e.summary);
            let body = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .unwrap_or_else(|| summary.clone());
            let body = match &base {
                Some(base) => {
                    let base = base.clone();
                    refs::rewrite(&body, move |_, v| {
                        Some(resolve(Some(&base), v).unwrap_or_else(|| v.to_string()))
                    })
                }
                None => body,
            };
            let images = entry_images(&e, json_images.get(n), base.as_ref());
            let article = SourceArticle {
                file: name.to_path_buf(),
                id,
                title: text(&e.title),
                summary: crate::content::plain_text(&summary),
                body_html: body,
                author: e.authors.first().map(|p| p.name.clone()),
                language: e.language.clone().unwrap_or_else(|| language.clone()),
                published_at: published.timestamp(),
                updated_at: e.updated.unwrap_or(published).timestamp(),
                tags: e
                    .categories
                    .iter()
                    .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                    .collect(),
                url: link,
                lead_image: None,
                images: vec![],
                related: vec![],
                comments: vec![],
            };
            check_article(&article)?;
            Ok(FeedItem { article, images })
        })
        .collect::<Result<Vec<_>, PublishError>>()?;
    Ok(merge(items))
}

/// Items with the same id become one: the first one's fields, the tags and images of all.
pub fn merge(items: impl IntoIterator<Item = FeedItem>) -> Vec<FeedItem> {
    let mut out: Vec<FeedItem> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for item in items {
        match at.get(&item.article.id) {
            Some(&i) => {
                let kept = &mut out[i];
                for tag in item.article.tags {
                    if !kept.article.tags.contains(&tag) {
                        kept.article.tags.push(tag);
                    }
                }
                for img in item.images {
                    if !kept.images.iter().any(|k| k.url == img.url) {
                        kept.images.push(img);
                    }
                }
            }
            None => {
                at.insert(item.article.id.clone(), out.len());
                out.push(item);
            }
        }
    }
    out
}

/// `href` made absolute against `base`; `None` when it cannot be.
fn resolve(base: Option<&Url>, href: &str) -> Option<String> {
    match Url::parse(href) {
        Ok(url) => Some(url.to_string()),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            base.and_then(|b| b.join(href).ok()).map(|u| u.to_string())
        }
        Err(_) => None,
    }
}

/// The images an entry names outside its body: the named one first (JSON Feed `image`, else
/// `media:thumbnail`), then `media:content` and image enclosures (RSS `<enclosure>`, Atom
/// `link rel="enclosure"`, JSON Feed attachments), then JSON Feed `banner_image`.
fn entry_images(
    e: &feed_rs::model::Entry,
    json: Option<&JsonImages>,
    base: Option<&Url>,
) -> Vec<ImageLink> {
    let is_image = |t: Option<&str>| t.is_none_or(|t| t.starts_with("image/"));
    let mut named: Vec<String> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    named.extend(json.and_then(|j| j.image.clone()));
    for m in &e.media {
        named.extend(m.thumbnails.iter().map(|t| t.image.uri.clone()));
        other.extend(
            m.content
                .iter()
                .filter(|c| is_image(c.content_type.as_ref().map(|t| t.as_str())))
                .filter_map(|c| c.url.as_ref().map(Url::to_string)),
        );
    }
    other.extend(
        e.links
            .iter()
            .filter(|l| l.rel.as_deref().is_none_or(|r| r == "enclosure"))
            .filter(|l| {
                l.media_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("image/"))
            })
            .map(|l| l.href.clone()),
    );
    other.extend(json.and_then(|j| j.banner_image.clone()));
    let mut out: Vec<ImageLink> = Vec::new();
    let lead = named.len();
    for (n, url) in named.into_iter().chain(other).enumerate() {
        if let Some(url) = resolve(base, &url)
            && !out.iter().any(|i| i.url == url)
        {
            out.push(ImageLink {
                url,
                lead: n < lead,
            });
        }
    }
    out
}

/// JSON Feed's `image` and `banner_image` of each item (feed-rs does not read them).
#[derive(Debug, Default, Clone, Deserialize)]
struct JsonImages {
    image: Option<String>,
    banner_image: Option<String>,
}

fn json_feed_images(bytes: &[u8]) -> Vec<JsonImages> {
    #[derive(Deserialize)]
    struct Feed {
        items: Vec<JsonImages>,
    }
    let json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    json.then(|| serde_json::from_slice::<Feed>(bytes).ok())
        .flatten()
        .map(|f| f.items)
        .unwrap_or_default()
}

fn check_article(a: &SourceArticle) -> Result<(), PublishError> {
    check_id(&a.file, "article id", &a.id)?;
    if a.title.is_empty() {
        return Err(PublishError::source(
            &a.file,
            format!("article {:?} has no title", a.id),
        ));
    }
    if a.body_html.len() > BODY_MAX {
        return Err(PublishError::source(
            &a.file,
            format!(
                "article {:?} body is {} bytes, more than the {} allowed",
                a.id,
                a.body_html.len(),
                BODY_MAX
            ),
        ));
    }
    for r in &a.related {
        check_id(&a.file, "related article id", r)?;
    }
    if let Some(url) = a.url.as_deref()
        && crate::content::web_url(url).is_none()
    {
        return Err(PublishError::source(
            &a.file,
            format!("article {:?} url {url:?} is not an http or https URL", a.id),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(c) = a.comments.iter().find(|c| !seen.insert(&c.id)) {
        return Err(PublishError::source(
            &a.file,
            format!("duplicate comment id {:?}", c.id),
        ));
    }
    Ok(())
}

fn check_id(file: &Path, what: &str, id: &str) -> Result<(), PublishError> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(PublishError::source(
            file,
            format!("{what} {id:?} must be 1–128 characters of A–Z, a–z, 0–9, '.', '_', '-'"),
        ))
    }
}

fn check_unique(articles: &[SourceArticle]) -> Result<(), PublishError> {
    let mut by_id: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut comment_ids: BTreeMap<&str, &Path> = BTreeMap::new();
    for a in articles {
        if let Some(first) = by_id.insert(&a.id, &a.file) {
            return Err(PublishError::source(
                &a.file,
                format!(
                    "duplicate article id {:?} (also in {})",
                    a.id,
                    first.display()
                ),
            ));
        }
        for c in &a.comments {
            if let Some(first) = comment_ids.insert(&c.id, &a.file) {
                return Err(PublishError::source(
                    &a.file,
                    format!(
                        "duplicate comment id {:?} (also in {})",
                        c.id,
                        first.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The bytes of the file at `path`, refused when larger than `cap`.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, PublishError> {
    let len = std::fs::metadata(path)
        .map_err(PublishError::io(path))?
        .len();
    if len > cap {
        return Err(PublishError::source(
            path,
            format!("file is {len} bytes, more than the {cap} allowed"),
        ));
    }
    std::fs::read(path).map_err(PublishError::io(path))
}
