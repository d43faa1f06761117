// What the CLI commands share: the state store of this invocation, talking to a container's sandbox
// over its control socket, and turning wait statuses into exit codes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  ContainerStatus,
  LoaderReplies,
  LoaderRequest,
  WaitResult,
} from '../actors/loader/control_protocol.js';
import { controlRequest, processAlive } from '../bridge/control_socket.js';
import type { GlobalFlags } from './args.js';
import { resolveStateRoot } from './state_root.js';
import { StateStore, type ContainerState } from './state_store.js';

/** An error the CLI prints as `corral: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  /** Process exit status; immutable. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function openStore(global: GlobalFlags): StateStore {
  return new StateStore(resolveStateRoot(global.root !== undefined ? { root: global.root } : {}));
}

/** Whether the sandbox host should write <root>/<sandbox>/sandbox.log. */
export function wantsLog(global: GlobalFlags): boolean {
  return global.debug || global.log !== undefined;
}

/**
 * One request to the sandbox holding `state`'s container. The sandbox host's pid (state.pid) is
 * watched while waiting, so that a dead host fails the request instead of hanging it.
 */
export function ask<O extends LoaderRequest['op']>(
  state: ContainerState,
  req: Extract<LoaderRequest, { op: O }>,
  timeoutMs?: number,
): Promise<LoaderReplies[O]> {
  const waits = req.op === 'wait' || req.op === 'wait-pid';
  return controlRequest<LoaderReplies[O]>(
    state.controlAddress,
    req as LoaderRequest & Record<string, unknown>,
    {
      hostPid: state.pid,
      container: state.id,
      timeoutMs: timeoutMs ?? (waits ? 0 : 30_000),
    },
  );
}

/** The container's status as its sandbox sees it now; 'stopped' when the sandbox is gone. */
export async function liveStatus(state: ContainerState): Promise<ContainerStatus> {
  if (!processAlive(state.pid)) return 'stopped';
  try {
    return (await ask(state, { op: 'state', cid: state.id })).status;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'ECONNRESET') return 'stopped';
    throw e;
  }
}

/** The exit status a shell would report for a wait status: the code, or 128+N for signal N. */
export function exitCodeOf(w: WaitResult): number {
  if (w.signal !== undefined && w.signal > 0) return 128 + w.signal;
  if (w.exitCode !== undefined) return w.exitCode;
  // Raw status: WIFSIGNALED when the low 7 bits are set, else WEXITSTATUS.
  return (w.status & 0x7f) !== 0 ? 128 + (w.status & 0x7f) : (w.status >> 8) & 0xff;
}

/** Polls until process `pid` is gone; false when it still runs at the deadline. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/**
 * Removes a container's state. The sandbox's control socket lives in the root container's directory,
 * so while that sandbox still serves other containers only the state file goes; the sandbox host
 * removes the directory when it ends.
 */
export function removeState(store: StateStore, state: ContainerState): void {
  if (state.sandboxId === state.id && processAlive(state.pid) && state.pid !== process.pid) {
    fs.rmSync(path.join(store.dir(state.id), 'state.json'), { force: true });
    return;
  }
  store.remove(state.id);
}

/** A live sandbox host serving `sandboxId`, found through any container state that names it. */
export function findSandbox(store: StateStore, sandboxId: string): ContainerState {
  for (const s of store.list()) {
    if (s.sandboxId === sandboxId && processAlive(s.pid)) return s;
  }
  throw new CliError(`sandbox "${sandboxId}" does not exist or is not running`);
}

/** Writes `--pid-file` atomically, as runc does. */
export function writePidFile(file: string | undefined, pid: number): void {
  if (file === undefined) return;
  const abs = path.resolve(file);
  const tmp = `${abs}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, String(pid));
  fs.renameSync(tmp, abs);
}

/** Writes to stdout and resolves once it has been handed to the OS (pipes are asynchronous). */
export function out(text: string): Promise<void> {
  return new Promise((r) => process.stdout.write(text, () => r()));
}
