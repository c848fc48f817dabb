#!/usr/bin/env bash
# Checks the bindings crate (and so the core and every dependency) for the phone's target,
# aarch64-linux-android, as far as this machine allows: `cargo check`, no link.
#
#   scripts/check-android-rust.sh
#
# There is no Android NDK here (not reachable), so no bionic headers or libraries. The crates
# that compile C in their build scripts (ring; rusqlite's bundled SQLite) get Debian's clang with
# `--target=aarch64-linux-android26` and, standing in for bionic's headers, glibc's aarch64
# headers (libc6-dev-arm64-cross). So the Rust is checked for target_os = "android"; the C
# compiles to aarch64 objects, but against glibc's headers, and nothing is linked: linking the
# app's libarticle_sync.so needs the NDK (the Gradle build's cargo-ndk, android-sample/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-linux-android
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
missing=()
command -v clang >/dev/null || missing+=(clang)
command -v llvm-ar >/dev/null || command -v llvm-ar-14 >/dev/null || missing+=(llvm)
[[ -d /usr/aarch64-linux-gnu/include ]] || missing+=(libc6-dev-arm64-cross)
if [[ ${#missing[@]} -gt 0 ]]; then
    scripts/apt-install.sh "${missing[@]}"
fi
ar="$(command -v llvm-ar || command -v llvm-ar-14)"

started=$SECONDS
CC_aarch64_linux_android=clang AR_aarch64_linux_android="$ar" \
    CFLAGS_aarch64_linux_android="--target=${target}26 -isystem /usr/aarch64-linux-gnu/include" \
    cargo check -q --locked -p article-sync-bindings --target "$target"
echo "android-rust: cargo check -p article-sync-bindings --target $target passed ($((SECONDS - started)) s)" >&2
