// Hosting one sandbox in this process: an actor system whose Loader actor lives on the main thread
// (guests run on the platform's worker threads), and the control socket that forwards each request
// to it. Used by the detached sandbox host (sandbox_host.ts) and, in process, by `corral run` and
// `corral do`, which then talk to the Loader directly and serve the socket for other terminals.
// The host also owns the sandbox's trace session: tracing is a call on the ActorSystem it holds, so
// `{op: 'trace'}` requests are answered here and never reach the Loader.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serveControl, type ControlServer } from '../bridge/control_socket.js';
import { ipcPath } from '../bridge/control_wire.js';
import { toWireError } from '../bridge/errors.js';
import type {
  LoaderArgs,
  LoaderReplies,
  LoaderRequest,
  StdioSpec,
  TraceFormat,
  TraceRequest,
} from '../actors/loader/control_protocol.js';
import { ActorSystem, type ActorRef } from '../actors/runtime/index.js';
import { closeGuestStrategy } from '../actors/process-group/guest_platform.js';
import { settleGofers } from '../actors/loader/loader_gofer.js';
import { closeThreadGofer } from '../actors/gofer/gofer_process.js';
import type { GoferStart } from '../actors/gofer/gofer_registry.js';
import { SandboxTraceControl } from '../actors/trace/loader_trace_ops.js';
import { controlAddress } from './state_store.js';

export interface SandboxOptions {
  /** State root; the control socket goes to `<root>/<sandboxId>/control.sock`. */
  root: string;
  sandboxId: string;
  rootCid: string;
  rootBundle: string;
  rootStdio: StdioSpec;
  /** Diagnostics (the host's sandbox.log). */
  log?: (msg: string) => void;
  /** Trace the whole sandbox from before its Loader starts into this absolute path (`--trace`). */
  trace?: { file: string; format?: TraceFormat };
  /** When containers' gofers attach (LoaderArgs.goferStart); 'eager' when absent. */
  goferStart?: GoferStart;
}

export interface HostedSandbox {
  readonly system: ActorSystem;
  readonly loader: ActorRef;
  readonly server: ControlServer;
  /** The sandbox's trace session (answers `{op: 'trace'}`); closed, files flushed, by close(). */
  readonly trace: SandboxTraceControl;
  /** Settles once everything is shut down: resolves after the last container's destroy or close(), rejects when the Loader failed. */
  readonly closed: Promise<void>;
  /** A Loader request made in process (no socket), with no deadline. */
  request<O extends LoaderRequest['op']>(req: Extract<LoaderRequest, { op: O }>): Promise<LoaderReplies[O]>;
  /** Shuts the sandbox down (socket closed and removed, actors stopped, worker threads ended). */
  close(error?: Error): Promise<void>;
}

const LOADER_MODULE = new URL('../actors/loader/loader_actor.js', import.meta.url).href;

/** Starts a sandbox and serves its control socket; throws (leaving nothing running) when it cannot. */
export async function startSandbox(opts: SandboxOptions): Promise<HostedSandbox> {
  const log = opts.log ?? ((): void => undefined);
  const system = await ActorSystem.start({ workers: 0 });
  const trace = new SandboxTraceControl(system);
  let loader: ActorRef;
  try {
    if (opts.trace !== undefined) {
      await trace.handle({ op: 'trace', action: 'start', ...opts.trace });
    }
    const args: LoaderArgs = {
      sandboxId: opts.sandboxId,
      rootCid: opts.rootCid,
      rootBundle: opts.rootBundle,
      rootStdio: opts.rootStdio,
      ...(opts.goferStart !== undefined ? { goferStart: opts.goferStart } : {}),
    };
    loader = await system.spawn({
      module: LOADER_MODULE,
      export: 'createLoaderActor',
      args,
      name: `loader:${opts.sandboxId}`,
    });
  } catch (e) {
    await system.shutdown();
    await trace.close().catch(() => undefined);
    throw e;
  }

  // Owned by this function's closure (the main thread).
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  let rejectClosed!: (e: Error) => void;
  const closed = new Promise<void>((res, rej) => {
    resolveClosed = res;
    rejectClosed = rej;
  });
  // A caller that never looks at `closed` must not get an unhandled rejection.
  closed.catch(() => undefined);

  const request = <O extends LoaderRequest['op']>(
    req: Extract<LoaderRequest, { op: O }>,
  ): Promise<LoaderReplies[O]> => system.request<LoaderReplies[O]>(loader, req.op, req, { timeoutMs: 0 });

  let server: ControlServer;
  const close = (error?: Error): Promise<void> => {
    closing ??= (async () => {
      log(error ? `sandbox ${opts.sandboxId} ends: ${error.message}` : `sandbox ${opts.sandboxId} ends`);
      // The system first: requests still outstanding (waits) then settle, and their clients get replies.
      await system.shutdown().catch(() => undefined);
      // Then the trace: the Loader's last events (sandbox-stop) are in, and the files get their end.
      await trace.close().catch((e: Error) => log(`trace: ${e.message}`));
      // The Loader ran on this thread, so its guests' worker pool is this thread's: end it too,
      // while the gofers end (independent, and each waits on another thread or process).
      const guests = closeGuestStrategy().catch(() => undefined);
      // The containers' gofers, told to end when the Loader stopped: none may outlive the host.
      await settleGofers().catch(() => undefined);
      // And this thread's shared gofer child, warm until now: none may outlive the host.
      await closeThreadGofer().catch(() => undefined);
      await guests;
      await server.close().catch(() => undefined);
      if (error) rejectClosed(error);
      else resolveClosed();
    })();
    return closing;
  };

  try {
    const address = controlAddress(opts.root, opts.sandboxId);
    fs.mkdirSync(path.dirname(ipcPath(address)), { recursive: true, mode: 0o700 });
    server = serveControl(
      address,
      async (req) => {
        log(`request ${JSON.stringify(req)}`);
        try {
          if (req.op === 'trace') return await trace.handle(req as unknown as TraceRequest);
          const value = await system.request(loader, req.op, req, { timeoutMs: 0 });
          if (req.op === 'destroy' && (value as LoaderReplies['destroy']).sandboxEmpty) {
            // After the reply has gone out: the server flushes replies before it closes.
            setImmediate(() => void close());
          }
          return value;
        } catch (e) {
          log(`request ${req.op} failed: ${toWireError(e).message}`);
          throw e;
        }
      },
      { log },
    );
  } catch (e) {
    await system.shutdown();
    await trace.close().catch(() => undefined);
    throw e;
  }

  system.on('actor-failed', (f) => {
    if (f.actor !== loader.id) return;
    void close(new Error(`sandbox ${opts.sandboxId} failed: ${f.error.name}: ${f.error.message}`));
  });

  return { system, loader, server, trace, closed, request, close };
}
