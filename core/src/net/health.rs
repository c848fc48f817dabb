//! Where route health is persisted. The store implements [`HealthLog`]; the network layer
//! never writes SQL.

use std::sync::Mutex;

use super::route::RouteHealth;

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
