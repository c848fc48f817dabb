package org.articlesync.sample

import android.app.Application
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import org.articlesync.Reader
import org.articlesync.ReaderConfig
import java.util.concurrent.TimeUnit

/** Holds the one [Reader] of the process; the activity's view model and the worker share it. */
open class SampleApp : Application() {
    /** Opened on first use (opening does no network I/O; it opens the database). */
    val reader: Reader by lazy { Reader(readerConfig()) }

    /** The publisher key the app pins (the "Share" screen shows its fingerprint). */
    val publisherKey: String by lazy { readerConfig().publisherKeys.first() }

    /** The publisher's values (res/values/config.xml). The host tests point it at loopback. */
    protected open fun readerConfig(): ReaderConfig =
        ReaderConfig(
            databasePath = filesDir.resolve("reader.db").path,
            publisherKeys = listOf(getString(R.string.publisher_key)),
            mainUrl = getString(R.string.main_url),
            mirrors = resources.getStringArray(R.array.mirrors).toList(),
            internationalProbes = resources.getStringArray(R.array.probes_international).toList(),
            domesticProbes = resources.getStringArray(R.array.probes_domestic).toList(),
        )

    override fun onCreate() {
        super.onCreate()
        watchNetwork()
        schedulePeriodicSync()
    }

    /** Tells the core when the OS has no network, so the banner says "offline" at once. */
    private fun watchNetwork() {
        // `?.`: the SDK's stubs declare no nullability here, Robolectric's android-all does.
        getSystemService(ConnectivityManager::class.java)?.registerDefaultNetworkCallback(
            object : ConnectivityManager.NetworkCallback() {
                override fun onAvailable(network: Network) {
                    reader.setNetworkAvailable(true)
                }

                override fun onLost(network: Network) {
                    reader.setNetworkAvailable(false)
                }

                override fun onCapabilitiesChanged(
                    network: Network,
                    caps: NetworkCapabilities,
                ) {
                    // Images only on unmetered networks.
                    reader.setTextOnly(!caps.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED))
                }
            },
        )
    }

    /** Background sync every six hours on any network (text-only when metered: see [SyncWorker]). */
    private fun schedulePeriodicSync() {
        val request =
            PeriodicWorkRequestBuilder<SyncWorker>(6, TimeUnit.HOURS)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
        WorkManager
            .getInstance(this)
            .enqueueUniquePeriodicWork(SyncWorker.NAME, ExistingPeriodicWorkPolicy.KEEP, request)
    }
}
