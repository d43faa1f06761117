// The Loader actor in one process: the runsc lifecycle, exec, wait, signals and their error cases,
// PID namespaces joined by path, and destroy leaving nothing behind.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ActorSystem, type ActorRef } from '../actors/runtime/index.js';
import type {
  LoaderArgs,
  LoaderReply,
  LoaderRequest,
  ProcessInfo,
} from '../actors/loader/control_protocol.js';
import {
  closeGuestStrategy,
  guestBusyCount,
  guestWorkerCount,
} from '../actors/process-group/guest_platform.js';
import { makeBundle, readText, TempDirs } from './helpers/bundles.js';

const dirs = new TempDirs();
after(async () => {
  await closeGuestStrategy();
  dirs.cleanup();
});

const LOADER = new URL('../actors/loader/loader_actor.js', import.meta.url).href;
const LONG = ['/bin/sleep', '600000'];

interface Sandbox {
  sys: ActorSystem;
  loader: ActorRef;
  req<O extends LoaderRequest['op']>(r: Extract<LoaderRequest, { op: O }>): Promise<LoaderReply<O>>;
}

async function sandbox(
  rootBundle: string,
  rootStdio: LoaderArgs['rootStdio'] = { kind: 'null' },
): Promise<Sandbox> {
  const sys = await ActorSystem.start({ workers: 0 });
  const args: LoaderArgs = { sandboxId: 'sbx', rootCid: 'root', rootBundle, rootStdio };
  const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args, name: 'loader' });
  return {
    sys,
    loader,
    req: (r) => sys.request(loader, r.op, r, { timeoutMs: 20_000 }),
  };
}

test('root container: start, exit code, output, wait, destroy', async () => {
  const out = join(dirs.make(), 'out');
  const b = makeBundle(dirs, { bins: ['exit_code'], args: ['/bin/exit_code', '7'] });
  const s = await sandbox(b, { kind: 'paths', stdout: out });
  try {
    assert.equal((await s.req({ op: 'state', cid: 'root' })).status, 'created');
    const { pid } = await s.req({ op: 'start', cid: 'root' });
    assert.ok(pid > 0);
    assert.deepEqual(await s.req({ op: 'wait', cid: 'root' }), { status: 7 << 8, exitCode: 7 });
    assert.equal(readText(out), 'exiting with 7\n');
    const st = await s.req({ op: 'state', cid: 'root' });
    assert.equal(st.status, 'stopped');
    assert.equal(st.pid, pid);
    // Waiting again gives the same status.
    assert.equal((await s.req({ op: 'wait', cid: 'root' })).exitCode, 7);
    assert.deepEqual(await s.req({ op: 'destroy', cid: 'root' }), { sandboxEmpty: true });
    await assert.rejects(s.req({ op: 'state', cid: 'root' }), /container "root" not found/);
  } finally {
    await s.sys.shutdown();
  }
});

test('error cases name the container and the problem', async () => {
  const b = makeBundle(dirs, { bins: ['sleep'], args: LONG });
  const s = await sandbox(b);
  try {
    await assert.rejects(
      s.req({ op: 'exec', cid: 'root', process: { args: ['/bin/sleep'] } }),
      /container "root" not started/,
    );
    await assert.rejects(
      s.req({ op: 'wait', cid: 'root' }),
      /can't wait for container "root": container "root" not started/,
    );
    await assert.rejects(s.req({ op: 'start', cid: 'nope' }), /trying to start a deleted container "nope"/);
    await assert.rejects(s.req({ op: 'create', cid: 'root', bundle: b }), /container "root" already exists/);
    await assert.rejects(s.req({ op: 'create', cid: 'x', bundle: '/nonexistent/bundle' }), /bundle/);
    await s.req({ op: 'start', cid: 'root' });
    await assert.rejects(s.req({ op: 'start', cid: 'root' }), /container "root" is already started/);
    await assert.rejects(s.req({ op: 'wait-pid', cid: 'root', pid: 0 }), /PID \(0\) must be positive/);
    await assert.rejects(
      s.req({ op: 'wait-pid', cid: 'root', pid: 999 }),
      /waiting for PID 999: no such process/,
    );
    await assert.rejects(
      s.req({ op: 'signal', cid: 'root', pid: 3, signo: 9, mode: 'all' }),
      /PID \(3\) cannot be set when signaling all processes/,
    );
    await assert.rejects(
      s.req({ op: 'signal', cid: 'root', pid: 999, signo: 9, mode: 'process' }),
      /signaling process in container "root" PID 999: no such process with PID 999/,
    );
    await assert.rejects(
      s.req({ op: 'signal', cid: 'root', pid: 0, signo: 2, mode: 'foreground' }),
      /no TTY attached/,
    );
    await assert.rejects(s.req({ op: 'ps', cid: 'ghost' }), /container "ghost" not found/);
    await assert.rejects(
      s.req({ op: 'exec', cid: 'root', process: { args: ['/bin/missing'] } }),
      /executable not found: \/bin\/missing/,
    );
    await assert.rejects(
      s.sys.request(s.loader, 'bogus', { op: 'bogus', cid: 'root' }),
      /unknown Loader operation/,
    );
    // Refused where the process is set up (its process-group actor), not by the Loader itself: the
    // exec fails, and the process that never ran is not left behind.
    await assert.rejects(
      s.req({
        op: 'exec',
        cid: 'root',
        process: { args: ['/bin/sleep'] },
        stdio: { kind: 'paths', stdout: '/nonexistent/corral-dir/out' },
      }),
      /nonexistent\/corral-dir/,
    );
    // The Loader is still there after all of that.
    assert.equal((await s.req({ op: 'ps', cid: 'root' })).length, 1);
    await s.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s.sys.shutdown();
  }
});

test('a non-wasm executable is refused with a clear error', async () => {
  const b = makeBundle(dirs, { bins: [], args: ['/bin/fake'] });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(b, 'rootfs', 'bin', 'fake'), '#!/bin/sh\necho not wasm\n');
  const s = await sandbox(b);
  try {
    await assert.rejects(s.req({ op: 'start', cid: 'root' }), /not a WebAssembly module: \/bin\/fake/);
    assert.equal((await s.req({ op: 'state', cid: 'root' })).status, 'stopped');
  } finally {
    await s.sys.shutdown();
  }
});

test('exec two processes, ps, kill one, wait-pid, kill all, wait, destroy', async () => {
  const b = makeBundle(dirs, { bins: ['sleep', 'spin'], args: LONG });
  const s = await sandbox(b);
  try {
    const { pid: init } = await s.req({ op: 'start', cid: 'root' });
    const { pid: a } = await s.req({ op: 'exec', cid: 'root', process: { args: LONG } });
    const { pid: c } = await s.req({ op: 'exec', cid: 'root', process: { args: ['/bin/spin'] } });
    const procs = await s.req({ op: 'ps', cid: 'root' });
    const byPid = new Map(procs.map((p): [number, ProcessInfo] => [p.pid, p]));
    assert.deepEqual(
      [...byPid.keys()].sort((x, y) => x - y),
      [init, a, c].sort((x, y) => x - y),
    );
    assert.equal(byPid.get(init)!.execd, false);
    assert.equal(byPid.get(a)!.execd, true);
    assert.equal(byPid.get(c)!.cmd, '/bin/spin');
    // Each exec'd process leads its own session and group, as a parentless process does.
    assert.equal(byPid.get(a)!.pgid, a);
    assert.equal(byPid.get(a)!.sid, a);
    await s.req({ op: 'signal', cid: 'root', pid: a, signo: 15, mode: 'process' });
    assert.deepEqual(await s.req({ op: 'wait-pid', cid: 'root', pid: a }), { status: 15, signal: 15 });
    // Its table entry went with the wait: the pid is no longer known.
    await assert.rejects(s.req({ op: 'wait-pid', cid: 'root', pid: a }), /no such process/);
    // A spinning guest (no syscalls) still dies.
    await s.req({ op: 'signal', cid: 'root', pid: 0, signo: 9, mode: 'all' });
    assert.equal((await s.req({ op: 'wait', cid: 'root' })).signal, 9);
    assert.equal((await s.req({ op: 'wait-pid', cid: 'root', pid: c })).signal, 9);
    assert.equal((await s.req({ op: 'event', cid: 'root' })).data.pids.current, 0);
    assert.deepEqual(await s.req({ op: 'destroy', cid: 'root' }), { sandboxEmpty: true });
  } finally {
    await s.sys.shutdown();
  }
});

test('sub-containers: a new PID namespace, another joining it by path, signals stay in their container', async () => {
  const root = makeBundle(dirs, { bins: ['sleep'], args: LONG });
  const subA = makeBundle(dirs, { bins: ['sleep'], args: LONG, pidns: '/var/run/netns/shared-pid' });
  const subB = makeBundle(dirs, { bins: ['sleep'], args: LONG, pidns: '/var/run/netns/shared-pid' });
  const subC = makeBundle(dirs, { bins: ['sleep'], args: LONG, pidns: '' });
  const s = await sandbox(root);
  try {
    await s.req({ op: 'start', cid: 'root' });
    for (const [cid, bundle] of [
      ['a', subA],
      ['b', subB],
      ['c', subC],
    ] as const) {
      await s.req({ op: 'create', cid, bundle });
      await s.req({ op: 'start', cid });
    }
    const [pa] = await s.req({ op: 'ps', cid: 'a' });
    const [pb] = await s.req({ op: 'ps', cid: 'b' });
    const [pc] = await s.req({ op: 'ps', cid: 'c' });
    assert.equal(pa!.nspid, 1, 'a made the namespace: its init is pid 1 there');
    assert.equal(pb!.nspid, 2, "b joined a's namespace by path");
    assert.equal(pc!.nspid, 1, 'c has a namespace of its own');
    assert.notEqual(pa!.pid, pb!.pid);
    await assert.rejects(
      s.req({ op: 'signal', cid: 'a', pid: pb!.pid, signo: 9, mode: 'process' }),
      new RegExp(`process ${pb!.pid} belongs to a different container: "b"`),
    );
    await assert.rejects(
      s.req({ op: 'wait-pid', cid: 'a', pid: pb!.pid }),
      /is part of a different container: "b"/,
    );
    await s.req({ op: 'signal', cid: 'b', pid: pb!.pid, signo: 9, mode: 'group' });
    assert.equal((await s.req({ op: 'wait', cid: 'b' })).signal, 9);
    assert.equal((await s.req({ op: 'list' })).length, 4);
    for (const cid of ['a', 'b', 'c'])
      assert.deepEqual(await s.req({ op: 'destroy', cid }), { sandboxEmpty: false });
    assert.deepEqual(await s.req({ op: 'destroy', cid: 'root' }), { sandboxEmpty: true });
  } finally {
    await s.sys.shutdown();
  }
});

test('raise: the kernel applies the default action, and a namespace init is immune', async () => {
  const out = join(dirs.make(), 'out');
  const b = makeBundle(dirs, { bins: ['raise', 'sleep'], args: ['/bin/raise', '15'] });
  const s = await sandbox(b, { kind: 'paths', stdout: out });
  try {
    // The root container's init is pid 1 of the sandbox: SIGTERM with the default action is
    // ignored for it, even self-sent (kernel/signal.c:sig_task_ignored, SIGNAL_UNKILLABLE).
    await s.req({ op: 'start', cid: 'root' });
    assert.deepEqual(await s.req({ op: 'wait', cid: 'root' }), { status: 0, exitCode: 0 });
    assert.equal(readText(out), 'raising\nsurvived errno=0\n');
    await s.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s.sys.shutdown();
  }
  // A sandbox whose init has died cannot start processes any more (fork fails with ENOMEM in a PID
  // namespace whose init is gone, pid_namespaces(7)), so the rest runs in a new one.
  const s2 = await sandbox(makeBundle(dirs, { bins: ['raise', 'sleep'], args: LONG }));
  try {
    await s2.req({ op: 'start', cid: 'root' });
    // An exec'd process is no init: it dies of its own SIGTERM.
    const out2 = join(dirs.make(), 'out2');
    const { pid } = await s2.req({
      op: 'exec',
      cid: 'root',
      process: { args: ['/bin/raise', '15'] },
      stdio: { kind: 'paths', stdout: out2 },
    });
    assert.deepEqual(await s2.req({ op: 'wait-pid', cid: 'root', pid }), { status: 15, signal: 15 });
    assert.equal(readText(out2), 'raising\n');
    // SIGCHLD (WASI 16) is ignored by default: the process survives.
    const { pid: p2 } = await s2.req({
      op: 'exec',
      cid: 'root',
      process: { args: ['/bin/raise', '16'] },
      stdio: { kind: 'paths', stdout: out2 },
    });
    assert.equal((await s2.req({ op: 'wait-pid', cid: 'root', pid: p2 })).exitCode, 0);
    assert.equal(readText(out2), 'raising\nsurvived errno=0\n');
    await s2.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s2.sys.shutdown();
  }
});

/** Handles that outlive their cause by design: a close in flight, the test's own stdio. */
const steady = (): string[] =>
  process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'TTYWrap' && r !== 'CloseReq')
    .sort();

test('destroy of a running container ends every guest and leaves no handle behind', async () => {
  // Start from no guest pool at all, so that the baseline holds no worker of an earlier test.
  await closeGuestStrategy();
  const before = steady();
  const b = makeBundle(dirs, { bins: ['sleep', 'spin'], args: LONG });
  const s = await sandbox(b);
  await s.req({ op: 'start', cid: 'root' });
  await s.req({ op: 'exec', cid: 'root', process: { args: LONG } });
  await s.req({ op: 'exec', cid: 'root', process: { args: ['/bin/spin'] } });
  assert.deepEqual(await s.req({ op: 'destroy', cid: 'root' }), { sandboxEmpty: true });
  assert.equal(guestBusyCount(), 0, 'no worker is still lent to a guest once destroy has returned');
  await s.sys.shutdown();
  await closeGuestStrategy();
  assert.equal(guestWorkerCount(), 0);
  const end = Date.now() + 5000;
  for (;;) {
    const now = steady();
    if (now.join() === before.join()) break;
    if (Date.now() > end) assert.deepEqual(now, before);
    await new Promise((r) => setImmediate(r));
  }
});

test('pause freezes a guest spinning without syscalls; resume lets it run again', async () => {
  const b = makeBundle(dirs, { bins: ['spin'], args: ['/bin/spin'] });
  const s = await sandbox(b);
  // Yields to the event loop first: a Loader on this thread answers through microtasks alone, and
  // the guest's syscalls are served by this thread's event loop.
  const cpuMs = async (): Promise<number> => {
    await new Promise((r) => setImmediate(r));
    return (await s.req({ op: 'event', cid: 'root' })).data.cpuMs ?? 0;
  };
  /** Polls until `ms` of wall time passed (a measurement window, not synchronisation). */
  const elapse = async (ms: number) => {
    const t0 = performance.now();
    while (performance.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
  };
  try {
    await s.req({ op: 'start', cid: 'root' });
    // Running: it gains CPU time.
    const c0 = await cpuMs();
    const deadline = Date.now() + 5000;
    while ((await cpuMs()) - c0 < 20) assert.ok(Date.now() < deadline, 'the guest never used CPU');
    await s.req({ op: 'pause', cid: 'root' });
    // Parked at its next loop poll within microseconds; allow the in-flight interrupt to land.
    await elapse(20);
    const p0 = await cpuMs();
    await elapse(100);
    const used = (await cpuMs()) - p0;
    assert.ok(used < 10, `a paused guest used ${used} ms of CPU in 100 ms`);
    await s.req({ op: 'resume', cid: 'root' });
    const r0 = await cpuMs();
    const deadline2 = Date.now() + 5000;
    while ((await cpuMs()) - r0 < 20) assert.ok(Date.now() < deadline2, 'the resumed guest never ran');
    await s.req({ op: 'signal', cid: 'root', pid: 0, signo: 9, mode: 'process' });
    assert.equal((await s.req({ op: 'wait', cid: 'root' })).signal, 9);
    await s.req({ op: 'destroy', cid: 'root' });
  } finally {
    await s.sys.shutdown();
  }
});
