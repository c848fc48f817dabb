//! One sync: race for a verified `head`, plan, fetch in parallel, verify, apply in
//! transactions together with the new position, then lead images.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::{BoxFuture, Shared};
use futures::{FutureExt, StreamExt, TryStreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::plan::{Plan, plan};
use super::progress::{Phase, Progress, Reporter};
use super::{SyncError, SyncReport};
use crate::format::codec::parse_hash;
use crate::format::head::{Head, LogFileRef, PartRef, SnapshotRef};
use crate::format::limits::{HEAD_MAX, MIRRORS_MAX, ROOT_MAX};
use crate::format::log::{LogReader, check_pinned};
use crate::format::mirrors::MirrorList;
use crate::format::note::PublicKey;
use crate::format::root::TrustedRoot;
use crate::format::snapshot::{PartItem, PartReader};
use crate::format::{Change, Entry, FormatError, MediaRef, layout};
use crate::net::{Attempt, Connectivity, FetchError, Fetched, Lost, Route};
use crate::publish::sanitize::sanitize_html;
use crate::store::{ApplyStats, Store, StoredRoot, SyncPosition};

/// Entries applied per transaction.
const BATCH: usize = 1000;
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
    /// Lead images fetched per sync at most (within the storage budget).
    pub lead_images_per_sync: usize,
    /// Files fetched at once.
    pub parallel_fetches: usize,
    pub clock: Clock,
}

impl SyncConfig {
    pub fn new(pinned_keys: Vec<PublicKey>) -> Self {
        SyncConfig {
            pinned_keys,
            text_only: false,
            lead_images_per_sync: 50,
            parallel_fetches: 4,
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
        let inner = &self.inner;
        let route = inner
            .net
            .race_order()
            .into_iter()
            .next()
            .ok_or(SyncError::NoRoute { attempts: vec![] })?;
        let counters = Counters::default();
        let bytes = inner.fetch_media(&route, media, &counters).await?;
        let store = inner.store.clone();
        let (hash, mime, b) = (media.hash.clone(), media.mime.clone(), bytes.clone());
        blocking(move || store.put_media(&hash, &mime, &b)).await?;
        Ok(bytes)
    }
}

/// Requests made and bytes received by one sync.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Counters {
    fn add(&self, requests: u64, bytes: u64) {
        self.requests.fetch_add(requests, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// A verified answer to the head race.
struct HeadAnswer {
    /// `None` when the route has nothing newer than the stored head.
    head: Option<Head>,
    root: TrustedRoot,
    etag: Option<String>,
}

/// Why routes' heads were refused, to name the failure when every route fails.
#[derive(Default)]
struct Refusals {
    stale_since: Option<i64>,
    rollback: Option<(String, u64)>,
}

impl Inner {
    async fn run(self: &Arc<Self>) -> Result<SyncReport, SyncError> {
        let store = self.store.clone();
        let position = blocking(move || store.sync_position()).await?;
        let trusted = self.trusted_root(&position)?;
        let reporter = Reporter::new(self.progress.clone());
        reporter.phase(Phase::Connecting, None, None);
        let counters = Arc::new(Counters::default());
        let refusals = Mutex::new(Refusals::default());
        let now = (self.config.clock)();

        let race = self
            .net
            .race_head(|route| {
                self.fetch_head(route, &position, &trusted, now, &counters, &refusals)
                    .boxed()
            })
            .await;
        let won = match race {
            Ok(won) => won,
            Err(lost) => {
                return Err(self.lost(lost, &position, refusals.into_inner().unwrap_or_default()));
            }
        };
        counters.add(
            won.attempts.iter().filter(|a| !a.remembered).count() as u64,
            0,
        );
        let route = won.route;
        let HeadAnswer { head, root, etag } = won.value;

        let mut report = SyncReport {
            route: route.id().to_string(),
            head_version: position.head_version,
            ..SyncReport::default()
        };
        if let Some(head) = head {
            if root.version > position.root.version {
                let stored = StoredRoot {
                    version: root.version,
                    keys: root.keys.keys.iter().map(|k| k.to_string()).collect(),
                    threshold: root.keys.threshold as u32,
                };
                let store = self.store.clone();
                blocking(move || store.set_root(&stored)).await?;
            }
            let plan = plan(&head, position.log_seq).ok_or_else(|| SyncError::Verification {
                route: route.id().to_string(),
                check: format!(
                    "head {} offers no path from log position {}",
                    head.version, position.log_seq
                ),
            })?;
            report.used_snapshot = matches!(plan, Plan::Snapshot { .. });
            self.apply_plan(
                &route,
                &plan,
                &position,
                &reporter,
                &counters,
                &mut report.applied,
            )
            .await?;
            self.update_mirrors(&route, &head, &root, &counters).await;
            let store = self.store.clone();
            let (version, issued, expires) = (head.version, head.issued_at, head.expires_at);
            blocking(move || store.set_head(version, issued, expires)).await?;
            report.head_version = head.version;
            report.changed = true;
        }
        let store = self.store.clone();
        let id = route.id().to_string();
        blocking(move || store.set_head_etag(&id, etag.as_deref())).await?;
        if !self.text_only.load(Ordering::Relaxed) {
            report.media_fetched = self.fetch_lead_images(&route, &reporter, &counters).await?;
        }
        report.requests = counters.requests.load(Ordering::Relaxed);
        report.bytes = counters.bytes.load(Ordering::Relaxed);
        Ok(report)
    }

    /// The root the reader trusts: the stored one, or the keys pinned in the app.
    fn trusted_root(&self, position: &SyncPosition) -> Result<TrustedRoot, SyncError> {
        if position.root.version == 0 || position.root.keys.is_empty() {
            return Ok(TrustedRoot::pinned(self.config.pinned_keys.clone()));
        }
        let keys = position
            .root
            .keys
            .iter()
            .map(|k| PublicKey::parse(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                SyncError::from(crate::store::StoreError::Invalid {
                    what: "stored root key".into(),
                    detail: e.to_string(),
                })
            })?;
        Ok(TrustedRoot {
            version: position.root.version,
            keys: crate::format::note::KeySet {
                keys,
                threshold: position.root.threshold as usize,
            },
        })
    }

    /// Fetches and verifies `head` from one route (following root rotations from the same
    /// route). `Ok` only for a head the reader accepts.
    async fn fetch_head(
        &self,
        route: Route,
        position: &SyncPosition,
        trusted: &TrustedRoot,
        now: i64,
        counters: &Counters,
        refusals: &Mutex<Refusals>,
    ) -> Result<HeadAnswer, FetchError> {
        let client = self.net.client();
        let store = self.store.clone();
        let id = route.id().to_string();
        let etag = blocking(move || store.head_etag(&id)).await.ok().flatten();
        let (bytes, etag) = match client
            .fetch(&route, layout::HEAD, HEAD_MAX, etag.as_deref())
            .await?
        {
            Fetched::NotModified { .. } => {
                if let Some(expired) = position.head_expires_at.filter(|&e| now >= e) {
                    refusals
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .stale_since
                        .get_or_insert(expired);
                    return Err(FetchError::verification(format!(
                        "stale: unchanged head expired at {expired}"
                    )));
                }
                return Ok(HeadAnswer {
                    head: None,
                    root: trusted.clone(),
                    etag,
                });
            }
            Fetched::Body { bytes, etag, .. } => (bytes, etag),
        };
        counters.add(0, bytes.len() as u64);
        let verify = |e: FormatError| FetchError::verification(format!("head: {e}"));
        let claimed = Head::peek_root_version(&bytes).map_err(verify)?;
        let mut root = trusted.clone();
        if claimed > root.version + MAX_ROTATIONS {
            return Err(FetchError::verification(format!(
                "head claims root {claimed}, too far ahead of {}",
                root.version
            )));
        }
        while root.version < claimed {
            let path = layout::root(root.version + 1);
            let fetched = client.fetch(&route, &path, ROOT_MAX, None).await?;
            let note = fetched.into_bytes().unwrap_or_default();
            counters.add(1, note.len() as u64);
            root = root
                .advance(&note)
                .map_err(|e| FetchError::verification(format!("{path}: {e}")))?;
        }
        let head = Head::verify(&bytes, &root).map_err(verify)?;
        if head.version < position.head_version {
            refusals
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rollback
                .get_or_insert((route.id().to_string(), head.version));
            return Err(FetchError::verification(format!(
                "rollback: head version {} is older than the held {}",
                head.version, position.head_version
            )));
        }
        if head.is_expired(now) {
            let mut r = refusals.lock().unwrap_or_else(|e| e.into_inner());
            r.stale_since = Some(
                r.stale_since
                    .map_or(head.expires_at, |s| s.max(head.expires_at)),
            );
            return Err(FetchError::verification(format!(
                "stale: head {} expired at {}",
                head.version, head.expires_at
            )));
        }
        if forks(&head, position) {
            return Err(FetchError::verification(format!(
                "fork: head's log ({}) does not extend the held log ({})",
                head.log.size, position.log_seq
            )));
        }
        let unchanged = head.version == position.head_version;
        Ok(HeadAnswer {
            head: (!unchanged).then_some(head),
            root,
            etag,
        })
    }

    /// Names the failure of a lost head race.
    fn lost(&self, lost: Lost, position: &SyncPosition, refusals: Refusals) -> SyncError {
        let answered = lost.attempts.iter().any(|a| {
            matches!(
                a.failure_kind(),
                Some(crate::net::FailureKind::Verification)
            )
        });
        match refusals {
            Refusals {
                stale_since: Some(since),
                ..
            } if answered => SyncError::Stale { since },
            Refusals {
                rollback: Some((route, served)),
                ..
            } if answered => SyncError::Rollback {
                route,
                served,
                stored: position.head_version,
            },
            _ => SyncError::NoRoute {
                attempts: lost.attempts,
            },
        }
    }

    async fn apply_plan(
        self: &Arc<Self>,
        route: &Route,
        plan: &Plan<'_>,
        position: &SyncPosition,
        reporter: &Reporter,
        counters: &Arc<Counters>,
        applied: &mut ApplyStats,
    ) -> Result<(), SyncError> {
        let (seq, tip, logs) = match plan {
            Plan::UpToDate => return Ok(()),
            Plan::Logs(files) => (position.log_seq, position.log_tip.clone(), files.as_slice()),
            Plan::Snapshot { snapshot, then } => {
                self.apply_snapshot(route, snapshot, position, reporter, counters, applied)
                    .await?;
                (snapshot.seq, snapshot.tip.clone(), then.as_slice())
            }
        };
        if logs.is_empty() {
            return Ok(());
        }
        reporter.phase(
            Phase::Log,
            Some(logs.iter().map(|f| f.len).sum()),
            Some(logs.iter().map(|f| f.last - f.first + 1).sum()),
        );
        let tip = parse_hash("stored tip", &tip).map_err(|e| SyncError::Verification {
            route: route.id().into(),
            check: e.to_string(),
        })?;
        let mut fetched = self.prefetch(
            route,
            logs.iter()
                .map(|f| (layout::log(&f.hash), f.hash.clone(), f.len))
                .collect(),
            counters,
        );
        let mut at = (seq, tip);
        for file in logs {
            let (bytes, _permit) = fetched.next().await.expect("one fetch per file")?;
            reporter.update(|p| p.bytes += file.len);
            at = self
                .apply_log_file(route, (*file).clone(), bytes, at, applied)
                .await?;
            reporter.update(|p| p.items = at.0.saturating_sub(seq));
        }
        Ok(())
    }

    /// Verifies and applies one log file in batches, each batch in one transaction with its
    /// position. Returns the new position.
    async fn apply_log_file(
        &self,
        route: &Route,
        file: LogFileRef,
        bytes: Vec<u8>,
        at: (u64, [u8; 32]),
        applied: &mut ApplyStats,
    ) -> Result<(u64, [u8; 32]), SyncError> {
        let store = self.store.clone();
        let route_id = route.id().to_string();
        let (result, stats) = blocking(move || {
            let mut stats = ApplyStats::default();
            let result = (|| {
                let fail = |e: FormatError| SyncError::Verification {
                    route: route_id.clone(),
                    check: e.to_string(),
                };
                let mut reader = LogReader::new(&file, &bytes, at.0, at.1).map_err(fail)?;
                let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
                let mut pending: Vec<(Vec<Entry>, u64, [u8; 32])> = Vec::new();
                let mut last = at;
                // Verify the whole file before applying any of it: a broken chain must not
                // leave half a file in the store.
                while let Some((mut entry, tip)) = reader.next_entry().map_err(fail)? {
                    sanitize_entry(&mut entry);
                    last = (entry.seq, tip);
                    batch.push(entry);
                    if batch.len() == BATCH {
                        pending.push((std::mem::take(&mut batch), last.0, last.1));
                    }
                }
                if !batch.is_empty() {
                    pending.push((batch, last.0, last.1));
                }
                for (entries, seq, tip) in pending {
                    add_stats(
                        &mut stats,
                        store.apply_entries(&entries, seq, &hex::encode(tip))?,
                    );
                }
                Ok::<_, SyncError>(last)
            })();
            Ok::<_, SyncError>((result, stats))
        })
        .await?;
        add_stats(applied, stats);
        if let Err(SyncError::Verification { check, .. }) = &result {
            self.net
                .report_verification_failure(route, layout::HEAD, check);
        }
        result
    }

    async fn apply_snapshot(
        self: &Arc<Self>,
        route: &Route,
        snapshot: &SnapshotRef,
        position: &SyncPosition,
        reporter: &Reporter,
        counters: &Arc<Counters>,
        applied: &mut ApplyStats,
    ) -> Result<(), SyncError> {
        let start = match &position.snapshot {
            Some(p) if p.seq == snapshot.seq => p.parts_applied as usize,
            _ => 0,
        };
        let parts: Vec<(usize, &PartRef)> = snapshot.parts.iter().enumerate().skip(start).collect();
        let mut fetched = self.prefetch(
            route,
            parts
                .iter()
                .map(|(_, p)| (layout::snapshot(&p.hash), p.hash.clone(), p.len))
                .collect(),
            counters,
        );
        let rest: u64 = parts.iter().map(|(_, p)| p.len).sum();
        for (index, part) in &parts {
            let phase = if *index == 0 {
                Phase::Headlines
            } else {
                Phase::Snapshot
            };
            if *index <= 1 {
                reporter.phase(
                    phase,
                    Some(rest),
                    Some(snapshot.articles + snapshot.comments),
                );
            }
            let (bytes, _permit) = fetched.next().await.expect("one fetch per part")?;
            let store = self.store.clone();
            let (part, index, seq, route_id) = (
                (*part).clone(),
                *index as u32,
                snapshot.seq,
                route.id().to_string(),
            );
            let (count, len) = (part.items, part.len);
            let stats = blocking(move || {
                let mut reader = PartReader::new(&part, &bytes);
                let mut items = Vec::with_capacity(part.items.min(100_000) as usize);
                while let Some(mut item) =
                    reader.next_item().map_err(|e| SyncError::Verification {
                        route: route_id.clone(),
                        check: e.to_string(),
                    })?
                {
                    if let PartItem::Article(a) = &mut item {
                        a.body_html = sanitize_html(&a.body_html);
                    }
                    items.push(item);
                }
                Ok::<_, SyncError>(store.apply_snapshot_items(seq, index, &items)?)
            })
            .await?;
            add_stats(applied, stats);
            reporter.update(|p| {
                p.bytes += len;
                p.items += count;
            });
        }
        let store = self.store.clone();
        let (seq, tip) = (snapshot.seq, snapshot.tip.clone());
        add_stats(
            applied,
            blocking(move || store.finish_snapshot(seq, &tip)).await?,
        );
        Ok(())
    }

    /// Starts fetching `files` (path, hash, length) in the background, at most
    /// `parallel_fetches` at a time, and yields them in order. A file's permit is held until
    /// the caller drops it, so at most that many files are in memory however slowly they are
    /// applied, and downloads keep flowing while the caller writes to the store.
    fn prefetch(
        self: &Arc<Self>,
        route: &Route,
        files: Vec<(String, String, u64)>,
        counters: &Arc<Counters>,
    ) -> futures::stream::BoxStream<'static, Result<(Vec<u8>, OwnedSemaphorePermit), SyncError>>
    {
        let parallel = self.config.parallel_fetches.max(1);
        let permits = Arc::new(Semaphore::new(parallel));
        let (tx, rx) = tokio::sync::mpsc::channel(parallel);
        let (this, route, counters) = (self.clone(), route.clone(), counters.clone());
        // Permits are taken in file order, so the file the caller waits for never waits behind
        // later ones; every task is aborted when the caller drops the stream (a cancelled sync
        // stops downloading).
        let producer = AbortOnDropHandle::new(tokio::spawn(async move {
            for (path, hash, len) in files {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    return;
                };
                let (this, route, counters) = (this.clone(), route.clone(), counters.clone());
                let fetch = AbortOnDropHandle::new(tokio::spawn(async move {
                    let bytes = this.fetch_file(&route, path, &hash, len, &counters).await?;
                    Ok((bytes, permit))
                }));
                if tx.send(fetch).await.is_err() {
                    return;
                }
            }
        }));
        futures::stream::unfold((rx, producer), |(mut rx, producer)| async move {
            let fetch = rx.recv().await?;
            let result = fetch.await.unwrap_or_else(|e| Err(joined_error(e)));
            Some((result, (rx, producer)))
        })
        .boxed()
    }

    /// Fetches an immutable, content-addressed file from `route` or any other route that holds
    /// it, checked against the length and hash the verified head gives.
    async fn fetch_file(
        &self,
        route: &Route,
        path: String,
        hash: &str,
        len: u64,
        counters: &Counters,
    ) -> Result<Vec<u8>, SyncError> {
        match self.net.fetch_pinned(route, &path, len).await {
            Ok(won) => {
                counters.add(
                    won.attempts.iter().filter(|a| !a.remembered).count() as u64,
                    won.value.len() as u64,
                );
                check_pinned(&path, &won.value, hash, len).map_err(|e| {
                    self.net
                        .report_verification_failure(&won.route, &path, &e.to_string());
                    SyncError::Verification {
                        route: won.route.id().to_string(),
                        check: e.to_string(),
                    }
                })?;
                Ok(won.value)
            }
            Err(lost) => {
                counters.add(
                    lost.attempts.iter().filter(|a| !a.remembered).count() as u64,
                    0,
                );
                Err(file_lost(lost))
            }
        }
    }

    /// Updates the routes from the head's signed mirror list. A list that fails to arrive or
    /// verify changes nothing: it only decides where to fetch from.
    async fn update_mirrors(
        &self,
        route: &Route,
        head: &Head,
        root: &TrustedRoot,
        counters: &Counters,
    ) {
        let Some(file) = &head.mirrors else { return };
        if file.len > MIRRORS_MAX {
            return;
        }
        let Ok(bytes) = self
            .fetch_file(
                route,
                layout::mirrors(&file.hash),
                &file.hash,
                file.len,
                counters,
            )
            .await
        else {
            return;
        };
        match MirrorList::verify(&bytes, &root.keys) {
            Ok(list) => self.net.set_mirror_list(&list.mirrors),
            Err(e) => self.net.report_verification_failure(
                route,
                &layout::mirrors(&file.hash),
                &e.to_string(),
            ),
        }
    }

    async fn fetch_lead_images(
        &self,
        route: &Route,
        reporter: &Reporter,
        counters: &Counters,
    ) -> Result<u64, SyncError> {
        let store = self.store.clone();
        let limit = self.config.lead_images_per_sync;
        let wanted = blocking(move || store.missing_lead_images(limit)).await?;
        if wanted.is_empty() {
            return Ok(0);
        }
        reporter.phase(
            Phase::Media,
            Some(wanted.iter().map(|m| m.size).sum()),
            Some(wanted.len() as u64),
        );
        // An image that no route delivers intact is skipped; it is fetched on demand later.
        let fetches: Vec<BoxFuture<'_, Result<bool, SyncError>>> = wanted
            .into_iter()
            .map(|media| {
                async move {
                    let Ok(bytes) = self.fetch_media(route, &media, counters).await else {
                        return Ok(false);
                    };
                    let store = self.store.clone();
                    blocking(move || store.put_media(&media.hash, &media.mime, &bytes)).await?;
                    reporter.update(|p| p.items += 1);
                    Ok(true)
                }
                .boxed()
            })
            .collect();
        let stored: Vec<bool> = futures::stream::iter(fetches)
            .buffer_unordered(self.config.parallel_fetches.max(1))
            .try_collect()
            .await?;
        let stored = stored.into_iter().filter(|&s| s).count() as u64;
        let store = self.store.clone();
        blocking(move || store.enforce_budget()).await?;
        Ok(stored)
    }

    async fn fetch_media(
        &self,
        route: &Route,
        media: &MediaRef,
        counters: &Counters,
    ) -> Result<Vec<u8>, SyncError> {
        let path =
            layout::media(&media.hash, &media.mime).ok_or_else(|| SyncError::Verification {
                route: route.id().to_string(),
                check: format!("media type {} is not allowed", media.mime),
            })?;
        self.fetch_file(route, path, &media.hash, media.size, counters)
            .await
    }
}

/// Whether the head's log visibly does not extend the reader's: shorter, or a different tip
/// where a listed file ends or starts at the reader's position. (A fork inside a file is caught
/// by the chain check when the file is replayed.)
fn forks(head: &Head, position: &SyncPosition) -> bool {
    let (seq, tip) = (position.log_seq, &position.log_tip);
    head.log.size < seq
        || (head.log.size == seq && &head.log.tip != tip)
        || (seq > 0
            && head.files.iter().any(|f| {
                (f.last == seq && &f.tip_after != tip)
                    || (f.first == seq + 1 && &f.tip_before != tip)
            }))
}

/// No route delivered an intact file: a verification failure if any route served bad bytes,
/// otherwise no route.
fn file_lost(lost: Lost) -> SyncError {
    let bad = lost.attempts.iter().find(|a| {
        matches!(
            &a.outcome,
            crate::net::Outcome::Failed {
                kind: crate::net::FailureKind::Verification,
                ..
            }
        )
    });
    match bad {
        Some(Attempt {
            url,
            outcome: crate::net::Outcome::Failed { detail, .. },
            ..
        }) => SyncError::Verification {
            route: url.clone(),
            check: detail.clone(),
        },
        _ => SyncError::NoRoute {
            attempts: lost.attempts,
        },
    }
}

/// Sanitises article HTML on ingest, before storage: a mirror may be hostile even when the
/// publisher's signature holds (a stolen key), and the publisher's own sanitiser may lag.
fn sanitize_entry(entry: &mut Entry) {
    if let Change::PutArticle { article } = &mut entry.change {
        article.body_html = sanitize_html(&article.body_html);
    }
}

fn add_stats(total: &mut ApplyStats, s: ApplyStats) {
    total.articles_put += s.articles_put;
    total.articles_deleted += s.articles_deleted;
    total.comments_put += s.comments_put;
    total.comments_deleted += s.comments_deleted;
    total.media_refs += s.media_refs;
    total.skipped += s.skipped;
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
