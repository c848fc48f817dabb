package org.articlesync

import java.io.File
import java.nio.file.Path
import javax.xml.parsers.DocumentBuilderFactory
import kotlinx.coroutines.runBlocking
import org.articlesync.sample.logic.ArticleListModel
import org.articlesync.sample.logic.BannerMessage
import org.articlesync.sample.logic.BannerPresenter
import org.articlesync.sample.logic.BannerTone
import org.articlesync.sample.logic.ReceiveFailure
import org.articlesync.sample.logic.ReceiveModel
import org.articlesync.sample.logic.ShareFailure
import org.articlesync.sample.logic.ShareModel
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
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

    @Test
    fun theBannerCarriesTheCopysDateOnlyWhenTheHeadExpired() {
        val reader = Reader(Servers.config(tmp.resolve("reader.db"), Servers.mainBlocked, listOf(Servers.mirror)))
        runBlocking { reader.sync() }
        val live = reader.connectionState()
        assertNull(BannerPresenter.present(live).copyOf, "a live head is no copy")
        val issued = reader.copyIssuedAt()!!
        assertEquals(issued, BannerPresenter.present(live.copy(copyOf = issued)).copyOf)
    }

    private fun get(url: String): Pair<Int, String> {
        val answer =
            java.net.http.HttpClient
                .newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString(),
                )
        return answer.statusCode() to answer.body()
    }

    @Test
    fun theShareModelServesTheCopyAndSaysWhyItCannot() {
        val a = Reader(Servers.config(tmp.resolve("a.db"), Servers.mainBlocked, listOf(Servers.mirror)))
        val share = ShareModel(a, Servers.key)
        assertEquals(keyFingerprint(Servers.key), share.ui.fingerprint)
        assertNull(share.ui.copyIssuedAt)
        runBlocking { share.start() }
        assertEquals(ShareFailure.NOTHING_TO_SHARE, share.ui.failure, "nothing synced yet")
        assertNull(share.ui.url)

        share.editPort("0")
        runBlocking { share.start() }
        assertEquals(ShareFailure.BAD_PORT, share.ui.failure)

        runBlocking { a.sync() }
        // A free port: bind one, note it, free it.
        val port = java.net.ServerSocket(0).use { it.localPort }
        share.editPort(port.toString())
        val ui = runBlocking { share.start() }
        val url = ui.url!!
        try {
            assertNull(ui.failure)
            assertTrue(url.startsWith("http://") && url.endsWith(":$port/"), url)
            assertEquals(qrModules(url), ui.qr)
            assertEquals(a.copyIssuedAt(), ui.copyIssuedAt)
            assertNotNull(ui.copyIssuedAt)
            // The landing page shows what the screen shows.
            val (status, page) = get(url)
            assertEquals(200, status)
            assertTrue(ui.fingerprint in page, "fingerprint on the landing page")
            assertTrue(formatDate(ui.copyIssuedAt!!, 0, "en-GB", DateStyle.DAY_MONTH_YEAR) in page)

            // A second reader sharing on the same port: the port is taken.
            val b = Reader(Servers.config(tmp.resolve("b.db"), Servers.mainBlocked, listOf(Servers.mirror)))
            runBlocking { b.sync() }
            val other = ShareModel(b, Servers.key)
            other.editPort(port.toString())
            runBlocking { other.start() }
            assertEquals(ShareFailure.PORT_UNAVAILABLE, other.ui.failure)
            assertNull(other.ui.url)
        } finally {
            share.stop()
        }
        assertNull(share.ui.url)
        // Stopped: the listener closes on the core's runtime, soon.
        val deadline = System.currentTimeMillis() + 5_000
        while (runCatching { get(url) }.isSuccess && System.currentTimeMillis() < deadline) Thread.sleep(20)
        assertThrows(java.io.IOException::class.java) { get(url) }
    }

    @Test
    fun theReceiveModelAddsASharedUrlAsAMirrorAndRefusesOtherText() {
        val a = Reader(Servers.config(tmp.resolve("a.db"), Servers.mainBlocked, listOf(Servers.mirror)))
        runBlocking { a.sync() }
        val url = runBlocking { a.startSharing(0u) }
        try {
            val c = Reader(Servers.config(tmp.resolve("c.db"), Servers.closed))
            val receive = ReceiveModel(c)
            assertNull(receive.add())
            assertEquals(ReceiveFailure.EMPTY, receive.ui.failure)
            receive.edit("not a url")
            assertNull(receive.add())
            assertEquals(ReceiveFailure.NOT_A_URL, receive.ui.failure)
            assertNotNull(receive.ui.detail)

            receive.edit("  $url\n") // pasted with blanks around it
            assertEquals(url, receive.add())
            assertNull(receive.ui.failure)
            assertEquals(url, receive.ui.added)
            val summary = runBlocking { c.sync() }
            assertEquals(url, summary.route)
            assertEquals(a.counts().total, c.counts().total)
            assertNotEquals(0uL, c.counts().total)
        } finally {
            a.stopSharing()
        }
    }
}
