import ArticleSync
import Foundation
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The comment round trip through the Swift bindings: written while the main site is blocked,
/// delivered through the relay by a sync, approved and published by the publisher, and shown as
/// published under its article after the next sync.
final class CommentTests: StoreTestCase {
    /// Runs the publisher's side (scripts/loopback-servers.sh) through its URL.
    private func publishComments(_ servers: Servers) async throws {
        var request = URLRequest(url: URL(string: servers.publishComments)!)
        request.httpMethod = "POST"
        let status: Int = try await withCheckedThrowingContinuation { done in
            URLSession.shared.dataTask(with: request) { _, response, error in
                if let error {
                    done.resume(throwing: error)
                } else {
                    done.resume(returning: (response as? HTTPURLResponse)?.statusCode ?? 0)
                }
            }.resume()
        }
        XCTAssertEqual(status, 200, "publishing the comments failed")
    }

    func testACommentComesBackPublished() async throws {
        let servers = try Servers.load()
        let reader = try Reader(
            config: servers.config(db(), main: servers.mainBlocked, mirrors: [servers.mirror]))
        _ = try await reader.sync()
        let text = "نظر از سوئیفت \(UUID().uuidString.prefix(8))"
        XCTAssertEqual(
            try reader.composeComment(articleId: seedId, author: "کارو", body: text).state, .waiting)

        let summary = try await reader.sync()
        XCTAssertEqual(summary.commentsSent, 1)
        let sent = try XCTUnwrap(try reader.outbox().first { $0.body == text })
        XCTAssertEqual(sent.state, .sent)
        XCTAssertEqual(sent.route, servers.relay)

        try await publishComments(servers)
        _ = try await reader.sync()
        let published = try XCTUnwrap(try reader.outbox().first { $0.body == text })
        XCTAssertEqual(published.state, .published)
        XCTAssertNotNil(published.decidedAt)
        let comments = try XCTUnwrap(try reader.article(id: seedId)).comments
        XCTAssertTrue(comments.contains { $0.author == "کارو" && $0.body == text }, "\(comments)")
    }
}
