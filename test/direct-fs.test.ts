// The direct file service (platform/direct_layout.ts): files a guest opens are served on its own
// thread, with no round trip to the host; handing one over to the host (a call the guest thread
// does not serve) keeps its offset, flags and directory cookies; tracing sends every call to the
// host again; and a guest killed while it holds files leaves no host fd open.

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
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
import { setSyscallTraceHook } from '../platform/syscall_host.js';
import { Sys } from '../platform/syscall_layout.js';
import type { AdoptRecord } from '../platform/direct_host.js';
import { MAP_OS_FD, NATIVE_FD } from '../platform/direct_layout.js';
import { nativeAtLoaded, useNativeAt } from '../actors/gofer/host_at.js';
import { ADDON } from './helpers/direct_service.js';
import type { CallContext } from '../platform/syscalls.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = new ModuleCache();
useNativeAt(ADDON);
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

function world(): string {
  const dir = mkdtempSync(join(tmpdir(), 'corral-direct-'));
  scratch.push(dir);
  writeFileSync(join(dir, 'data'), '0123456789');
  mkdirSync(join(dir, 'dir'));
  for (const n of ['a', 'b', 'c', 'd']) writeFileSync(join(dir, 'dir', n), '');
  return dir;
}

/** FileSyscalls that count what reaches the host. */
class CountingFiles extends FileSyscalls {
  readonly counts = { path_open: 0, fd_read: 0, path_filestat_get: 0, fd_adopt: 0 };
  override path_open(...a: Parameters<FileSyscalls['path_open']>) {
    this.counts.path_open++;
    return super.path_open(...a);
  }
  override fd_read(fd: number, max: number, ctx: CallContext) {
    if (fd > 2) this.counts.fd_read++;
    return super.fd_read(fd, max, ctx);
  }
  override path_filestat_get(fd: number, flags: number, path: Uint8Array) {
    this.counts.path_filestat_get++;
    return super.path_filestat_get(fd, flags, path);
  }
  override fd_adopt(rec: AdoptRecord) {
    this.counts.fd_adopt++;
    return super.fd_adopt(rec);
  }
}

async function open(kind: 'in-process' | 'process', dir: string): Promise<GoferConnection> {
  const config = { mounts: [{ guestPath: '/', hostPath: dir, readonly: false }] };
  return kind === 'in-process' ? new InProcessGofer(config) : ProcessGofer.start(config);
}

async function run(g: GoferConnection, args: string[], direct = true) {
  const m = await cache.load(join(ROOT, 'build', 'guests', 'direct_files.wasm'));
  const out = new MemorySink();
  const files = new CountingFiles(new StdioSyscalls({ stdout: { sink: out }, stderr: { sink: out } }), g, {
    direct,
  });
  const proc = strategy.spawn(m, { args: ['direct_files', ...args], syscalls: files });
  return { proc, out, files };
}

/** Host fds of this process that point into `dir`. */
function fdsInto(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

for (const kind of ['in-process', 'process'] as const) {
  test(`opens, reads and stats never reach the host (${kind} gofer)`, async () => {
    const dir = world();
    const g = await open(kind, dir);
    try {
      const direct = await run(g, ['count', '20']);
      assert.deepEqual(await direct.proc.exited, { code: 0 }, direct.out.text());
      assert.equal(direct.out.text(), 'total 400\n');
      assert.deepEqual(direct.files.counts, { path_open: 0, fd_read: 0, path_filestat_get: 0, fd_adopt: 0 });
      // The same program with the service off: every call crosses.
      const host = await run(g, ['count', '20'], false);
      assert.deepEqual(await host.proc.exited, { code: 0 });
      assert.equal(host.out.text(), 'total 400\n');
      assert.equal(host.files.counts.path_open, 20);
      assert.equal(host.files.counts.path_filestat_get, 20);
    } finally {
      await g.close();
    }
  });

  test(`a handover keeps offsets, append mode and directory cookies, as on Linux (${kind} gofer)`, async () => {
    const dir = world();
    const g = await open(kind, dir);
    try {
      const direct = await run(g, ['handover']);
      assert.deepEqual(await direct.proc.exited, { code: 0 }, direct.out.text());
      // fsync, fdatasync, futimens and fd_renumber (both fds) each handed a file over.
      assert.equal(direct.files.counts.fd_adopt, 5);
      const host = await run(g, ['handover'], false);
      assert.deepEqual(await host.proc.exited, { code: 0 });
      assert.equal(direct.out.text(), host.out.text());
      const gcc = ['/usr/bin/gcc', '/usr/bin/cc'].find((p) => existsSync(p));
      if (gcc !== undefined) {
        const exe = join(dir, '..', `${dir.split('/').pop()}-native`);
        scratch.push(exe);
        execFileSync(gcc, ['-O1', '-o', exe, join(ROOT, 'test', 'guests', 'direct_files.c')]);
        const native = execFileSync(exe, ['handover'], { cwd: dir, encoding: 'utf8' });
        assert.equal(direct.out.text(), native);
      }
      assert.match(direct.out.text(), /^read 3 012\nfsync 0\nread 3 345\ntell 6\n/);
      assert.match(
        direct.out.text(),
        /\nread 5 abcEF\n[^]*\nentries 6\n[^]*\nread 2 23\nclosed a -1\nreused 1\n$/,
      );
    } finally {
      await g.close();
    }
  });
}

/** The fds this process has open. */
function openFds(): Set<string> {
  return new Set(readdirSync('/proc/self/fd'));
}

test('a guest killed while it holds files leaves no host fd behind', async () => {
  const dir = world();
  const g = await open('in-process', dir);
  try {
    const before = fdsInto(dir); // the gofer's own root
    const all = openFds();
    const { proc, out, files } = await run(g, ['hold']);
    const deadline = Date.now() + 20_000;
    // Polled with a deadline: the guest spins after it reports, so only its output says when.
    while (!out.text().includes('holding') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(out.text(), 'holding 1 1\n');
    // The guest's root, its file and its directory, opened on its own thread.
    assert.equal(fdsInto(dir), before + 3);
    // Where the addon is built, the file and the directory are its own (the fast path): the host
    // must close those itself once the thread is gone (Node closes only the fds it opened).
    const map = files.directOffer()!.map;
    const native = [3, 4, 5, 6].filter(
      (fd) => map[MAP_OS_FD + fd]! >= 0 && (map[MAP_OS_FD + fd]! & NATIVE_FD) !== 0,
    );
    if (nativeAtLoaded()) assert.equal(native.length, 2, 'the addon opened both');
    proc.kill(9);
    assert.deepEqual(await proc.exited, { signal: 9 });
    assert.equal(fdsInto(dir), before);
    // Nothing else leaked either: every fd of the process is one it had before, or the
    // replacement worker's own.
    const leaked = [...openFds()].filter((fd) => !all.has(fd));
    for (const fd of leaked) {
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue; // closed while listing
      }
      assert.ok(!target.startsWith(dir), `fd ${fd} -> ${target} leaked`);
    }
  } finally {
    await g.close();
  }
  assert.equal(fdsInto(dir), 0);
});

test('without the addon (CORRAL_NATIVE_AT=off) the guest thread serves the same, by the resolver', async () => {
  const dir = world();
  const g = await open('in-process', dir);
  // Workers copy the environment when they start: a pool of fresh ones, which never load it.
  process.env['CORRAL_NATIVE_AT'] = 'off';
  const plain = new ThreadStrategy({ warm: 1 });
  try {
    const m = await cache.load(join(ROOT, 'build', 'guests', 'direct_files.wasm'));
    for (const args of [['count', '20'], ['handover']]) {
      const out = new MemorySink();
      const files = new CountingFiles(new StdioSyscalls({ stdout: { sink: out } }), g);
      const st = await plain.spawn(m, { args: ['direct_files', ...args], syscalls: files }).exited;
      assert.deepEqual(st, { code: 0 }, out.text());
      const ref = await run(g, args);
      assert.deepEqual(await ref.proc.exited, { code: 0 });
      assert.equal(out.text(), ref.out.text());
      assert.equal(files.counts.path_open, 0, 'served on the guest thread');
    }
    // A guest killed there: what Node opened, Node closes as the thread exits.
    const before = fdsInto(dir);
    const out = new MemorySink();
    const files = new CountingFiles(new StdioSyscalls({ stdout: { sink: out } }), g);
    const proc = plain.spawn(m, { args: ['direct_files', 'hold'], syscalls: files });
    const deadline = Date.now() + 20_000;
    while (!out.text().includes('holding') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.equal(out.text(), 'holding 1 1\n');
    const map = files.directOffer()!.map;
    const held = [3, 4, 5, 6].filter((fd) => map[MAP_OS_FD + fd]! >= 0);
    assert.equal(held.length, 2);
    for (const fd of held) assert.equal(map[MAP_OS_FD + fd]! & NATIVE_FD, 0);
    proc.kill(9);
    assert.deepEqual(await proc.exited, { signal: 9 });
    assert.equal(fdsInto(dir), before);
  } finally {
    delete process.env['CORRAL_NATIVE_AT'];
    await plain.close();
    await g.close();
  }
});

test('with syscall tracing on, every file call goes to the host and is traced', async () => {
  const dir = world();
  const g = await open('in-process', dir);
  const seen: number[] = [];
  setSyscallTraceHook((_tag, sys) => seen.push(sys));
  try {
    const { proc, out, files } = await run(g, ['count', '3']);
    assert.deepEqual(await proc.exited, { code: 0 }, out.text());
    assert.equal(out.text(), 'total 60\n');
    assert.equal(files.counts.path_open, 3);
    assert.equal(seen.filter((s) => s === Sys.PATH_OPEN).length, 3);
    assert.equal(seen.filter((s) => s === Sys.PATH_FILESTAT_GET).length, 3);
  } finally {
    setSyscallTraceHook(null);
    await g.close();
  }
});

test('a root the guest thread cannot reopen leaves every call to the host', async () => {
  const dir = world();
  const g = await open('in-process', dir);
  try {
    const m = await cache.load(join(ROOT, 'build', 'guests', 'direct_files.wasm'));
    const out = new MemorySink();
    class Unreachable extends CountingFiles {
      override directMounts() {
        const real = super.directMounts()!;
        return { ...real, mounts: real.mounts.map((x) => ({ ...x, root: '/proc/self/fd/999999' })) };
      }
    }
    const files = new Unreachable(new StdioSyscalls({ stdout: { sink: out } }), g);
    const st = await strategy.spawn(m, { args: ['direct_files', 'count', '4'], syscalls: files }).exited;
    assert.deepEqual(st, { code: 0 }, out.text());
    assert.equal(out.text(), 'total 80\n');
    assert.equal(files.counts.path_open, 4);
  } finally {
    await g.close();
  }
});
