// The stdio relay of `corral exec`: three FIFOs in the container's state directory, whose paths go to
// the Loader (StdioSpec 'paths'), and this process's own stdin/stdout/stderr pumped through them.
//
// Opening order matters, because opening a FIFO normally waits for its other end. This side opens
// first and never waits: stdin's FIFO read-write (Linux lets that open at once; closing it later,
// once the sandbox has its read end, is the writer's close that gives the guest EOF), stdout's and stderr's read-only and
// non-blocking. The sandbox's blocking opens then find their other ends present. libuv polls the
// FIFOs; a read end reports EOF only after a writer has come and gone, so none is seen too early.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Socket } from 'node:net';
import * as path from 'node:path';
import type { StdioSpec } from '../actors/loader/control_protocol.js';

export interface ExecStdio {
  /** What the Loader is told; immutable. */
  readonly spec: StdioSpec;
  /** Resolves once the process's stdout and stderr have both reached EOF (and were copied out). */
  readonly drained: Promise<void>;
  /**
   * Starts copying this process's stdin into the process. Only once the sandbox has opened its end:
   * a short stdin would otherwise end (and close the only writer) first, and the sandbox's open of a
   * FIFO without a writer would wait forever.
   */
  relayStdin(): void;
  /** Stops relaying and removes the FIFOs. Idempotent. */
  close(): void;
}

function readInto(fifo: string, sink: NodeJS.WritableStream): { sock: Socket; eof: Promise<void> } {
  const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const sock = new Socket({ fd, readable: true, writable: false });
  sock.on('data', (b: Buffer) => sink.write(b));
  const eof = new Promise<void>((r) => {
    sock.once('end', r);
    sock.once('close', r);
    sock.once('error', () => r());
  });
  return { sock, eof };
}

/** Makes the FIFOs under `dir` and starts relaying. */
export function openExecStdio(dir: string): ExecStdio {
  const base = path.join(dir, `exec-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const names = { stdin: `${base}.stdin`, stdout: `${base}.stdout`, stderr: `${base}.stderr` };
  execFileSync('mkfifo', ['-m', '0600', names.stdin, names.stdout, names.stderr]);
  const sockets: Socket[] = [];
  const removeAll = (): void => {
    for (const f of Object.values(names)) fs.rmSync(f, { force: true });
  };
  try {
    const inFd = fs.openSync(names.stdin, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const input = new Socket({ fd: inFd, readable: false, writable: true });
    input.on('error', () => undefined); // the guest exited without reading all of it: EPIPE
    sockets.push(input);
    const relayIn = (b: Buffer): void => void input.write(b);
    const endIn = (): void => void input.end();
    const out = readInto(names.stdout, process.stdout);
    const err = readInto(names.stderr, process.stderr);
    sockets.push(out.sock, err.sock);
    let closed = false;
    return {
      spec: { kind: 'paths', ...names },
      drained: Promise.all([out.eof, err.eof]).then(() => undefined),
      relayStdin() {
        if (closed) return;
        process.stdin.on('data', relayIn);
        process.stdin.once('end', endIn);
        process.stdin.on('error', endIn);
      },
      close() {
        if (closed) return;
        closed = true;
        process.stdin.off('data', relayIn);
        process.stdin.off('end', endIn);
        process.stdin.pause();
        for (const s of sockets) s.destroy();
        removeAll();
      },
    };
  } catch (e) {
    for (const s of sockets) s.destroy();
    removeAll();
    throw e;
  }
}
