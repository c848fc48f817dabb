// The view state of the app's one screen.
// Plain Swift (Foundation, Observation): compiled and tested on Linux by tests/swift
// (scripts/test-bindings.sh).
import ArticleSync
import Foundation
import Observation

/// The view state of the app's one screen over the core's `Reader`: the banner, the list, the
/// open article and its comment form. Views render it and call its methods; decisions are the
/// core's or this folder's (`BannerPresenter`, `ArticleListModel`, `SyncFailure`,
/// `CommentProblem`). The core's listeners run on core threads and hop to the main actor.
@MainActor
@Observable
final class ReaderModel {
    let reader: Reader
    /// The connection banner: the core's state now, then every change.
    private(set) var banner: BannerUi
    /// The list loaded so far; back to its first page after every change in the store.
    private(set) var items: [ArticleSummary] = []
    private(set) var hasMore = false
    private(set) var filter: ListFilter = .all
    /// The open article, read again after every change in the store; nil when none is open.
    private(set) var article: Article?
    /// Why the last sync failed when the banner does not say it; nil otherwise.
    private(set) var failure: SyncFailure?
    /// A sync started by this model runs.
    var syncing: Bool { runningSyncs > 0 }

    /// The comment form's name field.
    var commentAuthor = ""
    /// The comment form's comment field.
    var commentBody = ""
    /// Why the last send did not queue the comment; nil after a queued one.
    private(set) var commentProblem: CommentProblem?
    /// The reader's own comments on the open article, oldest first, with their outbox state.
    private(set) var ownComments: [OutboxItem] = []

    private var runningSyncs = 0
    @ObservationIgnored private let list: ArticleListModel
    @ObservationIgnored private var subscriptions: [ArticleSync.Subscription] = []
    @ObservationIgnored private var syncTask: Task<Void, Never>?

    /// Subscribes to `reader`'s banner and store: the stored list shows without a sync.
    init(reader: Reader) throws {
        self.reader = reader
        self.banner = BannerPresenter.present(try reader.connectionState())
        self.list = ArticleListModel { filter, cursor, limit in
            try reader.listArticles(filter: filter, cursor: cursor, limit: limit)
        }
        subscriptions.append(try reader.subscribeConnection(listener: Listener { [weak self] info in
            Task { @MainActor in self?.banner = BannerPresenter.present(info) }
        }))
        subscriptions.append(try reader.subscribeChanges(listener: ChangeListener { [weak self] _ in
            Task { @MainActor in self?.storeChanged() }
        }))
    }

    // MARK: sync

    /// Starts a sync in a task of its own unless one started this way runs (app start, the
    /// retry button). `cancelSync()` stops it.
    func sync() {
        guard syncTask == nil else { return }
        syncTask = Task {
            await refresh()
            syncTask = nil
        }
    }

    /// Syncs and returns when the sync has ended. Cancelling the calling task cancels the
    /// core's sync (Swift's cancellation does not reach Rust by itself: see
    /// `Reader.cancellableSync()`); what it applied stays. Sets `failure`.
    func refresh() async {
        runningSyncs += 1
        defer { runningSyncs -= 1 }
        failure = nil
        do {
            let summary = try await reader.cancellableSync()
            failure = SyncFailure(clockOffBy: summary.clockOffBySeconds)
        } catch {
            failure = SyncFailure(error)
        }
    }

    /// Stops the sync `sync()` started.
    func cancelSync() { syncTask?.cancel() }

    // MARK: list and article

    func show(_ filter: ListFilter) {
        try? list.reload(filter: filter)
        publishList()
    }

    func loadMore() {
        _ = try? list.loadMore()
        publishList()
    }

    /// Opens an article: marks it read and shows it with the reader's own comments on it.
    /// Another article than the open one starts with an empty comment field.
    func open(_ id: String) {
        if article?.summary.id != id {
            commentBody = ""
            commentProblem = nil
        }
        try? reader.setRead(articleId: id, read: true)
        article = try? reader.article(id: id)
        loadOwnComments()
    }

    func close() { article = nil }

    func toggleBookmark(_ summary: ArticleSummary) {
        try? reader.setBookmarked(articleId: summary.id, bookmarked: summary.marks.bookmarkedAt == nil)
        guard let fresh = try? reader.article(id: summary.id) else { return }
        list.update(fresh.summary)
        if article?.summary.id == fresh.summary.id { article = fresh }
        publishList()
    }

    // MARK: comment form

    /// Queues the form's comment on the open article in the core's outbox. Queued: the comment
    /// field empties and the comment shows in `ownComments`. Refused: `commentProblem` says
    /// why and both fields keep their text.
    func sendComment() {
        guard let id = article?.summary.id else { return }
        do {
            _ = try reader.composeComment(articleId: id, author: commentAuthor, body: commentBody)
            commentBody = ""
            commentProblem = nil
        } catch {
            commentProblem = CommentProblem(error)
        }
        loadOwnComments()
    }

    // MARK: store changes

    private func storeChanged() {
        try? list.reload()
        publishList()
        if let id = article?.summary.id {
            article = try? reader.article(id: id)
            loadOwnComments()
        }
    }

    private func loadOwnComments() {
        guard let id = article?.summary.id else {
            ownComments = []
            return
        }
        ownComments = ((try? reader.outbox()) ?? []).filter { $0.articleId == id }
    }

    private func publishList() {
        items = list.items
        hasMore = list.hasMore
        filter = list.filter
    }
}

/// Adapts closures to the core's listener protocols.
final class Listener: ConnectionListener, @unchecked Sendable {
    let onChange: @Sendable (ConnectionInfo) -> Void
    init(_ onChange: @escaping @Sendable (ConnectionInfo) -> Void) { self.onChange = onChange }
    func onConnection(info: ConnectionInfo) { onChange(info) }
}

final class ChangeListener: StoreListener, @unchecked Sendable {
    let onChange: @Sendable (ArticleCounts) -> Void
    init(_ onChange: @escaping @Sendable (ArticleCounts) -> Void) { self.onChange = onChange }
    func onStoreChanged(counts: ArticleCounts) { onChange(counts) }
}
