package org.articlesync.sample.logic

import org.articlesync.ArticleSyncException
import org.articlesync.QrCode
import org.articlesync.Reader
import org.articlesync.keyFingerprint
import org.articlesync.qrModules

/** Why sharing did not start; each has a string resource `share_error_<lowercase name>`. */
enum class ShareFailure {
    /** The port field is not a number from 1 to 65535. */
    BAD_PORT,

    /** Nothing synced yet: there is no copy to pass on. */
    NOTHING_TO_SHARE,

    /** The port is taken (another app shares on it) or not allowed. */
    PORT_UNAVAILABLE,

    /** Anything else; [ShareUi.detail] has the core's message. */
    OTHER,
}

/** What the "Share" screen shows. */
data class ShareUi(
    /** What the port field holds. */
    val port: String = "8080",
    /** The URL another reader adds as a mirror; set while sharing. */
    val url: String? = null,
    /** [url] as QR modules, drawn on a canvas. */
    val qr: QrCode? = null,
    /** The publisher key's fingerprint, as the landing page shows it. */
    val fingerprint: String = "",
    /** When the shared copy was issued (Unix seconds); null before the first sync. */
    val copyIssuedAt: Long? = null,
    val failure: ShareFailure? = null,
    /** The core's message for [ShareFailure.OTHER] (English, for a details line). */
    val detail: String? = null,
)

/**
 * The "Share" screen over `Reader.startSharing`/`stopSharing`: the reader's verified copy
 * served over HTTP on the local network. Not thread-safe: use it from one thread (the view
 * model's). Plain Kotlin: tested on the JVM against a real reader and a real share.
 */
class ShareModel(
    private val reader: Reader,
    publisherKey: String,
) {
    var ui = ShareUi(fingerprint = keyFingerprint(publisherKey), copyIssuedAt = reader.copyIssuedAt())
        private set

    /** Reads the copy's date again (a sync since may have brought a newer head). */
    fun refresh(): ShareUi {
        ui = ui.copy(copyIssuedAt = reader.copyIssuedAt())
        return ui
    }

    fun editPort(text: String) {
        ui = ui.copy(port = text.filter { it.isDigit() }.take(5), failure = null, detail = null)
    }

    /** Starts sharing on the port of the field (stopping a share that runs). */
    suspend fun start(): ShareUi {
        val port = ui.port.toIntOrNull()?.takeIf { it in 1..65535 }
        if (port == null) {
            ui = ui.copy(failure = ShareFailure.BAD_PORT, detail = null)
            return ui
        }
        ui =
            try {
                val url = reader.startSharing(port.toUShort())
                ui.copy(
                    url = url,
                    qr = qrModules(url),
                    copyIssuedAt = reader.copyIssuedAt(),
                    failure = null,
                    detail = null,
                )
            } catch (e: ArticleSyncException) {
                val failure =
                    when (e) {
                        is ArticleSyncException.NotFound -> ShareFailure.NOTHING_TO_SHARE
                        is ArticleSyncException.BadArgument -> ShareFailure.PORT_UNAVAILABLE
                        else -> ShareFailure.OTHER
                    }
                ui.copy(url = null, qr = null, failure = failure, detail = e.message)
            }
        return ui
    }

    fun stop(): ShareUi {
        reader.stopSharing()
        ui = ui.copy(url = null, qr = null)
        return ui
    }
}
