package org.articlesync

import java.nio.file.Path
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The comment round trip through the Kotlin bindings: written while the main site is blocked,
 * delivered through the relay by a sync, approved and published, and shown as published under
 * its article after the next sync.
 */
class CommentTest {
    @TempDir
    lateinit var tmp: Path

    @Test
    fun aCommentComesBackPublished() =
        runBlocking {
            val reader = Reader(Servers.config(tmp.resolve("r.db"), Servers.mainBlocked, listOf(Servers.mirror)))
            reader.sync()
            val text = "نظر از کاتلین ${UUID.randomUUID().toString().take(8)}"
            assertEquals(OutboxState.WAITING, reader.composeComment(SEED_ID, "کارو", text).state)

            assertEquals(1uL, reader.sync().commentsSent)
            val sent = reader.outbox().single { it.body == text }
            assertEquals(OutboxState.SENT, sent.state)
            assertEquals(Servers.relay, sent.route)

            Servers.publishComments()
            reader.sync()
            val published = reader.outbox().single { it.body == text }
            assertEquals(OutboxState.PUBLISHED, published.state)
            assertNotNull(published.decidedAt)
            val comments = reader.article(SEED_ID)!!.comments
            assertTrue(comments.any { it.author == "کارو" && it.body == text }, comments.toString())
        }
}
