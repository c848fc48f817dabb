// Swift task cancellation for the core's sync.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync
import Foundation

extension Reader {
    /// `sync()`, stopped by the calling task's cancellation.
    ///
    /// uniffi's Swift code does not pass `Task` cancellation to Rust, and `cancelSync()` stops
    /// only a sync that already runs: a cancellation arriving before the core has started the
    /// sync would be lost. So on cancellation this calls `cancelSync()` every 20 ms until the
    /// sync has returned. Throws what `sync()` throws; a cancelled sync throws
    /// `ArticleSyncError.Cancelled`, and what it applied stays. As with `cancelSync()`, the sync
    /// stops for every caller joined to it.
    func cancellableSync() async throws -> SyncSummary {
        let finished = Latch()
        defer { finished.set() }
        return try await withTaskCancellationHandler {
            try await sync()
        } onCancel: {
            Task.detached {
                while !finished.isSet {
                    self.cancelSync()
                    try? await Task.sleep(nanoseconds: 20_000_000)
                }
            }
        }
    }
}

/// A flag that is set once and read from any thread.
final class Latch: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
