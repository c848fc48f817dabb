//! The storage budget for article bodies, media and the reader's copy of the tree (see
//! [`super::copy`]). Over budget, content goes in this order: media no article refers to (least
//! recently used first), then the copy's log files and snapshot parts (largest first; the
//! reader's own reading comes before what it passes on), then articles that are not
//! bookmarked: read ones before unread ones, oldest published first. An evicted article keeps
//! its headline row (marked `evicted`, so sync can fetch it again); its body and the media no
//! other kept article uses are dropped. Bookmarked articles are never evicted.

use rusqlite::{Connection, params};

use super::apply::Dirty;
use super::copy;
use super::error::Result;

/// Bytes the budget counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageUsage {
    /// Sum of stored article bodies (UTF-8 bytes of the HTML).
    pub bodies: u64,
    /// Sum of stored media files.
    pub media: u64,
    /// Sum of the signed files kept to pass on (see [`super::copy`]).
    pub copy: u64,
    pub budget: u64,
    pub evicted_articles: u64,
}

impl StorageUsage {
    pub fn total(&self) -> u64 {
        self.bodies + self.media + self.copy
    }
}

/// What one [`enforce`] call dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Eviction {
    pub articles: u64,
    pub media: u64,
    /// Files of the reader's copy of the tree.
    pub copy_files: u64,
    pub bytes: u64,
}

/// Usage from small partial indexes (migrations 0005, 0011), never the bodies and images.
pub(crate) const USAGE: &str = "SELECT
    (SELECT coalesce(sum(body_size), 0) FROM articles WHERE body_size > 0),
    (SELECT coalesce(sum(stored_size), 0) FROM media WHERE stored_size > 0),
    (SELECT count(*) FROM articles WHERE evicted = 1),
    (SELECT coalesce(sum(size), 0) FROM tree_files WHERE size > 0)";

pub(crate) fn usage(conn: &Connection, budget: u64) -> Result<StorageUsage> {
    Ok(conn.query_row(USAGE, [], |r| {
        Ok(StorageUsage {
            bodies: r.get::<_, i64>(0)? as u64,
            media: r.get::<_, i64>(1)? as u64,
            copy: r.get::<_, i64>(3)? as u64,
            budget,
            evicted_articles: r.get::<_, i64>(2)? as u64,
        })
    })?)
}

fn drop_media(conn: &Connection, hash: &str, ev: &mut Eviction) -> Result<u64> {
    let size: i64 = conn.query_row(
        "UPDATE media SET bytes = NULL, stored_size = 0 WHERE hash = ?1 AND bytes IS NOT NULL
         RETURNING size",
        [hash],
        |r| r.get(0),
    )?;
    ev.media += 1;
    Ok(size as u64)
}

/// Evicts until the store fits `budget`; the evicted articles' search rows are rewritten.
pub(crate) fn enforce(conn: &Connection, budget: u64) -> Result<Eviction> {
    let mut dirty = Dirty::default();
    let ev = enforce_into(conn, budget, &mut dirty)?;
    dirty.reindex(conn)?;
    Ok(ev)
}

/// As [`enforce`], but the evicted articles join `dirty` instead, for a write that rewrites its
/// search rows at its end: an article it put and evicted is indexed once, without its body.
pub(crate) fn enforce_into(conn: &Connection, budget: u64, dirty: &mut Dirty) -> Result<Eviction> {
    let ev = evict(conn, budget, dirty)?;
    if ev != Eviction::default() {
        tracing::info!(
            articles = ev.articles,
            media = ev.media,
            bytes = ev.bytes,
            budget,
            "storage budget evicted"
        );
    }
    Ok(ev)
}

fn evict(conn: &Connection, budget: u64, dirty: &mut Dirty) -> Result<Eviction> {
    let mut ev = Eviction::default();
    let mut total = usage(conn, budget)?.total();
    if total <= budget {
        return Ok(ev);
    }
    let orphans: Vec<String> = conn
        .prepare(
            "SELECT hash FROM media WHERE bytes IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM article_media m WHERE m.hash = media.hash)
             ORDER BY last_used_at, hash",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for hash in orphans {
        if total <= budget {
            return Ok(ev);
        }
        let freed = drop_media(conn, &hash, &mut ev)?;
        total -= freed.min(total);
        ev.bytes += freed;
    }
    while total > budget {
        let Some(freed) = copy::drop_one(conn)? else {
            break;
        };
        total -= freed.min(total);
        ev.copy_files += 1;
        ev.bytes += freed;
    }
    if total <= budget {
        return Ok(ev);
    }
    let mut shared = conn.prepare(
        "SELECT m.hash FROM article_media m JOIN media x ON x.hash = m.hash
         WHERE m.article_id = ?1 AND x.bytes IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM article_media o JOIN articles b ON b.id = o.article_id
                           WHERE o.hash = m.hash AND b.evicted = 0)",
    )?;
    // Read articles, then unread ones, each oldest first, a batch at a time: a store far over
    // budget is never listed whole for the few articles one write needs evicted.
    let mut candidates = Candidates::new(conn)?;
    for unread in [false, true] {
        let mut after = (i64::MIN, String::new());
        while total > budget {
            let batch = candidates.after(unread, &after)?;
            let Some(last) = batch.last() else { break };
            after = last.clone();
            for (_, id) in batch {
                if total <= budget {
                    break;
                }
                let freed = evict_article(conn, &id, &mut shared, &mut ev)?;
                dirty.add(&id);
                total -= freed.min(total);
            }
        }
    }
    Ok(ev)
}

/// What a snapshot part's bodies may still fill of the budget. A first sync brings the bodies
/// newest first; far over budget, [`enforce`] at the end of the part would evict the oldest of
/// them again at once, after writing them (and zeroing them under `secure_delete`). A body it
/// would surely evict is not written: its article is stored evicted, as the budget would leave
/// it. That is an unread, unbookmarked body older than every unread article holding content
/// that does not fit even once all that eviction takes before unread articles is gone (media,
/// the copy, read articles: counted whole, so a body is never dropped that [`enforce`] would
/// keep). Made per part, as usage changes between parts; a part that passed the budget ends
/// with [`enforce`].
pub(crate) struct Room {
    budget: u64,
    /// Usage at the part's start and every body written since: never below the usage.
    total: u64,
    /// Media and the copy at the part's start.
    before_articles: u64,
    /// Looked up once the part's bodies pass the budget (usage only grows within a part).
    over: Option<Over>,
    /// Bodies not written.
    pub(crate) evicted: u64,
}

/// What eviction would do first, once over budget.
struct Over {
    /// What it may free before it reaches unread articles (an upper bound).
    first_to_go: u64,
    /// The oldest unread candidate stored (published_at, id), if any; no body written from
    /// then on is older.
    oldest_unread: Option<(i64, String)>,
}

impl Room {
    pub(crate) fn new(conn: &Connection, budget: u64) -> Result<Room> {
        let usage = usage(conn, budget)?;
        Ok(Room {
            budget,
            total: usage.total(),
            before_articles: usage.media + usage.copy,
            over: None,
            evicted: 0,
        })
    }

    /// Counts a body written whatever the budget (an article put whole).
    pub(crate) fn add(&mut self, size: u64) {
        self.total += size;
    }

    /// Whether the body (`size` bytes) of stored article `id` published at `published_at` is
    /// to be written.
    pub(crate) fn keeps(
        &mut self,
        conn: &Connection,
        (published_at, id): (i64, &str),
        size: u64,
    ) -> Result<bool> {
        let total = self.total + size;
        if total > self.budget {
            let over = match &mut self.over {
                Some(over) => over,
                none => none.insert(Over::look_up(conn, self.before_articles)?),
            };
            let marks = super::reader_state::get(conn, id)?;
            let (read, bookmarked) = (marks.read_at.is_some(), marks.bookmarked_at.is_some());
            if !read
                && !bookmarked
                && total > self.budget.saturating_add(over.first_to_go)
                && (over.oldest_unread.as_ref())
                    .is_none_or(|(t, oldest)| (published_at, id) < (*t, oldest.as_str()))
            {
                self.evicted += 1;
                return Ok(false);
            }
            if read && !bookmarked {
                over.first_to_go += size;
            }
        }
        self.total = total;
        Ok(true)
    }

    /// Whether the store is surely within the budget (nothing to evict).
    pub(crate) fn within_budget(&self) -> bool {
        self.total <= self.budget
    }
}

/// The bodies of read, unbookmarked articles, summed from the reader's marks (`CROSS JOIN`
/// keeps that loop order), never from every stored body.
pub(crate) const READ_BODIES: &str = "SELECT coalesce(sum(a.body_size), 0) FROM reader_state r
    CROSS JOIN articles a ON a.id = r.article_id
    WHERE r.read_at IS NOT NULL AND r.bookmarked_at IS NULL AND a.body_size > 0";

impl Over {
    fn look_up(conn: &Connection, before_articles: u64) -> Result<Over> {
        let read_bodies: i64 = conn.query_row(READ_BODIES, [], |r| r.get(0))?;
        let oldest_unread = Candidates::new(conn)?
            .after(true, &(i64::MIN, String::new()))?
            .into_iter()
            .next();
        Ok(Over {
            first_to_go: before_articles + read_bodies as u64,
            oldest_unread,
        })
    }
}

/// The articles eviction may drop, in its order: not bookmarked, read or unread as asked, oldest
/// published first, holding a body or stored media. Two ordered queries merged: the bodies
/// through their own partial index (migration 0013), so the headlines without a body that a
/// first sync holds by the thousand are never walked; and the rarer articles whose only stored
/// content is media, found from the stored media (`CROSS JOIN` keeps that loop order).
struct Candidates<'c> {
    bodies: rusqlite::Statement<'c>,
    media_only: rusqlite::Statement<'c>,
}

/// Candidates listed per query.
const CANDIDATE_BATCH: usize = 64;

/// Candidates holding a body (`?1` unread, after `(?2, ?3)`, at most `?4`).
pub(crate) const CANDIDATE_BODIES: &str = "SELECT a.published_at, a.id FROM articles a
    LEFT JOIN reader_state r ON r.article_id = a.id
    WHERE a.body_size > 0 AND r.bookmarked_at IS NULL AND (r.read_at IS NULL) = ?1
      AND (a.published_at, a.id) > (?2, ?3)
    ORDER BY a.published_at, a.id LIMIT ?4";

/// Candidates holding no body but stored media, with [`CANDIDATE_BODIES`]'s parameters.
pub(crate) const CANDIDATE_MEDIA: &str = "SELECT DISTINCT a.published_at, a.id FROM media x
    CROSS JOIN article_media m ON m.hash = x.hash
    CROSS JOIN articles a ON a.id = m.article_id
    LEFT JOIN reader_state r ON r.article_id = a.id
    WHERE x.stored_size > 0 AND a.body_size = 0
      AND r.bookmarked_at IS NULL AND (r.read_at IS NULL) = ?1
      AND (a.published_at, a.id) > (?2, ?3)
    ORDER BY a.published_at, a.id LIMIT ?4";

impl<'c> Candidates<'c> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Candidates {
            bodies: conn.prepare(CANDIDATE_BODIES)?,
            media_only: conn.prepare(CANDIDATE_MEDIA)?,
        })
    }

    /// The next [`CANDIDATE_BATCH`] candidates after `after` (published_at, id).
    fn after(&mut self, unread: bool, after: &(i64, String)) -> Result<Vec<(i64, String)>> {
        let args = params![unread, after.0, after.1, CANDIDATE_BATCH as i64];
        let row = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?));
        let mut batch: Vec<(i64, String)> = self
            .bodies
            .query_map(args, row)?
            .chain(self.media_only.query_map(args, row)?)
            .collect::<rusqlite::Result<_>>()?;
        batch.sort_unstable();
        batch.truncate(CANDIDATE_BATCH);
        Ok(batch)
    }
}

/// Drops article `id`'s body and the media `shared` finds no other kept article using; its
/// search row is to be rewritten (title, summary and comments). Returns the bytes freed.
fn evict_article(
    conn: &Connection,
    id: &str,
    shared: &mut rusqlite::Statement,
    ev: &mut Eviction,
) -> Result<u64> {
    let body: i64 = conn.query_row(
        "SELECT CASE WHEN body_html IS NULL THEN 0 ELSE body_size END FROM articles
         WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    conn.execute(
        "UPDATE articles SET body_html = NULL, body_size = 0, evicted = 1 WHERE id = ?1",
        [id],
    )?;
    let hashes: Vec<String> = shared
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut freed = body as u64;
    for h in hashes {
        freed += drop_media(conn, &h, ev)?;
    }
    ev.articles += 1;
    ev.bytes += freed;
    Ok(freed)
}
