//! Route health records ([`RouteHealth`]) and the last `head` ETag per route.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::error::{Result, StoreError};
use crate::net::state::ConnectionState;
use crate::net::{FailureKind, RouteHealth, RouteSource};

/// The banner state of the last sync and the route it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastConnection {
    pub state: ConnectionState,
    /// Base URL of the route whose head won; `None` when no route did.
    pub route: Option<String>,
    /// When it was recorded, Unix seconds.
    pub at: i64,
}

fn from_row(r: &Row) -> rusqlite::Result<(RouteHealth, String, Option<String>)> {
    Ok((
        RouteHealth {
            url: r.get(0)?,
            source: RouteSource::Main, // replaced below from column 1
            successes: r.get::<_, i64>(2)? as u64,
            consecutive_failures: r.get(3)?,
            last_success_at: r.get(4)?,
            last_failure_at: r.get(5)?,
            last_failure: None, // replaced below from column 6
            median_latency_ms: r.get(7)?,
            backoff_until: r.get(8)?,
        },
        r.get(1)?,
        r.get(6)?,
    ))
}

pub(crate) fn routes(conn: &Connection) -> Result<Vec<RouteHealth>> {
    let mut stmt = conn.prepare_cached(
        "SELECT url, source, successes, consecutive_failures, last_success_at, last_failure_at,
            last_failure, median_latency_ms, backoff_until FROM routes ORDER BY url",
    )?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut health, source, failure) = row?;
        health.source = RouteSource::parse(&source)
            .ok_or_else(|| StoreError::invalid("route source", &source))?;
        health.last_failure = failure
            .map(|f| FailureKind::parse(&f).ok_or_else(|| StoreError::invalid("failure kind", f)))
            .transpose()?;
        out.push(health);
    }
    Ok(out)
}

pub(crate) fn save_route(conn: &Connection, h: &RouteHealth) -> Result<()> {
    conn.execute(
        "INSERT INTO routes (url, source, successes, consecutive_failures, last_success_at,
             last_failure_at, last_failure, median_latency_ms, backoff_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (url) DO UPDATE SET source = ?2, successes = ?3, consecutive_failures = ?4,
             last_success_at = ?5, last_failure_at = ?6, last_failure = ?7,
             median_latency_ms = ?8, backoff_until = ?9",
        params![
            h.url,
            h.source.as_str(),
            h.successes as i64,
            h.consecutive_failures,
            h.last_success_at,
            h.last_failure_at,
            h.last_failure.map(FailureKind::as_str),
            h.median_latency_ms,
            h.backoff_until
        ],
    )?;
    Ok(())
}

pub(crate) fn remove_route(conn: &Connection, url: &str) -> Result<bool> {
    conn.execute("DELETE FROM route_etags WHERE url = ?1", [url])?;
    Ok(conn.execute("DELETE FROM routes WHERE url = ?1", [url])? > 0)
}

pub(crate) fn head_etag(conn: &Connection, url: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT head_etag FROM route_etags WHERE url = ?1",
            [url],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn set_head_etag(conn: &Connection, url: &str, etag: Option<&str>) -> Result<()> {
    match etag {
        Some(e) => conn.execute(
            "INSERT INTO route_etags (url, head_etag) VALUES (?1, ?2)
             ON CONFLICT (url) DO UPDATE SET head_etag = ?2",
            [url, e],
        )?,
        None => conn.execute("DELETE FROM route_etags WHERE url = ?1", [url])?,
    };
    Ok(())
}

pub(crate) fn last_connection(conn: &Connection) -> Result<Option<LastConnection>> {
    let row: Option<(String, Option<String>, i64)> = conn
        .query_row(
            "SELECT state, route, at FROM last_connection WHERE only_row = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(state, route, at)| {
        let state = serde_json::from_str(&state)
            .map_err(|e| StoreError::invalid("last connection state", e))?;
        Ok(LastConnection { state, route, at })
    })
    .transpose()
}

pub(crate) fn set_last_connection(conn: &Connection, last: &LastConnection) -> Result<()> {
    let state = serde_json::to_string(&last.state)
        .map_err(|e| StoreError::invalid("connection state", e))?;
    conn.execute(
        "INSERT INTO last_connection (only_row, state, route, at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (only_row) DO UPDATE SET state = ?1, route = ?2, at = ?3",
        params![state, last.route, last.at],
    )?;
    Ok(())
}
