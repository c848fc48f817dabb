//! The head race: fetch `head` from a route and decide whether the reader accepts it.

use std::sync::Mutex;

use crate::format::head::Head;
use crate::format::limits::{HEAD_MAX, ROOT_MAX};
use crate::format::note::PublicKey;
use crate::format::root::TrustedRoot;
use crate::format::{FormatError, layout};
use crate::net::{FetchError, Fetched, Lost, Route};
use crate::store::SyncPosition;
use crate::sync::SyncError;

use super::{Counters, Inner, MAX_ROTATIONS, blocking};

/// A verified answer to the head race.
pub(super) struct HeadAnswer {
    /// `None` when the route has nothing newer than the stored head.
    pub(super) head: Option<Head>,
    pub(super) root: TrustedRoot,
    pub(super) etag: Option<String>,
}

/// Why routes' heads were refused, to name the failure when every route fails.
#[derive(Default)]
pub(super) struct Refusals {
    pub(super) stale_since: Option<i64>,
    pub(super) rollback: Option<(String, u64)>,
}

impl Inner {
    /// The root the reader trusts: the stored one, or the keys pinned in the app.
    pub(super) fn trusted_root(&self, position: &SyncPosition) -> Result<TrustedRoot, SyncError> {
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
            comment_key: position
                .root
                .comment_key
                .as_deref()
                .and_then(crate::comments::CommentKey::parse),
        })
    }

    /// Fetches and verifies `head` from one route (following root rotations from the same
    /// route). `Ok` only for a head the reader accepts.
    pub(super) async fn fetch_head(
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
    pub(super) fn lost(
        &self,
        lost: Lost,
        position: &SyncPosition,
        refusals: Refusals,
    ) -> SyncError {
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
