// The corral CLI in Node, which bin/corral (a shell launcher) runs; `node bin/corral.cjs` works too.
//
// Runs the CommonJS bundle dist/cli/corral.bundle.cjs (made by `npm run build`), or the unbundled
// tree when no bundle was made or it is older than a later `tsc` build (tsc rewrites every output,
// so the entry's mtime says when the tree was last built).
//
// The bundle is compiled with a V8 code cache: `corral run` is a whole process lifetime, and
// compiling 0.5 MB of JavaScript was ~14 ms of it, ~4 from the cache. The cache is made by the
// first run of a build, at its exit (so it holds every function that run compiled), and kept in the
// user's cache directory, as platform/instrument_cache.ts keeps instrumented programs: the same
// directory rule, and the same trust rule (this user's own, writable by nobody else: a code cache
// is code). V8 checks that a cache fits the source, the V8 version and the flags, and rejects one
// that does not; the bundle is then compiled as usual and the cache made again.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL } = require('node:url');

const DIST = path.join(__dirname, '..', 'dist', 'cli');
const BUNDLE = path.join(DIST, 'corral.bundle.cjs');
const ENTRY = path.join(DIST, 'corral_entry.js');
/** Code caches kept (one per build of the bundle; several checkouts may share the directory). */
const KEEP = 4;

function statOf(file) {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

/** $CORRAL_CACHE_DIR ('' turns caching off), else $XDG_CACHE_HOME/corral, else ~/.cache/corral. */
function cacheRoot() {
  const own = process.env.CORRAL_CACHE_DIR;
  if (own !== undefined) return own === '' ? null : path.resolve(own);
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'corral');
  const home = process.env.HOME || os.homedir();
  return home ? path.join(home, '.cache', 'corral') : null;
}

/** `<cache root>/code`, made when missing; null unless it is this user's own and closed to others. */
function codeDir() {
  const root = cacheRoot();
  if (root === null) return null;
  const dir = path.join(root, 'code');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    for (const d of [root, dir]) {
      const st = fs.statSync(d);
      if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) return null;
    }
    return dir;
  } catch {
    return null;
  }
}

/** Writes the cache atomically, then keeps only the KEEP newest. Never throws: it is only a cache. */
function store(dir, file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
    const old = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith('corral-') && n.endsWith('.bin'))
      .map((n) => ({ f: path.join(dir, n), t: statOf(path.join(dir, n))?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t)
      .slice(KEEP);
    for (const { f } of old) fs.rmSync(f, { force: true });
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

function runBundle(st) {
  const source = fs.readFileSync(BUNDLE, 'utf8');
  const dir = codeDir();
  // The bundle's identity and the engine's: a rebuild or another Node gets a cache of its own.
  const name = `corral-${process.version}-${process.arch}-${st.ino}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`;
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
  const script = new vm.Script(wrapped, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  if (file !== null && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, once the run has compiled what a run needs (the CLI always ends with process.exit).
    process.once('exit', () => store(dir, file, script.createCachedData()));
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, BUNDLE, DIST);
}

const entry = statOf(ENTRY);
if (entry === null) {
  process.stderr.write(`corral: not built yet; run \`npm run build\` in ${path.join(__dirname, '..')}\n`);
  process.exit(1);
}
const bundle = statOf(BUNDLE);
if (bundle !== null && bundle.mtimeMs >= entry.mtimeMs) runBundle(bundle);
else void import(pathToFileURL(ENTRY).href);
