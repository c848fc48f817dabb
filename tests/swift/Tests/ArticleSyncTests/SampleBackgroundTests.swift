import ArticleSync
import Foundation
@testable import SampleApp
import XCTest

/// Stands in for `BGAppRefreshTask`: records completions, expires on demand.
final class FakeRefreshTask: RefreshTask, @unchecked Sendable {
    let completions = Recorded<(success: Bool, at: Date)>()
    private let lock = NSLock()
    private var expiration: (@Sendable () -> Void)?

    func setExpirationHandler(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        expiration = handler
        lock.unlock()
    }

    func setTaskCompleted(success: Bool) { completions.add((success, Date())) }

    /// What the system does when the granted time is over.
    func expire() throws {
        lock.lock()
        let handler = expiration
        lock.unlock()
        try XCTUnwrap(handler, "no expiration handler installed")()
    }
}

/// The iOS sample's background refresh (`BackgroundRefresh`, behind `BackgroundSync`'s
/// BGTaskScheduler shell) and network policy, against the real core on loopback.
final class SampleBackgroundTests: StoreTestCase {

    func testTheRefreshReschedulesSyncsAndCompletesOnce() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let task = FakeRefreshTask()
        var scheduled = 0
        await BackgroundRefresh.handle(task, reader: reader) { scheduled += 1 }.value
        XCTAssertEqual(scheduled, 1, "the next refresh is asked for")
        XCTAssertEqual(task.completions.items.map(\.success), [true])
        XCTAssertEqual(try reader.counts().total, 2)
        XCTAssertEqual(try reader.connectionState().state, .mainBlockedViaMirror)
    }

    func testAFailedSyncCompletesWithoutSuccess() async throws {
        let servers = try Servers.load()
        let reader = try Reader(config: servers.config(db(), main: servers.closed))
        let task = FakeRefreshTask()
        var scheduled = 0
        await BackgroundRefresh.handle(task, reader: reader) { scheduled += 1 }.value
        XCTAssertEqual(scheduled, 1)
        XCTAssertEqual(task.completions.items.map(\.success), [false])
    }

    func testExpirationStopsTheSyncWithinASecondAndLeavesTheStoreIntact() async throws {
        let servers = try Servers.load()
        let reader = try await readerWithStoredArticles(
            servers,
            servers.config(db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let before = try reader.counts()
        let progress = ProgressRecorder()
        let sub = try reader.subscribeProgress(listener: progress)
        defer { sub.cancel() }

        let task = FakeRefreshTask()
        let refresh = BackgroundRefresh.handle(task, reader: reader) {}
        try await progress.seen.waitFor { $0.phase == .connecting }
        XCTAssertTrue(task.completions.items.isEmpty, "black holes never answer: the sync runs")
        let expired = Date()
        try task.expire()
        try await task.completions.waitFor(seconds: 1) { _ in true }
        await refresh.value
        let done = try XCTUnwrap(task.completions.items.first)
        XCTAssertFalse(done.success)
        XCTAssertLessThan(done.at.timeIntervalSince(expired), 1)
        XCTAssertEqual(task.completions.items.count, 1, "completed once")

        XCTAssertEqual(try reader.counts(), before)
        try reader.checkIntegrity()
        XCTAssertTrue(try XCTUnwrap(try reader.article(id: seedId)).bodyHtml.contains("توافق هلسینکی"))
    }

    func testTheNextRefreshIsAskedForInSixHoursUnderTheIdentifierProjectYmlPermits() throws {
        let now = Date(timeIntervalSince1970: 1_531_855_800)
        XCTAssertEqual(BackgroundRefresh.nextRun(after: now).timeIntervalSince(now), 6 * 3600)
        let project = try Sample.text("project.yml")
        XCTAssertTrue(
            project.contains("BGTaskSchedulerPermittedIdentifiers: [\(BackgroundRefresh.identifier)]"),
            "project.yml must permit \(BackgroundRefresh.identifier)")
    }

    func testAnExpensiveNetworkSyncsTextOnly() async throws {
        let servers = try Servers.load()
        let textOnly = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        NetworkPolicy.apply(NetworkPath(satisfied: true, expensive: true), to: textOnly)
        _ = try await textOnly.sync()
        XCTAssertEqual(try textOnly.storageUsage().mediaBytes, 0)

        let full = try Reader(
            config: servers.config(
                db("full.db"), main: servers.mainBlocked, mirrors: [servers.mirror]))
        NetworkPolicy.apply(NetworkPath(satisfied: true), to: full)
        _ = try await full.sync()
        XCTAssertGreaterThan(try full.storageUsage().mediaBytes, 0)
    }
}
