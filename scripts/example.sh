#!/usr/bin/env bash
# The README's first command: builds Corral and runs its main job on the example it ships:
# `corral run` of the OCI bundle examples/hello, with a private state root removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
root=$(mktemp -d "${TMPDIR:-/tmp}/corral-example.XXXXXX")
trap 'rm -rf "$root"' EXIT
set +e
bin/corral --root "$root" run --bundle examples/hello hello-example
code=$?
set -e
echo "corral: container hello-example exited with status $code" >&2
exit $code
