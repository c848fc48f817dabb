// One list screen's state: the filter, the items loaded so far and the next page's cursor.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync

/// Pages through a list with the reader's cursors. `load` is `Reader.listArticles` (a fast
/// store read). Not thread-safe: use it from one actor (the main actor in the app).
public final class ArticleListModel {
    public typealias Load = (_ filter: ListFilter, _ cursor: String?, _ limit: UInt32) throws -> ArticlePage

    public private(set) var filter: ListFilter = .all
    public private(set) var items: [ArticleSummary] = []
    private var next: String?
    private var loaded = false
    private let pageSize: UInt32
    private let load: Load

    public init(pageSize: UInt32 = 20, load: @escaping Load) {
        self.pageSize = pageSize
        self.load = load
    }

    /// Whether `loadMore` could add items.
    public var hasMore: Bool { !loaded || next != nil }

    /// Loads the first page of `filter` again (after a sync, a bookmark, a new filter).
    public func reload(filter: ListFilter? = nil) throws {
        if let filter { self.filter = filter }
        let page = try load(self.filter, nil, pageSize)
        items = page.items
        next = page.nextCursor
        loaded = true
    }

    /// Appends the next page; returns false when there was none.
    @discardableResult
    public func loadMore() throws -> Bool {
        guard loaded else {
            try reload()
            return !items.isEmpty
        }
        guard let cursor = next else { return false }
        let page = try load(filter, cursor, pageSize)
        items += page.items
        next = page.nextCursor
        return !page.items.isEmpty
    }

    /// Replaces one item (after a bookmark or a read mark) without reloading the list.
    public func update(_ item: ArticleSummary) {
        items = items.map { $0.id == item.id ? item : $0 }
    }
}
