// The strategy-independent syscall handler interface (DESIGN.md rule 3). A handler returns its
// result at once or as a Promise (a pending completion) and never blocks a thread: the thread
// strategy turns a pending result into Atomics.wait on the guest's worker, a fiber strategy into a
// suspension of the guest. The same handler object serves both.
//
// Only the calls that need the host cross into a handler. Pure calls (args, environ, clocks,
// random, sched_yield) are served inside the guest's own thread with no round trip.

import { Errno, type FailureErrno } from './wasi_errno.js';
import type { FdStat, PollEvent, Subscription } from './wasi_types.js';

/** How a guest process ended: its exit code, or the (Linux-numbered) signal that killed it. */
export type ExitStatus =
  | { readonly code: number }
  | { readonly signal: number; /** set when a wasm trap caused it */ readonly trap?: string };

/** A syscall's outcome: a value, an errno, or "the process ends now" (e.g. a fatal proc_raise). */
export type SyscallResult<T> =
  | { readonly errno: Errno.SUCCESS; readonly value: T }
  | { readonly errno: FailureErrno }
  | { readonly exit: ExitStatus };

/** What a handler returns: a result now, or a pending completion. */
export type SyscallReturn<T> = SyscallResult<T> | Promise<SyscallResult<T>>;

export function ok<T>(value: T): SyscallResult<T> {
  return { errno: Errno.SUCCESS, value };
}

export function fail(errno: FailureErrno): { readonly errno: FailureErrno } {
  return { errno };
}

/** Per-call context handed to every handler by the platform. */
export interface CallContext {
  /**
   * Aborted when the call must give up: a signal arrived for the process (the handler should
   * complete with EINTR, as Linux interrupts a blocking read or poll) or the process was killed
   * (the result is then ignored). Handlers that wait must stop waiting, clear timers and detach
   * listeners on abort, so that nothing is left behind.
   */
  readonly signal: AbortSignal;
}

/**
 * The per-process calls a guest makes to its host. One object per running process; the platform
 * calls `dispose` once the process has exited. Unknown fds get EBADF, as on Linux.
 */
export interface ProcessSyscalls {
  /** write(2): returns bytes written; `data` is a private copy the handler may keep. */
  fd_write(fd: number, data: Uint8Array, ctx: CallContext): SyscallReturn<number>;
  /** read(2): at most `maxBytes`; an empty array means end of file. */
  fd_read(fd: number, maxBytes: number, ctx: CallContext): SyscallReturn<Uint8Array>;
  fd_fdstat_get(fd: number, ctx: CallContext): SyscallReturn<FdStat>;
  /** close(2) of the guest's descriptor (never the host's underlying fd). */
  fd_close(fd: number, ctx: CallContext): SyscallReturn<void>;
  /**
   * poll(2)-like: waits until at least one subscription fires. A null entry is a subscription with
   * an unknown tag (the handler reports EINVAL for it). Never called with an empty list.
   */
  poll_oneoff(subs: readonly (Subscription | null)[], ctx: CallContext): SyscallReturn<PollEvent[]>;
  /** raise(3) with a WASI signal number (see WasiSignal). */
  proc_raise(sig: number, ctx: CallContext): SyscallReturn<void>;
  /** Releases timers, listeners and streams the handler opened; called once, after exit. */
  dispose?(): void;
}
