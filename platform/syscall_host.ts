// The host side of a syscall channel: runs on a thread with an event loop, waits for the guest's
// calls with Atomics.waitAsync (never blocking that thread), decodes them, calls the process's
// ProcessSyscalls handler and writes the answer back. Pending handler results are awaited here
// while the guest stays parked in Atomics.wait on its own thread.

import { Errno } from './wasi_errno.js';
import { Slot, State, Sys } from './syscall_layout.js';
import type { SyscallChannel } from './syscall_channel.js';
import { dispatchFileCall } from './syscall_host_fs.js';
import { decodeAdopt } from './direct_host.js';
import type { CallContext, ExitStatus, ProcessSyscalls, SyscallResult, SyscallReturn } from './syscalls.js';
import {
  EVENT_SIZE,
  FDSTAT_SIZE,
  SUBSCRIPTION_SIZE,
  decodeSubscriptions,
  encodeEvents,
  encodeFdStat,
} from './wasi_types.js';

export interface SyscallHostHooks {
  /** A handler asked for the process to end (e.g. fatal proc_raise); the guest is unwinding. */
  onExitRequested(status: ExitStatus): void;
  /** A handler threw: a fault in Corral's code, not the guest's. The process must be torn down. */
  onFault(err: unknown): void;
}

/** Who a traced call belongs to: set by whoever made the handlers (the process-group actor). */
export interface SyscallTraceTag {
  /** The pid in the sandbox's root PID namespace. */
  readonly pid: number;
  /** A label for the process (its command). */
  readonly name: string;
}

/**
 * Called once per answered call while syscall tracing is on for this thread. Raw numbers only:
 * decoding them to text is the trace actor's job, off this thread's hot path. `data` holds the bytes
 * a write carried or a read returned, or is null; the hook copies the first `dataLen` (at most
 * SYSCALL_TRACE_DATA) during the call and keeps no reference: it may be the channel's own memory.
 */
export type SyscallTraceHook = (
  tag: SyscallTraceTag,
  sys: number,
  a0: number,
  a1: number,
  start: number,
  dur: number,
  errno: number,
  ret: number,
  data: Uint8Array | null,
  dataLen: number,
) => void;

/** Bytes of a write's or read's data kept in its trace (strace shows 32 by default, too). */
export const SYSCALL_TRACE_DATA = 32;

/**
 * performance.timeOrigin is a getter that costs about as much as now() itself, and it is constant for
 * a thread: read once. Origin + now() puts every thread's times on one clock.
 */
const ORIGIN = performance.timeOrigin;

/** This thread's syscall trace hook; null (the common case) costs one comparison per call. */
let traceHook: SyscallTraceHook | null = null;
/**
 * This thread's direct-file gate (direct_layout.ts): non-zero while tracing is on, so that guest
 * threads served here send every call to this thread, where the trace hook sees it.
 */
export const directGate = new Int32Array(new SharedArrayBuffer(4));
/** Tags by handler object, so that the platform needs no new spawn option to name a process. */
const traceTags = new WeakMap<ProcessSyscalls, SyscallTraceTag>();
let untagged = 0;

/** Turns syscall tracing on (a hook) or off (null) for every SyscallHost on this thread. */
export function setSyscallTraceHook(hook: SyscallTraceHook | null): void {
  traceHook = hook;
  // Seq-cst store: a guest thread's load at its next call sees it; a call it makes directly before
  // that is untraced, as a call racing `trace start` may be on Linux's ftrace too.
  Atomics.store(directGate, 0, hook === null ? 0 : 1);
}

/** Names the process a handler object serves in traces; call before spawning. */
export function tagSyscallProcess(handlers: ProcessSyscalls, tag: SyscallTraceTag): void {
  traceTags.set(handlers, tag);
}

/** Encodes a handler's successful value into the channel: returns [RES_VALUE, result bytes]. */
type Encoder<T> = (value: T) => readonly [number, number];

export class SyscallHost {
  /** Owned by this host; the guest only touches it through the protocol in syscall_layout.ts. */
  private readonly channel: SyscallChannel;
  /** The process's handlers; immutable after construction. */
  private readonly handlers: ProcessSyscalls;
  private readonly hooks: SyscallHostHooks;
  /** Set by stop(); once set, no call is answered again. */
  private stopped = false;
  /** The in-flight call's abort controller, or null when no handler is running. */
  private inFlight: AbortController | null = null;
  /** The traced call in flight (owned by this host): its start time, 0 when untraced. */
  private traceStart = 0;
  private traceSys = 0;
  private traceA0 = 0;
  private traceA1 = 0;
  private traceTag: SyscallTraceTag | null = null;

  constructor(channel: SyscallChannel, handlers: ProcessSyscalls, hooks: SyscallHostHooks) {
    this.channel = channel;
    this.handlers = handlers;
    this.hooks = hooks;
  }

  /** Starts serving; returns at once. */
  start(): void {
    this.arm();
  }

  /** Stops serving: aborts an in-flight handler and releases the pending waitAsync. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.inFlight?.abort(new Error('process ended'));
    this.inFlight = null;
    // A waitAsync left pending would keep the channel referenced by V8's waiter list forever.
    this.channel.wake();
  }

  /**
   * A signal arrived for the process: records it in the channel and interrupts a blocking call
   * (its handler sees ctx.signal aborted and answers EINTR, as Linux's read/poll would).
   */
  interrupt(): void {
    this.channel.raiseInterrupt();
    this.inFlight?.abort(new Error('interrupted'));
  }

  /** If the guest is parked in a call, ends it with `status` (it unwinds cleanly). */
  exitIfParked(status: ExitStatus): boolean {
    if (!this.channel.exitPending(status)) return false;
    this.inFlight?.abort(new Error('process killed'));
    this.inFlight = null;
    return true;
  }

  private arm(): void {
    while (!this.stopped) {
      const s = this.channel.state();
      if (s === State.PENDING && this.inFlight === null) {
        if (this.serve()) continue; // answered synchronously: look for the next call at once
        return; // a pending completion re-arms when it settles
      }
      const p = this.channel.waitForChange(s);
      if (p !== null) {
        p.then(
          () => this.arm(),
          (err: unknown) => this.hooks.onFault(err),
        );
        return;
      }
    }
  }

  /** Serves the PENDING call. Returns true when it was answered synchronously. */
  private serve(): boolean {
    const w = this.channel.words;
    const ctl = new AbortController();
    // An interrupt the guest has not consumed yet (it zeroes the INTERRUPT word when it turns to its
    // signals): the call is served with ctx.signal already aborted, so that one which would block
    // answers EINTR at once (Linux checks for pending signals before sleeping). Seq-cst load: pairs
    // with raiseInterrupt's add and the guest's exchange.
    if (Atomics.load(w, Slot.INTERRUPT) !== 0) ctl.abort(new Error('interrupted'));
    this.inFlight = ctl;
    const ctx: CallContext = { signal: ctl.signal };
    try {
      const sys = w[Slot.SYSCALL]!;
      if (traceHook !== null) this.traceBegin(sys);
      const r = this.dispatch(sys, ctx);
      if (r === null) {
        this.finish(ctl, { errno: Errno.NOSYS }, () => [0, 0]);
        return true;
      }
      const [ret, enc] = r;
      if (ret instanceof Promise) {
        ret.then(
          (res) => {
            this.finish(ctl, res, enc);
            this.arm();
          },
          (err: unknown) => this.fault(ctl, err),
        );
        return false;
      }
      this.finish(ctl, ret, enc);
      return true;
    } catch (err) {
      this.fault(ctl, err);
      return false;
    }
  }

  private fault(ctl: AbortController, err: unknown): void {
    if (this.inFlight === ctl) this.inFlight = null;
    if (!this.stopped) this.hooks.onFault(err);
  }

  private finish<T>(ctl: AbortController, res: SyscallResult<T>, enc: Encoder<T>): void {
    // A call whose process was killed, or whose host stopped, is answered by nobody.
    if (this.inFlight !== ctl || this.stopped) return;
    this.inFlight = null;
    if (this.traceStart !== 0) this.traceEnd(res);
    if ('exit' in res) {
      if (this.channel.exitPending(res.exit)) this.hooks.onExitRequested(res.exit);
      return;
    }
    if (res.errno !== Errno.SUCCESS) {
      this.channel.complete(res.errno, 0, 0);
      return;
    }
    const [value, len] = enc((res as { value: T }).value);
    this.channel.complete(Errno.SUCCESS, value, len);
  }

  private traceBegin(sys: number): void {
    const w = this.channel.words;
    this.traceStart = ORIGIN + performance.now();
    this.traceSys = sys;
    this.traceA0 = w[Slot.ARG0]!;
    this.traceA1 = sys === Sys.FD_WRITE ? w[Slot.REQ_LEN]! : w[Slot.ARG1]!;
    if (this.traceTag === null) {
      this.traceTag = traceTags.get(this.handlers) ?? { pid: 0, name: `guest#${++untagged}` };
    }
  }

  /** Reports the call begun by traceBegin; runs before the answer is written, so data is still there. */
  private traceEnd(res: SyscallResult<unknown>): void {
    const start = this.traceStart;
    this.traceStart = 0;
    const hook = traceHook;
    if (hook === null) return;
    const dur = ORIGIN + performance.now() - start;
    const sys = this.traceSys;
    let errno = -1;
    let ret = 0;
    // What the hook copies bytes from, without a copy made here: a read's result, or the channel.
    let data: Uint8Array | null = null;
    let dataLen = 0;
    if (!('exit' in res)) {
      errno = res.errno;
      if (res.errno === Errno.SUCCESS) {
        const v = (res as { value: unknown }).value;
        if (typeof v === 'number') ret = v;
        else if (v instanceof Uint8Array) {
          ret = v.length;
          data = v;
          dataLen = Math.min(v.length, SYSCALL_TRACE_DATA);
        } else if (Array.isArray(v)) ret = v.length;
        else if (typeof (v as { value?: unknown } | null)?.value === 'number')
          ret = (v as { value: number }).value;
      }
    }
    if (sys === Sys.FD_WRITE) {
      data = this.channel.data;
      dataLen = Math.max(0, Math.min(this.traceA1, SYSCALL_TRACE_DATA, this.channel.dataSize));
    }
    hook(this.traceTag!, sys, this.traceA0, this.traceA1, start, dur, errno, ret, data, dataLen);
  }

  /** Decodes the call and runs its handler; null for an unknown syscall number. */
  private dispatch(sys: number, ctx: CallContext): [SyscallReturn<never>, Encoder<never>] | null {
    const ch = this.channel;
    const w = ch.words;
    const h = this.handlers;
    const a0 = w[Slot.ARG0]!;
    switch (sys) {
      case Sys.FD_WRITE: {
        const len = Math.min(w[Slot.REQ_LEN]!, ch.dataSize);
        // slice() copies out of shared memory: the handler may keep the bytes after we answer.
        return pair(h.fd_write(a0, ch.data.slice(0, len), ctx), (n) => [n, 0]);
      }
      case Sys.FD_READ: {
        const max = Math.max(0, Math.min(w[Slot.ARG1]!, ch.dataSize));
        return pair(h.fd_read(a0, max, ctx), (bytes) => {
          const n = Math.min(bytes.length, max);
          ch.data.set(bytes.subarray(0, n), 0);
          return [n, n];
        });
      }
      case Sys.FD_FDSTAT_GET:
        return pair(h.fd_fdstat_get(a0, ctx), (st) => {
          encodeFdStat(ch.view, 0, st);
          return [0, FDSTAT_SIZE];
        });
      case Sys.FD_CLOSE:
        return pair(h.fd_close(a0, ctx), () => [0, 0]);
      case Sys.POLL_ONEOFF: {
        const n = a0;
        if (n <= 0 || n * SUBSCRIPTION_SIZE > ch.dataSize) return pair({ errno: Errno.INVAL }, () => [0, 0]);
        const subs = decodeSubscriptions(ch.view, 0, n);
        return pair(h.poll_oneoff(subs, ctx), (events) => {
          const k = Math.min(events.length, Math.floor(ch.dataSize / EVENT_SIZE), n);
          encodeEvents(ch.view, 0, events.slice(0, k));
          return [k, k * EVENT_SIZE];
        });
      }
      case Sys.PROC_RAISE:
        return pair(h.proc_raise(a0, ctx), () => [0, 0]);
      case Sys.FD_ADOPT: {
        const rec = decodeAdopt(ch.data.slice(0, Math.min(w[Slot.REQ_LEN]!, ch.dataSize)));
        if (h.fd_adopt === undefined || rec === null) return pair({ errno: Errno.INVAL }, () => [0, 0]);
        return pair(h.fd_adopt(rec, ctx), () => [0, 0]);
      }
      case Sys.CORRAL: {
        if (h.corral === undefined) return null;
        const len = Math.min(w[Slot.REQ_LEN]!, ch.dataSize);
        const req = ch.data.slice(0, len);
        return pair(h.corral(a0, w[Slot.ARG1]!, w[Slot.ARG2]!, w[Slot.ARG3]!, req, ctx), (r) => {
          const n = r.data === undefined ? 0 : Math.min(r.data.length, ch.dataSize);
          if (n > 0) ch.data.set(r.data!.subarray(0, n), 0);
          return [r.value, n];
        });
      }
      default:
        // The file calls (FD_PREAD and up) decode alike: see syscall_host_fs.ts.
        return dispatchFileCall(ch, h, sys, ctx);
    }
  }
}

function pair<T>(ret: SyscallReturn<T>, enc: Encoder<T>): [SyscallReturn<never>, Encoder<never>] {
  return [ret as SyscallReturn<never>, enc as Encoder<never>];
}
