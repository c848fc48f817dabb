#!/usr/bin/env bash
# Installs Swift for Linux (Debian trixie's `swiftlang`, Swift 6.0) in a Debian trixie chroot,
# cached outside the repository so a second run takes seconds. Needs root.
#
#   scripts/install-swift-chroot.sh          # prints the chroot's path on its last line
#
# Environment:
#   SWIFT_CHROOT   where the chroot lives (default /var/cache/article-sync-swift-chroot)
#   DEBIAN_MIRROR  the Debian package host for debootstrap
#
# The chroot is built in "$SWIFT_CHROOT.partial" and renamed only when complete, so an interrupted
# run never leaves a half-made chroot that a later run would mistake for a good one.
set -euo pipefail

ROOT="${SWIFT_CHROOT:-/var/cache/article-sync-swift-chroot}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
STAMP="$ROOT/.article-sync-swift-ready"

if [[ $(id -u) -ne 0 ]]; then
    echo "install-swift-chroot: needs root (debootstrap, chroot, mount)" >&2
    exit 1
fi

if [[ -f "$STAMP" && -x "$ROOT/usr/bin/swiftc" ]]; then
    echo "install-swift-chroot: reusing $ROOT ($(cat "$STAMP"))" >&2
    echo "$ROOT"
    exit 0
fi

if ! command -v debootstrap >/dev/null; then
    echo "install-swift-chroot: installing debootstrap" >&2
    "$(dirname "$0")/apt-install.sh" debootstrap
fi

WORK="$ROOT.partial"
unmount_proc() {
    if mountpoint -q "$WORK/proc" 2>/dev/null; then umount "$WORK/proc" || umount -l "$WORK/proc"; fi
}
trap unmount_proc EXIT

unmount_proc
rm -rf "$WORK"
mkdir -p "$(dirname "$ROOT")"

echo "install-swift-chroot: debootstrap trixie into $WORK" >&2
debootstrap --variant=minbase trixie "$WORK" "$MIRROR" >"$WORK.log" 2>&1 || {
    tail -n 30 "$WORK.log" >&2
    echo "install-swift-chroot: debootstrap failed (log: $WORK.log)" >&2
    exit 1
}

mount -t proc proc "$WORK/proc"
cp /etc/resolv.conf "$WORK/etc/resolv.conf"
echo "install-swift-chroot: installing swiftlang in the chroot" >&2
chroot "$WORK" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
chroot "$WORK" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    swiftlang libc6-dev libstdc++-14-dev >>"$WORK.log" 2>&1 || {
    tail -n 30 "$WORK.log" >&2
    echo "install-swift-chroot: apt-get install swiftlang failed (log: $WORK.log)" >&2
    exit 1
}
chroot "$WORK" apt-get clean
version="$(chroot "$WORK" swiftc --version 2>&1 | head -n 1)"
unmount_proc
trap - EXIT

rm -rf "$ROOT"
mv "$WORK" "$ROOT"
rm -f "$WORK.log"
echo "$version" >"$STAMP"
echo "install-swift-chroot: ready: $version" >&2
echo "$ROOT"
