// What the screen says when a sync or a comment fails: core errors mapped to texts.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync

/// A failed sync the banner does not already explain, shown under it: the text of `key` in
/// `Localizable.strings`, formatted with `detail` (the core's message, in English) for `%@`.
struct SyncFailure: Equatable, Sendable {
    let key: String
    let detail: String

    /// Nil when there is nothing to add: a cancelled sync (what it applied stays) and `NoRoute`,
    /// whose reason the banner already names (cannot connect, offline, national shutdown). A
    /// wrong device clock and a format newer than the app get their own texts: only the reader
    /// can mend them (set the clock, update the app).
    init?(_ error: Error) {
        switch error {
        case ArticleSyncError.Cancelled, ArticleSyncError.NoRoute:
            return nil
        case ArticleSyncError.ClockWrong:
            key = "error_clock"
            detail = "\(error)"
        case ArticleSyncError.UpdateNeeded:
            // Stored articles stay readable; only a newer app reads the new format.
            key = "error_update"
            detail = "\(error)"
        default:
            key = "error_other"
            detail = "\(error)"
        }
    }

    /// A sync that succeeded although the device's clock is off by `seconds` (the core judged
    /// expiry by the routes' time): the clock's text, with how far off in the detail.
    init?(clockOffBy seconds: Int64?) {
        guard let seconds else { return nil }
        key = "error_clock"
        detail = "\(seconds / 3600) h"
    }
}

/// Why the comment form did not queue a comment. Its raw value is the key of its text in
/// `Localizable.strings`.
enum CommentProblem: String, CaseIterable, Sendable {
    /// A field was refused (empty, too long, …): the seed page's "An error occurred while
    /// filling in the form".
    case form = "comment_error_form"
    /// The article is no longer stored.
    case articleGone = "comment_error_article_gone"
    /// The outbox could not be written (the store failed, or the reader was wiped).
    case notSaved = "comment_error_not_saved"

    var key: String { rawValue }

    /// The problem `Reader.composeComment` reported. Not a switch over every case of the core's
    /// error: any case but `NotFound`, `Closed` and `Storage` is a field error, including
    /// cases the core adds later (such as a field-level `InvalidComment`).
    init(_ error: Error) {
        switch error {
        case ArticleSyncError.NotFound:
            self = .articleGone
        case ArticleSyncError.Closed, ArticleSyncError.Storage:
            self = .notSaved
        default:
            self = .form
        }
    }
}

extension OutboxState {
    /// The key of the state's text in `Localizable.strings`.
    var key: String {
        switch self {
        case .waiting: return "outbox_waiting"
        case .sent: return "outbox_sent"
        case .published: return "outbox_published"
        case .rejected: return "outbox_rejected"
        }
    }
}
