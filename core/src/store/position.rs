//! Where sync stands: trusted root, last accepted head, log position, snapshot in progress.

use rusqlite::{Connection, params};

use super::error::{Result, StoreError};

/// The root a client trusts, as stored (keys in their one-line text form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRoot {
    pub version: u64,
    pub keys: Vec<String>,
    pub threshold: u32,
    /// The publisher's comment key (`x25519:<base64>`) the root names, if any.
    pub comment_key: Option<String>,
}

/// A snapshot being applied part by part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotProgress {
    /// The log position the snapshot stands for.
    pub seq: u64,
    /// The snapshot's identity (see [`crate::format::head::SnapshotRef::id`]): a snapshot
    /// resumes only if the head names the same one.
    pub id: String,
    /// Parts `0..parts_applied` are in the store; resume with part `parts_applied`.
    pub parts_applied: u32,
}

/// The whole sync position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPosition {
    /// Version 0 with no keys means "only the keys pinned in the app".
    pub root: StoredRoot,
    /// The version of the last accepted head (0: none yet). Only grows.
    pub head_version: u64,
    pub head_issued_at: Option<i64>,
    pub head_expires_at: Option<i64>,
    /// The last applied log entry (0: none).
    pub log_seq: u64,
    /// Hex chain tip after `log_seq` (the genesis tip, all zeros, at 0).
    pub log_tip: String,
    pub snapshot: Option<SnapshotProgress>,
}

pub(crate) fn read_position(conn: &Connection) -> Result<SyncPosition> {
    let (root_keys, pos) = conn.query_row(
        "SELECT root_version, root_keys, root_threshold, head_version, head_issued_at,
                head_expires_at, log_seq, log_tip, snapshot_seq, snapshot_parts_applied,
                comment_key, snapshot_id
         FROM sync_position",
        [],
        |r| {
            let snapshot_seq: Option<i64> = r.get(8)?;
            Ok((
                r.get::<_, String>(1)?,
                SyncPosition {
                    root: StoredRoot {
                        version: r.get::<_, i64>(0)? as u64,
                        keys: Vec::new(),
                        threshold: r.get(2)?,
                        comment_key: r.get(10)?,
                    },
                    head_version: r.get::<_, i64>(3)? as u64,
                    head_issued_at: r.get(4)?,
                    head_expires_at: r.get(5)?,
                    log_seq: r.get::<_, i64>(6)? as u64,
                    log_tip: r.get(7)?,
                    snapshot: snapshot_seq.map(|s| SnapshotProgress {
                        seq: s as u64,
                        id: r
                            .get::<_, Option<String>>(11)
                            .ok()
                            .flatten()
                            .unwrap_or_default(),
                        parts_applied: r.get(9).unwrap_or(0),
                    }),
                },
            ))
        },
    )?;
    let keys = serde_json::from_str(&root_keys).map_err(|e| StoreError::invalid("root keys", e))?;
    Ok(SyncPosition {
        root: StoredRoot { keys, ..pos.root },
        ..pos
    })
}

pub(crate) fn set_root(conn: &Connection, root: &StoredRoot) -> Result<()> {
    let stored = read_position(conn)?.root.version;
    if root.version < stored {
        return Err(StoreError::Rollback {
            what: "root",
            stored,
            offered: root.version,
        });
    }
    let keys =
        serde_json::to_string(&root.keys).map_err(|e| StoreError::invalid("root keys", e))?;
    conn.execute(
        "UPDATE sync_position SET root_version = ?1, root_keys = ?2, root_threshold = ?3,
             comment_key = ?4",
        params![root.version as i64, keys, root.threshold, root.comment_key],
    )?;
    Ok(())
}

pub(crate) fn set_head(
    conn: &Connection,
    version: u64,
    issued_at: i64,
    expires_at: i64,
) -> Result<()> {
    let stored = read_position(conn)?.head_version;
    if version < stored {
        return Err(StoreError::Rollback {
            what: "head",
            stored,
            offered: version,
        });
    }
    conn.execute(
        "UPDATE sync_position SET head_version = ?1, head_issued_at = ?2, head_expires_at = ?3",
        params![version as i64, issued_at, expires_at],
    )?;
    Ok(())
}

pub(crate) fn comment_endpoints(conn: &Connection) -> Result<Vec<String>> {
    let json: String = conn.query_row("SELECT comment_endpoints FROM sync_position", [], |r| {
        r.get(0)
    })?;
    serde_json::from_str(&json).map_err(|e| StoreError::invalid("comment endpoints", e))
}

pub(crate) fn set_comment_endpoints(conn: &Connection, urls: &[String]) -> Result<()> {
    let json =
        serde_json::to_string(urls).map_err(|e| StoreError::invalid("comment endpoints", e))?;
    conn.execute("UPDATE sync_position SET comment_endpoints = ?1", [json])?;
    Ok(())
}
