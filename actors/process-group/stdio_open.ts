// Turns a StdioSpec (what the control protocol says) into the platform's stdio bindings, opening
// host paths asynchronously. What is opened here belongs to the process-group actor and is closed
// when the process ends.
//
// FIFOs (what `corral exec` relays a client's stdio through) become libuv pipe handles: libuv puts
// the fd in non-blocking mode and polls it, so a pending read can be cancelled when the guest exits.
// A plain fs read would park a libuv thread-pool thread until the other end writes or closes.
import { close, fstat, open } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import type { StdioBinding, StdioBindings } from '../../platform/stdio.js';
import type { StdioSpec } from '../loader/control_protocol.js';
import { openTerminal } from './stdio_terminal.js';

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const closeAsync = promisify(close);

export interface OpenedStdio {
  bindings: StdioBindings;
  close(): Promise<void>;
}

export async function openStdio(spec: StdioSpec): Promise<OpenedStdio> {
  switch (spec.kind) {
    case 'inherit':
      return {
        bindings: { stdin: { fd: 0 }, stdout: { fd: 1 }, stderr: { fd: 2 } },
        close: async () => undefined,
      };
    case 'null':
      return { bindings: { stdin: null, stdout: null, stderr: null }, close: async () => undefined };
    case 'paths':
      return openPaths(spec);
    case 'terminal':
      return openTerminal(spec.path);
  }
}

async function openPaths(spec: { stdin?: string; stdout?: string; stderr?: string }): Promise<OpenedStdio> {
  const fds: number[] = [];
  const sockets: Socket[] = [];
  const closeAll = async (): Promise<void> => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(fds.splice(0).map((fd) => closeAsync(fd).catch(() => undefined)));
  };
  const openOne = async (
    path: string | undefined,
    flags: string,
    reading: boolean,
  ): Promise<StdioBinding> => {
    if (path === undefined) return null;
    // A FIFO's open waits (on a pool thread) for its other end: the client opens its ends in the
    // same order, stdin then stdout then stderr, so neither side waits for the other forever.
    const fd = await openAsync(path, flags);
    if ((await fstatAsync(fd)).isFIFO()) {
      const sock = new Socket({ fd, readable: reading, writable: !reading });
      sockets.push(sock);
      return { stream: sock };
    }
    fds.push(fd);
    return { fd };
  };
  try {
    const stdin = await openOne(spec.stdin, 'r', true);
    const stdout = await openOne(spec.stdout, 'w', false);
    const stderr = await openOne(spec.stderr, 'w', false);
    return { bindings: { stdin, stdout, stderr }, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
