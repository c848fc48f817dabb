package org.articlesync

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.security.MessageDigest
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.Base64
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.CsvSource

/** The article-sync FFI from Kotlin, against the host build. */
class BindingsTest {
    private val tehranSummer = 4 * 3600 + 1800

    private fun noonUtc(date: String): Long =
        LocalDate.parse(date).atTime(12, 0).toEpochSecond(ZoneOffset.UTC)

    @ParameterizedTest
    @CsvSource(
        "2018-07-17, ۱۷ ژوئیه/ ۲۶ تیر",
        "2018-07-16, ۱۶ ژوئیه/ ۲۵ تیر",
        "2018-05-17, ۱۷ مه/ ۲۷ اردیبهشت",
        "2018-05-28, ۲۸ مه/ ۷ خرداد",
    )
    fun seedDatesInPersian(date: String, expected: String) {
        assertEquals(expected, formatDate(noonUtc(date), tehranSummer, "fa-IR", DateStyle.DAY_MONTH))
    }

    @Test
    fun otherLocalesAndStyles() {
        val t = noonUtc("2018-07-17")
        assertEquals("17 July 2018", formatDate(t, 0, "en-GB", DateStyle.DAY_MONTH_YEAR))
        assertEquals(
            "سه\u200cشنبه ۱۷ ژوئیه/ ۲۶ تیر",
            formatDate(t, tehranSummer, "fa", DateStyle.WEEKDAY_DAY_MONTH),
        )
    }

    @Test
    fun badLocaleIsATypedException() {
        val e = assertThrows<ArticleSyncException.BadArgument> {
            formatDate(0, 0, "not a locale!", DateStyle.DAY_MONTH)
        }
        assertTrue(e.message!!.contains("locale"), e.message)
    }

    @Test
    fun publicKeyId() {
        // RFC 8032, test 1: a valid ed25519 public key.
        val key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
            .chunked(2).map { it.toInt(16).toByte() }.toByteArray()
        val expectedId = MessageDigest.getInstance("SHA-256").digest(key)
            .take(8).joinToString("") { "%02x".format(it) }
        assertEquals(expectedId, verifyPublicKey("ed25519:" + Base64.getEncoder().encodeToString(key)))
    }

    @Test
    fun badPublicKeyIsATypedException() {
        val e = assertThrows<ArticleSyncException.Invalid> { verifyPublicKey("ed25519:AAAA") }
        assertTrue(e.message!!.contains("public key"), e.message)
    }

    @Test
    fun bannerTexts() {
        assertEquals("ارتباط ناشناخته", bannerText(BannerState.UNKNOWN).persian)
        assertEquals("Uncensored connection", bannerText(BannerState.DIRECT).english)
        assertEquals(
            "The internet may be shut down nationwide",
            bannerText(BannerState.NATIONAL_SHUTDOWN).english,
        )
        assertEquals(bannerText(BannerState.CONNECTING), bannerText(BannerState.NO_ROUTE))
        assertEquals(BannerState.entries.size, 8)
    }

    @Test
    fun probeReachesALoopbackServer() {
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/") { exchange ->
            exchange.sendResponseHeaders(204, -1)
            exchange.close()
        }
        server.start()
        try {
            val up = runBlocking { probeUrl("http://127.0.0.1:${server.address.port}/", 2000u) }
            assertTrue(up)
        } finally {
            server.stop(0)
        }
    }

    @Test
    fun probeOfAClosedPortIsFalse() {
        val port = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { it.localPort }
        assertFalse(runBlocking { probeUrl("http://127.0.0.1:$port/", 2000u) })
    }

    @Test
    fun cancellingAProbeClosesItsConnection() {
        // A server that accepts and never answers: the probe waits until cancelled, and the
        // cancellation must reach Rust and close the connection (the server then reads EOF).
        ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { silent ->
            silent.soTimeout = 5_000
            val conn = runBlocking {
                withTimeout(10_000) {
                    val probe = async(Dispatchers.IO) {
                        probeUrl("http://127.0.0.1:${silent.localPort}/", 60_000u)
                    }
                    val conn = withContext(Dispatchers.IO) { silent.accept() }
                    probe.cancelAndJoin()
                    assertTrue(probe.isCancelled)
                    conn
                }
            }
            conn.use {
                it.soTimeout = 5_000
                val input = it.getInputStream()
                val request = ByteArray(4096)
                val n = input.read(request)
                assertTrue(String(request, 0, n).startsWith("GET / HTTP/1.1"))
                // Read to EOF: the client hung up (a timeout here throws and fails the test).
                while (input.read(request) != -1) { }
            }
        }
    }

    @Test
    fun probeRejectsOtherSchemes() {
        assertThrows<ArticleSyncException.BadArgument> {
            runBlocking { probeUrl("file:///etc/passwd", 100u) }
        }
    }
}
