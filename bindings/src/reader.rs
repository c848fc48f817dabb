//! `Reader`: the object an app holds for its lifetime, over `article_sync_core::reader::Reader`.
//!
//! Threads: every method may be called from any thread. Reads (`listArticles`, `article`,
//! `search`, `connectionState`, …) go to SQLite reader connections that never wait for a
//! running sync: they take about a millisecond and are fine on a UI thread. Writes of reader
//! marks (`setBookmarked`, `setRead`, …) wait at most for the sync transaction in progress
//! (milliseconds). `sync` and `fetchImage` are async and run on the runtime the core owns.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use article_sync_core::net::NetConfig;
use article_sync_core::reader as core_reader;
use article_sync_core::store::{Cursor, SearchOptions};

use crate::model::{
    Article, ArticleCounts, ArticlePage, ConnectionInfo, ExportSummary, ListFilter, MARK_CLOSE,
    MARK_OPEN, OutboxItem, RouteInfo, SearchHit, StorageUsage, SyncProgress, SyncSummary,
};
use crate::subscription::{Subscription, subscribe_watch};
use crate::{ArticleSyncError, runtime};

/// Everything the app configures once, when it opens its [`Reader`].
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReaderConfig {
    /// The SQLite file, created (with its folder) if missing. Use the app's private files
    /// folder; `wipe()` deletes it with its `-wal`/`-shm` files.
    pub database_path: String,
    /// The publisher's public keys pinned in the app, one-line text form `ed25519:<base64>`
    /// (at least one). Every signed file is checked against them; hosts are never trusted.
    pub publisher_keys: Vec<String>,
    /// The main site's tree base URL (`https://…/`).
    pub main_url: String,
    /// Mirror tree base URLs built into the app; the publisher's signed mirror list adds more.
    #[uniffi(default = [])]
    pub mirrors: Vec<String>,
    /// Neutral international URLs (not the publisher's) that tell "the site is blocked" from
    /// "the country is cut off". Any HTTP answer counts.
    #[uniffi(default = [])]
    pub international_probes: Vec<String>,
    /// URLs hosted inside the reader's country, to recognise a national shutdown.
    #[uniffi(default = [])]
    pub domestic_probes: Vec<String>,
    /// Extra trusted root certificates, PEM (one or more), on top of the system's web roots.
    /// For tests against a loopback server with a throw-away CA, or a LAN mirror; apps leave it
    /// `null`/`nil`.
    #[uniffi(default = None)]
    pub extra_ca_pem: Option<String>,
    /// Cap for article bodies plus images, in bytes; the oldest read articles are evicted
    /// first (their headlines stay). Default 256 MiB.
    #[uniffi(default = 268435456)]
    pub storage_budget_bytes: u64,
    /// Skip images when syncing (metered network); `setTextOnly` changes it later.
    #[uniffi(default = false)]
    pub text_only: bool,
    /// TCP connect plus TLS handshake, per connection, in milliseconds.
    #[uniffi(default = 10000)]
    pub connect_timeout_ms: u32,
    /// Longest stall between two reads of an answer, in milliseconds.
    #[uniffi(default = 10000)]
    pub read_timeout_ms: u32,
    /// How long the race waits for the running route before it starts the next one, in
    /// milliseconds.
    #[uniffi(default = 250)]
    pub stagger_ms: u32,
    /// Longest a whole sync may take, in milliseconds; then it fails with `Timeout`.
    #[uniffi(default = 180000)]
    pub sync_deadline_ms: u32,
    /// The User-Agent of every request; `null`/`nil` sends a generic one that names no app
    /// and no version, so that the traffic does not tell a censor which app this is.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
}

impl ReaderConfig {
    /// Converts to the core's configuration; the core validates it.
    fn into_core(self) -> core_reader::ReaderConfig {
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        let defaults = NetConfig::default();
        let sync_deadline = ms(self.sync_deadline_ms);
        let net = NetConfig {
            connect_timeout: ms(self.connect_timeout_ms),
            read_timeout: ms(self.read_timeout_ms),
            stagger: ms(self.stagger_ms),
            sync_deadline,
            // One race never outlives the sync it belongs to.
            race_deadline: defaults.race_deadline.min(sync_deadline),
            international_probes: self.international_probes,
            domestic_probes: self.domestic_probes,
            extra_root_certs_pem: self
                .extra_ca_pem
                .map(|pem| vec![pem.into_bytes()])
                .unwrap_or_default(),
            user_agent: self.user_agent.unwrap_or(defaults.user_agent.clone()),
            ..defaults
        };
        core_reader::ReaderConfig {
            database: PathBuf::from(self.database_path),
            publisher_keys: self.publisher_keys,
            main_url: self.main_url,
            mirrors: self.mirrors,
            storage_budget_bytes: self.storage_budget_bytes,
            text_only: self.text_only,
            net,
        }
    }
}

/// Receives the connection banner: the current state first, then every change.
#[uniffi::export(with_foreign)]
pub trait ConnectionListener: Send + Sync {
    /// Called on a core thread (hop to the UI thread yourself); calls never overlap. A listener
    /// that throws ends its subscription.
    fn on_connection(&self, info: ConnectionInfo);
}

/// Receives store changes (after a sync wrote, a bookmark was set, …): the current counts
/// first, then new counts after every committed write. Re-read the list you show.
#[uniffi::export(with_foreign)]
pub trait StoreListener: Send + Sync {
    /// Called on a core thread; calls never overlap. A listener that throws ends its
    /// subscription.
    fn on_store_changed(&self, counts: ArticleCounts);
}

/// Receives sync progress: the current progress first, then about ten events a second at most.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    /// Called on a core thread; calls never overlap. A listener that throws ends its
    /// subscription.
    fn on_progress(&self, progress: SyncProgress);
}

/// The app's handle on the core: the local store, the routes and the sync engine. Open one
/// per database and keep it for the app's lifetime; it is safe to share across threads.
#[derive(uniffi::Object)]
pub struct Reader {
    /// `None` once wiped.
    core: RwLock<Option<core_reader::Reader>>,
}

/// Cancels the sync when the caller's future is dropped before it finished (Kotlin coroutine
/// or Python task cancelled).
struct CancelOnDrop(Option<core_reader::Reader>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(reader) = self.0.take() {
            reader.cancel_sync();
        }
    }
}

fn encode_cursor(c: &Cursor) -> String {
    format!("{}:{}", c.published_at, c.id)
}

fn decode_cursor(s: &str) -> Result<Cursor, ArticleSyncError> {
    let bad = || ArticleSyncError::bad_argument("cursor", format!("{s:?} is not a list cursor"));
    let (at, id) = s.split_once(':').ok_or_else(bad)?;
    Ok(Cursor {
        published_at: at.parse().map_err(|_| bad())?,
        id: id.to_owned(),
    })
}

impl Reader {
    fn core(&self) -> Result<core_reader::Reader, ArticleSyncError> {
        self.core
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(ArticleSyncError::Closed)
    }
}

#[uniffi::export]
impl Reader {
    /// Opens (or creates) the store and sets up routes and the sync engine. No network I/O;
    /// takes milliseconds (opening and checking the database).
    ///
    /// Throws `Invalid` for a malformed publisher key, `BadArgument` for a bad URL, timeout or
    /// CA, `Storage` when the database cannot be opened (a corrupt file: delete it and retry).
    #[uniffi::constructor]
    pub fn new(config: ReaderConfig) -> Result<Arc<Self>, ArticleSyncError> {
        // The HTTP client may need a runtime context to be built.
        let _guard = runtime::runtime()?.enter();
        let core = core_reader::Reader::open(config.into_core())?;
        Ok(Arc::new(Reader {
            core: RwLock::new(Some(core)),
        }))
    }

    /// Syncs: races the main site and the mirrors for the publisher's signed head, fetches and
    /// verifies what is new, stores it, then lead images (unless text-only). A second call
    /// while one runs joins it. Progress goes to `subscribeProgress` listeners, the banner to
    /// `subscribeConnection` listeners.
    ///
    /// Cancelling: `cancelSync()` (any platform), or cancelling the calling coroutine (Kotlin)
    /// or task (Python), which cancels the running sync for every caller joined to it. Swift's
    /// `Task.cancel()` does NOT reach this call: use `cancelSync()` (e.g. from
    /// `withTaskCancellationHandler`). A cancelled sync throws `Cancelled`; what it applied
    /// stays and the next sync resumes.
    ///
    /// Throws `NoRoute`, `Verification`, `Rollback`, `Stale`, `Timeout`, `Storage`,
    /// `Cancelled`, `Closed`.
    pub async fn sync(&self) -> Result<SyncSummary, ArticleSyncError> {
        let core = self.core()?;
        let mut guard = CancelOnDrop(Some(core.clone()));
        let result = runtime::run(async move { core.sync().await }).await;
        guard.0 = None;
        Ok(result??.into())
    }

    /// Starts nothing yet: returns a handle whose `result()` runs the sync (or joins the running
    /// one) and whose `cancel()` stops it, even when called before `result()` began. The way to
    /// tie a sync to a Swift `Task`, whose cancellation does not reach Rust by itself:
    /// `withTaskCancellationHandler { try await handle.result() } onCancel: { handle.cancel() }`.
    /// Throws `Closed`.
    pub fn start_sync(&self) -> Result<Arc<SyncHandle>, ArticleSyncError> {
        Ok(Arc::new(SyncHandle {
            reader: self.core()?,
            cancelled: watch::Sender::new(false),
        }))
    }

    /// Cancels the running sync, if one runs (its caller gets `Cancelled`). Returns at once.
    /// A sync not started yet is not affected: use `startSync()` to cancel one that may not
    /// have started.
    pub fn cancel_sync(&self) {
        if let Ok(core) = self.core() {
            core.cancel_sync();
        }
    }

    /// Subscribes `listener` to sync progress. Keep the returned handle while you listen;
    /// `cancel()` or releasing it ends the subscription.
    pub fn subscribe_progress(
        &self,
        listener: Arc<dyn ProgressListener>,
    ) -> Result<Arc<Subscription>, ArticleSyncError> {
        let rx = self.core()?.progress()?;
        subscribe_watch(rx, move |p| listener.on_progress(p.into()))
    }

    /// The connection banner now: its state, texts and evidence. Before the first sync of this
    /// run, the state the last sync recorded (`live` false). Fast; fine on a UI thread.
    pub fn connection_state(&self) -> Result<ConnectionInfo, ArticleSyncError> {
        Ok(self.core()?.connection()?.into())
    }

    /// Subscribes `listener` to the connection banner (current value first, as
    /// `connectionState()` gives it). Keep the returned handle while you listen; `cancel()` or
    /// releasing it ends the subscription.
    pub fn subscribe_connection(
        &self,
        listener: Arc<dyn ConnectionListener>,
    ) -> Result<Arc<Subscription>, ArticleSyncError> {
        let core = self.core()?;
        let rx = core.connection_changes()?;
        let reader = core.downgrade();
        drop(core);
        subscribe_watch(rx, move |state| {
            if let Some(connection) = reader.upgrade().and_then(|r| r.connection_of(state).ok()) {
                listener.on_connection(connection.into())
            }
        })
    }

    /// Subscribes `listener` to store changes (current counts first). Keep the returned handle
    /// while you listen; `cancel()` or releasing it ends the subscription.
    pub fn subscribe_changes(
        &self,
        listener: Arc<dyn StoreListener>,
    ) -> Result<Arc<Subscription>, ArticleSyncError> {
        let core = self.core()?;
        let rx = core.changes();
        let reader = core.downgrade();
        drop(core);
        subscribe_watch(rx, move |_| {
            if let Some(counts) = reader.upgrade().and_then(|r| r.counts().ok()) {
                listener.on_store_changed(counts.into())
            }
        })
    }

    /// Tells the core whether the OS reports a network (Android `ConnectivityManager`, iOS
    /// `NWPathMonitor`). No network makes the banner `Offline` at once.
    pub fn set_network_available(&self, available: bool) -> Result<(), ArticleSyncError> {
        self.core()?.set_network_available(available);
        Ok(())
    }

    /// Skip images from the next sync on (metered network), or fetch them again.
    pub fn set_text_only(&self, text_only: bool) -> Result<(), ArticleSyncError> {
        self.core()?.set_text_only(text_only);
        Ok(())
    }

    /// A page of articles, newest first. `cursor`: `null`/`nil` for the first page, else the
    /// previous page's `nextCursor`. `limit`: 1 to 500. Fast; fine on a UI thread.
    pub fn list_articles(
        &self,
        filter: ListFilter,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<ArticlePage, ArticleSyncError> {
        let after = cursor.as_deref().map(decode_cursor).transpose()?;
        let page = self
            .core()?
            .list(&filter.into(), after.as_ref(), limit as usize)?;
        Ok(ArticlePage {
            next_cursor: page.next.as_ref().map(encode_cursor),
            items: page.items.into_iter().map(Into::into).collect(),
        })
    }

    /// How many articles are stored, unread and bookmarked. Fast; fine on a UI thread.
    pub fn counts(&self) -> Result<ArticleCounts, ArticleSyncError> {
        Ok(self.core()?.counts()?.into())
    }

    /// The stored article `id` with its comments and the related and linked articles that are
    /// stored; `null`/`nil` when it is not stored. Fast; fine on a UI thread.
    pub fn article(&self, id: String) -> Result<Option<Article>, ArticleSyncError> {
        Ok(self.core()?.article(&id)?.map(Article::from))
    }

    /// Offline search over titles, summaries, bodies and comments, best first. Persian is
    /// matched without regard to ZWNJ, Arabic/Persian letter forms or diacritics (`گفتوگو`
    /// finds `گفت‌وگو`); every word must match, the last one as a prefix. Text without letters
    /// or digits finds nothing. `limit`: 1 to 500. Fast; fine on a UI thread.
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<SearchHit>, ArticleSyncError> {
        let options = SearchOptions {
            limit: limit as usize,
            open: MARK_OPEN.to_owned(),
            close: MARK_CLOSE.to_owned(),
            ..SearchOptions::default()
        };
        let hits = self.core()?.search(&query, &options)?;
        Ok(hits.into_iter().map(SearchHit::from).collect())
    }

    /// Bookmarks the article (now) or removes the bookmark.
    pub fn set_bookmarked(
        &self,
        article_id: String,
        bookmarked: bool,
    ) -> Result<(), ArticleSyncError> {
        Ok(self.core()?.set_bookmarked(&article_id, bookmarked)?)
    }

    /// Marks the article read (now) or unread.
    pub fn set_read(&self, article_id: String, read: bool) -> Result<(), ArticleSyncError> {
        Ok(self.core()?.set_read(&article_id, read)?)
    }

    /// Stores how far the reader got, a fraction from 0.0 to 1.0, or clears it with
    /// `null`/`nil`. Throws `BadArgument` outside 0.0–1.0.
    pub fn set_reading_position(
        &self,
        article_id: String,
        position: Option<f64>,
    ) -> Result<(), ArticleSyncError> {
        Ok(self.core()?.set_reading_position(&article_id, position)?)
    }

    /// Adds a mirror the reader got from a message or a QR code (a tree base URL: `https://`,
    /// `http://`, e.g. another phone's share), or a copy on this device (a `file://` URL or an
    /// absolute folder path, e.g. an SD card); the next sync races it too, and it is
    /// remembered. Returns its normalised URL. Throws `BadArgument` for anything else.
    pub fn add_mirror(&self, url: String) -> Result<String, ArticleSyncError> {
        Ok(self.core()?.add_mirror(&url)?)
    }

    /// Every route the reader knows (main site, mirrors) with its health, for a details
    /// screen. Fast; fine on a UI thread.
    pub fn routes(&self) -> Result<Vec<RouteInfo>, ArticleSyncError> {
        Ok(self
            .core()?
            .routes()?
            .into_iter()
            .map(RouteInfo::from)
            .collect())
    }

    /// The bytes of image `hash` of article `article_id` (its lead image or one of its
    /// images, or the `original` of one): from the store when there, else fetched through the
    /// current routes, verified against the hash and stored — an original only when it fits in
    /// what is left of the storage budget. Works in text-only mode too (the app asked for it).
    /// Async; cancelling the caller stops the fetch.
    ///
    /// Throws `NotFound` when the article is not stored or has no such image, `NoRoute` when
    /// no route gave it.
    pub async fn fetch_image(
        &self,
        article_id: String,
        hash: String,
    ) -> Result<Vec<u8>, ArticleSyncError> {
        let core = self.core()?;
        Ok(runtime::run(async move { core.image(&article_id, &hash).await }).await??)
    }

    /// Queues a comment on a stored article in the outbox (sent when the publisher offers a
    /// way; the outbox keeps it until then). Throws `BadArgument` for an empty author or body,
    /// `NotFound` for an article that is not stored.
    pub fn compose_comment(
        &self,
        article_id: String,
        author: String,
        body: String,
    ) -> Result<OutboxItem, ArticleSyncError> {
        Ok(self
            .core()?
            .compose_comment(&article_id, &author, &body)?
            .into())
    }

    /// Every comment in the outbox, oldest first. Fast; fine on a UI thread.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, ArticleSyncError> {
        Ok(self
            .core()?
            .outbox()?
            .into_iter()
            .map(OutboxItem::from)
            .collect())
    }

    /// Writes this reader's verified copy as a mirror tree into the directory `path` (a USB
    /// stick, an SD card): another reader adds it as a mirror (`file://…`) and syncs from it,
    /// verifying everything against its pinned key. Immutable files first, `head` last. Blocks:
    /// call it off the UI thread. Throws `BadArgument` when `path` is not a directory this app
    /// can write, `NotFound` before the first sync.
    pub fn export_tree(&self, path: String) -> Result<ExportSummary, ArticleSyncError> {
        Ok(self
            .core()?
            .export_tree(std::path::Path::new(&path))?
            .into())
    }

    /// Serves this reader's verified copy over plain HTTP on `port` of every interface (the
    /// phone's hotspot; 0 picks a free port) until `stopSharing()`: a landing page in Persian
    /// and English (what this is, the publisher key's fingerprint, the copy's date, the URL
    /// also as a QR code at `qr.svg`) and the tree. Returns the URL another reader adds with
    /// "add mirror"; show it with `qrSvg(url)`. Throws `NotFound` before the first sync,
    /// `BadArgument` when the port cannot be used.
    pub async fn start_sharing(&self, port: u16) -> Result<String, ArticleSyncError> {
        let core = self.core()?;
        Ok(runtime::run(async move { core.start_sharing(port).await }).await??)
    }

    /// Stops sharing, if it runs. Fine on a UI thread.
    pub fn stop_sharing(&self) -> Result<(), ArticleSyncError> {
        self.core()?.stop_sharing();
        Ok(())
    }

    /// When the head this reader holds (the copy `startSharing` and `exportTree` pass on) was
    /// issued, Unix seconds; `None` before the first sync. For the "Share" screen's date. Fast.
    pub fn copy_issued_at(&self) -> Result<Option<i64>, ArticleSyncError> {
        Ok(self.core()?.sync_position()?.head_issued_at)
    }

    /// Bytes stored against the budget. Fast; fine on a UI thread.
    pub fn storage_usage(&self) -> Result<StorageUsage, ArticleSyncError> {
        Ok(self.core()?.usage()?.into())
    }

    /// Checks the whole database file (SQLite's `quick_check`). Opening checks only what sync
    /// cannot bring back (marks, outbox, position, routes) so that it stays instant; this check
    /// reads every page, so run it off the UI thread, e.g. now and then in the background.
    /// Throws `Corrupt` with what it found; the app may then `wipe` and sync again.
    pub fn check_integrity(&self) -> Result<(), ArticleSyncError> {
        Ok(self.core()?.check_integrity()?)
    }

    /// Deletes everything the reader stored (the database and its `-wal`/`-shm` files) and
    /// closes this reader: afterwards every method throws `Closed` and subscriptions end. A
    /// running sync is cancelled. To read again, open a new `Reader` on the same path.
    pub fn wipe(&self) -> Result<(), ArticleSyncError> {
        let core = self
            .core
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or(ArticleSyncError::Closed)?;
        Ok(core.wipe()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_is_generic_unless_the_app_sets_one() {
        let config = |user_agent: Option<&str>| ReaderConfig {
            database_path: "r.db".into(),
            publisher_keys: vec![],
            main_url: "https://main.example/".into(),
            mirrors: vec![],
            international_probes: vec![],
            domestic_probes: vec![],
            extra_ca_pem: None,
            storage_budget_bytes: 1,
            text_only: false,
            connect_timeout_ms: 1,
            read_timeout_ms: 1,
            stagger_ms: 1,
            sync_deadline_ms: 1,
            user_agent: user_agent.map(str::to_owned),
        };
        let generic = config(None).into_core().net.user_agent;
        assert_eq!(generic, article_sync_core::net::config::GENERIC_USER_AGENT);
        assert_eq!(
            config(Some("Reader/2")).into_core().net.user_agent,
            "Reader/2"
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_a_bad_argument() {
        let c = Cursor {
            published_at: 1_531_828_800,
            id: "helsinki-summit".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).expect("decodes"), c);
        for bad in ["", "x:y", "12", ":id"] {
            assert!(matches!(
                decode_cursor(bad),
                Err(ArticleSyncError::BadArgument { .. })
            ));
        }
    }
}

/// One sync, made by `Reader.startSync()` before anything awaits, so that a cancellation never
/// arrives too early.
#[derive(uniffi::Object)]
pub struct SyncHandle {
    reader: core_reader::Reader,
    cancelled: watch::Sender<bool>,
}

#[uniffi::export]
impl SyncHandle {
    /// Runs the sync (or joins the one running) and returns what it did, like `Reader.sync()`.
    /// Throws `Cancelled` at once when `cancel()` came first, and when it comes while the sync
    /// runs (the sync stops for every caller joined to it; what it applied stays).
    pub async fn result(&self) -> Result<SyncSummary, ArticleSyncError> {
        let reader = self.reader.clone();
        let mut cancelled = self.cancelled.subscribe();
        let result = runtime::run(async move {
            tokio::select! {
                biased;
                Ok(_) = cancelled.wait_for(|c| *c) => {
                    reader.cancel_sync();
                    Err(ArticleSyncError::Cancelled)
                }
                result = reader.sync() => Ok(result?.into()),
            }
        })
        .await;
        result?
    }

    /// Stops the sync: before `result()` began, `result()` throws `Cancelled` without syncing.
    /// Returns at once.
    pub fn cancel(&self) {
        self.cancelled.send_replace(true);
    }
}
