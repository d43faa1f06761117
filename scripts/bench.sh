#!/usr/bin/env bash
# npm run bench -- NAME [NAME...]: builds, then runs the named benchmarks (all when none is named).
# Each benchmark prints one JSON object a line: {"name","value","unit","n"}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
exec node dist/scripts/bench/main.js "$@"
