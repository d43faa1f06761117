// posix_spawn and execve from a guest (corral_v1 proc_spawn, proc_exec). The Loader resolves the
// program in the container's root filesystem, validates it, has the kernel make (or re-image) the
// process, and asks the parent's process-group actor to run it: a spawned child starts in the same
// actor as its parent, with the parent's descriptors (Linux: copy_files at fork, then the file
// actions posix_spawn runs in the child before exec).
import { SigHow, SpawnFlags, WaitOptions, type Pid } from '../../kernel-core/binding/index.js';
import { BadRecord, SpawnFlag, decodeSpawnRecord, type SpawnRecord } from '../../platform/corral_abi.js';
import { loadModule } from '../../platform/module.js';
import { Errno, errnoFromHostCode } from '../../platform/wasi_errno.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import { resolveExecutable } from './bundle/index.js';
import type { Loader } from './loader.js';
import type { ContainerRecord } from './loader_state.js';
import { wasiErrno } from './loader_guest_calls.js';
import { MSG, type GuestCallReply, type RunGuest } from './sandbox_messages.js';

const NSIG = 64;

/** Where a call's record and program came from; or the errno the guest gets. */
type Prepared = { rec: SpawnRecord; container: ContainerRecord; hostPath: string } | GuestCallReply;

const failWith = (code: unknown): GuestCallReply => ({ errno: errnoFromHostCode(code), value: 0 });

/** Decodes the record and finds and validates its program (awaits the module compile). */
async function prepare(l: Loader, pid: Pid, req: Uint8Array): Promise<Prepared> {
  let rec: SpawnRecord;
  try {
    rec = decodeSpawnRecord(req);
  } catch (e) {
    if (e instanceof BadRecord) return { errno: Errno.INVAL, value: 0 };
    throw e;
  }
  if (rec.path === '') return { errno: Errno.NOENT, value: 0 };
  const g = l.guests.get(pid);
  const container = g === undefined ? undefined : l.containers.get(g.cid);
  if (container === undefined || container.kc === null) return { errno: Errno.SRCH, value: 0 };
  // posix_spawn and execve take the path as given (relative to the cwd, `/` for now); only the
  // p-variants search PATH, and only for a name without a slash.
  const search = (rec.flags & SpawnFlag.SEARCH_PATH) !== 0 && !rec.path.includes('/');
  const name = search || rec.path.includes('/') ? rec.path : `./${rec.path}`;
  let hostPath: string;
  try {
    hostPath = resolveExecutable(container.bundle.rootfs, name, { env: rec.env, cwd: '/' }).hostPath;
    await loadModule(hostPath);
  } catch (e) {
    return failWith((e as { code?: unknown }).code);
  }
  return { rec, container, hostPath };
}

/** The caller may have been killed while its program compiled; then nobody reads the answer. */
function stillRunning(l: Loader, pid: number): boolean {
  const g = l.guests.get(pid);
  return g !== undefined && !g.gone && g.status === null;
}

export async function spawnChild(l: Loader, parent: Pid, req: Uint8Array): Promise<GuestCallReply> {
  const p = await prepare(l, parent, req);
  if ('errno' in p) return p;
  const pg = l.guests.get(parent)!;
  if (!stillRunning(l, parent) || pg.group === null) return { errno: Errno.INTR, value: 0 };
  const { rec } = p;
  const k = l.kernel.guestKernel;
  let flags = 0;
  if ((rec.flags & SpawnFlag.SETPGROUP) !== 0)
    flags |= rec.pgroup === 0 ? SpawnFlags.NEW_PGRP : SpawnFlags.JOIN_PGRP;
  if ((rec.flags & SpawnFlag.SETSID) !== 0) flags |= SpawnFlags.NEW_SESSION;
  const sp = k.spawn(parent, flags, rec.pgroup);
  l.applyEvents();
  if (!sp.ok) return { errno: wasiErrno(sp.errno), value: 0 };
  const child = sp.value.pid;
  if ((rec.flags & SpawnFlag.SETSIGMASK) !== 0) k.sigprocmask(child, SigHow.SIG_SETMASK, rec.sigmask);
  if ((rec.flags & SpawnFlag.SETSIGDEF) !== 0) {
    for (let sig = 1; sig <= NSIG; sig++) {
      // SIGKILL and SIGSTOP cannot be changed (EINVAL), and are default anyway.
      if ((rec.sigdefault >> BigInt(sig - 1)) & 1n) k.sigaction(child, sig, { handler: 'default' });
    }
  }
  const entry = l.register(p.container, child, rec.argv, false);
  entry.group = pg.group;
  const run: RunGuest = {
    pid: child,
    modulePath: p.hostPath,
    args: rec.argv,
    env: rec.env,
    stdio: { kind: 'null' },
    inherit: { from: parent, actions: rec.actions },
  };
  try {
    await l.ctx.request(pg.group, MSG.run, run, { timeoutMs: 0 });
  } catch (e) {
    // The child never ran (a file action failed): it exits 127 as glibc's child does, and the call
    // reaps it before answering, so that the parent never sees it (posix_spawn returns the error).
    l.guestExited({ pid: child, code: 127, fault: (e as Error).message });
    k.waitpid(parent, sp.value.nr, WaitOptions.WNOHANG);
    l.applyEvents();
    return failWith((e as { code?: unknown }).code);
  }
  return { errno: Errno.SUCCESS, value: sp.value.nr };
}

export async function execImage(l: Loader, pid: Pid, req: Uint8Array): Promise<GuestCallReply> {
  const p = await prepare(l, pid, req);
  if ('errno' in p) return p;
  if (p.rec.actions.length > 0) return { errno: Errno.INVAL, value: 0 };
  if (!stillRunning(l, pid)) return { errno: Errno.INTR, value: 0 };
  // Past the point of no return (Linux's de_thread/flush_old_exec): handlers reset, mask kept.
  const r = l.kernel.guestKernel.exec(pid);
  l.applyEvents();
  if (!r.ok) return { errno: wasiErrno(r.errno), value: 0 };
  const g = l.guests.get(pid)!;
  g.cmd = p.rec.argv.join(' ');
  const kp = l.kernel.process(pid);
  traceLifecycle({
    what: 'process-start',
    cid: g.cid,
    pid,
    ppid: kp?.ppid ?? 0,
    pgid: kp?.pgid ?? pid,
    sid: kp?.sid ?? pid,
    cmd: g.cmd,
    detail: 'execve',
  });
  return {
    errno: Errno.SUCCESS,
    value: 0,
    exec: { modulePath: p.hostPath, args: p.rec.argv, env: p.rec.env },
  };
}
