#!/usr/bin/env bash
# Builds everything Corral runs from: npm packages, the Debian toolchain, the TypeScript,
# the kernel-core wasm and the guest programs. Each step is skipped when already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
bash scripts/toolchain.sh
npx tsc -p tsconfig.json
# The CLI as one file (scripts/bundle.mjs): `corral run` would otherwise spend ~70 ms loading modules.
node scripts/bundle.mjs
[ -f scripts/build-kernel.sh ] && bash scripts/build-kernel.sh
[ -f scripts/build-sdk.sh ] && bash scripts/build-sdk.sh
[ -f scripts/build-guests.sh ] && bash scripts/build-guests.sh
bash scripts/build-native.sh
exit 0
