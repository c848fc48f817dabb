package org.articlesync.sample.logic

import org.articlesync.BannerState
import org.articlesync.ConnectionInfo

/**
 * The seven messages of the seed page's banner. Each has a string resource named
 * `banner_<lowercase name>` in `res/values` (English) and `res/values-fa` (Persian).
 */
enum class BannerMessage { UNKNOWN, UNCENSORED, CANNOT_CONNECT, MAIN_CENSORED, MIRROR, OFFLINE, SHUTDOWN }

/** How alarming the banner looks. */
enum class BannerTone { NEUTRAL, GOOD, WARNING, BAD }

/** What the banner shows; the Compose UI only maps it to resources and colours. */
data class BannerUi(
    /** Shown in order, joined by ". " (two for a censored main site reached via a mirror). */
    val messages: List<BannerMessage>,
    val tone: BannerTone,
    /** Whether "try again" makes sense (nothing reached the publisher's content). */
    val showRetry: Boolean,
    /** The route the content came from, for a details line. */
    val route: String?,
    /** The state is the one recorded by the last sync of an earlier run. */
    val fromLastRun: Boolean,
    /** When the held head expired: when it was issued (Unix seconds), for the line
     *  "copy of DATE, not live" (a copy passed on during a shutdown, or not synced since). */
    val copyOf: Long? = null,
)

/** Decides the banner from the core's [ConnectionInfo]. Plain Kotlin: tested on the JVM. */
object BannerPresenter {
    fun messages(state: BannerState): List<BannerMessage> =
        when (state) {
            BannerState.UNKNOWN -> listOf(BannerMessage.UNKNOWN)
            BannerState.CONNECTING, BannerState.NO_ROUTE -> listOf(BannerMessage.CANNOT_CONNECT)
            BannerState.DIRECT -> listOf(BannerMessage.UNCENSORED)
            BannerState.MAIN_BLOCKED_VIA_MIRROR -> listOf(BannerMessage.MAIN_CENSORED, BannerMessage.MIRROR)
            BannerState.MIRROR -> listOf(BannerMessage.MIRROR)
            BannerState.OFFLINE -> listOf(BannerMessage.OFFLINE)
            BannerState.NATIONAL_SHUTDOWN -> listOf(BannerMessage.SHUTDOWN)
        }

    fun tone(state: BannerState): BannerTone =
        when (state) {
            BannerState.UNKNOWN, BannerState.CONNECTING -> BannerTone.NEUTRAL
            BannerState.DIRECT -> BannerTone.GOOD
            BannerState.MAIN_BLOCKED_VIA_MIRROR, BannerState.MIRROR -> BannerTone.WARNING
            BannerState.NO_ROUTE, BannerState.OFFLINE, BannerState.NATIONAL_SHUTDOWN -> BannerTone.BAD
        }

    fun present(info: ConnectionInfo): BannerUi =
        BannerUi(
            messages = messages(info.state),
            tone = tone(info.state),
            showRetry =
                info.state in setOf(BannerState.NO_ROUTE, BannerState.OFFLINE, BannerState.NATIONAL_SHUTDOWN),
            route = info.route,
            fromLastRun = !info.live,
            copyOf = info.copyOf,
        )
}
