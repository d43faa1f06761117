#!/usr/bin/env bash
# Makes sure Debian's Chromium is present for the trace UI's browser test (test/trace-ui.test.ts),
# which drives it through playwright-core with executablePath. Idempotent: no apt command runs when
# /usr/bin/chromium exists. Only the test command calls this; running Corral never needs a browser.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
exec bash "$(dirname "$0")/apt-install.sh" browser chromium
