#!/usr/bin/env bash
# Tests the generated bindings in each language against the host build of the FFI library.
#
#   scripts/test-bindings.sh [python] [kotlin] [swift]     # default: all three
#
# - python: pytest in tests/python (needs python3 with pytest).
# - kotlin: Maven + JUnit on the JVM in tests/kotlin (needs a JDK 17+ and Maven; the first run
#   downloads plugins and dependencies into ~/.m2, later runs work offline).
# - swift: `swift test` (XCTest) in a Debian trixie chroot with Swift 6 (needs root; made and
#   cached by scripts/install-swift-chroot.sh), against the same host-built library.
#
# Each runner prints its own summary line; the script stops at the first failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
langs=("$@")
[[ ${#langs[@]} -gt 0 ]] || langs=(python kotlin swift)
for lang in "${langs[@]}"; do
    case "$lang" in python | kotlin | swift) ;; *)
        echo "usage: $0 [python] [kotlin] [swift]" >&2
        exit 2
        ;;
    esac
done

echo "== generating bindings" >&2
lib="$(scripts/generate-bindings.sh | tail -n 1)"
lib="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
bindings="$(cd "$(dirname "$lib")/../bindings" && pwd)"

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

# Loopback HTTP server for the Swift probe test; writes its port to $1.
start_probe_server() {
    python3 - "$1" <<'PY' &
import http.server, sys
class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
    probe_server_pid=$!
}

free_loopback_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

test_swift() {
    echo "== swift (swift test in the trixie chroot)" >&2
    local root
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
    cp "$lib" "$work/lib/"

    local port_file
    port_file="$(mktemp -u)"
    probe_server_pid=""
    cleanup_swift() {
        if [[ -n "$probe_server_pid" ]]; then kill "$probe_server_pid" 2>/dev/null || true; fi
        if mountpoint -q "$root/proc"; then umount "$root/proc" || umount -l "$root/proc"; fi
        rm -f "$port_file"
    }
    trap cleanup_swift EXIT
    start_probe_server "$port_file"
    for _ in $(seq 100); do [[ -s "$port_file" ]] && break; sleep 0.05; done
    [[ -s "$port_file" ]] || { echo "test-bindings: probe server did not start" >&2; exit 1; }
    local closed_port
    closed_port="$(free_loopback_port)"

    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    chroot "$root" /usr/bin/env -i \
        HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        LD_LIBRARY_PATH=/w/lib \
        ARTICLE_SYNC_PROBE_URL="http://127.0.0.1:$(cat "$port_file")/" \
        ARTICLE_SYNC_CLOSED_URL="http://127.0.0.1:$closed_port/" \
        /bin/sh -c 'cd /w/pkg && swift test --disable-swift-testing --scratch-path /w/build -Xlinker -L/w/lib 2>&1'
    cleanup_swift
    trap - EXIT
}

for lang in "${langs[@]}"; do
    "test_$lang"
done
