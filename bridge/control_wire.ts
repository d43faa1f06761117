// The frames of the control socket and the nanomsg binding they travel on. Kept apart from the server
// and client logic so that both sides read the same definitions.
//
// Frames are JSON, one per nanomsg message:
//   request  {id, req}                    client → server, on the sandbox's control socket
//   reply    {id, ok: true, value}        the operation succeeded
//            {id, ok: false, error}       it failed; `error` is a WireError ({name, message, code})
//            {id, pending: address}       it is still running: fetch its reply from `address`
//   collect  {id}                         client → server, on a pending reply's address
//   ack      {id, ack: true}              client → server, there, once it has the reply (no answer)
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { WireError } from './errors.js';

export interface RequestFrame {
  id: number;
  req: unknown;
}

export type ReplyFrame =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError }
  | { id: number; pending: string };

/** The part of the `nanomsg` package's socket that Corral uses (the package ships no types). */
export interface NanoSocket {
  bind(addr: string): number | null;
  connect(addr: string): number | null;
  send(buf: Buffer | string): number;
  close(): number;
  on(ev: 'data', fn: (buf: Buffer) => void): this;
  on(ev: 'error', fn: (e: Error) => void): this;
  /** Outbound messages not yet handed to nanomsg (the binding queues them until the socket is writable). */
  readonly queue: unknown[];
  readonly closed?: boolean;
}

interface NanoModule {
  socket(type: 'req' | 'rep', opts?: Record<string, unknown>): NanoSocket;
}

let nano: NanoModule | undefined;

/** Loads the native binding on first use, so that CLI commands that never talk to a sandbox skip it. */
export function nanomsg(): NanoModule {
  nano ??= loadNanomsg();
  return nano;
}

/**
 * The package finds its addon through the `bindings` package, which captures a stack trace to learn
 * its caller's file and then tries a dozen candidate paths: ~5-10 ms of a `corral run` whose whole
 * budget is ~150 (a trace through the CLI's 0.5 MB bundle is slow to symbolise). The addon is
 * always at build/Release/node_nanomsg.node (node-gyp's output), so `bindings` is answered from
 * require.cache, which Node documents as open to additions, with a loader for exactly that path;
 * any other name, or an addon not where node-gyp puts it, goes to the real `bindings`.
 */
function loadNanomsg(): NanoModule {
  const req = createRequire(import.meta.url);
  try {
    const lib = req.resolve('nanomsg');
    const fromLib = createRequire(lib);
    const bindingsPath = fromLib.resolve('bindings');
    if (req.cache[bindingsPath] === undefined) {
      const addon = path.join(path.dirname(lib), '..', 'build', 'Release', 'node_nanomsg.node');
      const real = (name: string): unknown => {
        delete req.cache[bindingsPath];
        return (fromLib('bindings') as (n: string) => unknown)(name);
      };
      const direct = (name: string): unknown => {
        if (name !== 'node_nanomsg.node') return real(name);
        try {
          return req(addon);
        } catch {
          return real(name);
        }
      };
      // Only for this one load: the package is the only user of `bindings` in the CLI.
      req.cache[bindingsPath] = {
        id: bindingsPath,
        filename: bindingsPath,
        loaded: true,
        exports: direct,
        children: [],
      } as unknown as NodeJS.Module;
      try {
        return req('nanomsg') as NanoModule;
      } finally {
        delete req.cache[bindingsPath];
      }
    }
  } catch {
    // resolution failed: the plain require below reports it
  }
  return req('nanomsg') as NanoModule;
}

/** Largest frame accepted (a guard against a peer that sends garbage, not a protocol limit). */
export const MAX_FRAME_BYTES = 16 << 20;

/** Host path of an `ipc://` address. */
export function ipcPath(address: string): string {
  if (!address.startsWith('ipc://')) throw new Error(`not an ipc:// address: ${address}`);
  return address.slice('ipc://'.length);
}

/**
 * Closes a socket once the binding has handed its queued replies to nanomsg. The binding sends from a
 * poll callback, so closing right after send() would drop the reply (measured: 0 of 50 delivered);
 * waiting for the queue to drain delivers all of them (nanomsg itself writes to the unix socket at once).
 */
export function closeAfterFlush(sock: NanoSocket): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (sock.closed || sock.queue.length === 0) {
        if (!sock.closed) sock.close();
        resolve();
      } else {
        setImmediate(check);
      }
    };
    check();
  });
}

export function encode(frame: RequestFrame | ReplyFrame | { id: number; ack?: true }): Buffer {
  return Buffer.from(JSON.stringify(frame));
}
