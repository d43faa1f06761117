// WASI file calls end to end: a C guest (test/guests/fs_calls.c) runs every file call and its error
// cases through the thread strategy, the fd table and a gofer (in process and out of process). Its
// common section must print exactly what the same program prints when built natively with gcc and
// run against a real Linux directory; its WASI-only section (preopens, EROFS, EXDEV, mounts,
// escapes, renumber, rights) is checked line by line.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessGofer, type GoferConnection } from '../actors/gofer/connection.js';
import { FileSyscalls } from '../actors/gofer/file_syscalls.js';
import { ProcessGofer } from '../actors/gofer/gofer_process.js';
import { ModuleCache } from '../platform/module.js';
import { MemorySink } from '../platform/stdio.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = new ModuleCache();
let strategy: ThreadStrategy;
const scratch: string[] = [];

test.before(async () => {
  execFileSync('bash', [join(ROOT, 'scripts', 'build-guests.sh')], { stdio: 'inherit' });
  strategy = new ThreadStrategy({ warm: 1 });
  await strategy.pool.warmUp();
});
test.after(async () => {
  await strategy.close();
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function world() {
  const base = mkdtempSync(join(tmpdir(), 'corral-wasi-fs-'));
  scratch.push(base);
  mkdirSync(join(base, 'root', 'work'), { recursive: true });
  mkdirSync(join(base, 'ro'));
  writeFileSync(join(base, 'ro', 'present'), 'p');
  mkdirSync(join(base, 'other'));
  const config = {
    mounts: [
      { guestPath: '/', hostPath: join(base, 'root'), readonly: false },
      { guestPath: '/ro', hostPath: join(base, 'ro'), readonly: true },
      { guestPath: '/other', hostPath: join(base, 'other'), readonly: false },
    ],
  };
  return { base, config };
}

async function runGuest(g: GoferConnection, direct = true): Promise<string> {
  const m = await cache.load(join(ROOT, 'build', 'guests', 'fs_calls.wasm'));
  const out = new MemorySink();
  const stdio = new StdioSyscalls({ stdout: { sink: out }, stderr: { sink: out } });
  const syscalls = new FileSyscalls(stdio, g, { direct });
  const status = await strategy.spawn(m, { args: ['fs_calls', '/work', '/ro', '/other'], syscalls }).exited;
  assert.deepEqual(status, { code: 0 }, out.text());
  return out.text();
}

/** The native run: the same C program against a real directory (skipped when gcc is absent). */
function nativeOutput(): string | null {
  const gcc = ['/usr/bin/gcc', '/usr/bin/cc'].find((p) => existsSync(p));
  if (!gcc) return null;
  const base = mkdtempSync(join(tmpdir(), 'corral-native-fs-'));
  scratch.push(base);
  const exe = join(base, 'fs_calls');
  execFileSync(gcc, ['-O1', '-o', exe, join(ROOT, 'test', 'guests', 'fs_calls.c')]);
  mkdirSync(join(base, 'dir'));
  return execFileSync(exe, [join(base, 'dir')], { encoding: 'utf8' });
}

const commonPart = (s: string) => s.split('\n').filter((l) => l !== '' && l !== 'done');
const beforeWasi = (s: string) => {
  const lines = commonPart(s);
  const i = lines.findIndex((l) => l.startsWith('preopen '));
  return i < 0 ? lines : lines.slice(0, i);
};

const WASI_ONLY = [
  'preopen 3 /',
  'preopen 4 /ro',
  'preopen 5 /other',
  'erofs_create -1 EROFS',
  'erofs_write_open -1 EROFS',
  'ro_read_open 0 0',
  'erofs_unlink -1 EROFS',
  'erofs_mkdir -1 EROFS',
  'exdev_rename -1 EXDEV',
  'exdev_link -1 EXDEV',
  'rmdir_mount_point -1 EBUSY',
  'mount_listing_has_present 1',
  'dotdot_escape -1 ENOENT',
  'symlink_escape -1 ENOENT',
  'renumber 0',
  'renumbered_write 1 0',
  'renumber_closed_from EBADF',
  'renumber_to_closed EBADF',
  'drop_rights 0 0',
  'write_without_right ENOTCAPABLE',
  'regain_rights ENOTCAPABLE',
  'stdout_seek -1 ESPIPE',
];

for (const [kind, direct] of [
  ['in-process', true],
  ['in-process', false],
  ['out-of-process', true],
  ['out-of-process', false],
] as const) {
  const served = direct ? 'files served on the guest thread' : 'every call through the gofer';
  test(`every file call behaves as on Linux (${kind} gofer, ${served})`, async () => {
    const { config } = world();
    const g = kind === 'in-process' ? new InProcessGofer(config) : await ProcessGofer.start(config);
    try {
      const out = await runGuest(g, direct);
      assert.match(out, /\ndone\n$/);
      const native = nativeOutput();
      const ours = beforeWasi(out);
      if (native !== null) assert.deepEqual(ours, beforeWasi(native));
      // Spot checks that hold whatever the native toolchain.
      for (const line of [
        'create_excl_again -1 EEXIST',
        'content Hello world!?',
        'open_loop -1 ELOOP',
        'rmdir_nonempty -1 ENOTEMPTY',
        'rename_dir_onto_file -1 ENOTDIR',
        'readdir count=42 again=42 first=. second=.. third=entry00 last=entry39',
        'seekdir_same 1',
      ])
        assert.ok(ours.includes(line), `missing "${line}"`);
      const lines = commonPart(out);
      assert.deepEqual(lines.slice(lines.indexOf('preopen 3 /')), WASI_ONLY);
      if (g instanceof InProcessGofer) assert.equal(g.openCount, 0, 'every fid closed at exit');
    } finally {
      await g.close();
    }
  });
}

test('the guest cannot see the host outside its roots', async () => {
  const { base, config } = world();
  // Host files next to the root, and an absolute symlink inside it pointing at them.
  writeFileSync(join(base, 'secret'), 'secret');
  const g = new InProcessGofer(config);
  try {
    for (const p of ['../secret', '/../secret', '/ro/../../secret', `${base}/secret`]) {
      const r = g.call({
        op: 'open',
        dir: 1,
        follow: 1,
        oflags: 0,
        fdflags: 0,
        access: 1,
        path: Buffer.from(p),
      });
      assert.equal(r.errno, 44, `${p} must not be found`);
    }
    assert.equal(readFileSync(join(base, 'secret'), 'utf8'), 'secret');
  } finally {
    await g.close();
  }
});
