//! Applying a plan: snapshot parts and log files, verified, in transactions with the position.

use std::sync::Arc;

use futures::{StreamExt, stream};

use crate::format::codec::parse_hash;
use crate::format::head::{LogFileRef, PartRef, SnapshotRef};
use crate::format::log::LogReader;
use crate::format::snapshot::{PartItem, PartReader};
use crate::format::{Entry, FormatError, layout};
use crate::net::Route;
use crate::store::{ApplyStats, SyncPosition};
use crate::sync::SyncError;
use crate::sync::plan::Plan;
use crate::sync::progress::{Phase, Reporter};

use super::{BATCH, Counters, Inner, add_stats, blocking};

impl Inner {
    pub(super) async fn apply_plan(
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
    pub(super) async fn apply_log_file(
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
                while let Some((entry, tip)) = reader.next_entry().map_err(fail)? {
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

    /// Applies the snapshot's parts from where a killed sync stopped. The headlines part (part
    /// 0) is fetched alone, with the whole bandwidth, and stored before any other part is asked
    /// for: a new reader's list appears after three requests (`head`, the root, this part).
    pub(super) async fn apply_snapshot(
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
        let rest: u64 = parts.iter().map(|(_, p)| p.len).sum();
        let items = Some(snapshot.articles + snapshot.comments);
        let (first, later) = parts.split_at(usize::from(start == 0).min(parts.len()));
        for (batch, phase) in [(first, Phase::Headlines), (later, Phase::Snapshot)] {
            if batch.is_empty() {
                continue;
            }
            reporter.phase(phase, Some(rest), items);
            let fetched = self.prefetch(
                route,
                batch
                    .iter()
                    .map(|(_, p)| (layout::snapshot(&p.hash), p.hash.clone(), p.len))
                    .collect(),
                counters,
            );
            // Parsing the next part runs beside the write of this one.
            let owned: Vec<(String, PartRef)> = batch
                .iter()
                .map(|(_, part)| (route.id().to_string(), (*part).clone()))
                .collect();
            let mut parsed = fetched
                .zip(stream::iter(owned))
                .map(|(fetch, (route_id, part))| async move {
                    let (bytes, permit) = fetch?;
                    Ok::<_, SyncError>((parse_part(route_id, part, bytes).await?, permit))
                })
                .buffered(2)
                .boxed();
            for (index, part) in batch {
                let (items, _permit) = parsed.next().await.expect("one parse per part")?;
                let (store, seq, index) = (self.store.clone(), snapshot.seq, *index as u32);
                let stats =
                    blocking(move || store.apply_snapshot_items(seq, index, &items)).await?;
                add_stats(applied, stats);
                reporter.update(|p| {
                    p.bytes += part.len;
                    p.items += part.items;
                });
            }
            if phase == Phase::Headlines {
                counters.headlines_stored();
            }
        }
        let store = self.store.clone();
        let (seq, tip) = (snapshot.seq, snapshot.tip.clone());
        add_stats(
            applied,
            blocking(move || store.finish_snapshot(seq, &tip)).await?,
        );
        Ok(())
    }

    /// Runs a pending search index rebuild (after a snapshot, or one a killed process left) in
    /// short batches: the articles are readable before it starts, and a cancelled sync leaves
    /// the rest to the next one.
    pub(super) async fn rebuild_search(&self, reporter: &Reporter) -> Result<(), SyncError> {
        let store = self.store.clone();
        let pending = blocking(move || {
            Ok::<_, SyncError>(if store.search_rebuild_pending()? {
                Some(store.counts()?.total)
            } else {
                None
            })
        })
        .await?;
        let Some(total) = pending else {
            return Ok(());
        };
        reporter.phase(Phase::Indexing, None, Some(total));
        loop {
            let store = self.store.clone();
            let step = blocking(move || store.rebuild_search_step(REBUILD_BATCH)).await?;
            let Some(step) = step else { return Ok(()) };
            reporter.update(|p| p.items += step.indexed);
            if step.finished {
                return Ok(());
            }
        }
    }
}

/// Verifies and parses one fetched snapshot part. (Article HTML is sanitised when it is read,
/// see [`crate::store::Store::article`].)
async fn parse_part(
    route_id: String,
    part: PartRef,
    bytes: Vec<u8>,
) -> Result<Vec<PartItem>, SyncError> {
    blocking(move || {
        let mut reader = PartReader::new(&part, &bytes);
        let mut items = Vec::with_capacity(part.items.min(100_000) as usize);
        while let Some(item) = reader.next_item().map_err(|e| SyncError::Verification {
            route: route_id.clone(),
            check: e.to_string(),
        })? {
            items.push(item);
        }
        Ok::<_, SyncError>(items)
    })
    .await
}

/// Articles indexed per search rebuild transaction: long enough to batch FTS5's work, short
/// enough that a reader's bookmark never waits long for the writer.
const REBUILD_BATCH: usize = 500;
