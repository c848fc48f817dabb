import ArticleSync
import Foundation
@testable import SampleApp
import XCTest

/// The iOS sample's plain-Swift helpers and its pinned configuration, against the real core.
final class SampleLogicTests: StoreTestCase {

    func testTheListModelPagesThroughTheStore() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        _ = try await reader.sync()
        let list = ArticleListModel(pageSize: 1) { filter, cursor, limit in
            try reader.listArticles(filter: filter, cursor: cursor, limit: limit)
        }
        XCTAssertTrue(list.hasMore)
        try list.reload()
        XCTAssertEqual(list.items.map(\.id), [seedId])
        XCTAssertTrue(try list.loadMore())
        XCTAssertEqual(list.items.map(\.id), [seedId, helsinkiId])
        XCTAssertFalse(list.hasMore)
        XCTAssertFalse(try list.loadMore())
        try reader.setBookmarked(articleId: helsinkiId, bookmarked: true)
        list.update(try XCTUnwrap(try reader.article(id: helsinkiId)).summary)
        XCTAssertNotNil(list.items.last?.marks.bookmarkedAt)
        try list.reload(filter: .bookmarked)
        XCTAssertEqual(list.items.map(\.id), [helsinkiId])

        let banner = BannerPresenter.present(try reader.connectionState())
        XCTAssertEqual(banner.messages, [.mainCensored, .mirror])
        XCTAssertEqual(banner.tone, .warning)
        XCTAssertFalse(banner.showRetry)
    }

    /// The values the app pins open a reader (the key parses, the URLs are usable).
    func testThePinnedConfigurationOpensAReader() throws {
        XCTAssertEqual(try verifyPublicKey(text: Config.publisherKey).count, 16)
        let config = Config.readerConfig(databasePath: db())
        XCTAssertEqual(config.mainUrl, Config.mainUrl)
        XCTAssertEqual(config.mirrors, Config.mirrors)
        XCTAssertEqual(config.domesticProbes, Config.domesticProbes)
        let reader = try Reader(config: config)
        XCTAssertEqual(try reader.connectionState().state, .unknown)
        XCTAssertEqual(try reader.counts().total, 0)
    }

    /// `Config.reader()` puts the database in Application Support (in the chroot:
    /// ~/.local/share) and opens it.
    func testTheAppsReaderOpensInApplicationSupport() throws {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: false)
        let path = support.appendingPathComponent("reader.db").path
        let reader = try Config.reader()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        XCTAssertEqual(try reader.counts().total, 0)
        try reader.wipe()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), path)
    }
}
