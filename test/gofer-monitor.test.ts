// The gofer monitor: a container whose gofer dies has its processes SIGKILLed within 100 ms, a
// guest in the middle of a file call never hangs, and closing a gofer leaves no process, socket or
// tmpfs directory behind (and is not mistaken for a crash).

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InProcessGofer } from '../actors/gofer/connection.js';
import { FileSyscalls } from '../actors/gofer/file_syscalls.js';
import { closeThreadGofer, ProcessGofer } from '../actors/gofer/gofer_process.js';
import { startGoferMonitor, type GoferHangup } from '../actors/gofer/monitor.js';
import { ModuleCache } from '../platform/module.js';
import { MemorySink } from '../platform/stdio.js';
import { ThreadStrategy } from '../platform/thread/thread_strategy.js';
import { Errno } from '../platform/wasi_errno.js';
import { StdioSyscalls } from '../platform/wasi_handlers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cache = new ModuleCache();
let strategy: ThreadStrategy;
let base: string;

test.before(async () => {
  execFileSync('bash', [join(ROOT, 'scripts', 'build-guests.sh')], { stdio: 'inherit' });
  strategy = new ThreadStrategy({ warm: 1 });
  await strategy.pool.warmUp();
  base = mkdtempSync(join(tmpdir(), 'corral-monitor-'));
  mkdirSync(join(base, 'root'));
});
test.after(async () => {
  await closeThreadGofer();
  await strategy.close();
  rmSync(base, { recursive: true, force: true });
});

const config = () => ({ mounts: [{ guestPath: '/', hostPath: join(base, 'root'), readonly: false }] });

/** Polls `cond` until it holds or the deadline passes (no sleeps as synchronisation). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

test('a gofer that dies gets its container killed within 100 ms, guests mid-call included', async () => {
  const g = await ProcessGofer.start(config());
  const out = new MemorySink();
  const m = await cache.load(join(ROOT, 'build', 'guests', 'fs_loop.wasm'));
  const proc = strategy.spawn(m, {
    args: ['fs_loop'],
    syscalls: new FileSyscalls(new StdioSyscalls({ stdout: { sink: out } }), g),
  });
  let hangup: GoferHangup | null = null;
  // What the Loader does on hang-up: signal-all SIGKILL to the container's processes.
  startGoferMonitor(g, (h) => {
    hangup = h;
    proc.kill(9);
  });
  await until(() => out.text().includes('started'));
  const killedAt = performance.now();
  g.child.kill('SIGKILL');
  const status = await proc.exited;
  const endedAt = performance.now();
  assert.deepEqual(status, { signal: 9 });
  assert.ok(hangup !== null, 'the monitor fired');
  const h = hangup as GoferHangup;
  assert.match(h.reason, /gofer (exited|connection (closed|broken))/);
  assert.ok(h.at - killedAt < 100, `hang-up noticed after ${h.at - killedAt} ms`);
  assert.ok(endedAt - killedAt < 100, `container killed after ${endedAt - killedAt} ms`);
  assert.equal(g.closed, true);
  await g.close();
});

test('a request in flight when the gofer crashes answers EIO at once', async () => {
  const g = await ProcessGofer.start(config());
  const fired: string[] = [];
  startGoferMonitor(g, (h) => fired.push(h.reason));
  // Stopped, the gofer cannot answer: the request is surely in flight when it dies.
  g.child.kill('SIGSTOP');
  const pending = g.call({ op: 'stat', dir: 1, follow: 1, path: Buffer.from('.') });
  g.child.kill('SIGKILL');
  const r = await pending;
  assert.equal(r.errno, Errno.IO);
  // Later calls fail at once too, and the monitor fired exactly once.
  assert.equal((await g.call({ op: 'stat', dir: 1, follow: 1, path: Buffer.from('.') })).errno, Errno.IO);
  await until(() => fired.length > 0);
  assert.equal(fired.length, 1);
  await g.close();
});

test('detaching releases fids and tmpfs and is not a hang-up; ending the thread gofer ends its process', async () => {
  const tmpfsBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('corral-tmpfs-')));
  const g = await ProcessGofer.start({
    mounts: [...config().mounts, { guestPath: '/tmp', hostPath: null, readonly: false }],
  });
  const other = await ProcessGofer.start(config());
  assert.equal(g.child, other.child, 'one child serves every container of the thread');
  const created = readdirSync(tmpdir()).filter((n) => n.startsWith('corral-tmpfs-') && !tmpfsBefore.has(n));
  assert.equal(created.length, 1, 'the gofer made one tmpfs directory');
  // fid 2 is the second mount's root, the tmpfs.
  const w = await g.call({
    op: 'open',
    dir: 2,
    follow: 1,
    oflags: 1,
    fdflags: 0,
    access: 2,
    path: Buffer.from('x'),
  });
  if (w.errno !== 0) await g.close();
  assert.equal(w.errno, 0);
  let fired = false;
  startGoferMonitor(g, () => (fired = true));
  const child = g.child;
  const fdsBefore = readdirSync(`/proc/${child.pid}/fd`).length;
  await g.close();
  assert.equal(fired, false);
  assert.equal(g.closed, true);
  assert.equal((await g.call({ op: 'fstat', fid: 1 })).errno, Errno.IO, 'a detached connection answers EIO');
  // The root, the tmpfs root and the open file are closed in the child; the tmpfs is gone.
  assert.equal(readdirSync(`/proc/${child.pid}/fd`).length, fdsBefore - 3);
  assert.deepEqual(
    readdirSync(tmpdir()).filter((n) => created.includes(n)),
    [],
    'tmpfs removed',
  );
  // The other container is untouched, and the child stays warm for the next one.
  assert.equal((await other.call({ op: 'fstat', fid: 1 })).errno, 0);
  await other.close();
  assert.equal(child.exitCode, null, 'kept warm with no attachment');
  assert.equal((await ProcessGofer.start(config())).child, child, 'the next container reuses it');
  const pid = child.pid!;
  await closeThreadGofer();
  assert.notEqual(child.exitCode ?? child.signalCode, null);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.ok(child.stdin!.destroyed && child.stdout!.destroyed, 'socket ends closed');
});

test('the shared child dying hangs up every attached container, each with the reason', async () => {
  const gs = await Promise.all([1, 2, 3].map(() => ProcessGofer.start(config())));
  const reasons: string[][] = gs.map(() => []);
  gs.forEach((g, i) => startGoferMonitor(g, (h) => reasons[i]!.push(h.reason)));
  gs[0]!.child.kill('SIGKILL');
  await until(() => reasons.every((r) => r.length > 0));
  for (const r of reasons) assert.match(r[0]!, /gofer (exited|connection (closed|broken))/);
  for (const g of gs) assert.equal((await g.call({ op: 'fstat', fid: 1 })).errno, Errno.IO);
  // The next container gets a new child.
  const next = await ProcessGofer.start(config());
  assert.notEqual(next.child, gs[0]!.child);
  assert.equal((await next.call({ op: 'fstat', fid: 1 })).errno, 0);
  await next.close();
  for (const g of gs) await g.close();
});

test('in-process gofer: crash() fires the monitor, close() does not; a stopped monitor stays silent', async () => {
  const a = new InProcessGofer(config());
  const seen: string[] = [];
  startGoferMonitor(a, (h) => seen.push(h.reason));
  a.crash('boom');
  assert.deepEqual(seen, ['boom']);
  assert.equal(a.call({ op: 'fstat', fid: 1 }).errno, Errno.IO);

  const b = new InProcessGofer(config());
  let fired = 0;
  const stop = startGoferMonitor(b, () => fired++);
  stop();
  b.crash();
  const c = new InProcessGofer(config());
  startGoferMonitor(c, () => fired++);
  await c.close();
  assert.equal(fired, 0);
});

test('the gofer-monitor actor reports a hang-up to the Loader, and stops watching when stopped', async () => {
  const { startContainerGofer, stopContainerGofer } = await import('../actors/gofer/gofer_registry.js');
  const { createGoferMonitorActor, GOFER_MSG } = await import('../actors/gofer/gofer_monitor_actor.js');
  const sent: { to: unknown; kind: string; body: unknown }[] = [];
  const ctx = {
    send: (to: unknown, kind: string, body?: unknown) => sent.push({ to, kind, body }),
  } as unknown as import('../actors/runtime/actor.js').ActorContext;
  const loader = 'loader-1' as unknown as import('../actors/runtime/ids.js').ActorId;

  const a = (await startContainerGofer('c1', config(), 'in-process')) as InProcessGofer;
  const actor = createGoferMonitorActor({ cid: 'c1', loader }, ctx);
  actor.started!(ctx);
  a.crash('gofer exited (SIGKILL)');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.to, loader);
  assert.equal(sent[0]!.kind, GOFER_MSG.hangup);
  assert.equal((sent[0]!.body as { cid: string }).cid, 'c1');
  assert.equal((sent[0]!.body as { reason: string }).reason, 'gofer exited (SIGKILL)');
  await stopContainerGofer('c1');

  const b = (await startContainerGofer('c2', config(), 'in-process')) as InProcessGofer;
  const actor2 = createGoferMonitorActor({ cid: 'c2', loader }, ctx);
  actor2.started!(ctx);
  actor2.stopped!(ctx);
  b.crash();
  assert.equal(sent.length, 1, 'a stopped monitor reports nothing');
  await stopContainerGofer('c2');
  // No gofer for the container on this thread: a fault at start, not a silent no-op.
  assert.throws(() => createGoferMonitorActor({ cid: 'nope', loader }, ctx).started!(ctx), /no gofer/);
});
