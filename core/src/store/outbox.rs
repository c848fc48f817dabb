//! The comment outbox: comments the reader wrote, kept until the publisher has them.

use rusqlite::{Connection, Row, params};

use super::error::{Result, StoreError};

/// Where a queued comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use OutboxState::*;
        [Queued, Sending, Sent, Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A comment in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Local id, unique in this store.
    pub id: i64,
    pub article_id: String,
    pub author: String,
    pub body: String,
    pub created_at: i64,
    /// Times it entered [`OutboxState::Sending`].
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: OutboxState,
}

const SELECT: &str =
    "SELECT id, article_id, author, body, created_at, attempts, last_error, state FROM outbox";

fn from_row(r: &Row) -> rusqlite::Result<(OutboxItem, String)> {
    Ok((
        OutboxItem {
            id: r.get(0)?,
            article_id: r.get(1)?,
            author: r.get(2)?,
            body: r.get(3)?,
            created_at: r.get(4)?,
            attempts: r.get(5)?,
            last_error: r.get(6)?,
            state: OutboxState::Queued,
        },
        r.get(7)?,
    ))
}

fn finish(row: (OutboxItem, String)) -> Result<OutboxItem> {
    let (mut item, state) = row;
    item.state =
        OutboxState::parse(&state).ok_or_else(|| StoreError::invalid("outbox state", state))?;
    Ok(item)
}

pub(crate) fn queue(
    conn: &Connection,
    article_id: &str,
    author: &str,
    body: &str,
    now: i64,
) -> Result<OutboxItem> {
    let row = conn.query_row(
        "INSERT INTO outbox (article_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)
         RETURNING id, article_id, author, body, created_at, attempts, last_error, state",
        params![article_id, author, body, now],
        from_row,
    )?;
    finish(row)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| finish(r?)).collect()
}

/// Moves item `id` to `state` with `error` as its last error; entering `Sending` counts an
/// attempt. Returns false if no such item.
pub(crate) fn mark(
    conn: &Connection,
    id: i64,
    state: OutboxState,
    error: Option<&str>,
) -> Result<bool> {
    let n = conn.execute(
        "UPDATE outbox SET state = ?2, last_error = ?3,
             attempts = attempts + (?2 = 'sending') WHERE id = ?1",
        params![id, state.as_str(), error],
    )?;
    Ok(n > 0)
}
