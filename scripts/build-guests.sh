#!/usr/bin/env bash
# Builds the guest programs with Debian's clang and wasi-libc: every test/guests/*.c to
# build/guests/<name>.wasm, and examples/hello/hello.c to examples/hello/rootfs/bin/hello (a wasm
# binary with no extension, as in a rootfs). A target is rebuilt only when its source is newer.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CC:-clang}
CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-debug)

build() { # build SRC OUT
  local src=$1 out=$2
  if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$out")"
  "$CC" "${CFLAGS[@]}" "$src" -o "$out.tmp"
  mv "$out.tmp" "$out"
  echo "guests: built $out" >&2
}

for src in test/guests/*.c; do
  build "$src" "build/guests/$(basename "$src" .c).wasm"
done
build examples/hello/hello.c examples/hello/rootfs/bin/hello

# The POSIX differential programs (test/guests/posix): each built natively with gcc and to wasm
# with the SDK through `corral cc` (the way users build), so that test/posix-diff.test.ts can run
# both and compare.
for src in test/guests/posix/*.c; do
  [ -f "$src" ] || continue
  name=$(basename "$src" .c)
  native="build/posix/native/$name"
  wasm="build/posix/wasm/$name.wasm"
  mkdir -p build/posix/native build/posix/wasm
  # A program is rebuilt when it, a header beside it or the SDK changed.
  if [ ! -f "$native" ] || [ "$src" -nt "$native" ] || [ -n "$(find test/guests/posix -name '*.h' -newer "$native")" ]; then
    gcc -O2 -Wall -Wextra -o "$native" "$src"
  fi
  if [ ! -f "$wasm" ] || [ "$src" -nt "$wasm" ] || [ build/sdk/libcorral.a -nt "$wasm" ] ||
    [ -n "$(find test/guests/posix -name '*.h' -newer "$wasm")" ]; then
    node dist/cli/corral_entry.js cc -Wall -Wextra "$src" -o "$wasm"
    echo "guests: built $wasm" >&2
  fi
done
