// swift-tools-version:5.9
// The article-sync FFI from Swift on Linux, against the host build of the Rust library.
// Run through scripts/test-bindings.sh: it copies this package into the Swift chroot and puts
// the generated files in place (Sources/ArticleSync/ArticleSync.swift, Sources/ArticleSyncFFI/
// ArticleSyncFFI.h) and the iOS sample's plain-Swift logic (Sources/ReaderLogic, from
// ios-sample/ArticleSyncSample/Logic); the library's folder is passed with `-Xlinker -L<dir>`.
import PackageDescription

let package = Package(
    name: "ArticleSyncTests",
    targets: [
        .systemLibrary(name: "ArticleSyncFFI", path: "Sources/ArticleSyncFFI"),
        .target(
            name: "ArticleSync",
            dependencies: ["ArticleSyncFFI"],
            path: "Sources/ArticleSync"
        ),
        .target(
            name: "ReaderLogic",
            dependencies: ["ArticleSync"],
            path: "Sources/ReaderLogic"
        ),
        .testTarget(
            name: "ArticleSyncTests",
            dependencies: ["ArticleSync", "ReaderLogic"],
            path: "Tests/ArticleSyncTests"
        ),
    ],
    swiftLanguageVersions: [.v5]
)
