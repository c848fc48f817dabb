//! Connections: one writer behind a mutex, a small pool of read-only readers, WAL.
//!
//! [`Db::write`] is the only place SQL writes happen: it runs the closure in an IMMEDIATE
//! transaction, commits, and then bumps the change counter. Readers see the last committed
//! state and never wait for a running write (WAL).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::watch;

use super::error::{Result, StoreError};
use super::{rank, schema, search};

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

/// The most pages (256 MiB of 4 KiB pages) the WAL holds before the commit that passes it
/// copies them into the main file, after which the WAL starts again from its beginning. A sync
/// of 10,000 articles stays below it; without it the WAL of a first sync grew with the sync:
/// 1 GiB beside a 0.6 GB store for 100,000 articles, disk a phone may not have.
pub(crate) const WAL_CHECKPOINT_PAGES: i64 = 65_536;

impl Db {
    /// Opens (or creates) the database at `path`, checks it (when `check`, see [`check_at_open`]),
    /// and upgrades its schema.
    pub(crate) fn open(
        path: &Path,
        readers: usize,
        check: bool,
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
        // What is deleted is overwritten with zeros, not left in free space: a withdrawn
        // article's text must not stay readable in the file of a seized phone.
        writer.pragma_update(None, "secure_delete", true)?;
        // No checkpoint after each commit: a sync's writes stay in the WAL until the sync has
        // stored everything (`Db::checkpoint` at its end, and on close), so copying pages into
        // the main file does not delay the articles, unless the WAL passes
        // [`WAL_CHECKPOINT_PAGES`]. The WAL is cut back to 4 MiB afterwards.
        writer.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
        writer.pragma_update(None, "journal_size_limit", 4 * 1024 * 1024)?;
        rank::register(&writer)?;
        if check {
            check_at_open(&writer, path)?;
        }
        schema::upgrade(&mut writer, schema::VERSION)?;
        search::secure_delete(&writer)?;
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

    /// Runs `f` on a reader connection: the first free one, so reads one after another use the
    /// same connection, whose caches (pages, statements, the search's row lengths) are warm;
    /// when all are busy, waits for one in turn. Never waits for the writer.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        for reader in &self.readers {
            if let Ok(conn) = reader.try_lock() {
                return f(&conn);
            }
        }
        let next = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let conn = lock(&self.readers[next % self.readers.len()]);
        f(&conn)
    }

    /// Runs `f` in an IMMEDIATE transaction on the writer; commits if it returns `Ok`, rolls
    /// back otherwise. Subscribers of [`Db::changes`] are told after the commit.
    /// The error type is the caller's: a write that also consumes fallible input (a snapshot
    /// part parsed as it is applied) rolls back on the input's error too.
    pub(crate) fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Transaction) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let out = f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        drop(conn);
        self.changes.send_modify(|n| *n += 1);
        Ok(out)
    }

    /// Copies the WAL's pages into the main file and truncates the WAL to nothing, so that no
    /// page of deleted text lingers in it. Waits for readers (up to the busy timeout, as a
    /// write does); if they are still reading, the WAL is left for the next checkpoint.
    pub(crate) fn checkpoint(&self) -> Result<()> {
        lock(&self.writer).query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Copies what the WAL holds into the main file, on a connection of its own: a passive
    /// checkpoint, which neither waits for nor blocks the writer and the readers. Run beside
    /// a long write (a search index rebuild), it leaves [`Db::checkpoint`] little to copy.
    pub(crate) fn checkpoint_beside(&self) -> Result<()> {
        let conn = Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Closes every connection to the file (each is swapped for an empty in-memory database,
    /// so a later call fails instead of touching the file). Waits for a running write.
    pub(crate) fn close(&self) -> Result<()> {
        for conn in self.readers.iter().chain([&self.writer]) {
            let closed = std::mem::replace(&mut *lock(conn), Connection::open_in_memory()?);
            closed.close().map_err(|(_, e)| StoreError::from(e))?;
        }
        Ok(())
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
    // Plans never depend on bound values: otherwise SQLite prepares a statement again at each
    // run whose plan used one, as the article summaries' join on `a.pk = ?1` did (for each of
    // a search's results).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    rank::register(&conn)?;
    Ok(conn)
}

/// The tables whose loss sync cannot repair: the reader's marks, queued comments, the sync
/// position and route health. Checked at open; the article tables are re-synced data, and a
/// corrupt page there is reported ([`StoreError::Corrupt`]) when it is read, or by
/// [`integrity_check`].
const PRECIOUS_TABLES: &[&str] = &["reader_state", "outbox", "sync_position", "routes"];

/// Checks at open whose cost does not grow with the articles stored: the file holds every page
/// its header counts (a truncated copy is caught), and `PRAGMA quick_check` of each of the
/// [`PRECIOUS_TABLES`] that exists (a new file has none yet).
fn check_at_open(conn: &Connection, path: &Path) -> Result<()> {
    check_length(path)?;
    for table in PRECIOUS_TABLES {
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if exists {
            quick_check(conn, &format!("PRAGMA quick_check({table})"))?;
        }
    }
    Ok(())
}

/// The whole file's `PRAGMA quick_check` (time grows with the database).
pub(crate) fn integrity_check(conn: &Connection) -> Result<()> {
    quick_check(conn, "PRAGMA quick_check")
}

fn quick_check(conn: &Connection, pragma: &str) -> Result<()> {
    let mut stmt = conn.prepare(pragma)?;
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

/// The main file is at least as long as the page count in its header says (SQLite file format,
/// §1.3: page size at offset 16, change counter at 24, page count at 28, valid when the
/// "version-valid-for" number at 92 equals the change counter). Skipped while the WAL holds
/// frames: a checkpoint cut short may leave the file short until the WAL is replayed.
fn check_length(path: &Path) -> Result<()> {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    let mut header = [0u8; 100];
    let len = {
        let mut file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        if len < header.len() as u64 {
            return Ok(()); // a new, still empty file
        }
        file.read_exact(&mut header)?;
        len
    };
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28));
    if be32(24) == be32(92) && pages * page_size > len {
        return Err(StoreError::Corrupt {
            detail: format!(
                "the file is {len} bytes but its header counts {pages} pages of {page_size} bytes (truncated)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which connection `conn` is.
    fn handle(conn: &Connection) -> Result<usize> {
        // SAFETY: the pointer is only compared, never used.
        Ok(unsafe { conn.handle() } as usize)
    }

    #[test]
    fn reads_take_the_first_free_reader() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("r.db"), 2, false, Duration::from_secs(5)).unwrap();
        let first = db.read(handle).unwrap();
        assert_eq!(
            db.read(handle).unwrap(),
            first,
            "one read after another: one connection"
        );
        let beside = db
            .read(|_| std::thread::scope(|s| s.spawn(|| db.read(handle)).join().unwrap()))
            .unwrap();
        assert_ne!(beside, first, "the first reader busy: the next one");
        assert_eq!(db.read(handle).unwrap(), first);
    }

    #[test]
    fn reader_statements_are_prepared_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("r.db"), 2, false, Duration::from_secs(5)).unwrap();
        let sql = format!("{} WHERE a.pk = ?1", super::super::articles::SUMMARY_SELECT);
        let prepared = db
            .read(|c| {
                for pk in 1..5 {
                    c.prepare_cached(&sql)?.query([pk])?.next()?;
                }
                Ok(c.prepare_cached(&sql)?
                    .get_status(rusqlite::StatementStatus::RePrepare))
            })
            .unwrap();
        assert_eq!(prepared, 0, "prepared again for new values");
    }
}
