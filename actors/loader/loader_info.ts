// ps, state, list, event (stats), pause and resume.
import { RequestError } from '../runtime/actor.js';
import type { ContainerSummary, LoaderReply, ProcessInfo } from './control_protocol.js';
import type { Loader } from './loader.js';
import { pidsLimitOf } from './bundle/index.js';
import type { ContainerRecord } from './loader_state.js';
import type { ActorRef } from '../runtime/ids.js';
import { interruptGuest } from './loader_guest_calls.js';
import { MSG, type UsageQuery, type UsageReport } from './sandbox_messages.js';

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

/**
 * Stats as runsc's `events --stats`: pids from the kernel, CPU time (ended processes' plus what the
 * running ones used so far) and the running processes' memory, asked of their process-group actors.
 */
export async function event(l: Loader, cid: string): Promise<LoaderReply<'event'>> {
  const rec = l.container(cid);
  const live = rec.kc === null ? [] : l.kernel.processes(rec.kc).filter((p) => p.state !== 'zombie');
  const byGroup = new Map<ActorRef, number[]>();
  for (const p of live) {
    const g = l.guests.get(p.pid);
    if (g === undefined || g.gone || g.group === null) continue;
    const pids = byGroup.get(g.group) ?? [];
    pids.push(p.pid);
    byGroup.set(g.group, pids);
  }
  const cpuNsExited = rec.cpuNsExited;
  const reports = await Promise.all(
    [...byGroup].map(([group, pids]) =>
      // A group that ended meanwhile has nothing left to count: its exits were accounted already.
      l.ctx
        .request<UsageReport>(group, MSG.usage, { pids } satisfies UsageQuery, { timeoutMs: 5000 })
        .catch((): UsageReport => ({})),
    ),
  );
  let cpuNs = cpuNsExited;
  let memoryBytes = 0;
  for (const r of reports) {
    for (const u of Object.values(r)) {
      cpuNs += u.cpuNs;
      memoryBytes += u.memoryBytes;
    }
  }
  return {
    type: 'stats',
    id: cid,
    data: {
      pids: { current: live.length, limit: pidsLimitOf(rec.bundle.spec) },
      started: rec.started,
      exited: rec.exited,
      cpuMs: Math.round(cpuNs / 1e4) / 100,
      memoryBytes,
      ...(rec.reason !== undefined ? { reason: rec.reason } : {}),
    },
  };
}

/**
 * Pausing is per sandbox, as runsc's is (it stops the kernel's scheduling). Every guest is
 * interrupted and parks at its next syscall boundary or loop poll (platform/instrument.ts) until
 * resume; guests blocked in a call stay there, and new processes may not start while it lasts.
 */
export function pause(l: Loader, cid: string): LoaderReply<'pause'> {
  const rec = l.startedContainer(cid);
  if (rec.status !== 'running') throw new RequestError(`container "${cid}" is not running`, 'EINVAL');
  l.kernel.pause();
  for (const g of l.guests.values()) if (!g.gone && g.status === null) interruptGuest(l, g.pid);
  return undefined;
}

export function resume(l: Loader, cid: string): LoaderReply<'resume'> {
  l.startedContainer(cid);
  if (!l.kernel.isPaused()) throw new RequestError(`container "${cid}" is not paused`, 'EINVAL');
  l.kernel.resume();
  l.calls.resumed();
  return undefined;
}
