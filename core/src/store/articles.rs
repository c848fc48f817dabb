//! Article queries for the apps: keyset-paginated lists, one article with its comments and
//! stored related articles, counts. All run on reader connections.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::error::Result;
use super::reader_state::ReaderState;
use crate::content::{sanitize_html, web_url};
use crate::format::{Article, Comment, MediaRef};

/// A list item: everything but the body.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSummary {
    pub id: String,
    pub revision: u64,
    pub title: String,
    pub summary: String,
    pub author: Option<String>,
    pub language: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub tags: Vec<String>,
    pub url: Option<String>,
    pub lead_image: Option<MediaRef>,
    /// The body is stored (false for snapshot headlines not yet filled and evicted articles).
    pub has_body: bool,
    /// The storage budget dropped the body and media; sync can fetch them again.
    pub evicted: bool,
    pub reader: ReaderState,
}

/// A stable position in a newest-first list: the last item seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: i64,
    pub id: String,
}

impl Cursor {
    pub fn after(item: &ArticleSummary) -> Self {
        Cursor {
            published_at: item.published_at,
            id: item.id.clone(),
        }
    }
}

/// One page of a list; `next` is `None` on the last page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<ArticleSummary>,
    pub next: Option<Cursor>,
}

/// Which articles a list shows. Every list is newest first by `(published_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Tag(String),
    Bookmarked,
    Unread,
}

/// An article to read: the stored article, its comments and the related and linked articles
/// that are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleView {
    /// `body_html` is empty when [`ArticleView::has_body`] is false.
    pub article: Article,
    pub has_body: bool,
    pub evicted: bool,
    /// Oldest first.
    pub comments: Vec<Comment>,
    /// The editor's "read more" articles, in the editor's order, those stored only.
    pub related: Vec<ArticleSummary>,
    /// Articles the body links to, those stored only.
    pub links: Vec<ArticleSummary>,
    pub reader: ReaderState,
}

/// Counts for the app's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub unread: u64,
    pub bookmarked: u64,
}

pub(crate) const SUMMARY_SELECT: &str = "SELECT a.id, a.revision, a.title, a.summary, a.author,
    a.language, a.published_at, a.updated_at, a.tags, a.url, a.lead_image,
    a.body_html IS NOT NULL, a.evicted, r.read_at, r.bookmarked_at, r.position
    FROM articles a LEFT JOIN reader_state r ON r.article_id = a.id";

fn json_col<T: serde::de::DeserializeOwned>(row: &Row, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

fn opt_json_col<T: serde::de::DeserializeOwned>(
    row: &Row,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
    })
    .transpose()
}

/// An article URL, dropped unless it is `http` or `https`: the publisher refuses others, and a
/// hostile mirror's (a stolen key's) must not reach the app either.
fn url_col(row: &Row, idx: usize) -> rusqlite::Result<Option<String>> {
    Ok(row
        .get::<_, Option<String>>(idx)?
        .as_deref()
        .and_then(web_url))
}

pub(crate) fn summary_from_row(r: &Row) -> rusqlite::Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: r.get(0)?,
        revision: r.get::<_, i64>(1)? as u64,
        title: r.get(2)?,
        summary: r.get(3)?,
        author: r.get(4)?,
        language: r.get(5)?,
        published_at: r.get(6)?,
        updated_at: r.get(7)?,
        tags: json_col(r, 8)?,
        url: url_col(r, 9)?,
        lead_image: opt_json_col(r, 10)?,
        has_body: r.get(11)?,
        evicted: r.get(12)?,
        reader: ReaderState {
            read_at: r.get(13)?,
            bookmarked_at: r.get(14)?,
            position: r.get(15)?,
        },
    })
}

/// A page of `filter`, starting after `after` (or at the newest).
pub(crate) fn list(
    conn: &Connection,
    filter: &ListFilter,
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Page> {
    let cond = match filter {
        ListFilter::All => "1",
        ListFilter::Tag(_) => {
            "EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag = ?4)"
        }
        ListFilter::Bookmarked => "r.bookmarked_at IS NOT NULL",
        ListFilter::Unread => "r.read_at IS NULL",
    };
    // Two statements rather than `?1 IS NULL OR …`, so the cursor is an index range seek.
    let seek = if after.is_some() {
        "(a.published_at, a.id) < (?1, ?2)"
    } else {
        "?1 IS NULL AND ?2 IS NULL"
    };
    let sql = format!(
        "{SUMMARY_SELECT} WHERE {cond} AND {seek}
         ORDER BY a.published_at DESC, a.id DESC LIMIT ?3"
    );
    let tag = match filter {
        ListFilter::Tag(t) => Some(t.as_str()),
        _ => None,
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = limit.max(1);
    let (p, id) = after.map_or((None, None), |c| {
        (Some(c.published_at), Some(c.id.as_str()))
    });
    // One more than asked tells whether a next page exists.
    let mut items: Vec<ArticleSummary> = if tag.is_some() {
        stmt.query_map(params![p, id, (limit + 1) as i64, tag], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?
    } else {
        stmt.query_map(params![p, id, (limit + 1) as i64], summary_from_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(Cursor::after)
    } else {
        None
    };
    Ok(Page { items, next })
}

fn summaries(conn: &Connection, ids: &[String]) -> Result<Vec<ArticleSummary>> {
    let mut stmt = conn.prepare_cached(&format!("{SUMMARY_SELECT} WHERE a.id = ?1"))?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(s) = stmt.query_row([id], summary_from_row).optional()? {
            out.push(s);
        }
    }
    Ok(out)
}

pub(crate) fn comments(conn: &Connection, article_id: &str) -> Result<Vec<Comment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, article_id, author, body, posted_at FROM comments WHERE article_id = ?1
         ORDER BY posted_at, id",
    )?;
    let rows = stmt.query_map([article_id], |r| {
        Ok(Comment {
            id: r.get(0)?,
            article_id: r.get(1)?,
            author: r.get(2)?,
            body: r.get(3)?,
            posted_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The article `id` with its comments and stored related/linked articles. The body is
/// sanitised here, on the way out: the store keeps the HTML as the publisher signed it, and a
/// mirror may be hostile even when the signature holds (a stolen key) or the publisher's own
/// sanitiser may lag. One article costs tens of microseconds; a sync of thousands costs none.
pub(crate) fn article(conn: &Connection, id: &str) -> Result<Option<ArticleView>> {
    let row = conn
        .query_row(
            "SELECT a.id, a.revision, a.title, a.summary, a.body_html, a.author, a.language,
                a.published_at, a.updated_at, a.tags, a.url, a.lead_image, a.images, a.related,
                a.links, a.evicted, r.read_at, r.bookmarked_at, r.position
             FROM articles a LEFT JOIN reader_state r ON r.article_id = a.id WHERE a.id = ?1",
            [id],
            |r| {
                let body: Option<String> = r.get(4)?;
                Ok((
                    Article {
                        id: r.get(0)?,
                        revision: r.get::<_, i64>(1)? as u64,
                        title: r.get(2)?,
                        summary: r.get(3)?,
                        body_html: body.as_deref().map(sanitize_html).unwrap_or_default(),
                        author: r.get(5)?,
                        language: r.get(6)?,
                        published_at: r.get(7)?,
                        updated_at: r.get(8)?,
                        tags: json_col(r, 9)?,
                        url: url_col(r, 10)?,
                        lead_image: opt_json_col(r, 11)?,
                        images: json_col(r, 12)?,
                        related: json_col(r, 13)?,
                        links: json_col(r, 14)?,
                    },
                    body.is_some(),
                    r.get::<_, bool>(15)?,
                    ReaderState {
                        read_at: r.get(16)?,
                        bookmarked_at: r.get(17)?,
                        position: r.get(18)?,
                    },
                ))
            },
        )
        .optional()?;
    let Some((article, has_body, evicted, reader)) = row else {
        return Ok(None);
    };
    Ok(Some(ArticleView {
        comments: comments(conn, id)?,
        related: summaries(conn, &article.related)?,
        links: summaries(conn, &article.links)?,
        article,
        has_body,
        evicted,
        reader,
    }))
}

pub(crate) fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM articles WHERE id = ?1")?
        .exists([id])?)
}

pub(crate) fn counts(conn: &Connection) -> Result<Counts> {
    Ok(conn.query_row(
        "SELECT count(*),
            count(*) FILTER (WHERE r.read_at IS NULL),
            count(*) FILTER (WHERE r.bookmarked_at IS NOT NULL)
         FROM articles a LEFT JOIN reader_state r ON r.article_id = a.id",
        [],
        |r| {
            Ok(Counts {
                total: r.get::<_, i64>(0)? as u64,
                unread: r.get::<_, i64>(1)? as u64,
                bookmarked: r.get::<_, i64>(2)? as u64,
            })
        },
    )?)
}
