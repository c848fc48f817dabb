// The "Share" screen's state: this reader's copy served over HTTP on the local network.
// Plain Swift (Foundation, Observation): compiled and tested on Linux by tests/swift
// (scripts/test-bindings.sh) against a real share on loopback.
import ArticleSync
import Foundation
import Observation

/// Why sharing did not start. Its raw value is the key of its text in `Localizable.strings`.
enum ShareFailure: String, CaseIterable, Sendable {
    /// The port field is not a number from 1 to 65535.
    case badPort = "share_error_bad_port"
    /// Nothing synced yet: there is no copy to pass on.
    case nothingToShare = "share_error_nothing_to_share"
    /// The port is taken (another app shares on it) or not allowed.
    case portUnavailable = "share_error_port_unavailable"
    /// Anything else; `ShareModel.detail` has the core's message.
    case other = "share_error_other"

    var key: String { rawValue }

    init(_ error: Error) {
        switch error {
        case ArticleSyncError.NotFound: self = .nothingToShare
        case ArticleSyncError.BadArgument: self = .portUnavailable
        default: self = .other
        }
    }
}

/// The "Share" screen over `Reader.startSharing`/`stopSharing`: the URL another reader adds as
/// a mirror, the same as QR modules, the publisher key's fingerprint and the copy's date.
@MainActor
@Observable
final class ShareModel {
    @ObservationIgnored private let reader: Reader
    /// What the port field holds.
    var port = "8080"
    /// The URL another reader adds as a mirror; set while sharing.
    private(set) var url: String?
    /// `url` as QR modules, drawn on a canvas.
    private(set) var qr: QrCode?
    /// The publisher key's fingerprint, as the landing page shows it.
    let fingerprint: String
    /// When the shared copy was issued (Unix seconds); nil before the first sync.
    private(set) var copyIssuedAt: Int64?
    private(set) var failure: ShareFailure?
    /// The core's message for the failure (English, for a details line).
    private(set) var detail: String?

    init(reader: Reader, publisherKey: String) {
        self.reader = reader
        self.fingerprint = keyFingerprint(key: publisherKey)
        self.copyIssuedAt = try? reader.copyIssuedAt()
    }

    /// Starts sharing on the port of the field (stopping a share that runs).
    func start() async {
        guard let number = UInt16(port.trimmingCharacters(in: .whitespaces)), number > 0 else {
            (failure, detail) = (.badPort, nil)
            return
        }
        do {
            let url = try await reader.startSharing(port: number)
            (self.url, qr, copyIssuedAt) = (url, try qrModules(url: url), try reader.copyIssuedAt())
            (failure, detail) = (nil, nil)
        } catch {
            (url, qr) = (nil, nil)
            (failure, detail) = (ShareFailure(error), "\(error)")
        }
    }

    func stop() {
        try? reader.stopSharing()
        (url, qr) = (nil, nil)
    }
}

/// The texts with one value in them (`%@`); the raw value is the key in `Localizable.strings`.
enum ValueText: String, CaseIterable, Sendable {
    /// The banner's "copy of DATE, not live" (`BannerUi.copyOf`).
    case copyOf = "copy_of"
    /// The URL to add as a mirror.
    case shareUrl = "share_url"
    case shareFingerprint = "share_fingerprint"
    /// The shared copy's date.
    case shareCopyDate = "share_copy_date"
    /// The mirror the "Receive" screen added.
    case receiveAdded = "receive_added"

    var key: String { rawValue }

    /// The text with `value` in it; `text` gives a key's text (`NSLocalizedString` in the app).
    func format(_ value: String, _ text: (String) -> String) -> String {
        text(key).replacingOccurrences(of: "%@", with: value)
    }
}

/// A day (Unix seconds) in `language` and the device's time zone, by the core's calendar
/// (Persian dates in the Persian calendar).
func dayText(_ unixSeconds: Int64, language: String) -> String {
    let offset = Int32(TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(unixSeconds))))
    return (try? formatDate(unixSeconds: unixSeconds, utcOffsetSeconds: offset, locale: language, style: .dayMonthYear))
        ?? (try? formatDate(unixSeconds: unixSeconds, utcOffsetSeconds: offset, locale: "en", style: .dayMonthYear))
        ?? "\(unixSeconds)"
}
