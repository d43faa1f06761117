#!/usr/bin/env bash
# Builds kernel-core to build/kernel_core.wasm with Debian's rustc 1.63 (wasm32-unknown-unknown,
# release: size-optimised, LTO, panic=abort). Skipped when the wasm is newer than every source.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/kernel_core.wasm
if [ -f "$out" ]; then
  newer=$(find kernel-core/src kernel-core/Cargo.toml -newer "$out" -print -quit)
  if [ -z "$newer" ]; then
    exit 0
  fi
fi
mkdir -p build
RUSTC=/usr/bin/rustc RUSTFLAGS="-C strip=symbols" /usr/bin/cargo build --quiet --release \
  --target wasm32-unknown-unknown --manifest-path kernel-core/Cargo.toml
cp kernel-core/target/wasm32-unknown-unknown/release/kernel_core.wasm "$out"
echo "kernel-core: $out ($(wc -c <"$out") bytes)"
