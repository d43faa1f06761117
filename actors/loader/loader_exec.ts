// exec, wait and wait-pid (runsc's executeAsync, waitContainer, waitPID).
import { RequestError } from '../runtime/actor.js';
import type { MessageId } from '../runtime/ids.js';
import type { ExecProcess, LoaderReply, StdioSpec, WaitResult } from './control_protocol.js';
import type { Loader } from './loader.js';
import { execKey } from './loader_state.js';

export async function execProcess(
  l: Loader,
  cid: string,
  p: ExecProcess,
  stdio: StdioSpec | undefined,
  cause?: MessageId,
): Promise<LoaderReply<'exec'>> {
  const rec = l.startedContainer(cid);
  if (rec.status === 'stopped') throw new RequestError(`container "${cid}" has stopped`, 'ESRCH');
  if (!Array.isArray(p.args) || p.args.length === 0) {
    throw new RequestError('exec: process.args must be a non-empty array of strings', 'EINVAL');
  }
  const spec = rec.bundle.spec.process;
  const user = p.user ?? spec.user;
  const pid = await l.launch(
    rec,
    {
      args: [...p.args],
      // The container's environment, with the exec's own entries over it (as runc exec does).
      env: [...spec.env, ...(p.env ?? [])],
      cwd: p.cwd ?? spec.cwd,
      user: { uid: user.uid, gid: user.gid, additionalGids: [...(user.additionalGids ?? [])] },
      caps: p.capabilities ?? [...(spec.capabilities?.effective ?? [])],
      rlimits: (p.rlimits ?? spec.rlimits).map((r) => ({ resource: r.type, soft: r.soft, hard: r.hard })),
      stdio: stdio ?? { kind: 'null' },
      execd: true,
    },
    cause,
  );
  l.table.set(execKey(cid, pid), {
    cid,
    pid,
    pidnsPath: undefined,
    stdio: stdio ?? { kind: 'null' },
    terminal: p.terminal ?? false,
  });
  return { pid };
}

/** Waits for the container's init to exit; several clients may wait on the same container. */
export async function waitContainer(l: Loader, cid: string): Promise<LoaderReply<'wait'>> {
  let rec;
  try {
    rec = l.startedContainer(cid);
  } catch (e) {
    throw new RequestError(
      `can't wait for container "${cid}": ${(e as Error).message}`,
      (e as RequestError).code,
    );
  }
  const g = l.guests.get(rec.initPid);
  if (g === undefined) throw new RequestError(`can't wait for container "${cid}": its init is gone`, 'ESRCH');
  return l.exitOf(g);
}

export async function waitPid(l: Loader, cid: string, pid: number): Promise<LoaderReply<'wait-pid'>> {
  if (!Number.isInteger(pid) || pid <= 0) throw new RequestError(`PID (${pid}) must be positive`, 'EINVAL');
  // An exec'd process first: its table entry goes once its status has been collected.
  const key = execKey(cid, pid);
  if (l.table.has(key)) {
    const g = l.guests.get(pid);
    if (g === undefined) throw new RequestError(`waiting for PID ${pid}: no such process`, 'ESRCH');
    const r = await l.exitOf(g);
    l.table.delete(key);
    return r;
  }
  // Otherwise any process of the container.
  try {
    l.startedContainer(cid);
  } catch (e) {
    throw new RequestError(`waiting for PID ${pid}: ${(e as Error).message}`, (e as RequestError).code);
  }
  // The kernel must still know it (running or a zombie): a reaped process is gone, as in runsc,
  // where the namespace lookup no longer finds its thread group.
  if (l.kernel.process(pid) === null)
    throw new RequestError(`waiting for PID ${pid}: no such process`, 'ESRCH');
  const g = l.guests.get(pid);
  const owner = ownerOf(l, pid);
  if (owner !== cid) {
    throw new RequestError(`process ${pid} is part of a different container: "${owner}"`, 'EPERM');
  }
  if (g === undefined)
    throw new RequestError(`waiting for PID ${pid}: not started by this sandbox's Loader`, 'ESRCH');
  return l.exitOf(g) as Promise<WaitResult>;
}

/** The container a kernel process belongs to, by its kernel container handle. */
export function ownerOf(l: Loader, pid: number): string | undefined {
  const k = l.kernel.process(pid);
  if (k === null) return undefined;
  for (const rec of l.containers.values()) if (rec.kc === k.container) return rec.cid;
  return undefined;
}
