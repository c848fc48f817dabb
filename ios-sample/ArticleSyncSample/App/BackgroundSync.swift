import ArticleSync
import BackgroundTasks
import Network

/// Background refresh with BGAppRefreshTask (identifier listed in Info.plist's
/// BGTaskSchedulerPermittedIdentifiers), text-only on an expensive (cellular) network.
enum BackgroundSync {
    static let identifier = "org.articlesync.sample.refresh"
    private static let monitor = NWPathMonitor()

    /// Call once at launch, before the app finishes launching.
    static func register(reader: Reader) {
        monitor.pathUpdateHandler = { path in
            // The core's banner says "offline" at once when the OS has no network.
            try? reader.setNetworkAvailable(available: path.status == .satisfied)
            try? reader.setTextOnly(textOnly: path.isExpensive || path.isConstrained)
        }
        monitor.start(queue: .global(qos: .utility))
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            guard let task = task as? BGAppRefreshTask else { return }
            schedule()
            let sync = Task {
                do {
                    _ = try await reader.sync()
                    task.setTaskCompleted(success: true)
                } catch {
                    task.setTaskCompleted(success: false)
                }
            }
            task.expirationHandler = {
                // Swift task cancellation does not reach Rust: cancel the sync itself.
                reader.cancelSync()
                sync.cancel()
            }
        }
    }

    /// Asks for the next refresh in about six hours.
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 6 * 3600)
        try? BGTaskScheduler.shared.submit(request)
    }
}
