#!/usr/bin/env bash
# Builds Corral's native helper with the host's clang (scripts/toolchain.sh installs it):
# scripts/native/corral-pty.c to build/native/corral-pty, which allocates terminals and passes them
# over a console socket (cli/console.ts). Rebuilt only when its source is newer.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${HOST_CC:-clang}
src=scripts/native/corral-pty.c
out=build/native/corral-pty
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
"$CC" -O2 -Wall -Wextra -Werror "$src" -o "$out.tmp"
mv "$out.tmp" "$out"
echo "native: built $out" >&2
