import ArticleSync
import Foundation
import XCTest

/// The article-sync FFI from Swift, against the host build.
final class BindingsTests: XCTestCase {
    let tehranSummer: Int32 = 4 * 3600 + 1800

    func noonUtc(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let date = utc.date(from: DateComponents(year: y, month: m, day: d, hour: 12))!
        return Int64(date.timeIntervalSince1970)
    }

    func testSeedDatesInPersian() throws {
        let cases: [((Int, Int, Int), String)] = [
            ((2018, 7, 17), "۱۷ ژوئیه/ ۲۶ تیر"),
            ((2018, 7, 16), "۱۶ ژوئیه/ ۲۵ تیر"),
            ((2018, 5, 17), "۱۷ مه/ ۲۷ اردیبهشت"),
            ((2018, 5, 28), "۲۸ مه/ ۷ خرداد"),
        ]
        for ((y, m, d), expected) in cases {
            let text = try formatDate(
                unixSeconds: noonUtc(y, m, d), utcOffsetSeconds: tehranSummer,
                locale: "fa-IR", style: .dayMonth)
            XCTAssertEqual(text, expected)
        }
    }

    func testOtherLocalesAndStyles() throws {
        let t = noonUtc(2018, 7, 17)
        XCTAssertEqual(
            try formatDate(unixSeconds: t, utcOffsetSeconds: 0, locale: "en-GB", style: .dayMonthYear),
            "17 July 2018")
        XCTAssertEqual(
            try formatDate(
                unixSeconds: t, utcOffsetSeconds: tehranSummer, locale: "fa", style: .weekdayDayMonth),
            "سه\u{200C}شنبه ۱۷ ژوئیه/ ۲۶ تیر")
    }

    func testBadLocaleIsATypedError() {
        XCTAssertThrowsError(
            try formatDate(unixSeconds: 0, utcOffsetSeconds: 0, locale: "not a locale!", style: .dayMonth)
        ) { error in
            guard case ArticleSyncError.BadArgument(let message) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertTrue(message.contains("locale"), message)
        }
    }

    func testPublicKeyId() throws {
        // RFC 8032, test 1: a valid ed25519 public key; its id is checked by the Rust tests,
        // here that it is 16 hex digits and stable.
        let key = "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        let id = try verifyPublicKey(text: key)
        XCTAssertEqual(id.count, 16)
        XCTAssertEqual(id, try verifyPublicKey(text: "  \(key)\n"))
    }

    func testBadPublicKeyIsATypedError() {
        XCTAssertThrowsError(try verifyPublicKey(text: "ed25519:AAAA")) { error in
            guard case ArticleSyncError.Invalid(let message) = error else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertTrue(message.contains("public key"), message)
        }
    }

    func testBannerTexts() {
        XCTAssertEqual(bannerText(state: .unknown).persian, "ارتباط ناشناخته")
        XCTAssertEqual(bannerText(state: .direct).english, "Uncensored connection")
        XCTAssertEqual(
            bannerText(state: .nationalShutdown).english, "The internet may be shut down nationwide")
        XCTAssertEqual(bannerText(state: .connecting), bannerText(state: .noRoute))
    }
}
