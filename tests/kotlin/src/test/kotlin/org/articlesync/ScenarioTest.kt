package org.articlesync

import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * The reader scenario list, the same in every front end (core/tests/reader_scenarios.rs,
 * tests/python/test_scenarios.py, tests/swift ScenarioTests.swift, cli/tests/reader.rs):
 * bad configuration, an unknown article, an empty comment, an over-long comment, a sync with
 * no route, wipe and reopen. Each gives the same typed error.
 */
class ScenarioTest {
    @TempDir
    lateinit var tmp: Path

    private val missing = "no-such-article"

    @Test
    fun badConfiguration() {
        val db = tmp.resolve("reader.db")
        val good = Servers.config(db, Servers.mirror)
        assertThrows<ArticleSyncException.Invalid> { Reader(good.copy(publisherKeys = listOf("ed25519:AAAA"))) }
        val url = assertThrows<ArticleSyncException.BadArgument> { Reader(good.copy(mainUrl = "ftp://example.org/")) }
        assertTrue(url.message!!.contains("main_url"), url.message)
        val probe = assertThrows<ArticleSyncException.BadArgument> {
            Reader(good.copy(domesticProbes = listOf("ftp://probe.example/")))
        }
        assertTrue(probe.message!!.contains("domestic_probes"), probe.message)
        assertFalse(Files.exists(db), "a bad configuration creates nothing")
    }

    @Test
    fun unknownArticleAndComments() {
        val reader = Reader(Servers.config(tmp.resolve("r.db"), Servers.closed))
        assertNull(reader.article(missing))
        assertThrows<ArticleSyncException.NotFound> { reader.setBookmarked(missing, true) }
        assertThrows<ArticleSyncException.NotFound> { reader.setRead(missing, true) }
        val empty = assertThrows<ArticleSyncException.InvalidComment> { reader.composeComment(missing, " \u200c ", "نظر") }
        assertTrue(empty.message!!.contains("author"), empty.message)
        val long = assertThrows<ArticleSyncException.InvalidComment> { reader.composeComment(missing, "کارو", "ن".repeat(4001)) }
        assertTrue(long.message!!.contains("text"), long.message)
        assertThrows<ArticleSyncException.NotFound> { reader.composeComment(missing, "کارو", "ن".repeat(4000)) }
        assertEquals(0, reader.outbox().size)
    }

    @Test
    fun syncWithNoRouteThenWipeAndReopen() {
        val db = tmp.resolve("r.db")
        val reader = Reader(Servers.config(db, Servers.closed))
        assertThrows<ArticleSyncException.NoRoute> { runBlocking { reader.sync() } }
        reader.wipe()
        assertFalse(Files.exists(db))
        assertThrows<ArticleSyncException.Closed> { reader.counts() }
        val again = Reader(Servers.config(db, Servers.mirror))
        assertEquals(0uL, again.counts().total)
        runBlocking { again.sync() }
        assertTrue(again.counts().total > 0uL)
    }
}
