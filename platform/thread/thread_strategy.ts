// The thread strategy: each running guest process gets a worker thread from a warm pool and
// blocks there in Atomics.wait on its syscalls, which this (host) thread serves with the process's
// ProcessSyscalls handlers. Spawning posts the compiled module to an idle worker: it neither
// starts a thread nor compiles anything.

import { fromWireError } from '../../bridge/errors.js';
import type { GuestModule } from '../module.js';
import type { ExecutionStrategy, GuestProcess, GuestUsage, SpawnOptions } from '../process.js';
import { Slot } from '../syscall_layout.js';
import { threadCpuNs } from '../thread_cpu.js';
import { SyscallHost, directGate } from '../syscall_host.js';
import { reclaimDirect } from '../direct_host.js';
import type { ExitStatus, ProcessSyscalls } from '../syscalls.js';
import { StdioSyscalls } from '../wasi_handlers.js';
import { GuestPool, type GuestPoolOptions, type PooledWorker } from './guest_pool.js';
import type { RunMessage, WorkerMessage } from './messages.js';

const SIGKILL = 9;
/** How long a guest parked in a syscall gets to unwind after a kill before its thread is ended. */
const UNWIND_GRACE_MS = 1000;

let nextRunId = 1;

class ThreadGuestProcess implements GuestProcess {
  readonly exited: Promise<ExitStatus>;
  private resolveExit!: (s: ExitStatus) => void;
  private rejectExit!: (e: unknown) => void;
  /** Set once the process has ended; owned by this object. */
  private done = false;
  /** Armed while a killed guest unwinds out of its syscall; owned by this object. */
  private graceTimer: NodeJS.Timeout | undefined;
  /** Tags this run's worker messages; immutable. */
  private readonly runId = nextRunId++;
  /** Serves this process's syscalls on the worker's channel; owned by this object, stopped at exit. */
  private readonly host: SyscallHost;
  /**
   * The worker thread's CPU time when this process began on it (the worker is reused, so its
   * thread's total is not the process's); -1 until known: a cold worker tells its tid when ready.
   */
  private cpuStart = -1;
  /** The totals, frozen when the process ends; owned by this object. */
  private final: GuestUsage | null = null;
  /** The fd map of the direct file service, when offered (direct_layout.ts); immutable. */
  private readonly directMap: Int32Array | null;
  /** The addon the guest's direct file service may open fds with (reclaimDirect); immutable. */
  private readonly directNative: string | undefined;

  constructor(
    private readonly pool: GuestPool,
    private readonly w: PooledWorker,
    private readonly handlers: ProcessSyscalls,
    mod: GuestModule,
    opts: SpawnOptions,
  ) {
    this.exited = new Promise((res, rej) => {
      this.resolveExit = res;
      this.rejectExit = rej;
    });
    w.channel.reset();
    this.host = new SyscallHost(w.channel, handlers, {
      // The guest unwinds and reports the same status through its 'exit' message.
      onExitRequested: () => undefined,
      onFault: (err) => this.fault(err),
    });
    w.onMessage = (m) => this.onMessage(m);
    w.onDeath = (err) => this.onDeath(err);
    if (w.isReady) this.cpuStart = threadCpuNs(w.tid);
    else w.onReady = () => (this.cpuStart = threadCpuNs(w.tid));
    this.host.start();
    const direct = handlers.directOffer?.();
    this.directMap = direct?.map ?? null;
    this.directNative = direct?.native;
    const msg: RunMessage = {
      type: 'run',
      runId: this.runId,
      module: mod.module,
      corralImports: mod.corralImports,
      args: opts.args,
      env: opts.env ?? [],
      ...(direct !== undefined ? { direct: { ...direct, gate: directGate } } : {}),
    };
    w.worker.postMessage(msg);
  }

  kill(signal = SIGKILL): void {
    // Already unwinding from an earlier kill: its status stands, as the first fatal signal does.
    if (this.done || this.graceTimer !== undefined) return;
    const status: ExitStatus = { signal };
    // A guest parked in a syscall unwinds through its own code: its worker stays reusable.
    if (this.host.exitIfParked(status)) {
      this.graceTimer = setTimeout(() => this.hardKill(status), UNWIND_GRACE_MS);
      this.graceTimer.unref();
      return;
    }
    this.hardKill(status);
  }

  interrupt(): void {
    if (!this.done) this.host.interrupt();
  }

  usage(): GuestUsage {
    if (this.final !== null) return this.final;
    const now = this.cpuStart < 0 ? 0 : threadCpuNs(this.w.tid);
    return {
      cpuNs: Math.max(0, now - Math.max(0, this.cpuStart)),
      // Plain read of a word the guest writes with a plain store: any recent value will do.
      memoryBytes: this.w.channel.words[Slot.MEM_PAGES]! * 65536,
    };
  }

  /** Ends a guest running wasm: only terminating its thread can stop a loop. */
  private hardKill(status: ExitStatus): void {
    if (this.done) return;
    const w = this.w;
    this.end();
    void this.pool.discard(w).then(() => {
      this.reclaim();
      this.resolveExit(status);
    });
  }

  /** Closes what a guest thread that did not finish its own clean-up still held (direct files). */
  private reclaim(): void {
    if (this.directMap !== null) reclaimDirect(this.directMap, this.directNative);
  }

  private onMessage(m: WorkerMessage): void {
    if (this.done || m.type === 'ready' || m.runId !== this.runId) return;
    if (m.type === 'exit') {
      this.end();
      // The guest closed its direct files before it reported; this only checks.
      this.reclaim();
      this.pool.release(this.w);
      this.resolveExit(m.status);
    } else {
      this.fault(fromWireError(m.error));
    }
  }

  private onDeath(err: Error | null): void {
    if (this.done) return;
    // The pool closing ends its busy workers: for the guest that is SIGKILL, not a fault.
    if (this.pool.isClosed && err === null) {
      this.end();
      this.reclaim();
      this.resolveExit({ signal: SIGKILL });
      return;
    }
    this.fault(err ?? new Error('guest worker thread exited unexpectedly'));
  }

  /** A fault in Corral's code (rule 5): the process is torn down and the caller told why. */
  private fault(err: unknown): void {
    if (this.done) return;
    const w = this.w;
    this.end();
    void this.pool.discard(w).then(() => {
      this.reclaim();
      this.rejectExit(err);
    });
  }

  private end(): void {
    // Before the worker goes back to the pool (or is terminated): its thread is still this process's.
    this.final = this.usage();
    this.w.onReady = null;
    this.done = true;
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer);
    this.w.onMessage = null;
    this.w.onDeath = null;
    this.host.stop();
    this.handlers.dispose?.();
  }
}

export interface ThreadStrategyOptions extends GuestPoolOptions {
  /** A pool to share; when absent the strategy makes (and closes) its own. */
  readonly pool?: GuestPool;
}

export class ThreadStrategy implements ExecutionStrategy {
  /** The worker pool; owned by this strategy unless passed in. */
  readonly pool: GuestPool;
  private readonly ownsPool: boolean;

  constructor(opts: ThreadStrategyOptions = {}) {
    this.ownsPool = opts.pool === undefined;
    this.pool = opts.pool ?? new GuestPool(opts);
  }

  /** Starts `module` as a new process. Throws (code EAGAIN/ECLOSED) when the pool cannot lend a worker. */
  spawn(module: GuestModule, opts: SpawnOptions): GuestProcess {
    const w = this.pool.acquire();
    const handlers = opts.syscalls ?? new StdioSyscalls(opts.stdio);
    return new ThreadGuestProcess(this.pool, w, handlers, module, opts);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}
