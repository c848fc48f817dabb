// Background refresh, without BackgroundTasks: BackgroundSync hands each BGAppRefreshTask here.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync
import Foundation

/// One stretch of background time the system granted (`BGAppRefreshTask` on iOS).
protocol RefreshTask: Sendable {
    /// Installs what runs when the system takes the time back before the work ended.
    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void)
    /// Reports the end of the work; called once.
    func setTaskCompleted(success: Bool)
}

enum BackgroundRefresh {
    /// The task identifier; `project.yml` lists it in `BGTaskSchedulerPermittedIdentifiers`.
    static let identifier = "org.articlesync.sample.refresh"
    /// The time between two refreshes the app asks for.
    static let interval: TimeInterval = 6 * 3600

    /// The earliest start of the refresh asked for at `now`.
    static func nextRun(after now: Date = Date()) -> Date {
        now.addingTimeInterval(interval)
    }

    /// Runs one refresh. Asks for the next one first (`schedule`: the system runs a request
    /// once), then syncs, and completes `task` once: with success when the sync succeeded.
    /// When the system expires `task`, the core's sync is cancelled; `task` completes without
    /// success as soon as the core returned (milliseconds), and what the sync applied stays.
    /// Returns the Swift task that runs the sync.
    @discardableResult
    static func handle(_ task: RefreshTask, reader: Reader, schedule: () -> Void) -> Task<Void, Never> {
        schedule()
        let sync = Task {
            do {
                _ = try await reader.cancellableSync()
                task.setTaskCompleted(success: true)
            } catch {
                task.setTaskCompleted(success: false)
            }
        }
        task.setExpirationHandler { sync.cancel() }
        return sync
    }
}
