#!/usr/bin/env bash
# Runs every test of the project: formatting and lints (also of the sample apps' sources), the
# dependency check (cargo deny), the Rust tests (`cargo test`, which also runs the demo and the
# benchmark's quick mode: cli/tests/{demo,bench}.rs), every fuzz target briefly
# (scripts/fuzz.sh), and the generated bindings in Python, Kotlin (JVM) and Swift (Linux) against
# real servers on loopback, and the Android sample's own code under Robolectric
# (scripts/test-android.sh). Installs what a fresh Debian machine lacks first
# (scripts/install-deps.sh; root).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
PATH="$(scripts/install-go-servers.sh --dir):$PATH"
export PATH
# One clean build: incremental state only costs disk and time here.
export CARGO_INCREMENTAL=0

# Each step says how long the run has taken so far (the whole run must stay well under 45 min).
step() { echo "== [$((SECONDS / 60)) min $((SECONDS % 60)) s] $*"; }

step "rustfmt and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The sample apps' sources (ktlint, swiftc -parse) first too: seconds, not a whole run, to fail.
scripts/lint-samples.sh

step "dependencies: licences, duplicate versions, sources (cargo deny, offline; deny.toml)"
# cargo deny reads the metadata of every platform's dependencies, which a build on this one
# never downloads: fetch them first (nothing to do when the registry cache holds them).
cargo fetch --locked
cargo deny --offline --locked check licenses bans sources

step "cargo test"
cargo test --workspace --locked

step "fuzzing: every target briefly from its seed corpus (scripts/fuzz.sh)"
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
scripts/fuzz.sh 5

step "bindings: Python, Kotlin, Swift"
scripts/test-bindings.sh python kotlin swift

step "Android sample on the host (Robolectric), the core checked for aarch64-linux-android"
scripts/test-android.sh
step "all passed"
