// `corral exec`: runs a new process in a started container, as `runc exec`. The command line (or
// --process process.json) is checked here first, so that a missing executable is exit 127 at once.
// Without --detach, the process's stdio is relayed through FIFOs and exec exits with its status.
import * as fs from 'node:fs';
import type { ExecProcess, StdioSpec } from '../actors/loader/control_protocol.js';
import {
  loadBundle,
  mergeEnv,
  resolveExecutable,
  validateProcess,
  BundleError,
} from '../actors/loader/bundle/index.js';
import type { ExecCommand } from './args.js';
import { ask, CliError, exitCodeOf, openStore, writePidFile } from './cmd_common.js';
import { openExecStdio } from './exec_stdio.js';
import { callerTerminal, checkConsoleSocket, sendConsole } from './console.js';
import type { ContainerState } from './state_store.js';

/** How long output may keep flowing after the process has exited (a child holding the FIFO open). */
const DRAIN_TIMEOUT_MS = 2_000;
const FORWARDED: readonly [NodeJS.Signals, number][] = [
  ['SIGINT', 2],
  ['SIGTERM', 15],
  ['SIGHUP', 1],
  ['SIGQUIT', 3],
  ['SIGUSR1', 10],
  ['SIGUSR2', 12],
];

function processFromFile(file: string): ExecProcess {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BundleError('EINVAL', `${file}: invalid JSON: ${(e as Error).message}`);
  }
  const p = validateProcess(v, file, '');
  return {
    args: [...p.args],
    env: [...p.env],
    cwd: p.cwd,
    user: { uid: p.user.uid, gid: p.user.gid, additionalGids: [...p.user.additionalGids] },
    ...(p.capabilities ? { capabilities: [...p.capabilities.effective] } : {}),
    rlimits: p.rlimits.map((r) => ({ ...r })),
    terminal: p.terminal,
  };
}

export async function runExec(cmd: ExecCommand): Promise<number> {
  const store = openStore(cmd.global);
  const state = store.load(cmd.id);
  const proc: ExecProcess =
    cmd.flags.process !== undefined
      ? processFromFile(cmd.flags.process)
      : {
          args: [...cmd.args],
          env: [...cmd.flags.env],
          ...(cmd.flags.cwd !== undefined ? { cwd: cmd.flags.cwd } : {}),
          ...(cmd.flags.user !== undefined
            ? { user: { uid: cmd.flags.user.uid, gid: cmd.flags.user.gid ?? 0 } }
            : {}),
        };
  // The same resolution the Loader will do, here for a fast and clear error.
  const bundle = loadBundle(state.bundle);
  const spec = bundle.spec.process;
  resolveExecutable(bundle.rootfs, proc.args[0]!, {
    env: mergeEnv(spec.env, proc.env ?? []),
    cwd: proc.cwd ?? spec.cwd,
  });

  if (cmd.flags.tty) proc.terminal = true;
  if (proc.terminal === true) return execWithTerminal(cmd, state, proc);
  if (cmd.flags.consoleSocket !== undefined) {
    throw new CliError(`--console-socket ${cmd.flags.consoleSocket}: needs --tty (or process.terminal)`);
  }
  if (cmd.flags.detach) {
    const { pid } = await ask(state, { op: 'exec', cid: cmd.id, process: proc, stdio: { kind: 'null' } });
    writePidFile(cmd.flags.pidFile, pid);
    return 0;
  }
  const stdio = openExecStdio(store.dir(cmd.id));
  const handlers: [NodeJS.Signals, () => void][] = [];
  try {
    const { pid } = await ask(state, { op: 'exec', cid: cmd.id, process: proc, stdio: stdio.spec });
    stdio.relayStdin();
    writePidFile(cmd.flags.pidFile, pid);
    for (const [sig, signo] of FORWARDED) {
      const h = (): void =>
        void ask(state, { op: 'signal', cid: cmd.id, pid, signo, mode: 'process' }).catch(() => undefined);
      process.on(sig, h);
      handlers.push([sig, h]);
    }
    const ws = await ask(state, { op: 'wait-pid', cid: cmd.id, pid });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stdio.drained, new Promise((r) => (timer = setTimeout(r, DRAIN_TIMEOUT_MS)))]);
    clearTimeout(timer);
    return exitCodeOf(ws);
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    stdio.close();
  }
}

/**
 * exec with a terminal: a new one sent to --console-socket, or else the caller's own (in the
 * foreground only: a detached process would share a terminal nobody is watching).
 */
async function execWithTerminal(cmd: ExecCommand, state: ContainerState, proc: ExecProcess): Promise<number> {
  let stdio: StdioSpec | undefined;
  if (cmd.flags.consoleSocket !== undefined) {
    stdio = await sendConsole(checkConsoleSocket(cmd.flags.consoleSocket));
  } else if (cmd.flags.detach) {
    throw new CliError('exec --tty --detach needs --console-socket');
  } else {
    stdio = callerTerminal();
    if (stdio === undefined) {
      throw new CliError('exec --tty: stdin and stdout are not a terminal (give --console-socket)');
    }
  }
  const { pid } = await ask(state, { op: 'exec', cid: cmd.id, process: proc, stdio });
  writePidFile(cmd.flags.pidFile, pid);
  if (cmd.flags.detach) return 0;
  // Signals go to the terminal's foreground process group, as a terminal's own ^C would.
  const handlers: [NodeJS.Signals, () => void][] = [];
  try {
    for (const [sig, signo] of FORWARDED) {
      const h = (): void =>
        void ask(state, { op: 'signal', cid: cmd.id, pid, signo, mode: 'foreground' }).catch(() => undefined);
      process.on(sig, h);
      handlers.push([sig, h]);
    }
    return exitCodeOf(await ask(state, { op: 'wait-pid', cid: cmd.id, pid }));
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
