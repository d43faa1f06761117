// `corral create` and `corral start`: runc's two-step start. create checks the bundle here (fast,
// clear errors, nothing left behind), then either starts a detached sandbox host for a new sandbox or,
// when config.json names an existing sandbox (SANDBOX_ANNOTATION), asks that sandbox for a
// sub-container. start asks the sandbox to run the container's init.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SANDBOX_ANNOTATION, type StdioSpec } from '../actors/loader/control_protocol.js';
import { loadBundle, resolveExecutable, type Bundle } from '../actors/loader/bundle/index.js';
import { processAlive } from '../bridge/control_socket.js';
import type { CreateCommand, GlobalFlags, StartCommand } from './args.js';
import { ask, CliError, findSandbox, openStore, wantsLog, writePidFile } from './cmd_common.js';
import { checkConsoleSocket, sendConsole } from './console.js';
import type { ReadyLine, SandboxHostArgs } from './sandbox_host.js';
import { currentOwner, validateContainerId, type ContainerState, type StateStore } from './state_store.js';

const HOST_READY_TIMEOUT_MS = 10_000;
const HOST_SCRIPT = fileURLToPath(new URL('./sandbox_host_entry.js', import.meta.url));
const HOST_BUNDLE = fileURLToPath(new URL('./sandbox_host.bundle.cjs', import.meta.url));
/** Runs the host's bundle with a code cache, or HOST_SCRIPT when the bundle is stale. */
const RUN_BUNDLE = fileURLToPath(new URL('../../bin/run_bundle.cjs', import.meta.url));

/** Loads the bundle and resolves its executable: the errors runc users expect, before anything starts. */
export function checkBundle(dir: string): Bundle {
  const bundle = loadBundle(dir);
  const p = bundle.spec.process;
  resolveExecutable(bundle.rootfs, p.args[0]!, { env: p.env, cwd: p.cwd });
  return bundle;
}

export function newState(
  id: string,
  bundle: Bundle,
  sandbox: { sandboxId: string; pid: number; controlAddress: string },
): ContainerState {
  return {
    ociVersion: bundle.spec.ociVersion,
    id,
    status: 'created',
    pid: sandbox.pid,
    bundle: bundle.dir,
    annotations: bundle.spec.annotations,
    sandboxId: sandbox.sandboxId,
    controlAddress: sandbox.controlAddress,
    created: new Date().toISOString(),
    owner: currentOwner(),
  };
}

/**
 * The sandbox host's environment: the caller's (TMPDIR and the like still apply), less what Node
 * acts on at start-up for nothing. NODE_EXTRA_CA_CERTS makes it read and parse every certificate of
 * the file before any of our code runs (~45 ms of CPU here, a third of the host's start-up), and a
 * sandbox host opens no TLS connection: its guests' networking is theirs.
 */
function hostEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  return env;
}

/** Starts the detached sandbox host and waits for its readiness line; returns its pid. */
function startHost(args: SandboxHostArgs): Promise<number> {
  const child = spawn(process.execPath, [RUN_BUNDLE, HOST_BUNDLE, HOST_SCRIPT, JSON.stringify(args)], {
    detached: true,
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: hostEnv(),
  });
  const ready = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  return new Promise<number>((resolve, reject) => {
    let text = '';
    const done = (err: Error | null, pid?: number): void => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      ready.removeAllListeners();
      ready.destroy();
      child.unref();
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else {
        resolve(pid!);
      }
    };
    const timer = setTimeout(
      () => done(new CliError(`sandbox host did not start within ${HOST_READY_TIMEOUT_MS / 1000} s`)),
      HOST_READY_TIMEOUT_MS,
    );
    child.on('error', (e) => done(new CliError(`cannot start the sandbox host: ${e.message}`)));
    child.on('exit', (code, sig) =>
      done(new CliError(`sandbox host exited (${sig ?? `code ${code}`}) before it was ready`)),
    );
    ready.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      let line: ReadyLine;
      try {
        line = JSON.parse(text.slice(0, nl)) as ReadyLine;
      } catch {
        return done(new CliError(`sandbox host sent a malformed readiness line: ${text.slice(0, nl)}`));
      }
      if (line.ok) done(null, line.pid);
      else done(new CliError(line.error.message));
    });
  });
}

/** Creates container `id` from `bundleDir`; returns its state. Leaves nothing behind on failure. */
export async function createContainer(
  store: StateStore,
  global: GlobalFlags,
  id: string,
  bundleDir: string,
  opts: { consoleSocket?: string; detached: boolean },
): Promise<ContainerState> {
  validateContainerId(id);
  const bundle = checkBundle(bundleDir);
  const terminal = bundle.spec.process.terminal;
  // As runc: a detached terminal goes to the console socket, which must be there already.
  let socket: string | undefined;
  if (opts.consoleSocket !== undefined) {
    socket = checkConsoleSocket(opts.consoleSocket);
    if (!terminal) {
      throw new CliError(
        `--console-socket ${socket}: config.json does not ask for a terminal (process.terminal)`,
      );
    }
  } else if (terminal && opts.detached) {
    throw new CliError('cannot allocate a terminal for a detached container without --console-socket');
  }
  /** The init's terminal, made once the container's state exists (a duplicate id sends nothing). */
  const consoleStdio = async (): Promise<StdioSpec | undefined> =>
    socket === undefined ? undefined : sendConsole(socket);
  const join = bundle.spec.annotations[SANDBOX_ANNOTATION];
  if (join !== undefined && join !== id) {
    const host = findSandbox(store, join);
    const state = newState(id, bundle, host);
    store.create(state);
    try {
      const stdio = await consoleStdio();
      await ask(state, {
        op: 'create',
        cid: id,
        bundle: bundle.dir,
        terminal,
        ...(stdio !== undefined ? { stdio } : {}),
      });
    } catch (e) {
      store.remove(id);
      throw e;
    }
    return state;
  }
  const state = newState(id, bundle, { sandboxId: id, pid: 0, controlAddress: store.controlAddress(id) });
  store.create(state);
  try {
    const stdio = await consoleStdio();
    const pid = await startHost({
      root: store.root,
      sandboxId: id,
      rootCid: id,
      rootBundle: bundle.dir,
      log: wantsLog(global),
      ...(stdio !== undefined ? { rootStdio: stdio } : {}),
    });
    return store.update(id, { pid });
  } catch (e) {
    store.remove(id);
    throw e;
  }
}

export async function runCreate(cmd: CreateCommand): Promise<number> {
  const store = openStore(cmd.global);
  const state = await createContainer(store, cmd.global, cmd.id, cmd.flags.bundle, {
    detached: true,
    ...(cmd.flags.consoleSocket !== undefined ? { consoleSocket: cmd.flags.consoleSocket } : {}),
  });
  writePidFile(cmd.flags.pidFile, state.pid);
  return 0;
}

/** Starts a created container's init. */
export async function startContainer(store: StateStore, id: string): Promise<ContainerState> {
  const state = store.load(id);
  if (!processAlive(state.pid))
    throw new CliError(`cannot start container "${id}": its sandbox is not running`);
  await ask(state, { op: 'start', cid: id });
  return store.update(id, { status: 'running' });
}

export async function runStart(cmd: StartCommand): Promise<number> {
  await startContainer(openStore(cmd.global), cmd.id);
  return 0;
}
