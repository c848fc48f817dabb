// swift-tools-version:5.9
// The article-sync FFI from Swift on Linux, against the host build of the Rust library.
// Run through scripts/test-bindings.sh: it copies this package into the Swift chroot and puts
// the generated files in place (Sources/ArticleSync/ArticleSync.swift, Sources/ArticleSyncFFI/
// ArticleSyncFFI.h) and every file of the iOS sample that imports no iOS-only framework
// (Sources/SampleApp, from ios-sample/ArticleSyncSample: the model, config and logic); the
// library's folder is passed with `-Xlinker -L<dir>`.
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
            name: "SampleApp",
            dependencies: ["ArticleSync"],
            path: "Sources/SampleApp"
        ),
        .testTarget(
            name: "ArticleSyncTests",
            dependencies: ["ArticleSync", "SampleApp"],
            path: "Tests/ArticleSyncTests",
            // Debian trixie's libswiftObservation.so leaves swift::threading::fatal undefined.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--allow-shlib-undefined"])]
        ),
    ],
    swiftLanguageVersions: [.v5]
)
