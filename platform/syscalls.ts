// The strategy-independent syscall handler interface (DESIGN.md rule 3). A handler returns its
// result at once or as a Promise (a pending completion) and never blocks a thread: the thread
// strategy turns a pending result into Atomics.wait on the guest's worker, a fiber strategy into a
// suspension of the guest. The same handler object serves both.
//
// Only the calls that need the host cross into a handler. Pure calls (args, environ, clocks,
// random, sched_yield) are served inside the guest's own thread with no round trip.

import { Errno, type FailureErrno } from './wasi_errno.js';
import type { FdStat, PollEvent, Subscription } from './wasi_types.js';
import type { Filestat } from './wasi_fs_types.js';

/** How a guest process ended: its exit code, or the (Linux-numbered) signal that killed it. */
import type { AdoptRecord, DirectOfferBase } from './direct_host.js';

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

/** A corral_v1 call's answer: its integer result and any out-record bytes. */
export interface CorralResult {
  readonly value: number;
  readonly data?: Uint8Array;
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
 * The file calls of WASI preview 1 (paths are raw bytes as the guest gave them). A handler without
 * them serves a process with stdio only: the platform answers each with the errno Linux gives for
 * such an fd (ESPIPE for seeking a pipe, ENOTDIR for a path relative to one, EBADF otherwise).
 */
export interface FileCalls {
  fd_pread(fd: number, maxBytes: number, offset: bigint, ctx: CallContext): SyscallReturn<Uint8Array>;
  fd_pwrite(fd: number, data: Uint8Array, offset: bigint, ctx: CallContext): SyscallReturn<number>;
  /** lseek(2): returns the new offset. */
  fd_seek(fd: number, offset: bigint, whence: number, ctx: CallContext): SyscallReturn<bigint>;
  fd_tell(fd: number, ctx: CallContext): SyscallReturn<bigint>;
  /** Packed witx dirents from `cookie`, at most `bufLen` bytes (the last one may be cut). */
  fd_readdir(fd: number, bufLen: number, cookie: bigint, ctx: CallContext): SyscallReturn<Uint8Array>;
  fd_filestat_get(fd: number, ctx: CallContext): SyscallReturn<Filestat>;
  fd_filestat_set_size(fd: number, size: bigint, ctx: CallContext): SyscallReturn<void>;
  fd_filestat_set_times(
    fd: number,
    atim: bigint,
    mtim: bigint,
    fstflags: number,
    ctx: CallContext,
  ): SyscallReturn<void>;
  fd_fdstat_set_flags(fd: number, flags: number, ctx: CallContext): SyscallReturn<void>;
  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint, ctx: CallContext): SyscallReturn<void>;
  fd_advise(fd: number, offset: bigint, len: bigint, advice: number, ctx: CallContext): SyscallReturn<void>;
  fd_allocate(fd: number, offset: bigint, len: bigint, ctx: CallContext): SyscallReturn<void>;
  fd_sync(fd: number, ctx: CallContext): SyscallReturn<void>;
  fd_datasync(fd: number, ctx: CallContext): SyscallReturn<void>;
  fd_renumber(fd: number, to: number, ctx: CallContext): SyscallReturn<void>;
  /** A preopened directory's guest path (the prestat is built from its length); EBADF otherwise. */
  fd_prestat_get(fd: number, ctx: CallContext): SyscallReturn<Uint8Array>;
  path_create_directory(fd: number, path: Uint8Array, ctx: CallContext): SyscallReturn<void>;
  path_filestat_get(fd: number, flags: number, path: Uint8Array, ctx: CallContext): SyscallReturn<Filestat>;
  path_filestat_set_times(
    fd: number,
    flags: number,
    path: Uint8Array,
    atim: bigint,
    mtim: bigint,
    fstflags: number,
    ctx: CallContext,
  ): SyscallReturn<void>;
  path_link(
    oldFd: number,
    oldFlags: number,
    oldPath: Uint8Array,
    newFd: number,
    newPath: Uint8Array,
    ctx: CallContext,
  ): SyscallReturn<void>;
  /** Returns the new fd. */
  path_open(
    fd: number,
    dirflags: number,
    path: Uint8Array,
    oflags: number,
    rightsBase: bigint,
    rightsInheriting: bigint,
    fdflags: number,
    ctx: CallContext,
  ): SyscallReturn<number>;
  /** The link's target, at most `bufLen` bytes (readlink(2) truncates silently). */
  path_readlink(fd: number, path: Uint8Array, bufLen: number, ctx: CallContext): SyscallReturn<Uint8Array>;
  path_remove_directory(fd: number, path: Uint8Array, ctx: CallContext): SyscallReturn<void>;
  path_rename(
    fd: number,
    oldPath: Uint8Array,
    newFd: number,
    newPath: Uint8Array,
    ctx: CallContext,
  ): SyscallReturn<void>;
  path_symlink(target: Uint8Array, fd: number, path: Uint8Array, ctx: CallContext): SyscallReturn<void>;
  path_unlink_file(fd: number, path: Uint8Array, ctx: CallContext): SyscallReturn<void>;
}

/**
 * The per-process calls a guest makes to its host. One object per running process; the platform
 * calls `dispose` once the process has exited. Unknown fds get EBADF, as on Linux.
 */
export interface ProcessSyscalls extends Partial<FileCalls> {
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
  /**
   * A corral_v1 call (platform/corral_abi.ts). `req` is a private copy of the call's record. A
   * handler without it serves a guest that imports no corral_v1 function (everything is ENOSYS).
   */
  corral?(
    op: number,
    a: number,
    b: number,
    c: number,
    req: Uint8Array,
    ctx: CallContext,
  ): SyscallReturn<CorralResult>;
  /**
   * The direct file service this process's guest thread may use (platform/direct_layout.ts), or
   * undefined for none. Asked when an image starts; the same offer serves every image (exec).
   */
  directOffer?(): DirectOfferBase | undefined;
  /** Takes over a file the guest thread served itself, at the guest's fd `rec.fd` (Sys.FD_ADOPT). */
  fd_adopt?(rec: AdoptRecord, ctx: CallContext): SyscallReturn<void>;
  /** Releases timers, listeners and streams the handler opened; called once, after exit. */
  dispose?(): void;
}
