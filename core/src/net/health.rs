//! Where route health is persisted. The store implements [`HealthLog`]; the network layer
//! never writes SQL.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::evidence::{FailureKind, RouteSource};

/// Persistence of route health, keyed by [`RouteHealth::url`].
pub trait HealthLog: Send + Sync {
    /// Every saved record.
    fn load(&self) -> Vec<RouteHealth>;
    /// Inserts or replaces the record for `h.url`. Failures are the implementation's to log:
    /// losing a health update only costs a less informed race.
    fn save(&self, h: &RouteHealth);
}

/// An in-memory log, for tests and for apps that keep nothing across starts.
#[derive(Debug, Default)]
pub struct MemoryHealthLog {
    records: Mutex<Vec<RouteHealth>>,
}

impl MemoryHealthLog {
    pub fn new() -> Self {
        Self::default()
    }
}

impl HealthLog for MemoryHealthLog {
    fn load(&self) -> Vec<RouteHealth> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn save(&self, h: &RouteHealth) {
        if let Ok(mut records) = self.records.lock() {
            match records.iter_mut().find(|r| r.url == h.url) {
                Some(r) => *r = h.clone(),
                None => records.push(h.clone()),
            }
        }
    }
}

/// The persisted health of one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteHealth {
    /// Base URL of the tree (`https://…/`, `http://…/` or `file:///…/`); the route's identity.
    pub url: String,
    pub source: RouteSource,
    pub successes: u64,
    /// Failures since the last success; drives the back-off.
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_failure: Option<FailureKind>,
    /// Median of recent successful request latencies, in milliseconds.
    pub median_latency_ms: Option<u32>,
    /// Not tried again before this time (Unix seconds) unless nothing else is left.
    pub backoff_until: Option<i64>,
}

impl RouteHealth {
    pub fn new(url: impl Into<String>, source: RouteSource) -> Self {
        RouteHealth {
            url: url.into(),
            source,
            successes: 0,
            consecutive_failures: 0,
            last_success_at: None,
            last_failure_at: None,
            last_failure: None,
            median_latency_ms: None,
            backoff_until: None,
        }
    }
}
