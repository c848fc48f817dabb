import ArticleSync
import Foundation
@testable import SampleApp
import XCTest

/// The iOS sample's texts: every key the views use exists in English and Persian, and the
/// texts that are the seed page's or the core's say what those say.
final class SampleStringsTests: XCTestCase {
    /// The keys the views pass as literals to SwiftUI's localising initialisers, from the
    /// sources of every sample file that imports SwiftUI. A literal there must be a key (no
    /// spaces, no interpolation): a view shows other text with `Text(verbatim:)`.
    func viewKeys() throws -> Set<String> {
        let folder = try Sample.folder()
        let call = try NSRegularExpression(
            pattern: #"\b(Text|Button|TextField|SecureField|Picker|Label|Toggle|Section|Link|LocalizedStringKey|navigationTitle)\(\s*"((?:[^"\\]|\\.)*)""#)
        var keys: Set<String> = []
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: "\(folder)/ArticleSyncSample"))
        for case let path as String in files where path.hasSuffix(".swift") {
            let source = try String(contentsOfFile: "\(folder)/ArticleSyncSample/\(path)", encoding: .utf8)
            guard source.contains("\nimport SwiftUI\n") else { continue }
            for match in call.matches(in: source, range: NSRange(source.startIndex..., in: source)) {
                let literal = String(source[Range(match.range(at: 2), in: source)!])
                XCTAssertNotNil(
                    literal.range(of: #"^[a-z][a-z0-9_]*$"#, options: .regularExpression),
                    "\(path): \"\(literal)\" is not a Localizable.strings key")
                keys.insert(literal)
            }
        }
        return keys
    }

    /// The keys the model hands to the views.
    func modelKeys() -> Set<String> {
        let states: [OutboxState] = [.waiting, .sent, .published, .rejected]
        return Set(
            BannerMessage.allCases.map(\.key) + CommentProblem.allCases.map(\.key) + states.map(\.key)
                + [SyncFailure(ArticleSyncError.Internal(message: "x"))!.key]
                + [SyncFailure(clockOffBy: 7200)!.key]
                + [SyncFailure(ArticleSyncError.UpdateNeeded(message: "x"))!.key]
                + ShareFailure.allCases.map(\.key) + ReceiveFailure.allCases.map(\.key)
                + ValueText.allCases.map(\.key))
    }

    func testEveryKeyTheViewsUseExistsInBothLanguagesAndNoOther() throws {
        let english = try Sample.strings("en")
        let persian = try Sample.strings("fa")
        let view = try viewKeys()
        XCTAssertTrue(view.isSuperset(of: ["retry", "comment_send", "comment_author", "tab_all"]), "\(view)")
        let used = view.union(modelKeys())
        XCTAssertEqual(used.subtracting(english.keys), [], "missing in en")
        XCTAssertEqual(used.subtracting(persian.keys), [], "missing in fa")
        XCTAssertEqual(Set(english.keys).subtracting(used), [], "unused in en")
        XCTAssertEqual(Set(persian.keys).subtracting(used), [], "unused in fa")
        for (key, text) in english {
            XCTAssertFalse(text.isEmpty, key)
            let placeholders = { (s: String) in s.components(separatedBy: "%@").count }
            XCTAssertEqual(placeholders(text), placeholders(persian[key] ?? ""), "%@ in \(key)")
        }
    }

    /// `Localizable.strings` in both languages say what the core's `bannerText` says.
    func testTheBannerStringsSayWhatTheCoreSays() throws {
        let english = try Sample.strings("en")
        let persian = try Sample.strings("fa")
        let states: [BannerState] = [
            .unknown, .connecting, .direct, .mainBlockedViaMirror, .mirror, .noRoute, .offline,
            .nationalShutdown,
        ]
        for state in states {
            let messages = BannerPresenter.messages(state)
            XCTAssertEqual(BannerPresenter.line(messages) { english[$0] ?? "" }, bannerText(state: state).english)
            XCTAssertEqual(BannerPresenter.line(messages) { persian[$0] ?? "" }, bannerText(state: state).persian)
        }
        XCTAssertEqual(Set(states.flatMap(BannerPresenter.messages)), Set(BannerMessage.allCases))
    }

    /// The comment form's texts are the seed page's (/work/shared/seed/README.md).
    func testTheCommentFormSaysWhatTheSeedPageSays() throws {
        let english = try Sample.strings("en")
        let persian = try Sample.strings("fa")
        XCTAssertEqual(english[CommentProblem.form.key], "An error occurred while filling in the form")
        XCTAssertEqual(persian[CommentProblem.form.key], "در پرکردن فرم خطایی صورت گرفته")
        XCTAssertEqual(english["comment_form_title"], "Leave a comment")
        XCTAssertEqual(persian["comment_form_title"], "نظر بدهید")
        XCTAssertEqual(persian["comments"], "نظرها")
        XCTAssertEqual(persian["related"], "بیشتر بخوانید")
    }
}
