// An anonymous pipe between guest processes (pipe(7)): a bounded byte queue with a read end and a
// write end. Nothing blocks a thread: a read on an empty pipe or a write on a full one returns a
// Promise that the other end settles, and an AbortSignal (a signal for the guest) cancels it.
// Owned by the process-group actor whose processes hold the ends; only its thread touches it.

import { AbortedError } from './stdio_ends.js';

/** Writes up to this size are atomic: never interleaved with another writer's (pipe(7)). */
export const PIPE_BUF = 4096;
/** Linux's default capacity (16 pages). */
export const PIPE_CAPACITY = 65536;

/** A write with no reader left: the caller answers EPIPE and raises SIGPIPE. */
export class PipeClosedError extends Error {
  constructor() {
    super('pipe has no reader');
    this.name = 'PipeClosedError';
  }
}

export interface PipeReadEnd {
  read(max: number, signal: AbortSignal): Uint8Array | Promise<Uint8Array>;
  ready(): { bytes: number; eof: boolean };
  whenReadable(signal: AbortSignal): Promise<void>;
  close(): void;
}

export interface PipeWriteEnd {
  write(data: Uint8Array, signal: AbortSignal): number | Promise<number>;
  ready(): { room: number; broken: boolean };
  whenWritable(signal: AbortSignal): Promise<void>;
  close(): void;
}

/** A waiter parked on the pipe; `wake` re-tries it and returns true once it is settled. */
interface Waiter {
  wake(): boolean;
}

export class Pipe {
  readonly reader: PipeReadEnd;
  readonly writer: PipeWriteEnd;
  /** Buffered chunks in order; the first may be partly consumed (`head` bytes of it are gone). */
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private size = 0;
  private readerOpen = true;
  private writerOpen = true;
  /** Parked readers and writers, FIFO (several processes may share an end). */
  private readonly readers: Waiter[] = [];
  private readonly writers: Waiter[] = [];

  constructor(private readonly capacity = PIPE_CAPACITY) {
    this.reader = {
      read: (max, signal) => this.read(max, signal),
      ready: () => ({ bytes: this.size, eof: !this.writerOpen && this.size === 0 }),
      whenReadable: (signal) => this.when(this.readers, () => this.size > 0 || !this.writerOpen, signal),
      close: () => {
        this.readerOpen = false;
        this.wakeAll(this.writers);
      },
    };
    this.writer = {
      write: (data, signal) => this.write(data, signal),
      ready: () => ({ room: this.capacity - this.size, broken: !this.readerOpen }),
      whenWritable: (signal) =>
        this.when(this.writers, () => this.size < this.capacity || !this.readerOpen, signal),
      close: () => {
        this.writerOpen = false;
        this.wakeAll(this.readers);
      },
    };
  }

  private take(max: number): Uint8Array {
    const n = Math.min(max, this.size);
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length - this.head, n - off);
      out.set(c.subarray(this.head, this.head + k), off);
      off += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.size -= n;
    return out;
  }

  private put(data: Uint8Array): void {
    // One copy: the caller's buffer may be reused once the write returns.
    this.chunks.push(data.slice());
    this.size += data.length;
  }

  private read(max: number, signal: AbortSignal): Uint8Array | Promise<Uint8Array> {
    if (max === 0) return new Uint8Array(0);
    if (this.size > 0 && this.readers.length === 0) {
      const out = this.take(max);
      this.wakeFirst(this.writers);
      return out;
    }
    if (!this.writerOpen && this.size === 0) return new Uint8Array(0);
    if (signal.aborted) throw new AbortedError();
    return this.park(this.readers, signal, () => {
      if (this.size > 0) {
        const out = this.take(max);
        this.wakeFirst(this.writers);
        return out;
      }
      return this.writerOpen ? undefined : new Uint8Array(0);
    });
  }

  private write(data: Uint8Array, signal: AbortSignal): number | Promise<number> {
    if (!this.readerOpen) throw new PipeClosedError();
    let done = 0;
    /** Puts what fits now; returns true when the write is complete. */
    const step = (): boolean => {
      const room = this.capacity - this.size;
      const left = data.length - done;
      // Small writes go in whole or wait: they must not interleave with other writers.
      if (data.length <= PIPE_BUF ? room < left : room === 0) return false;
      const k = Math.min(room, left);
      this.put(data.subarray(done, done + k));
      done += k;
      this.wakeFirst(this.readers);
      return done === data.length;
    };
    if (data.length === 0) return 0;
    if (this.writers.length === 0 && step()) return done;
    if (signal.aborted) {
      if (done > 0) return done;
      throw new AbortedError();
    }
    return this.park(
      this.writers,
      signal,
      () => {
        if (!this.readerOpen) throw new PipeClosedError();
        return step() ? done : undefined;
      },
      // Interrupted part-way: the bytes already written count (Linux returns the short count).
      () => (done > 0 ? done : undefined),
    );
  }

  /**
   * Parks a call until `attempt` returns a value (or throws). Abort settles it with `partial()`'s
   * value when it has one, else rejects with AbortedError.
   */
  private park<T>(
    queue: Waiter[],
    signal: AbortSignal,
    attempt: () => T | undefined,
    partial: () => T | undefined = () => undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        wake: () => {
          let v: T | undefined;
          try {
            v = attempt();
          } catch (e) {
            finish();
            reject(e);
            return true;
          }
          if (v === undefined) return false;
          finish();
          resolve(v);
          return true;
        },
      };
      const onAbort = () => {
        finish();
        const p = partial();
        if (p !== undefined) resolve(p);
        else reject(new AbortedError());
      };
      const finish = () => {
        signal.removeEventListener('abort', onAbort);
        const i = queue.indexOf(w);
        if (i >= 0) queue.splice(i, 1);
        // The next in line may be able to go now (the pipe changed, or this one left).
        queueMicrotask(() => this.wakeFirst(queue));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(w);
    });
  }

  private when(queue: Waiter[], ready: () => boolean, signal: AbortSignal): Promise<void> {
    if (ready()) return Promise.resolve();
    if (signal.aborted) return Promise.reject(new AbortedError());
    return this.park(queue, signal, () => (ready() ? true : undefined)).then(() => undefined);
  }

  /** Lets the first parked waiter go if it can (FIFO: later ones wait behind it). */
  private wakeFirst(queue: Waiter[]): void {
    while (queue.length > 0 && queue[0]!.wake()) {
      // A settled waiter removed itself; try the next.
    }
  }

  private wakeAll(queue: Waiter[]): void {
    for (const w of [...queue]) w.wake();
  }
}
