// The on-disk cache of instrumented programs (platform/instrument_cache.ts): a hit skips the
// instrumenter and gives the very bytes it made; a damaged entry is made again; a directory that is
// not the user's own is not used; the cache stays bounded; and a module whose cached form does not
// compile still loads, from the program itself.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import {
  cachedInstrument,
  defaultCacheDir,
  MAX_ENTRIES,
  useInstrumentCache,
} from '../platform/instrument_cache.js';
import { instrumentLoops } from '../platform/instrument.js';
import { ModuleCache } from '../platform/module.js';
import { GUESTS, TempDirs } from './helpers/bundles.js';

const dirs = new TempDirs();
test.after(() => {
  useInstrumentCache(null);
  dirs.cleanup();
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const program = (): Uint8Array => fs.readFileSync(join(GUESTS, 'spin.wasm'));

/** The instrumenter, counting its calls. */
function counting(): { calls: number; fn: (b: Uint8Array) => Uint8Array } {
  const c = { calls: 0, fn: (b: Uint8Array) => (c.calls++, instrumentLoops(b)) };
  return c;
}

function entries(dir: string): string[] {
  return fs.readdirSync(join(dir, 'instrumented')).filter((n) => n.endsWith('.wasm'));
}

test('a second instrumenting of the same program is read from the cache, byte for byte', () => {
  const dir = dirs.make('corral-icache-');
  assert.equal(useInstrumentCache(dir), true);
  const bytes = program();
  const c = counting();
  const first = cachedInstrument(bytes, sha(bytes), c.fn);
  const second = cachedInstrument(bytes, sha(bytes), c.fn);
  assert.equal(c.calls, 1, `got ${c.calls} instrumenter calls, want 1`);
  assert.deepEqual(Buffer.from(second), Buffer.from(first));
  assert.notDeepEqual(Buffer.from(first), Buffer.from(bytes), 'the program has loops: it must change');
  assert.equal(entries(dir).length, 1);
  assert.equal(fs.statSync(join(dir, 'instrumented')).mode & 0o777, 0o700);
});

test('a damaged entry is made again; a cache turned off calls the instrumenter every time', () => {
  const dir = dirs.make('corral-icache-');
  useInstrumentCache(dir);
  const bytes = program();
  const c = counting();
  const good = cachedInstrument(bytes, sha(bytes), c.fn);
  const [name] = entries(dir);
  fs.writeFileSync(join(dir, 'instrumented', name!), 'not a module');
  const again = cachedInstrument(bytes, sha(bytes), c.fn);
  assert.equal(c.calls, 2);
  assert.deepEqual(Buffer.from(again), Buffer.from(good));
  assert.deepEqual(fs.readFileSync(join(dir, 'instrumented', name!)), Buffer.from(good));

  useInstrumentCache(null);
  cachedInstrument(bytes, sha(bytes), c.fn);
  cachedInstrument(bytes, sha(bytes), c.fn);
  assert.equal(c.calls, 4);
});

test('a directory others may write is not used', () => {
  const dir = dirs.make('corral-icache-');
  fs.chmodSync(dir, 0o777);
  assert.equal(useInstrumentCache(dir), false);
  const bytes = program();
  const c = counting();
  cachedInstrument(bytes, sha(bytes), c.fn);
  cachedInstrument(bytes, sha(bytes), c.fn);
  assert.equal(c.calls, 2);
});

test('the cache keeps at most MAX_ENTRIES programs, dropping the oldest', () => {
  const dir = dirs.make('corral-icache-');
  useInstrumentCache(dir);
  const bytes = program();
  // Distinct keys for the same bytes: the key is all the cache looks at.
  for (let i = 0; i <= MAX_ENTRIES; i++) cachedInstrument(bytes, i.toString(16).padStart(64, '0'), (b) => b);
  const n = entries(dir).length;
  assert.ok(
    n <= MAX_ENTRIES && n >= MAX_ENTRIES / 2,
    `got ${n} entries, want ${MAX_ENTRIES / 2}..${MAX_ENTRIES}`,
  );
  const newest = `${MAX_ENTRIES.toString(16).padStart(64, '0')}-`;
  assert.ok(
    entries(dir).some((e) => e.startsWith(newest)),
    'the entry just made must stay',
  );
});

test('a cached form that does not compile: the module still loads, and the entry is dropped', async () => {
  const dir = dirs.make('corral-icache-');
  useInstrumentCache(dir);
  const bytes = program();
  const first = await new ModuleCache().compile(bytes, 'spin');
  assert.equal(first.hash, sha(bytes));
  const [name] = entries(dir);
  // Starts like a module, but is not one.
  fs.writeFileSync(
    join(dir, 'instrumented', name!),
    Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]),
  );
  const again = await new ModuleCache().compile(bytes, 'spin');
  assert.equal(again.hash, first.hash);
  assert.deepEqual(entries(dir), [], 'the damaged entry must be gone');
});

test('where the cache lives', () => {
  const cases: [NodeJS.ProcessEnv, string | null][] = [
    [{ CORRAL_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }, '/c'],
    [{ CORRAL_CACHE_DIR: '', XDG_CACHE_HOME: '/x', HOME: '/h' }, null],
    [{ XDG_CACHE_HOME: '/x', HOME: '/h' }, '/x/corral'],
    [{ XDG_CACHE_HOME: 'relative', HOME: '/h' }, '/h/.cache/corral'],
    [{ HOME: '/h' }, '/h/.cache/corral'],
    // An empty HOME is no home (not a directory relative to wherever the CLI was started).
    [{ HOME: '' }, join(homedir(), '.cache', 'corral')],
  ];
  for (const [env, want] of cases) {
    const got = defaultCacheDir(env);
    assert.equal(got, want, `${JSON.stringify(env)}: got ${got}, want ${want}`);
  }
});
