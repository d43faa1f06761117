// The warm pool of guest worker threads. Starting a thread costs ~30-50 ms here, so workers are
// started ahead of need and reused: spawning a process takes an idle worker and posts it a module;
// a worker whose process exited cleanly goes back to the pool. A worker that was terminated (hard
// kill, fault) is replaced in the background. Idle workers are unref'd: the pool alone never keeps
// the engine process alive.

import { Worker } from 'node:worker_threads';
import { SyscallChannel } from '../syscall_channel.js';
import { DEFAULT_DATA_SIZE } from '../syscall_layout.js';
import { freshBundle } from '../bundled.js';
import type { GuestWorkerData, WorkerMessage } from './messages.js';

export interface GuestPoolOptions {
  /** Idle workers kept started ahead of need (default 2). */
  readonly warm?: number;
  /**
   * Most idle workers kept after their process exits (default max(2 * warm, warm + 2)); a burst of
   * spawns grows the pool, and it shrinks back to this as processes exit.
   */
  readonly maxIdle?: number;
  /** Most workers alive at once, busy or idle (default 256); acquire() beyond it fails with EAGAIN. */
  readonly max?: number;
  /** Size of each worker's syscall data area in bytes (default 64 KiB). */
  readonly dataSize?: number;
  /**
   * Start replacements to keep `warm` idle workers after an acquire or a discard (default true).
   * A one-shot engine (`corral run` of one program) sets false: its warm worker is started once, at
   * process start, and a refill would only spend a core starting a thread nobody will use.
   */
  readonly refill?: boolean;
}

export interface GuestPoolStats {
  /** Worker threads started, ever. */
  started: number;
  /** Acquisitions served by a worker that had run a process before. */
  reused: number;
  /** Workers terminated by discard() (kills, faults). */
  discarded: number;
}

/** A pool worker with its syscall channel. Owned by the pool; lent to one process at a time. */
export class PooledWorker {
  readonly worker: Worker;
  /** The worker's channel, reused by each process it runs. Immutable after construction. */
  readonly channel: SyscallChannel;
  /** Resolves when the worker has loaded its code and can run a process at once. */
  readonly ready: Promise<void>;
  /** Runs completed on this worker; owned by the pool. */
  runs = 0;
  /** Receives the worker's messages while a process runs on it; set by that process. */
  onMessage: ((m: WorkerMessage) => void) | null = null;
  /** Called if the worker thread dies (terminate, crash) while lent out; set by the process. */
  onDeath: ((err: Error | null) => void) | null = null;
  /** True once the thread has exited. */
  dead = false;
  /** True once `ready` resolved. */
  isReady = false;
  /** The thread's kernel tid, known once ready (0 before, or when the platform has none). */
  tid = 0;
  /** Called when the worker becomes ready while lent out (its process started on a cold worker). */
  onReady: (() => void) | null = null;

  constructor(url: URL, dataSize: number) {
    this.channel = SyscallChannel.create(dataSize);
    const data: GuestWorkerData = { sab: this.channel.sab };
    this.worker = new Worker(url, { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          this.isReady = true;
          this.tid = m.tid;
          resolve();
          this.onReady?.();
        } else this.onMessage?.(m);
      });
      this.worker.on('error', (err) => {
        reject(err);
        this.onDeath?.(err);
      });
      this.worker.on('exit', () => {
        this.dead = true;
        reject(new Error('guest worker exited before it was ready'));
        this.onDeath?.(null);
      });
    });
    // A worker that dies before anyone waits on it must not raise an unhandled rejection.
    this.ready.catch(() => undefined);
    // After the listeners: adding a 'message' listener refs the worker's port again.
    this.worker.unref();
  }
}

const WORKER_URL = new URL('./guest_worker.js', import.meta.url);
/** The same as one CommonJS file (scripts/bundle.mjs): a worker is ready in ~35 ms instead of ~57. */
const WORKER_BUNDLE = new URL('./guest_worker.bundle.cjs', import.meta.url);

export class GuestPool {
  private readonly warm: number;
  private readonly maxIdle: number;
  private readonly max: number;
  private readonly dataSize: number;
  private readonly refill: boolean;
  /** Started (or starting) workers not lent out, in the order they became idle. Owned by the pool. */
  private readonly idle: PooledWorker[] = [];
  /** Every live worker (idle, starting, or lent out). Owned by the pool. */
  private readonly all = new Set<PooledWorker>();
  private closed = false;
  private replenishQueued = false;
  /** Counters; mutated only by the pool. */
  readonly stats: GuestPoolStats = { started: 0, reused: 0, discarded: 0 };

  constructor(opts: GuestPoolOptions = {}) {
    this.warm = Math.max(0, opts.warm ?? 2);
    this.maxIdle = Math.max(this.warm, opts.maxIdle ?? Math.max(2 * this.warm, this.warm + 2));
    this.max = Math.max(1, opts.max ?? 256);
    this.dataSize = opts.dataSize ?? DEFAULT_DATA_SIZE;
    this.refill = opts.refill ?? true;
    this.replenish();
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Workers alive now (idle, starting or busy). */
  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Resolves when `warm` idle workers are ready (tests and benchmarks call it before timing). */
  async warmUp(): Promise<void> {
    this.replenish();
    const starting = this.idle.filter((w) => !w.isReady);
    // Idle workers are unref'd: hold the event loop open while we wait for them on purpose.
    for (const w of starting) w.worker.ref();
    try {
      await Promise.all(starting.map((w) => w.ready));
    } finally {
      for (const w of starting) if (this.idle.includes(w)) w.worker.unref();
    }
  }

  /**
   * Takes a worker for one process: an idle one when there is (no thread start on this path), else
   * a new one. The caller runs the process, then calls release() or discard().
   */
  acquire(): PooledWorker {
    if (this.closed) throw Object.assign(new Error('guest pool is closed'), { code: 'ECLOSED' });
    // The most recently used ready worker (its code and caches are warm); else a starting one,
    // whose queued 'run' message it handles as soon as its code is loaded.
    let i = this.idle.length - 1;
    while (i >= 0 && !this.idle[i]!.isReady) i--;
    if (i < 0 && this.idle.length > 0) i = 0;
    let w = i >= 0 ? this.idle.splice(i, 1)[0] : undefined;
    if (w === undefined) {
      if (this.all.size >= this.max) {
        throw Object.assign(new Error(`guest pool is full (${this.max} workers)`), { code: 'EAGAIN' });
      }
      w = this.start();
    } else if (w.runs > 0) this.stats.reused++;
    // A busy worker keeps the engine alive, as a running child process would.
    w.worker.ref();
    // Refill off the spawn path: starting a thread here would cost the caller its start-up time.
    if (this.refill && !this.replenishQueued) {
      this.replenishQueued = true;
      setImmediate(() => {
        this.replenishQueued = false;
        this.replenish();
      }).unref();
    }
    return w;
  }

  /** Returns a worker whose process exited cleanly; it becomes idle (unref'd) again. */
  release(w: PooledWorker): void {
    w.onMessage = null;
    w.onDeath = null;
    w.runs++;
    if (this.closed || w.dead) {
      this.discard(w);
      return;
    }
    w.worker.unref();
    this.idle.push(w);
    // Beyond maxIdle an idle worker only costs memory (~8 MiB): end the oldest.
    while (this.idle.length > this.maxIdle) void this.drop(this.idle[0]!);
  }

  /** Terminates a worker (hard kill or fault) and starts a replacement in the background. */
  discard(w: PooledWorker): Promise<void> {
    this.stats.discarded++;
    const p = this.drop(w);
    if (this.refill) this.replenish();
    return p;
  }

  /** Terminates every worker, idle or busy; busy processes see their worker die. */
  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.all].map((w) => this.drop(w)));
  }

  private drop(w: PooledWorker): Promise<void> {
    this.all.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    if (w.dead) return Promise.resolve();
    return w.worker.terminate().then(() => undefined);
  }

  private start(): PooledWorker {
    const w = new PooledWorker(freshBundle(WORKER_URL, WORKER_BUNDLE), this.dataSize);
    this.stats.started++;
    this.all.add(w);
    // A worker that dies while idle leaves the pool.
    w.worker.once('exit', () => {
      if (this.all.has(w) && this.idle.includes(w)) {
        this.all.delete(w);
        this.idle.splice(this.idle.indexOf(w), 1);
        if (this.refill) this.replenish();
      }
    });
    return w;
  }

  private replenish(): void {
    while (!this.closed && this.idle.length < this.warm && this.all.size < this.max) {
      this.idle.push(this.start());
    }
  }
}
