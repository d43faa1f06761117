// The gofer's confinement, fuzzed: thousands of random trees (symlinks absolute and relative, '..',
// loops, hard links, long and non-UTF-8 names, a mount) and random paths. Every answer must match a
// reference resolver that walks the in-memory model with chroot semantics, and no answer may name
// anything outside the roots, even while symlinks and directories are swapped concurrently. The
// in-process gofer and a guest thread's direct file service take the fast path (one confined
// openat2(2), actors/gofer/beneath.ts) wherever a path allows it, the resolver elsewhere: both are
// checked, and the direct service's opens against the same service without its fast path.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { InProcessGofer, type GoferConnection } from '../actors/gofer/connection.js';
import { fastPathCounts } from '../actors/gofer/direct_files.js';
import { closeThreadGofer, ProcessGofer } from '../actors/gofer/gofer_process.js';
import { nativeAtLoaded, useNativeAt } from '../actors/gofer/host_at.js';
import { Errno } from '../platform/wasi_errno.js';
import { Filetype } from '../platform/wasi_types.js';
import { ADDON, DirectHarness, inoOf } from './helpers/direct_service.js';

// This thread's gofer calls (the in-process gofer's stats) take the addon's fast path too.
useNativeAt(ADDON);

type Node =
  | { kind: 'dir'; children: Map<string, Node> }
  | { kind: 'file' }
  | { kind: 'link'; target: Buffer }
  | { kind: 'hard'; of: string[] };

/** Deterministic PRNG (mulberry32) so a failure names its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const NAMES = ['a', 'b', 'c', 'mnt', '\xff\xfe', 'é', 'x'.repeat(255)].map((s) => Buffer.from(s, 'latin1'));
const key = (b: Buffer) => b.toString('latin1');
const SLASH = Buffer.from('/');

function randomPath(r: Rng, max = 6, forLink = false): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + r.int(max);
  for (let i = 0; i < n; i++) {
    const x = r.int(10);
    parts.push(
      x < 2 ? Buffer.from('..') : x === 2 ? Buffer.from('.') : x === 3 ? Buffer.from('') : r.pick(NAMES),
    );
  }
  if (r.int(20) === 0) parts.push(Buffer.from('y'.repeat(256))); // NAME_MAX + 1
  let p = Buffer.concat(parts.flatMap((x, i) => (i === 0 ? [x] : [SLASH, x])));
  if (r.int(4) === 0) p = Buffer.concat([SLASH, p]);
  if (r.int(6) === 0) p = Buffer.concat([p, SLASH]);
  if (!forLink && r.int(50) === 0) p = Buffer.concat([p, Buffer.from([0]), Buffer.from('a')]);
  if (!forLink && r.int(50) === 0) p = Buffer.from('a/'.repeat(2100)); // past PATH_MAX
  return p.length === 0 ? Buffer.from('.') : p;
}

function randomTree(r: Rng, depth: number, files: string[][], at: string[]): Map<string, Node> {
  const m = new Map<string, Node>();
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    const name = r.pick(NAMES);
    const path = [...at, key(name)];
    const x = r.int(10);
    if (x < 3 && depth > 0)
      m.set(key(name), { kind: 'dir', children: randomTree(r, depth - 1, files, path) });
    else if (x < 6)
      m.set(key(name), {
        kind: 'link',
        target: r.int(8) === 0 ? Buffer.from(key(name), 'latin1') : randomPath(r, 4, true),
      });
    else if (x < 7 && files.length > 0) m.set(key(name), { kind: 'hard', of: r.pick(files) });
    else {
      m.set(key(name), { kind: 'file' });
      files.push(path);
    }
  }
  return m;
}

/** Writes the model under `host`; the subtree at /mnt goes to `mountHost` (the mount). */
function materialise(
  children: Map<string, Node>,
  host: string,
  mountHost: string | null,
  hostOf: (p: string[]) => string,
  at: string[],
) {
  for (const [name, node] of children) {
    const p = [...at, name];
    const hp =
      at.length === 0 && name === 'mnt' && mountHost !== null
        ? mountHost
        : join(host, Buffer.from(name, 'latin1').toString('latin1'));
    const hb = Buffer.from(hp, 'latin1');
    if (node.kind === 'dir') {
      if (hp !== mountHost) mkdirSync(hb);
      materialise(node.children, hp, null, hostOf, p);
    } else if (node.kind === 'file') writeFileSync(hb, key(Buffer.from(p.join('/'), 'latin1')));
    else if (node.kind === 'link') symlinkSync(node.target, hb);
  }
  // Hard links last: their sources exist by then.
  for (const [name, node] of children) {
    if (node.kind !== 'hard') continue;
    const hp = join(host, name);
    const src = Buffer.from(hostOf(node.of), 'latin1');
    // The source may have been replaced in the model since: link only what is still a file.
    let isFile = false;
    try {
      isFile = lstatSync(src).isFile();
    } catch {
      // gone
    }
    if (isFile) linkSync(src, Buffer.from(hp, 'latin1'));
    else writeFileSync(Buffer.from(hp, 'latin1'), 'x');
  }
}

type RefResult = { errno: number } | { path: string[] };

/** The reference: chroot-semantics lookup on the model, written independently of the gofer. */
function reference(root: Node, path: Buffer, follow: boolean): RefResult {
  if (path.length === 0) return { errno: Errno.NOENT };
  if (path.includes(0)) return { errno: Errno.INVAL };
  if (path.length >= 4096) return { errno: Errno.NAMETOOLONG };
  const mustDir = path[path.length - 1] === 0x2f;
  const comps = (b: Buffer) =>
    key(b)
      .split('/')
      .filter((c) => c !== '');
  let cur: string[] = [];
  let todo = comps(path);
  let links = 0;
  const lookup = (p: string[]): Node | undefined => {
    let n: Node | undefined = root;
    for (const c of p) n = n?.kind === 'dir' ? n.children.get(c) : undefined;
    return n;
  };
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      cur.pop();
      continue;
    }
    if (c.length > 255) return { errno: Errno.NAMETOOLONG };
    const node = lookup([...cur, c]);
    if (!node) return { errno: Errno.NOENT };
    if (node.kind === 'link' && (todo.length > 0 || follow || mustDir)) {
      if (++links > 40) return { errno: Errno.LOOP };
      if (node.target.length === 0) return { errno: Errno.NOENT };
      if (node.target[0] === 0x2f) cur = [];
      // A target ending in '/' must name a directory, as if it ended in '/.'.
      const tail = node.target[node.target.length - 1] === 0x2f ? ['.'] : [];
      todo = [...comps(node.target), ...tail, ...todo];
      continue;
    }
    if (todo.length > 0 && node.kind !== 'dir') return { errno: Errno.NOTDIR };
    cur.push(c);
  }
  if (mustDir && lookup(cur)!.kind !== 'dir') return { errno: Errno.NOTDIR };
  return { path: cur };
}

function makeWorld(seed: number) {
  const r = rng(seed);
  const base = mkdtempSync(join(tmpdir(), 'corral-fuzz-'));
  const rootHost = join(base, 'root');
  const mountHost = join(base, 'mounted');
  const outside = join(base, 'outside');
  mkdirSync(rootHost);
  mkdirSync(mountHost);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'secret');
  writeFileSync(join(base, 'secret'), 'secret');
  const files: string[][] = [];
  const children = randomTree(r, 3, files, []);
  const withMount = r.int(2) === 0;
  if (withMount) {
    children.set('mnt', { kind: 'dir', children: randomTree(r, 2, files, ['mnt']) });
    // The host directory under the mount point holds a decoy that the mount must hide.
    mkdirSync(join(rootHost, 'mnt'));
    writeFileSync(join(rootHost, 'mnt', 'decoy'), 'decoy');
  }
  const hostOf = (p: string[]) =>
    withMount && p[0] === 'mnt' ? join(mountHost, ...p.slice(1)) : join(rootHost, ...p);
  materialise(children, rootHost, withMount ? mountHost : null, hostOf, []);
  const root: Node = { kind: 'dir', children };
  // Resolve hard links in the model to plain files (same content on the host).
  const fix = (m: Map<string, Node>) => {
    for (const [k, n] of m) {
      if (n.kind === 'hard') m.set(k, { kind: 'file' });
      else if (n.kind === 'dir') fix(n.children);
    }
  };
  fix(children);
  const config = {
    mounts: [
      { guestPath: '/', hostPath: rootHost, readonly: false },
      ...(withMount ? [{ guestPath: '/mnt', hostPath: mountHost, readonly: r.int(2) === 0 }] : []),
    ],
  };
  const ino = (p: string) => lstatSync(p, { bigint: true }).ino;
  const outsideInos = new Set([
    ino(outside),
    ino(join(outside, 'secret')),
    ino(join(base, 'secret')),
    ino(base),
  ]);
  return { r, base, root, hostOf, config, outsideInos, withMount };
}

async function check(g: GoferConnection, w: ReturnType<typeof makeWorld>, paths: number, seed: number) {
  for (let i = 0; i < paths; i++) {
    const path = randomPath(w.r);
    const follow = w.r.int(2) === 0;
    const ref = reference(w.root, path, follow);
    const got = await g.call({ op: 'stat', dir: 1, follow: follow ? 1 : 0, path });
    const what = `seed ${seed} path ${JSON.stringify(key(path))} follow ${follow}`;
    if (got.errno === 0) assert.ok(!w.outsideInos.has(got.stat.ino), `escape! ${what}`);
    if ('errno' in ref) {
      assert.equal(got.errno, ref.errno, `${what}: expected errno ${ref.errno}`);
    } else {
      assert.equal(got.errno, 0, `${what}: expected ${ref.path.join('/')}`);
      if (got.errno !== 0) continue;
      const host = ref.path.length === 0 ? w.hostOf([]) : w.hostOf(ref.path);
      assert.equal(
        got.stat.ino,
        lstatSync(Buffer.from(host, 'latin1'), { bigint: true }).ino,
        `${what}: wrong node`,
      );
    }
  }
}

test('in-process gofer matches the reference resolver on 1000 random trees', async () => {
  const only = Number(process.env.GOFER_FUZZ_SEED ?? 0);
  for (let seed = only || 1; seed <= (only || 1000); seed++) {
    const w = makeWorld(seed);
    if (only) process.stderr.write(`world ${w.base}\n`);
    const g = new InProcessGofer(w.config);
    try {
      await check(g, w, 40, seed);
      assert.equal(g.openCount, 0, 'no fid left open');
    } finally {
      await g.close();
      if (!only) rmSync(w.base, { recursive: true, force: true });
    }
  }
});

test('the direct service (fast path and resolver) matches the reference on 400 random trees', async () => {
  const before = { ...fastPathCounts };
  for (let seed = 9001; seed <= 9400; seed++) {
    const w = makeWorld(seed);
    const fast = new DirectHarness(w.config, true);
    const slow = new DirectHarness(w.config, false);
    try {
      for (let i = 0; i < 40; i++) {
        const path = randomPath(w.r);
        const follow = w.r.int(2) === 0;
        const ref = reference(w.root, path, follow);
        const what = `seed ${seed} path ${JSON.stringify(key(path))} follow ${follow}`;
        // fd 3: the root's preopen.
        const got = fast.stat(3, path, follow);
        if (got.errno === 0) assert.ok(!w.outsideInos.has(inoOf(got.stat)), `escape! ${what}`);
        if ('errno' in ref) {
          assert.equal(got.errno, ref.errno, `${what}: expected errno ${ref.errno}`);
        } else {
          assert.equal(got.errno, 0, `${what}: expected ${ref.path.join('/')}`);
          const host = ref.path.length === 0 ? w.hostOf([]) : w.hostOf(ref.path);
          assert.equal(
            inoOf(got.stat),
            lstatSync(Buffer.from(host, 'latin1'), { bigint: true }).ino,
            `${what}: wrong node`,
          );
        }
        // Opens for reading change nothing: both services on the one tree.
        const o = { follow, rights: (1n << 1n) | (1n << 14n) | (1n << 21n) };
        const a = fast.open(3, path, o);
        const b = slow.open(3, path, o);
        assert.equal(a.errno, b.errno, `open ${what}`);
        if (a.errno === 0) {
          const sa = fast.fstat(a.fd).stat;
          assert.ok(!w.outsideInos.has(inoOf(sa)), `open escaped! ${what}`);
          assert.equal(inoOf(sa), inoOf(slow.fstat(b.fd).stat), `open ${what}: another node`);
          if (sa[16] === Filetype.REGULAR_FILE) assert.equal(fast.read(a.fd).data, slow.read(b.fd).data);
          assert.equal(fast.close(a.fd), 0);
          assert.equal(slow.close(b.fd), 0);
        }
      }
    } finally {
      await fast.dispose();
      await slow.dispose();
      rmSync(w.base, { recursive: true, force: true });
    }
  }
  if (nativeAtLoaded()) {
    assert.ok(
      fastPathCounts.stats - before.stats > 1000,
      `fast stats: ${fastPathCounts.stats - before.stats}`,
    );
    assert.ok(
      fastPathCounts.opens - before.opens > 1000,
      `fast opens: ${fastPathCounts.opens - before.opens}`,
    );
  }
});

test('out-of-process gofer matches the reference resolver (100 trees)', async () => {
  for (let seed = 5001; seed <= 5100; seed++) {
    const w = makeWorld(seed);
    const g = await ProcessGofer.start(w.config);
    try {
      await check(g, w, 20, seed);
    } finally {
      await g.close();
      rmSync(w.base, { recursive: true, force: true });
    }
  }
});

test('symlinks and directories swapped concurrently never lead outside the root', async () => {
  const base = mkdtempSync(join(tmpdir(), 'corral-swap-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'in', 'deep'), { recursive: true });
  writeFileSync(join(root, 'in', 'deep', 'f'), 'inside');
  mkdirSync(join(base, 'outside', 'deep'), { recursive: true });
  writeFileSync(join(base, 'outside', 'deep', 'f'), 'secret');
  const outsideInos = new Set([
    lstatSync(join(base, 'outside', 'deep', 'f'), { bigint: true }).ino,
    lstatSync(join(base, 'outside', 'deep'), { bigint: true }).ino,
  ]);
  const g = await ProcessGofer.start({ mounts: [{ guestPath: '/', hostPath: root, readonly: false }] });
  try {
    const targets = [
      'in',
      '../outside',
      '../../outside',
      '/../outside',
      join(base, 'outside'),
      'in/../../outside',
    ];
    const paths = [
      'sw/deep/f',
      'sw/deep/../deep/f',
      'dir/deep/f',
      'sw/../outside/deep/f',
      'dir/../../outside/deep/f',
    ];
    mkdirSync(join(root, 'dir', 'deep'), { recursive: true });
    writeFileSync(join(root, 'dir', 'deep', 'f'), 'inside');
    let answered = 0;
    let ok = 0;
    for (let i = 0; i < 1500; i++) {
      // Swap: the symlink's target, and a directory replaced by a symlink pointing outside.
      rmSync(join(root, 'sw'), { force: true });
      symlinkSync(targets[i % targets.length]!, join(root, 'sw'));
      if (i % 2 === 0) {
        renameSync(join(root, 'dir'), join(root, 'dir.away'));
        symlinkSync(join(base, 'outside'), join(root, 'dir'));
      } else {
        rmSync(join(root, 'dir'));
        renameSync(join(root, 'dir.away'), join(root, 'dir'));
      }
      // Requests in flight while the next swap happens: the gofer is another process.
      const calls = paths.map((p) => g.call({ op: 'stat', dir: 1, follow: 1, path: Buffer.from(p) }));
      const opens = paths.map((p) =>
        g.call({ op: 'open', dir: 1, follow: 1, oflags: 0, fdflags: 0, access: 1, path: Buffer.from(p) }),
      );
      for (const c of await Promise.all(calls)) {
        answered++;
        if (c.errno === 0) {
          ok++;
          assert.ok(!outsideInos.has(c.stat.ino), 'stat escaped the root');
        }
      }
      for (const o of await Promise.all(opens)) {
        if (o.errno !== 0) continue;
        const rd = await g.call({ op: 'read', fid: o.fid, offset: 0n, len: 64 });
        assert.equal(rd.errno, 0);
        if (rd.errno === 0) assert.equal(Buffer.from(rd.data).toString(), 'inside', 'open escaped the root');
        await g.call({ op: 'close', fid: o.fid });
      }
    }
    assert.equal(answered, 1500 * paths.length);
    assert.ok(ok > 0, 'some lookups succeeded');
  } finally {
    await g.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test('the direct service never leaves the root while another process swaps symlinks and directories', async () => {
  const base = mkdtempSync(join(tmpdir(), 'corral-swapd-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'in', 'deep'), { recursive: true });
  mkdirSync(join(root, 'dir', 'deep'), { recursive: true });
  writeFileSync(join(root, 'in', 'deep', 'f'), 'inside');
  writeFileSync(join(root, 'dir', 'deep', 'f'), 'inside');
  mkdirSync(join(base, 'outside', 'deep'), { recursive: true });
  writeFileSync(join(base, 'outside', 'deep', 'f'), 'secret');
  symlinkSync('in', join(root, 'sw'));
  const outsideInos = new Set([
    lstatSync(join(base, 'outside', 'deep', 'f'), { bigint: true }).ino,
    lstatSync(join(base, 'outside', 'deep'), { bigint: true }).ino,
    lstatSync(join(base, 'outside'), { bigint: true }).ino,
  ]);
  // The swapper: a symlink retargeted, a directory replaced by a symlink to outside and back, and
  // a directory moved out of the root and back, as fast as the shell goes, on the other core.
  const script = `
    cd ${JSON.stringify(root)}
    while :; do
      ln -sfn ../outside sw; ln -sfn in sw; ln -sfn /../outside sw; ln -sfn in sw
      mv dir dir.away && ln -s ../outside dir && rm dir && mv dir.away dir
      mv in ../in.out && mv ../in.out in
    done`;
  const swapper = spawn('bash', ['-c', script], { stdio: 'ignore' });
  const h = new DirectHarness({ mounts: [{ guestPath: '/', hostPath: root, readonly: false }] }, true);
  try {
    const paths = ['sw/deep/f', 'dir/deep/f', 'in/deep/f', 'dir/deep', 'in/deep', 'sw/deep/../deep/f'];
    let ok = 0;
    for (let i = 0; i < 4000; i++) {
      const path = Buffer.from(paths[i % paths.length]!);
      const st = h.stat(3, path, true);
      if (st.errno === 0) {
        ok++;
        assert.ok(!outsideInos.has(inoOf(st.stat)), `stat of ${path.toString()} escaped the root`);
      }
      const o = h.open(3, path, { rights: (1n << 1n) | (1n << 14n) | (1n << 21n) });
      if (o.errno !== 0) continue;
      assert.ok(!outsideInos.has(inoOf(h.fstat(o.fd).stat)), `open of ${path.toString()} escaped the root`);
      const rd = h.read(o.fd);
      if (rd.errno === 0 && rd.data !== '') assert.equal(rd.data, 'inside', 'open escaped the root');
      assert.equal(h.close(o.fd), 0);
    }
    assert.ok(ok > 0, 'some lookups succeeded');
  } finally {
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper.once('exit', r));
    await h.dispose();
    rmSync(base, { recursive: true, force: true });
  }
});

test.after(async () => {
  // The thread's shared gofer child, kept warm between the tests above.
  await closeThreadGofer();
});
