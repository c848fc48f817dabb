//! The reader's copy of the tree: the signed files its syncs applied, kept as fetched (never
//! re-encoded) so that an export is a tree the next reader verifies against the pinned key.
//!
//! Keep/drop policy:
//! - kept: the newest verified `head`, the whole root chain (`root/<n>.json`, small and needed
//!   by every new reader), and of the content-addressed files only those the held head names:
//!   its snapshot (headlines part, part list, parts), its log files, its mirror list. Media are
//!   the `media` table's (see [`super::budget`]), exported as `media/<hash>.<ext>`.
//! - dropped when a newer head is stored: every content-addressed file it no longer names.
//! - dropped by the storage budget (after media no article refers to, before any article; the
//!   reader's own reading comes first): log files, then snapshot parts, largest first. `head`
//!   and roots are never dropped.
//!
//! A named file the reader does not hold (it caught up by log files on a metered network, so it
//! never fetched the newest snapshot, see `fill_snapshot` in the sync engine; or the budget
//! dropped it) stays as a row without bytes, so that an export names it as missing.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::error::{Result, StoreError};
use crate::format::layout::{self, TreePath};

/// Stores one file of the tree as fetched. Content-addressed paths must hash to their name
/// ([`StoreError::Invalid`] otherwise); `head` and roots are stored by the caller only after
/// they verified.
pub(crate) fn keep(conn: &Connection, path: &str, bytes: &[u8]) -> Result<()> {
    let parsed = TreePath::parse(path).map_err(|e| StoreError::invalid("tree path", e))?;
    if let Some(hash) = parsed.content_hash()
        && hex::encode(Sha256::digest(bytes)) != hash
    {
        return Err(StoreError::Invalid {
            what: "tree file".into(),
            detail: format!("{path} does not hash to its name"),
        });
    }
    conn.prepare_cached(
        "INSERT INTO tree_files (path, bytes, size) VALUES (?1, ?2, ?3)
         ON CONFLICT (path) DO UPDATE SET bytes = ?2, size = ?3",
    )?
    .execute(params![path, bytes, bytes.len() as i64])?;
    Ok(())
}

/// Stores the raw bytes of a newly accepted head and keeps, of the content-addressed files,
/// only those in `named` (the files the head names); a named file not held is recorded as
/// missing.
pub(crate) fn keep_head(conn: &Connection, head: &[u8], named: &[String]) -> Result<()> {
    keep(conn, layout::HEAD, head)?;
    let named = serde_json::to_string(named).map_err(|e| StoreError::invalid("named files", e))?;
    conn.execute(
        "DELETE FROM tree_files WHERE path <> 'head' AND path NOT LIKE 'root/%'
         AND path NOT IN (SELECT value FROM json_each(?1))",
        [&named],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO tree_files (path, bytes, size)
         SELECT value, NULL, 0 FROM json_each(?1)",
        [&named],
    )?;
    Ok(())
}

/// The held bytes of one file of the copy.
pub(crate) fn get(conn: &Connection, path: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM tree_files WHERE path = ?1 AND bytes IS NOT NULL",
            [path],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every path of the copy with whether its bytes are held, roots first, `head` last.
pub(crate) fn paths(conn: &Connection) -> Result<Vec<(String, bool)>> {
    let mut stmt = conn.prepare(
        "SELECT path, bytes IS NOT NULL FROM tree_files
         ORDER BY path = 'head', path NOT LIKE 'root/%', path",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The next file the budget drops: a log file, then a snapshot part or list, largest first
/// (never `head`, a root or a mirror list). Returns its size, or `None` when none is left.
pub(crate) fn drop_one(conn: &Connection) -> Result<Option<u64>> {
    let next: Option<(String, i64)> = conn
        .query_row(
            "SELECT path, size FROM tree_files WHERE size > 0
               AND (path LIKE 'log/%' OR path LIKE 'snapshot/%')
             ORDER BY path LIKE 'snapshot/%', size DESC, path LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((path, size)) = next else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE tree_files SET bytes = NULL, size = 0 WHERE path = ?1",
        [&path],
    )?;
    Ok(Some(size as u64))
}
