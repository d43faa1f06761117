#!/usr/bin/env bash
# The README's first command: builds Corral and runs its main job on the example it ships.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
exec node dist/cli/demo.js "$@"
