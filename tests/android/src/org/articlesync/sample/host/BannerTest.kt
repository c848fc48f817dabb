package org.articlesync.sample.host

import android.net.ConnectivityManager
import android.view.View
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.onNodeWithText
import androidx.test.core.app.ActivityScenario
import kotlinx.coroutines.runBlocking
import org.articlesync.Reader
import org.articlesync.sample.MainActivity
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowNetwork

/** The banner as a reader sees it, for each state the core reports, in English and Persian. */
class BannerTest : HostTest() {
    private val headline = "اعلام آمادگی وزارت دفاع روسیه"

    @Test fun firstLaunchSyncsDirectlyAndShowsTheList() {
        val scenario = launch(Routes.direct())
        waitForText("Uncensored connection").assertIsDisplayed()
        waitForText(headline).assertIsDisplayed()
        waitForText("نشست ترامپ و پوتین در هلسینکی").assertIsDisplayed()
        assertEquals(2, state(scenario).items.size)
        assertTrue("no retry when direct", !hasText("Try again"))
    }

    @Test
    @Config(qualifiers = "+fa")
    fun directInPersian() {
        launch(Routes.direct())
        waitForText("ارتباط بدون سانسور").assertIsDisplayed()
        waitForText(headline)
    }

    @Test fun mainResetShowsTheMirrorBanner() {
        launch(Routes.mainReset())
        waitForText("The main site is probably censored. Connected to parallel (mirror) site(s)").assertIsDisplayed()
        waitForText(headline)
    }

    @Test
    @Config(qualifiers = "+fa")
    fun mainResetShowsTheMirrorBannerInPersianRightToLeft() {
        launch(Routes.mainReset())
        waitForText("سایت اصلی احتمالاً زیر سانسور است. ارتباط با سایت (های) موازی برقرار شد").assertIsDisplayed()
        waitForText(headline)
        assertEquals(View.LAYOUT_DIRECTION_RTL, app.resources.configuration.layoutDirection)
        // Right to left: the first filter (All) stands right of the last (Bookmarked).
        val all = compose.onNodeWithText("همه").fetchSemanticsNode().boundsInRoot
        val bookmarked = compose.onNodeWithText("نشان‌شده").fetchSemanticsNode().boundsInRoot
        assertTrue("All $all should be right of Bookmarked $bookmarked", all.left > bookmarked.right)
        screenshot("android-mirror-fa")
    }

    @Test fun nationalShutdown() {
        launch(Routes.nationalShutdown())
        waitForText("The internet may be shut down nationwide").assertIsDisplayed()
        waitForText("Try again").assertIsDisplayed()
        screenshot("android-shutdown-en")
    }

    @Test
    @Config(qualifiers = "+fa")
    fun nationalShutdownInPersian() {
        launch(Routes.nationalShutdown())
        waitForText("احتمال دارد اینترنت به طور سراسری قطع شده باشد").assertIsDisplayed()
        waitForText("تلاش دوباره").assertIsDisplayed()
    }

    /**
     * The app synced yesterday (a reader of its database on the healthy main site); today the
     * site signs its head in a tree format newer than this build reads, and the app starts on it.
     */
    private fun launchAfterTheSiteMovedToANewerFormat(): ActivityScenario<MainActivity> {
        Reader(app.config(Routes.direct())).use { runBlocking { it.sync() } }
        return launch(Routes.future())
    }

    @Test fun aHeadOfANewerFormatAsksToUpdateTheAppAndKeepsTheArticles() {
        val scenario = launchAfterTheSiteMovedToANewerFormat()
        waitForText("Update the app to get new articles").assertIsDisplayed()
        assertTrue(state(scenario).updateNeeded)
        waitForText(headline).assertIsDisplayed() // stored articles stay readable
        assertEquals(2, state(scenario).items.size)
    }

    @Test
    @Config(qualifiers = "+fa")
    fun aHeadOfANewerFormatAsksToUpdateTheAppInPersian() {
        launchAfterTheSiteMovedToANewerFormat()
        waitForText("برای گرفتن مقاله\u200Cهای تازه برنامه را به\u200Cروز کنید").assertIsDisplayed()
        waitForText(headline)
    }

    @Test fun losingTheNetworkShowsOffline() {
        launch(Routes.direct())
        waitForText("Uncensored connection")
        loseNetwork()
        waitForText("Cannot connect. Check your internet connection").assertIsDisplayed()
        waitForText(headline) // stored articles stay readable
    }

    @Test
    @Config(qualifiers = "+fa")
    fun losingTheNetworkShowsOfflineInPersian() {
        launch(Routes.direct())
        waitForText("ارتباط بدون سانسور")
        loseNetwork()
        waitForText("ارتباط برقرار نمی\u200Cشود. ارتباط اینترنت خود را امتحان کنید").assertIsDisplayed()
    }

    /** What Android tells the app's default-network callback when the phone loses its network. */
    private fun loseNetwork() {
        // SampleApp's callback and WorkManager's constraint tracker's.
        val callbacks = shadowOf(app.getSystemService(ConnectivityManager::class.java)).networkCallbacks
        assertTrue("SampleApp registered its network callback", callbacks.isNotEmpty())
        callbacks.toList().forEach { it.onLost(ShadowNetwork.newInstance(100)) }
    }
}
