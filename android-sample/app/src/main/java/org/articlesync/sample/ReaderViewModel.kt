package org.articlesync.sample

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.articlesync.Article
import org.articlesync.ArticleCounts
import org.articlesync.ArticleSummary
import org.articlesync.ArticleSyncException
import org.articlesync.ConnectionInfo
import org.articlesync.ConnectionListener
import org.articlesync.ListFilter
import org.articlesync.OutboxItem
import org.articlesync.ProgressListener
import org.articlesync.StoreListener
import org.articlesync.SyncPhase
import org.articlesync.SyncProgress
import org.articlesync.sample.logic.ArticleListModel
import org.articlesync.sample.logic.BannerPresenter
import org.articlesync.sample.logic.BannerUi
import org.articlesync.sample.logic.ReceiveModel
import org.articlesync.sample.logic.ReceiveUi
import org.articlesync.sample.logic.ShareModel
import org.articlesync.sample.logic.ShareUi

/** The screens: reading (banner, list, article), "Share" and "Receive". */
enum class Screen { READING, SHARE, RECEIVE }

/** Everything the screen shows. */
data class ViewState(
    val banner: BannerUi,
    val screen: Screen = Screen.READING,
    val filter: ListFilter = ListFilter.All,
    val items: List<ArticleSummary> = emptyList(),
    val hasMore: Boolean = false,
    val article: Article? = null,
    val syncing: Boolean = false,
    /** A sync error's message (English, for the log line under the banner). */
    val error: String? = null,
    /** The core found the device's clock wrong (the sync failed for it, or succeeded by the
     *  routes' time): the banner asks the reader to set the date and time. */
    val clockWrong: Boolean = false,
    /** The news site publishes in a newer format than this app reads: "update the app". */
    val updateNeeded: Boolean = false,
    /** The comment form under the open article. */
    val comment: CommentForm = CommentForm(),
    val share: ShareUi = ShareUi(),
    val receive: ReceiveUi = ReceiveUi(),
)

/** The comment form: its fields, whether the core refused them, and the reader's own comments. */
data class CommentForm(
    val author: String = "",
    val body: String = "",
    /** The core refused a field: the form shows the seed page's error text. */
    val fieldError: Boolean = false,
    /** This reader's comments on the open article, from the outbox (oldest first). */
    val mine: List<OutboxItem> = emptyList(),
)

/** Holds the view state; every decision is the core's or the plain-Kotlin logic's. */
class ReaderViewModel(
    app: Application,
) : AndroidViewModel(app) {
    private val reader = (app as SampleApp).reader
    private val sharing = ShareModel(reader, (app as SampleApp).publisherKey)
    private val receiving = ReceiveModel(reader)
    private val list = ArticleListModel { filter, cursor, limit -> reader.listArticles(filter, cursor, limit) }
    private val _state = MutableStateFlow(ViewState(BannerPresenter.present(reader.connectionState())))
    val state: StateFlow<ViewState> = _state
    private var syncJob: Job? = null

    // Listeners run on core threads; StateFlow updates are thread-safe, list reloads hop to Main.
    private val connection =
        reader.subscribeConnection(
            object : ConnectionListener {
                override fun onConnection(info: ConnectionInfo) {
                    _state.update { it.copy(banner = BannerPresenter.present(info)) }
                }
            },
        )
    private val changes =
        reader.subscribeChanges(
            object : StoreListener {
                override fun onStoreChanged(counts: ArticleCounts) {
                    viewModelScope.launch(Dispatchers.Main) { reloadList() }
                }
            },
        )
    private val progress =
        reader.subscribeProgress(
            object : ProgressListener {
                override fun onProgress(progress: SyncProgress) {
                    val running = progress.phase !in setOf(SyncPhase.IDLE, SyncPhase.DONE)
                    _state.update { it.copy(syncing = running) }
                }
            },
        )

    init {
        sync()
    }

    /** Starts a sync unless one runs; leaving the screen cancels it (and the Rust sync). */
    fun sync() {
        if (syncJob?.isActive == true) return
        syncJob =
            viewModelScope.launch {
                _state.update { it.copy(error = null, clockWrong = false, updateNeeded = false) }
                try {
                    val summary = reader.sync()
                    _state.update { it.copy(clockWrong = summary.clockOffBySeconds != null) }
                } catch (e: ArticleSyncException.Cancelled) {
                    // The user or the system stopped it.
                } catch (e: ArticleSyncException.UpdateNeeded) {
                    _state.update { it.copy(error = e.message, updateNeeded = true) }
                } catch (e: ArticleSyncException.ClockWrong) {
                    _state.update { it.copy(error = e.message, clockWrong = true) }
                } catch (e: ArticleSyncException) {
                    _state.update { it.copy(error = e.message) }
                }
            }
    }

    fun cancelSync() = reader.cancelSync()

    fun show(screen: Screen) =
        _state.update { it.copy(screen = screen, share = sharing.refresh(), receive = receiving.ui) }

    fun editSharePort(text: String) {
        sharing.editPort(text)
        _state.update { it.copy(share = sharing.ui) }
    }

    /** Starts sharing the copy on the port of the field; the screen shows the URL or why not. */
    fun startSharing() {
        viewModelScope.launch {
            val ui = sharing.start()
            _state.update { it.copy(share = ui) }
        }
    }

    fun stopSharing() = _state.update { it.copy(share = sharing.stop()) }

    fun editReceiveUrl(text: String) {
        receiving.edit(text)
        _state.update { it.copy(receive = receiving.ui) }
    }

    /** Adds the field's URL as a mirror and syncs: the banner and the list show the outcome. */
    fun receive() {
        val added = receiving.add()
        _state.update { it.copy(receive = receiving.ui) }
        if (added == null) return
        // A sync that runs raced the routes known before: run one that races this mirror too.
        viewModelScope.launch {
            syncJob?.let {
                reader.cancelSync()
                it.join()
            }
            sync()
        }
    }

    fun showFilter(filter: ListFilter) {
        list.reload(filter)
        publishList()
    }

    fun loadMore() {
        list.loadMore()
        publishList()
    }

    fun open(id: String) {
        reader.setRead(id, true)
        val article = reader.article(id)
        _state.update { it.copy(article = article, comment = it.comment.copy(fieldError = false, mine = mine(id))) }
    }

    fun close() = _state.update { it.copy(article = null) }

    fun editCommentAuthor(author: String) = _state.update { it.copy(comment = it.comment.copy(author = author)) }

    fun editCommentBody(body: String) = _state.update { it.copy(comment = it.comment.copy(body = body)) }

    /** Queues the form's comment on the open article in the core's outbox. */
    fun sendComment() {
        val s = _state.value
        val id = s.article?.summary?.id ?: return
        try {
            reader.composeComment(id, s.comment.author, s.comment.body)
            _state.update { it.copy(comment = it.comment.copy(body = "", fieldError = false, mine = mine(id))) }
        } catch (e: ArticleSyncException) {
            when (e) {
                // Not the reader's typing: the article went, or the store did.
                is ArticleSyncException.NotFound, is ArticleSyncException.Closed, is ArticleSyncException.Storage ->
                    _state.update { it.copy(error = e.message) }
                // Every other refusal is about a field (today BadArgument).
                else -> _state.update { it.copy(comment = it.comment.copy(fieldError = true)) }
            }
        }
    }

    private fun mine(articleId: String): List<OutboxItem> = reader.outbox().filter { it.articleId == articleId }

    fun toggleBookmark(summary: ArticleSummary) {
        reader.setBookmarked(summary.id, summary.marks.bookmarkedAt == null)
        val fresh = reader.article(summary.id) ?: return
        list.update(fresh.summary)
        _state.update { s -> s.copy(article = s.article?.let { fresh }, items = list.items) }
    }

    /**
     * After any store change: the list, and the open article read again (a sync may have brought
     * its body, opened while only its headline was stored) with its own comments (a sync moves them).
     */
    private fun reloadList() {
        list.reload()
        publishList()
        val open =
            _state.value.article
                ?.summary
                ?.id ?: return
        val fresh = reader.article(open)
        val mine = mine(open)
        _state.update { s ->
            if (s.article?.summary?.id != open) {
                s
            } else {
                s.copy(article = fresh ?: s.article, comment = s.comment.copy(mine = mine))
            }
        }
    }

    private fun publishList() =
        _state.update { it.copy(filter = list.filter, items = list.items, hasMore = list.hasMore) }

    override fun onCleared() {
        sharing.stop()
        connection.close()
        changes.close()
        progress.close()
    }
}
