// The README's Kotlin example, compiled (and run, by ReaderTest.theReadmeExampleRuns) by the
// JVM tests. Keep the README section "Using the core from Kotlin and Swift" in step with it.
package org.articlesync.readme

import org.articlesync.ArticleSyncException
import org.articlesync.ConnectionInfo
import org.articlesync.ConnectionListener
import org.articlesync.ListFilter
import org.articlesync.Reader
import org.articlesync.ReaderConfig

suspend fun readmeExample(config: ReaderConfig): List<String> {
    val reader = Reader(config) // opens the store; no network I/O
    val banner = reader.subscribeConnection(object : ConnectionListener {
        override fun onConnection(info: ConnectionInfo) = println(info.banner.persian) // any thread
    })
    try {
        val done = reader.sync() // cancel the coroutine (or call cancelSync()) to stop it
        println("synced from ${done.route}")
    } catch (e: ArticleSyncException.NoRoute) {
        println("no route: stored articles stay readable")
    }
    val page = reader.listArticles(ListFilter.All, cursor = null, limit = 20u)
    val first = reader.article(page.items.first().id) // body, comments, related
    println(first?.bodyHtml?.take(80))
    banner.close()
    return page.items.map { it.title }
}
