// swift-tools-version:5.9
// The article-sync core for the iOS app: the uniffi-generated Swift API (Sources/ArticleSync,
// generated) over the Rust static library packed as ArticleSyncFFI.xcframework. Both are made
// by ../build-xcframework.sh.
import PackageDescription

let package = Package(
    name: "ArticleSync",
    platforms: [.iOS(.v17)],
    products: [.library(name: "ArticleSync", targets: ["ArticleSync"])],
    targets: [
        .binaryTarget(name: "ArticleSyncFFI", path: "ArticleSyncFFI.xcframework"),
        .target(name: "ArticleSync", dependencies: ["ArticleSyncFFI"], path: "Sources/ArticleSync"),
    ]
)
