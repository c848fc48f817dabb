package org.articlesync.sample.host

import androidx.lifecycle.ViewModelProvider
import androidx.work.Configuration
import androidx.work.WorkManager
import androidx.work.impl.WorkManagerImpl
import org.articlesync.ReaderConfig
import org.articlesync.sample.SampleApp
import java.io.File

/** The servers a reader talks to (loopback, see tests/android/servers.sh). */
data class Routes(
    val main: String,
    val mirrors: List<String> = emptyList(),
    val internationalProbes: List<String> = emptyList(),
    val domesticProbes: List<String> = emptyList(),
    val timeoutMs: UInt = 3_000u,
) {
    companion object {
        private fun env(name: String): String =
            System.getenv("ARTICLE_SYNC_TEST_$name")
                ?: error("ARTICLE_SYNC_TEST_$name is unset: run scripts/test-android.sh")

        val key: String get() = env("KEY")
        val caPem: String by lazy { File(env("CA")).readText() }

        /** The main site answers. */
        fun direct() = Routes(env("MAIN"), listOf(env("MIRROR")))

        /** A censor resets the main site; the mirror answers. */
        fun mainReset() = Routes(env("MAIN_BLOCKED"), listOf(env("MIRROR")))

        /** Every international host is gone; a domestic one answers. */
        fun nationalShutdown() =
            Routes(env("CLOSED"), listOf(env("CLOSED")), listOf(env("CLOSED")), listOf(env("MAIN")))

        /** The site signs its head in a tree format newer than this build reads: UpdateNeeded. */
        fun future() = Routes(env("FUTURE"))

        /** Nothing answers: a sync fails with NoRoute. */
        fun noRoute() = Routes(env("CLOSED"))

        /** The only route accepts connections and never answers: a sync runs until cancelled. */
        fun hanging() = Routes(env("BLACKHOLE_A"), timeoutMs = 60_000u)
    }
}

/**
 * The real [SampleApp] with two changes for the host: the reader's routes are the loopback
 * servers of [routes] (with the servers' test CA), and WorkManager is initialised here, where the
 * Gradle build's merged manifest has androidx.startup do it (the host build merges no manifests).
 */
class LoopbackApp : SampleApp() {
    override fun onCreate() {
        forgetPreviousApplication()
        WorkManager.initialize(this, Configuration.Builder().build())
        super.onCreate()
    }

    override fun readerConfig(): ReaderConfig = config(routes)

    /** The settings of a reader of this app's database on [routes], trusting the servers' test CA. */
    fun config(routes: Routes): ReaderConfig =
        ReaderConfig(
            databasePath = filesDir.resolve("reader.db").path,
            publisherKeys = listOf(Routes.key),
            mainUrl = routes.main,
            mirrors = routes.mirrors,
            internationalProbes = routes.internationalProbes,
            domesticProbes = routes.domesticProbes,
            extraCaPem = Routes.caPem,
            connectTimeoutMs = routes.timeoutMs,
            readTimeoutMs = routes.timeoutMs,
            staggerMs = 200u,
        )

    companion object {
        /**
         * A phone has one Application per process; Robolectric makes one per test, and two
         * androidx singletons would keep the first test's: WorkManager's, and the factory that
         * hands AndroidViewModels their Application (its reader, with that test's routes).
         */
        private fun forgetPreviousApplication() {
            for (name in listOf("sDelegatedInstance", "sDefaultInstance")) {
                WorkManagerImpl::class.java
                    .getDeclaredField(name)
                    .apply { isAccessible = true }
                    .set(null, null)
            }
            ViewModelProvider.AndroidViewModelFactory::class.java
                .getDeclaredField("_instance")
                .apply { isAccessible = true }
                .set(null, null)
        }

        /** Set by a test before the reader opens (the activity's or the worker's first use). */
        @Volatile var routes: Routes = Routes.direct()
    }
}
