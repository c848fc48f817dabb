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

pub(crate) fn touch(conn: &Connection, hash: &str, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE media SET last_used_at = max(last_used_at, ?2) WHERE hash = ?1")?
        .execute(params![hash, at])?;
    Ok(())
}

/// Lead images of stored, not evicted articles whose bytes are not stored, newest article first.
pub(crate) fn missing_lead_images(conn: &Connection, limit: usize) -> Result<Vec<MediaRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.lead_image FROM article_media m
         JOIN articles a ON a.id = m.article_id
         LEFT JOIN media x ON x.hash = m.hash
         WHERE m.is_lead = 1 AND a.evicted = 0 AND x.bytes IS NULL
         GROUP BY m.hash ORDER BY max(a.published_at) DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let text = row?;
        out.push(serde_json::from_str(&text).map_err(|e| StoreError::invalid("lead image", e))?);
    }
    Ok(out)
}
