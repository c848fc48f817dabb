//! One sync: race for a verified `head`, plan, fetch in parallel, verify, apply in
//! transactions together with the new position, then lead images.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::plan::{Plan, plan, snapshot_plan};
use super::progress::{Phase, Progress, Reporter};
use super::{SyncError, SyncReport};

mod apply;
mod fetch;
mod head;
mod keep;

use crate::format::note::PublicKey;
use crate::format::root::TrustedRoot;
use crate::format::{MediaRef, layout};
use crate::net::{ConnectionState, Connectivity, Lost, Won};
use crate::store::{Store, StoredRoot, SyncPosition};
use head::{HeadAnswer, Refusals};

/// Entries applied per transaction.
const BATCH: usize = 1000;
/// The default [`SyncConfig::max_sync_bytes`]: 1 GiB.
pub const MAX_SYNC_BYTES: u64 = 1 << 30;
/// Root rotations followed in one sync.
const MAX_ROTATIONS: u64 = 16;

/// The current time in Unix seconds; replaceable so tests can move the client's clock.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How the engine syncs.
#[derive(Clone)]
pub struct SyncConfig {
    /// The publisher keys pinned in the app (the implicit root version 0).
    pub pinned_keys: Vec<PublicKey>,
    /// Skip media (for metered networks).
    pub text_only: bool,
    /// Images prefetched per sync at most: those of the newest articles, lead images first,
    /// as many as fit in the storage budget (none when `text_only`).
    pub images_per_sync: usize,
    /// Files fetched at once.
    pub parallel_fetches: usize,
    /// Most bytes of pinned files (log files, snapshot parts, images) one sync downloads,
    /// whatever the signed head names: past it the sync stops with what it applied.
    pub max_sync_bytes: u64,
    pub clock: Clock,
}

impl SyncConfig {
    pub fn new(pinned_keys: Vec<PublicKey>) -> Self {
        SyncConfig {
            pinned_keys,
            text_only: false,
            images_per_sync: 100,
            parallel_fetches: 4,
            max_sync_bytes: MAX_SYNC_BYTES,
            clock: Arc::new(|| chrono::Utc::now().timestamp()),
        }
    }
}

type SharedSync = Shared<BoxFuture<'static, Result<SyncReport, SyncError>>>;

/// The sync engine. Cheap to clone; one sync runs at a time and a second request joins it.
#[derive(Clone)]
pub struct Syncer {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    net: Connectivity,
    config: SyncConfig,
    progress: watch::Sender<Progress>,
    running: Mutex<Option<(SharedSync, CancellationToken)>>,
    /// Starts as `config.text_only`; [`Syncer::set_text_only`] switches it.
    text_only: AtomicBool,
    /// The version of the signed mirror list applied last (0: none yet).
    mirror_list_version: AtomicU64,
}

impl Syncer {
    pub fn new(store: Arc<Store>, net: Connectivity, config: SyncConfig) -> Self {
        Syncer {
            inner: Arc::new(Inner {
                store,
                net,
                text_only: AtomicBool::new(config.text_only),
                config,
                progress: watch::channel(Progress::default()).0,
                running: Mutex::new(None),
                mirror_list_version: AtomicU64::new(0),
            }),
        }
    }

    /// Syncs, or joins the sync already running. The sync runs as a task of its own: dropping
    /// this future does not stop it; [`Syncer::cancel`] does. Must be called within a tokio
    /// runtime.
    pub async fn sync(&self) -> Result<SyncReport, SyncError> {
        let shared = {
            let mut running = self.inner.running.lock().unwrap_or_else(|e| e.into_inner());
            match running.as_ref() {
                Some((shared, _)) => shared.clone(),
                None => {
                    let token = CancellationToken::new();
                    let inner = self.inner.clone();
                    let cancel = token.clone();
                    let task = tokio::spawn(async move {
                        let result = tokio::select! {
                            r = tokio::time::timeout(inner.net.config().sync_deadline, inner.run()) => r.unwrap_or(Err(SyncError::Deadline)),
                            () = cancel.cancelled() => Err(SyncError::Cancelled),
                        };
                        *inner.running.lock().unwrap_or_else(|e| e.into_inner()) = None;
                        let reporter = Reporter::new(inner.progress.clone());
                        reporter.phase(
                            if result.is_ok() {
                                Phase::Done
                            } else {
                                Phase::Idle
                            },
                            None,
                            None,
                        );
                        result
                    });
                    let shared = task
                        .map(|joined| joined.unwrap_or_else(|e| Err(joined_error(e))))
                        .boxed()
                        .shared();
                    *running = Some((shared.clone(), token));
                    shared
                }
            }
        };
        shared.await
    }

    /// Cancels the running sync, if any. What was applied stays; the next sync resumes.
    pub fn cancel(&self) {
        if let Some((_, token)) = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            token.cancel();
        }
    }

    /// Whether a sync runs (a cancelled one runs until it has noticed).
    pub fn is_running(&self) -> bool {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Skips media from the next sync on (e.g. the network became metered), or stops skipping.
    pub fn set_text_only(&self, text_only: bool) {
        self.inner.text_only.store(text_only, Ordering::Relaxed);
    }

    /// Progress of the running (or last) sync, current value first.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.inner.progress.subscribe()
    }

    /// The network layer, for state and routes.
    pub fn net(&self) -> &Connectivity {
        &self.inner.net
    }

    /// Fetches one image by hash through the current routes, verifies and stores it.
    pub async fn fetch_media(&self, media: &MediaRef) -> Result<Vec<u8>, SyncError> {
        let bytes = self.download_media(media).await?;
        let store = self.inner.store.clone();
        let (hash, mime, b) = (media.hash.clone(), media.mime.clone(), bytes.clone());
        blocking(move || store.put_media(&hash, &mime, &b)).await?;
        Ok(bytes)
    }

    /// Fetches one media file by hash through the current routes (any route that holds it)
    /// and verifies it against `media`'s hash and length; stores nothing.
    pub async fn download_media(&self, media: &MediaRef) -> Result<Vec<u8>, SyncError> {
        let inner = &self.inner;
        let route = inner
            .net
            .race_order()
            .into_iter()
            .next()
            .ok_or(SyncError::NoRoute { attempts: vec![] })?;
        inner.fetch_media(&route, media, &Counters::default()).await
    }
}

/// Requests made and bytes received by one sync.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    /// The lengths of the pinned files this sync started to fetch.
    promised: AtomicU64,
    /// Requests made when the snapshot's headlines were stored.
    to_headlines: OnceLock<u64>,
}

impl Counters {
    fn add(&self, requests: u64, bytes: u64) {
        self.requests.fetch_add(requests, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn headlines_stored(&self) {
        let _ = self.to_headlines.set(self.requests.load(Ordering::Relaxed));
    }
}

impl Inner {
    async fn run(self: &Arc<Self>) -> Result<SyncReport, SyncError> {
        let store = self.store.clone();
        let _lock = blocking(move || store.try_lock_sync())
            .await?
            .ok_or(SyncError::AlreadyRunning)?;
        let store = self.store.clone();
        let position = blocking(move || store.sync_position()).await?;
        let trusted = self.trusted_root(&position)?;
        let reporter = Reporter::new(self.progress.clone());
        reporter.phase(Phase::Connecting, None, None);
        let counters = Arc::new(Counters::default());
        let device = (self.config.clock)();
        let mut now = device;
        let (mut race, mut refusals) = self.head_race(&position, &trusted, now, &counters).await;
        // Every head stale by the device's clock alone, and several routes agree on the real
        // time: one more race, judging expiry by that time.
        if let (Err(lost), Some(time)) = (&race, refusals.trusted_time(position.head_issued_at)) {
            counters.add(
                lost.attempts.iter().filter(|a| !a.remembered).count() as u64,
                0,
            );
            now = time;
            (race, refusals) = self.head_race(&position, &trusted, now, &counters).await;
        }
        let (route, answer, copy_of) = match race {
            Ok(won) => {
                counters.add(
                    won.attempts.iter().filter(|a| !a.remembered).count() as u64,
                    0,
                );
                (won.route, won.value, None)
            }
            Err(lost) => match self.copy_in_shutdown(&mut refusals) {
                Some((route, answer)) => {
                    counters.add(
                        lost.attempts.iter().filter(|a| !a.remembered).count() as u64,
                        0,
                    );
                    let issued = answer.head.as_ref().map(|h| h.issued_at);
                    tracing::info!(route = %route.id(), issued, "an expired copy taken during a shutdown");
                    (route, answer, issued)
                }
                None => {
                    // A relay may answer while no tree route does.
                    self.deliver_comments().await;
                    return Err(self.lost(lost, &position, refusals));
                }
            },
        };
        let HeadAnswer {
            head,
            root,
            etag,
            bytes,
            roots,
        } = answer;

        let signed = head
            .as_ref()
            .map(|h| h.issued_at)
            .or(position.head_issued_at);
        let mut report = SyncReport {
            route: route.id().to_string(),
            head_version: position.head_version,
            clock_off_by: head::clock_off_by(device, now, signed),
            copy_of,
            ..SyncReport::default()
        };
        if let Some(head) = head {
            if root.version > position.root.version {
                let stored = StoredRoot {
                    version: root.version,
                    keys: root.keys.keys.iter().map(|k| k.to_string()).collect(),
                    threshold: root.keys.threshold as u32,
                    comment_key: root.comment_key.as_ref().map(|k| k.to_string()),
                };
                let store = self.store.clone();
                blocking(move || store.set_root(&stored)).await?;
            }
            for (version, note) in roots {
                self.keep(layout::root(version), note).await?;
            }
            let plan = plan(&head, position.log_seq).ok_or_else(|| SyncError::Verification {
                route: route.id().to_string(),
                check: format!(
                    "head {} offers no path from log position {}",
                    head.version, position.log_seq
                ),
            })?;
            report.used_snapshot = matches!(plan, Plan::Snapshot { .. });
            let applied = self
                .apply_plan(
                    &route,
                    &plan,
                    &position,
                    &reporter,
                    &counters,
                    &mut report.applied,
                )
                .await;
            match (applied, &plan, snapshot_plan(&head)) {
                // No route holds a log file from this reader's position (a copy from a reader
                // that started from the snapshot holds no log before it): take the snapshot.
                (Err(SyncError::Missing { path, .. }), Plan::Logs(_), Some(fallback))
                    if path.starts_with("log/") =>
                {
                    tracing::info!(%path, "a log file is missing: the snapshot instead");
                    let store = self.store.clone();
                    let position = blocking(move || store.sync_position()).await?;
                    report.used_snapshot = true;
                    self.apply_plan(
                        &route,
                        &fallback,
                        &position,
                        &reporter,
                        &counters,
                        &mut report.applied,
                    )
                    .await?;
                }
                (applied, _, _) => applied?,
            }
            let copy = copy_of.is_some();
            self.update_mirrors(&route, &head, &root, now, copy, &counters)
                .await;
            self.accept_head(&head, bytes).await?;
            if !self.text_only.load(Ordering::Relaxed)
                && let Err(e) = self.fill_snapshot(&route, &head, &counters).await
            {
                tracing::warn!(error = %e, "the head's snapshot could not be kept to pass on");
            }
            report.head_version = head.version;
            report.changed = true;
        }
        let store = self.store.clone();
        let id = route.id().to_string();
        blocking(move || store.set_head_etag(&id, etag.as_deref())).await?;
        self.rebuild_search(&reporter).await?;
        match crate::comments::carry::take(&self.store, &self.net, &route).await {
            Ok(0) => {}
            Ok(kept) => {
                tracing::info!(kept, route = %route.id(), "carried comment envelopes taken")
            }
            Err(e) => tracing::warn!(error = %e, "carried comment envelopes refused"),
        }
        report.comments_sent = self.deliver_comments().await;
        if !self.text_only.load(Ordering::Relaxed) {
            let (fetched, evicted) = self.fetch_images(&route, &reporter, &counters).await?;
            report.media_fetched = fetched;
            report.applied.evicted += evicted.articles;
        }
        let deleted = &report.applied;
        if deleted.articles_deleted + deleted.comments_deleted + deleted.evicted > 0 {
            let store = self.store.clone();
            blocking(move || store.merge_search()).await?;
        }
        let store = self.store.clone();
        blocking(move || store.checkpoint()).await?;
        report.requests = counters.requests.load(Ordering::Relaxed);
        report.requests_to_headlines = counters.to_headlines.get().copied();
        report.bytes = counters.bytes.load(Ordering::Relaxed);
        Ok(report)
    }
}

impl Inner {
    /// The copy passed on to take when no live head won: the newest expired head a folder or
    /// user-added route offered, newer than the held one, taken only while the banner says
    /// offline or national shutdown (a shutdown lasts weeks, heads expire in days, and news
    /// still moves from phone to phone). A network mirror's expired head is never taken (the
    /// freeze attack stays closed), nor one that would roll back the held head; once a live
    /// head verifies, the normal rules apply again.
    fn copy_in_shutdown(&self, refusals: &mut Refusals) -> Option<(crate::net::Route, HeadAnswer)> {
        matches!(
            self.net.state(),
            ConnectionState::Offline(_) | ConnectionState::NationalShutdown(_)
        )
        .then(|| refusals.copy.take())
        .flatten()
    }

    /// One head race, judging expiry by `now`; the refusals say why heads were refused.
    async fn head_race(
        &self,
        position: &SyncPosition,
        trusted: &TrustedRoot,
        now: i64,
        counters: &Counters,
    ) -> (Result<Won<HeadAnswer>, Lost>, Refusals) {
        let refusals = Mutex::new(Refusals::default());
        let race = self
            .net
            .race_head(|route| {
                self.fetch_head(route, position, trusted, now, counters, &refusals)
                    .boxed()
            })
            .await;
        (race, refusals.into_inner().unwrap_or_default())
    }
}

impl Inner {
    /// Delivers the outbox (after the head, so a new comment key or endpoint list is used).
    /// A failure is logged: it never fails the sync, and the comments wait for the next one.
    async fn deliver_comments(&self) -> u64 {
        match crate::comments::delivery::deliver(&self.store, &self.net).await {
            Ok(d) => {
                if d.sent + d.refused + d.waiting > 0 {
                    tracing::info!(
                        sent = d.sent,
                        refused = d.refused,
                        waiting = d.waiting,
                        "outbox delivered"
                    );
                }
                d.sent
            }
            Err(e) => {
                tracing::warn!(error = %e, "the outbox could not be delivered");
                0
            }
        }
    }
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static, E: Into<SyncError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(move || f().map_err(Into::into))
        .await
        .unwrap_or_else(|e| Err(joined_error(e)))
}

/// A task that did not finish: cancelled with the runtime, or panicked (a bug, named as such).
fn joined_error(e: tokio::task::JoinError) -> SyncError {
    if !e.is_panic() {
        return SyncError::Cancelled;
    }
    let panic = e.into_panic();
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    SyncError::Internal(format!("sync task panicked: {what}"))
}
