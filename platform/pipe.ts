// Anonymous pipes between guest processes, as Linux's pipe(7): a bounded byte queue with a read end
// and a write end. Everything answers at once or with a Promise; nothing blocks (DESIGN.md rule 3).
//
// Bytes sit in a queue of chunks, each written once: a write copies the caller's bytes into the
// tail chunk's free space or into a new chunk of at least PIPE_BUF bytes (as Linux fills pages), and
// a read that falls within one chunk gets a view of it, with no second copy. Waiting readers and
// writers are served first come, first served; each wait detaches its abort listener once settled.

import { AbortedError } from './stdio_ends.js';

/** Writes up to this size are atomic: never interleaved with another writer's (pipe(7)). */
export const PIPE_BUF = 4096;
/** Linux's default pipe capacity. */
export const PIPE_CAPACITY = 65536;

/** The read side of a pipe. The caller counts its fds and calls close() once the last one goes. */
export interface PipeReadEnd {
  /**
   * read(2): 1..max bytes when some are buffered, an empty array at EOF (no writer left and the
   * buffer empty). Waits otherwise; if `signal` aborts first, rejects with AbortedError and
   * consumes nothing. max 0 gives an empty array at once.
   */
  read(max: number, signal: AbortSignal): Uint8Array | Promise<Uint8Array>;
  /** For poll: bytes buffered now, and whether the write side is gone with nothing left to read. */
  ready(): { bytes: number; eof: boolean };
  /** Resolves when ready() would show data or EOF; rejects with AbortedError on abort. */
  whenReadable(signal: AbortSignal): Promise<void>;
  /** The last reader is gone: pending and later writes fail with PipeClosedError. */
  close(): void;
}

/** The write side of a pipe. */
export interface PipeWriteEnd {
  /**
   * write(2) on a blocking pipe: the number of bytes written. Waits while full. A write of up to
   * PIPE_BUF bytes is all-or-nothing; a larger one may be split and resolves once all of it is in,
   * or, aborted part-way, with the count so far (rejecting with AbortedError if that is 0). No
   * reader: throws, or rejects, with PipeClosedError (the caller gives EPIPE and raises SIGPIPE).
   */
  write(data: Uint8Array, signal: AbortSignal): number | Promise<number>;
  /**
   * For poll: free room now, and whether the read side is gone. Linux reports POLLOUT once a
   * PIPE_BUF write would not wait, i.e. room >= PIPE_BUF (or the whole capacity if smaller).
   */
  ready(): { room: number; broken: boolean };
  /** Resolves when a PIPE_BUF write would not wait, or the read side is gone; rejects on abort. */
  whenWritable(signal: AbortSignal): Promise<void>;
  /** The last writer is gone: readers see EOF once the buffer drains. */
  close(): void;
}

/** A write found no reader (EPIPE). `written`: bytes that went in before the reader left. */
export class PipeClosedError extends Error {
  constructor(readonly written = 0) {
    super('pipe has no reader');
  }
}

/** Bytes written into `buf`; those in [start, end) are unread. Space after `end` takes more. */
interface Chunk {
  readonly buf: Uint8Array;
  start: number;
  end: number;
}

/** A parked caller's Promise, settled once; settling detaches its abort listener. */
interface Settle<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

interface ReadOp {
  readonly max: number;
  settle: Settle<Uint8Array>;
}

interface WriteOp {
  readonly data: Uint8Array;
  /** Bytes of `data` already in the pipe. */
  done: number;
  /** All or nothing: waits for room for all of it. */
  readonly atomic: boolean;
  /** Set once the write waits; until then write() itself answers. */
  settle: Settle<number> | null;
}

/**
 * Parks a caller: `enqueue` files the settle functions where a wake-up will find them; on abort,
 * `onAbort` must take them out again and settle the Promise.
 */
function park<T>(
  signal: AbortSignal,
  enqueue: (s: Settle<T>) => void,
  onAbort: (s: Settle<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () => onAbort({ resolve, reject });
    signal.addEventListener('abort', abort, { once: true });
    enqueue({
      resolve: (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      reject: (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    });
  });
}

function remove<T>(queue: T[], item: T): void {
  const i = queue.indexOf(item);
  if (i >= 0) queue.splice(i, 1);
}

const aborted = () => new AbortedError('aborted');

/** The shared state of both ends. */
class PipeCore {
  /** chunks[head..] hold the unread bytes, in order. */
  private chunks: Chunk[] = [];
  private head = 0;
  /** Unread bytes. */
  private size = 0;
  readerOpen = true;
  writerOpen = true;
  /** Writes up to this size are atomic, and poll reports writable once this much room is free. */
  private readonly atomicMax: number;
  private readonly readers: ReadOp[] = [];
  private readonly writers: WriteOp[] = [];
  private readonly readable: Settle<void>[] = [];
  private readonly writable: Settle<void>[] = [];

  constructor(private readonly capacity: number) {
    this.atomicMax = Math.min(PIPE_BUF, capacity);
  }

  readyToRead() {
    return { bytes: this.size, eof: this.size === 0 && (!this.writerOpen || !this.readerOpen) };
  }

  readyToWrite() {
    return { room: this.capacity - this.size, broken: !this.readerOpen };
  }

  private canRead(): boolean {
    return this.size > 0 || !this.writerOpen;
  }

  private canWrite(): boolean {
    return !this.readerOpen || (this.writers.length === 0 && this.capacity - this.size >= this.atomicMax);
  }

  read(max: number, signal: AbortSignal): Uint8Array | Promise<Uint8Array> {
    if (max === 0 || !this.readerOpen) return new Uint8Array(0);
    // Readers wait only while the pipe is empty, so there is no one to queue behind here.
    if (this.canRead()) {
      const out = this.take(max);
      this.pump();
      return out;
    }
    if (signal.aborted) return Promise.reject(aborted());
    const op: ReadOp = { max, settle: null! };
    return park<Uint8Array>(
      signal,
      (s) => {
        op.settle = s;
        this.readers.push(op);
      },
      (s) => {
        remove(this.readers, op);
        s.reject(aborted());
      },
    );
  }

  write(data: Uint8Array, signal: AbortSignal): number | Promise<number> {
    // Linux answers a zero-length write with 0 before looking for readers.
    if (data.length === 0) return 0;
    if (!this.readerOpen || !this.writerOpen) throw new PipeClosedError();
    const op: WriteOp = { data, done: 0, atomic: data.length <= this.atomicMax, settle: null };
    this.writers.push(op);
    this.pump();
    if (op.done === data.length) return op.done;
    // A signal already pending: write(2) returns what went in, or EINTR.
    if (signal.aborted) {
      remove(this.writers, op);
      this.pump();
      if (op.done > 0) return op.done;
      return Promise.reject(aborted());
    }
    return park<number>(
      signal,
      (s) => (op.settle = s),
      (s) => {
        remove(this.writers, op);
        if (op.done > 0) s.resolve(op.done);
        else s.reject(aborted());
        // The writers behind it may fit now.
        this.pump();
      },
    );
  }

  whenReadable(signal: AbortSignal): Promise<void> {
    if (this.canRead() || !this.readerOpen) return Promise.resolve();
    return this.waitReady(this.readable, signal);
  }

  whenWritable(signal: AbortSignal): Promise<void> {
    if (this.canWrite()) return Promise.resolve();
    return this.waitReady(this.writable, signal);
  }

  private waitReady(queue: Settle<void>[], signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(aborted());
    let mine: Settle<void> | undefined;
    return park<void>(
      signal,
      (s) => queue.push((mine = s)),
      (s) => {
        remove(queue, mine!);
        s.reject(aborted());
      },
    );
  }

  closeReader(): void {
    if (!this.readerOpen) return;
    this.readerOpen = false;
    // No one can read the buffered bytes any more.
    this.chunks = [];
    this.head = 0;
    this.size = 0;
    // Calls still waiting on this end (the caller should have none) are interrupted.
    for (const r of this.readers.splice(0)) r.settle.reject(aborted());
    for (const s of this.readable.splice(0)) s.reject(aborted());
    // Pending writes fail; poll on the write end sees it broken.
    this.pump();
  }

  closeWriter(): void {
    if (!this.writerOpen) return;
    this.writerOpen = false;
    // Writes still waiting on this end (the caller should have none) are cut short, as by a signal.
    for (const w of this.writers.splice(0)) {
      if (w.done > 0) w.settle?.resolve(w.done);
      else w.settle?.reject(aborted());
    }
    for (const s of this.writable.splice(0)) s.reject(aborted());
    // Waiting readers get what is left, then EOF.
    this.pump();
  }

  /** Moves bytes between waiting writers and waiting readers until neither can go on, then wakes pollers. */
  private pump(): void {
    for (;;) {
      while (this.readers.length > 0 && this.canRead()) {
        const r = this.readers.shift()!;
        r.settle.resolve(this.take(r.max));
      }
      if (!this.readerOpen) {
        for (const w of this.writers.splice(0)) w.settle?.reject(new PipeClosedError(w.done));
        break;
      }
      const w = this.writers[0];
      if (w === undefined || !this.advance(w)) break;
      if (w.done === w.data.length) {
        this.writers.shift();
        w.settle?.resolve(w.done);
      }
    }
    if (this.readable.length > 0 && this.canRead()) for (const s of this.readable.splice(0)) s.resolve();
    if (this.writable.length > 0 && this.canWrite()) for (const s of this.writable.splice(0)) s.resolve();
  }

  /** Puts as much of `w` in as may go now; false when it must wait for room. */
  private advance(w: WriteOp): boolean {
    const left = w.data.length - w.done;
    const room = this.capacity - this.size;
    // A split write waits for a PIPE_BUF of room too (Linux waits for a free page), so that a slow
    // reader does not turn it into many tiny chunks.
    if (room < (w.atomic ? left : Math.min(left, this.atomicMax))) return false;
    const n = Math.min(left, room);
    this.put(w.data, w.done, n);
    w.done += n;
    return true;
  }

  /** Copies data[off, off + n) in: the tail chunk's free space first, then one new chunk. */
  private put(data: Uint8Array, off: number, n: number): void {
    this.size += n;
    const tail = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1]! : undefined;
    if (tail !== undefined && tail.end < tail.buf.length) {
      const k = Math.min(n, tail.buf.length - tail.end);
      tail.buf.set(data.subarray(off, off + k), tail.end);
      tail.end += k;
      off += k;
      n -= k;
    }
    if (n === 0) return;
    const buf = new Uint8Array(Math.max(n, PIPE_BUF));
    buf.set(data.subarray(off, off + n));
    this.chunks.push({ buf, start: 0, end: n });
  }

  /** Takes up to `max` bytes off the front: a view when one chunk holds them all, else one copy. */
  private take(max: number): Uint8Array {
    const n = Math.min(max, this.size);
    if (n === 0) return new Uint8Array(0);
    this.size -= n;
    const first = this.chunks[this.head]!;
    let out: Uint8Array;
    if (first.end - first.start >= n) {
      // A view is safe: the bytes before `end` are never written again.
      out = first.buf.subarray(first.start, first.start + n);
      first.start += n;
    } else {
      out = new Uint8Array(n);
      let i = this.head;
      for (let got = 0; got < n;) {
        const c = this.chunks[i]!;
        const k = Math.min(n - got, c.end - c.start);
        out.set(c.buf.subarray(c.start, c.start + k), got);
        c.start += k;
        got += k;
        if (c.start === c.end) i++;
      }
    }
    // Drop the chunks read to the end, but keep a tail that still has free space for writes.
    const last = this.chunks.length - 1;
    while (this.head <= last) {
      const c = this.chunks[this.head]!;
      if (c.start < c.end || (this.head === last && c.end < c.buf.length)) break;
      this.head++;
    }
    if (this.head > last) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }
}

class ReadEnd implements PipeReadEnd {
  constructor(private readonly p: PipeCore) {}
  read(max: number, signal: AbortSignal): Uint8Array | Promise<Uint8Array> {
    return this.p.read(max, signal);
  }
  ready() {
    return this.p.readyToRead();
  }
  whenReadable(signal: AbortSignal): Promise<void> {
    return this.p.whenReadable(signal);
  }
  close(): void {
    this.p.closeReader();
  }
}

class WriteEnd implements PipeWriteEnd {
  constructor(private readonly p: PipeCore) {}
  write(data: Uint8Array, signal: AbortSignal): number | Promise<number> {
    return this.p.write(data, signal);
  }
  ready() {
    return this.p.readyToWrite();
  }
  whenWritable(signal: AbortSignal): Promise<void> {
    return this.p.whenWritable(signal);
  }
  close(): void {
    this.p.closeWriter();
  }
}

/** An anonymous pipe: pipe(2)'s two ends. */
export class Pipe {
  readonly reader: PipeReadEnd;
  readonly writer: PipeWriteEnd;

  constructor(capacity = PIPE_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`pipe capacity: got ${capacity}, want a positive integer`);
    const core = new PipeCore(capacity);
    this.reader = new ReadEnd(core);
    this.writer = new WriteEnd(core);
  }
}
