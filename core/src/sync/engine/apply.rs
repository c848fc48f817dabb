//! Applying a plan: snapshot parts and log files, verified, in transactions with the position.

use std::sync::Arc;

use futures::{StreamExt, stream};

use crate::format::codec::parse_hash;
use crate::format::head::{LogFileRef, PartRef, SnapshotRef};
use crate::format::log::LogReader;
use crate::format::snapshot::{PartItem, PartList, PartReader};
use crate::format::{Entry, FormatError, layout};
use crate::net::Route;
use crate::store::{ApplyStats, SyncPosition};
use crate::sync::SyncError;
use crate::sync::plan::Plan;
use crate::sync::progress::{Phase, Reporter};

use super::{BATCH, Counters, Inner, blocking};

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
                drop(reader);
                for (entries, seq, tip) in pending {
                    stats += store.apply_entries(&entries, seq, &hex::encode(tip))?;
                }
                store.keep_tree_file(&layout::log(&file.hash), &bytes)?;
                Ok::<_, SyncError>(last)
            })();
            Ok::<_, SyncError>((result, stats))
        })
        .await?;
        *applied += stats;
        if let Err(SyncError::Verification { check, .. }) = &result {
            self.net
                .report_verification_failure(route, layout::HEAD, check);
        }
        result
    }

    /// Applies the snapshot's parts from where a killed sync stopped. The newest headlines
    /// (part 0, named in `head`) are fetched alone, with the whole bandwidth, and stored before
    /// anything else is asked for: a new reader's list appears after three requests (`head`,
    /// the root, this part). Then the part list, then the parts it names (parts 1, 2, …: more
    /// headlines, articles, comments).
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
            Some(p) if p.seq == snapshot.seq && p.id == snapshot.id() => p.parts_applied as usize,
            _ => 0,
        };
        let items = Some(snapshot.articles + snapshot.comments);
        if start == 0 {
            reporter.phase(Phase::Headlines, Some(snapshot.bytes()), items);
            let headlines = vec![(0, snapshot.headlines.clone())];
            self.apply_parts(route, snapshot, headlines, reporter, counters, applied)
                .await?;
            counters.headlines_stored();
        }
        if (start as u64) <= snapshot.rest.parts {
            let list = self.part_list(route, snapshot, counters).await?;
            let rest: Vec<(u32, PartRef)> = (1..).zip(list).skip(start.saturating_sub(1)).collect();
            reporter.phase(
                Phase::Snapshot,
                Some(rest.iter().map(|(_, p)| p.len).sum()),
                items,
            );
            self.apply_parts(route, snapshot, rest, reporter, counters, applied)
                .await?;
        }
        let store = self.store.clone();
        let (seq, tip) = (snapshot.seq, snapshot.tip.clone());
        *applied += blocking(move || store.finish_snapshot(seq, &tip)).await?;
        Ok(())
    }

    /// The parts after the headlines, from the snapshot's part list.
    async fn part_list(
        &self,
        route: &Route,
        snapshot: &SnapshotRef,
        counters: &Counters,
    ) -> Result<Vec<PartRef>, SyncError> {
        let list = &snapshot.rest;
        if list.parts == 0 {
            return Ok(Vec::new());
        }
        let path = layout::part_list(&list.hash);
        let bytes = self
            .fetch_file(route, path, &list.hash, list.len, counters)
            .await?;
        let parts = PartList::parse(&bytes, list).map_err(|e| SyncError::Verification {
            route: route.id().to_string(),
            check: e.to_string(),
        })?;
        self.keep(layout::part_list(&list.hash), bytes).await?;
        Ok(parts)
    }

    /// Fetches `parts` (numbered in the snapshot) and stores each with its number, in order;
    /// the next part is parsed while one is written.
    async fn apply_parts(
        self: &Arc<Self>,
        route: &Route,
        snapshot: &SnapshotRef,
        parts: Vec<(u32, PartRef)>,
        reporter: &Reporter,
        counters: &Arc<Counters>,
        applied: &mut ApplyStats,
    ) -> Result<(), SyncError> {
        let (seq, id) = (snapshot.seq, snapshot.id());
        let fetched = self.prefetch(
            route,
            parts
                .iter()
                .map(|(_, p)| (layout::snapshot(&p.hash), p.hash.clone(), p.len))
                .collect(),
            counters,
        );
        let route_id = route.id().to_string();
        let mut parsed = fetched
            .zip(stream::iter(parts))
            .map(|(fetch, (index, part))| {
                let route_id = route_id.clone();
                async move {
                    let (bytes, permit) = fetch?;
                    let (len, count, path) = (part.len, part.items, layout::snapshot(&part.hash));
                    let (items, bytes) = parse_part(route_id, part, bytes).await?;
                    Ok::<_, SyncError>((index, items, len, count, (path, bytes), permit))
                }
            })
            .buffered(2)
            .boxed();
        while let Some(next) = parsed.next().await {
            let (index, items, len, count, (path, bytes), _permit) = next?;
            let store = self.store.clone();
            let id = id.clone();
            let stats = blocking(move || {
                let stats = store.apply_snapshot_items(seq, &id, index, &items)?;
                store.keep_tree_file(&path, &bytes)?;
                Ok::<_, SyncError>(stats)
            })
            .await?;
            *applied += stats;
            reporter.update(|p| {
                p.bytes += len;
                p.items += count;
            });
        }
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

/// Verifies and parses one fetched snapshot part; gives the bytes back to be kept. (Article
/// HTML is sanitised when it is read, see [`crate::store::Store::article`].)
async fn parse_part(
    route_id: String,
    part: PartRef,
    bytes: Vec<u8>,
) -> Result<(Vec<PartItem>, Vec<u8>), SyncError> {
    blocking(move || {
        let mut reader = PartReader::new(&part, &bytes);
        let mut items = Vec::with_capacity(part.items.min(100_000) as usize);
        while let Some(item) = reader.next_item().map_err(|e| SyncError::Verification {
            route: route_id.clone(),
            check: e.to_string(),
        })? {
            items.push(item);
        }
        drop(reader);
        Ok::<_, SyncError>((items, bytes))
    })
    .await
}

/// Articles indexed per search rebuild transaction: long enough to batch FTS5's work, short
/// enough that a reader's bookmark never waits long for the writer.
const REBUILD_BATCH: usize = 500;
