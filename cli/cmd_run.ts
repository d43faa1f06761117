// `corral run`: create + start + wait, with the sandbox hosted in this very process (no detached
// host: nothing to start or find, so it is fast), still serving the control socket so that other
// terminals can exec into it, kill it or list it. Exits with the container's status and removes its
// state, as `runc run` does. `--detach` is create + start with a detached host.
//
// `--trace FILE` (run and do) traces the sandbox from before its Loader starts until it has shut
// down, and ends with one line on stderr: the events recorded and `dropped: N`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TraceReply, TraceRequest, WaitResult } from '../actors/loader/control_protocol.js';
import type { Bundle } from '../actors/loader/bundle/index.js';
import type { RunCommand } from './args.js';
import { checkBundle, createContainer, newState, startContainer } from './cmd_create.js';
import { ask, CliError, exitCodeOf, openStore, removeState, writePidFile } from './cmd_common.js';
import { controlRequest } from '../bridge/control_socket.js';
import { startSandbox, type HostedSandbox } from './sandbox_runtime.js';
import { SANDBOX_ANNOTATION } from '../actors/loader/control_protocol.js';
import type { StateStore } from './state_store.js';
import { callerTerminal } from './console.js';

/** The signals `run` and `do` pass on to the container, as runc's signal proxy does. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
const SIGNO: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
};

/** Forwards this process's signals to the container's init (or its terminal's foreground group). */
function forwardSignals(sandbox: HostedSandbox, cid: string, terminal: boolean): () => void {
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => {
      void sandbox
        .request({ op: 'signal', cid, pid: 0, signo: SIGNO[sig]!, mode: terminal ? 'foreground' : 'process' })
        .catch(() => undefined);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/**
 * Hosts a new sandbox for container `id` in this process, starts it, waits for its init and tears
 * everything down (state included). Returns the container's exit status.
 */
export async function runInProcess(
  store: StateStore,
  id: string,
  bundle: Bundle,
  opts: { pidFile?: string; trace?: string } = {},
): Promise<number> {
  const traceFile = opts.trace === undefined ? undefined : checkTraceFile(opts.trace);
  const state = newState(id, bundle, {
    sandboxId: id,
    pid: process.pid,
    controlAddress: store.controlAddress(id),
  });
  store.create(state);
  let sandbox: HostedSandbox;
  try {
    sandbox = await startSandbox({
      root: store.root,
      sandboxId: id,
      rootCid: id,
      rootBundle: bundle.dir,
      // A terminal container in the foreground gets the caller's own terminal, as with runc run.
      rootStdio: (bundle.spec.process.terminal ? callerTerminal() : undefined) ?? { kind: 'inherit' },
      // One program, run once: its gofer process is started only if something needs the files
      // (actors/gofer/on_demand_gofer.ts); a detached sandbox attaches at create, as runsc does.
      goferStart: 'on-demand',
      ...(traceFile !== undefined ? { trace: { file: traceFile } } : {}),
    });
  } catch (e) {
    store.remove(id);
    throw e;
  }
  let detach = (): void => undefined;
  try {
    writePidFile(opts.pidFile, process.pid);
    await sandbox.request({ op: 'start', cid: id });
    store.update(id, { status: 'running' });
    detach = forwardSignals(sandbox, id, bundle.spec.process.terminal);
    // The sandbox may also end under us (another terminal's `delete --force`, or a Loader fault).
    const ended = sandbox.closed.then((): WaitResult => {
      throw new CliError(`container "${id}" was destroyed`);
    });
    ended.catch(() => undefined); // only the race looks at it
    const ws = await Promise.race([sandbox.request({ op: 'wait', cid: id }), ended]);
    return exitCodeOf(ws);
  } finally {
    detach();
    await sandbox.request({ op: 'destroy', cid: id }).catch(() => undefined);
    await sandbox.close();
    store.remove(id);
    if (traceFile !== undefined) reportTrace(traceFile, await sandbox.trace.handle(TRACE_STATUS));
  }
}

const TRACE_STATUS: TraceRequest = { op: 'trace', action: 'status' };

/**
 * `--trace FILE`: an absolute path whose directory exists, checked before anything starts, so that a
 * typo fails the command at once rather than the run at its end.
 */
function checkTraceFile(file: string): string {
  const abs = path.resolve(file);
  let dir: fs.Stats;
  try {
    dir = fs.statSync(path.dirname(abs));
  } catch {
    throw new CliError(`--trace: directory ${path.dirname(abs)} does not exist`);
  }
  if (!dir.isDirectory()) throw new CliError(`--trace: ${path.dirname(abs)} is not a directory`);
  return abs;
}

/** The end-of-run line: what was recorded, and what was lost (`dropped: N`). */
function reportTrace(file: string, s: TraceReply): void {
  process.stderr.write(`corral: trace: ${s.events} events, dropped: ${s.dropped}, written to ${file}\n`);
}

export async function runRun(cmd: RunCommand): Promise<number> {
  const store = openStore(cmd.global);
  if (cmd.flags.detach) {
    const traceFile = cmd.flags.trace === undefined ? undefined : checkTraceFile(cmd.flags.trace);
    const state = await createContainer(store, cmd.global, cmd.id, cmd.flags.bundle, { detached: true });
    writePidFile(cmd.flags.pidFile, state.pid);
    if (traceFile !== undefined) {
      // Traced from before its init starts until its sandbox ends; `corral trace status` shows it.
      const req: TraceRequest = { op: 'trace', action: 'start', file: traceFile };
      try {
        await controlRequest<TraceReply>(
          state.controlAddress,
          { ...req },
          { hostPid: state.pid, container: cmd.id },
        );
      } catch (e) {
        await ask(state, { op: 'destroy', cid: cmd.id }).catch(() => undefined);
        removeState(store, state);
        throw e;
      }
    }
    await startContainer(store, cmd.id);
    return 0;
  }
  const bundle = checkBundle(cmd.flags.bundle);
  if (bundle.spec.annotations[SANDBOX_ANNOTATION] !== undefined) {
    throw new CliError(
      `run: a container joining sandbox ${JSON.stringify(bundle.spec.annotations[SANDBOX_ANNOTATION])} needs create, start and wait`,
    );
  }
  return runInProcess(store, cmd.id, bundle, {
    ...(cmd.flags.pidFile !== undefined ? { pidFile: cmd.flags.pidFile } : {}),
    ...(cmd.flags.trace !== undefined ? { trace: cmd.flags.trace } : {}),
  });
}
