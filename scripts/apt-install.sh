#!/usr/bin/env bash
# Installs Debian packages: `apt-install.sh WHO PKG...`. Used by toolchain.sh and browser.sh, which
# decide what is missing. Needs root or sudo. A fresh machine has empty package lists, so when the
# install fails the lists are updated once and the install tried again.
set -euo pipefail
who="$1"
shift
echo "$who: installing $*" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "$who: need root or sudo to install $*" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$@"
fi
