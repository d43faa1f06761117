// PID namespaces through the binding (pid_namespaces(7)): nesting, translation, init death,
// reparenting to a namespace's init, allocation after init died, depth limit.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  Errno,
  KernelCore,
  ProcState,
  Sig,
  SpawnFlags,
  asNsId,
  type KResult,
  type Kernel,
  type Pid,
} from '../kernel-core/binding/index.js';

const core = new KernelCore();

function val<T>(r: KResult<T>): T {
  if (!r.ok) throw new Error(`unexpected ${Errno[r.errno]}`);
  return r.value;
}
const fork = (k: Kernel, p: Pid) => val(k.spawn(p, SpawnFlags.FORK)).pid;

test('namespace create/destroy rules', () => {
  const k = core.createKernel();
  assert.deepEqual(k.nsDestroy(k.rootNs), { ok: false, errno: Errno.EINVAL }, 'root');
  assert.deepEqual(k.nsCreate(asNsId(99)), { ok: false, errno: Errno.EINVAL }, 'unknown parent');
  let ns = k.rootNs;
  for (let i = 0; i < 32; i++) ns = val(k.nsCreate(ns));
  assert.deepEqual(k.nsCreate(ns), { ok: false, errno: Errno.ENOSPC }, 'MAX_PID_NS_LEVEL = 32');
  const before = k.stats().namespaces;
  val(k.nsDestroy(ns));
  assert.equal(k.stats().namespaces, before - 1, 'an empty released namespace is freed');
  k.destroy();
});

test('containers sharing a namespace: the first is init, the next are not', () => {
  const k = core.createKernel();
  const c1 = k.registerContainer();
  const c2 = k.registerContainer();
  const ns = val(k.nsCreate(k.rootNs));
  const a = val(k.spawnInit(c1, ns));
  const b = val(k.spawnInit(c2, ns));
  assert.deepEqual([a.nr, b.nr], [1, 2]);
  // b's orphans go to a (the namespace's init), not to the host.
  const child = fork(k, b.pid);
  val(k.exit(b.pid, 0));
  assert.deepEqual(k.getppid(child), { ok: true, value: 1 });
  assert.equal(val(k.procInfo(child)).ppid, a.pid);
  k.destroy();
});

test('init death kills the namespace; host-parented members stay zombies for the host', () => {
  const k = core.createKernel();
  const c = k.registerContainer();
  const ns = val(k.nsCreate(k.rootNs));
  const init = val(k.spawnInit(c, ns)).pid;
  const other = val(k.spawnInit(c, ns)).pid;
  const kid = fork(k, init);
  k.drainEvents();
  val(k.exit(init, 0));
  const evs = k.drainEvents();
  assert.ok(evs.some((e) => e.kind === 'NamespaceKilled' && e.ns === ns));
  assert.ok(evs.some((e) => e.kind === 'Terminate' && e.pid === other && e.sig === Sig.SIGKILL));
  assert.ok(
    evs.some((e) => e.kind === 'Reaped' && e.pid === kid),
    'init reaps its own',
  );
  assert.equal(val(k.procInfo(other)).state, ProcState.Zombie);
  assert.deepEqual(k.spawnInit(c, ns), { ok: false, errno: Errno.ENOMEM }, 'no pids after init died');
  assert.equal(val(k.waitpid(null, other, 0)).status, Sig.SIGKILL);
  assert.equal(val(k.waitpid(null, init, 0)).status, 0);
  val(k.nsDestroy(ns));
  const st = k.stats();
  assert.deepEqual([st.processes, st.pids, st.namespaces], [0, 0, 1]);
  k.destroy();
});

test('new namespace per container (INIT_NEW_NS) and nested translation', () => {
  const k = core.createKernel();
  const c = k.registerContainer();
  const root = val(k.spawnInit(c, k.rootNs)).pid;
  const sub = val(k.spawnInit(c, k.rootNs, { newNs: true }));
  assert.equal(sub.nr, 1);
  assert.notEqual(sub.ns, k.rootNs);
  const grand = val(k.spawn(sub.pid, SpawnFlags.NEW_NS)).pid;
  const g2 = fork(k, grand);
  const gns = val(k.procInfo(grand)).ns;
  assert.deepEqual(
    [k.translate(g2, gns), k.translate(g2, sub.ns), k.translate(g2, k.rootNs)],
    [2, 3, g2],
    'one number per level',
  );
  assert.equal(k.translate(root, sub.ns), 0);
  assert.equal(val(k.getpgid(g2, 0)), 0, 'the group leader (sub init) is not visible from inside');
  k.destroy();
});

test('kill from a nested namespace only reaches what it can see', () => {
  const k = core.createKernel();
  const c = k.registerContainer();
  const init = val(k.spawnInit(c, k.rootNs)).pid;
  const outside = fork(k, init);
  const nsInit = val(k.spawn(init, SpawnFlags.NEW_NS)).pid;
  const inside = fork(k, nsInit);
  assert.equal(k.translate(nsInit, k.rootNs), 3);
  assert.deepEqual(
    k.kill(inside, 3, Sig.SIGTERM),
    { ok: false, errno: Errno.ESRCH },
    'root pid 3 is not 3 inside',
  );
  assert.deepEqual(k.kill(inside, 2, 0), { ok: true, value: undefined }, 'inside, 2 is itself');
  val(k.kill(init, -1, Sig.SIGTERM));
  assert.equal(val(k.procInfo(outside)).state, ProcState.Zombie, 'kill(-1) from the root reached it');
  assert.equal(val(k.procInfo(inside)).state, ProcState.Zombie, 'and the nested process');
  assert.equal(val(k.procInfo(nsInit)).state, ProcState.Running, 'nested init ignores SIGTERM (no handler)');
  k.destroy();
});
