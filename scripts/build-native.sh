#!/usr/bin/env bash
# Builds Corral's native parts with the host's clang (scripts/toolchain.sh installs it):
# scripts/native/corral-pty.c to build/native/corral-pty, which allocates terminals and passes them
# over a console socket (cli/console.ts), and the corral_at addon below. Each is rebuilt only when
# its source is newer.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${HOST_CC:-clang}
src=scripts/native/corral-pty.c
out=build/native/corral-pty
mkdir -p "$(dirname "$out")"
if [ ! -f "$out" ] || [ "$src" -nt "$out" ]; then
  "$CC" -O2 -Wall -Wextra -Werror "$src" -o "$out.tmp"
  mv "$out.tmp" "$out"
  echo "native: built $out" >&2
fi

# The corral_at Node-API addon (actors/gofer/host_at.ts, beneath.ts): fstatat, openat2, preadv,
# pwritev and getdents for the gofer and the guests' direct file service. Optional: without Node's
# headers it is not built and the resolver and Node's fs serve the same calls.
src=scripts/native/corral_at.c
out=build/native/corral_at.node
headers=${NODE_HEADERS:-/usr/include/node}
if [ -f "$headers/node_api.h" ] && { [ ! -f "$out" ] || [ "$src" -nt "$out" ]; }; then
  "$CC" -O2 -Wall -Wextra -Werror -shared -fPIC -I"$headers" "$src" -o "$out.tmp"
  mv "$out.tmp" "$out"
  echo "native: built $out" >&2
elif [ ! -f "$headers/node_api.h" ]; then
  echo "native: no $headers/node_api.h: corral_at not built (the gofer uses path calls)" >&2
fi
