import ArticleSync
import BackgroundTasks
import Network

/// The platform side of background refresh and network state: one-line shells around
/// `BackgroundRefresh` and `NetworkPolicy`, which hold the logic and are tested on Linux
/// (tests/swift). Text only on an expensive (cellular) or constrained network.
enum BackgroundSync {
    private static let monitor = NWPathMonitor()

    /// Call once at launch, before the app finishes launching.
    static func register(reader: Reader) {
        monitor.pathUpdateHandler = { path in
            NetworkPolicy.apply(
                NetworkPath(
                    satisfied: path.status == .satisfied, expensive: path.isExpensive,
                    constrained: path.isConstrained),
                to: reader)
        }
        monitor.start(queue: .global(qos: .utility))
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundRefresh.identifier, using: nil) { task in
            BackgroundRefresh.handle(SystemRefreshTask(task: task), reader: reader, schedule: schedule)
        }
    }

    /// Asks for the next refresh, in about six hours.
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: BackgroundRefresh.identifier)
        request.earliestBeginDate = BackgroundRefresh.nextRun()
        try? BGTaskScheduler.shared.submit(request)
    }
}

/// A `BGTask` as a `RefreshTask` (its methods may be called from any thread).
private struct SystemRefreshTask: RefreshTask, @unchecked Sendable {
    let task: BGTask

    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void) { task.expirationHandler = handler }

    func setTaskCompleted(success: Bool) { task.setTaskCompleted(success: success) }
}
