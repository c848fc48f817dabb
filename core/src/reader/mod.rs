//! The reader: the one application service every front end (the FFI, the CLI) goes through.
//! It owns the policy — validating the configuration, creating the database folder, checking
//! comments and that an article exists before it is marked, choosing the connection state to
//! show — and assembles the store, the routes and the sync engine from one configuration. Front
//! ends convert types, parse arguments and format output, nothing more.
//!
//! Opening a reader does no network I/O; [`Reader::open_offline`] opens the store alone, for
//! commands that only read. Reads go to the store and are fast enough for a UI thread;
//! [`Reader::sync`] and [`Reader::image`] are async and must run inside a tokio runtime.

mod config;
mod connection;
mod error;
mod health_log;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use tokio::sync::watch;

pub use config::{OfflineConfig, ReaderConfig};
pub use connection::Connection;
pub use error::ReaderError;

use health_log::StoreHealthLog;

use crate::format::MediaRef;
use crate::net::{ConnectionState, Connectivity, Route, RouteHealth};
use crate::net::{RouteSource, unix_now};
use crate::share::{Export, Sharing, export_tree};
use crate::store::{
    ArticleView, Counts, Cursor, LastConnection, ListFilter, OutboxItem, Page, SearchHit,
    SearchOptions, StorageUsage, Store, StoreConfig, SyncPosition,
};
use crate::sync::{Progress, SyncConfig, SyncError, SyncReport, Syncer};

/// Most items one page of a list or search may ask for.
pub const MAX_PAGE: usize = 500;

/// Longest [`Reader::wipe`] waits for a cancelled sync to stop.
pub const WIPE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The app's handle on the core. Cheap to clone; every clone is the same reader.
#[derive(Clone)]
pub struct Reader {
    inner: Arc<Inner>,
}

/// A reader that does not keep the database open: for listeners, which must not outlive a
/// wiped reader.
#[derive(Clone)]
pub struct WeakReader(Weak<Inner>);

impl WeakReader {
    pub fn upgrade(&self) -> Option<Reader> {
        self.0.upgrade().map(|inner| Reader { inner })
    }
}

struct Inner {
    store: Arc<Store>,
    /// `None` for a reader opened offline.
    syncer: Option<Syncer>,
    /// Where the syncer's routes save their health; `None` offline.
    health: Option<Arc<StoreHealthLog>>,
    /// The running share, if any ([`Reader::start_sharing`]).
    sharing: std::sync::Mutex<Option<Sharing>>,
}

impl Drop for Inner {
    /// The last clone of a reader stops its share and stores the route health still queued.
    fn drop(&mut self) {
        if let Some(sharing) = self.sharing.get_mut().ok().and_then(Option::take) {
            sharing.stop();
        }
        if let Some(health) = &self.health {
            health.flush();
        }
    }
}

/// Creates the database's folder when it is missing.
fn create_folder(database: &Path) -> Result<(), ReaderError> {
    match database.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| {
            ReaderError::config(
                "database",
                format!("cannot create the folder {}: {e}", dir.display()),
            )
        }),
        None => Ok(()),
    }
}

fn open_store(database: &Path, budget_bytes: u64) -> Result<Arc<Store>, ReaderError> {
    create_folder(database)?;
    let config = StoreConfig {
        budget_bytes,
        ..StoreConfig::default()
    };
    Ok(Arc::new(Store::open(database, config)?))
}

/// Deletes a reader's database and its journal files, whether or not it exists. Returns
/// whether there was one. Use [`Reader::wipe`] for a reader that is open.
pub fn wipe_database(database: &Path) -> Result<bool, ReaderError> {
    let existed = database.exists();
    crate::store::wipe_files(database)?;
    Ok(existed)
}

impl Reader {
    /// Validates the configuration, opens (or creates) the store with its folder and assembles
    /// routes and the sync engine. No network I/O.
    pub fn open(config: ReaderConfig) -> Result<Reader, ReaderError> {
        let valid = config.validate()?;
        let store = open_store(&config.database, config.storage_budget_bytes)?;
        // Connectivity restores the saved health of these routes and the saved user, mirror-list
        // and folder routes; a main site or built-in mirror the app no longer configures is
        // forgotten.
        let health = Arc::new(StoreHealthLog::new(store.clone()));
        let net = Connectivity::new(config.net, valid.routes, health.clone())
            .map_err(|e| ReaderError::config("extra_root_certs", e))?;
        let mut sync = SyncConfig::new(valid.keys);
        sync.text_only = config.text_only;
        Ok(Reader::assemble(
            store.clone(),
            Some((Syncer::new(store, net, sync), health)),
        ))
    }

    /// Opens the store alone, for reading, marking and queueing comments without routes: no
    /// network, no publisher key needed. Fails with [`ReaderError::NoDatabase`] when the file
    /// is missing, unless `config.create` is set.
    pub fn open_offline(config: OfflineConfig) -> Result<Reader, ReaderError> {
        if !config.create && !config.database.is_file() {
            return Err(ReaderError::NoDatabase {
                path: config.database,
            });
        }
        let store = open_store(&config.database, config.storage_budget_bytes)?;
        Ok(Reader::assemble(store, None))
    }

    fn assemble(store: Arc<Store>, online: Option<(Syncer, Arc<StoreHealthLog>)>) -> Reader {
        let (syncer, health) = online.unzip();
        Reader {
            inner: Arc::new(Inner {
                store,
                syncer,
                health,
                sharing: std::sync::Mutex::new(None),
            }),
        }
    }

    pub fn downgrade(&self) -> WeakReader {
        WeakReader(Arc::downgrade(&self.inner))
    }

    /// The database file.
    pub fn database(&self) -> &Path {
        self.inner.store.path()
    }

    /// The local store, for tools and tests; front ends use the reader's methods.
    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// The sync engine, for tools and tests. Fails for a reader opened offline.
    pub fn syncer(&self) -> Result<&Syncer, ReaderError> {
        self.inner.syncer.as_ref().ok_or(ReaderError::Offline)
    }

    /// Routes and the banner state, for tools and tests. Fails for a reader opened offline.
    pub fn net(&self) -> Result<&Connectivity, ReaderError> {
        Ok(self.syncer()?.net())
    }

    // ---- sync -----------------------------------------------------------------------------

    /// Syncs (see [`Syncer::sync`]), then records the banner state and the route used in the
    /// store, so that the next start shows them offline ([`Reader::connection`]), and waits
    /// for the routes' health to be stored. Losing that record (a storage error) only costs a
    /// stale banner at the next start.
    pub async fn sync(&self) -> Result<SyncReport, ReaderError> {
        let syncer = self.syncer()?;
        let result = syncer.sync().await;
        if let Err(e @ SyncError::AlreadyRunning) = result {
            // The other sync records its own outcome.
            return Err(e.into());
        }
        match &result {
            Ok(r) => {
                tracing::info!(route = %r.route, head_version = r.head_version, requests = r.requests, bytes = r.bytes, "sync done")
            }
            Err(e) => tracing::warn!(error = %e, "sync failed"),
        }
        let last = LastConnection {
            state: syncer.net().state(),
            route: result.as_ref().ok().map(|r| r.route.clone()),
            at: unix_now(),
        };
        let health = self.inner.health.clone();
        let saved = self.inner.store.blocking(move |s| {
            if let Some(health) = health {
                health.flush();
            }
            s.set_last_connection(&last)
        });
        if let Err(e) = saved.await {
            tracing::warn!(error = %e, "the banner state could not be recorded");
        }
        Ok(result?)
    }

    /// Cancels the running sync, if one runs (its callers get `Cancelled`). Returns at once.
    pub fn cancel_sync(&self) {
        if let Some(syncer) = &self.inner.syncer {
            syncer.cancel();
        }
    }

    /// Progress of the running (or last) sync, current value first.
    pub fn progress(&self) -> Result<watch::Receiver<Progress>, ReaderError> {
        Ok(self.syncer()?.progress())
    }

    /// Skip images from the next sync on (metered network), or fetch them again.
    pub fn set_text_only(&self, text_only: bool) {
        if let Some(syncer) = &self.inner.syncer {
            syncer.set_text_only(text_only);
        }
    }

    /// What the OS says of the network; no network makes the banner `Offline` at once.
    pub fn set_network_available(&self, available: bool) {
        if let Some(syncer) = &self.inner.syncer {
            syncer.net().set_network_available(available);
        }
    }

    // ---- connection -----------------------------------------------------------------------

    /// The banner state to show now: the live state once this run measured something, else
    /// the state the last sync recorded (`live` false), else `Unknown`.
    pub fn connection(&self) -> Result<Connection, ReaderError> {
        let state = match &self.inner.syncer {
            Some(syncer) => syncer.net().state(),
            None => ConnectionState::Unknown,
        };
        self.connection_of(state)
    }

    /// [`Reader::connection`] for a state a listener was given.
    pub fn connection_of(&self, state: ConnectionState) -> Result<Connection, ReaderError> {
        let mut connection = match self.inner.store.last_connection()? {
            Some(last) if matches!(state, ConnectionState::Unknown) => Connection::recorded(last),
            _ => Connection::live(state),
        };
        let position = self.inner.store.sync_position()?;
        connection.copy_of = position
            .head_expires_at
            .filter(|&expires| expires <= unix_now())
            .and(position.head_issued_at);
        Ok(connection)
    }

    /// Every change of the live banner state, current value first.
    pub fn connection_changes(&self) -> Result<watch::Receiver<ConnectionState>, ReaderError> {
        Ok(self.net()?.subscribe())
    }

    // ---- routes ---------------------------------------------------------------------------

    /// Adds a mirror the reader got from a message or a QR code: a tree's `https://`/`http://`
    /// base URL, or a folder holding a copy (an absolute path or a `file://` URL). The next
    /// sync races it too, and it is remembered. Returns its normalised id.
    pub fn add_mirror(&self, url: &str) -> Result<String, ReaderError> {
        let route = if url.starts_with('/') {
            Route::folder(Path::new(url))
        } else if url.starts_with("file:") {
            Route::parse(url, RouteSource::Folder)
        } else {
            Route::parse(url, RouteSource::User)
        }
        .map_err(|e| ReaderError::bad_argument("url", e))?;
        match &self.inner.syncer {
            Some(syncer) => Ok(syncer.net().add_route(route).id().to_owned()),
            None => {
                let store = &self.inner.store;
                if !store.routes()?.iter().any(|h| h.url == route.id()) {
                    store.save_routes(&[RouteHealth::new(route.id(), route.source())])?;
                }
                Ok(route.id().to_owned())
            }
        }
    }

    /// Every route the reader knows with its health: the configured ones and those it added
    /// or learnt; for a reader opened offline, those saved in the store.
    pub fn routes(&self) -> Result<Vec<RouteHealth>, ReaderError> {
        Ok(match &self.inner.syncer {
            Some(syncer) => syncer
                .net()
                .routes()
                .into_iter()
                .map(|e| e.health)
                .collect(),
            None => self.inner.store.routes()?,
        })
    }

    // ---- articles -------------------------------------------------------------------------

    /// A page of articles, newest first, after `after` (the previous page's `next`). `limit`:
    /// 1 to [`MAX_PAGE`].
    pub fn list(
        &self,
        filter: &ListFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page, ReaderError> {
        Ok(self.inner.store.list(filter, after, check_limit(limit)?)?)
    }

    pub fn counts(&self) -> Result<Counts, ReaderError> {
        Ok(self.inner.store.counts()?)
    }

    /// Every committed write bumps the value: re-read what you show.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.store.changes()
    }

    /// The stored article with its comments and related articles; `None` when not stored.
    pub fn article(&self, id: &str) -> Result<Option<ArticleView>, ReaderError> {
        Ok(self.inner.store.article(id)?)
    }

    /// Offline search, best first (see [`Store::search`]); `options.limit`: 1 to [`MAX_PAGE`].
    pub fn search(
        &self,
        query: &str,
        options: &SearchOptions,
    ) -> Result<Vec<SearchHit>, ReaderError> {
        check_limit(options.limit)?;
        Ok(self.inner.store.search(query, options)?)
    }

    fn require_article(&self, id: &str) -> Result<(), ReaderError> {
        match self.inner.store.article_exists(id)? {
            true => Ok(()),
            false => Err(ReaderError::not_found(format!("article {id:?}"))),
        }
    }

    /// Bookmarks a stored article (now) or removes the bookmark.
    pub fn set_bookmarked(&self, article_id: &str, bookmarked: bool) -> Result<(), ReaderError> {
        self.require_article(article_id)?;
        Ok(self.inner.store.set_bookmarked(article_id, bookmarked)?)
    }

    /// Marks a stored article read (now) or unread.
    pub fn set_read(&self, article_id: &str, read: bool) -> Result<(), ReaderError> {
        self.require_article(article_id)?;
        Ok(self.inner.store.set_read(article_id, read)?)
    }

    /// How far the reader got in a stored article, 0.0 to 1.0, or `None` to clear it.
    pub fn set_reading_position(
        &self,
        article_id: &str,
        position: Option<f64>,
    ) -> Result<(), ReaderError> {
        if let Some(p) = position
            && !(0.0..=1.0).contains(&p)
        {
            return Err(ReaderError::bad_argument(
                "position",
                format!("{p} is not between 0.0 and 1.0"),
            ));
        }
        self.require_article(article_id)?;
        Ok(self.inner.store.set_position(article_id, position)?)
    }

    /// The bytes of image `hash` of a stored article — its lead image or one of its images,
    /// or the full-size original of one ([`MediaRef::original`]): from the store when there,
    /// else fetched through the routes and verified by hash. An image is then stored (and the
    /// budget kept); an original only when it fits in what is left of the budget (see
    /// [`Store::put_original`]). A sync never fetches originals, and text-only mode does not
    /// stop this call: asking for an image is asking explicitly.
    pub async fn image(&self, article_id: &str, hash: &str) -> Result<Vec<u8>, ReaderError> {
        let store = &self.inner.store;
        let wanted = hash.to_owned();
        if let Some(bytes) = store.blocking(move |s| s.media(&wanted)).await? {
            return Ok(bytes);
        }
        let id = article_id.to_owned();
        let article = store
            .blocking(move |s| s.article(&id))
            .await?
            .ok_or_else(|| ReaderError::not_found(format!("article {article_id:?}")))?
            .article;
        let not_found =
            || ReaderError::not_found(format!("image {hash} of article {article_id:?}"));
        let mut media = article.lead_image.into_iter().chain(article.images);
        let Some(image) =
            media.find(|m| m.hash == hash || m.original.iter().any(|o| o.hash == hash))
        else {
            return Err(not_found());
        };
        let syncer = self.syncer()?;
        match image.original.as_ref().filter(|o| o.hash == hash) {
            Some(original) => {
                let original = MediaRef {
                    hash: original.hash.clone(),
                    size: original.size,
                    mime: original.mime.clone(),
                    caption: None,
                    original: None,
                };
                let bytes = syncer.download_media(&original).await?;
                Ok(store
                    .blocking(move |s| {
                        s.put_original(&original.hash, &original.mime, &bytes)?;
                        Ok(bytes)
                    })
                    .await?)
            }
            None => Ok(syncer.fetch_media(&image).await?),
        }
    }

    // ---- comments -------------------------------------------------------------------------

    /// Checks a comment on a stored article against the rules of [`crate::comments::rules`] and queues it in
    /// the outbox, normalised.
    pub fn compose_comment(
        &self,
        article_id: &str,
        author: &str,
        text: &str,
    ) -> Result<OutboxItem, ReaderError> {
        let valid = crate::comments::rules::validate(author, text)?;
        self.require_article(article_id)?;
        Ok(self
            .inner
            .store
            .queue_comment(article_id, &valid.author, &valid.text)?)
    }

    /// Delivers the waiting comments now, without a sync (a sync delivers them too): for a
    /// "send now" after composing while a route is known to work.
    pub async fn deliver_comments(
        &self,
    ) -> Result<crate::comments::delivery::Delivery, ReaderError> {
        let net = self.net()?;
        Ok(crate::comments::delivery::deliver(&self.inner.store, net).await?)
    }

    /// Every comment in the outbox, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, ReaderError> {
        Ok(self.inner.store.outbox()?)
    }

    // ---- sharing --------------------------------------------------------------------------

    /// Writes the reader's verified copy as a mirror tree into `dir`, an existing writable
    /// directory (a USB stick, an SD card): any reader syncs from it as a folder route. See
    /// [`crate::share::export_tree`]. Blocking: call it off the UI thread.
    pub fn export_tree(&self, dir: &Path) -> Result<Export, ReaderError> {
        Ok(export_tree(&self.inner.store, dir)?)
    }

    /// Serves the verified copy over plain HTTP on `port` of every interface (a phone's
    /// hotspot; 0 picks a free port), with a landing page and a QR code of the URL to add as a
    /// mirror; see [`crate::share::serve`]. A running share is stopped first. Returns the URL.
    /// Must be called within a tokio runtime.
    pub async fn start_sharing(&self, port: u16) -> Result<String, ReaderError> {
        self.stop_sharing();
        let bind = std::net::SocketAddr::from(([0, 0, 0, 0], port));
        let sharing = crate::share::serve::start(self.inner.store.clone(), bind).await?;
        let url = sharing.url.clone();
        *self.inner.sharing.lock().unwrap_or_else(|e| e.into_inner()) = Some(sharing);
        Ok(url)
    }

    /// Stops sharing, if it runs.
    pub fn stop_sharing(&self) {
        if let Some(sharing) = self
            .inner
            .sharing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            sharing.stop();
        }
    }

    // ---- storage --------------------------------------------------------------------------

    pub fn usage(&self) -> Result<StorageUsage, ReaderError> {
        Ok(self.inner.store.usage()?)
    }

    /// The head version and log position the reader holds.
    pub fn sync_position(&self) -> Result<SyncPosition, ReaderError> {
        Ok(self.inner.store.sync_position()?)
    }

    /// Checks the whole database file; slow on a large store: run it off the UI thread.
    pub fn check_integrity(&self) -> Result<(), ReaderError> {
        Ok(self.inner.store.integrity_check()?)
    }

    /// Cancels a running sync and waits until it has stopped (at most [`WIPE_WAIT`], else
    /// [`StoreError::Busy`](crate::store::StoreError::Busy) and nothing deleted), closes every
    /// connection to the database — for every clone of this reader, whose calls fail from then
    /// on — and deletes the database with its journal files, so a reader opened on the same
    /// path right after starts from nothing. Blocks: call it off the async runtime's threads.
    /// The reader is consumed.
    pub fn wipe(self) -> Result<(), ReaderError> {
        self.cancel_sync();
        if let Some(syncer) = &self.inner.syncer {
            let deadline = std::time::Instant::now() + WIPE_WAIT;
            while syncer.is_running() {
                if std::time::Instant::now() > deadline {
                    return Err(crate::store::StoreError::Busy.into());
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        if let Some(health) = &self.inner.health {
            health.flush();
        }
        self.inner.store.close()?;
        let path: PathBuf = self.database().to_path_buf();
        drop(self);
        wipe_database(&path)?;
        Ok(())
    }
}

fn check_limit(limit: usize) -> Result<usize, ReaderError> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(ReaderError::bad_argument(
            "limit",
            format!("must be 1 to {MAX_PAGE}, got {limit}"),
        ));
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetConfig;

    #[test]
    fn a_main_site_the_app_no_longer_configures_is_not_raced() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("reader.db");
        let store = Store::open(&database, StoreConfig::default()).unwrap();
        let mut old_main = RouteHealth::new("https://old.example/", RouteSource::Main);
        (old_main.successes, old_main.last_success_at) = (5, Some(100));
        store.save_routes(&[old_main]).unwrap();
        let user = RouteHealth::new("https://user.example/", RouteSource::User);
        store.save_routes(&[user]).unwrap();
        drop(store);

        let reader = online(database, "https://new.example/");
        let order: Vec<String> = reader
            .net()
            .unwrap()
            .race_order()
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        assert_eq!(order, ["https://new.example/", "https://user.example/"]);
    }

    /// A reader of a random publisher key with main site `main_url` and no mirrors.
    fn online(database: PathBuf, main_url: &str) -> Reader {
        Reader::open(ReaderConfig {
            database,
            publisher_keys: vec![
                crate::format::note::SecretKey::generate()
                    .public()
                    .to_string(),
            ],
            main_url: main_url.into(),
            mirrors: vec![],
            storage_budget_bytes: 1 << 20,
            text_only: false,
            net: NetConfig::default(),
        })
        .unwrap()
    }

    /// A route's health is saved off the reporting thread (a race's, on the async runtime):
    /// the report returns while another connection holds the write lock (the store waits up
    /// to 5 s for it), and the record is stored once the lock is free, before the reader
    /// closes.
    #[test]
    fn route_health_is_saved_without_waiting_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("reader.db");
        let reader = online(database.clone(), "https://main.example/");
        let net = reader.net().unwrap();
        let main = net.routes()[0].route.clone();
        let other = rusqlite::Connection::open(&database).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();

        let started = std::time::Instant::now();
        for latency_ms in [40, 50] {
            net.report(&crate::net::Attempt::new(
                &main,
                "head",
                crate::net::Outcome::Ok { latency_ms },
            ));
        }
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
        std::thread::sleep(std::time::Duration::from_millis(300));
        other.execute_batch("COMMIT").unwrap();
        drop(reader);

        let store = Store::open(&database, StoreConfig::default()).unwrap();
        let saved = store.routes().unwrap();
        let main = saved.iter().find(|h| h.url == "https://main.example/");
        assert_eq!(main.map(|h| h.successes), Some(2), "{saved:?}");
    }
}
