//! Media files, stored as blobs in the database (so a write is transactional and a wipe is the
//! database files), keyed by their SHA-256.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::error::{Result, StoreError};
use crate::format::MediaRef;

pub(crate) fn put(conn: &Connection, hash: &str, mime: &str, bytes: &[u8], now: i64) -> Result<()> {
    if hex::encode(Sha256::digest(bytes)) != hash {
        return Err(StoreError::MediaHashMismatch { hash: hash.into() });
    }
    conn.execute(
        "INSERT INTO media (hash, mime, size, bytes, stored_size, last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?3, ?5)
         ON CONFLICT (hash) DO UPDATE SET mime = ?2, size = ?3, bytes = ?4, stored_size = ?3,
             last_used_at = ?5",
        params![hash, mime, bytes.len() as i64, bytes, now],
    )?;
    Ok(())
}

pub(crate) fn get(conn: &Connection, hash: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row(
            "SELECT bytes FROM media WHERE hash = ?1 AND bytes IS NOT NULL",
            [hash],
            |r| r.get(0),
        )
        .optional()?)
}

/// The media whose bytes are stored, as (hash, media type), by hash.
pub(crate) fn stored(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT hash, mime FROM media WHERE bytes IS NOT NULL ORDER BY hash")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub(crate) fn touch(conn: &Connection, hash: &str, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE media SET last_used_at = max(last_used_at, ?2) WHERE hash = ?1")?
        .execute(params![hash, at])?;
    Ok(())
}

/// Images of stored, not evicted articles whose bytes are not stored, newest article first (its
/// lead image before its other images), each once, at most `limit`, and no more than fit in
/// `room` bytes together (one that does not fit is passed over for smaller ones after it).
pub(crate) fn missing_images(conn: &Connection, limit: usize, room: u64) -> Result<Vec<MediaRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.hash, x.size, x.mime FROM article_media m
         JOIN articles a ON a.id = m.article_id
         JOIN media x ON x.hash = m.hash
         WHERE a.evicted = 0 AND x.bytes IS NULL
         GROUP BY m.hash
         ORDER BY max(a.published_at) DESC, max(m.is_lead) DESC, min(m.position)",
    )?;
    let mut rows = stmt.query([])?;
    let (mut out, mut left) = (Vec::new(), room);
    while out.len() < limit
        && let Some(row) = rows.next()?
    {
        let size = row.get::<_, i64>(1)?.max(0) as u64;
        if size > left {
            continue;
        }
        left -= size;
        out.push(MediaRef {
            hash: row.get(0)?,
            size,
            mime: row.get(2)?,
            caption: None,
            original: None,
        });
    }
    Ok(out)
}
