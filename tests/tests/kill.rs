//! A reader process killed (SIGKILL) at random points during sync, 20 times: the store stays
//! intact, reader state is never lost, and resuming gives exactly the state a clean sync gives.

use std::process::Command;
use std::time::Duration;

use article_sync_cli::serve::Fault;
use article_sync_core::store::{ListFilter, Store, StoreConfig};
use article_sync_tests::store_contents;
use article_sync_tests::world::World;
use rand::{RngExt, SeedableRng};

const CHILD: &str = env!("CARGO_BIN_EXE_sync-child");

fn integrity(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// Waits until the child writes to the database (its WAL grows) or exits, then lets it run a
/// random few milliseconds more: the kill lands inside the sync's writes, the dangerous part.
async fn kill_while_writing(
    child: &mut std::process::Child,
    db: &std::path::Path,
    rng: &mut impl RngExt,
) -> bool {
    let wal = db.with_extension("db-wal");
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let before = size();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while size() == before
        && child.try_wait().unwrap().is_none()
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(rng.random_range(0..40))).await;
    let _ = child.kill();
    !child.wait().unwrap().success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_syncs_leave_an_intact_store_that_resumes_to_the_clean_state() {
    let mut world = World::new(2_000);
    let server = world.serve(&world.tree, Fault::None).await;
    let ca = world.dir.path().join("ca.pem");
    std::fs::write(&ca, &world.ca.pem).unwrap();
    let key = world.dir.path().join("publisher.pub");
    std::fs::write(&key, world.key.public().to_string()).unwrap();
    let db = world.dir.path().join("killed.db");
    let run = |db: &std::path::Path| {
        Command::new(CHILD)
            .args([
                db.to_str().unwrap(),
                &server.url(),
                ca.to_str().unwrap(),
                key.to_str().unwrap(),
            ])
            .spawn()
            .unwrap()
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    let mut bookmarked: Vec<String> = vec![];
    let mut kills = 0;
    let mut completed = false;
    for round in 0..20 {
        if completed {
            // New work for the next sync: articles added, one edited, one removed.
            let n = world.articles.len() as u64;
            world
                .articles
                .extend(world.corpus.articles(n + 1000..n + 1400));
            world.articles[round].title.push_str(" (ویرایش)");
            world.articles.remove(round + 1);
            world.publish();
        }
        let mut child = run(&db);
        let interrupted = kill_while_writing(&mut child, &db, &mut rng).await;
        kills += u32::from(interrupted);
        completed = !interrupted;
        assert_eq!(integrity(&db), "ok", "round {round}");

        // The reader bookmarks something whenever there is something to bookmark.
        let store = Store::open(&db, StoreConfig::default()).unwrap();
        let page = store.list(&ListFilter::All, None, 50).unwrap();
        if let Some(item) = page.items.get(round % page.items.len().max(1)) {
            store.set_bookmarked(&item.id, true).unwrap();
            bookmarked.push(item.id.clone());
        }
    }
    assert!(kills >= 15, "only {kills} of 20 syncs were interrupted");

    assert!(run(&db).wait().unwrap().success(), "resuming completes");
    let fresh = world.dir.path().join("fresh.db");
    assert!(run(&fresh).wait().unwrap().success());
    assert_eq!(
        store_contents(&db),
        store_contents(&fresh),
        "resumed state equals a clean sync"
    );
    let store = Store::open(&db, StoreConfig::default()).unwrap();
    for id in &bookmarked {
        if store.article(id).unwrap().is_some() {
            assert!(
                store.reader_state(id).unwrap().bookmarked_at.is_some(),
                "bookmark of {id} lost"
            );
        }
    }
}
