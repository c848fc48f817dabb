//! The tokio runtime the core owns.
//!
//! Foreign callers have their own executors (Kotlin coroutines, Swift concurrency, Python
//! asyncio) and threads; none of them is a tokio runtime, which the network code needs. So every
//! async export hands its work to this runtime with [`run`] and awaits the result. The foreign
//! executor only polls a `JoinHandle`, which works on any executor and any thread.
//!
//! Pattern for an async export (the lead's `Reader::sync` follows it):
//!
//! ```text
//! /// Doc comment that shows up in Kotlin and Swift.
//! #[uniffi::export]
//! pub async fn some_call(arg: String) -> Result<Answer, ArticleSyncError> {
//!     let checked = validate(arg)?;            // cheap checks on the caller's executor
//!     runtime::run(async move { work(checked).await }).await?
//! }
//! ```
//!
//! Cancellation: when the foreign caller cancels (coroutine `cancel()`, Swift `Task.cancel()`,
//! asyncio `cancel()`), uniffi drops the Rust future; [`run`]'s guard then aborts the spawned
//! task at its next await point, so work stops instead of running on unseen. The work must
//! therefore be cancel-safe at every await (no half-written state without a transaction).

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

use crate::ArticleSyncError;

/// Worker threads: the work is I/O-bound, and phones are asked to be frugal.
const WORKER_THREADS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The process-wide runtime, started on first use (never at library load).
pub fn runtime() -> Result<&'static Runtime, ArticleSyncError> {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("article-sync")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the tokio runtime: {e}"))
        })
        .as_ref()
        .map_err(ArticleSyncError::internal)
}

/// Aborts the task when dropped: ties the task's life to the foreign caller's future.
pub(crate) struct AbortOnDrop<T>(pub(crate) JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `work` on the core's runtime and returns its output. A panic inside `work` becomes
/// `ArticleSyncError::Internal`; dropping the returned future aborts `work`.
pub async fn run<F>(work: F) -> Result<F::Output, ArticleSyncError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut task = AbortOnDrop(runtime()?.spawn(work));
    (&mut task.0).await.map_err(|e| {
        if e.is_panic() {
            let payload = e.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            ArticleSyncError::internal(format!("task panicked: {message}"))
        } else {
            ArticleSyncError::internal("task was cancelled")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    /// A plain executor that is not tokio, like a foreign one.
    fn block_on<F: Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn runs_tokio_work_from_a_foreign_executor() {
        let out = block_on(run(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            41 + 1
        }));
        assert_eq!(out.expect("runs"), 42);
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let out = block_on(run(async { panic!("boom") }));
        match out {
            Err(ArticleSyncError::Internal { reason }) => assert!(reason.contains("boom")),
            other => panic!("gave {other:?}"),
        }
    }

    #[test]
    fn dropping_the_future_aborts_the_work() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let fut = run(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // Poll once so the task is spawned, then drop it as a cancelled caller would.
        let mut fut = Box::pin(fut);
        let waker = futures::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        drop(fut);
        std::thread::sleep(Duration::from_millis(400));
        assert!(!finished.load(Ordering::SeqCst), "work ran on after cancel");
    }
}
