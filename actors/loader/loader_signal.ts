// signal with its four modes (runsc's signal, signalProcess, signalForegrondProcessGroup,
// signalAllProcesses), plus process groups. Pids are in the sandbox's root PID namespace; signals
// from the host are always permitted, as kernel.SendExternalSignal is.
import { errnoName } from '../../kernel-core/binding/index.js';
import { RequestError } from '../runtime/actor.js';
import { traceLifecycle } from '../trace/thread_trace.js';
import type { LoaderReply, SignalMode } from './control_protocol.js';
import type { KContainer, KProcess } from './kernel_port.js';
import type { Loader } from './loader.js';
import { ownerOf } from './loader_exec.js';
import { execKey } from './loader_state.js';

export function signal(
  l: Loader,
  cid: string,
  pid: number,
  signo: number,
  mode: SignalMode,
): LoaderReply<'signal'> {
  if (!Number.isInteger(pid) || pid < 0) throw new RequestError(`PID (${pid}) must be positive`, 'EINVAL');
  if (!Number.isInteger(signo) || signo < 0 || signo > 64) {
    throw new RequestError(`invalid signal ${signo}`, 'EINVAL');
  }
  switch (mode) {
    case 'process':
      wrap(`signaling process in container "${cid}" PID ${pid}`, () => signalProcess(l, cid, pid, signo));
      break;
    case 'foreground':
      wrap(`signaling foreground process group in container "${cid}" PID ${pid}`, () =>
        signalForeground(l, cid, pid, signo),
      );
      break;
    case 'all': {
      if (pid !== 0)
        throw new RequestError(`PID (${pid}) cannot be set when signaling all processes`, 'EINVAL');
      const rec = l.startedContainer(cid);
      // Nothing can start a process while this runs: every start is a Loader operation, and the
      // Loader handles one message at a time (runsc pauses the kernel for the same guarantee).
      const reached = liveMembers(l, rec.kc, () => true);
      if (rec.kc !== null) l.kernel.signalContainer(rec.kc, signo);
      traced(cid, reached, signo, 'all');
      break;
    }
    case 'group':
      wrap(`signaling process group ${pid} in container "${cid}"`, () => signalGroup(l, cid, pid, signo));
      break;
    default:
      throw new RequestError(`unknown signal delivery mode "${String(mode)}"`, 'EINVAL');
  }
  l.applyEvents();
  return undefined;
}

function wrap(what: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    throw new RequestError(`${what}: ${(e as Error).message}`, (e as RequestError).code);
  }
}

/** Records one signal sent from the host (sender pid 0) to each process it reached. */
function traced(cid: string, pids: readonly number[], signo: number, mode: SignalMode): void {
  for (const pid of pids)
    traceLifecycle({ what: 'signal', cid, pid, signal: signo, sender: 0, detail: mode });
}

function signalProcess(l: Loader, cid: string, pid: number, signo: number): void {
  const target = pid === 0 ? l.startedContainer(cid).initPid : pid;
  if (!l.table.has(execKey(cid, target)) && target !== l.containers.get(cid)?.initPid) {
    if (l.kernel.process(target) === null)
      throw new RequestError(`no such process with PID ${target}`, 'ESRCH');
    const owner = ownerOf(l, target);
    if (owner !== cid) {
      throw new RequestError(`process ${target} belongs to a different container: "${owner}"`, 'EPERM');
    }
  }
  const r = l.kernel.signalProcess(target, signo);
  if (!r.ok) throw new RequestError(`kill(${target}, ${signo}): ${errnoName(r.errno)}`, errnoName(r.errno));
  traced(cid, [target], signo, 'process');
}

function signalForeground(l: Loader, cid: string, pid: number, signo: number): void {
  const rec = l.startedContainer(cid);
  const target = pid === 0 ? rec.initPid : pid;
  const entry = l.table.get(execKey(cid, pid === 0 ? 0 : pid));
  if (entry === undefined)
    throw new RequestError(`no thread group found: container "${cid}" not found`, 'ENOENT');
  if (!entry.terminal) throw new RequestError('no TTY attached', 'ENOTTY');
  const fg = l.kernel.foregroundGroup(target);
  // No foreground group set: the process itself gets it (runsc does the same).
  const reached = fg === null ? [target] : liveMembers(l, rec.kc, (p) => p.pgid === fg);
  const r = fg === null ? l.kernel.signalProcess(target, signo) : l.kernel.signalGroup(fg, signo);
  if (!r.ok) throw new RequestError(`kill: ${errnoName(r.errno)}`, errnoName(r.errno));
  traced(cid, reached, signo, 'foreground');
}

/** The container's processes that `pick` selects and that can still take a signal. */
function liveMembers(l: Loader, kc: KContainer | null, pick: (p: KProcess) => boolean): number[] {
  if (kc === null) return [];
  return l.kernel
    .processes(kc)
    .filter((p) => p.state !== 'zombie' && pick(p))
    .map((p) => p.pid);
}

function signalGroup(l: Loader, cid: string, pgid: number, signo: number): void {
  const rec = l.startedContainer(cid);
  if (pgid === 0) throw new RequestError('PGID (0) must be positive', 'EINVAL');
  const members = rec.kc === null ? [] : l.kernel.processes(rec.kc).filter((p) => p.pgid === pgid);
  if (members.length === 0) {
    // A group of another container, or none at all: say which.
    const leader = l.kernel.process(pgid);
    const owner = leader === null ? undefined : ownerOf(l, pgid);
    if (owner !== undefined && owner !== cid) {
      throw new RequestError(`process group ${pgid} belongs to a different container: "${owner}"`, 'EPERM');
    }
    throw new RequestError(`no such process group ${pgid}`, 'ESRCH');
  }
  const r = l.kernel.signalGroup(pgid, signo);
  if (!r.ok) throw new RequestError(`kill(-${pgid}, ${signo}): ${errnoName(r.errno)}`, errnoName(r.errno));
  traced(
    cid,
    members.filter((p) => p.state !== 'zombie').map((p) => p.pid),
    signo,
    'group',
  );
}
