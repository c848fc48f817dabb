//! Writing sync data: log entries and snapshot steps, each in one transaction together with the
//! new sync position, so a crash never leaves data and position out of step.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::budget::Room;
use super::error::{Result, StoreError};
use super::position::read_position;
use super::search;
use crate::format::snapshot::{Body, Headline, PartItem};
use crate::format::{Article, Change, Comment, Entry, MediaRef};

/// What one apply call changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub articles_put: u64,
    pub articles_deleted: u64,
    pub comments_put: u64,
    pub comments_deleted: u64,
    pub media_refs: u64,
    /// Receipts that moved one of this reader's outbox items.
    pub receipts: u64,
    /// Puts older than (or as old as) the stored revision, and comments of articles not stored.
    pub skipped: u64,
    /// Articles whose body the storage budget dropped at the end of this write.
    pub evicted: u64,
}

/// Sums the stats of several writes (a sync's batches), every field.
impl std::ops::AddAssign for ApplyStats {
    fn add_assign(&mut self, s: ApplyStats) {
        let ApplyStats {
            articles_put,
            articles_deleted,
            comments_put,
            comments_deleted,
            media_refs,
            receipts,
            skipped,
            evicted,
        } = s;
        self.receipts += receipts;
        self.articles_put += articles_put;
        self.articles_deleted += articles_deleted;
        self.comments_put += comments_put;
        self.comments_deleted += comments_deleted;
        self.media_refs += media_refs;
        self.skipped += skipped;
        self.evicted += evicted;
    }
}

/// How an article put treats an equal revision.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revisions {
    /// Only a greater revision replaces the stored row (the log).
    Greater,
    /// An equal revision refills the row (snapshot articles after headlines, on-demand refetch).
    GreaterOrEqual,
}

/// Collects articles whose search row must be rebuilt at the end of the transaction.
#[derive(Default)]
pub(crate) struct Dirty(BTreeSet<String>);

impl Dirty {
    pub(crate) fn add(&mut self, id: &str) {
        self.0.insert(id.to_owned());
    }

    pub(crate) fn reindex(self, conn: &Connection) -> Result<()> {
        for id in self.0 {
            search::index_article(conn, &id)?;
        }
        Ok(())
    }
}

fn stored_revision(conn: &Connection, id: &str) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached("SELECT revision FROM articles WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|r| r as u64))
}

/// Whether article `id` is stored as a snapshot headline without its body (not evicted).
fn is_headline_only(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT body_html IS NULL AND NOT evicted FROM articles WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

fn json<T: serde::Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::invalid(what, e))
}

fn media_hashes(conn: &Connection, id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT hash FROM article_media WHERE article_id = ?1")?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Drops media rows (and their bytes) among `hashes` that no article refers to any more.
fn drop_unreferenced_media(conn: &Connection, hashes: &[String]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "DELETE FROM media WHERE hash = ?1
         AND NOT EXISTS (SELECT 1 FROM article_media WHERE hash = ?1)",
    )?;
    for h in hashes {
        stmt.execute([h])?;
    }
    Ok(())
}

/// Replaces article `id`'s tags and media references (`new`: the row was just created, so
/// there is nothing to replace).
fn set_tags_and_media(
    conn: &Connection,
    id: &str,
    new: bool,
    tags: &[String],
    media: &mut dyn Iterator<Item = (&MediaRef, bool)>,
) -> Result<()> {
    let old = if new {
        Vec::new()
    } else {
        conn.prepare_cached("DELETE FROM article_tags WHERE article_id = ?1")?
            .execute([id])?;
        let old = media_hashes(conn, id)?;
        conn.prepare_cached("DELETE FROM article_media WHERE article_id = ?1")?
            .execute([id])?;
        old
    };
    let mut tag = conn
        .prepare_cached("INSERT OR IGNORE INTO article_tags (article_id, tag) VALUES (?1, ?2)")?;
    for t in tags {
        tag.execute([id, t])?;
    }
    add_media_refs(conn, id, 0, media)?;
    drop_unreferenced_media(conn, &old)
}

/// Adds `media` (each with whether it is the lead image) to article `id` at positions from
/// `first` on, keeping references already there, and records the media as known.
fn add_media_refs<'a>(
    conn: &Connection,
    id: &str,
    first: usize,
    media: impl Iterator<Item = (&'a MediaRef, bool)>,
) -> Result<()> {
    let mut m = conn.prepare_cached(
        "INSERT OR IGNORE INTO article_media (article_id, position, hash, is_lead)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut known = conn.prepare_cached(
        "INSERT INTO media (hash, mime, size) VALUES (?1, ?2, ?3) ON CONFLICT (hash) DO NOTHING",
    )?;
    for (i, (r, lead)) in media.enumerate() {
        m.execute(params![id, (first + i) as i64, r.hash, lead])?;
        known.execute(params![r.hash, r.mime, r.size as i64])?;
    }
    Ok(())
}

/// Puts a whole article (with body). Returns whether it was applied.
pub(crate) fn put_article(
    conn: &Connection,
    a: &Article,
    rule: Revisions,
    snapshot: Option<u64>,
    dirty: &mut Dirty,
) -> Result<bool> {
    let stored = stored_revision(conn, &a.id)?;
    let fresh = match stored {
        None => true,
        Some(r) => match rule {
            // A row left with its headline only (a snapshot whose article never came) is
            // filled by the same revision from the log.
            Revisions::Greater => {
                a.revision > r || (a.revision == r && is_headline_only(conn, &a.id)?)
            }
            Revisions::GreaterOrEqual => a.revision >= r,
        },
    };
    if !fresh {
        mark_snapshot(conn, "articles", &a.id, snapshot)?;
        return Ok(false);
    }
    if stored == Some(a.revision) {
        let body = BodyFields {
            id: &a.id,
            body_html: &a.body_html,
            images: &a.images,
            related: &a.related,
            links: &a.links,
        };
        fill_body(conn, &body, snapshot, true)?;
        dirty.add(&a.id);
        return Ok(true);
    }
    write_row(conn, a, snapshot)?;
    let lead = a.lead_image.iter().map(|m| (m, true));
    let rest = a.images.iter().map(|m| (m, false));
    set_tags_and_media(
        conn,
        &a.id,
        stored.is_none(),
        &a.tags,
        &mut lead.chain(rest),
    )?;
    dirty.add(&a.id);
    Ok(true)
}

/// Writes an article's row, and only its row (no tags, media, comments or search index):
/// the statement every article put goes through, and the bench's SQLite floor.
pub(crate) fn write_row(conn: &Connection, a: &Article, snapshot: Option<u64>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO articles (id, revision, title, summary, body_html, body_size, evicted, author,
             language, published_at, updated_at, url, tags, lead_image, images, related, links,
             snapshot_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (id) DO UPDATE SET revision = ?2, title = ?3, summary = ?4, body_html = ?5,
             body_size = ?6, evicted = 0, author = ?7, language = ?8, published_at = ?9,
             updated_at = ?10, url = ?11, tags = ?12, lead_image = ?13, images = ?14,
             related = ?15, links = ?16, snapshot_seq = coalesce(?17, snapshot_seq)",
    )?
    .execute(params![
        a.id,
        a.revision as i64,
        a.title,
        a.summary,
        a.body_html,
        a.body_html.len() as i64,
        a.author,
        a.language,
        a.published_at,
        a.updated_at,
        a.url,
        json("tags", &a.tags)?,
        a.lead_image
            .as_ref()
            .map(|m| json("lead image", m))
            .transpose()?,
        json("images", &a.images)?,
        json("related", &a.related)?,
        json("links", &a.links)?,
        snapshot.map(|s| s as i64),
    ])?;
    Ok(())
}

/// What [`fill_body`] writes: an article's fields beyond its headline.
struct BodyFields<'a> {
    id: &'a str,
    body_html: &'a str,
    images: &'a [MediaRef],
    related: &'a [String],
    links: &'a [String],
}

/// Puts a snapshot body (format 2) into the row its headline made: only when the stored
/// revision is the body's (a newer stored revision keeps its own). A body cut (format 4) gets
/// its summary back from that row; [`StoreError::Snapshot`] if there is no such row (no
/// headline, or an older one's) or the cut does not fit its summary. Returns whether it was
/// applied.
fn put_body(
    conn: &Connection,
    b: &Body,
    seq: u64,
    room: &mut Room,
    dirty: &mut Dirty,
) -> Result<bool> {
    let stored: Option<(i64, String, i64)> = conn
        .prepare_cached("SELECT revision, summary, published_at FROM articles WHERE id = ?1")?
        .query_row([&b.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (summary, published_at) = match stored {
        Some((r, summary, published_at)) if r as u64 == b.revision => (summary, published_at),
        Some((r, ..)) if r as u64 > b.revision => return Ok(false),
        _ if b.is_cut() => {
            return Err(StoreError::Snapshot {
                reason: format!(
                    "the body of article {} revision {} is cut, and its headline is not stored",
                    b.id, b.revision
                ),
            });
        }
        _ => return Ok(false),
    };
    let html = b.spliced_html(&summary).map_err(|e| StoreError::Snapshot {
        reason: e.to_string(),
    })?;
    let body = BodyFields {
        id: &b.id,
        body_html: &html,
        images: &b.images,
        related: &b.related,
        links: &b.links,
    };
    let kept = room.keeps(conn, (published_at, &b.id), html.len() as u64)?;
    fill_body(conn, &body, Some(seq), kept)?;
    dirty.add(&b.id);
    Ok(true)
}

/// Refills the row of an article whose same revision is stored without its body (a snapshot
/// headline, or an evicted article): its title, tags and lead image are this revision's
/// already, so only the body, the other images and the links are written. Not `kept`: the
/// storage budget has no room for the body, and the article is stored evicted without it.
fn fill_body(conn: &Connection, a: &BodyFields, snapshot: Option<u64>, kept: bool) -> Result<()> {
    let has_lead: bool = conn
        .prepare_cached(
            "UPDATE articles SET body_html = ?2, body_size = ?3, evicted = ?8, images = ?4,
                 related = ?5, links = ?6, snapshot_seq = coalesce(?7, snapshot_seq)
             WHERE id = ?1 RETURNING lead_image IS NOT NULL",
        )?
        .query_row(
            params![
                a.id,
                kept.then_some(a.body_html),
                if kept { a.body_html.len() as i64 } else { 0 },
                json("images", &a.images)?,
                json("related", &a.related)?,
                json("links", &a.links)?,
                snapshot.map(|s| s as i64),
                !kept,
            ],
            |r| r.get(0),
        )?;
    let first = usize::from(has_lead);
    add_media_refs(conn, a.id, first, a.images.iter().map(|m| (m, false)))
}

/// Puts a snapshot headline: creates or refreshes the row without a body, unless the stored
/// row already has this revision (then only its snapshot mark changes).
fn put_headline(conn: &Connection, h: &Headline, seq: u64, dirty: &mut Dirty) -> Result<bool> {
    let stored = stored_revision(conn, &h.id)?;
    if stored.is_some_and(|r| r >= h.revision) {
        mark_snapshot(conn, "articles", &h.id, Some(seq))?;
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO articles (id, revision, title, summary, body_html, body_size, evicted, author,
             language, published_at, updated_at, url, tags, lead_image, snapshot_seq)
         VALUES (?1, ?2, ?3, ?4, NULL, 0, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET revision = ?2, title = ?3, summary = ?4, body_html = NULL,
             body_size = 0, evicted = 0, author = ?5, language = ?6, published_at = ?7,
             updated_at = ?8, url = ?9, tags = ?10, lead_image = ?11, images = '[]',
             related = '[]', links = '[]', snapshot_seq = ?12",
    )?
    .execute(params![
        h.id,
        h.revision as i64,
        h.title,
        h.summary,
        h.author,
        h.language,
        h.published_at,
        h.updated_at,
        h.url,
        json("tags", &h.tags)?,
        h.lead_image
            .as_ref()
            .map(|m| json("lead image", m))
            .transpose()?,
        seq as i64,
    ])?;
    let lead = h.lead_image.iter().map(|m| (m, true));
    set_tags_and_media(
        conn,
        &h.id,
        stored.is_none(),
        &h.tags,
        &mut lead.into_iter(),
    )?;
    dirty.add(&h.id);
    Ok(true)
}

fn mark_snapshot(conn: &Connection, table: &str, id: &str, snapshot: Option<u64>) -> Result<()> {
    if let Some(seq) = snapshot {
        conn.prepare_cached(&format!(
            "UPDATE {table} SET snapshot_seq = ?2 WHERE id = ?1"
        ))?
        .execute(params![id, seq as i64])?;
    }
    Ok(())
}

/// Deletes an article and everything hanging off it: comments, tags, media refs (and media no
/// other article uses), its search row and the reader's marks on it.
pub(crate) fn delete_article(conn: &Connection, id: &str, drop_reader_state: bool) -> Result<()> {
    let hashes = media_hashes(conn, id)?;
    search::unindex_article(conn, id)?;
    conn.prepare_cached("DELETE FROM articles WHERE id = ?1")?
        .execute([id])?;
    if drop_reader_state {
        conn.prepare_cached("DELETE FROM reader_state WHERE article_id = ?1")?
            .execute([id])?;
    }
    drop_unreferenced_media(conn, &hashes)
}

fn put_comment(
    conn: &Connection,
    c: &Comment,
    snapshot: Option<u64>,
    dirty: &mut Dirty,
) -> Result<bool> {
    // Whether the article is stored, from the index on `id` alone: its row is not read.
    if !super::articles::exists(conn, &c.article_id)? {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO comments (id, article_id, author, body, posted_at, snapshot_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET article_id = ?2, author = ?3, body = ?4, posted_at = ?5,
             snapshot_seq = coalesce(?6, snapshot_seq)",
    )?
    .execute(params![
        c.id,
        c.article_id,
        c.author,
        c.body,
        c.posted_at,
        snapshot.map(|s| s as i64)
    ])?;
    super::outbox::published_as(conn, &c.id, super::now())?;
    dirty.add(&c.article_id);
    Ok(true)
}

/// See [`super::Store::apply_entries`]: the entries, then the storage `budget`, then the search
/// rows of what either changed.
pub(crate) fn apply_entries(
    conn: &Connection,
    entries: &[Entry],
    new_seq: u64,
    new_tip: &str,
    budget: u64,
) -> Result<ApplyStats> {
    let pos = read_position(conn)?;
    let expected = pos.log_seq + 1;
    for (i, e) in entries.iter().enumerate() {
        if e.seq != expected + i as u64 {
            return Err(StoreError::OutOfOrder {
                expected: expected + i as u64,
                found: e.seq,
            });
        }
    }
    let last = entries.last().map_or(pos.log_seq, |e| e.seq);
    if new_seq != last {
        return Err(StoreError::OutOfOrder {
            expected: last,
            found: new_seq,
        });
    }
    let mut stats = ApplyStats::default();
    let mut dirty = Dirty::default();
    for e in entries {
        match &e.change {
            Change::PutArticle { article } => {
                if put_article(conn, article, Revisions::Greater, None, &mut dirty)? {
                    stats.articles_put += 1;
                } else {
                    stats.skipped += 1;
                }
            }
            Change::DeleteArticle { id, revision } => match stored_revision(conn, id)? {
                Some(r) if r <= *revision => {
                    delete_article(conn, id, true)?;
                    stats.articles_deleted += 1;
                }
                _ => stats.skipped += 1,
            },
            Change::PutComment { comment } => {
                if put_comment(conn, comment, None, &mut dirty)? {
                    stats.comments_put += 1;
                } else {
                    stats.skipped += 1;
                }
            }
            Change::DeleteComment { id, article_id } => {
                let n = conn.execute(
                    "DELETE FROM comments WHERE id = ?1 AND article_id = ?2",
                    [id, article_id],
                )?;
                stats.comments_deleted += n as u64;
                dirty.add(article_id);
            }
            Change::PutMedia { media } => {
                conn.prepare_cached(
                    "INSERT INTO media (hash, mime, size) VALUES (?1, ?2, ?3)
                     ON CONFLICT (hash) DO NOTHING",
                )?
                .execute(params![media.hash, media.mime, media.size as i64])?;
                stats.media_refs += 1;
            }
            Change::Receipt { receipt } => {
                stats.receipts +=
                    u64::from(super::outbox::apply_receipt(conn, receipt, super::now())?);
            }
        }
    }
    stats.evicted = super::budget::enforce_into(conn, budget, &mut dirty)?.articles;
    dirty.reindex(conn)?;
    conn.execute(
        "UPDATE sync_position SET log_seq = ?1, log_tip = ?2, snapshot_seq = NULL, snapshot_id = NULL,
             snapshot_parts_applied = 0",
        params![new_seq as i64, new_tip],
    )?;
    Ok(stats)
}

/// See [`super::Store::apply_snapshot_items`].
pub(crate) fn apply_snapshot_items<P: Borrow<PartItem>, E: From<StoreError>>(
    conn: &Connection,
    (seq, id): (u64, &str),
    part_index: u32,
    items: impl IntoIterator<Item = std::result::Result<P, E>>,
    budget: u64,
) -> std::result::Result<ApplyStats, E> {
    let pos = read_position(conn)?;
    let applied = match pos.snapshot {
        Some(s) if s.seq == seq && s.id == id => s.parts_applied,
        _ if part_index == 0 => 0,
        Some(s) => {
            return Err(StoreError::Snapshot {
                reason: format!(
                    "part {part_index} of snapshot {seq} ({id}), but snapshot {} ({}) is in progress",
                    s.seq, s.id
                ),
            }
            .into());
        }
        None => {
            return Err(StoreError::Snapshot {
                reason: format!("part {part_index} of snapshot {seq} before its part 0"),
            }
            .into());
        }
    };
    if part_index > applied {
        return Err(StoreError::Snapshot {
            reason: format!("part {part_index} of snapshot {seq}, but {applied} parts applied"),
        }
        .into());
    }
    let mut stats = ApplyStats::default();
    // The search index is rebuilt once, by `finish_snapshot`: indexing each article as its
    // headline, body and comments arrive would index it three times.
    let mut dirty = Dirty::default();
    let mut room = Room::new(conn, budget)?;
    for item in items {
        let item = item?;
        let done = match item.borrow() {
            PartItem::Headline(h) => {
                put_headline(conn, h, seq, &mut dirty)?;
                continue;
            }
            PartItem::Article(a) => {
                room.add(a.body_html.len() as u64);
                put_article(conn, a, Revisions::GreaterOrEqual, Some(seq), &mut dirty)?
            }
            PartItem::Body(b) => put_body(conn, b, seq, &mut room, &mut dirty)?,
            PartItem::Comment(c) => {
                let done = put_comment(conn, c, Some(seq), &mut dirty)?;
                if done {
                    stats.comments_put += 1;
                }
                if !done {
                    stats.skipped += 1;
                }
                continue;
            }
        };
        if done {
            stats.articles_put += 1;
        } else {
            stats.skipped += 1;
        }
    }
    stats.evicted = room.evicted;
    if !room.within_budget() {
        // No search row is written for what this evicts: `finish_snapshot` has the whole
        // index rebuilt.
        stats.evicted += super::budget::enforce_into(conn, budget, &mut Dirty::default())?.articles;
    }
    conn.execute(
        "UPDATE sync_position SET snapshot_seq = ?1, snapshot_parts_applied = ?2,
             snapshot_id = ?3",
        params![seq as i64, applied.max(part_index + 1), id],
    )
    .map_err(StoreError::from)?;
    Ok(stats)
}

/// See [`super::Store::finish_snapshot`].
pub(crate) fn finish_snapshot(conn: &Connection, seq: u64, tip: &str) -> Result<ApplyStats> {
    let pos = read_position(conn)?;
    if pos.snapshot.as_ref().map(|s| s.seq) != Some(seq) {
        return Err(StoreError::Snapshot {
            reason: format!("finish of snapshot {seq}, which is not in progress"),
        });
    }
    let mut stats = ApplyStats::default();
    let gone: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT id FROM articles WHERE snapshot_seq IS NULL OR snapshot_seq != ?1")?;
        stmt.query_map([seq as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for id in &gone {
        // A snapshot replaces sync data only: the reader's marks stay.
        delete_article(conn, id, false)?;
        stats.articles_deleted += 1;
    }
    stats.comments_deleted += conn.execute(
        "DELETE FROM comments WHERE snapshot_seq IS NULL OR snapshot_seq != ?1",
        [seq as i64],
    )? as u64;
    search::schedule_rebuild(conn)?;
    conn.execute(
        "DELETE FROM media WHERE NOT EXISTS (SELECT 1 FROM article_media m WHERE m.hash = media.hash)",
        [],
    )?;
    conn.execute(
        "UPDATE sync_position SET log_seq = ?1, log_tip = ?2, snapshot_seq = NULL, snapshot_id = NULL,
             snapshot_parts_applied = 0",
        params![seq as i64, tip],
    )?;
    Ok(stats)
}
