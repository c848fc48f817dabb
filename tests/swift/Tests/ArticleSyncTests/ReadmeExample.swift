// The README's Swift example, compiled (and run, by ReaderTests.testTheReadmeExampleRuns) by
// the Linux tests. Keep the README section "Using the core from Kotlin and Swift" in step.
import ArticleSync

func readmeExample(config: ReaderConfig) async throws -> [String] {
    let reader = try Reader(config: config)  // opens the store; no network I/O
    let banner = try reader.subscribeConnection(listener: BannerPrinter())
    defer { banner.cancel() }
    do {
        // Swift's Task cancellation does not reach Rust by itself: forward it to a handle made
        // before anything awaits, so that no cancellation comes too early.
        let sync = try reader.startSync()
        let done = try await withTaskCancellationHandler {
            try await sync.result()
        } onCancel: { sync.cancel() }
        print("synced from \(done.route)")
    } catch ArticleSyncError.NoRoute {
        print("no route: stored articles stay readable")
    }
    let page = try reader.listArticles(filter: .all, cursor: nil, limit: 20)
    let first = try reader.article(id: page.items[0].id)  // body, comments, related
    print(first?.bodyHtml.prefix(80) ?? "")
    return page.items.map(\.title)
}

final class BannerPrinter: ConnectionListener {
    func onConnection(info: ConnectionInfo) { print(info.banner.persian) }  // on a core thread
}
