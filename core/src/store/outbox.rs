//! The comment outbox: comments the reader wrote, with each step of their delivery
//! (`waiting` → `sent` → `published` or `rejected`), and the device key that signs them.
//!
//! An item is sealed once ([`seal`]); the same envelope is posted until an endpoint answers, so
//! a repeat after a lost answer or a killed app is recognised by the inbox (its delivery key).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::error::{Result, StoreError};
use crate::format::limits::CARRIED_MAX;
use crate::format::{Receipt, ReceiptStatus};

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// On the phone; delivered by the next sync that reaches a comment endpoint.
    Waiting,
    /// The publisher's inbox has it (an endpoint answered, or a receipt said so).
    Sent,
    /// Published under its article.
    Published,
    /// The publisher declined it; `reason` says why.
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Waiting => "waiting",
            OutboxState::Sent => "sent",
            OutboxState::Published => "published",
            OutboxState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use OutboxState::*;
        [Waiting, Sent, Published, Rejected]
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
    /// Delivery attempts that failed.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub state: OutboxState,
    /// Hex SHA-256 of the sealed envelope, once sealed.
    pub delivery_key: Option<String>,
    /// The endpoint that took it (`receipt` when only a receipt told).
    pub route: Option<String>,
    pub sent_at: Option<i64>,
    /// When it was published or rejected (the sync that brought the receipt).
    pub decided_at: Option<i64>,
    /// The publisher's reason for a rejection.
    pub reason: Option<String>,
}

const COLUMNS: &str = "id, article_id, author, body, created_at, attempts, last_error, state,
     delivery_key, route, sent_at, decided_at, reason";

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
            state: OutboxState::Waiting,
            delivery_key: r.get(8)?,
            route: r.get(9)?,
            sent_at: r.get(10)?,
            decided_at: r.get(11)?,
            reason: r.get(12)?,
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
        &format!(
            "INSERT INTO outbox (article_id, author, body, created_at) VALUES (?1, ?2, ?3, ?4)
             RETURNING {COLUMNS}"
        ),
        params![article_id, author, body, now],
        from_row,
    )?;
    finish(row)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<OutboxItem>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| finish(r?)).collect()
}

/// The waiting items, oldest first, each with its envelope once sealed.
pub(crate) fn waiting(conn: &Connection) -> Result<Vec<(OutboxItem, Option<Vec<u8>>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, envelope FROM outbox WHERE state = 'waiting' ORDER BY id"
    ))?;
    let rows = stmt.query_map([], |r| Ok((from_row(r)?, r.get::<_, Option<Vec<u8>>>(13)?)))?;
    rows.map(|r| {
        let (row, envelope) = r?;
        Ok((finish(row)?, envelope))
    })
    .collect()
}

/// Keeps `envelope` as item `id`'s sealed form unless it already has one; returns the envelope
/// the item keeps (sealing happens once, whatever races it).
pub(crate) fn seal(conn: &Connection, id: i64, envelope: &[u8], key: &str) -> Result<Vec<u8>> {
    conn.execute(
        "UPDATE outbox SET envelope = ?2, delivery_key = ?3 WHERE id = ?1 AND envelope IS NULL",
        params![id, envelope, key],
    )?;
    conn.query_row("SELECT envelope FROM outbox WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| StoreError::invalid("outbox item", format!("{id} is gone")))
}

/// An endpoint took item `id`: `waiting` → `sent` by `route` at `now`.
pub(crate) fn mark_sent(conn: &Connection, id: i64, route: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'sent', route = ?2, sent_at = ?3, last_error = NULL
         WHERE id = ?1 AND state = 'waiting'",
        params![id, route, now],
    )?;
    Ok(())
}

/// A delivery attempt of item `id` failed with `error` (it stays `waiting`).
pub(crate) fn mark_failed(conn: &Connection, id: i64, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2
         WHERE id = ?1 AND state = 'waiting'",
        params![id, error],
    )?;
    Ok(())
}

/// The inbox refused item `id` outright (its answer names the field): `rejected` with `reason`.
pub(crate) fn mark_refused(conn: &Connection, id: i64, reason: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'rejected', reason = ?2, decided_at = ?3
         WHERE id = ?1 AND state = 'waiting'",
        params![id, reason, now],
    )?;
    Ok(())
}

/// Applies a publisher's receipt to the item with its delivery key, if this reader wrote it.
/// States only move forward.
pub(crate) fn apply_receipt(conn: &Connection, receipt: &Receipt, now: i64) -> Result<bool> {
    let n = match receipt.status {
        ReceiptStatus::Received => conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, route = coalesce(route, 'receipt')
             WHERE delivery_key = ?1 AND state = 'waiting'",
            params![receipt.key, now],
        )?,
        ReceiptStatus::Published | ReceiptStatus::Rejected => {
            let state = if receipt.status == ReceiptStatus::Published {
                "published"
            } else {
                "rejected"
            };
            conn.execute(
                "UPDATE outbox SET state = ?2, decided_at = ?3, reason = ?4,
                     sent_at = coalesce(sent_at, ?3), route = coalesce(route, 'receipt')
                 WHERE delivery_key = ?1 AND state IN ('waiting', 'sent')",
                params![receipt.key, state, now, receipt.reason],
            )?
        }
    };
    Ok(n > 0)
}

/// A published comment whose id says it is one of this reader's (see
/// [`crate::comments::published_comment_id`]) marks its outbox item published, so a reader that
/// takes a snapshot, which carries no receipts, still learns it.
pub(crate) fn published_as(conn: &Connection, comment_id: &str, now: i64) -> Result<()> {
    let Some(short) = comment_id.strip_prefix(crate::comments::READER_COMMENT_PREFIX) else {
        return Ok(());
    };
    conn.prepare_cached(
        "UPDATE outbox SET state = 'published', decided_at = ?2,
             sent_at = coalesce(sent_at, ?2), route = coalesce(route, 'receipt')
         WHERE substr(delivery_key, 1, length(?1)) = ?1 AND length(?1) = 32
             AND state IN ('waiting', 'sent')",
    )?
    .execute(params![short, now])?;
    Ok(())
}

// ---- envelopes carried for other readers ---------------------------------------------------

/// How a delivery attempt of a carried envelope ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarriedOutcome {
    /// An endpoint took it: the envelope is dropped, its key kept.
    Sent,
    /// The inbox refused it outright: dropped likewise.
    Refused,
    /// No endpoint answered; it stays waiting.
    Failed(String),
}

/// Keeps a sealed envelope found in a copy, unless this reader already has it (its own or
/// carried, in any state) or already carries [`CARRIED_MAX`] waiting envelopes. The caller
/// checked that `key` is the envelope's SHA-256. Returns whether it was kept.
pub(crate) fn carry(conn: &Connection, key: &str, envelope: &[u8], now: i64) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO carried (key, envelope, received_at)
         SELECT ?1, ?2, ?3
         WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE delivery_key = ?1)
           AND NOT EXISTS (SELECT 1 FROM carried WHERE key = ?1)
           AND (SELECT count(*) FROM carried WHERE state = 'waiting') < ?4",
        params![key, envelope, now, CARRIED_MAX as i64],
    )?;
    Ok(n > 0)
}

/// Whether this reader holds the envelope with delivery key `key` (its own or carried).
pub(crate) fn holds_envelope(conn: &Connection, key: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE delivery_key = ?1)
             OR EXISTS (SELECT 1 FROM carried WHERE key = ?1)",
        [key],
        |r| r.get(0),
    )?)
}

/// The carried envelopes still waiting, oldest first: (delivery key, sealed bytes).
pub(crate) fn carried_waiting(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT key, envelope FROM carried WHERE state = 'waiting' AND envelope IS NOT NULL
         ORDER BY received_at, key",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Records how delivering the carried envelope `key` ended.
pub(crate) fn mark_carried(conn: &Connection, key: &str, outcome: &CarriedOutcome) -> Result<()> {
    match outcome {
        CarriedOutcome::Sent | CarriedOutcome::Refused => conn.execute(
            "UPDATE carried SET state = ?2, envelope = NULL, last_error = NULL
             WHERE key = ?1 AND state = 'waiting'",
            params![
                key,
                if *outcome == CarriedOutcome::Sent {
                    "sent"
                } else {
                    "refused"
                }
            ],
        )?,
        CarriedOutcome::Failed(error) => conn.execute(
            "UPDATE carried SET attempts = attempts + 1, last_error = ?2
             WHERE key = ?1 AND state = 'waiting'",
            params![key, error],
        )?,
    };
    Ok(())
}

/// The device key's secret seed, created on first use.
pub(crate) fn device_key(conn: &Connection) -> Result<[u8; 32]> {
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT secret FROM device_key WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(bytes) = stored {
        return bytes
            .try_into()
            .map_err(|_| StoreError::invalid("device key", "not 32 bytes"));
    }
    let fresh = crate::comments::DeviceKey::generate().to_bytes();
    conn.execute(
        "INSERT INTO device_key (id, secret) VALUES (1, ?1)",
        [&fresh[..]],
    )?;
    Ok(fresh)
}
