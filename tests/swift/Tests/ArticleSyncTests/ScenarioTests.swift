import ArticleSync
import Foundation
import XCTest

/// The reader scenario list, the same in every front end (core/tests/reader_scenarios.rs,
/// tests/python/test_scenarios.py, tests/kotlin ScenarioTest.kt, cli/tests/reader.rs): bad
/// configuration, an unknown article, an empty comment, an over-long comment, a sync with no
/// route, wipe and reopen. Each gives the same typed error.
final class ScenarioTests: XCTestCase {
    let missing = "no-such-article"

    func temporaryDatabase() -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent(UUID().uuidString)
        return dir.appendingPathComponent("reader.db").path
    }

    /// Asserts that `body` throws the error `matches` accepts, and returns its message.
    @discardableResult
    func expectError(
        _ name: String, _ body: () throws -> Void, _ matches: (ArticleSyncError) -> String?,
        line: UInt = #line
    ) -> String {
        do {
            try body()
            XCTFail("no \(name) thrown", line: line)
        } catch let error as ArticleSyncError {
            if let message = matches(error) { return message }
            XCTFail("\(error) is not \(name)", line: line)
        } catch {
            XCTFail("\(error) is not an ArticleSyncError", line: line)
        }
        return ""
    }

    func testBadConfiguration() throws {
        let servers = try Servers.load()
        let db = temporaryDatabase()
        var badKey = servers.config(db, main: servers.mirror)
        badKey.publisherKeys = ["ed25519:AAAA"]
        expectError("Invalid", { _ = try Reader(config: badKey) }) {
            if case .Invalid(let m) = $0 { return m } else { return nil }
        }
        let url = expectError("BadArgument", {
            _ = try Reader(config: servers.config(db, main: "ftp://example.org/"))
        }) { if case .BadArgument(let m) = $0 { return m } else { return nil } }
        XCTAssertTrue(url.contains("main_url"), url)
        var badProbe = servers.config(db, main: servers.mirror)
        badProbe.domesticProbes = ["ftp://probe.example/"]
        let probe = expectError("BadArgument", { _ = try Reader(config: badProbe) }) {
            if case .BadArgument(let m) = $0 { return m } else { return nil }
        }
        XCTAssertTrue(probe.contains("domestic_probes"), probe)
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "a bad configuration creates nothing")
    }

    func testUnknownArticleAndComments() throws {
        let servers = try Servers.load()
        let reader = try Reader(config: servers.config(temporaryDatabase(), main: servers.closed))
        XCTAssertNil(try reader.article(id: missing))
        let notFound: (ArticleSyncError) -> String? = {
            if case .NotFound(let m) = $0 { return m } else { return nil }
        }
        let invalidComment: (ArticleSyncError) -> String? = {
            if case .InvalidComment(let m) = $0 { return m } else { return nil }
        }
        expectError("NotFound", { try reader.setBookmarked(articleId: missing, bookmarked: true) }, notFound)
        expectError("NotFound", { try reader.setRead(articleId: missing, read: true) }, notFound)
        let empty = expectError("InvalidComment", {
            _ = try reader.composeComment(articleId: missing, author: " \u{200C} ", body: "نظر")
        }, invalidComment)
        XCTAssertTrue(empty.contains("author"), empty)
        let long = expectError("InvalidComment", {
            _ = try reader.composeComment(
                articleId: missing, author: "کارو", body: String(repeating: "ن", count: 4001))
        }, invalidComment)
        XCTAssertTrue(long.contains("text"), long)
        expectError("NotFound", {
            _ = try reader.composeComment(
                articleId: missing, author: "کارو", body: String(repeating: "ن", count: 4000))
        }, notFound)
        XCTAssertEqual(try reader.outbox().count, 0)
    }

    func testSyncWithNoRouteThenWipeAndReopen() async throws {
        let servers = try Servers.load()
        let db = temporaryDatabase()
        let reader = try Reader(config: servers.config(db, main: servers.closed))
        do {
            _ = try await reader.sync()
            XCTFail("a sync with no route succeeded")
        } catch ArticleSyncError.NoRoute {
        }
        try reader.wipe()
        XCTAssertFalse(FileManager.default.fileExists(atPath: db))
        expectError("Closed", { _ = try reader.counts() }) {
            if case .Closed = $0 { return "" } else { return nil }
        }
        let again = try Reader(config: servers.config(db, main: servers.mirror))
        XCTAssertEqual(try again.counts().total, 0)
        _ = try await again.sync()
        XCTAssertGreaterThan(try again.counts().total, 0)
    }
}
