# Sourced by scripts/test-bindings.sh and scripts/test-android.sh with the CLI's path, from the
# repository's root: publishes tests/fixtures/seed with a fresh key and starts
# `article-sync serve --tls` on loopback; the tests read ARTICLE_SYNC_TEST_*:
#   KEY, CA          the publisher's public key; a PEM file with every server's throw-away CA
#   MAIN             a healthy main site
#   MAIN_BLOCKED     a main site that resets every connection (a censor)
#   MIRROR           a healthy mirror of the same tree
#   BLACKHOLE_A      two servers that accept connections and never answer
#   BLACKHOLE_B
#   CLOSED           a loopback https URL nothing listens on
# The servers stop when the sourcing script exits (its EXIT trap calls stop_servers).
cli="$1"
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
"$cli" publish --key "$fixtures/keys/publisher.key" --from tests/fixtures/seed --tree "$fixtures/tree" >/dev/null

# serve NAME [FAULT]: a TLS server on a free loopback port; prints its URL.
serve() {
    local name="$1" fault="${2:-none}" url=""
    "$cli" serve --tree "$fixtures/tree" --addr 127.0.0.1:0 --tls \
        --ca-out "$fixtures/ca-$name.pem" --fault "$fault" >"$fixtures/$name.out" 2>&1 &
    echo $! >"$fixtures/$name.pid" # a subshell runs this: stop_servers reads the pid files
    for _ in $(seq 200); do
        url="$(grep -o 'https://127\.0\.0\.1:[0-9]*/' "$fixtures/$name.out" 2>/dev/null | head -n 1 || true)"
        [[ -n "$url" && -s "$fixtures/ca-$name.pem" ]] && break
        sleep 0.05
    done
    [[ -n "$url" ]] || { cat "$fixtures/$name.out" >&2; echo "servers: $name did not start" >&2; exit 1; }
    echo "$url"
}
ARTICLE_SYNC_TEST_MAIN="$(serve main)"
ARTICLE_SYNC_TEST_MAIN_BLOCKED="$(serve main-blocked reset)"
ARTICLE_SYNC_TEST_MIRROR="$(serve mirror)"
ARTICLE_SYNC_TEST_BLACKHOLE_A="$(serve blackhole-a blackhole)"
ARTICLE_SYNC_TEST_BLACKHOLE_B="$(serve blackhole-b blackhole)"
closed_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ARTICLE_SYNC_TEST_CLOSED="https://127.0.0.1:$closed_port/"
cat "$fixtures"/ca-*.pem >"$fixtures/ca.pem"
ARTICLE_SYNC_TEST_CA="$fixtures/ca.pem"
ARTICLE_SYNC_TEST_KEY="$(cat "$fixtures/keys/publisher.pub")"
export ARTICLE_SYNC_TEST_MAIN ARTICLE_SYNC_TEST_MAIN_BLOCKED ARTICLE_SYNC_TEST_MIRROR \
    ARTICLE_SYNC_TEST_BLACKHOLE_A ARTICLE_SYNC_TEST_BLACKHOLE_B ARTICLE_SYNC_TEST_CLOSED \
    ARTICLE_SYNC_TEST_CA ARTICLE_SYNC_TEST_KEY
