import ArticleSync
import Foundation
@testable import SampleApp
import XCTest

/// The iOS sample's "Share" and "Receive" logic against the real core: a real share on
/// loopback, taken ports, and a second reader syncing from the URL it received.
final class SampleShareTests: StoreTestCase {

    /// The port of a URL `http://host:port/`.
    func port(_ url: String) throws -> String {
        try XCTUnwrap(url.split(separator: ":").last?.split(separator: "/").first.map(String.init))
    }

    @MainActor
    func testTheShareModelServesTheCopyAndSaysWhyItCannot() async throws {
        let servers = try Servers.load()
        let a = try Reader(config: servers.config(db("a.db"), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let share = ShareModel(reader: a, publisherKey: servers.key)
        XCTAssertEqual(share.fingerprint, keyFingerprint(key: servers.key))
        XCTAssertNil(share.copyIssuedAt)
        await share.start()
        XCTAssertEqual(share.failure, .nothingToShare, "nothing synced yet")
        XCTAssertNil(share.url)
        for bad in ["0", "70000", "eighty"] {
            share.port = bad
            await share.start()
            XCTAssertEqual(share.failure, .badPort, bad)
        }

        _ = try await a.sync()
        // Another reader finds a free port (0: the system picks) and holds it.
        let b = try Reader(config: servers.config(db("b.db"), main: servers.mainBlocked, mirrors: [servers.mirror]))
        _ = try await b.sync()
        let taken = try port(try await b.startSharing(port: 0))
        share.port = taken
        await share.start()
        XCTAssertEqual(share.failure, .portUnavailable, "port \(taken) is b's")
        XCTAssertNil(share.url)
        try b.stopSharing()

        await share.start()
        let url = try XCTUnwrap(share.url, "\(String(describing: share.detail))")
        defer { share.stop() }
        XCTAssertNil(share.failure)
        XCTAssertEqual(try port(url), taken)
        XCTAssertEqual(share.qr, try qrModules(url: url))
        let issued = try XCTUnwrap(share.copyIssuedAt)
        XCTAssertEqual(issued, try a.copyIssuedAt())

        // What the screen shows, in both languages.
        for lproj in ["en", "fa"] {
            let strings = try Sample.strings(lproj)
            let line = ValueText.shareUrl.format(url) { strings[$0] ?? "missing \($0)" }
            XCTAssertTrue(line.contains(url) && !line.contains("%@") && !line.contains("missing"), line)
        }
        XCTAssertFalse(dayText(issued, language: "fa").isEmpty)
        XCTAssertNotEqual(dayText(issued, language: "fa"), dayText(issued, language: "en"))

        share.stop()
        XCTAssertNil(share.url)
        // Stopped: the port is free again (the listener closes on the core's runtime).
        var again: String?
        for _ in 0..<100 where again == nil {
            again = try? port(try await b.startSharing(port: UInt16(taken)!))
            if again == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        XCTAssertEqual(again, taken)
        try b.stopSharing()
    }

    @MainActor
    func testTheReceiveModelAddsASharedUrlAndTheReaderSyncsFromIt() async throws {
        let servers = try Servers.load()
        let a = try Reader(config: servers.config(db("a.db"), main: servers.mainBlocked, mirrors: [servers.mirror]))
        _ = try await a.sync()
        let url = try await a.startSharing(port: 0)
        defer { try? a.stopSharing() }

        let c = try Reader(config: servers.config(db("c.db"), main: servers.closed))
        let model = try ReaderModel(reader: c)
        let receive = ReceiveModel(reader: c)
        XCTAssertNil(receive.add())
        XCTAssertEqual(receive.failure, .empty)
        receive.text = "not a url"
        XCTAssertNil(receive.add())
        XCTAssertEqual(receive.failure, .notAUrl)
        XCTAssertNotNil(receive.detail)

        receive.text = "  \(url)\n"  // pasted with blanks around it
        XCTAssertEqual(receive.add(), url)
        XCTAssertNil(receive.failure)
        XCTAssertEqual(receive.added, url)
        await model.refresh()
        XCTAssertNil(model.failure)
        try await waitUntil("the list shows the shared articles") { model.items.map(\.id) == [seedId, helsinkiId] }
        try await waitUntil("the banner names the share as the route") { model.banner.route == url }
        XCTAssertNil(model.banner.copyOf, "a live head is no copy")
    }
}
