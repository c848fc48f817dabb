import ArticleSync
import Foundation
import Observation

/// The view state of the one screen, over the core's `Reader`. Listeners run on core threads
/// and hop to the main actor; every decision is the core's or the plain-Swift logic's
/// (`BannerPresenter`, `ArticleListModel`).
@MainActor
@Observable
final class ReaderModel {
    let reader: Reader
    private(set) var banner: BannerUi
    private(set) var items: [ArticleSummary] = []
    private(set) var hasMore = false
    private(set) var filter: ListFilter = .all
    private(set) var article: Article?
    private(set) var syncing = false
    private(set) var error: String?

    @ObservationIgnored private let list: ArticleListModel
    @ObservationIgnored private var subscriptions: [ArticleSync.Subscription] = []
    @ObservationIgnored private var syncTask: Task<Void, Never>?

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
            Task { @MainActor in self?.reloadList() }
        }))
    }

    /// Starts a sync unless one runs. Cancelling the task forwards to `cancelSync()`: Swift's
    /// task cancellation does not reach Rust by itself.
    func sync() {
        guard syncTask == nil else { return }
        let reader = self.reader
        syncing = true
        error = nil
        syncTask = Task {
            do {
                _ = try await withTaskCancellationHandler {
                    try await reader.sync()
                } onCancel: {
                    reader.cancelSync()
                }
            } catch ArticleSyncError.Cancelled {
                // Stopped by the user or the system; what was applied stays.
            } catch {
                self.error = "\(error)"
            }
            self.syncing = false
            self.syncTask = nil
        }
    }

    func cancelSync() { syncTask?.cancel() }

    func show(_ filter: ListFilter) {
        try? list.reload(filter: filter)
        publishList()
    }

    func loadMore() {
        _ = try? list.loadMore()
        publishList()
    }

    func open(_ id: String) {
        try? reader.setRead(articleId: id, read: true)
        article = try? reader.article(id: id)
    }

    func close() { article = nil }

    func toggleBookmark(_ summary: ArticleSummary) {
        try? reader.setBookmarked(articleId: summary.id, bookmarked: summary.marks.bookmarkedAt == nil)
        guard let fresh = try? reader.article(id: summary.id) else { return }
        list.update(fresh.summary)
        if article != nil { article = fresh }
        publishList()
    }

    private func reloadList() {
        try? list.reload()
        publishList()
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
