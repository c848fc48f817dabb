//! Applying a plan: snapshot parts and log files, verified, in transactions with the position.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};

use futures::StreamExt;

use crate::format::codec::parse_hash;
use crate::format::head::{LogFileRef, PartRef, SnapshotRef, TreeFormat};
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
            Plan::Snapshot {
                snapshot,
                format,
                then,
            } => {
                let of = (*snapshot, *format);
                self.apply_snapshot(route, of, position, reporter, counters, applied)
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
    /// headlines, articles, comments). `of`: the snapshot and the format its parts are in.
    pub(super) async fn apply_snapshot(
        self: &Arc<Self>,
        route: &Route,
        of: (&SnapshotRef, TreeFormat),
        position: &SyncPosition,
        reporter: &Reporter,
        counters: &Arc<Counters>,
        applied: &mut ApplyStats,
    ) -> Result<(), SyncError> {
        let snapshot = of.0;
        let start = match &position.snapshot {
            Some(p) if p.seq == snapshot.seq && p.id == snapshot.id() => p.parts_applied as usize,
            _ => 0,
        };
        let items = Some(snapshot.articles + snapshot.comments);
        if start == 0 {
            reporter.phase(Phase::Headlines, Some(snapshot.bytes()), items);
            let headlines = vec![(0, snapshot.headlines.clone())];
            self.apply_parts(route, of, headlines, reporter, counters, applied)
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
            self.apply_parts(route, of, rest, reporter, counters, applied)
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

    /// Fetches `parts` (numbered in the snapshot) and stores each with its number, in order.
    /// A part is parsed on one thread while the store applies its items on another, a few
    /// items apart ([`PART_CHUNK`]): no part is ever held parsed whole, so memory stays flat
    /// whatever a part's size, and the part is still one transaction (a killed sync resumes
    /// at the first part not committed).
    async fn apply_parts(
        self: &Arc<Self>,
        route: &Route,
        (snapshot, format): (&SnapshotRef, TreeFormat),
        parts: Vec<(u32, PartRef)>,
        reporter: &Reporter,
        counters: &Arc<Counters>,
        applied: &mut ApplyStats,
    ) -> Result<(), SyncError> {
        let (seq, id) = (snapshot.seq, snapshot.id());
        let mut fetched = self.prefetch(
            route,
            parts
                .iter()
                .map(|(_, p)| (layout::snapshot(&p.hash), p.hash.clone(), p.len))
                .collect(),
            counters,
        );
        for (index, part) in parts {
            let (bytes, _permit) = fetched.next().await.expect("one fetch per part")?;
            let (len, count, path) = (part.len, part.items, layout::snapshot(&part.hash));
            let (sender, items) = std::sync::mpsc::sync_channel(2);
            let parsed = parse_part(route.id().to_string(), part, format, bytes, sender);
            let store = self.store.clone();
            let id = id.clone();
            let written = blocking(move || {
                store.apply_snapshot_part(seq, &id, index, Received::new(items, count))
            });
            let (bytes, stats) = tokio::try_join!(parsed, written)?;
            self.keep(path, bytes).await?;
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
        // What the snapshot wrote goes from the WAL into the file while the index is built.
        let store = self.store.clone();
        let beside = tokio::task::spawn_blocking(move || store.checkpoint_beside());
        let built = self.build_index(reporter).await;
        match beside.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "checkpoint beside the index rebuild failed"),
            Err(e) => tracing::warn!(error = %e, "checkpoint beside the index rebuild stopped"),
            Ok(Ok(())) => {}
        }
        built
    }

    /// The rebuild's steps, each its own transaction, until the index is complete.
    async fn build_index(&self, reporter: &Reporter) -> Result<(), SyncError> {
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

/// Items of a part sent to the store at a time: a few hundred KiB of text at most.
const PART_CHUNK: usize = 64;

/// Verifies and parses one fetched snapshot part, sending its items to `items` in chunks (a
/// failure is sent too, so the store rolls the part back); gives the bytes back to be kept.
/// Stops early when the receiver is gone. (Article HTML is sanitised when it is read, see
/// [`crate::store::Store::article`].)
async fn parse_part(
    route_id: String,
    part: PartRef,
    format: TreeFormat,
    bytes: Vec<u8>,
    items: SyncSender<Result<Vec<PartItem>, SyncError>>,
) -> Result<Vec<u8>, SyncError> {
    blocking(move || {
        let mut reader = PartReader::new(&part, &bytes, format);
        let mut chunk = Vec::with_capacity(PART_CHUNK);
        loop {
            match reader.next_item() {
                Ok(Some(item)) => {
                    chunk.push(item);
                    if chunk.len() < PART_CHUNK {
                        continue;
                    }
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(PART_CHUNK));
                    if items.send(Ok(full)).is_err() {
                        break; // the store stopped: nothing more is wanted
                    }
                }
                Ok(None) => {
                    let _ = items.send(Ok(chunk));
                    break;
                }
                Err(e) => {
                    let _ = items.send(Err(SyncError::Verification {
                        route: route_id,
                        check: e.to_string(),
                    }));
                    break;
                }
            }
        }
        drop(reader);
        Ok::<_, SyncError>(bytes)
    })
    .await
}

/// The items of one part as the store receives them from [`parse_part`]: a parser that stops
/// before the part's item count (it panicked, or was cancelled) is an error, so a part is
/// never committed short.
struct Received {
    chunks: Receiver<Result<Vec<PartItem>, SyncError>>,
    chunk: std::vec::IntoIter<PartItem>,
    expected: u64,
    seen: u64,
    /// A failure was yielded: nothing follows it.
    failed: bool,
}

impl Received {
    fn new(chunks: Receiver<Result<Vec<PartItem>, SyncError>>, expected: u64) -> Self {
        Received {
            chunks,
            chunk: Vec::new().into_iter(),
            expected,
            seen: 0,
            failed: false,
        }
    }
}

impl Iterator for Received {
    type Item = Result<PartItem, SyncError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.chunk.next() {
                self.seen += 1;
                return Some(Ok(item));
            }
            if self.failed {
                return None;
            }
            let failure = match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk.into_iter();
                    continue;
                }
                Ok(Err(e)) => e,
                Err(_) if self.seen == self.expected => return None,
                Err(_) => SyncError::Internal(format!(
                    "a snapshot part's parser stopped after {} of its {} items",
                    self.seen, self.expected
                )),
            };
            self.failed = true;
            return Some(Err(failure));
        }
    }
}

/// Articles indexed per search rebuild transaction: long enough to batch FTS5's work, short
/// enough that a reader's bookmark never waits long for the writer.
const REBUILD_BATCH: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::snapshot::Body;

    fn body(id: &str) -> PartItem {
        PartItem::Body(Body {
            id: id.into(),
            revision: 1,
            body_html: String::new(),
            summary_at: None,
            summary_len: None,
            images: Vec::new(),
            related: Vec::new(),
            links: Vec::new(),
        })
    }

    fn ids(received: Received) -> Vec<Result<String, String>> {
        received
            .map(|item| match item {
                Ok(PartItem::Body(b)) => Ok(b.id),
                Ok(_) => Err("not a body".into()),
                Err(e) => Err(e.to_string()),
            })
            .collect()
    }

    #[test]
    fn a_part_received_whole_ends_and_a_short_one_is_an_error() {
        let (sender, chunks) = std::sync::mpsc::sync_channel(2);
        sender.send(Ok(vec![body("a"), body("b")])).unwrap();
        sender.send(Ok(vec![body("c")])).unwrap();
        drop(sender);
        let whole = ids(Received::new(chunks, 3));
        assert_eq!(whole, [Ok("a".into()), Ok("b".into()), Ok("c".into())]);

        // A parser that stopped (panicked) after two of three items: the part must not commit.
        let (sender, chunks) = std::sync::mpsc::sync_channel(2);
        sender.send(Ok(vec![body("a"), body("b")])).unwrap();
        drop(sender);
        let short = ids(Received::new(chunks, 3));
        assert_eq!(short.len(), 3, "{short:?}");
        assert!(short[2].as_ref().is_err_and(|e| e.contains("2 of its 3")));

        // A parse failure is passed on as it was sent.
        let (sender, chunks) = std::sync::mpsc::sync_channel(2);
        sender.send(Ok(vec![body("a")])).unwrap();
        let failure = SyncError::Verification {
            route: "r".into(),
            check: "torn".into(),
        };
        sender.send(Err(failure)).unwrap();
        drop(sender);
        let failed = ids(Received::new(chunks, 3));
        assert_eq!(failed.len(), 2, "nothing follows a failure: {failed:?}");
        assert!(failed[1].as_ref().is_err_and(|e| e.contains("torn")));
    }
}
