#!/usr/bin/env bash
# Tests the generated bindings in each language against the host build of the FFI library.
#
#   scripts/test-bindings.sh [python] [kotlin] [swift] [samples]    # default: all four
#
# - python: pytest in tests/python (needs python3 with pytest).
# - kotlin: Maven + JUnit on the JVM in tests/kotlin (needs a JDK 17+ and Maven; the first run
#   downloads plugins and dependencies into ~/.m2, later runs work offline).
# - swift: `swift test` (XCTest) in a Debian trixie chroot with Swift 6 (needs root; made and
#   cached by scripts/install-swift-chroot.sh), against the same host-built library.
# - samples: scripts/lint-samples.sh (ktlint on android-sample, swiftc -parse on ios-sample).
#   Their plain-Kotlin/Swift logic is compiled and tested by the kotlin and swift runs.
#
# Every language runs the same scenarios through the real API against real servers on loopback,
# started here once for all three by scripts/loopback-servers.sh: `article-sync serve --tls`
# (the CLI, built there) on a tree published from tests/fixtures/seed with a fresh key. The
# servers' addresses, the publisher key and the test CAs reach the tests as ARTICLE_SYNC_TEST_*
# variables (that script lists them all); the binding tests use:
#   KEY          the publisher's public key (ed25519:…)
#   CA           a PEM file with the throw-away CA of every server
#   MAIN_BLOCKED a main site that resets every connection (a censor)
#   MIRROR       a healthy mirror of the same tree
#   BLACKHOLE_A  two servers that accept connections and never answer
#   BLACKHOLE_B
#   CLOSED       a loopback https URL nothing listens on
#   FUTURE       the same tree, its head re-signed in a tree format newer than this build's
#
# Each runner prints its own summary line; the script stops at the first failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
langs=("$@")
[[ ${#langs[@]} -gt 0 ]] || langs=(python kotlin swift samples)
for lang in "${langs[@]}"; do
    case "$lang" in python | kotlin | swift | samples) ;; *)
        echo "usage: $0 [python] [kotlin] [swift] [samples]" >&2
        exit 2
        ;;
    esac
done

echo "== generating bindings" >&2
lib="$(scripts/generate-bindings.sh | tail -n 1)"
lib="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
bindings="$(cd "$(dirname "$lib")/../bindings" && pwd)"

echo "== starting loopback servers" >&2
# shellcheck source=scripts/loopback-servers.sh
source scripts/loopback-servers.sh "$(dirname "$lib")"

test_python() {
    echo "== python (pytest)" >&2
    ARTICLE_SYNC_BINDINGS_DIR="$bindings/python" ARTICLE_SYNC_LIB="$lib" \
        python3 -m pytest -q -p no:cacheprovider tests/python
}

test_kotlin() {
    echo "== kotlin (maven, junit)" >&2
    local offline=()
    # Offline once ~/.m2 holds everything, so a second run needs no network.
    if [[ -f "$HOME/.m2/repository/org/jetbrains/kotlin/kotlin-maven-plugin/.article-sync-ok" ]]; then
        offline=(-o)
    fi
    (cd tests/kotlin && mvn -B -ntp "${offline[@]}" test \
        -DarticleSync.bindingsDir="$bindings/kotlin" \
        -DarticleSync.libDir="$(dirname "$lib")")
    touch "$HOME/.m2/repository/org/jetbrains/kotlin/kotlin-maven-plugin/.article-sync-ok"
}

test_swift() {
    echo "== swift (swift test in the trixie chroot)" >&2
    # Global, not local: the EXIT trap below may run after this function returned.
    root="$(scripts/install-swift-chroot.sh | tail -n 1)"
    exec 9>"$root.lock"
    flock 9
    local work="$root/w"
    # The package is rebuilt from a fresh copy each run; SwiftPM's build folder is kept.
    rm -rf "$work/pkg" "$work/lib"
    mkdir -p "$work/pkg" "$work/lib" "$work/build"
    cp -a tests/swift/. "$work/pkg/"
    cp "$bindings/swift/ArticleSync.swift" "$work/pkg/Sources/ArticleSync/"
    cp "$bindings/swift/ArticleSyncFFI.h" "$work/pkg/Sources/ArticleSyncFFI/"
    # Every file of the iOS sample that imports none of the iOS-only frameworks is compiled here
    # unchanged, as the module SampleApp, and tested; the rest (views, BGTaskScheduler and
    # NWPathMonitor shells) only parses (scripts/lint-samples.sh).
    local file
    while IFS= read -r file; do
        if grep -qE '^import (SwiftUI|UIKit|BackgroundTasks|Network)$' "$file"; then
            echo "swift: not compiled here (iOS-only import): $file" >&2
        else
            mkdir -p "$work/pkg/Sources/SampleApp/$(dirname "${file#ios-sample/ArticleSyncSample/}")"
            cp "$file" "$work/pkg/Sources/SampleApp/${file#ios-sample/ArticleSyncSample/}"
        fi
    done < <(find ios-sample/ArticleSyncSample -name '*.swift' | sort)
    cp "$lib" "$work/lib/"
    cp "$ARTICLE_SYNC_TEST_CA" "$work/ca.pem"
    # The whole sample, for the tests that read its strings, views and project.yml.
    rm -rf "$work/ios-sample" "$work/ios-resources"
    cp -a ios-sample "$work/ios-sample"

    cleanup_swift() {
        if mountpoint -q "$root/proc"; then umount "$root/proc" || umount -l "$root/proc"; fi
        stop_servers
    }
    trap cleanup_swift EXIT
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    chroot "$root" /usr/bin/env -i \
        HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        LD_LIBRARY_PATH=/w/lib \
        ARTICLE_SYNC_TEST_KEY="$ARTICLE_SYNC_TEST_KEY" \
        ARTICLE_SYNC_TEST_CA=/w/ca.pem \
        ARTICLE_SYNC_TEST_MAIN_BLOCKED="$ARTICLE_SYNC_TEST_MAIN_BLOCKED" \
        ARTICLE_SYNC_TEST_MIRROR="$ARTICLE_SYNC_TEST_MIRROR" \
        ARTICLE_SYNC_TEST_BLACKHOLE_A="$ARTICLE_SYNC_TEST_BLACKHOLE_A" \
        ARTICLE_SYNC_TEST_BLACKHOLE_B="$ARTICLE_SYNC_TEST_BLACKHOLE_B" \
        ARTICLE_SYNC_TEST_CLOSED="$ARTICLE_SYNC_TEST_CLOSED" \
        ARTICLE_SYNC_TEST_FUTURE="$ARTICLE_SYNC_TEST_FUTURE" \
        ARTICLE_SYNC_TEST_RELAY="$ARTICLE_SYNC_TEST_RELAY" \
        ARTICLE_SYNC_TEST_PUBLISH_COMMENTS="$ARTICLE_SYNC_TEST_PUBLISH_COMMENTS" \
        ARTICLE_SYNC_IOS_SAMPLE=/w/ios-sample \
        /bin/sh -c 'cd /w/pkg && swift test --disable-swift-testing --scratch-path /w/build -Xlinker -L/w/lib 2>&1'
    umount "$root/proc" || umount -l "$root/proc"
    trap stop_servers EXIT
    exec 9>&-   # releases the chroot's lock
}

test_samples() {
    echo "== sample apps (ktlint, swiftc -parse)" >&2
    scripts/lint-samples.sh
}

for lang in "${langs[@]}"; do
    "test_$lang"
done
