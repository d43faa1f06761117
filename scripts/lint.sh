#!/usr/bin/env bash
# Formatter and linters: prettier + eslint for TypeScript; cargo fmt + clippy (host toolchain) and
# a wasm build with Debian's rustc 1.63 for kernel-core.
set -euo pipefail
cd "$(dirname "$0")/.."
npx prettier --check . --log-level warn
npx eslint .
if [ -f kernel-core/Cargo.toml ]; then
  if cargo fmt --version >/dev/null 2>&1; then
    cargo fmt --manifest-path kernel-core/Cargo.toml --check
  else
    echo "lint: cargo fmt not available, skipped" >&2
  fi
  if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --quiet --manifest-path kernel-core/Cargo.toml --all-targets -- -D warnings
  else
    echo "lint: cargo clippy not available, skipped" >&2
  fi
fi
