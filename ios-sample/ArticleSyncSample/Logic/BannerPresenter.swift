// The banner's look, decided without SwiftUI: the view only maps it to strings and colours.
// Plain Swift: compiled and tested on Linux by tests/swift (scripts/test-bindings.sh).
import ArticleSync

/// The seven messages of the seed page's banner; each has a `banner_<rawValue>` key in
/// `Localizable.strings` (English and Persian).
public enum BannerMessage: String, CaseIterable, Sendable {
    case unknown
    case uncensored
    case cannotConnect = "cannot_connect"
    case mainCensored = "main_censored"
    case mirror
    case offline
    case shutdown

    /// The key in `Localizable.strings`.
    public var key: String { "banner_" + rawValue }
}

/// How alarming the banner looks.
public enum BannerTone: Sendable {
    case neutral, good, warning, bad
}

/// What the banner shows.
public struct BannerUi: Equatable, Sendable {
    /// Shown in order, joined by ". " (two for a censored main site reached via a mirror).
    public let messages: [BannerMessage]
    public let tone: BannerTone
    /// Whether "try again" makes sense (nothing reached the publisher's content).
    public let showRetry: Bool
    /// The route the content came from, for a details line.
    public let route: String?
    /// The state is the one recorded by the last sync of an earlier run.
    public let fromLastRun: Bool
    /// When the held head expired: when it was issued (Unix seconds), for the line
    /// "copy of DATE, not live" (a copy passed on during a shutdown, or not synced since).
    public let copyOf: Int64?
}

/// Decides the banner from the core's `ConnectionInfo`.
public enum BannerPresenter {
    public static func messages(_ state: BannerState) -> [BannerMessage] {
        switch state {
        case .unknown: return [.unknown]
        case .connecting, .noRoute: return [.cannotConnect]
        case .direct: return [.uncensored]
        case .mainBlockedViaMirror: return [.mainCensored, .mirror]
        case .mirror: return [.mirror]
        case .offline: return [.offline]
        case .nationalShutdown: return [.shutdown]
        }
    }

    public static func tone(_ state: BannerState) -> BannerTone {
        switch state {
        case .unknown, .connecting: return .neutral
        case .direct: return .good
        case .mainBlockedViaMirror, .mirror: return .warning
        case .noRoute, .offline, .nationalShutdown: return .bad
        }
    }

    /// The banner's line as the seed page shows it: the messages' texts joined by ". ".
    /// `text` gives a key's text (`NSLocalizedString` in the app).
    public static func line(_ messages: [BannerMessage], _ text: (String) -> String) -> String {
        messages.map { text($0.key) }.joined(separator: ". ")
    }

    public static func present(_ info: ConnectionInfo) -> BannerUi {
        let retry: Bool
        switch info.state {
        case .noRoute, .offline, .nationalShutdown: retry = true
        default: retry = false
        }
        return BannerUi(
            messages: messages(info.state), tone: tone(info.state), showRetry: retry,
            route: info.route, fromLastRun: !info.live, copyOf: info.copyOf)
    }
}
