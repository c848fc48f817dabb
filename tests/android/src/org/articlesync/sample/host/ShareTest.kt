package org.articlesync.sample.host

import android.view.View
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextReplacement
import kotlinx.coroutines.runBlocking
import org.articlesync.Reader
import org.articlesync.keyFingerprint
import org.articlesync.sample.Screen
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.annotation.Config
import java.io.IOException
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files

/** The "Share" and "Receive" screens: a real share on loopback, fetched and synced from. */
class ShareTest : HostTest() {
    private val headline = "اعلام آمادگی وزارت دفاع روسیه"

    /** The landing page of a share on [port], fetched over loopback with a plain socket. */
    private fun landingPage(port: Int): String =
        Socket("127.0.0.1", port).use { s ->
            s.soTimeout = 10_000
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".toByteArray())
            s.getInputStream().readBytes().decodeToString()
        }

    private fun freePort(): Int = ServerSocket(0).use { it.localPort }

    @Test fun startSharingShowsTheUrlAndQrCodeAndServesTheLandingPage() {
        val scenario = launch(Routes.direct())
        waitForText(headline)
        compose.onNodeWithText("Share").performClick()
        val fingerprint = keyFingerprint(Routes.key)
        waitForText("Publisher key: $fingerprint").assertIsDisplayed()
        waitForText("Copy of ").assertIsDisplayed()
        val port = freePort()
        compose.onNode(hasSetTextAction()).performTextReplacement(port.toString())
        compose.onNodeWithText("Start sharing").performClick()
        waitForText("Stop sharing")
        val url = state(scenario).share.url!!
        assertTrue(url, url.endsWith(":$port/"))
        waitForText(url).assertIsDisplayed()
        compose.onNodeWithContentDescription("QR code of the address").assertIsDisplayed()
        screenshot("android-share-en")

        val page = landingPage(port)
        assertTrue(page.substringBefore("\r\n"), page.startsWith("HTTP/1.1 200"))
        assertTrue("the landing page shows the key's fingerprint", fingerprint in page)
        assertTrue("the landing page gives the URL", url in page)

        compose.onNodeWithText("Stop sharing").performClick()
        waitForText("Start sharing")
        assertNull(state(scenario).share.url)
        eventually("the share to stop") { runCatching { landingPage(port) }.exceptionOrNull() is IOException }
    }

    @Test
    @Config(qualifiers = "+fa")
    fun theShareScreenInPersianRightToLeft() {
        launch(Routes.direct())
        waitForText(headline)
        compose.onNodeWithText("هم‌رسانی").performClick()
        waitForText("آغاز هم‌رسانی").assertIsDisplayed()
        waitForText("کلید ناشر: " + keyFingerprint(Routes.key))
        assertEquals(View.LAYOUT_DIRECTION_RTL, app.resources.configuration.layoutDirection)
        // Right to left: the "back" button stands at the right edge.
        val back = compose.onNodeWithText("بازگشت").fetchSemanticsNode().boundsInRoot
        val title =
            compose
                .onNodeWithText(
                    "نسخهٔ خود را با خوانندگان نزدیک هم‌رسانی کنید",
                ).fetchSemanticsNode()
                .boundsInRoot
        assertTrue("back $back should end at the title's right $title", back.right > title.left + (title.width / 2))
        screenshot("android-share-fa")
    }

    @Test fun sharingBeforeTheFirstSyncSaysThereIsNothingToShare() {
        val scenario = launch(Routes.noRoute())
        waitForText("Cannot connect")
        compose.onNodeWithText("Share").performClick()
        compose.onNodeWithText("Start sharing").performClick()
        waitForText("Nothing to share yet: sync first.").assertIsDisplayed()
        assertEquals(Screen.SHARE, state(scenario).screen)
        assertNull(state(scenario).share.url)
    }

    @Test fun sharingOnATakenOrBadPortSaysSo() {
        val synced = launch(Routes.direct())
        waitForText(headline)
        compose.onNodeWithText("Share").performClick()
        ServerSocket(0).use { taken ->
            compose.onNode(hasSetTextAction()).performTextReplacement(taken.localPort.toString())
            compose.onNodeWithText("Start sharing").performClick()
            waitForText("This port cannot be used").assertIsDisplayed()
        }
        assertNull(state(synced).share.url)
        compose.onNode(hasSetTextAction()).performTextReplacement("70000")
        compose.onNodeWithText("Start sharing").performClick()
        waitForText("Enter a port from 1 to 65535.").assertIsDisplayed()
    }

    @Test fun receivingASharedUrlAddsItAsAMirrorAndSyncsFromIt() {
        // Another phone: a reader that synced online and shares its copy.
        val dir = Files.createTempDirectory("other-phone")
        val other = Reader(app.config(Routes.direct()).copy(databasePath = dir.resolve("reader.db").toString()))
        runBlocking { other.sync() }
        val url = runBlocking { other.startSharing(0u) }
        try {
            val scenario = launch(Routes.noRoute())
            waitForText("Cannot connect")
            assertEquals(0, state(scenario).items.size)
            compose.onNodeWithText("Receive").performClick()
            compose.onNode(hasSetTextAction()).performTextReplacement("not a url")
            compose.onNodeWithText("Add and sync").performClick()
            waitForText("This is not an address a reader can share").assertIsDisplayed()

            compose.onNode(hasSetTextAction()).performTextReplacement(url)
            compose.onNodeWithText("Add and sync").performClick()
            waitForText("Added $url").assertIsDisplayed()
            assertTrue(app.reader.routes().any { it.url == url })
            eventually("the sync from the share") { app.reader.connectionState().route == url }
            compose.onNodeWithText("Back").performClick()
            waitForText(headline).assertIsDisplayed()
            assertEquals(2, state(scenario).items.size)
        } finally {
            other.stopSharing()
        }
    }
}
