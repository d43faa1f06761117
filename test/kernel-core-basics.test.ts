// kernel-core through its TypeScript binding: kernels, namespaces, spawning, ids, events, faults.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Errno,
  KernelCore,
  KernelFault,
  Op,
  ProcState,
  SpawnFlags,
  asPid,
  type KResult,
  type Kernel,
  type Pid,
} from '../kernel-core/binding/index.js';

function val<T>(r: KResult<T>): T {
  if (!r.ok) throw new Error(`unexpected ${Errno[r.errno]}`);
  return r.value;
}

function sandbox(core: KernelCore, opts = {}): { k: Kernel; init: Pid } {
  const k = core.createKernel(opts);
  const c = k.registerContainer();
  const init = val(k.spawnInit(c, k.rootNs)).pid;
  return { k, init };
}

test('Errno mirrors the Rust enum exactly (names and Linux values)', () => {
  const src = readFileSync(new URL('../../kernel-core/src/errno.rs', import.meta.url), 'utf8');
  const body = src.slice(src.indexOf('pub enum Errno'), src.indexOf('impl Errno'));
  const rust = [...body.matchAll(/^\s+(E[A-Z0-9]+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])]);
  const ts = Object.entries(Errno).filter(([, v]) => typeof v === 'number');
  assert.deepEqual(ts, rust, 'the closed Errno enums differ');
});

test('first process of a sandbox is pid 1, parentless, its own group and session leader', () => {
  const core = new KernelCore();
  const { k, init } = sandbox(core);
  assert.equal(init, 1);
  assert.deepEqual(k.getpid(init), { ok: true, value: 1 });
  assert.deepEqual(k.getppid(init), { ok: true, value: 0 }, 'parent is the host');
  const info = val(k.procInfo(init));
  assert.equal(info.pgid, 1);
  assert.equal(info.sid, 1);
  assert.equal(info.state, ProcState.Running);
  k.destroy();
});

test('getpid of an unknown process is ESRCH, not a fault', () => {
  const core = new KernelCore();
  const { k } = sandbox(core);
  assert.deepEqual(k.getpid(asPid(77)), { ok: false, errno: Errno.ESRCH });
  k.destroy();
});

test('nested namespace: a pid per level, translation both ways, 0 when invisible', () => {
  const core = new KernelCore();
  const { k, init } = sandbox(core);
  const { pid: nsInit, nr } = val(k.spawn(init, SpawnFlags.NEW_NS));
  assert.equal(nr, 2, 'the parent sees its child as 2');
  assert.deepEqual(k.getpid(nsInit), { ok: true, value: 1 }, 'inside it is 1');
  assert.deepEqual(k.getppid(nsInit), { ok: true, value: 0 }, 'parent invisible');
  const ns = val(k.procInfo(nsInit)).ns;
  const child = val(k.spawn(nsInit, SpawnFlags.FORK)).pid;
  assert.equal(k.translate(child, ns), 2);
  assert.equal(k.translate(child, k.rootNs), child);
  assert.equal(k.translate(init, ns), 0, 'root init not visible inside');
  assert.deepEqual(k.lookup(ns, 2), { ok: true, value: child });
  assert.deepEqual(k.lookup(ns, 9), { ok: false, errno: Errno.ESRCH });
  k.destroy();
});

test('spawn inherits group and session; options make new ones', () => {
  const core = new KernelCore();
  const { k, init } = sandbox(core);
  const a = val(k.spawn(init)).pid;
  const b = val(k.spawn(init, SpawnFlags.NEW_PGRP)).pid;
  const s = val(k.spawn(init, SpawnFlags.NEW_SESSION)).pid;
  const j = val(k.spawn(init, SpawnFlags.JOIN_PGRP, b)).pid;
  assert.deepEqual(
    [a, b, s, j].map((p) => [val(k.getpgid(init, p)), val(k.getsid(init, p))]),
    [
      [1, 1],
      [b, 1],
      [s, s],
      [b, 1],
    ],
  );
  assert.deepEqual(k.spawn(init, SpawnFlags.JOIN_PGRP, 999), { ok: false, errno: Errno.EPERM });
  k.destroy();
});

test('exit → zombie → events → host wait reaps', () => {
  const core = new KernelCore();
  const { k, init } = sandbox(core);
  k.drainEvents();
  val(k.exit(init, 3));
  assert.ok(k.pendingEvents > 0, 'the result header announces events');
  const evs = k.drainEvents();
  assert.deepEqual(
    evs.map((e) => e.kind),
    ['ContainerEmpty', 'ProcessExited', 'NamespaceKilled', 'ChildStateChanged'],
    'root init dying kills its (root) namespace',
  );
  assert.deepEqual(evs[1], { kind: 'ProcessExited', pid: init, status: 0x300 });
  const w = val(k.waitpid(null, init, 0));
  assert.equal(w.pid, init);
  assert.equal(w.status, 0x300);
  assert.deepEqual(k.drainEvents(), [{ kind: 'Reaped', pid: init }]);
  k.destroy();
});

test('pid_max wraps and skips numbers in use; the sandbox pids limit gives EAGAIN', () => {
  const core = new KernelCore();
  const { k, init } = sandbox(core, { pidMax: 6, pidsLimit: 4 });
  const kids = [1, 2, 3].map(() => val(k.spawn(init)).pid);
  assert.deepEqual(kids, [2, 3, 4]);
  assert.deepEqual(k.spawn(init), { ok: false, errno: Errno.EAGAIN }, 'pids.max = 4');
  val(k.exit(kids[0]!, 0));
  val(k.waitpid(init, kids[0]!, 0));
  assert.equal(val(k.spawn(init)).pid, 5);
  val(k.exit(kids[1]!, 0));
  val(k.waitpid(init, kids[1]!, 0));
  assert.equal(val(k.spawn(init)).pid, 2, 'wrapped past pid_max, 1 in use, 2 free');
  k.destroy();
});

test('containers: ps, kill all, all exited, unregister', () => {
  const core = new KernelCore();
  const k = core.createKernel();
  const c1 = k.registerContainer();
  const c2 = k.registerContainer(2);
  const init = val(k.spawnInit(c1, k.rootNs)).pid;
  const p = val(k.spawnInit(c2, k.rootNs, { uid: 1000, gid: 1000 })).pid;
  val(k.spawn(p));
  assert.deepEqual(k.spawn(p), { ok: false, errno: Errno.EAGAIN }, 'container pids limit 2');
  assert.deepEqual(
    k.ps(c2).map((r) => [r.pid, r.ppid, r.uid, r.container]),
    [
      [2, 0, 1000, c2],
      [3, 2, 1000, c2],
    ],
  );
  assert.equal(k.ps().length, 3);
  assert.deepEqual(k.killContainer(c2, 9), { ok: true, value: 2 });
  assert.deepEqual(k.containerAllExited(c2), { ok: true, value: true });
  assert.deepEqual(k.containerAllExited(c1), { ok: true, value: false });
  assert.deepEqual(k.unregisterContainer(c2), { ok: false, errno: Errno.EBUSY }, 'zombies left');
  val(k.waitpid(null, p, 0));
  val(k.waitpid(init, -1, 0)); // the orphan went to init, which reaps it
  assert.deepEqual(k.unregisterContainer(c2), { ok: true, value: undefined });
  k.destroy();
});

test('pause and resume are recorded', () => {
  const core = new KernelCore();
  const { k } = sandbox(core);
  assert.equal(k.isPaused(), false);
  k.pause();
  assert.equal(k.isPaused(), true);
  k.resume();
  assert.equal(k.isPaused(), false);
  k.destroy();
});

test('host faults throw KernelFault; guest errors never do', () => {
  const core = new KernelCore();
  const { k } = sandbox(core);
  const r = core.raw([999, k.id]);
  assert.equal(r[0], -1, 'unknown op is BadOp');
  assert.equal(core.raw([Op.GETPID, k.id])[0], -2, 'missing argument is Truncated');
  assert.equal(core.raw([Op.GETPID, 4242, 1])[0], -3, 'unknown kernel is NoKernel');
  k.destroy();
  assert.throws(() => k.getpid(asPid(1)), KernelFault, 'a destroyed kernel is a host fault');
});

test('many kernels in one instance are independent', () => {
  const core = new KernelCore();
  const ks = Array.from({ length: 50 }, () => sandbox(core));
  for (const [i, { k, init }] of ks.entries()) {
    for (let j = 0; j < i % 5; j++) val(k.spawn(init));
  }
  for (const [i, { k }] of ks.entries()) assert.equal(k.ps().length, 1 + (i % 5));
  for (const { k } of ks) k.destroy();
  assert.equal(core.stats().kernels, 0);
});

test('the binding keeps working after the wasm memory grows (view refreshed)', () => {
  const core = new KernelCore();
  const first = sandbox(core);
  const start = core.memoryBytes();
  const more: Kernel[] = [];
  while (core.memoryBytes() === start) more.push(sandbox(core).k);
  assert.ok(more.length > 0);
  assert.deepEqual(first.k.getpid(first.init), { ok: true, value: 1 }, 'old handle, new view');
  assert.equal(val(first.k.spawn(first.init)).pid, 2);
  for (const k of more) k.destroy();
  first.k.destroy();
});
