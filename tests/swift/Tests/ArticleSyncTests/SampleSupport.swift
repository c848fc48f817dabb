// Helpers for the tests of the iOS sample's code (Sources/SampleApp).
import ArticleSync
import Foundation
import Observation
@testable import SampleApp
import XCTest

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting until \(what)" }
}

/// Waits until `condition` holds. It is evaluated again only when Observation reports a change
/// to the observable state it read, so state that changes without telling its observers makes
/// this time out (and fail): passing proves the state is observable, as SwiftUI needs it.
@MainActor
func waitUntil(
    _ what: String, seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line,
    _ condition: @escaping @MainActor () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        let changed = Latch()
        let holds = withObservationTracking { condition() } onChange: { changed.set() }
        if holds { return }
        while !changed.isSet {
            guard Date() < deadline else {
                XCTFail("timed out waiting until \(what)", file: file, line: line)
                throw TimedOut(what: what)
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}

/// The iOS sample as scripts/test-bindings.sh copies it (ARTICLE_SYNC_IOS_SAMPLE).
enum Sample {
    static func folder() throws -> String {
        guard let folder = ProcessInfo.processInfo.environment["ARTICLE_SYNC_IOS_SAMPLE"] else {
            throw MissingEnvironment(name: "ARTICLE_SYNC_IOS_SAMPLE")
        }
        return folder
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOfFile: "\(try folder())/\(path)", encoding: .utf8)
    }

    /// `ArticleSyncSample/Resources/<lproj>.lproj/Localizable.strings` as key → text.
    static func strings(_ lproj: String) throws -> [String: String] {
        let text = try Sample.text("ArticleSyncSample/Resources/\(lproj).lproj/Localizable.strings")
        let entry = try NSRegularExpression(pattern: #"^"([^"]+)"\s*=\s*"((?:[^"\\]|\\.)*)";\s*$"#)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n").map(String.init) where line.hasPrefix("\"") {
            let range = NSRange(line.startIndex..., in: line)
            guard let match = entry.firstMatch(in: line, range: range),
                let key = Range(match.range(at: 1), in: line),
                let value = Range(match.range(at: 2), in: line)
            else {
                XCTFail("not a strings entry: \(line)")
                continue
            }
            XCTAssertNil(out[String(line[key])], "\(lproj): \(line[key]) twice")
            out[String(line[key])] = String(line[value])
        }
        return out
    }
}

/// A reader on a store that already holds the seed tree: synced once from the mirror by a
/// reader that is released again, then opened with `config` (the app restarted elsewhere).
func readerWithStoredArticles(_ servers: Servers, _ config: ReaderConfig) async throws -> Reader {
    do {
        let first = try Reader(
            config: servers.config(config.databasePath, main: servers.mainBlocked, mirrors: [servers.mirror]))
        _ = try await first.sync()
        XCTAssertEqual(try first.counts().total, 2)
    }
    return try Reader(config: config)
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
