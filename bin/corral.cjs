// The corral CLI in Node, which bin/corral (a shell launcher) runs; `node bin/corral.cjs` works too.
// Runs the CommonJS bundle dist/cli/corral.bundle.cjs with a V8 code cache, or the unbundled tree
// when the bundle is missing or stale (bin/run_bundle.cjs says how and why).
'use strict';
const path = require('node:path');
const { runBundle } = require('./run_bundle.cjs');

const DIST = path.join(__dirname, '..', 'dist', 'cli');
if (!runBundle(path.join(DIST, 'corral.bundle.cjs'), path.join(DIST, 'corral_entry.js'))) {
  process.stderr.write(`corral: not built yet; run \`npm run build\` in ${path.join(__dirname, '..')}\n`);
  process.exit(1);
}
