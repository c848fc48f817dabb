package org.articlesync

import java.io.File
import java.nio.file.Path
import java.security.MessageDigest
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.articlesync.readme.readmeExample
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

const val SEED_ID = "russia-ready-military-cooperation-syria"
const val HELSINKI_ID = "helsinki-summit"

/** The loopback servers scripts/test-bindings.sh starts (ARTICLE_SYNC_TEST_* variables). */
object Servers {
    private fun env(name: String): String =
        System.getenv("ARTICLE_SYNC_TEST_$name")
            ?: fail("ARTICLE_SYNC_TEST_$name is not set: run scripts/test-bindings.sh")

    val key get() = env("KEY")
    val caPem get() = File(env("CA")).readText()
    val mainBlocked get() = env("MAIN_BLOCKED")
    val mirror get() = env("MIRROR")
    val blackholeA get() = env("BLACKHOLE_A")
    val blackholeB get() = env("BLACKHOLE_B")
    val closed get() = env("CLOSED")
    val relay get() = env("RELAY")

    /** The same tree, its head re-signed in a tree format newer than this build reads. */
    val future get() = env("FUTURE")

    /** Approves every comment the test inbox received and publishes (the publisher's side). */
    fun publishComments() {
        val request =
            java.net.http.HttpRequest
                .newBuilder(java.net.URI(env("PUBLISH_COMMENTS")))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build()
        val answer =
            java.net.http.HttpClient
                .newHttpClient()
                .send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
        assertEquals(200, answer.statusCode(), "publishing the comments failed")
    }

    fun config(db: Path, main: String, mirrors: List<String> = emptyList(), slowMs: UInt = 3000u) =
        ReaderConfig(
            databasePath = db.toString(),
            publisherKeys = listOf(key),
            mainUrl = main,
            mirrors = mirrors,
            extraCaPem = caPem,
            connectTimeoutMs = slowMs,
            readTimeoutMs = slowMs,
            staggerMs = 200u,
        )
}

/** Records listener calls made on core threads. */
class Recorded<T> {
    val items = CopyOnWriteArrayList<T>()

    fun waitFor(timeoutMs: Long = 10_000, predicate: (T) -> Boolean) {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (System.currentTimeMillis() < deadline) {
            if (items.any(predicate)) return
            Thread.sleep(20)
        }
        fail<Unit>("timed out; recorded $items")
    }
}

/** The Reader API from Kotlin, against `article-sync serve` on loopback. */
class ReaderTest {
    @TempDir
    lateinit var tmp: Path

    private fun ids(page: ArticlePage) = page.items.map { it.id }

    @Test
    fun syncFromABlockedMainSiteViaAMirrorThenReadOffline() {
        val db = tmp.resolve("reader/reader.db")
        val reader = Reader(Servers.config(db, Servers.mainBlocked, listOf(Servers.mirror)))
        assertEquals(BannerState.UNKNOWN, reader.connectionState().state)

        val states = Recorded<ConnectionInfo>()
        val seenCounts = Recorded<ArticleCounts>()
        val connectionSub =
            reader.subscribeConnection(
                object : ConnectionListener {
                    override fun onConnection(info: ConnectionInfo) {
                        states.items.add(info)
                    }
                },
            )
        val storeSub =
            reader.subscribeChanges(
                object : StoreListener {
                    override fun onStoreChanged(counts: ArticleCounts) {
                        seenCounts.items.add(counts)
                    }
                },
            )
        states.waitFor { it.state == BannerState.UNKNOWN }
        seenCounts.waitFor { it.total == 0uL }

        val summary = runBlocking { reader.sync() }
        assertEquals(Servers.mirror, summary.route)
        assertTrue(summary.usedSnapshot && summary.changed)

        states.waitFor { it.state == BannerState.MAIN_BLOCKED_VIA_MIRROR }
        seenCounts.waitFor { it.total == 2uL }
        val now = reader.connectionState()
        assertEquals(BannerState.MAIN_BLOCKED_VIA_MIRROR, now.state)
        assertTrue(now.live)
        assertEquals(Servers.mirror, now.route)
        assertTrue(now.banner.persian.contains("سانسور"), now.banner.persian)
        val main = now.attempts.first { it.url == Servers.mainBlocked }
        assertEquals(FailureKind.RESET, main.failure)
        connectionSub.cancel()
        assertFalse(connectionSub.isActive())

        val first = reader.listArticles(ListFilter.All, null, 1u)
        assertEquals(listOf(SEED_ID), ids(first))
        val second = reader.listArticles(ListFilter.All, first.nextCursor, 1u)
        assertEquals(listOf(HELSINKI_ID), ids(second))
        assertNull(second.nextCursor)
        assertEquals(listOf(SEED_ID), ids(reader.listArticles(ListFilter.Tag("سوریه"), null, 10u)))
        assertThrows<ArticleSyncException.BadArgument> { reader.listArticles(ListFilter.All, "garbage", 1u) }

        val article = reader.article(SEED_ID)!!
        assertTrue(article.bodyHtml.contains("توافق هلسینکی"))
        assertEquals("کارو", article.comments.first().author)
        assertEquals(listOf(HELSINKI_ID), article.related.map { it.id })
        assertNull(reader.article("no-such-article"))

        for (query in listOf("گفت\u200cوگو", "گفتوگو")) {
            val hits = reader.search(query, 10u)
            assertEquals(setOf(HELSINKI_ID, SEED_ID), hits.map { it.article.id }.toSet(), query)
            for (hit in hits) {
                val matched = hit.snippet.filter { it.matched }.map { it.text }
                assertTrue(matched.isNotEmpty() && matched.all { it.contains("گفت") }, "$matched")
            }
        }
        assertTrue(reader.search("سلام", 10u).isEmpty())

        reader.setBookmarked(SEED_ID, true)
        assertEquals(listOf(SEED_ID), ids(reader.listArticles(ListFilter.Bookmarked, null, 10u)))
        reader.setRead(SEED_ID, true)
        assertEquals(listOf(HELSINKI_ID), ids(reader.listArticles(ListFilter.Unread, null, 10u)))
        reader.setReadingPosition(SEED_ID, 0.25)
        assertEquals(0.25, reader.article(SEED_ID)!!.summary.marks.position)
        assertThrows<ArticleSyncException.BadArgument> { reader.setReadingPosition(SEED_ID, -1.0) }
        seenCounts.waitFor { it.bookmarked == 1uL && it.unread == 1uL }

        val lead = article.summary.leadImage!!
        val bytes = runBlocking { reader.fetchImage(SEED_ID, lead.hash) }
        val hex = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
        assertEquals(lead.hash, hex)

        val queued = reader.composeComment(SEED_ID, "خواننده", "نظر من")
        assertEquals(OutboxState.WAITING, queued.state)
        assertEquals(listOf("نظر من"), reader.outbox().map { it.body })
        assertTrue(reader.storageUsage().mediaBytes >= lead.size)

        storeSub.close()
        reader.wipe()
        assertFalse(db.toFile().exists())
        assertThrows<ArticleSyncException.Closed> { reader.counts() }
        assertThrows<ArticleSyncException.Closed> { runBlocking { reader.sync() } }
        reader.close()
    }

    private fun blackholeReader(seen: Recorded<SyncProgress>): Pair<Reader, Subscription> {
        val reader =
            Reader(
                Servers.config(
                    tmp.resolve("reader.db"),
                    Servers.blackholeA,
                    listOf(Servers.blackholeB),
                    slowMs = 60_000u,
                ),
            )
        val sub =
            reader.subscribeProgress(
                object : ProgressListener {
                    override fun onProgress(progress: SyncProgress) {
                        seen.items.add(progress)
                    }
                },
            )
        return reader to sub
    }

    @Test
    fun cancelSyncReturnsPromptlyWithCancelled() {
        val progress = Recorded<SyncProgress>()
        val (reader, sub) = blackholeReader(progress)
        runBlocking {
            withTimeout(20_000) {
                // Another thread: waitFor blocks this one.
                val sync = async(Dispatchers.IO) { runCatching { reader.sync() } }
                progress.waitFor { it.phase == SyncPhase.CONNECTING }
                val started = System.nanoTime()
                reader.cancelSync()
                val result = sync.await()
                val elapsedMs = (System.nanoTime() - started) / 1_000_000
                assertTrue(result.exceptionOrNull() is ArticleSyncException.Cancelled, "$result")
                assertTrue(elapsedMs < 2_000, "took $elapsedMs ms")
            }
        }
        sub.cancel()
    }

    @Test
    fun cancellingTheCoroutineCancelsTheRustSync() {
        val progress = Recorded<SyncProgress>()
        val (reader, sub) = blackholeReader(progress)
        runBlocking {
            withTimeout(20_000) {
                val sync = async(Dispatchers.IO) { reader.sync() }
                progress.waitFor { it.phase == SyncPhase.CONNECTING }
                sync.cancelAndJoin()
                assertTrue(sync.isCancelled)
                // The Rust sync ended too: progress goes back to Idle after Connecting.
                while (progress.items.dropWhile { it.phase != SyncPhase.CONNECTING }.none { it.phase == SyncPhase.IDLE }) {
                    delay(20)
                }
            }
        }
        sub.cancel()
    }

    @Test
    fun noRouteIsATypedException() {
        val reader = Reader(Servers.config(tmp.resolve("reader.db"), Servers.closed))
        val e = assertThrows<ArticleSyncException.NoRoute> { runBlocking { reader.sync() } }
        assertTrue(e.message!!.contains("refused"), e.message)
    }

    @Test
    fun aHeadOfANewerFormatAsksToUpdateTheApp() {
        val db = tmp.resolve("reader.db")
        Reader(Servers.config(db, Servers.mirror)).use { runBlocking { it.sync() } }
        // The same database; the site now signs its head in a format newer than this build reads.
        val reader = Reader(Servers.config(db, Servers.future))
        val e = assertThrows<ArticleSyncException.UpdateNeeded> { runBlocking { reader.sync() } }
        assertTrue(e.message!!.contains("update the app"), e.message)
        assertEquals(2uL, reader.counts().total, "the stored articles stay")
    }

    @Test
    fun aBadPublisherKeyIsATypedException() {
        val config = Servers.config(tmp.resolve("reader.db"), Servers.mirror).copy(publisherKeys = listOf("ed25519:AAAA"))
        val e = assertThrows<ArticleSyncException.Invalid> { Reader(config) }
        assertTrue(e.message!!.contains("publisher key"), e.message)
    }

    @Test
    fun theReadmeExampleRuns() {
        val config = Servers.config(tmp.resolve("readme.db"), Servers.mainBlocked, listOf(Servers.mirror))
        val titles = runBlocking { readmeExample(config) }
        assertEquals(2, titles.size)
        assertTrue(titles.first().startsWith("اعلام آمادگی"), titles.first())
    }
}
