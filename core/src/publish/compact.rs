//! The compaction schedule of log files, so a reader at any position catches up in a few
//! requests and `head` stays small.
//!
//! - Every publish run that changes something writes one level-0 file with exactly its entries.
//! - Whenever [`FANOUT`] level-`k` files lie after the newest level-`k + 1` file, the oldest
//!   [`FANOUT`] of them are merged (their exact lines, so the chain is unchanged) into one
//!   level-`k + 1` file, up to level [`TOP_LEVEL`].
//! - `head` lists the newest [`KEEP_PER_LEVEL`] files of each level; together they cover a
//!   gap-free window ending at the log's size (a reader who synced at any run in the last
//!   `KEEP_PER_LEVEL × FANOUT^TOP_LEVEL` runs needs at most a few files). Older readers, and new
//!   ones, take the snapshot.

use std::path::Path;

use crate::format::codec::{Codec, Lines, parse_hash};
use crate::format::head::LogFileRef;
use crate::format::log::LogFileBuilder;
use crate::format::{FormatError, layout};

use super::PublishError;
use super::tree::read_pinned;

pub const FANOUT: usize = 4;
pub const TOP_LEVEL: u8 = 3;
pub const KEEP_PER_LEVEL: usize = 2 * FANOUT;

/// Merges and prunes `files` (which include this run's new file). New merged files are added to
/// `files` and returned with their bytes, to be written before `head`.
pub fn compact(
    dir: &Path,
    files: &mut Vec<LogFileRef>,
    fresh: &[(LogFileRef, Vec<u8>)],
    codec: Codec,
) -> Result<Vec<(LogFileRef, Vec<u8>)>, PublishError> {
    let mut written: Vec<(LogFileRef, Vec<u8>)> = Vec::new();
    for level in 0..TOP_LEVEL {
        loop {
            let upper_end = files
                .iter()
                .filter(|f| f.level == level + 1)
                .map(|f| f.last)
                .max()
                .unwrap_or(0);
            let mut pending: Vec<&LogFileRef> = files
                .iter()
                .filter(|f| f.level == level && f.first > upper_end)
                .collect();
            pending.sort_by_key(|f| f.first);
            if pending.len() < FANOUT {
                break;
            }
            let group: Vec<LogFileRef> = pending[..FANOUT].iter().map(|f| (*f).clone()).collect();
            let merged = merge(
                dir,
                level + 1,
                &group,
                fresh.iter().chain(written.iter()),
                codec,
            )?;
            files.push(merged.0.clone());
            written.push(merged);
        }
    }
    for level in 0..=TOP_LEVEL {
        let mut at_level: Vec<u64> = files
            .iter()
            .filter(|f| f.level == level)
            .map(|f| f.first)
            .collect();
        at_level.sort_unstable();
        if at_level.len() > KEEP_PER_LEVEL {
            let cut = at_level[at_level.len() - KEEP_PER_LEVEL];
            files.retain(|f| f.level != level || f.first >= cut);
        }
    }
    files.sort_by_key(|f| (f.level, f.first));
    Ok(written)
}

fn merge<'a>(
    dir: &Path,
    level: u8,
    group: &[LogFileRef],
    fresh: impl Iterator<Item = &'a (LogFileRef, Vec<u8>)> + Clone,
    codec: Codec,
) -> Result<(LogFileRef, Vec<u8>), PublishError> {
    let first = &group[0];
    let tip = parse_hash("tip", &first.tip_before).map_err(|e| (dir.join(layout::HEAD), e))?;
    let mut builder = LogFileBuilder::new(level, first.first, tip);
    for file in group {
        let path = dir.join(layout::log(&file.hash));
        let bytes = match fresh.clone().find(|(f, _)| f.hash == file.hash) {
            Some((_, b)) => b.clone(),
            None => read_pinned(&path, &file.hash, file.len)?,
        };
        let mut lines = Lines::new(path.display().to_string(), &bytes[..], file.raw_len);
        while let Some(line) = lines.next_line().map_err(|e| (path.clone(), e))? {
            builder.push_line(line);
        }
        if hex::encode(builder.tip()) != file.tip_after {
            let err = FormatError::ChainMismatch {
                what: path.display().to_string(),
                reason: "merge broke the chain".into(),
            };
            return Err((path, err).into());
        }
    }
    Ok(builder.finish(codec))
}
