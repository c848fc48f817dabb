// What the publisher pins in the app.
// Plain Swift (Foundation): compiled and tested on Linux by tests/swift
// (scripts/test-bindings.sh).
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

    /// The reader's configuration, its database at `databasePath`.
    static func readerConfig(databasePath: String) -> ReaderConfig {
        ReaderConfig(
            databasePath: databasePath, publisherKeys: [publisherKey], mainUrl: mainUrl,
            mirrors: mirrors, internationalProbes: internationalProbes, domesticProbes: domesticProbes)
    }

    /// Opens the app's reader, its database in Application Support (no network I/O). Throws
    /// the core's `Invalid`/`BadArgument` for a bad pinned value, `Storage` for the database.
    static func reader() throws -> Reader {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        return try Reader(config: readerConfig(databasePath: support.appendingPathComponent("reader.db").path))
    }
}
