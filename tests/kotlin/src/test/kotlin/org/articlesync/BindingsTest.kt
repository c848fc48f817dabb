package org.articlesync

import java.security.MessageDigest
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.Base64
import org.junit.jupiter.api.Assertions.assertEquals
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
}
