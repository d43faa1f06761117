// A connection to a container's gofer, as the sandbox side sees it: calls that answer at once (in
// process) or later (over the socket), the preopened roots, and a hang-up notification that the
// gofer monitor watches. A call on a connection that has hung up answers EIO, never hangs.

import { Errno } from '../../platform/wasi_errno.js';
import type { MountSpec } from './mount_table.js';
import { Access, type Req, type Res, type ResOf } from './protocol.js';
import { GoferServer } from './server.js';
import type { GoferConfig } from './mount_table.js';

/** A preopened directory: its guest path and the fid of its root. */
export interface Preopen {
  readonly guestPath: string;
  readonly fid: number;
  readonly readonly: boolean;
  /**
   * The /proc magic link of the root's directory fd in the gofer (/proc/<pid>/fd/<fd>): the root
   * it donates to a guest thread's direct file service. Undefined when it donates none.
   */
  readonly donated?: string;
}

export interface GoferConnection {
  /** 'in-process' or 'process'; immutable. */
  readonly kind: 'in-process' | 'process';
  /** The mount roots (the root '/' first), as every process of the container gets them. */
  readonly preopens: readonly Preopen[];
  /** Sends one request. In process the answer is synchronous; otherwise a promise. */
  call<R extends Req>(req: R): ResOf<R> | Promise<ResOf<R>>;
  /** Runs `cb` once when the gofer goes away unexpectedly (not after close()). Returns an unsubscribe. */
  onHangup(cb: (reason: string) => void): () => void;
  /** True once the connection has hung up or was closed. */
  readonly closed: boolean;
  /**
   * Bumped by every call that may change a file (mutates()), when it is sent: data read ahead
   * (FileSyscalls) is served only while this has not moved since it was read. It lives in
   * `generationWord`, which guest threads serving files directly bump too (direct_files.ts).
   */
  readonly generation: number;
  /** The shared word behind `generation` (Int32Array of 1 over a SharedArrayBuffer); immutable. */
  readonly generationWord: Int32Array;
  /** Ends the gofer (process exits, fds closed, tmpfs removed). Resolves once it is gone. */
  close(): Promise<void>;
}

/** Ops that never change a file: any other may, and invalidates data read ahead. */
const READ_ONLY = new Set<Req['op']>(['read', 'fstat', 'stat', 'readdir', 'readlink', 'close']);

/** Whether `req` may change what a read returns (an open for writing may truncate or create). */
export function mutates(req: Req): boolean {
  if (req.op === 'open') return openMutates((req.access & Access.WRITE) !== 0, req.oflags);
  return !READ_ONLY.has(req.op);
}

/** Whether an open for writing (`write`) with WASI `oflags` may change a file: mutates() of it. */
export function openMutates(write: boolean, oflags: number): boolean {
  // oflags 9: O_CREAT | O_TRUNC (O_DIRECTORY and O_EXCL alone change nothing).
  return write || (oflags & 9) !== 0;
}

/** `roots`: the gofer's root fds in `pid` (as the attach answer names them), when it donates them. */
export function preopensOf(mounts: readonly MountSpec[], pid = 0, roots: readonly number[] = []): Preopen[] {
  return mounts.map((m, i) => ({
    guestPath: m.guestPath,
    fid: i + 1,
    readonly: m.readonly,
    ...(pid > 0 && roots[i] !== undefined ? { donated: `/proc/${pid}/fd/${roots[i]}` } : {}),
  }));
}

/** A fresh generation word (GoferConnection.generationWord). */
export function newGenerationWord(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Counts a change (GoferConnection.generation). */
export function bumpGeneration(word: Int32Array): void {
  // Seq-cst add: guest threads bump the same word; none of their bumps may be lost, and a reader's
  // load that sees the new value also sees the write it stands for (it was made before the add).
  Atomics.add(word, 0, 1);
}

/** Reads a generation word. */
export function loadGeneration(word: Int32Array): number {
  // Seq-cst load: pairs with bumpGeneration's add on any thread.
  return Atomics.load(word, 0);
}

/** The answer every call gets once the gofer is gone. */
export function hungUp<R extends Req>(req: R): ResOf<R> {
  return { op: req.op, errno: Errno.IO } as ResOf<R>;
}

/** Hang-up listeners of one connection; owned by it. */
export class HangupSignal {
  private readonly listeners = new Set<(reason: string) => void>();
  private fired: string | null = null;

  on(cb: (reason: string) => void): () => void {
    if (this.fired !== null) {
      const reason = this.fired;
      queueMicrotask(() => cb(reason));
      return () => undefined;
    }
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  fire(reason: string): void {
    if (this.fired !== null) return;
    this.fired = reason;
    for (const cb of [...this.listeners]) cb(reason);
    this.listeners.clear();
  }

  /** A deliberate close: listeners are dropped, never told. */
  clear(): void {
    this.listeners.clear();
  }
}

/** The in-process gofer: the server runs on the caller's thread, with no socket and no copies. */
export class InProcessGofer implements GoferConnection {
  readonly kind = 'in-process';
  readonly preopens: readonly Preopen[];
  /** Owned by this connection; closed by close(). */
  private readonly server: GoferServer;
  private readonly hangup = new HangupSignal();
  private isClosed = false;
  readonly generationWord = newGenerationWord();

  constructor(config: GoferConfig) {
    this.server = new GoferServer(config);
    this.preopens = preopensOf(config.mounts, process.pid, this.server.rootFds);
  }

  get generation(): number {
    return loadGeneration(this.generationWord);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Open fids on the server (leak checks). */
  get openCount(): number {
    return this.server.openCount;
  }

  call<R extends Req>(req: R): ResOf<R> {
    if (this.isClosed) return hungUp(req);
    if (mutates(req)) bumpGeneration(this.generationWord);
    return this.server.handle(req) as ResOf<R>;
  }

  onHangup(cb: (reason: string) => void): () => void {
    return this.hangup.on(cb);
  }

  /** Simulates the gofer dying (tests of the monitor): later calls answer EIO. */
  crash(reason = 'gofer crashed'): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.server.close();
    this.hangup.fire(reason);
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.hangup.clear();
      this.server.close();
    }
    return Promise.resolve();
  }
}

export type { Res };
