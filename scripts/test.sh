#!/usr/bin/env bash
# The whole test suite: builds, then runs the TypeScript tests (node:test, TAP output) and the
# kernel-core Rust unit tests, and ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
bash scripts/browser.sh || { echo "chromium install failed"; echo "0 passed, 1 failed"; exit 1; }
node scripts/run-tests.mjs "$@"
