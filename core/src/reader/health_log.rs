//! Route health persisted in the store, written off the caller's thread.
//!
//! Races report attempts from the async runtime's threads, and a store write waits for the
//! writer, which a sync's snapshot part can hold for a long while: writing there would stall
//! every task on that thread. So [`HealthLog::save`] only queues the record (a newer record of
//! the same route replaces a queued one) and a writer thread of its own stores the queue, one
//! transaction a batch; [`StoreHealthLog::flush`] waits until all that was queued is stored.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::net::{HealthLog, RouteHealth};
use crate::store::Store;

pub(super) struct StoreHealthLog {
    store: Arc<Store>,
    queue: Arc<Queue>,
}

#[derive(Default)]
struct Queue {
    state: Mutex<Queued>,
    /// Signalled when the writer thread ends, its queue empty.
    idle: Condvar,
}

#[derive(Default)]
struct Queued {
    records: BTreeMap<String, RouteHealth>,
    writing: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Queued> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl StoreHealthLog {
    pub(super) fn new(store: Arc<Store>) -> Self {
        StoreHealthLog {
            store,
            queue: Arc::default(),
        }
    }

    /// Blocks until every record queued before the call is stored (or failed to be).
    pub(super) fn flush(&self) {
        let mut queued = self.queue.lock();
        while queued.writing {
            queued = self
                .queue
                .idle
                .wait(queued)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl HealthLog for StoreHealthLog {
    fn load(&self) -> Vec<RouteHealth> {
        self.store.routes().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "route health could not be read; racing without it");
            Vec::new()
        })
    }

    fn save(&self, h: &RouteHealth) {
        let mut queued = self.queue.lock();
        queued.records.insert(h.url.clone(), h.clone());
        if queued.writing {
            return;
        }
        queued.writing = true;
        drop(queued);
        let (store, queue) = (self.store.clone(), self.queue.clone());
        let started = std::thread::Builder::new()
            .name("route-health".into())
            .spawn(move || write_queue(&store, &queue));
        if let Err(e) = started {
            // Losing a health update only costs a less informed race.
            tracing::warn!(error = %e, "route health could not be saved");
            let mut queued = self.queue.lock();
            queued.records.clear();
            queued.writing = false;
            self.queue.idle.notify_all();
        }
    }
}

/// Stores the queue until it is empty, then marks the writer ended.
fn write_queue(store: &Store, queue: &Queue) {
    loop {
        let records: Vec<RouteHealth> = {
            let mut queued = queue.lock();
            if queued.records.is_empty() {
                queued.writing = false;
                queue.idle.notify_all();
                return;
            }
            std::mem::take(&mut queued.records).into_values().collect()
        };
        // Losing a health update only costs a less informed race.
        if let Err(e) = store.save_routes(&records) {
            tracing::warn!(error = %e, "route health could not be saved");
        }
    }
}
