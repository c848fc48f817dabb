//! The reader: everything an app holds for its lifetime, assembled from one configuration —
//! the store, the routes and the sync engine. The FFI and the CLI are thin layers over it.
//!
//! Opening a reader does no network I/O. Reads go to the store and are fast enough for a UI
//! thread; [`Reader::sync`] is async and must run inside a tokio runtime.

use std::path::PathBuf;
use std::sync::Arc;

use crate::format::note::PublicKey;
use crate::net::{Connectivity, HealthLog, NetConfig, RouteHealth, RouteSet};
use crate::store::{LastConnection, Store, StoreConfig, StoreError};
use crate::sync::{SyncConfig, SyncError, SyncReport, Syncer};

/// What an app configures once.
#[derive(Clone)]
pub struct ReaderConfig {
    /// The SQLite file (created if missing).
    pub database: PathBuf,
    /// The publisher's public keys, one-line text form (`ed25519:…`), pinned in the app.
    pub publisher_keys: Vec<String>,
    /// The main site's tree base URL.
    pub main_url: String,
    /// Mirrors built into the app.
    pub mirrors: Vec<String>,
    /// Cap for article bodies plus media, in bytes.
    pub storage_budget_bytes: u64,
    /// Skip media during sync (metered network).
    pub text_only: bool,
    /// Timeouts, trust roots, resolver and probes.
    pub net: NetConfig,
}

/// Why a reader could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("publisher key {key:?}: {reason}")]
    Key { key: String, reason: String },
    #[error("route {url:?}: {reason}")]
    Route { url: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("network setup: {0}")]
    Net(String),
}

/// The app's handle on the core.
#[derive(Clone)]
pub struct Reader {
    store: Arc<Store>,
    syncer: Syncer,
}

/// Route health persisted in the store.
struct StoreHealthLog(Arc<Store>);

impl HealthLog for StoreHealthLog {
    fn load(&self) -> Vec<RouteHealth> {
        self.0.routes().unwrap_or_default()
    }

    fn save(&self, h: &RouteHealth) {
        // Losing a health update only costs a less informed race.
        let _ = self.0.save_route(h);
    }
}

impl Reader {
    /// Opens the store and assembles routes and the sync engine. No network I/O.
    pub fn open(config: ReaderConfig) -> Result<Reader, OpenError> {
        let keys = config
            .publisher_keys
            .iter()
            .map(|k| {
                PublicKey::parse(k).map_err(|e| OpenError::Key {
                    key: k.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(OpenError::Key {
                key: String::new(),
                reason: "at least one publisher key must be pinned".into(),
            });
        }
        let routes = RouteSet::new(&config.main_url, &config.mirrors).map_err(|e| {
            // Name the URL that is wrong: main or one of the mirrors.
            let url = std::iter::once(&config.main_url)
                .chain(&config.mirrors)
                .find(|u| crate::net::Route::parse(u, crate::net::RouteSource::BuiltIn).is_err())
                .unwrap_or(&config.main_url)
                .clone();
            OpenError::Route {
                url,
                reason: e.to_string(),
            }
        })?;
        let store = Arc::new(Store::open(
            &config.database,
            StoreConfig {
                budget_bytes: config.storage_budget_bytes,
                ..StoreConfig::default()
            },
        )?);
        // Connectivity restores the saved health of these routes and the saved user, mirror-list
        // and folder routes; a main site or built-in mirror the app no longer configures is
        // forgotten.
        let log = Arc::new(StoreHealthLog(store.clone()));
        let net = Connectivity::new(config.net, routes, log)
            .map_err(|e| OpenError::Net(e.to_string()))?;
        let mut sync = SyncConfig::new(keys);
        sync.text_only = config.text_only;
        Ok(Reader {
            syncer: Syncer::new(store.clone(), net, sync),
            store,
        })
    }

    /// The local store: lists, articles, search, reader state, outbox, usage.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The sync engine: sync, cancel, progress, on-demand media.
    pub fn syncer(&self) -> &Syncer {
        &self.syncer
    }

    /// Routes and the banner state.
    pub fn net(&self) -> &Connectivity {
        self.syncer.net()
    }

    /// Syncs (see [`Syncer::sync`]), then records the banner state and the route used in the
    /// store, so that the next start shows them offline ([`Reader::last_connection`]). Losing
    /// that record (a storage error) only costs a stale banner at the next start.
    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        let result = self.syncer.sync().await;
        let last = LastConnection {
            state: self.net().state(),
            route: result.as_ref().ok().map(|r| r.route.clone()),
            at: chrono::Utc::now().timestamp(),
        };
        let store = self.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.set_last_connection(&last)).await;
        result
    }

    /// The banner state and route of the last sync, from the store (no network).
    pub fn last_connection(&self) -> Result<Option<LastConnection>, StoreError> {
        self.store.last_connection()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{RouteHealth, RouteSource};

    #[test]
    fn a_main_site_the_app_no_longer_configures_is_not_raced() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("reader.db");
        let store = Store::open(&database, StoreConfig::default()).unwrap();
        let mut old_main = RouteHealth::new("https://old.example/", RouteSource::Main);
        (old_main.successes, old_main.last_success_at) = (5, Some(100));
        store.save_route(&old_main).unwrap();
        let user = RouteHealth::new("https://user.example/", RouteSource::User);
        store.save_route(&user).unwrap();
        drop(store);

        let reader = Reader::open(ReaderConfig {
            database,
            publisher_keys: vec![
                crate::format::note::SecretKey::generate()
                    .public()
                    .to_string(),
            ],
            main_url: "https://new.example/".into(),
            mirrors: vec![],
            storage_budget_bytes: 1 << 20,
            text_only: false,
            net: NetConfig::default(),
        })
        .unwrap();
        let order: Vec<String> = reader
            .net()
            .race_order()
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        assert_eq!(order, ["https://new.example/", "https://user.example/"]);
    }
}
