// The wasi_snapshot_preview1 import object of a guest run by the thread strategy. Pure calls are
// served locally (wasi_local.ts); stdio, poll, proc_raise and the file calls (wasi_fs_imports.ts)
// are marshalled into the syscall channel and this thread blocks in Atomics.wait until the host
// answers. Every preview 1 function is present, so any WASI module links; socket calls, which a
// later issue implements, return the errno Linux would give for fds 0..2, or EBADF.

import { Errno } from '../wasi_errno.js';
import { GuestMemory, localCalls } from '../wasi_local.js';
import { SyscallChannel } from '../syscall_channel.js';
import { Slot, State, Sys } from '../syscall_layout.js';
import type { ExitStatus } from '../syscalls.js';
import { EVENT_SIZE, FDSTAT_SIZE, SUBSCRIPTION_SIZE } from '../wasi_types.js';
import { WASI_FUNCTIONS } from '../wasi_functions.js';
import { fsImports } from './wasi_fs_imports.js';
import { routeDirect, type DirectFileService } from './direct_imports.js';
import { corralImports, deliverSignals } from './corral_imports.js';
import { SIGNAL_ENTRY } from '../corral_abi.js';
import { POLL_FLAG_EXPORT } from '../instrument.js';
import { Wasm, type WasmGlobal } from '../wasm_api.js';

/** Thrown through the guest's frames to end it (proc_exit, or the host's EXITING answer). */
export class GuestExit {
  constructor(readonly status: ExitStatus) {}
}

type Fn = (...args: never[]) => number;
type A = never;
/** Any import, called with MAX_ARITY arguments (the missing ones undefined, as JavaScript does). */
export type Fn9 = (a0: A, a1: A, a2: A, a3: A, a4: A, a5: A, a6: A, a7: A, a8: A) => number;
/** The most parameters an import has (path_open's nine). */
export const MAX_ARITY = 9;

export interface ThreadImports {
  readonly imports: Record<string, Fn>;
  /** The corral_v1 functions the module imports. */
  readonly corral: Record<string, Fn>;
  /** The memory views; the runner sets `mem.memory` once the instance exists. */
  readonly mem: GuestMemory;
  /** The runner hands over the instance's exports (signal entry point, loop budget) once it exists. */
  setExports(exports: Record<string, unknown>): void;
  /** The image's direct file service; the runner closes it when the image ends. */
  readonly direct: DirectFileService | null;
}

/**
 * Calls Linux restarts after a handler with SA_RESTART (signal(7), "Interruption of system calls");
 * with no handler at all (a stop, or an ignored signal), every interrupted call is restarted.
 */
const RESTARTABLE = new Set(['fd_read', 'fd_write', 'fd_pread', 'fd_pwrite', 'proc_wait']);

/** Errno for a call served nowhere yet (sockets), on fd `fd`. */
function unsupportedOn(fd: number, forStdio: Errno): number {
  return fd >= 0 && fd <= 2 ? forStdio : Errno.BADF;
}

export function threadImports(
  ch: SyscallChannel,
  args: readonly string[],
  env: readonly string[],
  corralNames: readonly string[] = [],
  /** Makes the image's direct file service over its memory (direct_imports.ts), if it has one. */
  direct: ((mem: GuestMemory) => DirectFileService) | null = null,
): ThreadImports {
  const mem = new GuestMemory();
  const w = ch.words;
  mem.onResize = (bytes) => {
    w[Slot.MEM_PAGES] = bytes >>> 16;
  };
  const started = process.hrtime.bigint();
  /** ns this thread spent parked waiting for the host: not CPU time. */
  let blocked = 0n;
  const local = localCalls(mem, args, env, () => process.hrtime.bigint() - started - blocked);

  /** The instrumented loops' poll flag, when the module has one (instrument.ts). */
  let polling: WasmGlobal | null = null;

  /** One round trip; returns the errno. The caller reads RES_* and data, then ch.release(). */
  const call = (sys: Sys, a0: number, a1: number, reqLen: number): number => {
    w[Slot.SYSCALL] = sys;
    w[Slot.ARG0] = a0;
    w[Slot.ARG1] = a1;
    w[Slot.REQ_LEN] = reqLen;
    const t0 = process.hrtime.bigint();
    const s = ch.callBlocking();
    blocked += process.hrtime.bigint() - t0;
    if (s === State.EXITING) throw new GuestExit(ch.exitStatus());
    return w[Slot.RES_ERRNO]!;
  };

  const fd_write = (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number => {
    const u8 = mem.u8;
    const v = mem.view;
    const cap = ch.dataSize;
    let total = 0;
    let fill = 0;
    // Flushes the data area; returns false when the write must stop (error or short write).
    const flush = (): number | null => {
      const errno = call(Sys.FD_WRITE, fd, 0, fill);
      const n = errno === Errno.SUCCESS ? w[Slot.RES_VALUE]! : 0;
      ch.release();
      if (errno !== Errno.SUCCESS) return total > 0 ? null : errno; // bytes already out count
      total += n;
      const short = n < fill;
      fill = 0;
      return short ? null : Errno.SUCCESS;
    };
    for (let i = 0; i < iovsLen; i++) {
      let ptr = v.getUint32(iovs + i * 8, true);
      let len = v.getUint32(iovs + i * 8 + 4, true);
      if (ptr + len > u8.length) return Errno.FAULT;
      // Large writes go through the data area in several round trips (each at most its size).
      while (len > 0) {
        const k = Math.min(len, cap - fill);
        ch.data.set(u8.subarray(ptr, ptr + k), fill);
        fill += k;
        ptr += k;
        len -= k;
        if (fill === cap) {
          const r = flush();
          if (r === null) return finishWrite(total, nwrittenPtr);
          if (r !== Errno.SUCCESS) return r;
        }
      }
    }
    // The last (or only) chunk; a zero-length write still crosses, so a bad fd reports EBADF.
    if (fill > 0 || total === 0) {
      const r = flush();
      if (r !== null && r !== Errno.SUCCESS) return r;
    }
    return finishWrite(total, nwrittenPtr);
  };
  const finishWrite = (total: number, ptr: number) => {
    mem.view.setUint32(ptr, total, true);
    return Errno.SUCCESS;
  };

  const fd_read = (fd: number, iovs: number, iovsLen: number, nreadPtr: number): number => {
    const v = mem.view;
    let want = 0;
    for (let i = 0; i < iovsLen; i++) want += v.getUint32(iovs + i * 8 + 4, true);
    // One round trip: read(2) may return fewer bytes than asked, and callers loop.
    const errno = call(Sys.FD_READ, fd, Math.min(want, ch.dataSize), 0);
    if (errno !== Errno.SUCCESS) {
      ch.release();
      return errno;
    }
    const n = w[Slot.RES_LEN]!;
    const u8 = mem.u8;
    let off = 0;
    for (let i = 0; i < iovsLen && off < n; i++) {
      const ptr = v.getUint32(iovs + i * 8, true);
      const k = Math.min(v.getUint32(iovs + i * 8 + 4, true), n - off);
      u8.set(ch.data.subarray(off, off + k), ptr);
      off += k;
    }
    ch.release();
    v.setUint32(nreadPtr, n, true);
    return Errno.SUCCESS;
  };

  const fd_fdstat_get = (fd: number, statPtr: number): number => {
    const errno = call(Sys.FD_FDSTAT_GET, fd, 0, 0);
    if (errno === Errno.SUCCESS) mem.u8.set(ch.data.subarray(0, FDSTAT_SIZE), statPtr);
    ch.release();
    return errno;
  };

  const poll_oneoff = (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number => {
    // poll(2) with no subscriptions would sleep forever; WASI runtimes answer EINVAL.
    if (nsubs === 0 || nsubs * SUBSCRIPTION_SIZE > ch.dataSize) return Errno.INVAL;
    ch.data.set(mem.u8.subarray(inPtr, inPtr + nsubs * SUBSCRIPTION_SIZE), 0);
    const errno = call(Sys.POLL_ONEOFF, nsubs, 0, nsubs * SUBSCRIPTION_SIZE);
    if (errno === Errno.SUCCESS) {
      const n = w[Slot.RES_VALUE]!;
      mem.u8.set(ch.data.subarray(0, n * EVENT_SIZE), outPtr);
      mem.view.setUint32(neventsPtr, n, true);
    }
    ch.release();
    return errno;
  };

  const simple = (sys: Sys) => (a0: number) => {
    const errno = call(sys, a0, 0, 0);
    ch.release();
    return errno;
  };

  const impl: Record<string, Fn> = {
    ...(local as unknown as Record<string, Fn>),
    fd_write,
    fd_read,
    fd_fdstat_get,
    fd_close: simple(Sys.FD_CLOSE),
    poll_oneoff,
    proc_raise: simple(Sys.PROC_RAISE),
    proc_exit: (code: number) => {
      // An instrumented loop's poll (instrument.ts): only a poll raises the flag.
      if (polling !== null && polling.value === 1) {
        // Seq-cst load, as at a syscall boundary: a signal raised after it is seen at the next poll.
        if (Atomics.load(w, Slot.INTERRUPT) !== 0) deliverSignals(ch, call, entry);
        return 0;
      }
      // exit(3): the parent sees the low 8 bits of the status.
      throw new GuestExit({ code: code & 0xff });
    },
    // The file calls: marshalled alike; a handler without them answers as Linux does for stdio.
    ...fsImports(ch, mem, call),
    ...Object.fromEntries(
      WASI_FUNCTIONS.filter((n) => n.startsWith('sock_')).map((n) => [
        n,
        (fd: number) => unsupportedOn(fd, Errno.NOTSOCK),
      ]),
    ),
  };
  const corralRaw = corralImports(ch, mem, call, corralNames);
  const service = direct === null ? null : direct(mem);
  if (service !== null) routeDirect(impl, corralRaw, service, ch, call, mem);
  let entry: ((handler: number, sig: number) => void) | null = null;
  // Every import ends at a syscall boundary: pending signals are acted on there, after the call's
  // results are in guest memory, and an interrupted call is restarted when Linux would restart it.
  // A guest pointer outside its memory makes a view throw RangeError: that is EFAULT, not a crash.
  // Fixed parameters, passed on as they are: no rest array and spread per call (MAX_ARITY).
  const wrap = (name: string, f: Fn): Fn => {
    if (f.length > MAX_ARITY) throw new Error(`internal: ${name} takes more than ${MAX_ARITY} arguments`);
    const g = f as Fn9;
    return ((a0: A, a1: A, a2: A, a3: A, a4: A, a5: A, a6: A, a7: A, a8: A) => {
      // Signals that arrived while the guest ran wasm: their handlers run before the call is made,
      // as Linux runs them on the way back to user mode (the call itself is not interrupted).
      // Seq-cst loads: pair with the host's Atomics.add in raiseInterrupt.
      if (Atomics.load(w, Slot.INTERRUPT) !== 0) deliverSignals(ch, call, entry);
      for (;;) {
        let r: number;
        try {
          r = g(a0, a1, a2, a3, a4, a5, a6, a7, a8);
        } catch (err) {
          if (err instanceof RangeError && !/call stack/.test(err.message)) r = Errno.FAULT;
          else throw err;
        }
        if (Atomics.load(w, Slot.INTERRUPT) === 0) return r;
        const d = deliverSignals(ch, call, entry);
        if (d === null) {
          // No kernel: the interrupt was news for a blocking call; once one reported EINTR, it is spent.
          if (r === Errno.INTR) Atomics.store(w, Slot.INTERRUPT, 0);
          return r;
        }
        if (r === Errno.INTR && (!d.handled || (d.restart && RESTARTABLE.has(name)))) continue;
        return r;
      }
    }) as Fn;
  };
  const imports: Record<string, Fn> = {};
  for (const name of WASI_FUNCTIONS) {
    const f = impl[name];
    if (!f) throw new Error(`internal: WASI function ${name} has no implementation`);
    imports[name] = name === 'proc_exit' ? f : wrap(name, f);
  }
  const corral: Record<string, Fn> = {};
  for (const [name, f] of Object.entries(corralRaw)) {
    corral[name] = wrap(name, f);
  }
  return {
    imports,
    corral,
    mem,
    direct: service,
    setExports: (exports) => {
      const e = exports[SIGNAL_ENTRY];
      entry = typeof e === 'function' ? (e as (handler: number, sig: number) => void) : null;
      const p = exports[POLL_FLAG_EXPORT];
      polling = p instanceof Wasm.Global ? (p as WasmGlobal) : null;
    },
  };
}
