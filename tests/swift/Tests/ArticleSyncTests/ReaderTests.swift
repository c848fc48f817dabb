import ArticleSync
import Foundation
import XCTest

let seedId = "russia-ready-military-cooperation-syria"
let helsinkiId = "helsinki-summit"

/// A variable scripts/test-bindings.sh sets is missing: the test fails (it does not skip).
struct MissingEnvironment: Error, CustomStringConvertible {
    let name: String
    var description: String { "\(name) is not set: run scripts/test-bindings.sh" }
}

/// The loopback servers scripts/test-bindings.sh starts (ARTICLE_SYNC_TEST_* variables).
struct Servers {
    let key, caPem, mainBlocked, mirror, blackholeA, blackholeB, closed, relay: String
    /// The same tree, its head re-signed in a tree format newer than this build reads.
    let future: String
    /// A POST here approves every comment the test inbox received and publishes them.
    let publishComments: String

    static func load() throws -> Servers {
        let env = ProcessInfo.processInfo.environment
        func get(_ name: String) throws -> String {
            guard let value = env["ARTICLE_SYNC_TEST_\(name)"] else {
                throw MissingEnvironment(name: "ARTICLE_SYNC_TEST_\(name)")
            }
            return value
        }
        return Servers(
            key: try get("KEY"),
            caPem: try String(contentsOfFile: try get("CA"), encoding: .utf8),
            mainBlocked: try get("MAIN_BLOCKED"), mirror: try get("MIRROR"),
            blackholeA: try get("BLACKHOLE_A"), blackholeB: try get("BLACKHOLE_B"),
            closed: try get("CLOSED"), relay: try get("RELAY"), future: try get("FUTURE"),
            publishComments: try get("PUBLISH_COMMENTS"))
    }

    func config(_ db: String, main: String, mirrors: [String] = [], slowMs: UInt32 = 3000)
        -> ReaderConfig
    {
        ReaderConfig(
            databasePath: db, publisherKeys: [key], mainUrl: main, mirrors: mirrors,
            extraCaPem: caPem, connectTimeoutMs: slowMs, readTimeoutMs: slowMs, staggerMs: 200)
    }
}

/// Records listener calls made on core threads.
final class Recorded<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [T] = []

    func add(_ value: T) {
        lock.lock()
        values.append(value)
        lock.unlock()
    }

    var items: [T] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    func waitFor(seconds: Double = 10, _ predicate: (T) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if items.contains(where: predicate) { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTFail("timed out; recorded \(items)")
        throw CancellationError()
    }
}

final class ConnectionRecorder: ConnectionListener, @unchecked Sendable {
    let seen = Recorded<ConnectionInfo>()
    func onConnection(info: ConnectionInfo) { seen.add(info) }
}

final class StoreRecorder: StoreListener, @unchecked Sendable {
    let seen = Recorded<ArticleCounts>()
    func onStoreChanged(counts: ArticleCounts) { seen.add(counts) }
}

final class ProgressRecorder: ProgressListener, @unchecked Sendable {
    let seen = Recorded<SyncProgress>()
    func onProgress(progress: SyncProgress) { seen.add(progress) }
}

/// A test case with a fresh folder for its databases, removed after each test.
class StoreTestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func db(_ name: String = "reader.db") -> String { dir.appendingPathComponent(name).path }
}

/// The Reader API from Swift, against `article-sync serve` on loopback.
final class ReaderTests: StoreTestCase {

    func testSyncFromABlockedMainSiteViaAMirrorThenReadOffline() async throws {
        let servers = try Servers.load()
        let path = dir.appendingPathComponent("reader/reader.db").path
        let reader = try Reader(
            config: servers.config(path, main: servers.mainBlocked, mirrors: [servers.mirror]))
        XCTAssertEqual(try reader.connectionState().state, .unknown)

        let connection = ConnectionRecorder()
        let store = StoreRecorder()
        let connectionSub = try reader.subscribeConnection(listener: connection)
        let storeSub = try reader.subscribeChanges(listener: store)
        try await connection.seen.waitFor { $0.state == .unknown }
        try await store.seen.waitFor { $0.total == 0 }

        let summary = try await reader.sync()
        XCTAssertEqual(summary.route, servers.mirror)
        XCTAssertTrue(summary.usedSnapshot && summary.changed)
        try await connection.seen.waitFor { $0.state == .mainBlockedViaMirror }
        try await store.seen.waitFor { $0.total == 2 }
        let now = try reader.connectionState()
        XCTAssertEqual(now.state, .mainBlockedViaMirror)
        XCTAssertEqual(now.route, servers.mirror)
        XCTAssertTrue(now.live)
        XCTAssertTrue(now.banner.persian.contains("سانسور"), now.banner.persian)
        XCTAssertEqual(now.attempts.first { $0.url == servers.mainBlocked }?.failure, .reset)
        connectionSub.cancel()
        XCTAssertFalse(connectionSub.isActive())

        let first = try reader.listArticles(filter: .all, cursor: nil, limit: 1)
        XCTAssertEqual(first.items.map(\.id), [seedId])
        let second = try reader.listArticles(filter: .all, cursor: first.nextCursor, limit: 1)
        XCTAssertEqual(second.items.map(\.id), [helsinkiId])
        XCTAssertNil(second.nextCursor)
        XCTAssertEqual(
            try reader.listArticles(filter: .tag(tag: "سوریه"), cursor: nil, limit: 10).items.map(\.id),
            [seedId])

        let article = try XCTUnwrap(try reader.article(id: seedId))
        XCTAssertTrue(article.bodyHtml.contains("توافق هلسینکی"))
        XCTAssertEqual(article.comments.first?.author, "کارو")
        XCTAssertEqual(article.related.map(\.id), [helsinkiId])
        XCTAssertNil(try reader.article(id: "no-such-article"))

        for query in ["گفت\u{200C}وگو", "گفتوگو"] {
            let hits = try reader.search(query: query, limit: 10)
            XCTAssertEqual(Set(hits.map(\.article.id)), [seedId, helsinkiId], query)
            for hit in hits {
                let matched = hit.snippet.filter(\.matched).map(\.text)
                XCTAssertFalse(matched.isEmpty)
                // Scalars, not Characters: Swift groups the ZWNJ with the letter before it.
                XCTAssertTrue(
                    matched.allSatisfy { $0.unicodeScalars.starts(with: "گفت".unicodeScalars) },
                    "\(matched)")
            }
        }
        XCTAssertTrue(try reader.search(query: "سلام", limit: 10).isEmpty)

        try reader.setBookmarked(articleId: seedId, bookmarked: true)
        XCTAssertEqual(
            try reader.listArticles(filter: .bookmarked, cursor: nil, limit: 10).items.map(\.id), [seedId])
        try reader.setRead(articleId: seedId, read: true)
        XCTAssertEqual(
            try reader.listArticles(filter: .unread, cursor: nil, limit: 10).items.map(\.id), [helsinkiId])
        try await store.seen.waitFor { $0.bookmarked == 1 && $0.unread == 1 }

        let lead = try XCTUnwrap(article.summary.leadImage)
        let bytes = try await reader.fetchImage(articleId: seedId, hash: lead.hash)
        XCTAssertEqual(UInt64(bytes.count), lead.size)

        let queued = try reader.composeComment(articleId: seedId, author: "خواننده", body: "نظر من")
        XCTAssertEqual(queued.state, .waiting)
        XCTAssertEqual(try reader.outbox().map(\.body), ["نظر من"])

        storeSub.cancel()
        try reader.wipe()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertThrowsError(try reader.counts()) { error in
            guard case ArticleSyncError.Closed = error else {
                return XCTFail("unexpected error \(error)")
            }
        }
    }

    func testCancelSyncReturnsPromptlyWithCancelled() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(
                db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let progress = ProgressRecorder()
        let sub = try reader.subscribeProgress(listener: progress)
        defer { sub.cancel() }
        let sync = Task { try await reader.sync() }
        try await progress.seen.waitFor { $0.phase == .connecting }
        let started = Date()
        reader.cancelSync()
        do {
            _ = try await sync.value
            XCTFail("the sync finished")
        } catch ArticleSyncError.Cancelled {
            XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        }
    }

    func testASyncHandleCancelledBeforeItRanThrowsCancelledAtOnce() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(
                db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let sync = try reader.startSync()
        sync.cancel()  // before result(): `cancelSync()` here would find no sync to stop
        let started = Date()
        do {
            _ = try await sync.result()
            XCTFail("the sync finished")
        } catch ArticleSyncError.Cancelled {
            XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        }
    }

    func testTaskCancellationForwardedToCancelSync() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.blackholeA, slowMs: 60_000))
        let progress = ProgressRecorder()
        let sub = try reader.subscribeProgress(listener: progress)
        defer { sub.cancel() }
        let sync = Task {
            try await withTaskCancellationHandler {
                try await reader.sync()
            } onCancel: {
                reader.cancelSync()
            }
        }
        try await progress.seen.waitFor { $0.phase == .connecting }
        sync.cancel()
        do {
            _ = try await sync.value
            XCTFail("the sync finished")
        } catch ArticleSyncError.Cancelled {
        }
    }

    func testNoRouteIsATypedError() async throws {
        let servers = try Servers.load()
        let reader = try Reader(config: servers.config(db(), main: servers.closed))
        do {
            _ = try await reader.sync()
            XCTFail("the sync succeeded")
        } catch ArticleSyncError.NoRoute(let message) {
            XCTAssertTrue(message.contains("refused"), message)
        }
    }

    func testABadPublisherKeyIsATypedError() throws {
        let servers = try Servers.load()
        var config = servers.config(db(), main: servers.mirror)
        config.publisherKeys = ["ed25519:AAAA"]
        XCTAssertThrowsError(try Reader(config: config)) { error in
            guard case ArticleSyncError.Invalid(let message) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertTrue(message.contains("publisher key"), message)
        }
    }

    func testTheReadmeExampleRuns() async throws {
        let servers = try Servers.load()
        let titles = try await readmeExample(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        XCTAssertEqual(titles.count, 2)
        XCTAssertTrue(titles[0].hasPrefix("اعلام آمادگی"), titles[0])
    }
}
