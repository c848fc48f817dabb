package org.articlesync

import java.io.File
import java.nio.file.Path
import javax.xml.parsers.DocumentBuilderFactory
import kotlinx.coroutines.runBlocking
import org.articlesync.sample.logic.ArticleListModel
import org.articlesync.sample.logic.BannerMessage
import org.articlesync.sample.logic.BannerPresenter
import org.articlesync.sample.logic.BannerTone
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The Android sample's plain-Kotlin logic and resources, checked against the core. */
class SampleLogicTest {
    @TempDir
    lateinit var tmp: Path

    private fun strings(folder: String): Map<String, String> {
        val res = System.getProperty("articleSync.androidRes") ?: error("articleSync.androidRes is not set")
        val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(File("$res/$folder/strings.xml"))
        val nodes = doc.getElementsByTagName("string")
        return (0 until nodes.length).associate {
            val node = nodes.item(it)
            node.attributes.getNamedItem("name").nodeValue to node.textContent
        }
    }

    @Test
    fun theBannerResourcesSayWhatTheCoreSays() {
        val english = strings("values")
        val persian = strings("values-fa")
        assertEquals(english.keys, persian.keys, "both languages have every string")
        for (state in BannerState.entries) {
            val keys = BannerPresenter.messages(state).map { "banner_" + it.name.lowercase() }
            val core = bannerText(state)
            assertEquals(core.english, keys.joinToString(". ") { english.getValue(it) }, "$state")
            assertEquals(core.persian, keys.joinToString(". ") { persian.getValue(it) }, "$state")
        }
        // Every message is used by some state.
        val used = BannerState.entries.flatMap { BannerPresenter.messages(it) }.toSet()
        assertEquals(BannerMessage.entries.toSet(), used)
    }

    @Test
    fun theBannerPresenterFollowsTheLiveState() {
        val reader = Reader(Servers.config(tmp.resolve("reader.db"), Servers.mainBlocked, listOf(Servers.mirror)))
        val before = BannerPresenter.present(reader.connectionState())
        assertEquals(listOf(BannerMessage.UNKNOWN), before.messages)
        assertEquals(BannerTone.NEUTRAL, before.tone)
        runBlocking { reader.sync() }
        val after = BannerPresenter.present(reader.connectionState())
        assertEquals(listOf(BannerMessage.MAIN_CENSORED, BannerMessage.MIRROR), after.messages)
        assertEquals(BannerTone.WARNING, after.tone)
        assertEquals(Servers.mirror, after.route)
        assertFalse(after.showRetry || after.fromLastRun)
    }

    @Test
    fun theListModelPagesThroughTheStore() {
        val reader = Reader(Servers.config(tmp.resolve("reader.db"), Servers.mainBlocked, listOf(Servers.mirror)))
        runBlocking { reader.sync() }
        val list = ArticleListModel(pageSize = 1u) { filter, cursor, limit -> reader.listArticles(filter, cursor, limit) }
        assertTrue(list.hasMore)
        list.reload()
        assertEquals(listOf(SEED_ID), list.items.map { it.id })
        assertTrue(list.loadMore())
        assertEquals(listOf(SEED_ID, HELSINKI_ID), list.items.map { it.id })
        assertFalse(list.hasMore)
        assertFalse(list.loadMore())

        reader.setBookmarked(HELSINKI_ID, true)
        list.update(reader.article(HELSINKI_ID)!!.summary)
        assertTrue(list.items.last().marks.bookmarkedAt != null)
        list.reload(ListFilter.Bookmarked)
        assertEquals(listOf(HELSINKI_ID), list.items.map { it.id })
    }
}
