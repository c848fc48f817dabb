//! Connections: one writer behind a mutex, a small pool of read-only readers, WAL.
//!
//! [`Db::write`] is the only place SQL writes happen: it runs the closure in an IMMEDIATE
//! transaction, commits, and then bumps the change counter. Readers see the last committed
//! state and never wait for a running write (WAL).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::watch;

use super::error::{Result, StoreError};
use super::schema;

pub(crate) struct Db {
    pub(crate) path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    changes: watch::Sender<u64>,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic inside a closure rolled its transaction back (Transaction's drop), so the
    // connection is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Db {
    /// Opens (or creates) the database at `path`, checks it, and upgrades its schema.
    pub(crate) fn open(
        path: &Path,
        readers: usize,
        quick_check: bool,
        busy_timeout: Duration,
    ) -> Result<Db> {
        let mut writer = Connection::open(path)?;
        writer.busy_timeout(busy_timeout)?;
        // The first statement reads the header: a non-database file fails here (NOTADB).
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Io {
                detail: format!("cannot switch to WAL (journal mode is {mode})"),
            });
        }
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        writer.pragma_update(None, "foreign_keys", true)?;
        if quick_check {
            check(&writer)?;
        }
        schema::upgrade(&mut writer, schema::VERSION)?;
        Self::with_writer(path, writer, readers, busy_timeout)
    }

    /// Wraps an open, upgraded writer and opens `readers` read-only connections.
    pub(crate) fn with_writer(
        path: &Path,
        writer: Connection,
        readers: usize,
        busy_timeout: Duration,
    ) -> Result<Db> {
        let readers = (0..readers.max(1))
            .map(|_| open_reader(path, busy_timeout).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Db {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            changes: watch::channel(0).0,
        })
    }

    /// Runs `f` on a reader connection. Never waits for the writer.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            if let Ok(conn) = self.readers[(start + i) % n].try_lock() {
                return f(&conn);
            }
        }
        let conn = lock(&self.readers[start % n]);
        f(&conn)
    }

    /// Runs `f` in an IMMEDIATE transaction on the writer; commits if it returns `Ok`, rolls
    /// back otherwise. Subscribers of [`Db::changes`] are told after the commit.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        drop(conn);
        self.changes.send_modify(|n| *n += 1);
        Ok(out)
    }

    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    #[cfg(test)]
    pub(crate) fn with_writer_conn<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&lock(&self.writer))
    }
}

impl Drop for Db {
    /// Readers close first, so the writer is the last connection and checkpoints the WAL into
    /// the main file on close.
    fn drop(&mut self) {
        self.readers.clear();
    }
}

fn open_reader(path: &Path, busy_timeout: Duration) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// `PRAGMA quick_check`: a corrupt file is reported at open, not at the first unlucky query.
fn check(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let problems = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if problems.len() == 1 && problems[0] == "ok" {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            detail: problems.join("; "),
        })
    }
}
