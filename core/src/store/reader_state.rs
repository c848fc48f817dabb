//! The reader's own marks: read, bookmarked, reading position. Kept apart from sync data (no
//! foreign key), so re-syncs, snapshots and rebuilds never drop them. Only a tombstone for the
//! article (the publisher deleted it) drops its marks, bookmark included.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::Result;

/// The reader's marks on one article. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReaderState {
    pub read_at: Option<i64>,
    pub bookmarked_at: Option<i64>,
    /// Reading position as a fraction of the article, 0.0–1.0 (the app's unit; stored as given).
    pub position: Option<f64>,
}

fn ensure(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO reader_state (article_id) VALUES (?1)")?
        .execute([id])?;
    Ok(())
}

fn tidy(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM reader_state WHERE article_id = ?1
         AND read_at IS NULL AND bookmarked_at IS NULL AND position IS NULL",
    )?
    .execute([id])?;
    Ok(())
}

pub(crate) fn set_read(conn: &Connection, id: &str, at: Option<i64>) -> Result<()> {
    ensure(conn, id)?;
    conn.execute(
        "UPDATE reader_state SET read_at = ?2 WHERE article_id = ?1",
        params![id, at],
    )?;
    tidy(conn, id)
}

pub(crate) fn set_bookmarked(conn: &Connection, id: &str, at: Option<i64>) -> Result<()> {
    ensure(conn, id)?;
    conn.execute(
        "UPDATE reader_state SET bookmarked_at = ?2 WHERE article_id = ?1",
        params![id, at],
    )?;
    tidy(conn, id)
}

pub(crate) fn set_position(conn: &Connection, id: &str, position: Option<f64>) -> Result<()> {
    ensure(conn, id)?;
    conn.execute(
        "UPDATE reader_state SET position = ?2 WHERE article_id = ?1",
        params![id, position],
    )?;
    tidy(conn, id)
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<ReaderState> {
    Ok(conn
        .prepare_cached(
            "SELECT read_at, bookmarked_at, position FROM reader_state WHERE article_id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ReaderState {
                read_at: r.get(0)?,
                bookmarked_at: r.get(1)?,
                position: r.get(2)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}
