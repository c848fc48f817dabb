//! Comment endpoints: where sealed comments are posted (the publisher's inbox, or relays to it),
//! with the same health, back-off and order as the routes of the tree.

use super::evidence::Attempt;
use super::routes::{Route, RouteEntry};

/// The endpoints of the last verified mirror list, with their health (kept for the process's
/// life: an endpoint that failed waits out its back-off).
#[derive(Debug, Default)]
pub struct EndpointSet {
    entries: Vec<RouteEntry>,
}

impl EndpointSet {
    /// Replaces the endpoints with `urls` (invalid ones and folders skipped), keeping the health
    /// of those that stay.
    pub fn set(&mut self, urls: &[String]) {
        let fresh = Route::from_signed_list(urls);
        self.entries
            .retain(|e| fresh.iter().any(|r| r.id() == e.route.id()));
        for r in fresh {
            if !self.entries.iter().any(|e| e.route.id() == r.id()) {
                self.entries.push(RouteEntry::new(r));
            }
        }
    }

    /// The order of the next delivery race: endpoints out of back-off first (the last to
    /// succeed first, then by failures), then those in back-off, soonest first.
    pub fn order(&self, now: i64) -> Vec<Route> {
        let mut ready: Vec<&RouteEntry> =
            self.entries.iter().filter(|e| !e.in_backoff(now)).collect();
        ready.sort_by_key(|e| {
            (
                !e.is_good(),
                std::cmp::Reverse(e.health.last_success_at),
                e.health.consecutive_failures,
            )
        });
        let mut waiting: Vec<&RouteEntry> =
            self.entries.iter().filter(|e| e.in_backoff(now)).collect();
        waiting.sort_by_key(|e| e.health.backoff_until);
        ready
            .into_iter()
            .chain(waiting)
            .map(|e| e.route.clone())
            .collect()
    }

    pub fn record(&mut self, attempt: &Attempt) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.route.id() == attempt.url)
        {
            e.record(&attempt.outcome, attempt.at);
        }
    }
}
