#!/usr/bin/env bash
# Type-checks the Rust code of the FFI crate (and so of the core and every dependency) for a
# phone target on Linux, with `cargo check`.
#
#   scripts/check-targets.sh ios        # aarch64-apple-ios (devices)
#   scripts/check-targets.sh ios-sim    # aarch64-apple-ios-sim (Apple-silicon simulators)
#
# What this proves and what it does not:
# - The Rust code of the whole dependency tree compiles for the target (cfg(target_os = "ios")
#   paths, crates that support iOS).
# - The C code does NOT: SQLite (rusqlite's bundled amalgamation) and ring include headers of
#   Apple's iOS SDK (TargetConditionals.h, libkern/OSAtomic.h, …), which ships only with Xcode
#   on macOS and is in no Debian package or registry reachable here. Debian's clang compiles for
#   --target=arm64-apple-ios, but without the SDK it stops at the first #include. So the C
#   compiler is a stand-in that writes an empty arm64 object for each C or assembly file:
#   `cargo check` only needs the objects to exist, it links nothing.
# - ios-sim: the Rust distribution reachable here lists no rust-std for aarch64-apple-ios-sim
#   (nor x86_64-apple-ios): "available = false" in the channel manifests of stable 1.95.0 and of
#   the nightly, so `rustup target add` fails with 404. So ios-sim builds the standard library
#   from source with the nightly toolchain and its rust-src (`-Zbuild-std`): the nightly
#   already installed, else the current one; slower, and not pinned.
# - Linking, the XCFramework and the app itself need Xcode: ios-sample/README.md.
#
# Needs rustup and clang (Debian's `clang`; installed with apt-get when missing, as root).
# Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    ios)
        target=aarch64-apple-ios
        cargo=(cargo)
        ;;
    ios-sim)
        target=aarch64-apple-ios-sim
        cargo=(cargo +nightly)
        ;;
    *)
        echo "usage: $0 ios|ios-sim" >&2
        exit 2
        ;;
esac

if ! command -v clang >/dev/null || ! command -v llvm-ar >/dev/null; then
    echo "check-targets: installing clang and llvm" >&2
    scripts/apt-install.sh clang llvm
fi

# A fixed place, so that a second run finds the same compiler and rebuilds nothing.
mkdir -p "${CARGO_TARGET_DIR:-target}/check-targets"
work="$(cd "${CARGO_TARGET_DIR:-target}/check-targets" && pwd)"
# The stand-in C compiler: compiling (-c … -o OUT) writes an empty object for the target;
# anything else (cc-rs asking which compiler this is) goes to clang itself.
cat >"$work/cc" <<'EOF'
#!/bin/sh
out=""
compile=false
prev=""
for arg in "$@"; do
    [ "$prev" = "-o" ] && out="$arg"
    [ "$arg" = "-c" ] && compile=true
    prev="$arg"
done
if $compile && [ -n "$out" ]; then
    exec clang --target=arm64-apple-ios -c -x c /dev/null -o "$out"
fi
exec clang "$@"
EOF
chmod +x "$work/cc"
# cc-rs asks `xcrun` for the SDK unless SDKROOT names one; an empty folder stands in for it.
mkdir -p "$work/sdk"

check=(check --locked -p article-sync-bindings --target "$target")
if [[ "$target" == aarch64-apple-ios-sim ]]; then
    # The nightly already installed, if any (installing would update it under other users).
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        rustup toolchain install nightly --profile minimal >&2
    fi
    rustup component add rust-src --toolchain nightly >&2
    check+=(-Zbuild-std=std,panic_abort)
else
    rustup target add "$target" >&2
fi
var="${target//-/_}"
echo "== cargo check --target $target (Rust only: the C is not compiled, see above)" >&2
env "CC_$var=$work/cc" "AR_$var=llvm-ar" SDKROOT="$work/sdk" "${cargo[@]}" "${check[@]}"
echo "check-targets: the Rust code compiles for $target" >&2
