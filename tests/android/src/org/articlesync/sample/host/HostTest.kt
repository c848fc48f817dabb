package org.articlesync.sample.host

import android.graphics.Bitmap
import android.graphics.Canvas
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.junit4.createEmptyComposeRule
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.lifecycle.ViewModelProvider
import androidx.test.core.app.ActivityScenario
import androidx.test.core.app.ApplicationProvider
import org.articlesync.ProgressListener
import org.articlesync.SyncPhase
import org.articlesync.SyncProgress
import org.articlesync.sample.MainActivity
import org.articlesync.sample.ReaderViewModel
import org.articlesync.sample.ViewState
import org.junit.After
import org.junit.Before
import org.junit.Rule
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.robolectric.shadows.ShadowLooper
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList

/**
 * The real app on Robolectric (SDK 35, a 360×640 dp phone at mdpi, native graphics so that
 * screenshots are real pixels), its reader pointed at loopback servers by [LoopbackApp].
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], application = LoopbackApp::class, qualifiers = "w360dp-h640dp-mdpi")
@GraphicsMode(GraphicsMode.Mode.NATIVE)
abstract class HostTest {
    @get:Rule val compose = createEmptyComposeRule()

    val app: LoopbackApp get() = ApplicationProvider.getApplicationContext()
    private val scenarios = mutableListOf<ActivityScenario<MainActivity>>()

    @Before fun defaults() {
        LoopbackApp.routes = Routes.direct()
    }

    @After fun closeScenarios() {
        scenarios.forEach { runCatching { it.close() } }
        app.reader.cancelSync()
    }

    /** Starts the real MainActivity with a reader on [routes] (it syncs on first launch). */
    fun launch(routes: Routes): ActivityScenario<MainActivity> {
        LoopbackApp.routes = routes
        return ActivityScenario.launch(MainActivity::class.java).also { scenarios += it }
    }

    /** What the last launched screen's view model holds, for failure messages. */
    private fun lastState(): String =
        scenarios.lastOrNull()?.let { s ->
            runCatching { state(s).let { "${it.banner} error=${it.error}" } }.getOrNull()
        }
            ?: "-"

    fun string(id: Int): String = app.getString(id)

    fun hasText(text: String): Boolean =
        compose.onAllNodesWithText(text, substring = true).fetchSemanticsNodes().isNotEmpty()

    /** Waits (real time: the core works on its own threads) until [text] is on screen. */
    fun waitForText(
        text: String,
        timeoutMs: Long = 20_000,
    ): SemanticsNodeInteraction {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (!hasText(text)) {
            if (System.currentTimeMillis() >
                deadline
            ) {
                throw AssertionError("\"$text\" is not on screen; ${lastState()}")
            }
            ShadowLooper.idleMainLooper()
            Thread.sleep(20)
        }
        return compose.onNodeWithText(text, substring = true)
    }

    /**
     * Waits (real time) for [condition], running the main looper meanwhile: tests run on the
     * main thread, where the view model's coroutines and Compose need it to turn.
     */
    fun eventually(
        what: String,
        timeoutMs: Long = 20_000,
        condition: () -> Boolean,
    ) {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (!condition()) {
            if (System.currentTimeMillis() >
                deadline
            ) {
                throw AssertionError("timed out waiting for $what; ${lastState()}")
            }
            ShadowLooper.idleMainLooper()
            Thread.sleep(20)
        }
    }

    /** Runs the main looper for [ms] of real time. */
    fun idleFor(ms: Long) {
        val end = System.currentTimeMillis() + ms
        while (System.currentTimeMillis() < end) {
            ShadowLooper.idleMainLooper()
            Thread.sleep(20)
        }
    }

    fun viewModel(scenario: ActivityScenario<MainActivity>): ReaderViewModel {
        var model: ReaderViewModel? = null
        scenario.onActivity { model = ViewModelProvider(it)[ReaderViewModel::class.java] }
        return model!!
    }

    fun state(scenario: ActivityScenario<MainActivity>): ViewState = viewModel(scenario).state.value

    /** Writes the screen as a PNG into $ANDROID_SCREENSHOTS (the README's are in docs/). */
    fun screenshot(name: String) {
        compose.waitForIdle()
        lateinit var bitmap: Bitmap
        scenarios.last().onActivity {
            val view = it.window.decorView
            bitmap = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
            view.draw(Canvas(bitmap))
        }
        val dir = File(System.getenv("ANDROID_SCREENSHOTS") ?: "build/screenshots").apply { mkdirs() }
        File(dir, "$name.png").outputStream().use { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }
        println("screenshot: $dir/$name.png (${bitmap.width}×${bitmap.height})")
    }
}

/** Records a reader's sync phases, as the core reports them (on core threads). */
class Phases : ProgressListener {
    val seen = CopyOnWriteArrayList<SyncPhase>()

    override fun onProgress(progress: SyncProgress) {
        seen += progress.phase
    }
}
