#!/usr/bin/env bash
# Builds the FFI library and generates its Kotlin, Swift and Python bindings (uniffi library
# mode, configured by bindings/uniffi.toml).
#
#   scripts/generate-bindings.sh [--release]
#
# Output: target/<profile>/libarticle_sync.so and target/bindings/{kotlin,swift,python}/.
# Prints the library's path on its last line.
set -euo pipefail

cd "$(dirname "$0")/.."
profile=debug
if [[ "${1:-}" == "--release" ]]; then
    profile=release
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--release]" >&2
    exit 2
fi

target_dir="${CARGO_TARGET_DIR:-target}"
if [[ "$profile" == release ]]; then
    # Two builds, so uniffi's `cli` feature (the generator) never reaches the app's library.
    cargo build -q --release -p article-sync-bindings
    cargo build -q --release -p uniffi-bindgen
else
    # The tests' library: built with the feature resolution of `cargo test --workspace` (every
    # member, dev-dependencies included), so after the tests nothing is compiled again; any
    # narrower selection resolves other features (tokio's `test-util`, uniffi's `cli`) and
    # compiles most dependencies a second time.
    cargo build -q --workspace --all-targets
fi
lib="$target_dir/$profile/libarticle_sync.so"
bindgen="$target_dir/$profile/uniffi-bindgen"
[[ -f "$lib" ]] || { echo "generate-bindings: $lib was not built" >&2; exit 1; }

for lang in kotlin swift python; do
    out="$target_dir/bindings/$lang"
    rm -rf "$out"
    mkdir -p "$out"
    "$bindgen" generate --library "$lib" --language "$lang" --out-dir "$out" --no-format >/dev/null
done
ls "$target_dir"/bindings/* >&2
echo "$lib"
