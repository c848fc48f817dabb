package org.articlesync.sample.logic

import org.articlesync.ArticleSyncException
import org.articlesync.Reader

/** Why a URL was not added; each has a string resource `receive_error_<lowercase name>`. */
enum class ReceiveFailure {
    /** The field is empty. */
    EMPTY,

    /** The core refused it: not an `http://` or `https://` tree URL. */
    NOT_A_URL,

    /** Anything else (the store failed); [ReceiveUi.detail] has the core's message. */
    OTHER,
}

/** What the "Receive" screen shows. */
data class ReceiveUi(
    /** What the URL field holds (typed, pasted or scanned). */
    val text: String = "",
    /** The mirror added, as the core normalised it; the app syncs next. */
    val added: String? = null,
    val failure: ReceiveFailure? = null,
    val detail: String? = null,
)

/**
 * The "Receive" screen over `Reader.addMirror`: a URL another reader shares (or a folder's
 * `file://` URL) becomes a mirror the next sync races; everything from it is verified against
 * the pinned key like any mirror. Plain Kotlin: tested on the JVM against a real share.
 */
class ReceiveModel(
    private val reader: Reader,
) {
    var ui = ReceiveUi()
        private set

    fun edit(text: String) {
        ui = ReceiveUi(text = text)
    }

    /** Adds the field's URL as a mirror; returns the mirror added, or null with [ui]'s failure. */
    fun add(): String? {
        val text = ui.text.trim()
        if (text.isEmpty()) {
            ui = ui.copy(added = null, failure = ReceiveFailure.EMPTY, detail = null)
            return null
        }
        ui =
            try {
                ui.copy(added = reader.addMirror(text), failure = null, detail = null)
            } catch (e: ArticleSyncException) {
                val failure =
                    if (e is ArticleSyncException.BadArgument) ReceiveFailure.NOT_A_URL else ReceiveFailure.OTHER
                ui.copy(added = null, failure = failure, detail = e.message)
            }
        return ui.added
    }
}
