//! Fetching pinned files from any route: prefetch in order, the mirror list, lead images.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::task::AbortOnDropHandle;

use crate::format::head::Head;
use crate::format::limits::MIRRORS_MAX;
use crate::format::mirrors::MirrorList;
use crate::format::root::TrustedRoot;
use crate::format::{MediaRef, layout};
use crate::net::{Attempt, Lost, Route};
use crate::store::Eviction;
use crate::sync::SyncError;
use crate::sync::progress::{Phase, Reporter};

use super::{Counters, Inner, blocking, joined_error};

impl Inner {
    /// Starts fetching `files` (path, hash, length) in the background, at most
    /// `parallel_fetches` at a time, and yields them in order. A file's permit is held until
    /// the caller drops it, so at most that many files are in memory however slowly they are
    /// applied, and downloads keep flowing while the caller writes to the store.
    pub(super) fn prefetch(
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
    /// it, checked (by [`crate::net::Connectivity::fetch_pinned`]) against the length and hash
    /// the verified head gives.
    pub(super) async fn fetch_file(
        &self,
        route: &Route,
        path: String,
        hash: &str,
        len: u64,
        counters: &Counters,
    ) -> Result<Vec<u8>, SyncError> {
        let promised = counters.promised.fetch_add(len, Ordering::Relaxed) + len;
        if promised > self.config.max_sync_bytes {
            return Err(SyncError::Verification {
                route: route.id().to_string(),
                check: format!(
                    "the head names more than the {} bytes one sync may download",
                    self.config.max_sync_bytes
                ),
            });
        }
        match self.net.fetch_pinned(route, &path, hash, len).await {
            Ok(won) => {
                counters.add(
                    won.attempts.iter().filter(|a| !a.remembered).count() as u64,
                    won.value.len() as u64,
                );
                Ok(won.value)
            }
            Err(lost) => {
                counters.add(
                    lost.attempts.iter().filter(|a| !a.remembered).count() as u64,
                    0,
                );
                Err(file_lost(lost, path))
            }
        }
    }

    /// Updates the routes from the head's signed mirror list. A list that fails to arrive,
    /// verify, or is expired at `now` or older than the one applied changes nothing: it only
    /// decides where to fetch from. A list that verifies is kept in the copy; the list of an
    /// expired `copy` (see `copy_in_shutdown`) is kept but not applied.
    pub(super) async fn update_mirrors(
        &self,
        route: &Route,
        head: &Head,
        root: &TrustedRoot,
        now: i64,
        copy: bool,
        counters: &Counters,
    ) {
        let Some(file) = &head.mirrors else { return };
        if file.len > MIRRORS_MAX {
            tracing::warn!(
                len = file.len,
                "the head names a mirror list over the size cap"
            );
            return;
        }
        let bytes = match self
            .fetch_file(
                route,
                layout::mirrors(&file.hash),
                &file.hash,
                file.len,
                counters,
            )
            .await
        {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(route = %route.id(), error = %e, "the mirror list could not be fetched");
                return;
            }
        };
        let held = self.mirror_list_version.load(Ordering::Relaxed);
        let list = match MirrorList::verify(&bytes, &root.keys) {
            Ok(list) => list,
            Err(e) => {
                let path = layout::mirrors(&file.hash);
                return self
                    .net
                    .report_verification_failure(route, &path, &e.to_string());
            }
        };
        // The signed file the head names is kept to pass on, even when it is not applied here.
        if let Err(e) = self.keep(layout::mirrors(&file.hash), bytes).await {
            tracing::warn!(error = %e, "the mirror list could not be kept");
        }
        if copy {
            // An expired copy's list is as old as its head: it is passed on, never applied.
            return;
        }
        match list.check_current(now, held) {
            Ok(()) => {
                self.mirror_list_version
                    .fetch_max(list.version, Ordering::Relaxed);
                self.net.set_mirror_list(&list.mirrors);
                let store = self.store.clone();
                if let Err(e) = blocking(move || store.set_comment_endpoints(&list.comments)).await
                {
                    tracing::warn!(error = %e, "the comment endpoints could not be stored");
                }
            }
            Err(e) => self.net.report_verification_failure(
                route,
                &layout::mirrors(&file.hash),
                &e.to_string(),
            ),
        }
    }

    /// Prefetches the images of the newest articles that fit in the storage budget.
    pub(super) async fn fetch_images(
        &self,
        route: &Route,
        reporter: &Reporter,
        counters: &Counters,
    ) -> Result<(u64, Eviction), SyncError> {
        let store = self.store.clone();
        let limit = self.config.images_per_sync;
        let wanted = blocking(move || store.missing_images(limit)).await?;
        if wanted.is_empty() {
            return Ok((0, Eviction::default()));
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
        let evicted = blocking(move || store.enforce_budget()).await?;
        Ok((stored, evicted))
    }

    pub(super) async fn fetch_media(
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

/// No route delivered an intact `path`: a verification failure if any route served bad bytes,
/// otherwise the file is missing.
fn file_lost(lost: Lost, path: String) -> SyncError {
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
        _ => SyncError::Missing {
            path,
            attempts: lost.attempts,
        },
    }
}
