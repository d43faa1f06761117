// Reading a program's imports from its bytes (platform/wasm_imports.ts), which decides when an
// on-demand gofer is attached: the names must be V8's own for every guest we build, malformed or
// truncated input must answer "cannot tell" (null), and the file rule must be the documented one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wasm } from '../platform/wasm_api.js';
import { importNames, isFileCall, programMayUseFiles, usesFiles } from '../platform/wasm_imports.js';
import { REPO, TempDirs } from './helpers/bundles.js';
import { buildGuests } from './helpers/guest_modules.js';
import { leb, section, str, WASM_HEADER } from './helpers/wasm_encoder.js';

const dirs = new TempDirs();
test.after(() => dirs.cleanup());

/** A module importing `funcs` (module, name) of type () -> (), a memory, a table and a global. */
function moduleWith(funcs: [string, string][]): Uint8Array {
  const types = section(1, [1, 0x60, 0, 0]);
  const entries: number[][] = funcs.map(([m, n]) => [...str(m), ...str(n), 0x00, 0]);
  entries.push([...str('env'), ...str('mem'), 0x02, 0x01, 1, 2]); // memory, min 1 max 2
  entries.push([...str('env'), ...str('tab'), 0x01, 0x70, 0x00, 1]); // table of funcref, min 1
  entries.push([...str('env'), ...str('g'), 0x03, 0x7f, 0x00]); // immutable i32 global
  const imports = section(2, [...leb(entries.length), ...entries.flat()]);
  const custom = section(0, [...str('note'), 1, 2, 3]);
  return new Uint8Array([...WASM_HEADER, ...custom, ...types, ...imports]);
}

test('names read from the bytes are V8s own, for every guest program built', () => {
  buildGuests();
  const dir = join(REPO, 'build', 'guests');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  assert.ok(files.length > 10, `guests found: ${files.length}`);
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    const want = Wasm.Module.imports(new Wasm.Module(bytes)).map((i) => ({
      module: i.module,
      name: i.name,
    }));
    assert.deepEqual(importNames(bytes), want, f);
  }
});

test('hand-made modules: every kind of import, and a module that imports nothing', () => {
  const m = moduleWith([
    ['wasi_snapshot_preview1', 'fd_write'],
    ['corral_v1', 'spawn'],
  ]);
  // V8 agrees that it is a valid module.
  assert.equal(Wasm.validate(m), true);
  assert.deepEqual(importNames(m), [
    { module: 'wasi_snapshot_preview1', name: 'fd_write' },
    { module: 'corral_v1', name: 'spawn' },
    { module: 'env', name: 'mem' },
    { module: 'env', name: 'tab' },
    { module: 'env', name: 'g' },
  ]);
  // Types, then a function section (id 3): past 2, so no imports.
  const none = new Uint8Array([...WASM_HEADER, ...section(1, [1, 0x60, 0, 0]), ...section(3, [0])]);
  assert.deepEqual(importNames(none), []);
  assert.deepEqual(importNames(new Uint8Array(WASM_HEADER)), []);
});

test('what is not a whole, well-formed module cannot be told: null', () => {
  const m = moduleWith([['wasi_snapshot_preview1', 'path_open']]);
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['bad magic', new Uint8Array([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0])],
    ['version 2', new Uint8Array([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0])],
    ['text', new Uint8Array(Buffer.from('(module (import "a" "b" (func)))'))],
    ['cut in the import section', m.subarray(0, m.length - 3)],
    ['cut in a section size', m.subarray(0, WASM_HEADER.length + 1)],
    [
      'unknown import kind',
      new Uint8Array([...WASM_HEADER, ...section(2, [1, ...str('a'), ...str('b'), 0x07])]),
    ],
    [
      'entries past the section end',
      new Uint8Array([...WASM_HEADER, ...section(2, [2, ...str('a'), ...str('b'), 0, 0])]),
    ],
  ];
  for (const [what, bytes] of cases) assert.equal(importNames(bytes), null, what);
});

test('the file rule: path calls, directory listing and the preopen scan; not stdio', () => {
  const table: [string, boolean][] = [
    ['path_open', true],
    ['path_filestat_get', true],
    ['path_unlink_file', true],
    ['fd_readdir', true],
    ['fd_prestat_get', true],
    ['fd_prestat_dir_name', true],
    ['fd_write', false],
    ['fd_read', false],
    ['fd_seek', false],
    ['fd_close', false],
    ['fd_fdstat_get', false],
    ['proc_exit', false],
  ];
  for (const [name, want] of table)
    assert.equal(isFileCall(name), want, `isFileCall(${name}): got ${!want}, want ${want}`);
  assert.equal(usesFiles([{ module: 'wasi_snapshot_preview1', name: 'path_open' }]), true);
  // Only WASI's: a corral_v1 or other module's function of that name is not a file call.
  assert.equal(usesFiles([{ module: 'corral_v1', name: 'path_open' }]), false);
  assert.equal(usesFiles([]), false);
});

test('programMayUseFiles: from the file; anything it cannot tell is "may"', () => {
  const d = dirs.make();
  const files = join(d, 'files.wasm');
  const stdio = join(d, 'stdio.wasm');
  const junk = join(d, 'junk.wasm');
  writeFileSync(files, moduleWith([['wasi_snapshot_preview1', 'fd_prestat_get']]));
  writeFileSync(stdio, moduleWith([['wasi_snapshot_preview1', 'fd_write']]));
  writeFileSync(junk, 'not wasm');
  assert.equal(programMayUseFiles(files), true);
  assert.equal(programMayUseFiles(stdio), false);
  assert.equal(programMayUseFiles(junk), true);
  assert.equal(programMayUseFiles(join(d, 'missing.wasm')), true);
  assert.equal(programMayUseFiles(join(REPO, 'build', 'guests', 'hello.wasm')), false);
  assert.equal(programMayUseFiles(join(REPO, 'build', 'guests', 'fsprobe.wasm')), true);
});
