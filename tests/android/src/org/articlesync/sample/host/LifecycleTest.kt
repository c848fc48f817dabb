package org.articlesync.sample.host

import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import kotlinx.coroutines.runBlocking
import org.articlesync.ArticleSyncException
import org.articlesync.SyncPhase
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.RuntimeEnvironment
import java.util.concurrent.CompletableFuture

/** Rotation keeps the screen and its one sync; leaving the screen cancels the sync in the core. */
class LifecycleTest : HostTest() {
    @Test fun rotationKeepsTheStateAndStartsNoSecondSync() {
        val scenario = launch(Routes.direct())
        waitForText("اعلام آمادگی وزارت دفاع روسیه").performClick()
        compose.onNodeWithText("Name").performScrollTo().performTextInput("Maryam")
        val phases = Phases()
        val sub = app.reader.subscribeProgress(phases)
        eventually("the first sync to end") { phases.seen.lastOrNull() in setOf(SyncPhase.DONE, SyncPhase.IDLE) }
        assertTrue("the first launch synced", app.reader.counts().total == 2uL)
        val model = viewModel(scenario)
        val before = phases.seen.size

        RuntimeEnvironment.setQualifiers("+land")
        scenario.recreate()
        waitForText("Comments") // the article is still open
        idleFor(1_500) // time for a second sync to start, were one started
        assertSame("the view model survives the recreation", model, viewModel(scenario))
        assertEquals("Maryam", state(scenario).comment.author)
        assertTrue(hasText("Maryam"))
        assertEquals("no sync after the recreation: ${phases.seen}", before, phases.seen.size)
        sub.cancel()
    }

    @Test fun leavingTheScreenCancelsTheRunningSyncInTheCore() {
        val scenario = launch(Routes.hanging())
        val phases = Phases()
        val sub = app.reader.subscribeProgress(phases)
        eventually("the sync to connect") { SyncPhase.CONNECTING in phases.seen && state(scenario).syncing }
        // A second caller joins the activity's sync (the core runs one): it ends as that one ends.
        val joined = CompletableFuture.supplyAsync { runCatching { runBlocking { app.reader.sync() } } }
        Thread.sleep(500)
        assertFalse("the sync runs while the screen is shown", joined.isDone)

        scenario.close()
        eventually("the joined sync to end", 10_000) { joined.isDone }
        val result = joined.get()
        assertTrue("the core cancelled the sync: $result", result.exceptionOrNull() is ArticleSyncException.Cancelled)
        eventually(
            "the core to report Idle",
        ) { phases.seen.dropWhile { it != SyncPhase.CONNECTING }.contains(SyncPhase.IDLE) }
        sub.cancel()
    }
}
