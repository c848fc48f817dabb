#!/usr/bin/env bash
# Checks the sample apps' sources with the tools that run on Linux (neither app can be built
# here: no Android SDK, no Xcode).
#
#   scripts/lint-samples.sh [kotlin] [swift]     # default: both
#
# - kotlin: ktlint (the CLI's fat jar from Maven Central, fetched once into ~/.m2 by Maven)
#   parses and style-checks every .kt/.kts file of android-sample and the app's host tests in
#   tests/android (rules: android-sample/.editorconfig).
# - swift: `swiftc -parse` in the Swift chroot (scripts/install-swift-chroot.sh; needs root)
#   parses every .swift file of ios-sample (SwiftUI is not on Linux, so it parses without
#   type-checking; the plain-Swift logic is type-checked and tested by tests/swift).
set -euo pipefail
cd "$(dirname "$0")/.."

KTLINT_VERSION=1.5.0
what=("$@")
[[ ${#what[@]} -gt 0 ]] || what=(kotlin swift)

lint_kotlin() {
    echo "== ktlint $KTLINT_VERSION: android-sample" >&2
    local jar="$HOME/.m2/repository/com/pinterest/ktlint/ktlint-cli/$KTLINT_VERSION/ktlint-cli-$KTLINT_VERSION-all.jar"
    if [[ ! -f "$jar" ]]; then
        mvn -B -q dependency:get -Dartifact="com.pinterest.ktlint:ktlint-cli:$KTLINT_VERSION:jar:all" \
            -Dtransitive=false >&2
    fi
    (cd android-sample && java -jar "$jar" --relative "**/*.kt" "**/*.kts")
    # The app's host tests (tests/android) follow the app's rules.
    java -jar "$jar" --editorconfig=android-sample/.editorconfig --relative "tests/android/src/**/*.kt"
    echo "ktlint: $(find android-sample tests/android -name '*.kt' -o -name '*.kts' | wc -l) files clean" >&2
}

lint_swift() {
    echo "== swiftc -parse: ios-sample" >&2
    # Global: the EXIT trap below reads it.
    root="$(scripts/install-swift-chroot.sh | tail -n 1)"
    exec 8>"$root.lock"
    flock 8
    rm -rf "$root/w/ios-sample"
    mkdir -p "$root/w"
    cp -a ios-sample "$root/w/ios-sample"
    local files
    files="$(cd "$root/w" && find ios-sample -name '*.swift' ! -name Package.swift | sort)"
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    trap 'umount "$root/proc" 2>/dev/null || umount -l "$root/proc"' EXIT
    # shellcheck disable=SC2086
    chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
        /bin/sh -c "cd /w && swiftc -parse $(echo $files)"
    umount "$root/proc" || umount -l "$root/proc"
    trap - EXIT
    echo "swiftc -parse: $(echo "$files" | wc -l) files parse" >&2
}

for w in "${what[@]}"; do
    case "$w" in
        kotlin) lint_kotlin ;;
        swift) lint_swift ;;
        *) echo "usage: $0 [kotlin] [swift]" >&2; exit 2 ;;
    esac
done
