#!/usr/bin/env bash
# Builds the Rust core for iOS devices and simulators, packs it as ArticleSyncFFI.xcframework
# and generates the Swift API, into ArticleSyncPackage/ (the app's local Swift package).
# Runs on macOS with Xcode and rustup:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#
#   ios-sample/build-xcframework.sh [--debug]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
package="$here/ArticleSyncPackage"
profile=release
flags=(--release)
if [[ "${1:-}" == "--debug" ]]; then profile=debug; flags=(); fi

cd "$repo"
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build "${flags[@]}" -p article-sync-bindings --target "$target"
done
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
lib() { echo "$target_dir/$1/$profile/libarticle_sync.a"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The Swift API, its C header and the module map, from the built library (uniffi library mode).
cargo run -q -p uniffi-bindgen -- generate --library "$(lib aarch64-apple-ios)" \
    --language swift --out-dir "$work/gen"
mkdir -p "$work/headers" "$package/Sources/ArticleSync"
cp "$work/gen/ArticleSyncFFI.h" "$work/headers/"
# An XCFramework's headers need a module map named module.modulemap.
cp "$work/gen/ArticleSyncFFI.modulemap" "$work/headers/module.modulemap"
cp "$work/gen/ArticleSync.swift" "$package/Sources/ArticleSync/"

# One library per platform: the two simulator architectures are merged.
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/libarticle_sync_sim.a"
rm -rf "$package/ArticleSyncFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
    -library "$work/libarticle_sync_sim.a" -headers "$work/headers" \
    -output "$package/ArticleSyncFFI.xcframework"
echo "build-xcframework: $package/ArticleSyncFFI.xcframework and Sources/ArticleSync/ArticleSync.swift"
