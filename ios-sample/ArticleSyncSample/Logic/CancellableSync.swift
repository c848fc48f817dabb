// Swift task cancellation for the core's sync.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync

extension Reader {
    /// `sync()`, stopped by the calling task's cancellation.
    ///
    /// uniffi's Swift code does not pass `Task` cancellation to Rust, and `cancelSync()` stops
    /// only a sync that already runs. So the sync goes through a handle made before anything
    /// awaits (`startSync()`), which the cancellation handler cancels: a cancellation that
    /// arrives before the core has started the sync stops it too. Throws what `sync()` throws;
    /// a cancelled sync throws `ArticleSyncError.Cancelled`, and what it applied stays. As with
    /// `cancelSync()`, the sync stops for every caller joined to it.
    func cancellableSync() async throws -> SyncSummary {
        let sync = try startSync()
        return try await withTaskCancellationHandler {
            try await sync.result()
        } onCancel: {
            sync.cancel()
        }
    }
}
