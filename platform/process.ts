// What every execution strategy gives the layers above (process-group actors, the Loader): a
// running guest process with an exit promise, kill and interrupt. Strategy-independent.

import type { GuestModule } from './module.js';
import type { StdioBindings } from './stdio.js';
import type { ExitStatus, ProcessSyscalls } from './syscalls.js';

export interface SpawnOptions {
  /** argv, including argv[0]. */
  readonly args: readonly string[];
  /** environ, as KEY=VALUE strings (OCI process.env form). */
  readonly env?: readonly string[];
  /**
   * The process's syscall handlers. When absent, a StdioSyscalls over `stdio` is made. The process
   * owns the object: it calls `dispose()` once the guest has exited.
   */
  readonly syscalls?: ProcessSyscalls;
  /** Stdio bindings for the default handlers (ignored when `syscalls` is given). */
  readonly stdio?: StdioBindings;
}

/** What a process has used, as Linux accounts a task (cpuacct) and its memory (RSS-like). */
export interface GuestUsage {
  /** CPU time of the process's thread, in ns; 0 when the platform cannot measure it. */
  readonly cpuNs: number;
  /** Bytes of its linear memory, as of its last syscall (memory grows only at the guest's request). */
  readonly memoryBytes: number;
}

export interface GuestProcess {
  /** Resolves once the guest has ended and its resources are released; rejects on a host fault. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Ends the process by `signal` (Linux number, default SIGKILL 9): a guest parked in a syscall
   * unwinds at once; a guest running wasm has its thread terminated. No-op after exit.
   */
  kill(signal?: number): void;
  /**
   * A signal is pending for the process: a blocking call in progress completes with EINTR and the
   * channel's INTERRUPT word counts it (delivery to guest handlers comes with issue 5).
   */
  interrupt(): void;
  /** Resources used so far; after exit, the totals. */
  usage(): GuestUsage;
}

export interface ExecutionStrategy {
  spawn(module: GuestModule, opts: SpawnOptions): GuestProcess;
  close(): Promise<void>;
}

/** The shell's view of an exit status: the code, or 128 + signal. */
export function exitStatusCode(s: ExitStatus): number {
  return 'signal' in s ? 128 + s.signal : s.code;
}
