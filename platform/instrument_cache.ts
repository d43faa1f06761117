// Instrumented modules kept on disk between processes. Instrumenting a program's loops (instrument.ts)
// is JavaScript that runs cold in a short-lived process: ~15-20 ms for a 30 KiB program in a fresh
// `corral run`, most of its own time on the critical path before the guest starts. The result
// depends only on the program's bytes and on the instrumenter's code, so it is kept under the sha256
// of both, as wasmtime keeps compiled code in its cache directory.
//
// The directory is the user's own (0700, owned by this uid, or it is not used): a file in it is run
// as the instrumented form of a program, and whoever could write it could hand a guest a module
// without its polls (the guest would still be confined by WebAssembly, but could no longer be
// stopped between syscalls). Entries are written atomically (a temp file renamed into place), so a
// reader sees a whole entry or none; an entry that does not start as a module is ignored and
// rewritten. The cache is bounded: past MAX_ENTRIES files, the oldest half (by mtime, which a hit
// refreshes) goes.
//
// Off unless a program turns it on (useInstrumentCache): the CLI does, with $CORRAL_CACHE_DIR, else
// $XDG_CACHE_HOME/corral, else ~/.cache/corral; an engine embedding Corral keeps its modules in
// memory (module.ts's ModuleCache) and needs none.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files kept at most; beyond it the oldest half is removed. */
export const MAX_ENTRIES = 256;

/** Entries live in `<dir>/instrumented/`. Set by useInstrumentCache; per process (per thread). */
let entriesDir: string | null = null;
/** sha256 of the instrumenter's own code, hex, once computed; '' when it cannot be read. */
let instrumenterHash: string | undefined;

/** bin/cache_dir.cjs: the cache root and the rule a cache directory must pass, shared with the
 * code caches of bin/run_bundle.cjs (which runs before any bundle, so the rule is plain CommonJS). */
const cacheDirs = createRequire(import.meta.url)('../../bin/cache_dir.cjs') as {
  cacheRoot(env: NodeJS.ProcessEnv): string | null;
  ownedSubdir(root: string, name: string): string | null;
};

/**
 * The cache directory the CLI uses: $CORRAL_CACHE_DIR (empty turns the cache off), else
 * $XDG_CACHE_HOME/corral, else $HOME/.cache/corral; null when none is known.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return cacheDirs.cacheRoot(env);
}

/**
 * Turns the cache on in `dir` (made when missing, mode 0700), or off with null. A directory that is
 * not this user's own, or cannot be made, leaves the cache off; returns whether it is on.
 */
export function useInstrumentCache(dir: string | null): boolean {
  entriesDir = dir === null ? null : cacheDirs.ownedSubdir(dir, 'instrumented');
  return entriesDir !== null;
}

/**
 * sha256 of the instrumenter's compiled file (dist/platform/instrument.js, which every build of the
 * CLI, bundled or not, is made from): any change to how loops are rewritten gives new keys.
 */
function ownHash(): string {
  if (instrumenterHash === undefined) {
    try {
      const file = fileURLToPath(new URL('./instrument.js', import.meta.url));
      instrumenterHash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    } catch {
      instrumenterHash = '';
    }
  }
  return instrumenterHash;
}

/** The entry's file name: the program's hash and the instrumenter's. */
export function entryName(programHash: string, instrumenter: string): string {
  return `${programHash}-${instrumenter.slice(0, 16)}.wasm`;
}

/**
 * The instrumented form of `bytes` (whose sha256 is `programHash`): from the cache when it holds
 * one, else made by `instrument` and stored. Cache faults (a full disk, a removed directory) only
 * cost the store: the result is the same either way.
 */
export function cachedInstrument(
  bytes: Uint8Array,
  programHash: string,
  instrument: (b: Uint8Array) => Uint8Array,
): Uint8Array {
  const dir = entriesDir;
  const self = dir === null ? '' : ownHash();
  if (dir === null || self === '') return instrument(bytes);
  const file = path.join(dir, entryName(programHash, self));
  try {
    const hit = fs.readFileSync(file);
    if (hit.length >= 8 && hit[0] === 0 && hit[1] === 0x61 && hit[2] === 0x73 && hit[3] === 0x6d) {
      const now = new Date();
      fs.utimesSync(file, now, now); // LRU: a hit is recent use
      return hit;
    }
  } catch {
    // not cached yet (ENOENT), or unreadable: made again below
  }
  const out = instrument(bytes);
  store(dir, file, out);
  return out;
}

/**
 * Removes the entry of `programHash` (one that did not compile: made again next time); returns
 * whether there was one, that is, whether the form that failed may have come from the cache.
 */
export function dropInstrumented(programHash: string): boolean {
  const self = entriesDir === null ? '' : ownHash();
  if (entriesDir === null || self === '') return false;
  try {
    fs.unlinkSync(path.join(entriesDir, entryName(programHash, self)));
    return true;
  } catch {
    return false;
  }
}

function store(dir: string, file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
    return;
  }
  trim(dir);
}

/** Keeps the directory under MAX_ENTRIES files, oldest first out. */
function trim(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  if (names.length <= MAX_ENTRIES) return;
  const aged = names.map((n) => {
    const f = path.join(dir, n);
    try {
      return { f, t: fs.statSync(f).mtimeMs };
    } catch {
      return { f, t: 0 };
    }
  });
  aged.sort((a, b) => a.t - b.t);
  for (const { f } of aged.slice(0, aged.length - MAX_ENTRIES / 2)) fs.rmSync(f, { force: true });
}
