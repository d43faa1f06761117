// Property tests of kernel-core: random operation sequences (seeded) keep the invariants of
// the process model after every step, and a destroyed kernel gives every byte back.
import test from 'node:test';
import { xorshift } from './helpers/prng.js';
import assert from 'node:assert/strict';
import {
  Errno,
  KernelCore,
  ProcState,
  Sig,
  SigHow,
  SpawnFlags,
  WaitOptions,
  asPid,
  type ContainerHandle,
  type Kernel,
  type KernelEvent,
  type NsId,
  type Pid,
} from '../kernel-core/binding/index.js';

/** What the events say exists: spawned minus reaped; zombies = exited minus reaped. */
class Model {
  live = new Set<number>();
  zombies = new Set<number>();
  exits = 0;
  reaps = 0;
  apply(evs: KernelEvent[]): void {
    for (const e of evs) {
      if (e.kind === 'ProcessExited') {
        assert.ok(this.live.has(e.pid), `exit of unknown ${e.pid}`);
        assert.ok(!this.zombies.has(e.pid), `double exit of ${e.pid}`);
        this.zombies.add(e.pid);
        this.exits++;
      } else if (e.kind === 'Reaped') {
        assert.ok(this.zombies.has(e.pid), `reap of non-zombie ${e.pid}`);
        this.zombies.delete(e.pid);
        this.live.delete(e.pid);
        this.reaps++;
      }
    }
  }
}

function checkInvariants(k: Kernel, m: Model, step: number): void {
  const rows = k.ps();
  const byPid = new Map(rows.map((r) => [r.pid as number, r]));
  const where = `step ${step}`;
  assert.deepEqual(
    [...byPid.keys()].sort((a, b) => a - b),
    [...m.live].sort((a, b) => a - b),
    `${where}: ps vs model`,
  );
  for (const r of rows) {
    const zombie = r.state === ProcState.Zombie;
    assert.equal(zombie, m.zombies.has(r.pid), `${where}: zombie state of ${r.pid}`);
    if (r.ppid !== 0) {
      const p = byPid.get(r.ppid);
      assert.ok(p, `${where}: ${r.pid} has a parent ${r.ppid} that does not exist`);
      assert.notEqual(p.state, ProcState.Zombie, `${where}: ${r.pid}'s parent ${r.ppid} is a zombie`);
    }
    const info = k.procInfo(r.pid);
    assert.ok(info.ok);
    const { ns, nr } = info.value;
    assert.equal(k.translate(r.pid, ns), nr, `${where}: translate to own ns`);
    assert.deepEqual(k.lookup(ns, nr), { ok: true, value: r.pid }, `${where}: lookup back`);
    assert.equal(k.translate(r.pid, k.rootNs), r.pid, `${where}: root number is the pid`);
    assert.ok(byPid.has(r.pgid) || k.translate(asPid(r.pgid), k.rootNs) === r.pgid, `${where}: pgid record`);
  }
  // Every namespace that holds a process: a pid visible there maps back to itself.
  const spaces = new Set(rows.map((r) => (k.procInfo(r.pid) as { ok: true; value: { ns: NsId } }).value.ns));
  for (const r of rows) {
    for (const ns of spaces) {
      const nr = k.translate(r.pid, ns);
      if (nr !== 0)
        assert.deepEqual(k.lookup(ns, nr), { ok: true, value: r.pid }, `${where}: ${r.pid} in ns ${ns}`);
    }
  }
  const st = k.stats();
  assert.equal(st.processes, rows.length, `${where}: stats vs ps`);
}

/** Reaps a zombie as its parent (or the host) would: the parent names it in its own namespace. */
function reapZombie(k: Kernel, p: Pid): void {
  const info = k.procInfo(p);
  if (!info.ok) return;
  const parent = info.value.ppid;
  if (parent === 0) {
    k.waitpid(null, p, 0);
    return;
  }
  const pinfo = k.procInfo(parent);
  if (pinfo.ok) k.waitpid(parent, k.translate(p, pinfo.value.ns), 0);
}

function runSequence(core: KernelCore, seed: number, steps: number): void {
  const rnd = xorshift(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd() % xs.length]!;
  const k = core.createKernel({ pidMax: 64 + (seed % 64) });
  const m = new Model();
  const containers: ContainerHandle[] = [k.registerContainer(), k.registerContainer(20)];
  const sigs = [
    Sig.SIGTERM,
    Sig.SIGKILL,
    Sig.SIGSTOP,
    Sig.SIGCONT,
    Sig.SIGUSR1,
    Sig.SIGCHLD,
    Sig.SIGHUP,
    Sig.SIGTSTP,
    0,
  ];
  const spawnFlags = [0, SpawnFlags.FORK, SpawnFlags.NEW_PGRP, SpawnFlags.NEW_SESSION, SpawnFlags.NEW_NS];
  const spawned = (pid: number) => m.live.add(pid);
  for (let step = 0; step < steps; step++) {
    const all = [...m.live];
    const alive = all.filter((p) => !m.zombies.has(p));
    const any = (): Pid => asPid(all.length ? pick(all) : 1);
    const liv = (): Pid => asPid(alive.length ? pick(alive) : 1);
    switch (alive.length === 0 ? 0 : rnd() % 14) {
      case 0: {
        const r = k.spawnInit(pick(containers), k.rootNs, { newNs: rnd() % 3 === 0, uid: pick([0, 1000]) });
        if (r.ok) spawned(r.value.pid);
        break;
      }
      case 1:
      case 2:
      case 3: {
        const r = k.spawn(liv(), pick(spawnFlags));
        if (r.ok) spawned(r.value.pid);
        break;
      }
      case 4:
        k.exit(liv(), rnd() % 256);
        break;
      case 5:
        k.kill(rnd() % 4 === 0 ? null : liv(), pick([any(), -any(), 0, -1]), pick(sigs));
        break;
      case 6:
        k.dequeue(liv());
        break;
      case 7:
        k.waitpid(
          liv(),
          pick([-1, 0, any()]),
          pick([WaitOptions.WNOHANG, WaitOptions.WUNTRACED | WaitOptions.WCONTINUED]),
        );
        break;
      case 8:
        k.waitpid(null, -1, WaitOptions.WNOHANG);
        break;
      case 9:
        k.setpgid(liv(), pick([0, any()]), pick([0, any()]));
        break;
      case 10:
        k.setsid(liv());
        break;
      case 11:
        k.sigaction(liv(), pick([Sig.SIGCHLD, Sig.SIGUSR1, Sig.SIGTERM]), {
          handler: pick(['default', 'ignore', 'handler'] as const),
          index: 1,
        });
        break;
      case 12:
        k.sigprocmask(
          liv(),
          pick([SigHow.SIG_BLOCK, SigHow.SIG_UNBLOCK]),
          BigInt(rnd()) << BigInt(rnd() % 32),
        );
        break;
      case 13:
        k.setSubreaper(liv(), rnd() % 2 === 0);
        break;
    }
    m.apply(k.drainEvents());
    checkInvariants(k, m, step);
  }
  assert.ok(
    m.exits > 100 && m.reaps > 100,
    `seed ${seed}: too little happened (${m.exits} exits, ${m.reaps} reaps)`,
  );
  // Tear down: kill everything from the host, reap what is left, and check nothing remains.
  for (let round = 0; round < 50 && m.live.size > 0; round++) {
    for (const p of m.live) if (!m.zombies.has(p)) k.kill(null, p, Sig.SIGKILL);
    m.apply(k.drainEvents());
    for (const p of [...m.zombies]) reapZombie(k, asPid(p));
    m.apply(k.drainEvents());
  }
  assert.equal(m.live.size, 0, `seed ${seed}: processes left after teardown`);
  const st = k.stats();
  assert.deepEqual(
    [st.processes, st.pids, st.groups, st.sessions, st.namespaces, st.ttys],
    [0, 0, 0, 0, 1, 0],
    `seed ${seed}: objects left after every process was reaped`,
  );
  k.destroy();
}

test('random operation sequences keep the invariants; nothing leaks', () => {
  const core = new KernelCore();
  // Warm the runtime's reusable input buffer to its largest size before taking the baseline.
  const warm = core.createKernel();
  const c = warm.registerContainer();
  const p = warm.spawnInit(c, warm.rootNs);
  assert.ok(p.ok);
  warm.prlimit(null, p.value.pid, 0);
  warm.sigaction(p.value.pid, Sig.SIGUSR1, { handler: 'ignore' });
  warm.destroy();
  const baseline = core.stats();
  for (const seed of [1, 2, 3, 0xdecaf, 0xc0ffee, 424242]) runSequence(core, seed, 2500);
  const after = core.stats();
  assert.equal(after.kernels, 0);
  assert.equal(after.liveAllocs, baseline.liveAllocs, 'allocations back to baseline');
  assert.equal(after.liveBytes, baseline.liveBytes, 'bytes back to baseline');
});

test('errno results in random sequences are always Linux errnos, never faults', () => {
  const core = new KernelCore();
  const k = core.createKernel();
  const rnd = xorshift(99);
  const known = new Set(Object.values(Errno).filter((v) => typeof v === 'number'));
  for (let i = 0; i < 5000; i++) {
    const r = [
      k.getpgid(asPid(rnd() % 10), (rnd() % 20) - 10),
      k.setpgid(asPid(rnd() % 10), (rnd() % 20) - 10, (rnd() % 20) - 10),
      k.kill(asPid(rnd() % 10), (rnd() % 20) - 10, rnd() % 70),
      k.waitpid(asPid(rnd() % 10), (rnd() % 20) - 10, rnd() % 16),
    ];
    for (const x of r) if (!x.ok) assert.ok(known.has(x.errno), `unknown errno ${x.errno}`);
  }
  k.destroy();
});
