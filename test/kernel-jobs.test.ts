// Process groups, sessions, terminals and wait through the binding (setpgid(2), setsid(2),
// tcsetpgrp(3), waitpid(2), waitid(2)).
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  Errno,
  IdType,
  KernelCore,
  Sig,
  SpawnFlags,
  WaitOptions,
  WaitStatus,
  asTty,
  capabilitySet,
  type KResult,
  type Kernel,
  type Pid,
} from '../kernel-core/binding/index.js';

const core = new KernelCore();
const TTY = asTty(5);

function val<T>(r: KResult<T>): T {
  if (!r.ok) throw new Error(`unexpected ${Errno[r.errno]}`);
  return r.value;
}

function sandbox(): { k: Kernel; init: Pid } {
  const k = core.createKernel();
  const c = k.registerContainer();
  return { k, init: val(k.spawnInit(c, k.rootNs)).pid };
}
const fork = (k: Kernel, p: Pid, flags = 0) => val(k.spawn(p, SpawnFlags.FORK | flags)).pid;
const fail = (errno: Errno) => ({ ok: false, errno });
const okv = { ok: true, value: undefined };

test('setpgid error table', () => {
  const { k, init } = sandbox();
  const a = fork(k, init);
  const e = val(k.spawn(init)).pid; // exec'd child
  const s = fork(k, init, SpawnFlags.NEW_SESSION);
  const g = fork(k, a);
  assert.deepEqual(k.setpgid(init, a, -1), fail(Errno.EINVAL), 'pgid < 0');
  assert.deepEqual(k.setpgid(init, 99, 0), fail(Errno.ESRCH), 'no such process');
  assert.deepEqual(k.setpgid(init, g, 0), fail(Errno.ESRCH), 'grandchild');
  assert.deepEqual(k.setpgid(init, e, 0), fail(Errno.EACCES), "child has exec'd");
  assert.deepEqual(k.setpgid(init, s, 0), fail(Errno.EPERM), 'child in another session');
  assert.deepEqual(k.setpgid(init, 0, 0), fail(Errno.EPERM), 'session leader');
  assert.deepEqual(k.setpgid(a, 0, s), fail(Errno.EPERM), 'group of another session');
  assert.deepEqual(k.setpgid(init, a, 0), okv);
  assert.deepEqual(k.getpgid(init, a), { ok: true, value: a });
  assert.deepEqual(k.setpgid(g, 0, a), okv, 'join an existing group of the session');
  k.destroy();
});

test('setsid and getsid', () => {
  const { k, init } = sandbox();
  const a = fork(k, init);
  const b = fork(k, init, SpawnFlags.NEW_PGRP);
  assert.deepEqual(k.setsid(init), fail(Errno.EPERM), 'already a leader');
  assert.deepEqual(k.setsid(b), fail(Errno.EPERM), 'a group leader');
  assert.deepEqual(k.setsid(a), { ok: true, value: a });
  assert.deepEqual(k.getsid(init, a), { ok: true, value: a });
  assert.deepEqual(k.getpgid(a, 0), { ok: true, value: a });
  assert.deepEqual(k.getsid(init, 77), fail(Errno.ESRCH));
  k.destroy();
});

test('controlling terminal, foreground group and SIGTTOU', () => {
  const { k, init } = sandbox();
  const sh = fork(k, init, SpawnFlags.NEW_SESSION);
  const job = fork(k, sh);
  const bg = fork(k, sh);
  assert.deepEqual(k.ttyAttach(job, TTY), fail(Errno.EPERM), 'not a session leader');
  assert.deepEqual(k.ttyAttach(sh, TTY), okv);
  assert.deepEqual(k.ttyAttach(init, TTY), fail(Errno.EPERM), 'controls another session');
  assert.deepEqual(k.tcgetpgrp(job, TTY), { ok: true, value: sh });
  val(k.setpgid(sh, job, 0));
  val(k.setpgid(sh, bg, 0));
  assert.deepEqual(k.tcsetpgrp(sh, TTY, job), okv);
  assert.deepEqual(k.ttyForeground(sh), { ok: true, value: { tty: TTY, pgid: job } });
  // bg's group is not orphaned (its parent sh is in another group of the session): a background
  // tcsetpgrp sends SIGTTOU to the group and restarts, unless SIGTTOU is ignored.
  val(k.sigaction(bg, Sig.SIGTTOU, { handler: 'handler', index: 1 }));
  assert.deepEqual(k.tcsetpgrp(bg, TTY, bg), fail(Errno.ERESTARTSYS));
  const d = val(k.dequeue(bg));
  assert.ok(d.kind === 'handler' && d.sig === Sig.SIGTTOU);
  val(k.sigaction(bg, Sig.SIGTTOU, { handler: 'ignore' }));
  assert.deepEqual(k.tcsetpgrp(bg, TTY, bg), okv, 'SIGTTOU ignored: allowed');
  // sh leads an orphaned group (its parent is in another session): EIO, reported as ENOTTY.
  assert.deepEqual(k.tcsetpgrp(sh, TTY, sh), fail(Errno.ENOTTY));
  assert.deepEqual(k.tcsetpgrp(job, TTY, 4242), fail(Errno.ERESTARTSYS), 'job control check comes first');
  assert.deepEqual(k.tcsetpgrp(bg, TTY, 4242), fail(Errno.ESRCH), 'foreground caller: no such group');
  assert.deepEqual(k.tcgetpgrp(sh, asTty(6)), fail(Errno.ENOTTY));
  assert.deepEqual(k.tcgetpgrp(init, TTY), fail(Errno.ENOTTY), 'not its terminal');
  k.destroy();
});

test('waitpid selectors and statuses', () => {
  const { k, init } = sandbox();
  const a = fork(k, init);
  const b = fork(k, init, SpawnFlags.NEW_PGRP);
  const c = fork(k, b);
  val(k.exit(a, 7));
  assert.deepEqual(k.waitpid(init, c, WaitOptions.WNOHANG), fail(Errno.ECHILD), 'grandchild');
  assert.equal(val(k.waitpid(init, -b, WaitOptions.WNOHANG)).pid, 0, 'group -b: alive, not ready');
  const w = val(k.waitpid(init, 0, 0));
  assert.equal(w.pid, a);
  assert.ok(WaitStatus.exited(w.status));
  assert.equal(WaitStatus.exitStatus(w.status), 7);
  val(k.kill(null, b, Sig.SIGKILL));
  const wb = val(k.waitid(init, IdType.P_PGID, b, WaitOptions.WEXITED));
  assert.equal(wb.pid, b);
  assert.equal(wb.code, 2, 'CLD_KILLED');
  assert.equal(WaitStatus.termSig(wb.status), Sig.SIGKILL);
  assert.deepEqual(
    k.waitid(init, IdType.P_ALL, 0, WaitOptions.WNOHANG),
    fail(Errno.EINVAL),
    'waitid without W*',
  );
  assert.deepEqual(k.waitpid(init, -1, WaitOptions.WNOWAIT), fail(Errno.EINVAL), 'wait4 rejects WNOWAIT');
  k.destroy();
});

test('orphans are reparented to init (or a subreaper) and reaped', () => {
  const { k, init } = sandbox();
  const sr = fork(k, init);
  val(k.setSubreaper(sr, true));
  const mid = fork(k, sr);
  const leaf = fork(k, mid);
  k.drainEvents();
  val(k.exit(mid, 0));
  const evs = k.drainEvents();
  assert.ok(evs.some((e) => e.kind === 'Reparented' && e.pid === leaf && e.newParent === sr));
  assert.deepEqual(k.getppid(leaf), { ok: true, value: sr });
  val(k.exit(sr, 0));
  assert.deepEqual(k.getppid(leaf), { ok: true, value: 1 });
  k.destroy();
});

test('orphaned stopped group gets SIGHUP and SIGCONT', () => {
  const { k, init } = sandbox();
  const sh = fork(k, init, SpawnFlags.NEW_SESSION);
  const job = fork(k, sh);
  val(k.setpgid(sh, job, 0));
  val(k.sigaction(job, Sig.SIGHUP, { handler: 'handler', index: 1 }));
  val(k.kill(sh, job, Sig.SIGSTOP));
  assert.equal(val(k.dequeue(job)).kind, 'stop');
  k.drainEvents();
  val(k.exit(sh, 0));
  const evs = k.drainEvents();
  assert.ok(
    evs.some((e) => e.kind === 'Continue' && e.pid === job),
    'SIGCONT resumed it',
  );
  assert.deepEqual(val(k.dequeue(job)).kind, 'handler', 'SIGHUP delivered');
  k.destroy();
});

test('credentials and rlimits', () => {
  const { k, init } = sandbox();
  const c = fork(k, init);
  assert.deepEqual(k.setuid(c, 1000), okv);
  const cr = val(k.getcreds(c));
  assert.deepEqual([cr.ruid, cr.euid, cr.suid, cr.capEffective], [1000, 1000, 1000, 0n]);
  assert.deepEqual(k.setuid(c, 0), fail(Errno.EPERM), 'dropped root cannot regain it');
  assert.deepEqual(k.setgroups(c, [1, 2]), fail(Errno.EPERM));
  assert.deepEqual(k.setgroups(init, [5, 3]), okv);
  assert.deepEqual(k.getgroups(init), { ok: true, value: [3, 5] });
  const nofile = val(k.getrlimit(c, 7));
  assert.deepEqual(nofile, { cur: 1024n, max: 4096n });
  assert.deepEqual(k.setrlimit(c, 7, { cur: 10n, max: 8192n }), fail(Errno.EPERM), 'raise hard unprivileged');
  assert.deepEqual(k.setrlimit(c, 7, { cur: 10n, max: 5n }), fail(Errno.EINVAL), 'cur > max');
  val(k.setrlimit(c, 6, { cur: 1n, max: 1n }));
  assert.deepEqual(k.spawn(c), fail(Errno.EAGAIN), 'RLIMIT_NPROC for uid 1000 (1 process)');
  k.destroy();
});

test('capabilities from OCI names gate privileged operations', () => {
  const { k, init } = sandbox();
  const c = fork(k, init);
  const { set, unknown } = capabilitySet(['CAP_KILL', 'CAP_BOGUS']);
  assert.deepEqual(unknown, ['CAP_BOGUS']);
  assert.equal(set, 1n << 5n);
  val(k.setCaps(c, set, set));
  assert.deepEqual(k.setgroups(c, [1]), fail(Errno.EPERM), 'no CAP_SETGID');
  val(k.setCaps(c, capabilitySet(['CAP_SETGID']).set, capabilitySet(['CAP_SETGID']).set));
  assert.deepEqual(k.setgroups(c, [1]), okv);
  assert.equal(val(k.getcreds(c)).capEffective, 1n << 6n);
  k.destroy();
});
