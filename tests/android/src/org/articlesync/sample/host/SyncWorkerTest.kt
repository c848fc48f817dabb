package org.articlesync.sample.host

import android.net.ConnectivityManager
import android.net.NetworkInfo
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.WorkInfo
import androidx.work.WorkManager
import kotlinx.coroutines.runBlocking
import org.articlesync.Reader
import org.articlesync.SyncPhase
import org.articlesync.sample.SyncWorker
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import org.robolectric.shadows.ShadowNetworkInfo
import java.util.concurrent.CompletableFuture

/** SyncWorker through the real WorkManager (no activity): the core's answers as WorkManager results. */
class SyncWorkerTest : HostTest() {
    private fun activeNetwork(type: Int) {
        val info =
            ShadowNetworkInfo.newInstance(
                NetworkInfo.DetailedState.CONNECTED,
                type,
                0,
                true,
                NetworkInfo.State.CONNECTED,
            )
        shadowOf(app.getSystemService(ConnectivityManager::class.java)).setActiveNetworkInfo(info)
    }

    /** Enqueues SyncWorker once and waits until WorkManager has its result. */
    private fun runWorker(): WorkInfo {
        val request = OneTimeWorkRequestBuilder<SyncWorker>().build()
        val work = WorkManager.getInstance(app)
        work.enqueue(request).result.get()
        var info: WorkInfo? = null
        eventually("the worker's result", 30_000) {
            info = work.getWorkInfoById(request.id).get()
            info!!.state.isFinished || (info!!.state == WorkInfo.State.ENQUEUED && info!!.runAttemptCount > 0)
        }
        return info!!
    }

    @Test fun onWifiItSyncsTextAndImages() {
        activeNetwork(ConnectivityManager.TYPE_WIFI)
        val info = runWorker()
        assertEquals(WorkInfo.State.SUCCEEDED, info.state)
        assertEquals(2uL, app.reader.counts().total)
        assertTrue("the lead image was fetched", app.reader.storageUsage().mediaBytes > 0uL)
    }

    @Test fun onAMeteredNetworkItSyncsTextOnly() {
        activeNetwork(ConnectivityManager.TYPE_MOBILE)
        val info = runWorker()
        assertEquals(WorkInfo.State.SUCCEEDED, info.state)
        assertEquals(2uL, app.reader.counts().total)
        assertTrue("bodies stored", app.reader.storageUsage().bodiesBytes > 0uL)
        assertEquals("no image on a metered network", 0uL, app.reader.storageUsage().mediaBytes)
    }

    @Test fun noRouteAsksForARetry() {
        LoopbackApp.routes = Routes.noRoute()
        activeNetwork(ConnectivityManager.TYPE_WIFI)
        val info = runWorker()
        assertEquals(WorkInfo.State.ENQUEUED, info.state)
        assertEquals(1, info.runAttemptCount)
        assertEquals(0uL, app.reader.counts().total)
    }

    @Test fun aSyncRunningInAnotherProcessCountsAsDone() {
        activeNetwork(ConnectivityManager.TYPE_WIFI)
        // A second reader of the same database stands in for another process (an app extension,
        // say): its sync, which never ends on its own, holds the store's sync lock.
        val other = Reader(app.config(Routes.hanging()))
        val phases = Phases()
        val sub = other.subscribeProgress(phases)
        val running = CompletableFuture.supplyAsync { runCatching { runBlocking { other.sync() } } }
        eventually("the other sync to hold the lock") { SyncPhase.CONNECTING in phases.seen }

        val info = runWorker()
        assertEquals("that sync does the worker's job", WorkInfo.State.SUCCEEDED, info.state)
        assertEquals("the worker synced nothing itself", 0uL, app.reader.counts().total)

        other.cancelSync()
        eventually("the other sync to end", 10_000) { running.isDone }
        sub.cancel()
        other.close()
    }

    @Test fun aWipedReaderFailsForGood() {
        activeNetwork(ConnectivityManager.TYPE_WIFI)
        app.reader.wipe() // the reader's "delete everything": every later call throws Closed
        val info = runWorker()
        assertEquals(WorkInfo.State.FAILED, info.state)
    }
}
