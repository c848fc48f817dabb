//! Subscriptions: how the core pushes changes (banner state, store changes) to the app.
//!
//! The app passes a listener (a foreign trait object) and gets back a [`Subscription`]. The
//! listener is called first with the current value, then on every change, on a thread of the
//! core's runtime (apps hop to their UI thread themselves). Calls for one subscription never
//! overlap. The subscription ends when the app calls `cancel()` or when the handle is dropped
//! (Kotlin `close()`/garbage collection, Swift `deinit`, Python `del`).
//!
//! Pattern for a subscribable value (the lead's `Reader` follows it for the banner state):
//!
//! ```text
//! /// Receives banner-state changes.
//! #[uniffi::export(with_foreign)]
//! pub trait BannerListener: Send + Sync {
//!     /// Called with the current state first, then on each change.
//!     fn on_banner(&self, state: BannerState);
//! }
//!
//! #[uniffi::export]
//! impl Reader {
//!     /// Subscribes `listener` to banner-state changes; keep the handle while you listen.
//!     pub fn subscribe_banner(&self, listener: Arc<dyn BannerListener>) -> Result<Arc<Subscription>, ArticleSyncError> {
//!         subscribe_watch(self.banner_rx.clone(), move |state| listener.on_banner(state))
//!     }
//! }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{ArticleSyncError, runtime};

/// A live subscription. It ends on `cancel()` or when the handle is released; after `cancel()`
/// returns, no new listener call starts (one already running may finish).
#[derive(uniffi::Object)]
pub struct Subscription {
    cancelled: Arc<AtomicBool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

#[uniffi::export]
impl Subscription {
    /// Ends the subscription. Idempotent; safe from any thread, including inside the listener.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let task = match self.task.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(task) = task {
            task.abort();
        }
    }

    /// Whether the subscription has ended (cancelled, or its source is gone).
    pub fn is_active(&self) -> bool {
        if self.cancelled.load(Ordering::SeqCst) {
            return false;
        }
        match self.task.lock() {
            Ok(guard) => guard.as_ref().is_some_and(|t| !t.is_finished()),
            Err(_) => false,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Delivers the current value of `rx` and then every change to `deliver`, on the core's
/// runtime, until the returned subscription ends or the sender is dropped.
pub fn subscribe_watch<T, D>(
    mut rx: watch::Receiver<T>,
    deliver: D,
) -> Result<Arc<Subscription>, ArticleSyncError>
where
    T: Clone + Send + Sync + 'static,
    D: Fn(T) + Send + 'static,
{
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = cancelled.clone();
    let task = runtime::runtime()?.spawn(async move {
        let mut value = rx.borrow_and_update().clone();
        loop {
            if flag.load(Ordering::SeqCst) {
                return;
            }
            deliver(value);
            if rx.changed().await.is_err() {
                return;
            }
            value = rx.borrow_and_update().clone();
        }
    });
    Ok(Arc::new(Subscription {
        cancelled,
        task: Mutex::new(Some(task)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(2);

    #[test]
    fn current_value_first_then_changes() {
        let (tx, rx) = watch::channel(1);
        let (seen_tx, seen) = mpsc::channel();
        let sub = subscribe_watch(rx, move |v| {
            let _ = seen_tx.send(v);
        })
        .expect("subscribes");
        assert_eq!(seen.recv_timeout(WAIT), Ok(1));
        tx.send(2).expect("send");
        assert_eq!(seen.recv_timeout(WAIT), Ok(2));
        assert!(sub.is_active());
    }

    #[test]
    fn cancel_stops_delivery() {
        let (tx, rx) = watch::channel("a");
        let (seen_tx, seen) = mpsc::channel();
        let sub = subscribe_watch(rx, move |v| {
            let _ = seen_tx.send(v);
        })
        .expect("subscribes");
        assert_eq!(seen.recv_timeout(WAIT), Ok("a"));
        sub.cancel();
        sub.cancel();
        assert!(!sub.is_active());
        let _ = tx.send("b");
        assert!(seen.recv_timeout(Duration::from_millis(200)).is_err());
    }

    #[test]
    fn dropping_the_handle_stops_delivery() {
        let (tx, rx) = watch::channel(0u8);
        let (seen_tx, seen) = mpsc::channel();
        let sub = subscribe_watch(rx, move |v| {
            let _ = seen_tx.send(v);
        })
        .expect("subscribes");
        assert_eq!(seen.recv_timeout(WAIT), Ok(0));
        drop(sub);
        let _ = tx.send(1);
        // The listener (and so the sender it owns) is dropped with the task.
        assert_eq!(
            seen.recv_timeout(WAIT),
            Err(mpsc::RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn ends_when_the_source_is_gone() {
        let (tx, rx) = watch::channel(0u8);
        let sub = subscribe_watch(rx, |_| {}).expect("subscribes");
        drop(tx);
        let deadline = std::time::Instant::now() + WAIT;
        while sub.is_active() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!sub.is_active());
    }
}
