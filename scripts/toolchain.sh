#!/usr/bin/env bash
# Makes sure Debian's toolchain for Corral's wasm builds is present, installing what is missing.
# Idempotent: a machine that has everything runs no apt command at all.
#   - kernel-core: Debian's rustc 1.63 with the wasm32 standard library (libstd-rust-dev-wasm32).
#     A newer rustc on PATH (rustup) lacks that target, so every build names /usr/bin/rustc.
#   - guest programs: clang, lld (wasm-ld), llvm-ar (the SDK's library), wasi-libc and the wasm32
#     compiler-rt builtins; gcc for the native builds the differential tests compare against.
set -euo pipefail

missing=()
[ -x /usr/bin/rustc ] || missing+=(rustc)
[ -x /usr/bin/cargo ] || missing+=(cargo)
[ -d /usr/lib/rustlib/wasm32-unknown-unknown/lib ] || missing+=(libstd-rust-dev-wasm32)
[ -x /usr/bin/clang ] || missing+=(clang)
command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
command -v llvm-ar >/dev/null 2>&1 || missing+=(llvm)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -f /usr/include/wasm32-wasi/stdio.h ] || missing+=(wasi-libc)
ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1 || missing+=(libclang-rt-dev-wasm32)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

exec bash "$(dirname "$0")/apt-install.sh" toolchain "${missing[@]}"
