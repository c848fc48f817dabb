//! The paths of a tree. Only `head` changes in place; every other file is immutable, and all
//! but `root/` and `heads/` are named by the SHA-256 of their bytes.
//!
//! ```text
//! head                          signed, expiring entry point
//! root/<version>.json           root metadata (keys, threshold), one file per version
//! heads/<version>               every head ever published (for audits and for tests of rollback)
//! log/<sha256>.jsonl.gz         log files: gzip JSON lines of entries
//! snapshot/<sha256>.jsonl.gz    snapshot parts: gzip JSON lines of headlines, articles, comments
//! snapshot/<sha256>.json        a snapshot's part list (every part after the headlines)
//! mirrors/<sha256>.json         signed mirror lists
//! media/<sha256>.<ext>          images
//! outbox/index                  a reader's export only: the carried envelopes, one hash a line
//! outbox/<sha256>               a carried comment envelope, sealed to the publisher
//! ```
//!
//! `outbox/` is no publisher data and nothing signed names it: a reader that exports its copy
//! carries there the sealed comment envelopes still waiting for delivery (its own and those it
//! carries for others), so that a reader that gets online later delivers them too (see
//! [`crate::comments::carry`]). A reader that syncs a tree never applies them; it keeps at most
//! [`CARRIED_MAX`] of them, each checked against its name and [`ENVELOPE_MAX`]. Only the
//! publisher can open them, so carrying them discloses nothing.
//!
//! A client only ever fetches paths built by the functions below from verified data, and a
//! server only serves paths that [`TreePath::parse`] accepts, so `../x` never leaves the tree.

use super::FormatError;
use super::codec::is_hash_hex;
#[cfg(doc)]
use super::limits::CARRIED_MAX;
use super::limits::{
    CARRIED_INDEX_MAX, ENVELOPE_MAX, FILE_MAX, HEAD_MAX, MEDIA_MAX, MEDIA_TYPES, MIRRORS_MAX,
    PART_LIST_MAX, ROOT_MAX, media_extension,
};

pub const HEAD: &str = "head";

pub fn root(version: u64) -> String {
    format!("root/{version}.json")
}

pub fn archived_head(version: u64) -> String {
    format!("heads/{version}")
}

pub fn log(hash: &str) -> String {
    format!("log/{hash}.jsonl.gz")
}

pub fn snapshot(hash: &str) -> String {
    format!("snapshot/{hash}.jsonl.gz")
}

pub fn part_list(hash: &str) -> String {
    format!("snapshot/{hash}.json")
}

pub fn mirrors(hash: &str) -> String {
    format!("mirrors/{hash}.json")
}

/// The path of a media file, or `None` for a media type the tree may not hold.
pub fn media(hash: &str, mime: &str) -> Option<String> {
    media_extension(mime).map(|ext| format!("media/{hash}.{ext}"))
}

/// The list of the envelopes an export carries.
pub const OUTBOX_INDEX: &str = "outbox/index";

/// The path of a carried comment envelope (`hash`: its delivery key).
pub fn envelope(hash: &str) -> String {
    format!("outbox/{hash}")
}

/// A path of the tree, recognised from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreePath {
    Head,
    Root(u64),
    ArchivedHead(u64),
    Log(String),
    Snapshot(String),
    PartList(String),
    Mirrors(String),
    Media { hash: String, ext: String },
    OutboxIndex,
    Envelope(String),
}

impl TreePath {
    /// Accepts exactly the paths the functions above produce.
    pub fn parse(path: &str) -> Result<TreePath, FormatError> {
        let bad = || FormatError::BadPath(path.to_string());
        if path == HEAD {
            return Ok(TreePath::Head);
        }
        let (dir, name) = path.split_once('/').ok_or_else(bad)?;
        let number = |s: &str| -> Result<u64, FormatError> {
            if s.is_empty()
                || s.len() > 19
                || !s.bytes().all(|b| b.is_ascii_digit())
                || s.starts_with('0')
            {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let hashed = |suffix: &str| -> Result<String, FormatError> {
            let hash = name.strip_suffix(suffix).ok_or_else(bad)?;
            if is_hash_hex(hash) {
                Ok(hash.to_string())
            } else {
                Err(bad())
            }
        };
        match dir {
            "root" => Ok(TreePath::Root(number(
                name.strip_suffix(".json").ok_or_else(bad)?,
            )?)),
            "heads" => Ok(TreePath::ArchivedHead(number(name)?)),
            "log" => Ok(TreePath::Log(hashed(".jsonl.gz")?)),
            "snapshot" if name.ends_with(".jsonl.gz") => {
                Ok(TreePath::Snapshot(hashed(".jsonl.gz")?))
            }
            "snapshot" => Ok(TreePath::PartList(hashed(".json")?)),
            "mirrors" => Ok(TreePath::Mirrors(hashed(".json")?)),
            "outbox" if path == OUTBOX_INDEX => Ok(TreePath::OutboxIndex),
            "outbox" => Ok(TreePath::Envelope(hashed("")?)),
            "media" => {
                let (hash, ext) = name.split_once('.').ok_or_else(bad)?;
                if !is_hash_hex(hash) || !MEDIA_TYPES.iter().any(|(_, e)| *e == ext) {
                    return Err(bad());
                }
                Ok(TreePath::Media {
                    hash: hash.into(),
                    ext: ext.into(),
                })
            }
            _ => Err(bad()),
        }
    }

    /// The most bytes a client reads for this path, whatever a signed file says its length
    /// is (a stolen key must not make phones buffer gigabytes).
    pub fn max_len(&self) -> u64 {
        match self {
            TreePath::Head | TreePath::ArchivedHead(_) => HEAD_MAX,
            TreePath::Root(_) => ROOT_MAX,
            TreePath::Log(_) | TreePath::Snapshot(_) => FILE_MAX,
            TreePath::PartList(_) => PART_LIST_MAX,
            TreePath::Mirrors(_) => MIRRORS_MAX,
            TreePath::Media { .. } => MEDIA_MAX,
            TreePath::OutboxIndex => CARRIED_INDEX_MAX,
            TreePath::Envelope(_) => ENVELOPE_MAX as u64,
        }
    }

    /// Whether the file at this path never changes (everything but `head` and the outbox
    /// index).
    pub fn is_immutable(&self) -> bool {
        !matches!(self, TreePath::Head | TreePath::OutboxIndex)
    }

    /// The SHA-256 the file's bytes must have, for content-addressed paths.
    pub fn content_hash(&self) -> Option<&str> {
        match self {
            TreePath::Log(h)
            | TreePath::Snapshot(h)
            | TreePath::PartList(h)
            | TreePath::Mirrors(h)
            | TreePath::Envelope(h) => Some(h),
            TreePath::Media { hash, .. } => Some(hash),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tree_shaped_paths_are_accepted() {
        let h = "a".repeat(64);
        for ok in [
            "head".to_string(),
            root(3),
            archived_head(12),
            log(&h),
            snapshot(&h),
            part_list(&h),
            mirrors(&h),
            media(&h, "image/jpeg").unwrap(),
            OUTBOX_INDEX.to_string(),
            envelope(&h),
        ] {
            assert!(TreePath::parse(&ok).is_ok(), "{ok}");
        }
        for bad in [
            "../x",
            "log/../head",
            "root/01.json",
            "root/1.json/x",
            "log/ABC.jsonl.gz",
            &format!("snapshot/{h}.jsonl"),
            &format!("media/{h}.exe"),
            &format!("log/{h}.jsonl.gz/"),
            "/etc/passwd",
            "outbox/../head",
            &format!("outbox/{h}.x"),
            "",
        ] {
            assert!(TreePath::parse(bad).is_err(), "{bad}");
        }
    }
}
