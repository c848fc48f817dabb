package org.articlesync.sample

import android.content.Context
import android.net.ConnectivityManager
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import org.articlesync.ArticleSyncException

/**
 * Periodic background sync. Text-only on a metered network; WorkManager stopping the worker
 * cancels the coroutine, which cancels the Rust sync (what it applied stays).
 */
class SyncWorker(
    context: Context,
    params: WorkerParameters,
) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as SampleApp
        val connectivity = applicationContext.getSystemService(ConnectivityManager::class.java)
        val metered = connectivity?.isActiveNetworkMetered ?: true
        return try {
            app.reader.setTextOnly(metered)
            app.reader.sync()
            Result.success()
        } catch (e: ArticleSyncException.NoRoute) {
            Result.retry()
        } catch (e: ArticleSyncException.Timeout) {
            Result.retry()
        } catch (e: ArticleSyncException.SyncAlreadyRunning) {
            // Another process's sync of the same store is doing this work (a sync of this
            // process's reader joins instead of throwing).
            Result.success()
        } catch (e: ArticleSyncException) {
            Result.failure()
        }
    }

    companion object {
        const val NAME = "article-sync-periodic"
    }
}
