#!/usr/bin/env bash
# Fuzzes the parsers that read untrusted bytes (fuzz/fuzz_targets/: head, root and signed notes,
# log and snapshot parts, the part list, the gzip and JSON decoders, feed import, article files,
# the sanitiser, search, route URLs and mirror lists) with cargo-fuzz and libFuzzer, on the
# stable toolchain. Each target runs for SECONDS (default 60) from its seed corpus
# fuzz/corpus/<target>/; new inputs go to a temporary folder, not into the repository.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Fails on a crash or panic, a hang (one input over 10 s) or running out of memory (over
# 2 GiB); the input that did it is kept in fuzz/artifacts/<target>/. Replay one with
# `cargo fuzz run TARGET FILE` in fuzz/ (with RUSTC_BOOTSTRAP=1 and -s none, as below), and add
# it as a regression test beside the code it broke. cargo-fuzz comes from scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
# cargo-fuzz is made for nightly. Without a sanitizer its rustc flags are stable ones;
# RUSTC_BOOTSTRAP lets the stable toolchain take any nightly-only one. No sanitizer: the code is
# safe Rust, and AddressSanitizer wants a nightly toolchain.
export RUSTC_BOOTSTRAP=1
fuzz=(cargo fuzz)
build_flags=(--sanitizer none)

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <("${fuzz[@]}" list)
fi

started=$SECONDS
"${fuzz[@]}" build "${build_flags[@]}"
echo "fuzz: built ${#targets[@]} targets ($((SECONDS - started)) s)" >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    if ! "${fuzz[@]}" run "${build_flags[@]}" "$target" "$work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$work/$target.log" 2>&1; then
        tail -n 40 "$work/$target.log" >&2
        echo "fuzz: $target FAILED (the input is in fuzz/artifacts/$target/)" >&2
        exit 1
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$' || echo '?')"
    echo "fuzz: $target ok, $runs runs in $seconds s" >&2
done
echo "fuzz: ${#targets[@]} targets passed ($((SECONDS - started)) s)" >&2
