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
if [[ ${#apt_packages[@]} -gt 0 ]]; then
    scripts/apt-install.sh "${apt_packages[@]}"
fi

python3 -c 'import pytest' 2>/dev/null || python3 -m pip install -q pytest

# Swift 6 for Linux in a cached Debian trixie chroot (scripts/install-swift-chroot.sh).
scripts/install-swift-chroot.sh >/dev/null
