//! What an app configures once, and the checks it must pass before anything is opened.

use std::path::PathBuf;

use super::ReaderError;
use crate::format::note::PublicKey;
use crate::net::{NetConfig, Route, RouteSet, RouteSource};

/// What an app configures once.
#[derive(Clone)]
pub struct ReaderConfig {
    /// The SQLite file, created with its folder if missing.
    pub database: PathBuf,
    /// The publisher's public keys, one-line text form (`ed25519:…`), pinned in the app; at
    /// least one.
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

/// A reader opened offline: the store alone (see [`super::Reader::open_offline`]).
#[derive(Debug, Clone)]
pub struct OfflineConfig {
    pub database: PathBuf,
    pub storage_budget_bytes: u64,
    /// Create the database (and its folder) when it is missing.
    pub create: bool,
}

/// The parts of a configuration that passed validation.
pub(super) struct Valid {
    pub keys: Vec<PublicKey>,
    pub routes: RouteSet,
}

impl ReaderConfig {
    /// Every check, each naming the field it is about: a database path, at least one parseable
    /// key, a main URL and mirrors that are routes, http(s) probes, timeouts above zero.
    pub(super) fn validate(&self) -> Result<Valid, ReaderError> {
        if self.database.as_os_str().is_empty() {
            return Err(ReaderError::config("database", "must not be empty"));
        }
        if self.publisher_keys.is_empty() {
            return Err(ReaderError::config(
                "publisher_keys",
                "at least one publisher key must be pinned",
            ));
        }
        let keys = self
            .publisher_keys
            .iter()
            .map(|k| {
                PublicKey::parse(k)
                    .map_err(|e| ReaderError::config("publisher_keys", format!("{k:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Route::parse(&self.main_url, RouteSource::Main)
            .map_err(|e| ReaderError::config("main_url", e))?;
        for m in &self.mirrors {
            Route::parse(m, RouteSource::BuiltIn).map_err(|e| ReaderError::config("mirrors", e))?;
        }
        let routes = RouteSet::new(&self.main_url, &self.mirrors)
            .map_err(|e| ReaderError::config("main_url", e))?;
        let net = &self.net;
        for (field, urls) in [
            ("international_probes", &net.international_probes),
            ("domestic_probes", &net.domestic_probes),
        ] {
            for url in urls {
                let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    return Err(ReaderError::config(
                        field,
                        format!("{url:?} is not an http(s) URL"),
                    ));
                }
            }
        }
        for (field, value) in [
            ("connect_timeout", net.connect_timeout),
            ("read_timeout", net.read_timeout),
            ("sync_deadline", net.sync_deadline),
        ] {
            if value.is_zero() {
                return Err(ReaderError::config(field, "must be above 0"));
            }
        }
        Ok(Valid { keys, routes })
    }
}
