// The direct file service's fast path (actors/gofer/beneath.ts: one confined openat2(2) for a
// lexically simple path) against its fallback, the confined resolver, which is the reference:
// every path_open and path_filestat_get of a table of paths, flags and rights answers the same
// errno and reaches the same file both ways, on two copies of one tree (symlinks relative,
// absolute, dangling and looping, a FIFO, a read-only mount, a mount hiding a decoy). Then: an fd
// the addon opened never reaches fs.closeSync, and every teardown closes it.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs, {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastPathCounts } from '../actors/gofer/direct_files.js';
import { nativeAtLoaded, useNativeAt } from '../actors/gofer/host_at.js';
import { MAP_OS_FD, NATIVE_FD } from '../platform/direct_layout.js';
import { Errno } from '../platform/wasi_errno.js';
import { Fdflags, FsRights, Oflags } from '../platform/wasi_fs_types.js';
import { Rights } from '../platform/wasi_types.js';
import { ADDON, DirectHarness, comparable } from './helpers/direct_service.js';

const scratch: string[] = [];
test.after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

useNativeAt(ADDON);
const HAVE_ADDON = nativeAtLoaded();

/** One copy of the test tree; its gofer configuration. */
function tree() {
  const base = mkdtempSync(join(tmpdir(), 'corral-fast-'));
  scratch.push(base);
  const root = join(base, 'root');
  const ro = join(base, 'ro');
  const mnt = join(base, 'mnt');
  for (const d of [root, ro, mnt, join(root, 'dir', 'sub'), join(root, 'e'), join(root, 'mnt')])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(base, 'secret'), 'outside');
  writeFileSync(join(root, 'file'), 'file');
  writeFileSync(join(root, 'dir', 'file2'), 'dir/file2');
  writeFileSync(join(root, 'dir', 'sub', 'f'), 'dir/sub/f');
  writeFileSync(join(root, 'mnt', 'decoy'), 'decoy'); // hidden by the mount
  writeFileSync(join(ro, 'r'), 'ro/r');
  writeFileSync(join(mnt, 'x'), 'mnt/x');
  mkdirSync(join(mnt, 'm'));
  symlinkSync('file', join(root, 'link'));
  symlinkSync('dir', join(root, 'dlink'));
  symlinkSync('/dir/file2', join(root, 'abslink'));
  symlinkSync('nowhere', join(root, 'dangling'));
  symlinkSync('loop', join(root, 'loop'));
  symlinkSync('../../..', join(root, 'escape'));
  symlinkSync('../secret', join(root, 'dir', 'up'));
  symlinkSync('/mnt/x', join(root, 'dir', 'tomnt'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  return {
    mounts: [
      { guestPath: '/', hostPath: root, readonly: false },
      { guestPath: '/ro', hostPath: ro, readonly: true },
      { guestPath: '/mnt', hostPath: mnt, readonly: false },
    ],
  };
}

const PATHS = [
  '',
  'file',
  'dir',
  'dir/',
  'dir/file2',
  'dir/sub',
  'dir/sub/f',
  'dir//sub/f',
  'dir/./sub',
  'dir/../file',
  './file',
  '/file',
  'nope',
  'nope/x',
  'file/x',
  'file/',
  'link',
  'link/',
  'dlink/sub/f',
  'dlink',
  'abslink',
  'dangling',
  'loop',
  'escape',
  'escape/file',
  'dir/up',
  'dir/tomnt',
  'mnt',
  'mnt/x',
  'mnt/decoy',
  'mnt/m',
  'ro',
  'ro/r',
  'ro/new',
  'fifo',
  'e',
  'new',
  'dir/new',
  'x'.repeat(255),
  'x'.repeat(256),
  'a\0b',
  'a/'.repeat(2050),
];

const READ = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FILESTAT_GET | FsRights.FD_READDIR;
const WRITE = Rights.FD_WRITE | Rights.FD_FILESTAT_GET;
const OPENS: { oflags: number; rights: bigint; fdflags?: number; follow?: boolean }[] = [
  { oflags: 0, rights: READ },
  { oflags: 0, rights: READ, follow: false },
  { oflags: Oflags.DIRECTORY, rights: READ },
  { oflags: 0, rights: WRITE },
  { oflags: 0, rights: READ | WRITE, fdflags: Fdflags.APPEND },
  { oflags: Oflags.CREAT, rights: WRITE },
  { oflags: Oflags.CREAT | Oflags.EXCL, rights: READ | WRITE },
  { oflags: Oflags.TRUNC, rights: WRITE },
  { oflags: Oflags.CREAT | Oflags.TRUNC, rights: WRITE, follow: false },
  { oflags: Oflags.CREAT | Oflags.DIRECTORY, rights: READ },
];

/** What one open answered, in terms two copies of the tree share. */
function openOutcome(h: DirectHarness, dirFd: number, path: Buffer, o: (typeof OPENS)[number]) {
  const r = h.open(dirFd, path, o);
  if (r.errno !== Errno.SUCCESS) return { errno: r.errno };
  const st = h.fstat(r.fd);
  const fdstat = Buffer.from(h.fdstat(r.fd).bytes).toString('hex');
  const data = comparable(st.stat).filetype === 4 ? h.read(r.fd) : null;
  assert.equal(h.close(r.fd), Errno.SUCCESS);
  return { errno: 0, stat: comparable(st.stat), fdstat, data };
}

test('the fast path and the resolver answer every open and stat alike', async (t) => {
  if (!HAVE_ADDON) t.skip('no corral_at addon here');
  const fast = new DirectHarness(tree(), true);
  const slow = new DirectHarness(tree(), false);
  const before = { ...fastPathCounts };
  try {
    // fd 3 is '/', 4 '/ro', 5 '/mnt' (the preopens); then a directory opened both ways.
    const dirs: [number, string][] = [
      [3, '/'],
      [4, '/ro'],
      [5, '/mnt'],
    ];
    let cases = 0;
    for (const [dirFd, where] of dirs) {
      for (const p of PATHS) {
        const path = Buffer.from(p, 'latin1');
        for (const follow of [false, true]) {
          const a = fast.stat(dirFd, path, follow);
          const b = slow.stat(dirFd, path, follow);
          const what = `stat ${where} ${JSON.stringify(p.slice(0, 40))} follow ${follow}`;
          assert.equal(a.errno, b.errno, what);
          if (a.errno === 0) assert.deepEqual(comparable(a.stat), comparable(b.stat), what);
          cases++;
        }
        for (const o of OPENS) {
          const what = `open ${where} ${JSON.stringify(p.slice(0, 40))} ${JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
          assert.deepEqual(openOutcome(fast, dirFd, path, o), openOutcome(slow, dirFd, path, o), what);
          cases++;
        }
      }
    }
    // From a directory opened by each (natively by the fast one): relative paths below it.
    const fd = fast.open(3, Buffer.from('dir'), {
      oflags: Oflags.DIRECTORY,
      rights: READ | FsRights.PATH_OPEN | FsRights.PATH_FILESTAT_GET,
    });
    const sd = slow.open(3, Buffer.from('dir'), {
      oflags: Oflags.DIRECTORY,
      rights: READ | FsRights.PATH_OPEN | FsRights.PATH_FILESTAT_GET,
    });
    assert.equal(fd.errno, 0);
    assert.equal(sd.errno, 0);
    assert.ok((fast.map[MAP_OS_FD + fd.fd]! & NATIVE_FD) !== 0, 'the fast one opened it natively');
    assert.equal(slow.map[MAP_OS_FD + sd.fd]! & NATIVE_FD, 0);
    for (const p of ['file2', 'sub/f', 'sub', 'up', 'tomnt', '../file', 'nope', 'file2/x']) {
      const path = Buffer.from(p);
      for (const follow of [false, true]) {
        const a = fast.stat(fd.fd, path, follow);
        const b = slow.stat(sd.fd, path, follow);
        assert.equal(a.errno, b.errno, `stat dir/${p} follow ${follow}`);
        if (a.errno === 0) assert.deepEqual(comparable(a.stat), comparable(b.stat), `stat dir/${p}`);
      }
      assert.deepEqual(
        openOutcome(fast, fd.fd, path, { oflags: 0, rights: READ }),
        openOutcome(slow, sd.fd, path, { oflags: 0, rights: READ }),
        `open dir/${p}`,
      );
    }
    assert.ok(cases > 1000);
    // Most simple paths took the fast path; the slow harness never did.
    assert.ok(
      fastPathCounts.opens - before.opens > 200,
      `fast opens: ${fastPathCounts.opens - before.opens}`,
    );
    assert.ok(fastPathCounts.stats - before.stats > 50, `fast stats: ${fastPathCounts.stats - before.stats}`);
  } finally {
    await fast.dispose();
    await slow.dispose();
  }
});

test("the addon's listing is the resolver's, byte for byte, at every cookie and buffer size", async (t) => {
  if (!HAVE_ADDON) t.skip('no corral_at addon here');
  const config = tree();
  const root = config.mounts[0]!.hostPath;
  // Names whose order depends on how they compare: bytes above 0x7f, case, prefixes.
  for (const n of ['B', 'a', 'ab', 'a.b', '\xff', '\xe9t\xe9', 'Z9', '_', '~x'])
    writeFileSync(Buffer.from(join(root, 'e', n), 'latin1'), n);
  mkdirSync(join(root, 'e', 'sub'));
  symlinkSync('a', join(root, 'e', 'ln'));
  execFileSync('mkfifo', [join(root, 'e', 'fifo')]);
  const fast = new DirectHarness(config, true);
  const slow = new DirectHarness(config, false);
  try {
    for (const [dirFd, path] of [
      [3, 'e'],
      [3, 'dir'],
      [5, 'm'],
      [3, 'mnt'],
    ] as const) {
      const o = { oflags: Oflags.DIRECTORY, rights: READ };
      const a = fast.open(dirFd, Buffer.from(path), o);
      const b = slow.open(dirFd, Buffer.from(path), o);
      assert.equal(a.errno, 0);
      assert.equal(b.errno, 0);
      for (const size of [4096, 60, 24, 7]) {
        for (const cookie of [0n, 1n, 2n, 3n, 5n, 100n]) {
          const x = fast.readdir(a.fd, cookie, size);
          const y = slow.readdir(b.fd, cookie, size);
          assert.equal(x.errno, y.errno);
          assert.deepEqual(
            Buffer.from(x.bytes),
            Buffer.from(y.bytes),
            `${path} cookie ${cookie} size ${size}`,
          );
        }
      }
      fast.close(a.fd);
      slow.close(b.fd);
    }
  } finally {
    await fast.dispose();
    await slow.dispose();
  }
});

/** The fds this process has open. */
function openFds(): Set<number> {
  return new Set(readdirSync('/proc/self/fd').map(Number));
}

test('an fd the addon opened never reaches fs.closeSync, and every teardown closes it', async (t) => {
  if (!HAVE_ADDON) t.skip('no corral_at addon here');
  const closed: number[] = [];
  const realClose = fs.closeSync;
  fs.closeSync = (fd: number) => {
    closed.push(fd);
    realClose(fd);
  };
  syncBuiltinESMExports();
  const h = new DirectHarness(tree(), true);
  try {
    const baseline = openFds();
    const native: number[] = [];
    const opened = (r: { errno: number; fd: number }) => {
      assert.equal(r.errno, 0);
      const os = h.map[MAP_OS_FD + r.fd]!;
      assert.ok((os & NATIVE_FD) !== 0, 'opened by the addon');
      native.push(os & ~NATIVE_FD);
      assert.ok(openFds().has(os & ~NATIVE_FD));
      return r.fd;
    };
    // Closed by the guest.
    const a = opened(h.open(3, Buffer.from('file'), { rights: READ }));
    assert.equal(h.read(a).data, 'file');
    assert.equal(h.close(a), Errno.SUCCESS);
    // Handed over to the host (FD_ADOPT): the host reopens it, the guest thread closes its own.
    const b = opened(h.open(3, Buffer.from('dir/file2'), { rights: READ }));
    const rec = h.svc.handoverRecord(b);
    assert.match(rec.path, /^\/proc\/\d+\/fd\/\d+$/);
    assert.equal(await h.files.adopt(rec, b), b);
    h.svc.handedOver(b);
    // Still open at the end of the image: closeAll.
    opened(h.open(3, Buffer.from('dir'), { oflags: Oflags.DIRECTORY, rights: READ }));
    opened(h.open(5, Buffer.from('x'), { rights: READ }));
    h.svc.closeAll();
    for (const fd of native) assert.ok(!closed.includes(fd), `fd ${fd} went through fs.closeSync`);
    for (const fd of native) assert.ok(!openFds().has(fd) || baseline.has(fd), `fd ${fd} left open`);
  } finally {
    fs.closeSync = realClose;
    syncBuiltinESMExports();
    await h.dispose();
  }
});

test('without the addon the service serves the same calls by the resolver', async () => {
  const h = new DirectHarness(tree(), false);
  const before = { ...fastPathCounts };
  try {
    const r = h.open(3, Buffer.from('dir/sub/f'), { rights: READ });
    assert.equal(r.errno, 0);
    assert.equal(h.map[MAP_OS_FD + r.fd]! & NATIVE_FD, 0);
    assert.equal(h.read(r.fd).data, 'dir/sub/f');
    assert.equal(h.close(r.fd), Errno.SUCCESS);
    assert.equal(h.stat(3, Buffer.from('dir/sub/f'), true).errno, 0);
    assert.equal(h.stat(3, Buffer.from('nope'), true).errno, Errno.NOENT);
    assert.deepEqual(fastPathCounts, before);
  } finally {
    await h.dispose();
  }
  assert.ok(existsSync(ADDON) || !HAVE_ADDON);
});
