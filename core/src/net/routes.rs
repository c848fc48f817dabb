//! The set of routes and their health, and the order in which a race tries them.
//!
//! Health rules (documented contract):
//! - success: `successes += 1`, `consecutive_failures = 0`, back-off cleared, the latency joins
//!   a window of the last [`LATENCY_SAMPLES`] samples whose median is persisted;
//! - failure: `consecutive_failures += 1`, `backoff_until = now + min(cap, 1 min × 2^(n-1))`
//!   where the cap is one day for mirrors and [`MAIN_BACKOFF_MAX_SECS`] for the main site (so a
//!   recovered main site is noticed within half an hour);
//! - an overtaken attempt (a route started after it won first): `consecutive_failures += 1`,
//!   no back-off; any other cancelled attempt changes nothing.
//!
//! Order of a race: routes not in back-off first, the preferred route at their head: the main
//! site when the latest thing known of it is a success (so a recovered main site wins back at
//! once), else the last good route (latest success newer than its latest failure); when that is
//! a mirror, the main site comes second, so it is tried after one stagger if the mirror is slow;
//! then by fewer consecutive
//! failures, known-good before never-tried, lower median latency, source (main, built-in, mirror
//! list, user, folder). Routes in back-off follow, soonest-released first.

use std::collections::VecDeque;
use std::path::Path;

use url::Url;

use super::evidence::{Attempt, FailureKind, Outcome, RouteSource, unix_now};
use super::health::RouteHealth;

/// Recent latency samples kept in memory per route.
pub const LATENCY_SAMPLES: usize = 7;
/// Back-off cap for mirrors, in seconds.
pub const BACKOFF_MAX_SECS: i64 = 24 * 60 * 60;
/// Back-off cap for the main site, in seconds: short, because returning to it matters most.
pub const MAIN_BACKOFF_MAX_SECS: i64 = 30 * 60;

/// A place a tree can be fetched from: a base URL ending in `/` and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    url: Url,
    source: RouteSource,
}

/// Why a URL cannot be a route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("{url:?} is not a URL: {detail}")]
    NotAUrl { url: String, detail: String },
    #[error("{url:?}: only http, https and file routes are supported")]
    Scheme { url: String },
    #[error("{url:?} has no host")]
    NoHost { url: String },
    #[error("{url:?} carries credentials; a mirror URL must not")]
    Credentials { url: String },
    #[error("{url:?} has a query or fragment; a mirror URL is a plain base")]
    QueryOrFragment { url: String },
    #[error("{path:?} is not an absolute folder path")]
    Folder { path: String },
}

/// An attempt on a route is built here, where routes are known, so that [`Attempt`] itself
/// depends on no other module of `net`.
impl Attempt {
    pub fn new(route: &Route, path: &str, outcome: Outcome) -> Attempt {
        Attempt {
            url: route.id().to_string(),
            source: route.source(),
            path: path.to_string(),
            at: unix_now(),
            outcome,
            remembered: false,
        }
    }
}

impl Route {
    /// Validates and normalises a base URL: `http`, `https` or `file` scheme, a host (or a path
    /// for `file`), no credentials, no query or fragment, a trailing `/`.
    pub fn parse(url: &str, source: RouteSource) -> Result<Route, RouteError> {
        let text = url.trim();
        let mut parsed = Url::parse(text).map_err(|e| RouteError::NotAUrl {
            url: text.into(),
            detail: e.to_string(),
        })?;
        match parsed.scheme() {
            "http" | "https" => {
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(RouteError::NoHost { url: text.into() });
                }
            }
            "file" => {
                // A host names no folder on this device (and with a drive-letter-like path the
                // URL's text parses back without it).
                if parsed.path() == "/" || parsed.path().is_empty() || parsed.host().is_some() {
                    return Err(RouteError::Folder { path: text.into() });
                }
            }
            _ => return Err(RouteError::Scheme { url: text.into() }),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(RouteError::Credentials { url: text.into() });
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(RouteError::QueryOrFragment { url: text.into() });
        }
        if !parsed.path().ends_with('/') {
            let path = format!("{}/", parsed.path());
            parsed.set_path(&path);
        }
        let source = if parsed.scheme() == "file" {
            RouteSource::Folder
        } else {
            source
        };
        Ok(Route {
            url: parsed,
            source,
        })
    }

    /// A local folder holding a copy of the tree.
    pub fn folder(path: &Path) -> Result<Route, RouteError> {
        let url = Url::from_directory_path(path).map_err(|()| RouteError::Folder {
            path: path.display().to_string(),
        })?;
        Route::parse(url.as_str(), RouteSource::Folder)
    }

    /// The route's identity: its normalised base URL.
    pub fn id(&self) -> &str {
        self.url.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn source(&self) -> RouteSource {
        self.source
    }

    pub fn is_folder(&self) -> bool {
        self.url.scheme() == "file"
    }

    pub fn is_main(&self) -> bool {
        self.source == RouteSource::Main
    }

    /// The URL of a tree path under this route (the path is validated by the caller).
    pub(crate) fn join(&self, path: &str) -> Option<Url> {
        self.url.join(path).ok()
    }
}

/// One route with its health and recent latencies.
#[derive(Debug, Clone)]
pub struct RouteEntry {
    pub route: Route,
    pub health: RouteHealth,
    latencies: VecDeque<u32>,
}

impl RouteEntry {
    pub(super) fn new(route: Route) -> Self {
        let health = RouteHealth::new(route.id(), route.source());
        RouteEntry {
            route,
            health,
            latencies: VecDeque::new(),
        }
    }

    fn adopt(&mut self, saved: RouteHealth) {
        self.latencies = saved.median_latency_ms.into_iter().collect();
        self.health = RouteHealth {
            url: self.route.id().to_string(),
            source: self.route.source(),
            ..saved
        };
    }

    /// Whether the latest thing known about this route is a success (failures since the last
    /// success tell the order even within one second).
    pub(super) fn is_good(&self) -> bool {
        self.health.last_success_at.is_some() && self.health.consecutive_failures == 0
    }

    pub(super) fn in_backoff(&self, now: i64) -> bool {
        self.health.backoff_until.is_some_and(|t| t > now)
    }

    pub(super) fn record(&mut self, outcome: &Outcome, at: i64) -> bool {
        let h = &mut self.health;
        match outcome {
            Outcome::Ok { latency_ms } => {
                h.successes += 1;
                h.consecutive_failures = 0;
                h.backoff_until = None;
                h.last_success_at = Some(at);
                self.latencies.push_back(*latency_ms);
                while self.latencies.len() > LATENCY_SAMPLES {
                    self.latencies.pop_front();
                }
                let mut sorted: Vec<u32> = self.latencies.iter().copied().collect();
                sorted.sort_unstable();
                h.median_latency_ms = sorted.get(sorted.len() / 2).copied();
                true
            }
            Outcome::Failed { kind, .. } => {
                h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                h.last_failure_at = Some(at);
                h.last_failure = Some(*kind);
                let cap = if self.route.is_main() {
                    MAIN_BACKOFF_MAX_SECS
                } else {
                    BACKOFF_MAX_SECS
                };
                h.backoff_until = Some(at + backoff_secs(h.consecutive_failures, cap));
                true
            }
            // Beaten by a route started after it: it stops being the last good route (the next
            // race starts elsewhere and tries it after one stagger), without a back-off.
            Outcome::Cancelled {
                overtaken: true, ..
            } => {
                h.consecutive_failures = h.consecutive_failures.saturating_add(1);
                h.last_failure_at = Some(at);
                true
            }
            Outcome::Cancelled { .. } => false,
        }
    }
}

/// `min(cap, 60 s × 2^(failures-1))`.
pub fn backoff_secs(consecutive_failures: u32, cap: i64) -> i64 {
    let exp = consecutive_failures.saturating_sub(1).min(20);
    (60i64 << exp).min(cap)
}

/// All known routes and their health. Performs no I/O.
#[derive(Debug, Clone)]
pub struct RouteSet {
    entries: Vec<RouteEntry>,
}

impl RouteSet {
    /// The main site and the mirrors built into the app.
    pub fn new(main: &str, built_in: &[String]) -> Result<RouteSet, RouteError> {
        let mut set = RouteSet {
            entries: vec![RouteEntry::new(Route::parse(main, RouteSource::Main)?)],
        };
        for url in built_in {
            set.insert(Route::parse(url, RouteSource::BuiltIn)?);
        }
        Ok(set)
    }

    /// Adds a route unless one with the same URL exists (the earlier source wins). Returns the
    /// route as kept.
    pub fn insert(&mut self, route: Route) -> Route {
        if let Some(e) = self.entries.iter().find(|e| e.route.id() == route.id()) {
            return e.route.clone();
        }
        self.entries.push(RouteEntry::new(route.clone()));
        route
    }

    /// Replaces the mirrors that came from the signed mirror list. Invalid URLs are skipped.
    pub fn set_mirror_list(&mut self, urls: &[String]) {
        let fresh: Vec<Route> = urls
            .iter()
            .filter_map(|u| Route::parse(u, RouteSource::MirrorList).ok())
            .filter(|r| !r.is_folder())
            .collect();
        self.entries.retain(|e| {
            e.route.source() != RouteSource::MirrorList
                || fresh.iter().any(|r| r.id() == e.route.id())
        });
        for r in fresh {
            self.insert(r);
        }
    }

    /// Removes a user-added mirror or a folder; the main site and built-in mirrors stay.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| {
            e.route.id() != id
                || matches!(e.route.source(), RouteSource::Main | RouteSource::BuiltIn)
        });
        before != self.entries.len()
    }

    /// Merges persisted health: known routes adopt it; persisted user, mirror-list and folder
    /// routes that are not known yet are restored.
    pub fn load_health(&mut self, saved: Vec<RouteHealth>) {
        for h in saved {
            if let Some(e) = self.entries.iter_mut().find(|e| e.route.id() == h.url) {
                e.adopt(h);
                continue;
            }
            if !matches!(
                h.source,
                RouteSource::User | RouteSource::MirrorList | RouteSource::Folder
            ) {
                continue;
            }
            if let Ok(route) = Route::parse(&h.url, h.source) {
                let mut e = RouteEntry::new(route);
                e.adopt(h);
                self.entries.push(e);
            }
        }
    }

    pub fn main(&self) -> &Route {
        &self.entries[0].route
    }

    pub fn get(&self, id: &str) -> Option<&RouteEntry> {
        self.entries.iter().find(|e| e.route.id() == id)
    }

    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// Applies an attempt to its route's health; returns the new health to persist, or `None`
    /// for an unknown route or a cancelled attempt.
    pub fn record(&mut self, attempt: &Attempt) -> Option<RouteHealth> {
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.route.id() == attempt.url)?;
        e.record(&attempt.outcome, attempt.at)
            .then(|| e.health.clone())
    }

    /// The order in which a race tries the routes at time `now` (Unix seconds); see the module
    /// documentation.
    pub fn race_order(&self, now: i64) -> Vec<Route> {
        let main = &self.entries[0];
        let last_good = if main.is_good() && !main.in_backoff(now) {
            Some(main.route.id().to_string())
        } else {
            self.entries
                .iter()
                .filter(|e| e.is_good() && !e.in_backoff(now))
                .max_by_key(|e| e.health.last_success_at)
                .map(|e| e.route.id().to_string())
        };
        let mut ready: Vec<&RouteEntry> =
            self.entries.iter().filter(|e| !e.in_backoff(now)).collect();
        ready.sort_by_key(|e| {
            (
                Some(e.route.id()) != last_good.as_deref(),
                !(e.route.is_main() && last_good.is_some()),
                e.health.consecutive_failures,
                e.health.successes == 0,
                e.health.median_latency_ms.unwrap_or(u32::MAX),
                source_rank(e.route.source()),
            )
        });
        let mut waiting: Vec<&RouteEntry> =
            self.entries.iter().filter(|e| e.in_backoff(now)).collect();
        waiting.sort_by_key(|e| (e.health.backoff_until, source_rank(e.route.source())));
        ready
            .into_iter()
            .chain(waiting)
            .map(|e| e.route.clone())
            .collect()
    }
}

fn source_rank(s: RouteSource) -> u8 {
    match s {
        RouteSource::Main => 0,
        RouteSource::BuiltIn => 1,
        RouteSource::MirrorList => 2,
        RouteSource::User => 3,
        RouteSource::Folder => 4,
    }
}

/// Whether a failure kind looks like censorship when other hosts work.
pub fn is_censorship_like(kind: FailureKind) -> bool {
    use FailureKind::*;
    match kind {
        Dns | DnsTampered | Reset | ConnectTimeout | ReadTimeout | Tls | BlockPage
        | Verification => true,
        Refused | HttpStatus | Clock | Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(url: &str, outcome: Outcome, at: i64) -> Attempt {
        Attempt {
            url: url.into(),
            source: RouteSource::BuiltIn,
            path: "head".into(),
            at,
            outcome,
            remembered: false,
        }
    }

    fn failed(kind: FailureKind) -> Outcome {
        Outcome::Failed {
            kind,
            detail: String::new(),
        }
    }

    #[test]
    fn user_urls_are_validated_and_normalised() {
        let r = Route::parse(" https://Mirror.example.org/tree ", RouteSource::User).unwrap();
        assert_eq!(r.id(), "https://mirror.example.org/tree/");
        assert!(matches!(
            Route::parse("ftp://x.org/", RouteSource::User),
            Err(RouteError::Scheme { .. })
        ));
        assert!(matches!(
            Route::parse("https://u:p@x.org/", RouteSource::User),
            Err(RouteError::Credentials { .. })
        ));
        assert!(matches!(
            Route::parse("https://x.org/?a=1", RouteSource::User),
            Err(RouteError::QueryOrFragment { .. })
        ));
        assert!(Route::parse("not a url", RouteSource::User).is_err());
        let f = Route::parse("file:///sdcard/tree", RouteSource::User).unwrap();
        assert_eq!(f.source(), RouteSource::Folder);
        assert_eq!(f.id(), "file:///sdcard/tree/");
    }

    /// Found by fuzzing (fuzz/ target `routes`): the first URL was a route with host `n` whose id
    /// (`file://n/s:/[ee+ox/`) parsed back to another route, without the host.
    #[test]
    fn a_folder_route_has_no_host_and_its_id_parses_back_to_it() {
        let found = "\r\u{1d}\0\0\0file\r\r://n/s:\r\r\r\r[ee+o\nx";
        for url in [found, "file://host.example/srv/tree/"] {
            assert!(matches!(
                Route::parse(url, RouteSource::User),
                Err(RouteError::Folder { .. })
            ));
        }
        for url in ["file:///srv/tree", "file://localhost/srv/tree/"] {
            let f = Route::parse(url, RouteSource::User).unwrap();
            assert_eq!(f.id(), "file:///srv/tree/");
            assert_eq!(Route::parse(f.id(), RouteSource::User).unwrap(), f);
        }
    }

    #[test]
    fn backoff_doubles_from_a_minute_up_to_its_cap() {
        assert_eq!(backoff_secs(1, BACKOFF_MAX_SECS), 60);
        assert_eq!(backoff_secs(2, BACKOFF_MAX_SECS), 120);
        assert_eq!(backoff_secs(5, BACKOFF_MAX_SECS), 960);
        assert_eq!(backoff_secs(40, BACKOFF_MAX_SECS), BACKOFF_MAX_SECS);
        assert_eq!(
            backoff_secs(40, MAIN_BACKOFF_MAX_SECS),
            MAIN_BACKOFF_MAX_SECS
        );
    }

    #[test]
    fn an_overtaken_main_site_goes_second_next_time_without_back_off() {
        let mut set =
            RouteSet::new("https://main.example/", &["https://a.example/".into()]).unwrap();
        let ok = Outcome::Ok { latency_ms: 80 };
        set.record(&attempt("https://main.example/", ok.clone(), 100));
        // Main stalled; the mirror, started one stagger later, answered first.
        set.record(&attempt("https://a.example/", ok, 200));
        let cancelled = |overtaken| Outcome::Cancelled {
            after_ms: 400,
            overtaken,
        };
        assert!(
            set.record(&attempt("https://main.example/", cancelled(false), 200))
                .is_none(),
            "a cancelled attempt that was not overtaken says nothing"
        );
        assert_eq!(set.race_order(201)[0].id(), "https://main.example/");
        let h = set
            .record(&attempt("https://main.example/", cancelled(true), 200))
            .unwrap();
        assert_eq!((h.consecutive_failures, h.backoff_until), (1, None));
        let order: Vec<String> = set
            .race_order(201)
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        assert_eq!(order, ["https://a.example/", "https://main.example/"]);
    }

    #[test]
    fn last_good_mirror_goes_first_then_main_and_a_success_lifts_backoff() {
        let mut set = RouteSet::new(
            "https://main.example/",
            &["https://a.example/".into(), "https://b.example/".into()],
        )
        .unwrap();
        assert_eq!(set.race_order(0)[0].id(), "https://main.example/");
        set.record(&attempt(
            "https://main.example/",
            failed(FailureKind::Reset),
            100,
        ));
        set.record(&attempt(
            "https://b.example/",
            Outcome::Ok { latency_ms: 80 },
            100,
        ));
        let order: Vec<String> = set
            .race_order(101)
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "https://b.example/",
                "https://a.example/",
                "https://main.example/"
            ]
        );
        let main = set.get("https://main.example/").unwrap();
        assert_eq!(main.health.backoff_until, Some(160));
        assert_eq!(main.health.last_failure, Some(FailureKind::Reset));
        // Back-off over: main comes second, right after the last good mirror.
        let order = set.race_order(161);
        assert_eq!(order[0].id(), "https://b.example/");
        assert_eq!(order[1].id(), "https://main.example/");
        // A success on main clears its back-off and makes it the last good route.
        let h = set
            .record(&attempt(
                "https://main.example/",
                Outcome::Ok { latency_ms: 50 },
                200,
            ))
            .unwrap();
        assert_eq!((h.consecutive_failures, h.backoff_until), (0, None));
        assert_eq!(set.race_order(201)[0].id(), "https://main.example/");
    }

    #[test]
    fn mirror_list_replaces_only_its_own_routes_and_health_is_restored() {
        let mut set =
            RouteSet::new("https://main.example/", &["https://a.example/".into()]).unwrap();
        set.set_mirror_list(&["https://l1.example/".into(), "https://a.example/".into()]);
        set.set_mirror_list(&["https://l2.example/".into(), "javascript:alert(1)".into()]);
        let ids: Vec<&str> = set.entries().iter().map(|e| e.route.id()).collect();
        assert_eq!(
            ids,
            [
                "https://main.example/",
                "https://a.example/",
                "https://l2.example/"
            ]
        );
        let mut saved = RouteHealth::new("https://user.example/", RouteSource::User);
        saved.successes = 3;
        saved.median_latency_ms = Some(70);
        let mut fresh = RouteSet::new("https://main.example/", &[]).unwrap();
        fresh.load_health(vec![saved]);
        assert_eq!(
            fresh.get("https://user.example/").unwrap().health.successes,
            3
        );
    }
}
