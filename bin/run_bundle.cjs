// Runs one of Corral's CommonJS bundles (scripts/bundle.mjs) with a V8 code cache, or the unbundled
// entry when the bundle is missing or older than a later `tsc` build (tsc rewrites every output, so
// the entry's mtime says when the tree was last built). Used by bin/corral.cjs for the CLI, and as
// a program of its own for the detached sandbox host (cli/cmd_create.ts):
//   node bin/run_bundle.cjs BUNDLE ENTRY [ARGS...]   (the program sees `node ENTRY ARGS...`)
//
// The code cache. A CLI command or a sandbox host is a short or fresh process, and compiling its
// half-megabyte bundle was ~14 ms of a `corral run`, ~4 from a cache (and importing the host's
// ~100 unbundled modules ~100 ms). The cache is made by the first run of a build, at its exit (so
// it holds every function that run compiled), and kept in the user's cache directory, as
// platform/instrument_cache.ts keeps instrumented programs: the same directory rule, and the same
// trust rule (this user's own, writable by nobody else: a code cache is code). V8 checks that a
// cache fits the source, the V8 version and the flags, and rejects one that does not; the bundle
// is then compiled as usual and the cache made again.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');
const { cacheRoot, ownedSubdir } = require('./cache_dir.cjs');

/** Code caches kept per program (one per build; several checkouts may share the directory). */
const KEEP = 4;

function statOf(file) {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

/** `<cache root>/code` (bin/cache_dir.cjs: the root, and the rule it must pass), or null. */
function codeDir() {
  const root = cacheRoot();
  return root === null ? null : ownedSubdir(root, 'code');
}

/** Writes the cache atomically, then keeps only the KEEP newest of its program. Never throws. */
function store(dir, file, prefix, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    const old = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith(prefix) && n.endsWith('.bin'))
      .map((n) => ({ f: path.join(dir, n), t: statOf(path.join(dir, n))?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t)
      .slice(KEEP);
    for (const { f } of old) fs.rmSync(f, { force: true });
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

function runCached(bundle, st) {
  const source = fs.readFileSync(bundle, 'utf8');
  const dir = codeDir();
  // The program, the bundle's identity and the engine's: a rebuild or another Node gets its own.
  const prefix = `${path.basename(bundle, '.cjs')}-`;
  const name = `${prefix}${process.version}-${process.arch}-${st.ino}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`;
  const file = dir === null ? null : path.join(dir, name);
  let cachedData;
  if (file !== null) {
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // none yet: made at exit
    }
  }
  // CommonJS's own wrapper, so that the bundle sees the variables a module does.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (file !== null && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, once the run has compiled what a run needs (both programs end with process.exit).
    process.once('exit', () => store(dir, file, prefix, script.createCachedData()));
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, bundle, path.dirname(bundle));
}

/** Runs `bundle` when it is fresh, else `entry` (an ES module); false when neither is built. */
function runBundle(bundle, entry) {
  const e = statOf(entry);
  if (e === null) return false;
  const b = statOf(bundle);
  if (b !== null && b.mtimeMs >= e.mtimeMs) runCached(bundle, b);
  else void import(pathToFileURL(entry).href);
  return true;
}

module.exports = { runBundle };

if (require.main === module) {
  const [bundle, entry] = process.argv.splice(2, 2);
  // The program reads its arguments from process.argv[2] on, as `node ENTRY ARGS...` gives them.
  process.argv[1] = entry;
  if (!runBundle(path.resolve(bundle), path.resolve(entry))) {
    process.stderr.write(`corral: ${entry} is not built; run \`npm run build\`\n`);
    process.exit(1);
  }
}
