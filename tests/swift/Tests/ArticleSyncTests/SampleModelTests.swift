import ArticleSync
import Foundation
@testable import SampleApp
import XCTest

/// The iOS sample's `ReaderModel` against the real core and `article-sync serve` on loopback.
/// Waits for the model's state go through `waitUntil`, which sees only changes Observation reports.
final class SampleModelTests: StoreTestCase {

    /// The banner's line in one language, as the views show it.
    func text(_ banner: BannerUi, _ strings: [String: String]) -> String {
        BannerPresenter.line(banner.messages) { strings[$0] ?? "missing \($0)" }
    }

    @MainActor
    func testTheModelSyncsAndPublishesTheListTheArticleAndTheBanner() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let model = try ReaderModel(reader: reader)
        XCTAssertEqual(model.banner.messages, [.unknown])
        XCTAssertFalse(model.syncing)

        await model.refresh()
        XCTAssertNil(model.failure)
        XCTAssertFalse(model.syncing)
        try await waitUntil("the list shows both articles") { model.items.map(\.id) == [seedId, helsinkiId] }
        XCTAssertFalse(model.hasMore)
        try await waitUntil("the banner says main is censored, a mirror answered") {
            model.banner.messages == [.mainCensored, .mirror]
        }
        XCTAssertEqual(model.banner.tone, .warning)
        XCTAssertEqual(model.banner.route, servers.mirror)
        XCTAssertFalse(model.banner.fromLastRun)
        // The texts the views show are the core's, in both languages.
        let core = try reader.connectionState().banner
        XCTAssertEqual(text(model.banner, try Sample.strings("fa")), core.persian)
        XCTAssertEqual(text(model.banner, try Sample.strings("en")), core.english)

        model.open(seedId)
        let article = try XCTUnwrap(model.article)
        XCTAssertEqual(article.summary.id, seedId)
        XCTAssertEqual(article.comments.first?.author, "کارو")
        XCTAssertEqual(article.related.map(\.id), [helsinkiId])
        try await waitUntil("opening marks the article read in the list") {
            model.items.first { $0.id == seedId }?.marks.readAt != nil
        }

        // A change in the store made elsewhere (a sync, another screen) reaches the model.
        try reader.setBookmarked(articleId: helsinkiId, bookmarked: true)
        try await waitUntil("a bookmark set on the reader shows in the list") {
            model.items.first { $0.id == helsinkiId }?.marks.bookmarkedAt != nil
        }
        model.toggleBookmark(article.summary)
        try await waitUntil("the open article shows its bookmark") { model.article?.summary.marks.bookmarkedAt != nil }
        try reader.setBookmarked(articleId: seedId, bookmarked: false)
        try await waitUntil("the open article follows the store") { model.article?.summary.marks.bookmarkedAt == nil }

        model.show(.unread)
        try await waitUntil("the unread filter lists only the unread article") {
            model.filter == .unread && model.items.map(\.id) == [helsinkiId]
        }
        model.close()
        try await waitUntil("the article closes") { model.article == nil }
    }

    @MainActor
    func testTheStoredListAndLastBannerShowBeforeAnySync() async throws {
        let servers = try Servers.load()
        let reader = try await readerWithStoredArticles(
            servers, servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let model = try ReaderModel(reader: reader)
        try await waitUntil("the stored list shows") { model.items.map(\.id) == [seedId, helsinkiId] }
        XCTAssertTrue(model.banner.fromLastRun)
        XCTAssertEqual(model.banner.messages, [.mainCensored, .mirror])
    }

    @MainActor
    func testCancellingTheTaskThatSyncsCancelsTheCoreSync() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let progress = ProgressRecorder()
        let sub = try reader.subscribeProgress(listener: progress)
        defer { sub.cancel() }
        let model = try ReaderModel(reader: reader)

        let sync = Task { await model.refresh() }
        try await progress.seen.waitFor { $0.phase == .connecting }
        XCTAssertTrue(model.syncing)
        let cancelled = Date()
        sync.cancel()
        await sync.value
        // Against black holes with 60 s timeouts, only a cancelled core sync returns this soon.
        XCTAssertLessThan(Date().timeIntervalSince(cancelled), 2)
        XCTAssertFalse(model.syncing)
        XCTAssertNil(model.failure, "a cancelled sync is not a failure")
    }

    @MainActor
    func testCancellingBeforeTheCoreSyncStartedStillStopsIt() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let model = try ReaderModel(reader: reader)
        let started = Date()
        let sync = Task { await model.refresh() }
        sync.cancel()  // before the task ran: `cancelSync()` alone would find no sync to stop
        await sync.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertNil(model.failure)
    }

    @MainActor
    func testTheModelsOwnSyncStopsOnCancelSync() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.blackholeA, mirrors: [servers.blackholeB], slowMs: 60_000))
        let progress = ProgressRecorder()
        let sub = try reader.subscribeProgress(listener: progress)
        defer { sub.cancel() }
        let model = try ReaderModel(reader: reader)
        model.sync()
        try await progress.seen.waitFor { $0.phase == .connecting }
        try await waitUntil("the sync runs") { model.syncing }
        model.cancelSync()
        try await waitUntil("the sync stopped", seconds: 2) { !model.syncing }
        XCTAssertNil(model.failure)
    }

    @MainActor
    func testOfflineTheModelShowsStoredArticlesAndTheOfflineBannerWithoutError() async throws {
        let servers = try Servers.load()
        let reader = try await readerWithStoredArticles(servers, servers.config(db(), main: servers.closed))
        let model = try ReaderModel(reader: reader)
        NetworkPolicy.apply(NetworkPath(satisfied: false), to: reader)
        try await waitUntil("the banner says offline") { model.banner.messages == [.offline] }
        XCTAssertEqual(model.banner.tone, .bad)
        XCTAssertTrue(model.banner.showRetry)

        await model.refresh()
        XCTAssertNil(model.failure, "the banner says it: no error line")
        XCTAssertEqual(model.banner.messages, [.offline])
        XCTAssertEqual(text(model.banner, try Sample.strings("fa")), bannerText(state: .offline).persian)
        try await waitUntil("the stored articles show") { model.items.map(\.id) == [seedId, helsinkiId] }
        model.open(helsinkiId)
        XCTAssertEqual(model.article?.summary.id, helsinkiId)
        XCTAssertFalse(try XCTUnwrap(model.article).bodyHtml.isEmpty)
    }

    @MainActor
    func testAHeadOfANewerFormatAsksForTheAppUpdateAndKeepsTheArticles() async throws {
        let servers = try Servers.load()
        // The site now signs its head in a format newer than this build reads.
        let reader = try await readerWithStoredArticles(servers, servers.config(db(), main: servers.future))
        let model = try ReaderModel(reader: reader)
        await model.refresh()
        let failure = try XCTUnwrap(model.failure)
        XCTAssertEqual(failure.key, "error_update", "the core's typed UpdateNeeded")
        XCTAssertTrue(failure.detail.contains("update the app"), failure.detail)
        XCTAssertEqual(try reader.counts().total, 2)
        try await waitUntil("the stored articles show") { model.items.map(\.id) == [seedId, helsinkiId] }
    }

    @MainActor
    func testOtherSyncFailuresShowAnErrorLine() async throws {
        let servers = try Servers.load()
        let reader = try Reader(config: servers.config(db(), main: servers.mirror))
        let model = try ReaderModel(reader: reader)
        try reader.wipe()  // every call now throws Closed
        await model.refresh()
        let failure = try XCTUnwrap(model.failure)
        XCTAssertEqual(failure.key, "error_other")
        XCTAssertTrue(failure.detail.contains("Closed"), failure.detail)
    }

    @MainActor
    func testTheCommentFormQueuesACommentAndShowsItsState() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let model = try ReaderModel(reader: reader)
        await model.refresh()
        model.open(seedId)
        XCTAssertEqual(model.ownComments, [])

        model.commentAuthor = "خواننده"
        model.commentBody = "نظر من"
        model.sendComment()
        XCTAssertNil(model.commentProblem)
        XCTAssertEqual(model.commentBody, "", "a queued comment empties the field")
        XCTAssertEqual(model.commentAuthor, "خواننده", "the name stays for the next comment")
        XCTAssertEqual(model.ownComments.map(\.body), ["نظر من"])
        XCTAssertEqual(model.ownComments.map(\.state), [.waiting])
        XCTAssertEqual(try reader.outbox().map(\.articleId), [seedId])

        // An empty field: the core refuses it, the form shows the seed page's error text.
        model.commentAuthor = " "
        model.commentBody = "نظر دوم"
        model.sendComment()
        XCTAssertEqual(model.commentProblem, .form)
        XCTAssertEqual(try Sample.strings("fa")[CommentProblem.form.key], "در پرکردن فرم خطایی صورت گرفته")
        XCTAssertEqual(model.commentBody, "نظر دوم", "a refused comment keeps its text")
        XCTAssertEqual(model.ownComments.count, 1)
        XCTAssertEqual(try reader.outbox().count, 1)

        model.commentAuthor = "خواننده"
        model.sendComment()
        XCTAssertNil(model.commentProblem)
        XCTAssertEqual(model.ownComments.map(\.body), ["نظر من", "نظر دوم"])

        // Own comments are per article; another article starts with an empty comment field.
        model.commentBody = "نیمه‌نوشته"
        model.open(helsinkiId)
        XCTAssertEqual(model.ownComments, [])
        XCTAssertEqual(model.commentBody, "")
    }

    /// How `composeComment`'s errors reach the form: any case but NotFound, Closed and Storage
    /// is a field error, so a case the core adds later (InvalidComment) shows the form's text.
    func testCommentErrorsMapToTheFormsTexts() {
        XCTAssertEqual(CommentProblem(ArticleSyncError.BadArgument(message: "bad argument `author`")), .form)
        XCTAssertEqual(CommentProblem(ArticleSyncError.Invalid(message: "comment")), .form)
        XCTAssertEqual(CommentProblem(ArticleSyncError.NotFound(message: "article x")), .articleGone)
        XCTAssertEqual(CommentProblem(ArticleSyncError.Closed(message: "closed")), .notSaved)
        XCTAssertEqual(CommentProblem(ArticleSyncError.Storage(message: "disk full")), .notSaved)
        XCTAssertNil(SyncFailure(ArticleSyncError.Cancelled(message: "cancelled")))
        XCTAssertNil(SyncFailure(ArticleSyncError.NoRoute(message: "no route")))
        XCTAssertEqual(SyncFailure(ArticleSyncError.Stale(message: "stale tree"))?.key, "error_other")
        XCTAssertEqual(SyncFailure(ArticleSyncError.ClockWrong(message: "clock"))?.key, "error_clock")
        XCTAssertEqual(SyncFailure(clockOffBy: 10 * 86_400)?.key, "error_clock")
        XCTAssertEqual(SyncFailure(clockOffBy: 10 * 86_400)?.detail, "240 h")
        XCTAssertNil(SyncFailure(clockOffBy: nil))
    }

    @MainActor
    func testACommentOnAWipedReaderIsNotSaved() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        let model = try ReaderModel(reader: reader)
        await model.refresh()
        model.open(seedId)
        try reader.wipe()
        model.commentAuthor = "خواننده"
        model.commentBody = "نظر"
        model.sendComment()
        XCTAssertEqual(model.commentProblem, .notSaved)
        XCTAssertEqual(model.commentBody, "نظر")
    }
}
