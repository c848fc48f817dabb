package org.articlesync.sample.host

import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.Request
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener
import kotlin.system.exitProcess

/** Runs every host test of the Android sample; prints one line per test and "N passed, N failed". */
object RunAll {
    @JvmStatic
    fun main(args: Array<String>) {
        val core = JUnitCore()
        val passed = mutableSetOf<String>()
        val failed = mutableSetOf<String>()
        core.addListener(
            object : RunListener() {
                override fun testFailure(failure: Failure) {
                    failed += failure.description.displayName
                    println("FAIL ${failure.description.displayName}\n${failure.trace}")
                }

                override fun testFinished(description: Description) {
                    if (description.displayName !in failed) {
                        passed += description.displayName
                        println("ok   ${description.displayName}")
                    }
                }
            },
        )
        val classes =
            listOf(
                BannerTest::class.java,
                ReadingTest::class.java,
                LifecycleTest::class.java,
                SyncWorkerTest::class.java,
                ShareTest::class.java,
            )
        // Arguments (scripts/test-android.sh passes its own): a class's simple name, then a test's.
        val chosen = classes.filter { args.isEmpty() || it.simpleName == args[0] }
        val request =
            if (args.size > 1) {
                Request.method(chosen.single(), args[1])
            } else {
                Request.classes(*chosen.toTypedArray())
            }
        val result = core.run(request)
        println("android: ${passed.size} passed, ${failed.size} failed, ${result.ignoreCount} skipped")
        val ok = result.wasSuccessful() && failed.isEmpty() && passed.isNotEmpty() && result.ignoreCount == 0
        exitProcess(if (ok) 0 else 1)
    }
}
