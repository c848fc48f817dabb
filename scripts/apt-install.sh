#!/usr/bin/env bash
# Installs Debian packages the way every script of the project does: the package lists
# refreshed first, no questions, and waiting (up to ten minutes) for another install to finish
# instead of failing on the package manager's lock. Needs root.
#
#   scripts/apt-install.sh PACKAGE...
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
echo "apt-install: $*" >&2
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}
apt_get update -qq
apt_get install -y -qq "$@" >/dev/null
