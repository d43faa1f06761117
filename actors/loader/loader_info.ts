// ps, state, list, event (stats), pause and resume.
import { RequestError } from '../runtime/actor.js';
import type { ContainerSummary, LoaderReply, ProcessInfo } from './control_protocol.js';
import type { Loader } from './loader.js';
import type { ContainerRecord } from './loader_state.js';

export function ps(l: Loader, cid: string): LoaderReply<'ps'> {
  const rec = l.container(cid);
  if (rec.kc === null) return [];
  return l.kernel.processes(rec.kc).map((p): ProcessInfo => {
    const g = l.guests.get(p.pid);
    return {
      pid: p.pid,
      nspid: p.nspid,
      ppid: p.ppid,
      pgid: p.pgid,
      sid: p.sid,
      uid: p.uid,
      state: p.state,
      started: g?.started ?? 0,
      cmd: g?.cmd ?? '',
      execd: g?.execd ?? false,
    };
  });
}

export function summary(l: Loader, rec: ContainerRecord): ContainerSummary {
  const out: ContainerSummary = {
    cid: rec.cid,
    status: l.kernel.isPaused() && rec.status === 'running' ? 'paused' : rec.status,
    pid: rec.initPid,
    bundle: rec.bundle.dir,
    created: rec.created,
    annotations: { ...(rec.bundle.spec.annotations ?? {}) },
  };
  if (rec.reason !== undefined) out.reason = rec.reason;
  return out;
}

export function state(l: Loader, cid: string): LoaderReply<'state'> {
  return summary(l, l.container(cid));
}

export function list(l: Loader): LoaderReply<'list'> {
  return [...l.containers.values()].map((rec) => summary(l, rec));
}

export function event(l: Loader, cid: string): LoaderReply<'event'> {
  const rec = l.container(cid);
  const live = rec.kc === null ? [] : l.kernel.processes(rec.kc).filter((p) => p.state !== 'zombie');
  return {
    type: 'stats',
    id: cid,
    data: { pids: { current: live.length, limit: 0 }, started: rec.started, exited: rec.exited },
  };
}

/**
 * Pausing is per sandbox, as runsc's is (it stops the kernel's scheduling). The kernel records it;
 * guests blocked in a call stay there, and new processes may not start while it lasts.
 */
export function pause(l: Loader, cid: string): LoaderReply<'pause'> {
  const rec = l.startedContainer(cid);
  if (rec.status !== 'running') throw new RequestError(`container "${cid}" is not running`, 'EINVAL');
  l.kernel.pause();
  return undefined;
}

export function resume(l: Loader, cid: string): LoaderReply<'resume'> {
  l.startedContainer(cid);
  if (!l.kernel.isPaused()) throw new RequestError(`container "${cid}" is not paused`, 'EINVAL');
  l.kernel.resume();
  return undefined;
}
