# Sourced by scripts/test-bindings.sh and scripts/test-android.sh with the debug build's folder
# (where the FFI library is), from the repository's root: builds the CLI and the test tool
# future-head (tests/src/bin) there, publishes tests/fixtures/seed with a fresh key and starts
# `article-sync serve --tls` on loopback; the tests read ARTICLE_SYNC_TEST_*:
#   KEY, CA          the publisher's public key; a PEM file with every server's throw-away CA
#   MAIN             a healthy main site
#   MAIN_BLOCKED     a main site that resets every connection (a censor)
#   MIRROR           a healthy mirror of the same tree
#   BLACKHOLE_A      two servers that accept connections and never answer
#   BLACKHOLE_B
#   CLOSED           a loopback https URL nothing listens on
#   PHOTOS           a healthy server of another tree (same key), published from
#                    tests/fixtures/photos: one article whose wide photo has a phone-sized
#                    variant and its full-size original
#   FUTURE           a copy of MAIN's tree whose head is re-signed (same key) in the tree
#                    format after the one this build reads: a sync from it alone fails with
#                    UpdateNeeded ("update the app")
#   RELAY            a comment relay to the publisher's inbox (the tree's comment endpoint)
#   PUBLISH_COMMENTS a URL: a POST approves every comment the inbox received and publishes them
#                    (the publisher's side, reachable from the Swift chroot too)
# The servers stop when the sourcing script exits (its EXIT trap calls stop_servers).
bin="$(realpath "$1")"
# The tests' build, as scripts/generate-bindings.sh makes it (nothing new after the tests).
cargo build -q --workspace --all-targets
cli="$bin/article-sync"
fixtures="$(mktemp -d)"
stop_servers() {
    local pid_file
    for pid_file in "$fixtures"/*.pid; do
        [[ -f "$pid_file" ]] && kill "$(cat "$pid_file")" 2>/dev/null || true
    done
    rm -rf "$fixtures"
}
trap stop_servers EXIT
"$cli" keygen --out "$fixtures/keys" >/dev/null

# start NAME PATTERN COMMAND...: a long-running command in the background; prints the first URL
# its output names that matches PATTERN, once it has.
start() {
    local name="$1" pattern="$2" url=""
    shift 2
    "$@" >"$fixtures/$name.out" 2>&1 &
    echo $! >"$fixtures/$name.pid" # a subshell runs this: stop_servers reads the pid files
    for _ in $(seq 200); do
        url="$(grep -o "$pattern" "$fixtures/$name.out" 2>/dev/null | head -n 1 || true)"
        [[ -n "$url" ]] && break
        sleep 0.05
    done
    [[ -n "$url" ]] || { cat "$fixtures/$name.out" >&2; echo "servers: $name did not start" >&2; exit 1; }
    echo "$url"
}
inbox="$(start inbox 'http://127\.0\.0\.1:[0-9]*/' "$cli" inbox --db "$fixtures/inbox.db" \
    --key "$fixtures/keys/publisher.key" --addr 127.0.0.1:0)"
ARTICLE_SYNC_TEST_RELAY="$(start relay 'http://127\.0\.0\.1:[0-9]*/' "$cli" relay --to "$inbox" \
    --addr 127.0.0.1:0)"
publish() {
    "$cli" publish --key "$fixtures/keys/publisher.key" --from "$PWD/tests/fixtures/seed" \
        --tree "$fixtures/tree" "$@" >/dev/null
}
publish --comments-url "$ARTICLE_SYNC_TEST_RELAY"
cat >"$fixtures/publish-comments" <<SCRIPT
#!/usr/bin/env bash
# Approves every comment the test inbox received, then publishes them with their receipts.
set -euo pipefail
for id in \$("$cli" comments --inbox "$fixtures/inbox.db" list --json |
    python3 -c 'import json, sys; print(*(c["id"] for c in json.load(sys.stdin) if c["status"] == "received"))'); do
    "$cli" comments --inbox "$fixtures/inbox.db" approve "\$id" >/dev/null
done
"$cli" publish --key "$fixtures/keys/publisher.key" --from "$PWD/tests/fixtures/seed" \
    --tree "$fixtures/tree" --inbox "$fixtures/inbox.db" >/dev/null
SCRIPT
chmod +x "$fixtures/publish-comments"
ARTICLE_SYNC_TEST_PUBLISH_COMMENTS="$(start publisher-hook 'http://127\.0\.0\.1:[0-9]*/' python3 -c '
import http.server, subprocess, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        done = subprocess.run([sys.argv[1]]).returncode == 0
        self.send_response(200 if done else 500)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
print(f"publisher hook on http://127.0.0.1:{server.server_port}/", flush=True)
server.serve_forever()
' "$fixtures/publish-comments")"

# serve NAME [FAULT]: a TLS server on a free loopback port; prints its URL.
serve() {
    local name="$1" fault="${2:-none}"
    start "$name" 'https://127\.0\.0\.1:[0-9]*/' "$cli" serve --tree "$fixtures/tree" \
        --addr 127.0.0.1:0 --tls --ca-out "$fixtures/ca-$name.pem" --fault "$fault"
}
ARTICLE_SYNC_TEST_MAIN="$(serve main)"
ARTICLE_SYNC_TEST_MAIN_BLOCKED="$(serve main-blocked reset)"
ARTICLE_SYNC_TEST_MIRROR="$(serve mirror)"
ARTICLE_SYNC_TEST_BLACKHOLE_A="$(serve blackhole-a blackhole)"
ARTICLE_SYNC_TEST_BLACKHOLE_B="$(serve blackhole-b blackhole)"
"$cli" publish --key "$fixtures/keys/publisher.key" --from "$PWD/tests/fixtures/photos" \
    --tree "$fixtures/photos-tree" >/dev/null
ARTICLE_SYNC_TEST_PHOTOS="$(start photos 'https://127\.0\.0\.1:[0-9]*/' "$cli" serve \
    --tree "$fixtures/photos-tree" --addr 127.0.0.1:0 --tls --ca-out "$fixtures/ca-photos.pem")"
cp -r "$fixtures/tree" "$fixtures/future-tree"
"$bin/future-head" "$fixtures/keys/publisher.key" "$fixtures/future-tree" >/dev/null
ARTICLE_SYNC_TEST_FUTURE="$(start future 'https://127\.0\.0\.1:[0-9]*/' "$cli" serve \
    --tree "$fixtures/future-tree" --addr 127.0.0.1:0 --tls --ca-out "$fixtures/ca-future.pem")"
closed_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ARTICLE_SYNC_TEST_CLOSED="https://127.0.0.1:$closed_port/"
cat "$fixtures"/ca-*.pem >"$fixtures/ca.pem"
ARTICLE_SYNC_TEST_CA="$fixtures/ca.pem"
ARTICLE_SYNC_TEST_KEY="$(cat "$fixtures/keys/publisher.pub")"
export ARTICLE_SYNC_TEST_MAIN ARTICLE_SYNC_TEST_MAIN_BLOCKED ARTICLE_SYNC_TEST_MIRROR \
    ARTICLE_SYNC_TEST_BLACKHOLE_A ARTICLE_SYNC_TEST_BLACKHOLE_B ARTICLE_SYNC_TEST_CLOSED \
    ARTICLE_SYNC_TEST_CA ARTICLE_SYNC_TEST_KEY ARTICLE_SYNC_TEST_RELAY \
    ARTICLE_SYNC_TEST_PUBLISH_COMMENTS ARTICLE_SYNC_TEST_PHOTOS ARTICLE_SYNC_TEST_FUTURE
