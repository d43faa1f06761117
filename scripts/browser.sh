#!/usr/bin/env bash
# Makes sure Debian's Chromium is present for the trace UI's browser test (test/trace-ui.test.ts),
# which drives it through playwright-core with executablePath. Idempotent: no apt command runs when
# /usr/bin/chromium exists. Only the test command calls this; running Corral never needs a browser.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
echo "browser: installing chromium for the trace UI test" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "browser: need root or sudo to install chromium" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium
fi
