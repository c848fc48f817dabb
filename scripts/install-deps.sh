#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian 12 machine (with Rust, Python, a JDK and
# Maven, as on the project's machines) may lack. Idempotent: a second run only checks.
# Needs root for apt-get and for the Swift chroot.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "install-deps: cargo (rustup) is required" >&2; exit 1; }
for component in clippy rustfmt; do
    rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done

apt_packages=()
command -v java >/dev/null || apt_packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || apt_packages+=(maven)
command -v newsboat >/dev/null || apt_packages+=(newsboat)
command -v strip >/dev/null || apt_packages+=(binutils)
# Headless Chromium opens the mirror's website in tests/tests/site.rs; DejaVu has Persian glyphs.
command -v chromium >/dev/null || apt_packages+=(chromium)
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || apt_packages+=(fonts-dejavu-core)
if [[ ${#apt_packages[@]} -gt 0 ]]; then
    scripts/apt-install.sh "${apt_packages[@]}"
fi

# cargo-fuzz runs the fuzz targets (scripts/fuzz.sh), cargo-deny checks the dependency graph
# (deny.toml); both built from crates.io for the installed (stable) toolchain.
cargo fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz --version 0.13.2
cargo deny --version >/dev/null 2>&1 || cargo install --locked cargo-deny --version 0.20.2

python3 -c 'import pytest' 2>/dev/null || python3 -m pip install -q pytest

# SeaweedFS and kubo, the object store and IPFS node `publish --to` is tested against, built
# from the Go module proxy (scripts/install-go-servers.sh; scripts/test.sh puts them on PATH).
scripts/install-go-servers.sh

# Swift 6 for Linux in a cached Debian trixie chroot (scripts/install-swift-chroot.sh).
scripts/install-swift-chroot.sh >/dev/null
