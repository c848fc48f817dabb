//! Routes and connectivity: the only part of the core that opens sockets or reads route
//! folders.
//!
//! - [`evidence`]: what one request on one route tells ([`Attempt`], [`Outcome`],
//!   [`FailureKind`], [`RouteSource`]); depends on no other module here.
//! - [`health`]: the persisted [`RouteHealth`] and the interface the store implements.
//! - [`routes`]: validated routes, their health rules and the race order.
//! - [`config`]: timeouts, trust roots, resolver and probe URLs.
//! - [`resolve`]: the resolver the core owns and the DNS-tampering guard.
//! - [`client`]: HTTP and folder fetches with byte caps, classified failures.
//! - [`race`]: the staggered race.
//! - [`endpoints`]: comment endpoints and their health.
//! - [`probe`]: international and domestic probes.
//! - [`state`]: the banner state machine and its listeners.
//!
//! [`Connectivity`] ties them together for the sync engine.

pub mod client;
pub mod config;
pub mod endpoints;
pub mod evidence;
pub mod health;
pub mod probe;
pub mod race;
pub mod resolve;
pub mod routes;
pub mod state;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

pub use client::{Answer, ClientError, FetchError, Fetched, HttpClient, tls_config};
pub use config::NetConfig;
pub use evidence::{Attempt, FailureKind, Outcome, RouteSource, millis, unix_now};
pub use health::{HealthLog, MemoryHealthLog, RouteHealth};
pub use probe::{ProbeResult, ProbeScope};
pub use race::{Lost, RaceTiming, Won};
pub use resolve::{DnsError, Resolver, StaticResolver, SystemResolver};
pub use routes::{Route, RouteEntry, RouteError, RouteSet};
pub use state::{ConnectionState, Evidence, Observations, StateTracker, banner_text, classify};

use crate::format::layout::{self, TreePath};
use crate::format::limits::HEAD_MAX;
use crate::format::log::check_pinned;

/// The network facade the sync engine uses: races for `head`, fetches immutable files from any
/// route that holds them, keeps route health and publishes the banner state.
#[derive(Clone)]
pub struct Connectivity {
    inner: Arc<Inner>,
}

struct Inner {
    client: HttpClient,
    routes: Mutex<RouteSet>,
    log: Arc<dyn HealthLog>,
    tracker: StateTracker,
    network_available: AtomicBool,
    /// The observations behind the current state, re-classified when a late check ends.
    last_round: Mutex<Observations>,
    /// Bumped by every head race; a late check only touches the round it belongs to.
    round: AtomicU64,
    endpoints: Mutex<endpoints::EndpointSet>,
}

impl Connectivity {
    /// Builds the client and merges the health saved in `log` into `routes`.
    pub fn new(
        config: NetConfig,
        mut routes: RouteSet,
        log: Arc<dyn HealthLog>,
    ) -> Result<Connectivity, ClientError> {
        let client = HttpClient::new(Arc::new(config))?;
        routes.load_health(log.load());
        Ok(Connectivity {
            inner: Arc::new(Inner {
                client,
                routes: Mutex::new(routes),
                log,
                tracker: StateTracker::new(),
                network_available: AtomicBool::new(true),
                last_round: Mutex::new(Observations::default()),
                round: AtomicU64::new(0),
                endpoints: Mutex::default(),
            }),
        })
    }

    /// The client, for the fetch closures given to [`Connectivity::race_head`].
    pub fn client(&self) -> &HttpClient {
        &self.inner.client
    }

    pub fn config(&self) -> &NetConfig {
        self.inner.client.config()
    }

    /// Races every route for `head`, last good route first (see [`routes`]). `fetch` fetches
    /// and verifies: it returns `Ok` only for a head the caller accepts, and
    /// [`FetchError::verification`] for one it rejects. Probes start when no route has won
    /// after `probe_delay`, or at once when all have failed. The state becomes `Connecting`
    /// during the race only when nothing was known before (`Unknown`), so the banner does not
    /// flicker on every sync. Records health, sets the banner
    /// state, and returns the winner with the evidence, or every attempt when no route won.
    ///
    /// When a mirror wins and the main site neither answered nor failed in this race (and is
    /// not in back-off), a background check of main's `head` runs (unverified: 2xx and not a
    /// block page); its failure sharpens the state, its success makes main the last good route
    /// so the next race tries it first.
    pub async fn race_head<T, F, Fut>(&self, fetch: F) -> Result<Won<T>, Lost>
    where
        F: FnMut(Route) -> Fut,
        Fut: std::future::Future<Output = Result<T, FetchError>>,
    {
        let inner = &self.inner;
        let round = inner.round.fetch_add(1, Ordering::SeqCst) + 1;
        let order = self.lock_routes().race_order(unix_now());
        if matches!(inner.tracker.current(), ConnectionState::Unknown) {
            inner.tracker.set(ConnectionState::Connecting(Evidence {
                network_available: self.network_available(),
                checked_at: unix_now(),
                ..Evidence::default()
            }));
        }
        let config = self.config();
        let timing = RaceTiming {
            stagger: config.stagger,
            deadline: config.race_deadline,
        };
        let race_fut = race::race(&order, layout::HEAD, timing, fetch);
        tokio::pin!(race_fut);
        let mut probes = Vec::new();
        let result = tokio::select! {
            r = &mut race_fut => r,
            () = tokio::time::sleep(config.probe_delay) => {
                let probes_fut = probe::run_probes(&inner.client);
                tokio::pin!(probes_fut);
                tokio::select! {
                    r = &mut race_fut => match r {
                        Ok(won) => Ok(won),
                        Err(lost) => {
                            probes = probes_fut.await;
                            Err(lost)
                        }
                    },
                    p = &mut probes_fut => {
                        probes = p;
                        race_fut.await
                    }
                }
            }
        };
        let result = match result {
            Err(lost) if probes.is_empty() => {
                probes = probe::run_probes(&inner.client).await;
                Err(lost)
            }
            other => other,
        };
        let attempts = match &result {
            Ok(won) => won.attempts.clone(),
            Err(lost) => lost.attempts.clone(),
        };
        for a in &attempts {
            self.report(a);
        }
        let main = self.lock_routes().main().clone();
        let mut observed = attempts.clone();
        let main_settled = attempts
            .iter()
            .any(|a| a.url == main.id() && !matches!(a.outcome, Outcome::Cancelled { .. }));
        if !attempts.iter().any(|a| a.url == main.id()) {
            observed.extend(self.remembered_failure(&main));
        }
        let obs = Observations {
            attempts: observed,
            probes,
            racing: false,
            network_available: self.network_available(),
            checked_at: unix_now(),
        };
        inner.tracker.set(classify(&obs));
        *lock(&inner.last_round) = obs;
        let mirror_won = result.as_ref().is_ok_and(|won| !won.route.is_main());
        if mirror_won && !main_settled && !self.in_backoff(&main) {
            self.spawn_main_check(main, round);
        }
        result
    }

    /// Fetches an immutable tree file pinned by a verified head (its SHA-256 and length),
    /// trying `preferred` (the route that won the head race) first and then every other route,
    /// staggered. This is the one place a pinned file is checked: an answer of another length
    /// or hash is a [`FailureKind::Verification`] of its route, and the next route is tried. A
    /// length over the path's cap ([`TreePath::max_len`]) is refused before any request.
    pub async fn fetch_pinned(
        &self,
        preferred: &Route,
        path: &str,
        hash: &str,
        len: u64,
    ) -> Result<Won<Vec<u8>>, Lost> {
        let refused = |kind, detail| Lost {
            path: path.into(),
            attempts: vec![Attempt::new(
                preferred,
                path,
                Outcome::Failed { kind, detail },
            )],
        };
        let cap = match TreePath::parse(path) {
            Ok(tree_path) => tree_path.max_len(),
            Err(e) => return Err(refused(FailureKind::Other, format!("refused path: {e}"))),
        };
        if len > cap {
            return Err(refused(
                FailureKind::Verification,
                format!("{path} is said to be {len} bytes, over the client's cap of {cap}"),
            ));
        }
        let mut order = vec![preferred.clone()];
        order.extend(
            self.lock_routes()
                .race_order(unix_now())
                .into_iter()
                .filter(|r| r != preferred),
        );
        let config = self.config();
        let timing = RaceTiming {
            stagger: config.stagger,
            deadline: config.race_deadline,
        };
        let client = &self.inner.client;
        let result = race::race(&order, path, timing, |route| async move {
            let bytes = client
                .fetch(&route, path, len, None)
                .await?
                .into_bytes()
                .unwrap_or_default();
            check_pinned(path, &bytes, hash, len)
                .map_err(|e| FetchError::verification(e.to_string()))?;
            Ok(bytes)
        })
        .await;
        let attempts = match &result {
            Ok(won) => &won.attempts,
            Err(lost) => &lost.attempts,
        };
        for a in attempts {
            self.report(a);
        }
        result
    }

    /// Records an attempt in its route's health and persists it (cancelled attempts and
    /// unknown routes are ignored). Use it for requests made outside the races, e.g. the app's
    /// ordinary traffic: a success lifts the back-off at once.
    pub fn report(&self, attempt: &Attempt) {
        match &attempt.outcome {
            Outcome::Failed { kind, detail } => tracing::info!(
                route = %attempt.url, path = %attempt.path, kind = kind.as_str(), %detail,
                remembered = attempt.remembered, "route attempt failed"
            ),
            outcome => tracing::debug!(
                route = %attempt.url, path = %attempt.path, ?outcome, "route attempt"
            ),
        }
        let saved = self.lock_routes().record(attempt);
        if let Some(h) = saved {
            self.inner.log.save(&h);
        }
    }

    /// The caller rejected content from `route` after the fact (bad signature, rollback, stale
    /// tree): records a [`FailureKind::Verification`] failure.
    pub fn report_verification_failure(&self, route: &Route, path: &str, detail: &str) {
        tracing::warn!(route = %route.id(), path, detail, "content failed verification");
        self.report(&Attempt::new(
            route,
            path,
            Outcome::Failed {
                kind: FailureKind::Verification,
                detail: detail.into(),
            },
        ));
    }

    /// The current banner state.
    pub fn state(&self) -> ConnectionState {
        self.inner.tracker.current()
    }

    /// Banner state changes, current value first.
    pub fn subscribe(&self) -> watch::Receiver<ConnectionState> {
        self.inner.tracker.subscribe()
    }

    /// The OS network status, as the app sees it. No network means `Offline` at once; when the
    /// network returns, the next race decides the state.
    pub fn set_network_available(&self, available: bool) {
        self.inner
            .network_available
            .store(available, Ordering::SeqCst);
        let mut last = lock(&self.inner.last_round);
        last.network_available = available;
        last.checked_at = unix_now();
        if !available {
            self.inner.tracker.set(classify(&last));
        } else if last.attempts.is_empty() && last.probes.is_empty() {
            self.inner.tracker.set(ConnectionState::Unknown);
        }
    }

    /// Replaces the mirrors from the publisher's signed mirror list (already verified).
    pub fn set_mirror_list(&self, urls: &[String]) {
        let added: Vec<RouteHealth> = {
            let mut routes = self.lock_routes();
            routes.set_mirror_list(urls);
            routes
                .entries()
                .iter()
                .filter(|e| e.route.source() == RouteSource::MirrorList)
                .map(|e| e.health.clone())
                .collect()
        };
        for h in &added {
            self.inner.log.save(h);
        }
    }

    /// Races the comment endpoints `urls` (from the verified mirror list) for a delivery:
    /// last good endpoint first, staggered like the head race; `post` returns `Ok` only for an
    /// answer the caller takes as final. Records each endpoint's health (its back-off too).
    /// Posting is idempotent, so racing duplicates is safe.
    pub async fn race_endpoints<T, F, Fut>(
        &self,
        urls: &[String],
        path: &str,
        post: F,
    ) -> Result<Won<T>, Lost>
    where
        F: FnMut(Route) -> Fut,
        Fut: std::future::Future<Output = Result<T, FetchError>>,
    {
        let order = {
            let mut endpoints = lock(&self.inner.endpoints);
            endpoints.set(urls);
            endpoints.order(unix_now())
        };
        let config = self.config();
        let timing = RaceTiming {
            stagger: config.stagger,
            deadline: config.race_deadline,
        };
        let result = race::race(&order, path, timing, post).await;
        let attempts = match &result {
            Ok(won) => &won.attempts,
            Err(lost) => &lost.attempts,
        };
        let mut endpoints = lock(&self.inner.endpoints);
        for a in attempts {
            if let Outcome::Failed { kind, detail } = &a.outcome {
                tracing::info!(endpoint = %a.url, kind = kind.as_str(), %detail, "comment delivery failed");
            }
            endpoints.record(a);
        }
        result
    }

    /// Forgets a user mirror or folder (main and built-in mirrors stay). The persisted health
    /// record is left to the store to drop.
    pub fn remove_route(&self, id: &str) -> bool {
        self.lock_routes().remove(id)
    }

    /// Every route with its health, for a details screen.
    pub fn routes(&self) -> Vec<RouteEntry> {
        self.lock_routes().entries().to_vec()
    }

    /// The order the next head race would use.
    pub fn race_order(&self) -> Vec<Route> {
        self.lock_routes().race_order(unix_now())
    }

    /// Adds a route (a mirror the reader entered, a folder) and saves its health record;
    /// returns the route kept (an existing route with the same id stays as it is).
    pub fn add_route(&self, route: Route) -> Route {
        let mut routes = self.lock_routes();
        let kept = routes.insert(route);
        if let Some(e) = routes.get(kept.id()) {
            self.inner.log.save(&e.health);
        }
        kept
    }

    fn network_available(&self) -> bool {
        self.inner.network_available.load(Ordering::SeqCst)
    }

    fn lock_routes(&self) -> MutexGuard<'_, RouteSet> {
        lock(&self.inner.routes)
    }

    fn in_backoff(&self, route: &Route) -> bool {
        let now = unix_now();
        self.lock_routes()
            .get(route.id())
            .and_then(|e| e.health.backoff_until)
            .is_some_and(|t| t > now)
    }

    /// The route's last failure, when that is the latest thing known about it.
    fn remembered_failure(&self, route: &Route) -> Option<Attempt> {
        let routes = self.lock_routes();
        let h = &routes.get(route.id())?.health;
        let failed_at = h.last_failure_at?;
        if h.consecutive_failures == 0 {
            return None;
        }
        Some(Attempt {
            url: h.url.clone(),
            source: h.source,
            path: String::new(),
            at: failed_at,
            outcome: Outcome::Failed {
                kind: h.last_failure?,
                detail: "last known failure".into(),
            },
            remembered: true,
        })
    }

    fn spawn_main_check(&self, main: Route, round: u64) {
        let this = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let result = this
                .inner
                .client
                .fetch(&main, layout::HEAD, HEAD_MAX, None)
                .await;
            let outcome = match result {
                Ok(_) => Outcome::Ok {
                    latency_ms: millis(started.elapsed()),
                },
                Err(e) => Outcome::Failed {
                    kind: e.kind,
                    detail: e.detail,
                },
            };
            let attempt = Attempt::new(&main, layout::HEAD, outcome);
            this.report(&attempt);
            // An unverified answer never makes the state Direct; a failure sharpens it.
            if attempt.is_ok() || this.inner.round.load(Ordering::SeqCst) != round {
                return;
            }
            let mut last = lock(&this.inner.last_round);
            last.attempts.retain(|a| a.url != main.id() || a.is_ok());
            last.attempts.push(attempt);
            last.checked_at = unix_now();
            this.inner.tracker.set(classify(&last));
        });
    }
}

/// Locks a mutex, recovering the data if a panic poisoned it (the data stays consistent:
/// every critical section is a plain update).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sync engine spawns syncs on a multi-threaded runtime: the race futures must be Send.
    #[allow(dead_code)]
    fn races_are_send(net: &Connectivity, route: &Route) {
        fn assert_send<T: Send>(_: &T) {}
        let head = net.race_head(|r| {
            let client = net.client().clone();
            async move { client.fetch(&r, layout::HEAD, HEAD_MAX, None).await }
        });
        assert_send(&head);
        assert_send(&net.fetch_pinned(route, layout::HEAD, "", HEAD_MAX));
    }

    #[tokio::test]
    async fn health_saved_in_the_log_is_restored_on_start() {
        let log = Arc::new(MemoryHealthLog::new());
        let mut saved = RouteHealth::new("https://user.example/", RouteSource::User);
        saved.successes = 2;
        saved.last_success_at = Some(unix_now());
        log.save(&saved);
        let routes = RouteSet::new("https://main.example/", &[]).unwrap();
        let config = NetConfig {
            webpki_roots: false,
            ..NetConfig::default()
        };
        let net = Connectivity::new(config, routes, log.clone()).unwrap();
        assert_eq!(net.race_order()[0].id(), "https://user.example/");
        let added =
            net.add_route(Route::parse("https://other.example/tree", RouteSource::User).unwrap());
        assert_eq!(added.id(), "https://other.example/tree/");
        assert!(log.load().iter().any(|h| h.url == added.id()));

        assert!(net.remove_route(added.id()));
        assert!(!net.remove_route("https://main.example/"));
    }
}
