// The corral_v1 import object of a guest run by the thread strategy (docs/corral_v1.md), and the
// delivery of signals at the guest's syscall boundaries. Every call crosses the channel as
// Sys.CORRAL with its op in ARG0; the Loader's kernel decides it (via the process-group actor).

import { Errno } from '../wasi_errno.js';
import type { GuestMemory } from '../wasi_local.js';
import type { SyscallChannel } from '../syscall_channel.js';
import { Slot, Sys } from '../syscall_layout.js';
import { CORRAL_FUNCTIONS, CorralOp, SA_RESTART, SIGACTION_SIZE } from '../corral_abi.js';

type Fn = (...args: never[]) => number;
/** One round trip (wasi_imports.ts's `call`): returns the errno; the caller then releases. */
export type ChannelCall = (sys: Sys, a0: number, a1: number, reqLen: number) => number;

/**
 * Builds the corral_v1 functions the module imports. `names` were checked against
 * CORRAL_FUNCTIONS when the module was loaded.
 */
export function corralImports(
  ch: SyscallChannel,
  mem: GuestMemory,
  call: ChannelCall,
  names: readonly string[],
): Record<string, Fn> {
  const w = ch.words;
  /** A corral call: op and up to three integers; `req` bytes go to the data area first. */
  const cc = (op: CorralOp, a = 0, b = 0, c = 0, req?: Uint8Array): number => {
    let len = 0;
    if (req !== undefined) {
      if (req.length > ch.dataSize) return Errno.TOOBIG;
      ch.data.set(req, 0);
      len = req.length;
    }
    w[Slot.ARG2] = b;
    w[Slot.ARG3] = c;
    return call(Sys.CORRAL, op, a, len);
  };
  /** Ends a call: on success stores RES_VALUE at `ptr` (when given). */
  const done = (errno: number, ptr?: number): number => {
    if (errno === Errno.SUCCESS && ptr !== undefined) mem.view.setInt32(ptr, w[Slot.RES_VALUE]!, true);
    ch.release();
    return errno;
  };
  /** Copies `n` result bytes to `ptr` (when non-zero) and releases. */
  const doneBytes = (errno: number, ptr: number, n: number): number => {
    if (errno === Errno.SUCCESS && ptr !== 0) mem.u8.set(ch.data.subarray(0, n), ptr);
    ch.release();
    return errno;
  };
  const guestBytes = (ptr: number, n: number): Uint8Array => {
    if (ptr + n > mem.u8.length) throw new RangeError('guest pointer out of bounds');
    return mem.u8.slice(ptr, ptr + n);
  };

  const impl: Record<string, Fn> = {
    proc_id: (ret: number) => done(cc(CorralOp.PROC_ID), ret),
    proc_parent: (pid: number, ret: number) => done(cc(CorralOp.PROC_PARENT, pid), ret),
    proc_getpgid: (pid: number, ret: number) => done(cc(CorralOp.PROC_GETPGID, pid), ret),
    proc_setpgid: (pid: number, pgid: number) => done(cc(CorralOp.PROC_SETPGID, pid, pgid)),
    proc_getsid: (pid: number, ret: number) => done(cc(CorralOp.PROC_GETSID, pid), ret),
    proc_setsid: (ret: number) => done(cc(CorralOp.PROC_SETSID), ret),
    proc_signal: (pid: number, sig: number) => done(cc(CorralOp.PROC_SIGNAL, pid, sig)),
    proc_spawn: (req: number, len: number, ret: number) =>
      done(cc(CorralOp.PROC_SPAWN, 0, 0, 0, guestBytes(req, len >>> 0)), ret),
    // On success the host ends this instance and starts the new image under the same pid.
    proc_exec: (req: number, len: number) =>
      done(cc(CorralOp.PROC_EXEC, 0, 0, 0, guestBytes(req, len >>> 0))),
    proc_wait: (pid: number, options: number, retPid: number, retStatus: number) => {
      const errno = cc(CorralOp.PROC_WAIT, pid, options);
      if (errno === Errno.SUCCESS) {
        mem.view.setInt32(retPid, w[Slot.RES_VALUE]!, true);
        mem.view.setInt32(retStatus, ch.view.getInt32(0, true), true);
      }
      ch.release();
      return errno;
    },
    proc_sigaction: (sig: number, act: number, oldact: number) => {
      const req = act !== 0 ? guestBytes(act, SIGACTION_SIZE) : undefined;
      return doneBytes(cc(CorralOp.PROC_SIGACTION, sig, act !== 0 ? 1 : 0, 0, req), oldact, SIGACTION_SIZE);
    },
    proc_sigmask: (how: number, set: number, oldset: number) => {
      const req = set !== 0 ? guestBytes(set, 8) : undefined;
      return doneBytes(cc(CorralOp.PROC_SIGMASK, how, set !== 0 ? 1 : 0, 0, req), oldset, 8);
    },
    proc_sigpending: (ret: number) => doneBytes(cc(CorralOp.PROC_SIGPENDING), ret, 8),
    proc_sigsuspend: (mask: number) => done(cc(CorralOp.PROC_SIGSUSPEND, 0, 0, 0, guestBytes(mask, 8))),
    proc_alarm: (seconds: number, ret: number) => done(cc(CorralOp.PROC_ALARM, seconds), ret),
    fd_pipe: (rfd: number, wfd: number) => {
      const errno = cc(CorralOp.FD_PIPE);
      if (errno === Errno.SUCCESS) {
        mem.view.setInt32(rfd, ch.view.getInt32(0, true), true);
        mem.view.setInt32(wfd, ch.view.getInt32(4, true), true);
      }
      ch.release();
      return errno;
    },
    fd_dup: (fd: number, ret: number) => done(cc(CorralOp.FD_DUP, fd), ret),
    fd_dup2: (fd: number, newfd: number) => done(cc(CorralOp.FD_DUP2, fd, newfd)),
    tty_get_pgrp: (fd: number, ret: number) => done(cc(CorralOp.TTY_GET_PGRP, fd), ret),
    tty_set_pgrp: (fd: number, pgid: number) => done(cc(CorralOp.TTY_SET_PGRP, fd, pgid)),
  };
  const out: Record<string, Fn> = {};
  for (const n of names) {
    if (CORRAL_FUNCTIONS[n] === undefined || impl[n] === undefined) {
      throw new Error(`internal: corral_v1 function ${n} passed the module check but has no implementation`);
    }
    out[n] = impl[n];
  }
  return out;
}

/** What running the pending signal actions did, for the restart decision. */
export interface Delivered {
  /** A handler ran. */
  handled: boolean;
  /** Every handler that ran had SA_RESTART. */
  restart: boolean;
}

/**
 * Runs the signal actions pending for this process, at a syscall boundary (Linux's
 * arch/x86/kernel/signal.c:arch_do_signal_or_restart on return to user mode). The host answers
 * SIGNAL_NEXT with a handler to run, with nothing, or by ending the process (a fatal default
 * action: the call throws GuestExit); a stop parks the call until SIGCONT. Returns null when no
 * kernel serves signals (the platform used on its own).
 */
export function deliverSignals(
  ch: SyscallChannel,
  call: ChannelCall,
  entry: ((handler: number, sig: number) => void) | null,
): Delivered | null {
  const w = ch.words;
  const out: Delivered = { handled: false, restart: true };
  // Seq-cst exchange: consumes every interrupt counted so far; one raised after this is seen at the
  // next boundary, and the SIGNAL_NEXT loop below drains whatever the kernel already holds.
  const taken = Atomics.exchange(w, Slot.INTERRUPT, 0);
  // SIGNAL_RETURN answers with the next action too, so a handler costs one round trip, not two.
  let errno = call(Sys.CORRAL, CorralOp.SIGNAL_NEXT, 0, 0);
  for (;;) {
    if (errno !== Errno.SUCCESS) {
      // No kernel behind these handlers (the platform used on its own): the interrupt stays
      // counted, as news for a blocking call, which the host then answers EINTR.
      ch.release();
      Atomics.add(w, Slot.INTERRUPT, taken);
      return null;
    }
    if (w[Slot.RES_VALUE]! === 0) {
      ch.release();
      return out;
    }
    const v = ch.view;
    const sig = v.getInt32(0, true);
    const handler = v.getInt32(4, true);
    const flags = v.getUint32(8, true);
    const oldMask = ch.data.slice(12, 20);
    ch.release();
    out.handled = true;
    if ((flags & SA_RESTART) === 0) out.restart = false;
    // The host only answers with a handler when the module exports the entry point.
    entry!(handler, sig);
    ch.data.set(oldMask, 0);
    errno = call(Sys.CORRAL, CorralOp.SIGNAL_RETURN, 0, 8);
  }
}
