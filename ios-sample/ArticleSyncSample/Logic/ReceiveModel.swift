// The "Receive" screen's state: a URL another reader shares becomes a mirror.
// Plain Swift (Foundation, Observation): compiled and tested on Linux by tests/swift
// (scripts/test-bindings.sh) against a real share on loopback.
import ArticleSync
import Foundation
import Observation

/// Why a URL was not added. Its raw value is the key of its text in `Localizable.strings`.
enum ReceiveFailure: String, CaseIterable, Sendable {
    /// The field is empty.
    case empty = "receive_error_empty"
    /// The core refused it: not an `http://` or `https://` tree URL.
    case notAUrl = "receive_error_not_a_url"
    /// Anything else (the store failed); `ReceiveModel.detail` has the core's message.
    case other = "receive_error_other"

    var key: String { rawValue }
}

/// The "Receive" screen over `Reader.addMirror`: the next sync races the mirror added, and
/// everything from it is verified against the pinned key like any mirror.
@MainActor
@Observable
final class ReceiveModel {
    @ObservationIgnored private let reader: Reader
    /// What the URL field holds (typed, pasted or scanned).
    var text = ""
    /// The mirror added, as the core normalised it.
    private(set) var added: String?
    private(set) var failure: ReceiveFailure?
    private(set) var detail: String?

    init(reader: Reader) { self.reader = reader }

    /// Adds the field's URL as a mirror; returns the mirror added, or nil with `failure` set.
    /// The caller syncs next (`ReaderModel.refresh()`).
    @discardableResult
    func add() -> String? {
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        (added, failure, detail) = (nil, nil, nil)
        guard !url.isEmpty else {
            failure = .empty
            return nil
        }
        do {
            added = try reader.addMirror(url: url)
        } catch {
            if case ArticleSyncError.BadArgument = error { failure = .notAUrl } else { failure = .other }
            detail = "\(error)"
        }
        return added
    }
}
