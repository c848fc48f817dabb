#!/usr/bin/env bash
# Builds the real servers the publishing tests upload to, from the Go module proxy:
#   weed  SeaweedFS (an S3-compatible object store)
#   ipfs  kubo (an IPFS node with its HTTP API and gateway)
# into "$(scripts/install-go-servers.sh --dir)", cached by version; a second run only checks.
# Both modules carry `replace` directives, so `go install mod@version` refuses them: each is
# built inside its own downloaded source. kubo 0.43.1 replaces go-libp2p with a fork the proxy
# does not serve; it builds with go-libp2p's release and the quic-go/webtransport-go that
# release asks for (the fork only raised those two).
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/article-sync/go-servers"
bin="$cache/bin"
if [[ "${1:-}" == --dir ]]; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "install-go-servers: Go is required" >&2; exit 1; }

# name  module@version  package  go.mod edits
servers=(
    "weed|github.com/seaweedfs/seaweedfs@v0.0.0-20261109003541-7506e5f91cd6|./weed|"
    "ipfs|github.com/ipfs/kubo@v0.43.1|./cmd/ipfs|-dropreplace=github.com/libp2p/go-libp2p -require=github.com/quic-go/quic-go@v0.60.0 -require=github.com/quic-go/webtransport-go@v0.11.1"
)

mkdir -p "$bin"
for server in "${servers[@]}"; do
    IFS='|' read -r name module package edits <<<"$server"
    stamp="$bin/.$name.version"
    if [[ -x "$bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$module" ]]; then
        continue
    fi
    started=$SECONDS
    dir=$(go mod download -json "$module" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    src=$(mktemp -d)
    trap 'rm -rf "$src"' EXIT
    cp -r "$dir/." "$src"
    chmod -R u+w "$src"
    (
        cd "$src"
        # shellcheck disable=SC2086 # the edits are separate arguments
        [[ -z "$edits" ]] || go mod edit $edits
        GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$bin/$name.new" "$package"
    )
    mv "$bin/$name.new" "$bin/$name"
    echo "$module" >"$stamp"
    rm -rf "$src"
    echo "install-go-servers: built $name ($module) in $((SECONDS - started)) s" >&2
done
