import ArticleSync
import Foundation

/// What the publisher pins in the app: its key, main site, built-in mirrors and probes.
/// Replace with the publisher's own (`article-sync keygen` prints the key).
enum Config {
    static let publisherKey = "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    static let mainUrl = "https://www.example-news.org/tree/"
    static let mirrors = ["https://mirror.example.net/tree/"]
    static let internationalProbes = ["https://www.example.com/"]
    static let domesticProbes = ["https://www.example.ir/"]

    static func reader() throws -> Reader {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return try Reader(
            config: ReaderConfig(
                databasePath: support.appendingPathComponent("reader.db").path,
                publisherKeys: [publisherKey], mainUrl: mainUrl, mirrors: mirrors,
                internationalProbes: internationalProbes, domesticProbes: domesticProbes))
    }
}
