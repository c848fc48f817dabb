//! `head`: the signed, expiring entry point of a tree.
//!
//! It carries a version that only grows, issue and expiry times, the log's size and chain tip,
//! the log files a client may need (each pinned by hash, length and sequence range), the current
//! snapshot's headlines part and the list of its other parts (pinned, so the head stays small
//! however many parts there are), and the hash of the current signed mirror list. Everything a client
//! fetches after `head` is pinned by it, so mixing files from different publish runs fails.

use serde::{Deserialize, Serialize};

use super::FormatError;
use super::codec::{Codec, is_hash_hex, parse_json};
use super::limits::{HEAD_FILES_MAX, HEAD_MAX, PART_LIST_MAX, PARTS_MAX};
use super::note::{self, NoteKind, SecretKey};
use super::root::TrustedRoot;

/// The tree format a head declares: how its new files are compressed and what its snapshot's
/// article parts hold. A reader reads every format up to [`TreeFormat::CURRENT`] (files are
/// told apart by their magic bytes and their part kinds, so a head may still name files an
/// older run wrote), and refuses a head of a later format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum TreeFormat {
    /// Gzip files; snapshot article parts hold whole articles (headline fields again).
    #[default]
    V1,
    /// zstd files; snapshot article parts hold only what the headlines lack ([`PartKind::Bodies`]).
    V2,
    /// As format 2, with the text packed before zstd ([`Codec::ZstdPacked`]).
    V3,
    /// As format 3, and a snapshot body may lack its headline's summary, which the reader
    /// puts back ([`crate::format::snapshot::Body::spliced_html`]).
    V4,
}

impl TreeFormat {
    /// What the publisher writes and the newest a reader accepts.
    pub const CURRENT: TreeFormat = TreeFormat::V4;

    pub fn codec(self) -> Codec {
        match self {
            TreeFormat::V1 => Codec::Gzip,
            TreeFormat::V2 => Codec::Zstd,
            TreeFormat::V3 | TreeFormat::V4 => Codec::ZstdPacked,
        }
    }

    /// Whether snapshot bodies may be sent without their headline's summary (format 4 on).
    pub fn cuts_summaries(self) -> bool {
        matches!(self, TreeFormat::V4)
    }
}

impl TryFrom<u32> for TreeFormat {
    type Error = String;
    fn try_from(n: u32) -> Result<Self, String> {
        match n {
            1 => Ok(TreeFormat::V1),
            2 => Ok(TreeFormat::V2),
            3 => Ok(TreeFormat::V3),
            4 => Ok(TreeFormat::V4),
            n => Err(format!(
                "tree format {n} is newer than this reader's {}",
                u32::from(TreeFormat::CURRENT)
            )),
        }
    }
}

impl From<TreeFormat> for u32 {
    fn from(f: TreeFormat) -> u32 {
        match f {
            TreeFormat::V1 => 1,
            TreeFormat::V2 => 2,
            TreeFormat::V3 => 3,
            TreeFormat::V4 => 4,
        }
    }
}

/// A file pinned by hash and exact length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub hash: String,
    pub len: u64,
}

/// A log file: entries `first..=last`, the chain tip before the first and after the last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFileRef {
    /// 0 for one publish run; `k + 1` for a file compacted from level-`k` files.
    pub level: u8,
    pub first: u64,
    pub last: u64,
    pub tip_before: String,
    pub tip_after: String,
    pub hash: String,
    /// Compressed length.
    pub len: u64,
    /// Decompressed length.
    pub raw_len: u64,
}

/// What a snapshot part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// Articles without bodies: enough for the list. Always the first part.
    Headlines,
    /// Whole articles (format 1).
    Articles,
    /// What the headlines lack: the bodies, their images and links (format 2).
    Bodies,
    Comments,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRef {
    pub kind: PartKind,
    pub hash: String,
    pub len: u64,
    pub raw_len: u64,
    /// Lines in the part.
    pub items: u64,
}

/// The state after entry `seq`, without tombstones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    pub seq: u64,
    pub tip: String,
    pub articles: u64,
    pub comments: u64,
    /// The headlines part, fetched first: a new reader's list shows after `head`, the root and
    /// this part.
    pub headlines: PartRef,
    /// The list of the other parts (articles, then comments), fetched after the headlines.
    pub rest: PartListRef,
}

impl SnapshotRef {
    /// The snapshot's identity: the hashes of its headlines part and of its part list, which
    /// pin every part. Two snapshots at one log position (another part size, another publish
    /// run) have different identities.
    pub fn id(&self) -> String {
        format!("{}+{}", self.headlines.hash, self.rest.hash)
    }

    /// Bytes of every part, the part list included.
    pub fn bytes(&self) -> u64 {
        self.headlines.len + self.rest.len + self.rest.bytes
    }
}

/// A snapshot's part list (`snapshot/<hash>.json`), pinned by hash and length, with what it
/// must add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartListRef {
    pub hash: String,
    pub len: u64,
    /// Parts listed.
    pub parts: u64,
    /// Their compressed bytes.
    pub bytes: u64,
}

/// The log's current extent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogState {
    /// Entries in the log; the last entry's sequence number.
    pub size: u64,
    /// The chain tip after entry `size`.
    pub tip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    #[serde(rename = "type")]
    pub kind: String,
    /// Absent in format 1's heads.
    #[serde(default)]
    pub format: TreeFormat,
    /// The publisher's name, for display.
    pub publisher: String,
    /// Grows with every head the publisher signs.
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    /// The root version whose keys sign this head.
    pub root_version: u64,
    pub log: LogState,
    /// Log files covering a recent, gap-free window ending at `log.size`.
    pub files: Vec<LogFileRef>,
    pub snapshot: Option<SnapshotRef>,
    pub mirrors: Option<FileRef>,
}

/// Refuses a signed head body whose format is newer than [`TreeFormat::CURRENT`], before the
/// rest of it (which a later format may shape otherwise) is parsed.
fn check_format(body: &[u8]) -> Result<(), FormatError> {
    #[derive(Deserialize)]
    struct Format {
        #[serde(default)]
        format: Option<u64>,
    }
    let found = parse_json::<Format>("head", body)?.format.unwrap_or(1);
    let known = u32::from(TreeFormat::CURRENT);
    if found > u64::from(known) {
        return Err(FormatError::NewerFormat { found, known });
    }
    Ok(())
}

impl Head {
    /// Reads the root version a head claims, before its signature can be checked (the client
    /// may need to follow a root rotation first). Nothing else of the head is trusted yet.
    /// Only that field is read, so a head of a newer format still names its root.
    pub fn peek_root_version(bytes: &[u8]) -> Result<u64, FormatError> {
        #[derive(Deserialize)]
        struct RootVersion {
            root_version: u64,
        }
        check_size(bytes)?;
        let (body, _) = note::split(NoteKind::Head, bytes)?;
        parse_json::<RootVersion>("head", body).map(|h| h.root_version)
    }

    /// Verifies a fetched head against the trusted root and checks its structure.
    pub fn verify(bytes: &[u8], root: &TrustedRoot) -> Result<Head, FormatError> {
        check_size(bytes)?;
        let body = note::verify(NoteKind::Head, bytes, &root.keys)?;
        check_format(body)?;
        let head: Head = parse_json("head", body)?;
        if head.root_version != root.version {
            return Err(FormatError::malformed(
                "head",
                format!(
                    "signed under root {} while root {} is trusted",
                    head.root_version, root.version
                ),
            ));
        }
        head.validate()?;
        Ok(head)
    }

    /// Signs this head with the publisher's key(s).
    pub fn sign(&self, keys: &[&SecretKey]) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("a head serialises");
        note::sign(NoteKind::Head, &json, keys)
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// Structural checks: shapes of hashes, ranges inside the log, bounded counts.
    fn validate(&self) -> Result<(), FormatError> {
        let bad = |reason: String| Err(FormatError::malformed("head", reason));
        if self.kind != "head" {
            return Err(FormatError::WrongKind {
                what: "head".into(),
                expected: "head".into(),
            });
        }
        if !is_hash_hex(&self.log.tip) {
            return bad("log tip is not a hash".into());
        }
        if self.files.len() > HEAD_FILES_MAX {
            return bad(format!("{} log files listed", self.files.len()));
        }
        for f in &self.files {
            if ![&f.hash, &f.tip_before, &f.tip_after]
                .iter()
                .all(|h| is_hash_hex(h))
            {
                return bad("a log file reference holds a malformed hash".into());
            }
            if f.first == 0 || f.first > f.last || f.last > self.log.size {
                return bad(format!(
                    "log file range {}..={} outside the log",
                    f.first, f.last
                ));
            }
        }
        if let Some(s) = &self.snapshot {
            if s.seq > self.log.size || !is_hash_hex(&s.tip) {
                return bad("snapshot is beyond the log or has a malformed tip".into());
            }
            if !is_hash_hex(&s.headlines.hash) || !is_hash_hex(&s.rest.hash) {
                return bad("snapshot part hash malformed".into());
            }
            if s.headlines.kind != PartKind::Headlines {
                return bad("snapshot does not start with its headlines".into());
            }
            if s.rest.len > PART_LIST_MAX || s.rest.parts > PARTS_MAX as u64 {
                return bad(format!("snapshot part list of {} parts", s.rest.parts));
            }
        }
        if let Some(m) = &self.mirrors
            && !is_hash_hex(&m.hash)
        {
            return bad("mirror list hash malformed".into());
        }
        Ok(())
    }
}

fn check_size(bytes: &[u8]) -> Result<(), FormatError> {
    if bytes.len() as u64 > HEAD_MAX {
        return Err(FormatError::TooLarge {
            what: "head".into(),
            cap: HEAD_MAX,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::codec::GENESIS_TIP;

    fn empty_head(version: u64) -> Head {
        Head {
            kind: "head".into(),
            format: TreeFormat::CURRENT,
            publisher: "test".into(),
            version,
            issued_at: 0,
            expires_at: 100,
            root_version: 0,
            log: LogState {
                size: 0,
                tip: hex::encode(GENESIS_TIP),
            },
            files: vec![],
            snapshot: None,
            mirrors: None,
        }
    }

    #[test]
    fn a_signed_head_verifies_and_a_foreign_one_does_not() {
        let key = SecretKey::generate();
        let bytes = empty_head(3).sign(&[&key]);
        let root = TrustedRoot::pinned(vec![key.public()]);
        assert_eq!(Head::verify(&bytes, &root).unwrap().version, 3);
        let stranger = TrustedRoot::pinned(vec![SecretKey::generate().public()]);
        assert!(matches!(
            Head::verify(&bytes, &stranger),
            Err(FormatError::BadSignature { .. })
        ));
    }

    #[test]
    fn ranges_outside_the_log_are_refused() {
        let key = SecretKey::generate();
        let mut head = empty_head(1);
        head.files.push(LogFileRef {
            level: 0,
            first: 1,
            last: 5,
            tip_before: "0".repeat(64),
            tip_after: "0".repeat(64),
            hash: "0".repeat(64),
            len: 1,
            raw_len: 1,
        });
        let root = TrustedRoot::pinned(vec![key.public()]);
        assert!(matches!(
            Head::verify(&head.sign(&[&key]), &root),
            Err(FormatError::Malformed { .. })
        ));
    }

    #[test]
    fn a_snapshot_must_name_its_headlines_and_a_bounded_part_list() {
        let key = SecretKey::generate();
        let root = TrustedRoot::pinned(vec![key.public()]);
        let part = |kind| PartRef {
            kind,
            hash: "0".repeat(64),
            len: 1,
            raw_len: 1,
            items: 1,
        };
        let with = |headlines: PartRef, parts: u64| {
            let mut head = empty_head(1);
            head.log.size = 1;
            head.snapshot = Some(SnapshotRef {
                seq: 1,
                tip: "0".repeat(64),
                articles: 1,
                comments: 0,
                headlines,
                rest: PartListRef {
                    hash: "0".repeat(64),
                    len: 10,
                    parts,
                    bytes: parts,
                },
            });
            Head::verify(&head.sign(&[&key]), &root)
        };
        assert!(with(part(PartKind::Headlines), 3).is_ok());
        assert!(with(part(PartKind::Articles), 3).is_err());
        assert!(with(part(PartKind::Headlines), PARTS_MAX as u64 + 1).is_err());
    }
}
