//! The floors: what the work would cost with nothing but the essential step.
//!
//! - First sync: the same article rows written into a store (made by [`Store::open`]) with the
//!   store's own row statement in one transaction, from memory
//!   ([`Store::write_article_rows`]). No download, no verification, no search index, no
//!   comments.
//! - Incremental sync: the gzip size of the new articles and their comments, as JSON lines of
//!   the wire model, compressed together.

use std::path::Path;
use std::time::{Duration, Instant};

use article_sync_core::format::codec::gzip;
use article_sync_core::format::{Article, Change, Entry};
use article_sync_core::publish::source::SourceArticle;
use article_sync_core::store::{Store, StoreConfig};

use super::BenchError;

/// Writes the rows of `articles` into a fresh store database at `db` with the store's own
/// statement ([`Store::write_article_rows`]); returns the time of the write (one transaction).
pub fn sqlite_insert(db: &Path, articles: &[SourceArticle]) -> Result<Duration, BenchError> {
    let store = Store::open(db, StoreConfig::default()).map_err(|e| BenchError::io(db, e))?;
    let rows: Vec<Article> = articles.iter().map(wire_article).collect();
    let started = Instant::now();
    store
        .write_article_rows(&rows)
        .map_err(|e| BenchError::io(db, e))?;
    Ok(started.elapsed())
}

/// A generated article as the wire model carries it (revision 1, no media).
fn wire_article(a: &SourceArticle) -> Article {
    Article {
        id: a.id.clone(),
        revision: 1,
        title: a.title.clone(),
        summary: a.summary.clone(),
        body_html: a.body_html.clone(),
        author: a.author.clone(),
        language: a.language.clone(),
        published_at: a.published_at,
        updated_at: a.updated_at,
        tags: a.tags.clone(),
        url: a.url.clone(),
        lead_image: None,
        images: vec![],
        related: a.related.clone(),
        links: vec![],
    }
}

/// The gzip size of `articles` with their comments, as JSON lines of the wire model.
/// The wire model of generated articles, as log changes: each article, then its comments.
pub fn changes(articles: &[SourceArticle]) -> Vec<Change> {
    let mut out = Vec::with_capacity(articles.len() * 2);
    for a in articles {
        out.push(Change::PutArticle {
            article: wire_article(a),
        });
        for c in &a.comments {
            out.push(Change::PutComment {
                comment: c.to_comment(&a.id),
            });
        }
    }
    out
}

/// Gzip of the articles and their comments as JSON lines of the wire model.
pub fn compressed_size(articles: &[SourceArticle]) -> u64 {
    let mut lines = Vec::new();
    for change in changes(articles) {
        match change {
            Change::PutArticle { article } => push_line(&mut lines, &article),
            Change::PutComment { comment } => push_line(&mut lines, &comment),
            _ => {}
        }
    }
    gzip(&lines).len() as u64
}

/// The store's own insert of the articles and comments (one `apply_entries` call: one
/// transaction, search index and budget included), into a new store at `db`.
pub fn store_insert(db: &Path, articles: &[SourceArticle]) -> Result<Duration, BenchError> {
    let store = Store::open(db, StoreConfig::default()).map_err(|e| BenchError::io(db, e))?;
    let entries: Vec<Entry> = changes(articles)
        .into_iter()
        .zip(1..)
        .map(|(change, seq)| Entry { seq, change })
        .collect();
    let last = entries.len() as u64;
    let started = Instant::now();
    store
        .apply_entries(&entries, last, &"0".repeat(64))
        .map_err(|e| BenchError::io(db, e))?;
    Ok(started.elapsed())
}

fn push_line<T: serde::Serialize>(out: &mut Vec<u8>, value: &T) {
    if serde_json::to_writer(&mut *out, value).is_ok() {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    #[test]
    fn the_floor_insert_writes_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("floor.db");
        let articles = Corpus::new(3).articles(0..25);
        sqlite_insert(&db, &articles).unwrap();
        let conn = rusqlite::Connection::open(&db).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 25);
    }

    #[test]
    fn the_store_insert_stores_every_article_and_comment() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.db");
        let articles = Corpus::new(3).articles(0..25);
        store_insert(&db, &articles).unwrap();
        let store = Store::open(&db, StoreConfig::default()).unwrap();
        assert_eq!(store.counts().unwrap().total, 25);
        let comments: usize = articles.iter().map(|a| a.comments.len()).sum();
        let stored: usize = articles
            .iter()
            .map(|a| store.article(&a.id).unwrap().unwrap().comments.len())
            .sum();
        assert_eq!(stored, comments);
    }

    #[test]
    fn compressed_size_grows_with_articles_and_is_below_raw() {
        let articles = Corpus::new(3).articles(0..10);
        let ten = compressed_size(&articles);
        let one = compressed_size(&articles[..1]);
        let raw: usize = articles.iter().map(|a| a.body_html.len()).sum();
        assert!(one < ten, "{one} < {ten}");
        assert!((ten as usize) < raw, "{ten} < {raw}");
    }
}
