//! Log files: immutable, gzip-compressed JSON lines of [`Entry`], one entry a line, with gap-free
//! sequence numbers. The hash chain runs over the exact line bytes:
//! `tip(n) = sha256(tip(n-1) || line(n))`, starting from [`GENESIS_TIP`](super::codec::GENESIS_TIP).

use super::codec::{Codec, FileUse, Hash, Lines, chain_step, parse_hash, parse_json, sha256_hex};
use super::head::LogFileRef;
use super::{Entry, FormatError};

/// Writes a run of entries as one log file.
pub struct LogFileBuilder {
    level: u8,
    first: u64,
    next: u64,
    tip_before: Hash,
    tip: Hash,
    raw: Vec<u8>,
}

impl LogFileBuilder {
    /// Starts a file whose first entry is `first`, appended after the chain tip `tip_before`.
    pub fn new(level: u8, first: u64, tip_before: Hash) -> Self {
        LogFileBuilder {
            level,
            first,
            next: first,
            tip_before,
            tip: tip_before,
            raw: Vec::new(),
        }
    }

    /// Appends an entry; its sequence number must be the next one.
    pub fn push(&mut self, entry: &Entry) {
        assert_eq!(entry.seq, self.next, "log entries are gap-free");
        let line = serde_json::to_vec(entry).expect("an entry serialises");
        self.push_line(&line);
    }

    /// Appends the exact bytes of an entry line taken from another log file (for compaction).
    pub fn push_line(&mut self, line: &[u8]) {
        self.tip = chain_step(&self.tip, line);
        self.raw.extend_from_slice(line);
        self.raw.push(b'\n');
        self.next += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.next == self.first
    }

    /// The chain tip after the entries pushed so far.
    pub fn tip(&self) -> Hash {
        self.tip
    }

    /// The file compressed with `codec`, and its reference for the head.
    pub fn finish(self, codec: Codec) -> (LogFileRef, Vec<u8>) {
        assert!(!self.is_empty(), "a log file holds at least one entry");
        let bytes = codec.compress(&self.raw, FileUse::Log);
        let file = LogFileRef {
            level: self.level,
            first: self.first,
            last: self.next - 1,
            tip_before: hex::encode(self.tip_before),
            tip_after: hex::encode(self.tip),
            hash: sha256_hex(&bytes),
            len: bytes.len() as u64,
            raw_len: self.raw.len() as u64,
        };
        (file, bytes)
    }
}

/// Checks a fetched file's length and hash against its reference in a verified head.
pub fn check_pinned(what: &str, bytes: &[u8], hash: &str, len: u64) -> Result<(), FormatError> {
    if bytes.len() as u64 != len {
        return Err(FormatError::WrongLength {
            what: what.into(),
            expected: len,
            actual: bytes.len() as u64,
        });
    }
    if sha256_hex(bytes) != hash {
        return Err(FormatError::HashMismatch { what: what.into() });
    }
    Ok(())
}

/// Replays a log file whose bytes were checked with [`check_pinned`], verifying sequence numbers
/// and the chain, and yields the entries after a reader's position.
pub struct LogReader<'a> {
    what: String,
    file: &'a LogFileRef,
    lines: Lines<'a>,
    next: u64,
    tip: Hash,
    position: u64,
    position_tip: Hash,
    done: bool,
}

impl<'a> LogReader<'a> {
    /// `position` is the last entry the reader holds and `position_tip` the chain tip there; the
    /// file must start at or before `position + 1`. Entries up to `position` are replayed only to
    /// check that the chain passes through the reader's tip (a fork is refused).
    pub fn new(
        file: &'a LogFileRef,
        bytes: &'a [u8],
        position: u64,
        position_tip: Hash,
    ) -> Result<Self, FormatError> {
        let what = format!("log file {}", file.hash);
        if file.first > position + 1 || file.last <= position {
            return Err(FormatError::malformed(
                &what,
                "does not continue from the reader's position",
            ));
        }
        let tip = parse_hash(&what, &file.tip_before)?;
        if file.first == position + 1 && tip != position_tip {
            return Err(FormatError::ChainMismatch {
                what,
                reason: "does not extend the stored tip".into(),
            });
        }
        Ok(LogReader {
            lines: Lines::new(what.clone(), bytes, file.raw_len),
            what,
            file,
            next: file.first,
            tip,
            position,
            position_tip,
            done: false,
        })
    }

    /// The next entry after the reader's position, with the chain tip after it; `None` once the
    /// file ended and its last tip was checked.
    pub fn next_entry(&mut self) -> Result<Option<(Entry, Hash)>, FormatError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(line) = self.lines.next_line()? else {
                return self.finish().map(|()| None);
            };
            if self.next > self.file.last {
                return Err(FormatError::malformed(
                    &self.what,
                    "more entries than its range",
                ));
            }
            let entry: Entry = parse_json(&self.what, line)?;
            if entry.seq != self.next {
                return Err(FormatError::SequenceGap {
                    what: self.what.clone(),
                    expected: self.next,
                    found: entry.seq,
                });
            }
            self.tip = chain_step(&self.tip, line);
            self.next += 1;
            if entry.seq == self.position && self.tip != self.position_tip {
                return Err(FormatError::ChainMismatch {
                    what: self.what.clone(),
                    reason: format!("entry {} differs from the one the reader holds", entry.seq),
                });
            }
            if entry.seq > self.position {
                return Ok(Some((entry, self.tip)));
            }
        }
    }

    fn finish(&mut self) -> Result<(), FormatError> {
        self.done = true;
        if self.next != self.file.last + 1 {
            return Err(FormatError::SequenceGap {
                what: self.what.clone(),
                expected: self.next,
                found: self.file.last + 1,
            });
        }
        if hex::encode(self.tip) != self.file.tip_after {
            return Err(FormatError::ChainMismatch {
                what: self.what.clone(),
                reason: "tip after the last entry differs from the head's".into(),
            });
        }
        if self.lines.bytes_read() != self.file.raw_len {
            return Err(FormatError::WrongLength {
                what: format!("{} (decompressed)", self.what),
                expected: self.file.raw_len,
                actual: self.lines.bytes_read(),
            });
        }
        Ok(())
    }
}

/// What one request costs beside its bytes, in the same unit, when choosing files.
const REQUEST_COST: u64 = 1024;

/// The cheapest files (by bytes, plus a fixed cost per request) that take a reader at
/// `position` to `size`, in order; `None` if the files listed do not reach back to `position`.
/// A file may start before `position + 1`: the reader replays its start only to check the chain.
pub fn cover(files: &[LogFileRef], position: u64, size: u64) -> Option<Vec<&LogFileRef>> {
    if position >= size {
        return Some(vec![]);
    }
    // Reached positions, each with its cost and the file that led there (index into `files`).
    let mut reached: std::collections::BTreeMap<u64, (u64, Option<(usize, u64)>)> =
        std::collections::BTreeMap::from([(position, (0, None))]);
    let mut by_last: Vec<usize> = (0..files.len()).collect();
    by_last.sort_by_key(|&i| files[i].last);
    for &i in &by_last {
        let f = &files[i];
        let best = reached
            .range(f.first.saturating_sub(1)..f.last)
            .map(|(&x, &(cost, _))| (cost + f.len + REQUEST_COST, x))
            .min();
        if let Some((cost, from)) = best
            && reached.get(&f.last).is_none_or(|&(c, _)| cost < c)
        {
            reached.insert(f.last, (cost, Some((i, from))));
        }
    }
    let mut path = Vec::new();
    let mut at = size;
    while at != position {
        let (_, Some((i, from))) = *reached.get(&at)? else {
            return None;
        };
        path.push(&files[i]);
        at = from;
    }
    path.reverse();
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Change;
    use crate::format::codec::{GENESIS_TIP, decompress_capped, gzip};

    fn entry(seq: u64) -> Entry {
        Entry {
            seq,
            change: Change::DeleteArticle {
                id: format!("a{seq}"),
                revision: 1,
            },
        }
    }

    fn build(first: u64, last: u64, tip: Hash) -> (LogFileRef, Vec<u8>) {
        let mut b = LogFileBuilder::new(0, first, tip);
        for seq in first..=last {
            b.push(&entry(seq));
        }
        b.finish(Codec::Gzip)
    }

    fn read_all(
        file: &LogFileRef,
        bytes: &[u8],
        pos: u64,
        tip: Hash,
    ) -> Result<Vec<u64>, FormatError> {
        let mut r = LogReader::new(file, bytes, pos, tip)?;
        let mut seqs = vec![];
        while let Some((e, _)) = r.next_entry()? {
            seqs.push(e.seq);
        }
        Ok(seqs)
    }

    #[test]
    fn a_reader_inside_a_file_gets_only_what_it_lacks() {
        let (first, bytes1) = build(1, 3, GENESIS_TIP);
        let tip3 = parse_hash("t", &first.tip_after).unwrap();
        let (file, bytes) = build(1, 5, GENESIS_TIP);
        assert_eq!(read_all(&file, &bytes, 3, tip3).unwrap(), vec![4, 5]);
        assert_eq!(
            read_all(&first, &bytes1, 0, GENESIS_TIP).unwrap(),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn a_dropped_line_is_a_gap() {
        let (file, bytes) = build(1, 3, GENESIS_TIP);
        let raw = decompress_capped("t", &bytes, 1 << 20).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let without: String = text
            .lines()
            .filter(|l| !l.contains("\"seq\":2"))
            .map(|l| format!("{l}\n"))
            .collect();
        let bytes = gzip(without.as_bytes());
        let file = LogFileRef {
            hash: sha256_hex(&bytes),
            len: bytes.len() as u64,
            raw_len: without.len() as u64,
            ..file
        };
        assert!(matches!(
            read_all(&file, &bytes, 0, GENESIS_TIP),
            Err(FormatError::SequenceGap { .. })
        ));
    }

    #[test]
    fn a_fork_of_the_readers_history_is_refused() {
        let (file, bytes) = build(1, 5, GENESIS_TIP);
        let other_tip = [7u8; 32];
        assert!(matches!(
            read_all(&file, &bytes, 3, other_tip),
            Err(FormatError::ChainMismatch { .. })
        ));
        let (next, next_bytes) = build(6, 7, other_tip);
        let tip5 = parse_hash("t", &file.tip_after).unwrap();
        assert!(matches!(
            read_all(&next, &next_bytes, 5, tip5),
            Err(FormatError::ChainMismatch { .. })
        ));
    }

    fn file_ref(level: u8, first: u64, last: u64, len: u64) -> LogFileRef {
        LogFileRef {
            level,
            first,
            last,
            tip_before: String::new(),
            tip_after: String::new(),
            hash: format!("{level}:{first}"),
            len,
            raw_len: len,
        }
    }

    #[test]
    fn cover_prefers_the_small_recent_file_and_can_start_inside_a_big_one() {
        let files = vec![
            file_ref(1, 1, 40, 40_000),
            file_ref(0, 31, 40, 10_000),
            file_ref(0, 41, 50, 10_000),
        ];
        let hashes = |c: Vec<&LogFileRef>| c.iter().map(|f| f.hash.clone()).collect::<Vec<_>>();
        assert_eq!(hashes(cover(&files, 40, 50).unwrap()), vec!["0:41"]);
        assert_eq!(hashes(cover(&files, 30, 50).unwrap()), vec!["0:31", "0:41"]);
        assert_eq!(hashes(cover(&files, 12, 50).unwrap()), vec!["1:1", "0:41"]);
        assert_eq!(cover(&files, 50, 50).unwrap().len(), 0);
        assert!(cover(&files[1..], 12, 50).is_none());
    }

    #[test]
    fn pinned_files_must_match_length_and_hash() {
        let (file, mut bytes) = build(1, 2, GENESIS_TIP);
        assert!(check_pinned("f", &bytes, &file.hash, file.len).is_ok());
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(
            check_pinned("f", &bytes, &file.hash, file.len),
            Err(FormatError::HashMismatch { .. })
        ));
        assert!(matches!(
            check_pinned("f", &bytes[1..], &file.hash, file.len),
            Err(FormatError::WrongLength { .. })
        ));
    }
}
