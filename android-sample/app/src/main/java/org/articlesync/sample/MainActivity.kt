package org.articlesync.sample

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalLayoutDirection
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.LayoutDirection
import androidx.compose.ui.unit.dp
import androidx.core.text.HtmlCompat
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.articlesync.Article
import org.articlesync.ArticleSummary
import org.articlesync.ListFilter
import org.articlesync.OutboxState
import org.articlesync.sample.logic.BannerMessage
import org.articlesync.sample.logic.BannerTone

/** Banner, then reading (filter chips, list, open article), "Share" or "Receive". Renders [ViewState] only. */
class MainActivity : ComponentActivity() {
    private val model: ReaderViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            MaterialTheme {
                val state by model.state.collectAsStateWithLifecycle()
                ReaderScreen(state, model)
            }
        }
    }
}

@Composable
fun ReaderScreen(
    state: ViewState,
    model: ReaderViewModel,
) {
    Column(Modifier.fillMaxSize()) {
        Banner(state, onRetry = model::sync)
        val article = state.article
        if (state.screen == Screen.SHARE) {
            BackHandler { model.show(Screen.READING) }
            ShareScreen(state.share, model::editSharePort, model::startSharing, model::stopSharing) {
                model.show(Screen.READING)
            }
        } else if (state.screen == Screen.RECEIVE) {
            BackHandler { model.show(Screen.READING) }
            ReceiveScreen(state.receive, model::editReceiveUrl, model::receive) { model.show(Screen.READING) }
        } else if (article != null) {
            BackHandler(onBack = model::close)
            ArticleView(article, onBookmark = { model.toggleBookmark(article.summary) }, onBack = model::close) {
                CommentFormView(state.comment, model::editCommentAuthor, model::editCommentBody, model::sendComment)
            }
        } else {
            Row {
                TextButton(onClick = { model.show(Screen.SHARE) }) { Text(stringResource(R.string.share)) }
                TextButton(onClick = { model.show(Screen.RECEIVE) }) { Text(stringResource(R.string.receive)) }
            }
            Filters(state.filter, model::showFilter)
            ArticleList(state.items, state.hasMore, onOpen = model::open, onMore = model::loadMore)
        }
    }
}

private fun BannerMessage.resource(): Int =
    when (this) {
        BannerMessage.UNKNOWN -> R.string.banner_unknown
        BannerMessage.UNCENSORED -> R.string.banner_uncensored
        BannerMessage.CANNOT_CONNECT -> R.string.banner_cannot_connect
        BannerMessage.MAIN_CENSORED -> R.string.banner_main_censored
        BannerMessage.MIRROR -> R.string.banner_mirror
        BannerMessage.OFFLINE -> R.string.banner_offline
        BannerMessage.SHUTDOWN -> R.string.banner_shutdown
    }

private fun BannerTone.color(): Color =
    when (this) {
        BannerTone.NEUTRAL -> Color(0xFFE0E0E0)
        BannerTone.GOOD -> Color(0xFFC8E6C9)
        BannerTone.WARNING -> Color(0xFFFFE0B2)
        BannerTone.BAD -> Color(0xFFFFCDD2)
    }

/** The banner state's text, "copy of DATE, not live", the clock and update texts, the error line. */
@Composable
fun Banner(
    state: ViewState,
    onRetry: () -> Unit,
) {
    val banner = state.banner
    Column(Modifier.fillMaxWidth().background(banner.tone.color()).padding(12.dp)) {
        val text = banner.messages.map { stringResource(it.resource()) }.joinToString(". ")
        val suffix = if (banner.fromLastRun) " " + stringResource(R.string.banner_last_run) else ""
        Text(text + suffix, style = MaterialTheme.typography.bodyLarge)
        banner.copyOf?.let {
            Text(
                stringResource(R.string.copy_of, day(it)),
                style = MaterialTheme.typography.bodyMedium,
            )
        }
        if (state.clockWrong) Text(stringResource(R.string.error_clock), style = MaterialTheme.typography.bodyMedium)
        if (state.updateNeeded) Text(stringResource(R.string.error_update), style = MaterialTheme.typography.bodyMedium)
        state.error?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        if (banner.showRetry && !state.syncing) {
            TextButton(onClick = onRetry) { Text(stringResource(R.string.retry)) }
        }
    }
}

@Composable
fun Filters(
    current: ListFilter,
    onSelect: (ListFilter) -> Unit,
) {
    Row(Modifier.padding(horizontal = 8.dp)) {
        for ((filter, label) in listOf(
            ListFilter.All to R.string.tab_all,
            ListFilter.Unread to R.string.tab_unread,
            ListFilter.Bookmarked to R.string.tab_bookmarked,
        )) {
            FilterChip(
                selected = current == filter,
                onClick = { onSelect(filter) },
                label = { Text(stringResource(label)) },
                modifier = Modifier.padding(4.dp),
            )
        }
    }
}

/** Persian articles read right to left whatever the UI language. */
@Composable
fun InArticleDirection(
    language: String,
    content: @Composable () -> Unit,
) {
    val rtl = language.startsWith("fa") || language.startsWith("ar")
    CompositionLocalProvider(
        LocalLayoutDirection provides if (rtl) LayoutDirection.Rtl else LayoutDirection.Ltr,
        content = content,
    )
}

@Composable
fun ArticleList(
    items: List<ArticleSummary>,
    hasMore: Boolean,
    onOpen: (String) -> Unit,
    onMore: () -> Unit,
) {
    LazyColumn(Modifier.fillMaxSize()) {
        items(items, key = { it.id }) { summary ->
            InArticleDirection(summary.language) {
                Column(Modifier.fillMaxWidth().clickable { onOpen(summary.id) }.padding(12.dp)) {
                    Text(summary.title, style = MaterialTheme.typography.titleMedium)
                    Text(summary.summary, style = MaterialTheme.typography.bodyMedium, maxLines = 2)
                }
            }
        }
        if (hasMore) {
            item { TextButton(onClick = onMore) { Text(stringResource(R.string.load_more)) } }
        }
    }
}

@Composable
fun ArticleView(
    article: Article,
    onBookmark: () -> Unit,
    onBack: () -> Unit,
    below: @Composable () -> Unit,
) {
    val summary = article.summary
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(12.dp)) {
        Row {
            TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
            TextButton(onClick = onBookmark) {
                val label = if (summary.marks.bookmarkedAt == null) R.string.bookmark else R.string.remove_bookmark
                Text(stringResource(label))
            }
        }
        InArticleDirection(summary.language) {
            Column {
                Text(summary.title, style = MaterialTheme.typography.headlineSmall)
                // The body is sanitised HTML; a real app renders it with images from fetchImage.
                // (Without the object-replacement character fromHtml leaves where an image was.)
                val body =
                    HtmlCompat
                        .fromHtml(article.bodyHtml, HtmlCompat.FROM_HTML_MODE_COMPACT)
                        .toString()
                        .replace("\uFFFC", "")
                Text(body, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(vertical = 8.dp))
                if (article.comments.isNotEmpty()) {
                    Text(stringResource(R.string.comments), style = MaterialTheme.typography.titleMedium)
                    for (comment in article.comments) {
                        Text("${comment.author}: ${comment.body}", modifier = Modifier.padding(vertical = 4.dp))
                    }
                }
                if (article.related.isNotEmpty()) {
                    Text(stringResource(R.string.related), style = MaterialTheme.typography.titleMedium)
                    for (related in article.related) Text(related.title)
                }
            }
        }
        below()
    }
}

private fun OutboxState.resource(): Int =
    when (this) {
        OutboxState.WAITING -> R.string.comment_waiting
        OutboxState.SENT -> R.string.comment_sent
        OutboxState.PUBLISHED -> R.string.comment_published
        OutboxState.REJECTED -> R.string.comment_rejected
    }

/** "Leave a comment": name, comment, send; then the state of the reader's own comments. */
@Composable
fun CommentFormView(
    form: CommentForm,
    onAuthor: (String) -> Unit,
    onBody: (String) -> Unit,
    onSend: () -> Unit,
) {
    Column(Modifier.fillMaxWidth().padding(vertical = 8.dp)) {
        Text(stringResource(R.string.comment_title), style = MaterialTheme.typography.titleMedium)
        OutlinedTextField(form.author, onAuthor, label = { Text(stringResource(R.string.comment_author)) })
        OutlinedTextField(form.body, onBody, label = { Text(stringResource(R.string.comment_body)) })
        if (form.fieldError) {
            Text(stringResource(R.string.comment_error), color = MaterialTheme.colorScheme.error)
        }
        Button(
            onClick = onSend,
            modifier = Modifier.padding(vertical = 4.dp),
        ) { Text(stringResource(R.string.comment_send)) }
        for (item in form.mine) {
            val state = stringResource(item.state.resource())
            val reason = item.reason?.let { ": $it" } ?: ""
            Text("${item.author}: ${item.body} ($state$reason)")
        }
    }
}
