// corral_v1 end to end, through its raw imports (test/guests/abi_procs.c, no SDK): a guest run by
// the Loader spawns, waits for and signals its children, talks to them through pipes, execs, and
// runs signal handlers at its syscall boundaries; a blocked wait is interrupted (EINTR) or
// restarted (SA_RESTART). Each scenario's whole output is compared with what Linux would print.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ActorSystem } from '../actors/runtime/index.js';
import type { LoaderArgs, ProcessInfo } from '../actors/loader/control_protocol.js';
import { closeGuestStrategy, guestBusyCount } from '../actors/process-group/guest_platform.js';
import { Errno } from '../platform/wasi_errno.js';
import { makeBundle, readText, TempDirs } from './helpers/bundles.js';
import { WASM } from './helpers/posix_programs.js';

/** Polls `cond` until it holds or the deadline passes (no sleeps as synchronisation). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

const dirs = new TempDirs();
after(async () => {
  await closeGuestStrategy();
  dirs.cleanup();
});

const LOADER = new URL('../actors/loader/loader_actor.js', import.meta.url).href;

/** Runs `/bin/abi_procs MODE` as a container's init; returns its stdout and wait status. */
async function run(
  mode: string,
  prepare?: (rootfs: string) => void,
): Promise<{ out: string; exitCode: number | undefined }> {
  const out = join(dirs.make(), 'out');
  const bundle = makeBundle(dirs, {
    bins: ['abi_procs'],
    args: ['/bin/abi_procs', mode],
    readonlyRoot: prepare === undefined,
  });
  prepare?.(join(bundle, 'rootfs'));
  const sys = await ActorSystem.start({ workers: 0 });
  try {
    const args: LoaderArgs = {
      sandboxId: 'abi',
      rootCid: 'root',
      rootBundle: bundle,
      rootStdio: { kind: 'paths', stdout: out },
    };
    const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args, name: 'loader' });
    const req = (r: { op: string; cid: string }) =>
      sys.request<Record<string, unknown>>(loader, r.op, r, { timeoutMs: 20_000 });
    await req({ op: 'start', cid: 'root' });
    const st = (await req({ op: 'wait', cid: 'root' })) as { exitCode?: number };
    await req({ op: 'destroy', cid: 'root' });
    return { out: readText(out), exitCode: st.exitCode };
  } finally {
    await sys.shutdown();
  }
}

test('ids, sessions and the errors Linux gives for them', async () => {
  const r = await run('ids');
  assert.equal(r.exitCode, 0);
  assert.equal(
    r.out,
    [
      'pgid==pid yes, sid==pid yes',
      `setsid as leader: errno ${Errno.PERM}`,
      // Linux's setpgid refuses a session leader even when nothing would change.
      `setpgid(0, 0): errno ${Errno.PERM}`,
      `kill(99999, 0): errno ${Errno.SRCH}`,
      `kill(me, 99): errno ${Errno.INVAL}`,
      `wait with no child: errno ${Errno.CHILD}`,
      '',
    ].join('\n'),
  );
});

test('spawn and wait: exit codes, death by a signal, exec keeping the pid', async () => {
  const r = await run('spawn');
  assert.equal(
    r.out,
    [
      'child-exit: exited 7 (same pid: yes)',
      'child-term: killed by 15',
      'child-exec: exited 7 (same pid: yes)',
      `WNOHANG with no child: errno ${Errno.CHILD}`,
      '',
    ].join('\n'),
  );
});

test('a pipe to a spawned child, its stdout redirected by a dup2 file action', async () => {
  const r = await run('pipe');
  assert.equal(r.out, 'parent read: hello from child, parent known\nchild-echo: exited 0 (same pid: yes)\n');
});

test('a spawn file action opens a rootfs file as the stdout of the child; a bad one fails the spawn', async () => {
  const r = await run('spawn-open', (rootfs) => mkdirSync(join(rootfs, 'tmp')));
  assert.equal(
    r.out,
    [
      'spawn with open: errno 0',
      'child-echo: exited 0 (same pid: yes)',
      'file holds 31 bytes: hello from child, parent known',
      // No child is left behind by a spawn that failed: waiting for any child is ECHILD.
      `spawn with a bad open: errno ${Errno.NOENT}; wait for any child: errno ${Errno.CHILD}`,
      '',
    ].join('\n'),
  );
});

test('handlers run at the next syscall boundary; a blocked signal waits in the pending set', async () => {
  const r = await run('handler');
  assert.equal(
    r.out,
    'sigaction: errno 0\ncaught 10\nblocked SIGUSR2 pending: yes\nafter unblock caught 12\n',
  );
});

test('SIGTERM kills a child suspended in sigsuspend, and one spinning without a syscall', async () => {
  assert.equal((await run('kill-child')).out, 'child-suspend: killed by 15\nchild-spin: killed by 15\n');
});

test('a handler runs inside a loop that makes no syscall (instrumented loops)', async () => {
  assert.equal((await run('spin-handler')).out, 'child-spin-flag: exited 5 (same pid: yes)\n');
});

test('SIGSTOP and SIGCONT seen through WUNTRACED and WCONTINUED', async () => {
  assert.equal(
    (await run('stop-cont')).out,
    'stopped: yes, by 19\ncontinued: yes\nchild-suspend: killed by 15\n',
  );
});

test('a signal interrupts a blocked wait with EINTR; with SA_RESTART the wait goes on', async () => {
  const intr = await run('wait-eintr');
  assert.match(intr.out, new RegExp(`^first wait: errno ${Errno.INTR}, caught 10\nstatus: killed by 9\n$`));
  const restart = await run('wait-restart');
  assert.equal(restart.out, 'first wait: errno 0, caught 10\nstatus: exited 3\n');
});

test("the death of a PID namespace's init kills every process left in it", async () => {
  // The init (an SDK program) leaves two children and two grandchildren waiting in pause().
  const out = join(dirs.make(), 'out');
  const bundle = makeBundle(dirs, { bins: [], args: ['/bin/pidns_init_death'], pidns: '' });
  copyFileSync(join(WASM, 'pidns_init_death.wasm'), join(bundle, 'rootfs', 'bin', 'pidns_init_death'));
  const sys = await ActorSystem.start({ workers: 0 });
  try {
    const args: LoaderArgs = {
      sandboxId: 'pidns',
      rootCid: 'root',
      rootBundle: bundle,
      rootStdio: { kind: 'paths', stdout: out },
    };
    const loader = await sys.spawn({ module: LOADER, export: 'createLoaderActor', args, name: 'loader' });
    const req = <T>(r: { op: string; cid: string }) => sys.request<T>(loader, r.op, r, { timeoutMs: 20_000 });
    await req({ op: 'start', cid: 'root' });
    assert.deepEqual(await req({ op: 'wait', cid: 'root' }), { status: 0, exitCode: 0 });
    assert.equal(readText(out), 'init is pid 1: yes\nready: 4 of 4\n');
    // Before any destroy: the kernel already killed the four, and their threads end.
    await until(() => guestBusyCount() === 0);
    const left = await req<ProcessInfo[]>({ op: 'ps', cid: 'root' });
    assert.deepEqual(
      left.filter((p) => p.state !== 'zombie').map((p) => p.cmd),
      [],
      'no process of the namespace still runs',
    );
    await req({ op: 'destroy', cid: 'root' });
  } finally {
    await sys.shutdown();
  }
});

test('nothing is left running', () => {
  assert.equal(guestBusyCount(), 0);
});
