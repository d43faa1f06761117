// The sandbox host process: what `corral create` starts, detached, to hold one sandbox (its Loader
// actor, its guests) and serve its control socket, as runsc's `boot` process holds a sandbox. Its
// stdin/stdout/stderr are those of the create caller (the root container's init inherits them, as a
// runc container inherits its creator's stdio). It reports readiness with one JSON line on fd 3 and
// exits once the last container of its sandbox has been destroyed.
//
// argv[2]: a JSON SandboxHostArgs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StdioSpec } from '../actors/loader/control_protocol.js';
import { startSandbox } from './sandbox_runtime.js';
import { defaultCacheDir, useInstrumentCache } from '../platform/instrument_cache.js';

export interface SandboxHostArgs {
  root: string;
  sandboxId: string;
  rootCid: string;
  rootBundle: string;
  /** Write diagnostics to <root>/<sandboxId>/sandbox.log. */
  log: boolean;
  /** The root container's init stdio; absent = this process's own (a terminal from --console-socket). */
  rootStdio?: StdioSpec;
}

/** The readiness line on fd 3. */
export type ReadyLine = { ok: true; pid: number } | { ok: false; error: { name: string; message: string } };

const READY_FD = 3;

function tellParent(line: ReadyLine): void {
  try {
    fs.writeSync(READY_FD, JSON.stringify(line) + '\n');
    fs.closeSync(READY_FD);
  } catch {
    // The create caller is gone (killed while waiting): nobody to tell.
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '') as SandboxHostArgs;
  useInstrumentCache(defaultCacheDir());
  const sandboxDir = path.join(args.root, args.sandboxId);
  const logFile = path.join(sandboxDir, 'sandbox.log');
  const log = args.log
    ? (msg: string): void => {
        try {
          fs.appendFileSync(logFile, `${new Date().toISOString()} [${process.pid}] ${msg}\n`);
        } catch {
          // Logging never ends a sandbox.
        }
      }
    : undefined;
  // A reader of our stdout that went away must not end the sandbox (EPIPE on the inherited fds).
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  let sandbox;
  try {
    sandbox = await startSandbox({
      root: args.root,
      sandboxId: args.sandboxId,
      rootCid: args.rootCid,
      rootBundle: args.rootBundle,
      rootStdio: args.rootStdio ?? { kind: 'inherit' },
      ...(log ? { log } : {}),
    });
  } catch (e) {
    const err = e as Error;
    log?.(`sandbox failed to start: ${err.stack ?? err.message}`);
    tellParent({ ok: false, error: { name: err.name, message: err.message } });
    process.exit(1);
  }
  log?.(`sandbox ${args.sandboxId} serving ${sandbox.server.address}`);
  tellParent({ ok: true, pid: process.pid });

  // SIGTERM/SIGINT to the host itself (an operator, or a system shutting down) end the whole sandbox.
  const stop = (): void => void sandbox.close(new Error('sandbox host was signalled'));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined); // detached: no terminal to hang up on us

  let code = 0;
  try {
    await sandbox.closed;
  } catch (e) {
    log?.((e as Error).message);
    code = 1;
  }
  // The sandbox directory doubles as the root container's state directory: remove it only when the
  // root container's state is gone too (deleted while sub-containers still ran).
  if (!fs.existsSync(path.join(sandboxDir, 'state.json')) && !args.log) {
    fs.rmSync(sandboxDir, { recursive: true, force: true });
  }
  process.exit(code);
}

void main();
