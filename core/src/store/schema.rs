//! Schema versions: numbered SQL migrations, each applied in one IMMEDIATE transaction that
//! also sets `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::error::{Result, StoreError};
use super::search;

/// The migrations, in order; migration `i` (0-based) brings the schema to version `i + 1`.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_sync_data",
        include_str!("migrations/0001_sync_data.sql"),
    ),
    (
        "0002_routes_outbox",
        include_str!("migrations/0002_routes_outbox.sql"),
    ),
    ("0003_search", include_str!("migrations/0003_search.sql")),
    (
        "0004_last_connection",
        include_str!("migrations/0004_last_connection.sql"),
    ),
    (
        "0005_budget_indexes",
        include_str!("migrations/0005_budget_indexes.sql"),
    ),
    (
        "0006_search_words",
        include_str!("migrations/0006_search_words.sql"),
    ),
    (
        "0007_search_rebuild",
        include_str!("migrations/0007_search_rebuild.sql"),
    ),
    (
        "0008_comment_delivery",
        include_str!("migrations/0008_comment_delivery.sql"),
    ),
    (
        "0009_snapshot_id",
        include_str!("migrations/0009_snapshot_id.sql"),
    ),
    (
        "0010_search_joins",
        include_str!("migrations/0010_search_joins.sql"),
    ),
    (
        "0011_tree_copy",
        include_str!("migrations/0011_tree_copy.sql"),
    ),
    (
        "0012_carried_envelopes",
        include_str!("migrations/0012_carried_envelopes.sql"),
    ),
    (
        "0013_eviction_order",
        include_str!("migrations/0013_eviction_order.sql"),
    ),
    (
        "0014_hamza_spellings",
        include_str!("migrations/0014_hamza_spellings.sql"),
    ),
];

/// The schema version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version stored in the file (0 for a new file).
pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema from its stored version up to `target`. Refuses a newer schema without
/// touching it. Each step commits on its own, so a crash mid-upgrade resumes at the next step.
pub fn upgrade(conn: &mut Connection, target: u32) -> Result<()> {
    let found = version(conn)?;
    if found > VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: VERSION,
        });
    }
    for v in found + 1..=target.min(VERSION) {
        let (_, sql) = MIGRATIONS[(v - 1) as usize];
        tracing::info!(
            version = v,
            name = MIGRATIONS[(v - 1) as usize].0,
            "store migration"
        );
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have applied this step while this one waited for the lock.
        if version(&tx)? >= v {
            continue;
        }
        tx.execute_batch(sql)?;
        after_migration(&tx, v)?;
        tx.pragma_update(None, "user_version", v)?;
        tx.commit()?;
    }
    Ok(())
}

/// Data steps that need Rust (e.g. the search normaliser) after a migration's SQL ran.
fn after_migration(conn: &Connection, version: u32) -> Result<()> {
    // The migrations that (re)create the search table or change its words.
    if version == 3 || version == 6 || version == 10 {
        search::reindex_all(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Two processes open a new database at once: one migrates while the other waits for its
    /// lock, having read the old version before. The waiting one must skip the steps the other
    /// applied ("table articles already exists" otherwise).
    #[test]
    fn a_step_another_process_applied_while_this_one_waited_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reader.db");
        let mut first = Connection::open(&path).unwrap();
        first
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        let tx = first
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        tx.execute_batch(MIGRATIONS[0].1).unwrap();
        tx.pragma_update(None, "user_version", 1).unwrap();

        let second = std::thread::spawn({
            let path = path.clone();
            move || {
                let mut conn = Connection::open(&path).unwrap();
                conn.busy_timeout(Duration::from_secs(10)).unwrap();
                upgrade(&mut conn, VERSION).map(|()| version(&conn).unwrap())
            }
        });
        // The second reads version 0, then waits for the lock the first holds.
        std::thread::sleep(Duration::from_millis(300));
        tx.commit().unwrap();
        assert_eq!(
            second.join().unwrap().expect("the upgrade succeeds"),
            VERSION
        );
    }
}
