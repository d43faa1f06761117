// Messages between the thread strategy's pool (host side) and its guest workers.

import type { WireError } from '../../bridge/errors.js';
import type { ExitStatus } from '../syscalls.js';
import type { WasmModule } from '../wasm_api.js';
import type { DirectOffer } from '../direct_host.js';

/** workerData of a guest worker; immutable for the worker's life. */
export interface GuestWorkerData {
  /** The worker's syscall channel, reused by each process it runs (one at a time). */
  readonly sab: SharedArrayBuffer;
}

/** Host → worker: run one process. */
export interface RunMessage {
  readonly type: 'run';
  /** Identifies the run, so that late messages of a previous run are recognised. */
  readonly runId: number;
  readonly module: WasmModule;
  readonly corralImports: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly string[];
  /** The direct file service the process may use (direct_layout.ts); absent: every call crosses. */
  readonly direct?: DirectOffer;
}

/** Worker → host. */
export type WorkerMessage =
  /** The worker loaded its code; `tid` is its kernel thread id (0 when unknown), for CPU accounting. */
  | { readonly type: 'ready'; readonly tid: number }
  | { readonly type: 'exit'; readonly runId: number; readonly status: ExitStatus }
  /** The run failed in Corral's own code (instantiation, an internal error): a host fault. */
  | { readonly type: 'fault'; readonly runId: number; readonly error: WireError };
