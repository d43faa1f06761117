// Module loading and validation: every bad input gets a ModuleError with code ENOEXEC (or the
// file error's code) and a message naming the file and the problem; good modules are compiled
// once per content (sha256) and shared.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModuleCache, ModuleError } from '../platform/module.js';
import { leb, section, str, WASM_HEADER } from './helpers/wasm_encoder.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const guest = (name: string) => join(ROOT, 'build', 'guests', `${name}.wasm`);

test.before(() => {
  execFileSync('bash', [join(ROOT, 'scripts', 'build-guests.sh')], { stdio: 'inherit' });
});

/** A module with `imports` (functions of type () -> ()), optionally a `_start` and a memory. */
function makeModule(opts: {
  imports?: [string, string][];
  start?: boolean;
  memory?: boolean;
  importMemory?: [string, string];
}): Uint8Array {
  const imports = opts.imports ?? [];
  const bytes = [...WASM_HEADER];
  bytes.push(...section(1, [1, 0x60, 0, 0]));
  const imp: number[] = [];
  for (const [m, n] of imports) imp.push(...str(m), ...str(n), 0x00, 0);
  if (opts.importMemory) imp.push(...str(opts.importMemory[0]), ...str(opts.importMemory[1]), 0x02, 0x00, 1);
  const nimp = imports.length + (opts.importMemory ? 1 : 0);
  if (nimp > 0) bytes.push(...section(2, [...leb(nimp), ...imp]));
  if (opts.start) bytes.push(...section(3, [1, 0]));
  if (opts.memory) bytes.push(...section(5, [1, 0x00, 1]));
  const exp: number[] = [];
  let nexp = 0;
  if (opts.start) {
    exp.push(...str('_start'), 0x00, ...leb(imports.length));
    nexp++;
  }
  if (opts.memory) {
    exp.push(...str('memory'), 0x02, 0);
    nexp++;
  }
  if (nexp > 0) bytes.push(...section(7, [nexp, ...exp]));
  if (opts.start) bytes.push(...section(10, [1, 2, 0, 0x0b]));
  return Uint8Array.from(bytes);
}

async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ModuleError, `expected a ModuleError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, re);
    return true;
  });
}

test('a non-wasm file is rejected as "not a WebAssembly module ... (bad magic)"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-mod-'));
  try {
    const p = join(dir, 'script.sh');
    writeFileSync(p, '#!/bin/sh\necho hi\n');
    await rejectsWith(
      new ModuleCache().load(p),
      'ENOEXEC',
      new RegExp(`^not a WebAssembly module: ${p} \\(bad magic\\)$`),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('an empty or two-byte file is too short; a wrong version is named', async () => {
  const c = new ModuleCache();
  await rejectsWith(
    c.compile(new Uint8Array(0), '/bin/empty'),
    'ENOEXEC',
    /^not a WebAssembly module: \/bin\/empty \(too short: 0 bytes\)$/,
  );
  await rejectsWith(c.compile(Uint8Array.from([0, 0x61]), '/bin/x'), 'ENOEXEC', /\(too short: 2 bytes\)/);
  await rejectsWith(
    c.compile(Uint8Array.from([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), '/bin/v2'),
    'ENOEXEC',
    /^not a WebAssembly module: \/bin\/v2 \(unsupported version 2\)$/,
  );
});

test('a truncated module keeps the compiler message', async () => {
  const bytes = readFileSync(guest('hello'));
  const c = new ModuleCache();
  await rejectsWith(
    c.compile(bytes.subarray(0, Math.floor(bytes.length / 2)), '/bin/hello'),
    'ENOEXEC',
    /^invalid WebAssembly module: \/bin\/hello: .*(section|offset|@\+\d+)/,
  );
  // A failed compile is not cached: the same bytes fail the same way again.
  assert.equal(c.size, 0);
});

test('an import outside wasi_snapshot_preview1 and corral_v1 is named as "module.name"', async () => {
  const bytes = makeModule({
    imports: [
      ['wasi_snapshot_preview1', 'fd_write'],
      ['env', 'foo'],
    ],
    start: true,
    memory: true,
  });
  await rejectsWith(
    new ModuleCache().compile(bytes, 'm.wasm'),
    'ENOEXEC',
    /m\.wasm: unsupported import "env\.foo"/,
  );
  const mem = makeModule({ importMemory: ['env', 'memory'], start: true });
  await rejectsWith(new ModuleCache().compile(mem, 'm2.wasm'), 'ENOEXEC', /unsupported import "env\.memory"/);
});

test('an unknown WASI function is rejected by name', async () => {
  const bytes = makeModule({
    imports: [['wasi_snapshot_preview1', 'fd_frobnicate']],
    start: true,
    memory: true,
  });
  await rejectsWith(
    new ModuleCache().compile(bytes, 'u.wasm'),
    'ENOEXEC',
    /unknown WASI preview 1 function "wasi_snapshot_preview1\.fd_frobnicate"/,
  );
});

test('a module without _start or without memory is not a WASI command', async () => {
  await rejectsWith(
    new ModuleCache().compile(makeModule({ memory: true }), 'lib.wasm'),
    'ENOEXEC',
    /lib\.wasm: no "_start" function exported/,
  );
  await rejectsWith(
    new ModuleCache().compile(makeModule({ start: true }), 'nomem.wasm'),
    'ENOEXEC',
    /nomem\.wasm: no "memory" exported/,
  );
});

test('a missing file is ENOENT with the path', async () => {
  await rejectsWith(
    new ModuleCache().load('/nonexistent/corral/x.wasm'),
    'ENOENT',
    /cannot load \/nonexistent\/corral\/x\.wasm: no such file/,
  );
});

test('corral_v1 function imports are accepted and listed', async () => {
  const bytes = makeModule({
    imports: [
      ['corral_v1', 'proc_spawn'],
      ['wasi_snapshot_preview1', 'proc_exit'],
    ],
    start: true,
    memory: true,
  });
  const m = await new ModuleCache().compile(bytes, 'c.wasm');
  assert.deepEqual(m.corralImports, ['proc_spawn']);
});

test('a corral_v1 function the ABI does not have is refused, by name', async () => {
  const bytes = makeModule({ imports: [['corral_v1', 'getpid']], start: true, memory: true });
  await assert.rejects(new ModuleCache().compile(bytes, 'c.wasm'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ENOEXEC');
    assert.match(e.message, /c\.wasm: unknown corral_v1 function "corral_v1\.getpid"/);
    return true;
  });
});

test('the compile cache returns the same Module for the same bytes, under any label', async () => {
  const c = new ModuleCache();
  const a = await c.load(guest('hello'));
  const b = await c.load(guest('hello'));
  const d = await c.compile(readFileSync(guest('hello')), '/rootfs/bin/hello');
  assert.equal(a.module, b.module);
  assert.equal(a.module, d.module);
  assert.equal(d.label, '/rootfs/bin/hello');
  assert.equal(a.hash, d.hash);
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  assert.deepEqual(c.stats, { hits: 2, misses: 1 });
  const e = await c.load(guest('echo'));
  assert.notEqual(e.module, a.module);
  assert.equal(c.stats.misses, 2);
  assert.equal(c.size, 2);
});

test('a file rewritten in place is read and compiled again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-mod-'));
  try {
    const p = join(dir, 'prog');
    const c = new ModuleCache();
    writeFileSync(p, readFileSync(guest('hello')));
    const a = await c.load(p);
    assert.equal((await c.load(p)).module, a.module);
    writeFileSync(p, readFileSync(guest('echo')));
    const b = await c.load(p);
    assert.notEqual(b.module, a.module);
    assert.deepEqual(c.stats, { hits: 1, misses: 2 });
  } finally {
    rmSync(dir, { recursive: true });
  }
});
