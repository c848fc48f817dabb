package org.articlesync.sample.logic

import org.articlesync.ArticlePage
import org.articlesync.ArticleSummary
import org.articlesync.ListFilter

/**
 * One list screen's state: the filter, the items loaded so far and the cursor of the next
 * page. `load` is `Reader::listArticles` (a fast store read). Not thread-safe: use it from one
 * thread (the view model's). Plain Kotlin: tested on the JVM against a real store.
 */
class ArticleListModel(
    private val pageSize: UInt = 20u,
    private val load: (filter: ListFilter, cursor: String?, limit: UInt) -> ArticlePage,
) {
    var filter: ListFilter = ListFilter.All
        private set
    var items: List<ArticleSummary> = emptyList()
        private set
    private var next: String? = null
    private var loaded = false

    /** Whether [loadMore] could add items. */
    val hasMore: Boolean get() = !loaded || next != null

    /** Loads the first page of [filter] again (after a sync, a bookmark, a new filter). */
    fun reload(filter: ListFilter = this.filter) {
        this.filter = filter
        val page = load(filter, null, pageSize)
        items = page.items
        next = page.nextCursor
        loaded = true
    }

    /** Appends the next page; returns false when there was none. */
    fun loadMore(): Boolean {
        if (!loaded) {
            reload()
            return items.isNotEmpty()
        }
        val cursor = next ?: return false
        val page = load(filter, cursor, pageSize)
        items = items + page.items
        next = page.nextCursor
        return page.items.isNotEmpty()
    }

    /** Replaces one item (after a bookmark or a read mark) without reloading the list. */
    fun update(item: ArticleSummary) {
        items = items.map { if (it.id == item.id) item else it }
    }
}
