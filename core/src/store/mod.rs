//! The local store: SQLite that the app reads offline, instantly.
//!
//! One writer connection behind a mutex and a small pool of read-only readers on a WAL database
//! (`foreign_keys` on, busy timeout, `synchronous = NORMAL`). Every write goes through one
//! IMMEDIATE transaction ([`db`]), so the OS killing the app mid-write loses nothing committed and
//! leaves nothing half-written; reads never wait for a running sync.
//!
//! The API is blocking (rusqlite is synchronous): call it from `spawn_blocking` in async code.
//! `Store` is `Send + Sync`; share it as `Arc<Store>`.
//!
//! Layout: [`schema`] + `migrations/*.sql` (versions), [`apply`] (log entries and snapshots),
//! [`articles`] (lists and article views), [`search`] + [`normalize`] (offline search),
//! [`media`], [`budget`], [`copy`] (the signed files kept to pass on), [`routes`], [`outbox`], [`reader_state`], [`position`].
//!
//! Sync data (articles, comments, media) and reader state (read, bookmarked, position) live in
//! separate tables with no foreign key between them: re-syncs and snapshots never drop a mark.
//! Only a log tombstone (the publisher deleted the article) drops its marks, bookmark included.

pub mod apply;
pub mod articles;
pub mod budget;
mod copy;
mod db;
pub mod error;
pub mod media;
pub mod normalize;
pub mod outbox;
pub mod position;
pub mod query;
mod rank;
pub mod reader_state;
pub mod routes;
pub mod schema;
pub mod search;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Transaction;
use tokio::sync::watch;

pub use apply::ApplyStats;
pub use articles::{ArticleSummary, ArticleView, Counts, Cursor, ListFilter, Page};
pub use budget::{Eviction, StorageUsage};
pub use error::{Result, StoreError};
pub use outbox::{CarriedOutcome, OutboxItem, OutboxState};
pub use position::{SnapshotProgress, StoredRoot, SyncPosition};
pub use reader_state::ReaderState;
pub use routes::LastConnection;
pub use search::{RebuildStep, SearchHit, SearchOptions};

use crate::format::snapshot::PartItem;
use crate::format::{Article, Entry, MediaRef};
use crate::net::RouteHealth;
use db::Db;

/// How a store is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Cap in bytes for article bodies plus media; see [`budget`]. Default 256 MiB.
    pub budget_bytes: u64,
    /// Read-only connections in the pool (at least 1). Default 2.
    pub readers: usize,
    /// Check at open, in a time that does not grow with the articles stored: a truncated file,
    /// and `PRAGMA quick_check` of the reader's marks, outbox, sync position and routes.
    /// [`Store::integrity_check`] checks the whole file. Default true.
    pub check_on_open: bool,
    /// How long a statement waits for a lock held by another process before
    /// [`StoreError::Busy`]. Default 5 s.
    pub busy_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            budget_bytes: 256 * 1024 * 1024,
            readers: 2,
            check_on_open: true,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The local store. See the [module docs](self).
pub struct Store {
    db: Db,
    config: StoreConfig,
    /// Media read since the last write: `last_used_at` updates wait for the next write so that
    /// showing an image never waits for the writer.
    touched: Mutex<HashMap<String, i64>>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Store {
    /// Opens (or creates) the store at `path` and upgrades its schema.
    ///
    /// Errors: [`StoreError::Corrupt`] if the file is not a database or fails its check (the app
    /// may [`wipe`](Store::wipe) and rebuild), [`StoreError::SchemaTooNew`] if a newer app wrote
    /// it (left untouched), [`StoreError::Io`]/[`StoreError::Busy`] otherwise.
    pub fn open(path: &Path, config: StoreConfig) -> Result<Store> {
        let db = Db::open(
            path,
            config.readers,
            config.check_on_open,
            config.busy_timeout,
        )?;
        Ok(Store {
            db,
            config,
            touched: Mutex::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Runs `f` on tokio's blocking threads: async code calls the store through this, so it
    /// never holds a runtime thread while SQLite reads, writes or waits for the writer.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or_else(|e| {
                Err(StoreError::Invalid {
                    what: "store task".into(),
                    detail: e.to_string(),
                })
            })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.db.path
    }

    /// A counter bumped after every committed write. The FFI turns it into listener calls.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.db.changes()
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        self.write_with(f)
    }

    /// [`Store::write`] with the caller's error type (see [`db::Db::write`]).
    fn write_with<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Transaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let touched = std::mem::take(&mut *self.touched.lock().unwrap_or_else(|e| e.into_inner()));
        self.db.write(|tx| {
            for (hash, at) in &touched {
                media::touch(tx, hash, *at)?;
            }
            f(tx)
        })
    }

    // ---- sync position -------------------------------------------------------------------

    pub fn sync_position(&self) -> Result<SyncPosition> {
        self.db.read(position::read_position)
    }

    /// Stores the trusted root. Refuses ([`StoreError::Rollback`]) a lower version.
    pub fn set_root(&self, root: &StoredRoot) -> Result<()> {
        self.write(|tx| position::set_root(tx, root))
    }

    /// Stores the last accepted head. Refuses ([`StoreError::Rollback`]) a lower version.
    pub fn set_head(&self, version: u64, issued_at: i64, expires_at: i64) -> Result<()> {
        self.write(|tx| position::set_head(tx, version, issued_at, expires_at))
    }

    /// Stores the last accepted head like [`Store::set_head`], with its signed bytes, and keeps
    /// of the copy's content-addressed files only those in `named` (the files it names); see
    /// [`copy`].
    pub fn accept_head(
        &self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        bytes: &[u8],
        named: &[String],
    ) -> Result<()> {
        self.write(|tx| {
            position::set_head(tx, version, issued_at, expires_at)?;
            copy::keep_head(tx, bytes, named)
        })
    }

    // ---- the copy of the tree ----------------------------------------------------------------

    /// Keeps a verified file of the tree as fetched (a root, log file, snapshot part, part list
    /// or mirror list), then keeps the budget; see [`copy`]. A content-addressed file that does
    /// not hash to its name is refused ([`StoreError::Invalid`]).
    pub fn keep_tree_file(&self, path: &str, bytes: &[u8]) -> Result<()> {
        self.write(|tx| {
            copy::keep(tx, path, bytes)?;
            budget::enforce(tx, self.config.budget_bytes)?;
            Ok(())
        })
    }

    /// The held bytes of a file of the copy.
    pub fn tree_file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        self.db.read(|c| copy::get(c, path))
    }

    /// Every path of the copy with whether it is held: roots first, `head` last.
    pub fn tree_paths(&self) -> Result<Vec<(String, bool)>> {
        self.db.read(copy::paths)
    }

    /// The media whose bytes are stored, as (hash, media type).
    pub fn stored_media(&self) -> Result<Vec<(String, String)>> {
        self.db.read(media::stored)
    }

    // ---- sync data -----------------------------------------------------------------------

    /// Applies verified log entries and moves the log position to `new_seq`/`new_tip`, all in
    /// one transaction. `entries` must be `stored seq + 1 ..= new_seq` without gaps, otherwise
    /// [`StoreError::OutOfOrder`] and nothing is applied.
    ///
    /// Per change: an article is put only if its revision is greater than the stored one; a
    /// tombstone deletes the article with its comments, search row, reader marks and the media
    /// no other article uses; comments of articles not stored are skipped. Applying entries
    /// abandons a snapshot in progress. The storage budget is kept in the same transaction
    /// (see [`budget`]).
    pub fn apply_entries(
        &self,
        entries: &[Entry],
        new_seq: u64,
        new_tip: &str,
    ) -> Result<ApplyStats> {
        self.write(|tx| {
            apply::apply_entries(tx, entries, new_seq, new_tip, self.config.budget_bytes)
        })
    }

    /// Writes the rows of `articles` alone, in one transaction, with the statement every
    /// article put uses: no tags, media, comments, search index or budget. The cheapest way the
    /// store can hold them, the floor the benchmark measures a first sync against.
    pub fn write_article_rows(&self, articles: &[Article]) -> Result<()> {
        self.write(|tx| {
            for a in articles {
                apply::write_row(tx, a, None)?;
            }
            Ok(())
        })
    }

    /// Applies part `part_index` of the snapshot `snapshot_id` at log position `snapshot_seq`,
    /// in one transaction that also records the progress (see [`SyncPosition::snapshot`]).
    ///
    /// Part 0 starts (or restarts) a snapshot; a later part must continue the snapshot in
    /// progress (same position and identity) without skipping one ([`StoreError::Snapshot`]);
    /// re-applying a part is harmless. Headlines create or refresh
    /// rows without bodies so the list shows early; articles fill bodies (an equal revision
    /// refills); comments of articles not stored are skipped. Keeps the budget, like
    /// [`Store::apply_entries`].
    pub fn apply_snapshot_items(
        &self,
        snapshot_seq: u64,
        snapshot_id: &str,
        part_index: u32,
        items: &[PartItem],
    ) -> Result<ApplyStats> {
        self.apply_snapshot_part(
            snapshot_seq,
            snapshot_id,
            part_index,
            items.iter().map(Ok::<_, StoreError>),
        )
    }

    /// [`Store::apply_snapshot_items`] from items as they are parsed, so that a part is never
    /// held whole in memory: the first `Err` the iterator yields rolls the part back (nothing
    /// of it is stored, the progress stays) and is returned.
    pub fn apply_snapshot_part<P: Borrow<PartItem>, E: From<StoreError>>(
        &self,
        snapshot_seq: u64,
        snapshot_id: &str,
        part_index: u32,
        items: impl IntoIterator<Item = std::result::Result<P, E>>,
    ) -> std::result::Result<ApplyStats, E> {
        let budget = self.config.budget_bytes;
        self.write_with(|tx| {
            let of = (snapshot_seq, snapshot_id);
            apply::apply_snapshot_items(tx, of, part_index, items, budget)
        })
    }

    /// Ends the snapshot in progress at `seq`: removes the articles and comments it did not
    /// contain (reader marks are kept), sets the log position to `seq`/`tip` and schedules a
    /// search index rebuild ([`Store::rebuild_search_step`]), in one transaction (which also
    /// keeps the budget). [`StoreError::Snapshot`] if that snapshot is not in progress.
    pub fn finish_snapshot(&self, seq: u64, tip: &str) -> Result<ApplyStats> {
        self.write(|tx| {
            let mut stats = apply::finish_snapshot(tx, seq, tip)?;
            stats.evicted = budget::enforce(tx, self.config.budget_bytes)?.articles;
            Ok(stats)
        })
    }

    /// Puts an article fetched on demand (e.g. the body of an evicted one) without moving the
    /// log position. Applied if its revision is at least the stored one; returns whether it was.
    /// The budget is not enforced here, so the article just asked for stays.
    pub fn restore_article(&self, article: &Article) -> Result<bool> {
        self.write(|tx| {
            let mut dirty = apply::Dirty::default();
            let done = apply::put_article(
                tx,
                article,
                apply::Revisions::GreaterOrEqual,
                None,
                &mut dirty,
            )?;
            dirty.reindex(tx)?;
            Ok(done)
        })
    }

    // ---- reads for the apps --------------------------------------------------------------

    /// A page of `filter`, newest first, after `after` (the previous page's `next`).
    pub fn list(&self, filter: &ListFilter, after: Option<&Cursor>, limit: usize) -> Result<Page> {
        self.db.read(|c| articles::list(c, filter, after, limit))
    }

    /// The article with its comments and the related/linked articles that are stored; its
    /// body HTML sanitised on the way out (the store keeps it as signed).
    pub fn article(&self, id: &str) -> Result<Option<ArticleView>> {
        self.db.read(|c| articles::article(c, id))
    }

    /// Whether article `id` is stored (a headline counts).
    pub fn article_exists(&self, id: &str) -> Result<bool> {
        self.db.read(|c| articles::exists(c, id))
    }

    pub fn counts(&self) -> Result<Counts> {
        self.db.read(articles::counts)
    }

    /// Offline search; see [`search`]. Text that has no letters or digits finds nothing; no
    /// input is an error.
    pub fn search(&self, text: &str, options: &SearchOptions) -> Result<Vec<SearchHit>> {
        self.db.read(|c| search::search(c, text, options))
    }

    /// Whether the search index is being rebuilt (after a snapshot): until it is done, search
    /// finds only the articles indexed so far.
    pub fn search_rebuild_pending(&self) -> Result<bool> {
        self.db.read(|c| Ok(search::rebuild_from(c)?.is_some()))
    }

    /// Indexes up to `batch` more articles of a pending rebuild, in one short transaction (a
    /// killed process resumes where it stopped). `None` when no rebuild is pending.
    pub fn rebuild_search_step(&self, batch: usize) -> Result<Option<RebuildStep>> {
        self.write(|tx| search::rebuild_step(tx, batch))
    }

    // ---- reader state ----------------------------------------------------------------------

    pub fn reader_state(&self, article_id: &str) -> Result<ReaderState> {
        self.db.read(|c| reader_state::get(c, article_id))
    }

    /// Marks the article read (now) or unread.
    pub fn set_read(&self, article_id: &str, read: bool) -> Result<()> {
        let at = read.then(now);
        self.write(|tx| reader_state::set_read(tx, article_id, at))
    }

    /// Bookmarks (now) or unbookmarks the article.
    pub fn set_bookmarked(&self, article_id: &str, bookmarked: bool) -> Result<()> {
        let at = bookmarked.then(now);
        self.write(|tx| reader_state::set_bookmarked(tx, article_id, at))
    }

    /// Stores the reading position (fraction 0.0–1.0), or clears it.
    pub fn set_position(&self, article_id: &str, position: Option<f64>) -> Result<()> {
        self.write(|tx| reader_state::set_position(tx, article_id, position))
    }

    // ---- media -----------------------------------------------------------------------------

    /// Stores a media file, then keeps the budget (in the same transaction).
    /// [`StoreError::MediaHashMismatch`] if `bytes` do not hash to `hash`.
    pub fn put_media(&self, hash: &str, mime: &str, bytes: &[u8]) -> Result<()> {
        self.write(|tx| {
            media::put(tx, hash, mime, bytes, now())?;
            budget::enforce(tx, self.config.budget_bytes)?;
            Ok(())
        })
    }

    /// Stores a media file no article refers to — an image's full-size original, fetched on
    /// request — only when it fits in what is left of the storage budget: it never evicts
    /// anything for itself, and as media no article refers to it is the first to go when the
    /// budget needs room. Returns whether it was stored; [`StoreError::MediaHashMismatch`] as
    /// [`Store::put_media`].
    pub fn put_original(&self, hash: &str, mime: &str, bytes: &[u8]) -> Result<bool> {
        self.write(|tx| {
            let usage = budget::usage(tx, self.config.budget_bytes)?;
            if usage.total().saturating_add(bytes.len() as u64) > usage.budget {
                return Ok(false);
            }
            media::put(tx, hash, mime, bytes, now())?;
            Ok(true)
        })
    }

    /// The stored bytes of a media file; counts as a use for the budget's LRU.
    pub fn media(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let bytes = self.db.read(|c| media::get(c, hash))?;
        if bytes.is_some() {
            self.touched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(hash.to_owned(), now());
        }
        Ok(bytes)
    }

    /// Images of stored articles whose bytes are missing, newest article first, as many as fit
    /// in what is left of the storage budget (see [`media::missing_images`]).
    pub fn missing_images(&self, limit: usize) -> Result<Vec<MediaRef>> {
        self.db.read(|c| {
            let room = budget::usage(c, self.config.budget_bytes)?;
            media::missing_images(c, limit, room.budget.saturating_sub(room.total()))
        })
    }

    // ---- budget ----------------------------------------------------------------------------

    pub fn usage(&self) -> Result<StorageUsage> {
        self.db.read(|c| budget::usage(c, self.config.budget_bytes))
    }

    /// Evicts content until usage is within the budget; see [`budget`] for the order. Sync
    /// writes and [`Store::put_media`] already do this; call it after changing the budget.
    pub fn enforce_budget(&self) -> Result<Eviction> {
        self.write(|tx| budget::enforce(tx, self.config.budget_bytes))
    }

    // ---- routes ----------------------------------------------------------------------------

    pub fn routes(&self) -> Result<Vec<RouteHealth>> {
        self.db.read(routes::routes)
    }

    /// Inserts or replaces the health record of each `health.url`, in one transaction.
    pub fn save_routes(&self, health: &[RouteHealth]) -> Result<()> {
        self.write(|tx| health.iter().try_for_each(|h| routes::save_route(tx, h)))
    }

    /// Removes a route and its head ETag; returns whether it existed.
    pub fn remove_route(&self, url: &str) -> Result<bool> {
        self.write(|tx| routes::remove_route(tx, url))
    }

    /// The ETag of the last `head` fetched from route `url`.
    pub fn head_etag(&self, url: &str) -> Result<Option<String>> {
        self.db.read(|c| routes::head_etag(c, url))
    }

    pub fn set_head_etag(&self, url: &str, etag: Option<&str>) -> Result<()> {
        self.write(|tx| routes::set_head_etag(tx, url, etag))
    }

    /// The banner state of the last sync, if one ran.
    pub fn last_connection(&self) -> Result<Option<LastConnection>> {
        self.db.read(routes::last_connection)
    }

    /// Records the banner state of a sync (replacing the previous one).
    pub fn set_last_connection(&self, last: &LastConnection) -> Result<()> {
        self.write(|tx| routes::set_last_connection(tx, last))
    }

    // ---- outbox ----------------------------------------------------------------------------

    /// Queues a comment the reader wrote.
    pub fn queue_comment(&self, article_id: &str, author: &str, body: &str) -> Result<OutboxItem> {
        self.write(|tx| outbox::queue(tx, article_id, author, body, now()))
    }

    /// Every outbox item, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.db.read(outbox::list)
    }

    /// The waiting comments, oldest first, each with its envelope once sealed.
    pub fn waiting_comments(&self) -> Result<Vec<(OutboxItem, Option<Vec<u8>>)>> {
        self.db.read(outbox::waiting)
    }

    /// Keeps `envelope` (with delivery key `key`) as item `id`'s sealed form unless it has one
    /// already; returns the envelope the item keeps.
    pub fn seal_comment(&self, id: i64, envelope: &[u8], key: &str) -> Result<Vec<u8>> {
        self.write(|tx| outbox::seal(tx, id, envelope, key))
    }

    /// An endpoint took item `id`: it is `sent`, by `route`, now.
    pub fn mark_comment_sent(&self, id: i64, route: &str) -> Result<()> {
        self.write(|tx| outbox::mark_sent(tx, id, route, now()))
    }

    /// A delivery attempt of item `id` failed; it stays `waiting`.
    pub fn mark_comment_failed(&self, id: i64, error: &str) -> Result<()> {
        self.write(|tx| outbox::mark_failed(tx, id, error))
    }

    /// The inbox refused item `id` outright: it is `rejected` with `reason`.
    pub fn mark_comment_refused(&self, id: i64, reason: &str) -> Result<()> {
        self.write(|tx| outbox::mark_refused(tx, id, reason, now()))
    }

    /// Keeps an envelope found in a copy to deliver for another reader (see
    /// [`outbox::carry`]); `key` must be its SHA-256. Returns whether it was kept.
    pub fn carry_envelope(&self, key: &str, envelope: &[u8]) -> Result<bool> {
        self.write(|tx| outbox::carry(tx, key, envelope, now()))
    }

    /// Whether this reader holds the envelope with delivery key `key`, its own or carried.
    pub fn holds_envelope(&self, key: &str) -> Result<bool> {
        self.db.read(|c| outbox::holds_envelope(c, key))
    }

    /// The carried envelopes waiting for delivery: (delivery key, sealed bytes).
    pub fn carried_envelopes(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.db.read(outbox::carried_waiting)
    }

    /// Records how delivering carried envelope `key` ended.
    pub fn mark_carried(&self, key: &str, outcome: &CarriedOutcome) -> Result<()> {
        self.write(|tx| outbox::mark_carried(tx, key, outcome))
    }

    /// This install's device key (its secret seed), created on first use; [`Store::wipe`]
    /// removes it with everything else.
    pub fn device_key(&self) -> Result<[u8; 32]> {
        self.write(|tx| outbox::device_key(tx))
    }

    /// The comment endpoints of the last verified mirror list.
    pub fn comment_endpoints(&self) -> Result<Vec<String>> {
        self.db.read(position::comment_endpoints)
    }

    /// Replaces the comment endpoints (from a verified mirror list).
    pub fn set_comment_endpoints(&self, urls: &[String]) -> Result<()> {
        self.write(|tx| position::set_comment_endpoints(tx, urls))
    }

    // ---- integrity and wipe ----------------------------------------------------------------

    /// Moves what the writes of a sync left in the write-ahead log into the database file and
    /// empties the log. The sync engine calls it when a sync has stored everything; closing the
    /// store does too.
    pub fn checkpoint(&self) -> Result<()> {
        self.db.checkpoint()
    }

    /// A checkpoint that runs beside the writer without blocking it (see
    /// [`Db::checkpoint_beside`]): the sync engine starts one when the snapshot is stored and
    /// the search index is built, so the final [`Store::checkpoint`] has little left to copy.
    pub(crate) fn checkpoint_beside(&self) -> Result<()> {
        self.db.checkpoint_beside()
    }

    /// Closes the database file for every holder of this store: afterwards each call fails.
    /// For [`crate::reader::Reader::wipe`], which deletes the files next.
    pub fn close(&self) -> Result<()> {
        self.db.close()
    }

    /// Merges the search index after articles, bodies or comments were deleted, so their words
    /// leave the file. The sync engine calls it at the end of a sync that deleted something.
    pub fn merge_search(&self) -> Result<()> {
        self.write(|tx| search::merge(tx))
    }

    /// Takes the database's sync lock (a lock on the file `<database>-sync`, shared by every
    /// process): `None` when another sync, in this process or another, holds it. The lock is
    /// released when the returned guard is dropped, or when its process dies.
    pub fn try_lock_sync(&self) -> Result<Option<SyncLock>> {
        let mut name = self.path().as_os_str().to_owned();
        name.push(SYNC_LOCK_SUFFIX);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(SyncLock(file))),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(None),
            Err(e) => Err(std::io::Error::from(e).into()),
        }
    }

    /// `PRAGMA quick_check` of the whole file, on a reader connection (it never blocks a sync).
    /// Its time grows with the database: for a background check, or after an unexpected
    /// [`StoreError::Corrupt`]. [`StoreError::Corrupt`] lists what it found.
    pub fn integrity_check(&self) -> Result<()> {
        self.db.read(db::integrity_check)
    }

    /// Closes every connection and deletes the database, its `-wal`, `-shm` and `-journal`
    /// files. Nothing the store held is left on disk afterwards.
    pub fn wipe(self) -> Result<()> {
        let path = self.db.path.clone();
        drop(self);
        wipe_files(&path)
    }
}

/// The suffix of the file whose lock [`Store::try_lock_sync`] takes.
const SYNC_LOCK_SUFFIX: &str = "-sync";

/// Held while a sync runs; see [`Store::try_lock_sync`].
#[derive(Debug)]
pub struct SyncLock(#[allow(dead_code)] std::fs::File);

/// Deletes the store's files at `path` (also usable when [`Store::open`] failed, e.g. on a
/// corrupt file). Missing files are fine.
pub fn wipe_files(path: &Path) -> Result<()> {
    let mut files: Vec<PathBuf> = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal", SYNC_LOCK_SUFFIX] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    for f in files {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
