package org.articlesync.sample

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalConfiguration
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.articlesync.DateStyle
import org.articlesync.QrCode
import org.articlesync.formatDate
import org.articlesync.sample.logic.ReceiveFailure
import org.articlesync.sample.logic.ReceiveUi
import org.articlesync.sample.logic.ShareFailure
import org.articlesync.sample.logic.ShareUi
import java.util.TimeZone

/** A day (Unix seconds) in the UI's language and the device's time zone, by the core's calendar. */
@Composable
fun day(unixSeconds: Long): String {
    val locale = LocalConfiguration.current.locales[0].toLanguageTag()
    val offset = TimeZone.getDefault().getOffset(unixSeconds * 1000) / 1000
    return runCatching { formatDate(unixSeconds, offset, locale, DateStyle.DAY_MONTH_YEAR) }
        .getOrElse { formatDate(unixSeconds, offset, "en", DateStyle.DAY_MONTH_YEAR) }
}

private fun ShareFailure.resource(): Int =
    when (this) {
        ShareFailure.BAD_PORT -> R.string.share_error_bad_port
        ShareFailure.NOTHING_TO_SHARE -> R.string.share_error_nothing_to_share
        ShareFailure.PORT_UNAVAILABLE -> R.string.share_error_port_unavailable
        ShareFailure.OTHER -> R.string.share_error_other
    }

/** "Share": the port, start/stop, then the URL, its QR code, the key fingerprint and the copy's date. */
@Composable
fun ShareScreen(
    share: ShareUi,
    onPort: (String) -> Unit,
    onStart: () -> Unit,
    onStop: () -> Unit,
    onBack: () -> Unit,
) {
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(12.dp)) {
        TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
        Text(stringResource(R.string.share_title), style = MaterialTheme.typography.titleMedium)
        Text(stringResource(R.string.share_explain), style = MaterialTheme.typography.bodyMedium)
        Text(stringResource(R.string.share_fingerprint, share.fingerprint))
        share.copyIssuedAt?.let { Text(stringResource(R.string.share_copy_date, day(it))) }
        val url = share.url
        if (url == null) {
            OutlinedTextField(share.port, onPort, label = { Text(stringResource(R.string.share_port)) })
            Button(onClick = onStart, modifier = Modifier.padding(vertical = 4.dp)) {
                Text(stringResource(R.string.share_start))
            }
        } else {
            Text(stringResource(R.string.share_url, url), style = MaterialTheme.typography.bodyLarge)
            share.qr?.let { QrCodeView(it, stringResource(R.string.share_qr)) }
            Button(onClick = onStop, modifier = Modifier.padding(vertical = 4.dp)) {
                Text(stringResource(R.string.share_stop))
            }
        }
        share.failure?.let { Text(stringResource(it.resource()), color = MaterialTheme.colorScheme.error) }
        share.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
    }
}

/** A QR code drawn module by module, black on white with its four-module quiet zone. */
@Composable
fun QrCodeView(
    code: QrCode,
    description: String,
) {
    val side = code.size.toInt()
    Canvas(
        Modifier
            .padding(vertical = 8.dp)
            .size(240.dp)
            .background(Color.White)
            .semantics { contentDescription = description },
    ) {
        val module = size.minDimension / (side + 8)
        for (y in 0 until side) {
            for (x in 0 until side) {
                if (code.dark[y * side + x]) {
                    drawRect(Color.Black, Offset((x + 4) * module, (y + 4) * module), Size(module, module))
                }
            }
        }
    }
}

private fun ReceiveFailure.resource(): Int =
    when (this) {
        ReceiveFailure.EMPTY -> R.string.receive_error_empty
        ReceiveFailure.NOT_A_URL -> R.string.receive_error_not_a_url
        ReceiveFailure.OTHER -> R.string.receive_error_other
    }

/** "Receive": type or paste the URL another reader shares; it is added as a mirror and synced. */
@Composable
fun ReceiveScreen(
    receive: ReceiveUi,
    onUrl: (String) -> Unit,
    onAdd: () -> Unit,
    onBack: () -> Unit,
) {
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(12.dp)) {
        TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
        Text(stringResource(R.string.receive_title), style = MaterialTheme.typography.titleMedium)
        OutlinedTextField(
            receive.text,
            onUrl,
            label = { Text(stringResource(R.string.receive_url)) },
            singleLine = true,
        )
        Button(
            onClick = onAdd,
            modifier = Modifier.padding(vertical = 4.dp),
        ) { Text(stringResource(R.string.receive_add)) }
        receive.added?.let { Text(stringResource(R.string.receive_added, it)) }
        receive.failure?.let { Text(stringResource(it.resource()), color = MaterialTheme.colorScheme.error) }
        receive.detail?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
    }
}
