//! The head race: fetch `head` from a route and decide whether the reader accepts it.

use std::sync::Mutex;

use crate::format::head::{Head, TreeFormat};
use crate::format::limits::{HEAD_MAX, ROOT_MAX};
use crate::format::note::PublicKey;
use crate::format::root::TrustedRoot;
use crate::format::{FormatError, layout};
use crate::net::{FailureKind, FetchError, Fetched, Lost, Route, RouteSource};
use crate::store::SyncPosition;
use crate::sync::SyncError;

use super::{Counters, Inner, MAX_ROTATIONS, blocking};

/// A verified answer to the head race.
pub(super) struct HeadAnswer {
    /// `None` when the route has nothing newer than the stored head.
    pub(super) head: Option<Head>,
    pub(super) root: TrustedRoot,
    pub(super) etag: Option<String>,
    /// The head's signed bytes, as fetched (kept to pass on).
    pub(super) bytes: Vec<u8>,
    /// The root files fetched to reach `root`, as (version, signed bytes).
    pub(super) roots: Vec<(u64, Vec<u8>)>,
}

/// How far the device's clock may be from the servers' `Date` before it counts as wrong.
const CLOCK_SKEW: i64 = 3600;
/// How close the `Date`s of different routes must be to count as one account of the time.
const DATES_AGREE: i64 = 600;

/// Why routes' heads were refused, to name the failure when every route fails.
#[derive(Default)]
pub(super) struct Refusals {
    pub(super) stale_since: Option<i64>,
    pub(super) rollback: Option<(String, u64)>,
    /// Routes whose head was stale by the device's clock but fresh by their `Date`, which is
    /// far behind that clock: (route, `Date`).
    pub(super) clock_ahead: Vec<(String, i64)>,
    /// The newest tree format a route's signed head was in, when newer than this reader reads.
    pub(super) newer_format: Option<u64>,
    /// The newest expired head a folder or user-added route offered that is newer than the
    /// held one: taken as a copy when no live head won and the reader is offline or in a
    /// national shutdown (see [`Inner::copy_in_shutdown`]).
    pub(super) copy: Option<(Route, HeadAnswer)>,
}

impl Refusals {
    /// Records a head refused as stale, and what the route's `Date` says of the device's
    /// clock; returns the attempt's failure (of kind `Clock` when the `Date` says the head is
    /// current and the device's clock far ahead).
    fn stale(
        &mut self,
        route: &Route,
        what: String,
        expires_at: i64,
        now: i64,
        date: Option<i64>,
    ) -> FetchError {
        self.stale_since = Some(self.stale_since.map_or(expires_at, |s| s.max(expires_at)));
        match date.filter(|&d| d < expires_at && now - d > CLOCK_SKEW) {
            Some(date) => {
                self.clock_ahead.push((route.id().to_string(), date));
                FetchError::new(
                    FailureKind::Clock,
                    format!(
                        "stale: {what} expired at {expires_at} by the device's clock ({now}), not by the server's Date ({date}): the device's clock seems wrong"
                    ),
                )
            }
            None => FetchError::verification(format!("stale: {what} expired at {expires_at}")),
        }
    }

    /// What the routes that found the device's clock ahead say the time is (their median
    /// `Date`) and how many distinct routes said it; `None` if none did or their `Date`s
    /// disagree.
    pub(super) fn network_time(&self) -> Option<(i64, usize)> {
        let mut dates: Vec<i64> = self.clock_ahead.iter().map(|(_, d)| *d).collect();
        let mut routes: Vec<&str> = self.clock_ahead.iter().map(|(r, _)| r.as_str()).collect();
        routes.sort_unstable();
        routes.dedup();
        dates.sort_unstable();
        let (first, last) = (*dates.first()?, *dates.last()?);
        (last - first <= DATES_AGREE).then_some((dates[dates.len() / 2], routes.len()))
    }

    /// The time to judge expiry by when the device's clock is wrong: the `Date` at least two
    /// independent routes agree on, if it is not before the newest head the reader verified
    /// (`signed`, a time the publisher signed). A single route's `Date` is never trusted, so a
    /// frozen mirror cannot pass an expired head off by lying about the time.
    pub(super) fn trusted_time(&self, signed: Option<i64>) -> Option<i64> {
        self.network_time()
            .filter(|&(time, routes)| routes >= 2 && time >= signed.unwrap_or(i64::MIN))
            .map(|(time, _)| time)
    }
}

/// How far the device's clock is off (positive: ahead), when it is off by more than
/// [`CLOCK_SKEW`]: from the time the sync trusted instead of it, or from a signed head issued
/// after the device's "now".
pub(super) fn clock_off_by(device: i64, trusted: i64, signed: Option<i64>) -> Option<i64> {
    let behind = signed.map_or(0, |issued| device - issued).min(0);
    [device - trusted, behind]
        .into_iter()
        .find(|off| off.abs() > CLOCK_SKEW)
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
        // A signed head the reader verified was issued before now: a clock behind it is wrong,
        // and expiry is judged by the later of the two (a frozen head stays refused).
        let now = now.max(position.head_issued_at.unwrap_or(i64::MIN));
        let (bytes, etag, date) = match client
            .fetch(&route, layout::HEAD, HEAD_MAX, etag.as_deref())
            .await?
        {
            Fetched::NotModified { date, .. } => {
                if let Some(expired) = position.head_expires_at.filter(|&e| now >= e) {
                    return Err(refusals.lock().unwrap_or_else(|e| e.into_inner()).stale(
                        &route,
                        "unchanged head".into(),
                        expired,
                        now,
                        date,
                    ));
                }
                return Ok(HeadAnswer {
                    head: None,
                    root: trusted.clone(),
                    etag,
                    bytes: Vec::new(),
                    roots: Vec::new(),
                });
            }
            Fetched::Body {
                bytes, etag, date, ..
            } => (bytes, etag, date),
        };
        counters.add(0, bytes.len() as u64);
        let verify = |e: FormatError| FetchError::verification(format!("head: {e}"));
        let claimed = Head::peek_root_version(&bytes).map_err(verify)?;
        let mut root = trusted.clone();
        let mut roots = Vec::new();
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
            roots.push((root.version, note));
        }
        let head = Head::verify(&bytes, &root).map_err(|e| {
            if let FormatError::NewerFormat { found, .. } = e {
                let mut refusals = refusals.lock().unwrap_or_else(|e| e.into_inner());
                refusals.newer_format = refusals.newer_format.max(Some(found));
            }
            verify(e)
        })?;
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
            let mut refusals = refusals.lock().unwrap_or_else(|e| e.into_inner());
            let passed_on = matches!(route.source(), RouteSource::Folder | RouteSource::User);
            let newer = head.version > position.head_version
                && refusals
                    .copy
                    .as_ref()
                    .and_then(|(_, c)| c.head.as_ref())
                    .is_none_or(|c| c.version < head.version);
            if passed_on && newer && !forks(&head, position) {
                refusals.copy = Some((
                    route.clone(),
                    HeadAnswer {
                        head: Some(head.clone()),
                        root: root.clone(),
                        etag: None,
                        bytes: bytes.clone(),
                        roots: roots.clone(),
                    },
                ));
            }
            return Err(refusals.stale(
                &route,
                format!("head {}", head.version),
                head.expires_at,
                now,
                date,
            ));
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
            bytes,
            roots,
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
                Some(FailureKind::Verification | FailureKind::Clock)
            )
        });
        if let Some((network, routes)) = refusals.network_time().filter(|_| answered) {
            return SyncError::ClockWrong {
                device: (self.config.clock)(),
                network,
                routes,
            };
        }
        match refusals {
            Refusals {
                newer_format: Some(found),
                ..
            } => SyncError::UpdateNeeded {
                found,
                known: TreeFormat::CURRENT.into(),
            },
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
