// Where Corral keeps what it caches between processes, and the rule a cache directory must pass
// before anything read from it is trusted. One rule for both caches: the V8 code caches of
// bin/run_bundle.cjs (plain CommonJS, as it runs before any bundle has loaded) and the instrumented
// programs of platform/instrument_cache.ts, which requires this file.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * $CORRAL_CACHE_DIR ('' turns caching off), else $XDG_CACHE_HOME/corral (when absolute), else
 * $HOME/.cache/corral (the passwd entry's home when HOME is unset or empty); null when none is known.
 */
function cacheRoot(env = process.env) {
  const own = env.CORRAL_CACHE_DIR;
  if (own !== undefined) return own === '' ? null : path.resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'corral');
  const home = env.HOME || os.homedir();
  return home ? path.join(home, '.cache', 'corral') : null;
}

/**
 * `<root>/<name>`, made (mode 0700) when missing; null unless both are directories of this user
 * that nobody else may write (a cache holds code, or what code is made from), or on any error.
 */
function ownedSubdir(root, name) {
  const dir = path.join(root, name);
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

module.exports = { cacheRoot, ownedSubdir };
