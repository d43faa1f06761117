// The two kinds of stdio end a handler talks to, and what they share: file types from fstat and
// abortable waits (an aborted wait is how a signal interrupts a blocking read or poll).

import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { SyscallResult } from './syscalls.js';
import { Filetype } from './wasi_types.js';

/** A readable side: bytes on demand, readiness for poll. */
export interface InputEnd {
  /** Bytes now readable without waiting, and whether end of file was reached. */
  ready(): { bytes: number; eof: boolean };
  /** Resolves when ready() would report data or EOF; rejects when `signal` aborts. */
  whenReady(signal: AbortSignal): Promise<void>;
  /** Reads up to `max` bytes, waiting for some; an empty array is EOF. */
  read(max: number, signal: AbortSignal): Promise<Uint8Array>;
  readonly filetype: () => Promise<Filetype>;
  close(): void;
}

/** A writable side. */
export interface OutputEnd {
  /** Writes `data`: all of it, or as much as went out before an error; or an errno. */
  write(data: Uint8Array): Promise<SyscallResult<number>>;
  readonly filetype: () => Promise<Filetype>;
  close(): void;
}

export class AbortedError extends Error {}

export function abortable<T>(signal: AbortSignal, start: (done: (v: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new AbortedError('aborted'));
      return;
    }
    const onAbort = () => {
      cleanup();
      reject(new AbortedError('aborted'));
    };
    const cleanup = start((v) => {
      signal.removeEventListener('abort', onAbort);
      cleanup();
      resolve(v);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Filetype of a host fd, from fstat (what Linux's S_IFMT says, mapped to WASI's closed set). */
export function fdFiletype(fd: number): Promise<Filetype> {
  return new Promise((resolve) => {
    fs.fstat(fd, (err, st) => {
      if (err) resolve(Filetype.UNKNOWN);
      else if (st.isCharacterDevice()) resolve(Filetype.CHARACTER_DEVICE);
      else if (st.isFile()) resolve(Filetype.REGULAR_FILE);
      else if (st.isDirectory()) resolve(Filetype.DIRECTORY);
      else if (st.isSocket()) resolve(Filetype.SOCKET_STREAM);
      else if (st.isBlockDevice()) resolve(Filetype.BLOCK_DEVICE);
      // A FIFO has no WASI file type; wasmtime reports UNKNOWN for pipes too.
      else resolve(Filetype.UNKNOWN);
    });
  });
}

export function streamFiletype(s: Readable | Writable): Promise<Filetype> {
  const fd = (s as { fd?: unknown }).fd;
  if (typeof fd === 'number') return fdFiletype(fd);
  return Promise.resolve((s as { isTTY?: boolean }).isTTY ? Filetype.CHARACTER_DEVICE : Filetype.UNKNOWN);
}
