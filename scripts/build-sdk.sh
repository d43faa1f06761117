#!/usr/bin/env bash
# Builds the C SDK (platform/sdk): build/sdk/libcorral.a from platform/sdk/src/*.c, with Debian's
# clang and wasi-libc. Rebuilt only when a source or header is newer than the library.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CC:-clang}
AR=${AR:-llvm-ar}
out=build/sdk/libcorral.a
newest=$(find platform/sdk -type f -newer "$out" 2>/dev/null | head -1 || true)
if [ -f "$out" ] && [ -z "$newest" ]; then
  exit 0
fi
mkdir -p build/sdk/obj
objs=()
for src in platform/sdk/src/*.c; do
  obj="build/sdk/obj/$(basename "$src" .c).o"
  "$CC" --target=wasm32-wasi -O2 -Wall -Wextra -Werror -Iplatform/sdk/include -c "$src" -o "$obj"
  objs+=("$obj")
done
rm -f "$out.tmp"
"$AR" rcs "$out.tmp" "${objs[@]}"
mv "$out.tmp" "$out"
echo "sdk: built $out" >&2
