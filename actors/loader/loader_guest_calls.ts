// The corral_v1 calls a guest makes that its kernel decides (docs/corral_v1.md): ids, process
// groups and sessions, kill, wait, signal dispositions and masks, sigsuspend, alarm, and the
// delivery of signals at syscall boundaries. spawn and exec are in loader_spawn.ts. Everything here
// runs in the Loader actor's handler; a call that must wait (wait, sigsuspend, a stopped process)
// is parked here and answered when a kernel event says it may go on.
import {
  ProcState,
  SigHow,
  type Kernel,
  type Pid,
  type SigActionSpec,
} from '../../kernel-core/binding/index.js';
import { errnoName } from '../../kernel-core/binding/index.js';
import { CorralOp, SIGACTION_SIZE, SigKind } from '../../platform/corral_abi.js';
import { Errno, errnoFromHostCode } from '../../platform/wasi_errno.js';
import type { Loader } from './loader.js';
import type { KEvent } from './kernel_port.js';
import { execImage, spawnChild } from './loader_spawn.js';
import { terminalCall } from './loader_terminal.js';
import { MSG, type GuestCall, type GuestCallReply } from './sandbox_messages.js';

const WNOHANG = 1;
const SIGALRM = 14;

type Reply = GuestCallReply | Promise<GuestCallReply>;

/** Calls parked until a kernel event; owned by the Loader actor. */
interface Parked {
  /** Retries the call; returns null to stay parked. */
  retry(): GuestCallReply | null;
  resolve(r: GuestCallReply): void;
}

/** The Loader's state for guests' calls; owned by the Loader actor. */
export class GuestCalls {
  /** Parked waits by the waiting pid (retried on its children's state changes). */
  private readonly waits = new Map<number, Parked>();
  /** Parked sigsuspend calls by pid (answered EINTR when a signal is deliverable). */
  private readonly suspends = new Map<number, Parked>();
  /** Signal deliveries parked while the process is stopped, by pid (retried at SIGCONT). */
  private readonly stopped = new Map<number, Parked>();
  /** sigsuspend's saved mask, restored once the handlers it woke for have run (Linux's saved_sigmask). */
  readonly savedMask = new Map<number, bigint>();
  /** alarm(2) timers by pid: the timer and when it fires (ms, performance.now()). */
  private readonly alarms = new Map<number, { timer: NodeJS.Timeout; at: number }>();

  constructor(private readonly l: Loader) {}

  /** A kernel event the parked calls may be waiting for. */
  onEvent(ev: KEvent): void {
    if (ev.kind === 'child-changed') this.retry(this.waits, ev.parent);
    else if (ev.kind === 'continue') this.retry(this.stopped, ev.pid);
    else if (ev.kind === 'signal-pending') {
      // A deliverable signal interrupts a blocking wait or sigsuspend (EINTR; the guest decides
      // on restarting after it ran the handlers).
      this.interrupt(this.waits, ev.pid);
      this.interrupt(this.suspends, ev.pid);
    } else if (ev.kind === 'exited') this.forget(ev.pid);
  }

  /** The sandbox resumed: deliveries parked by the pause go on (those of stopped processes stay). */
  resumed(): void {
    for (const pid of [...this.stopped.keys()]) this.retry(this.stopped, pid);
  }

  /** The process ended: its parked calls and timers go (nobody will read their answers). */
  forget(pid: number): void {
    for (const m of [this.waits, this.suspends, this.stopped]) {
      m.get(pid)?.resolve({ errno: Errno.INTR, value: 0 });
      m.delete(pid);
    }
    const a = this.alarms.get(pid);
    if (a !== undefined) clearTimeout(a.timer);
    this.alarms.delete(pid);
    this.savedMask.delete(pid);
  }

  /** Ends everything (the sandbox is going away). */
  close(): void {
    for (const pid of [...this.waits.keys(), ...this.suspends.keys(), ...this.stopped.keys()])
      this.forget(pid);
    for (const pid of [...this.alarms.keys()]) this.forget(pid);
  }

  private retry(m: Map<number, Parked>, pid: number): void {
    const p = m.get(pid);
    if (p === undefined) return;
    const r = p.retry();
    if (r === null) return;
    m.delete(pid);
    p.resolve(r);
  }

  private interrupt(m: Map<number, Parked>, pid: number): void {
    const p = m.get(pid);
    if (p === undefined) return;
    m.delete(pid);
    p.resolve({ errno: Errno.INTR, value: 0 });
  }

  /** Parks a call under `pid` until `retry` answers (one call per process: it is blocked in it). */
  park(
    m: 'waits' | 'suspends' | 'stopped',
    pid: number,
    retry: () => GuestCallReply | null,
  ): Promise<GuestCallReply> {
    return new Promise((resolve) => this[m].set(pid, { retry, resolve }));
  }

  /** alarm(2): arms (or, with 0, cancels) SIGALRM in `seconds`; returns the seconds left before. */
  alarm(pid: number, seconds: number): number {
    const old = this.alarms.get(pid);
    let left = 0;
    if (old !== undefined) {
      clearTimeout(old.timer);
      this.alarms.delete(pid);
      // Linux rounds the remainder up, and never reports 0 for an armed alarm.
      left = Math.max(1, Math.ceil((old.at - performance.now()) / 1000));
    }
    if (seconds > 0) {
      const timer = setTimeout(() => {
        this.alarms.delete(pid);
        // From the kernel itself (a timer), as Linux's it_real_fn sends it: always permitted.
        this.l.kernel.guestKernel.kill(null, pid, SIGALRM);
        this.l.applyEvents();
      }, seconds * 1000);
      timer.unref();
      this.alarms.set(pid, { timer, at: performance.now() + seconds * 1000 });
    }
    return left;
  }
}

/** A kernel errno (Linux numbering) as the guest's WASI errno. */
export function wasiErrno(linux: number): number {
  return errnoFromHostCode(errnoName(linux));
}

const fail = (linux: number): GuestCallReply => ({ errno: wasiErrno(linux), value: 0 });
const okv = (value: number, data?: Uint8Array): GuestCallReply =>
  data === undefined ? { errno: Errno.SUCCESS, value } : { errno: Errno.SUCCESS, value, data };

function u64(b: Uint8Array, at = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(at, true);
}
function u64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

/** Serves one guest call. `c` is the caller's root-namespace pid. */
export function guestCall(l: Loader, call: GuestCall): Reply {
  const g = l.guests.get(call.pid);
  // A process the kernel no longer runs (killed while its call was in flight): nobody reads this.
  if (g === undefined || g.gone || g.status !== null) return { errno: Errno.INTR, value: 0 };
  const k = l.kernel.guestKernel;
  const pid = call.pid as Pid;
  const r = serve(l, k, pid, call);
  l.applyEvents();
  return r;
}

function serve(l: Loader, k: Kernel, pid: Pid, c: GuestCall): Reply {
  const v = <T>(r: { ok: true; value: T } | { ok: false; errno: number }, f: (x: T) => GuestCallReply) =>
    r.ok ? f(r.value) : fail(r.errno);
  switch (c.op as CorralOp) {
    case CorralOp.PROC_ID:
      return v(k.getpid(pid), (n) => okv(n));
    case CorralOp.PROC_PARENT: {
      const self = k.getpid(pid);
      if (c.a !== 0 && (!self.ok || self.value !== c.a)) return { errno: Errno.SRCH, value: 0 };
      return v(k.getppid(pid), (n) => okv(n));
    }
    case CorralOp.PROC_GETPGID:
      return v(k.getpgid(pid, c.a), (n) => okv(n));
    case CorralOp.PROC_SETPGID:
      return v(k.setpgid(pid, c.a, c.b), () => okv(0));
    case CorralOp.PROC_GETSID:
      return v(k.getsid(pid, c.a), (n) => okv(n));
    case CorralOp.PROC_SETSID:
      return v(k.setsid(pid), (n) => okv(n));
    case CorralOp.PROC_SIGNAL:
      return v(k.kill(pid, c.a, c.b), () => okv(0));
    case CorralOp.PROC_SPAWN:
      return spawnChild(l, pid, c.req);
    case CorralOp.PROC_EXEC:
      return execImage(l, pid, c.req);
    case CorralOp.PROC_WAIT:
      return wait(l, k, pid, c.a, c.b);
    case CorralOp.PROC_SIGACTION:
      return sigaction(k, pid, c.a, c.b !== 0 ? c.req : null);
    case CorralOp.PROC_SIGMASK: {
      if (c.b !== 0 && c.req.length < 8) return { errno: Errno.INVAL, value: 0 };
      return v(k.sigprocmask(pid, c.a, c.b !== 0 ? u64(c.req) : undefined), (old) => okv(0, u64Bytes(old)));
    }
    case CorralOp.PROC_SIGPENDING:
      return v(k.sigpending(pid), (set) => okv(0, u64Bytes(set)));
    case CorralOp.PROC_SIGSUSPEND:
      return sigsuspend(l, k, pid, c.req);
    case CorralOp.PROC_ALARM:
      return okv(l.calls.alarm(pid, c.a >>> 0));
    case CorralOp.SIGNAL_NEXT:
      return signalNext(l, k, pid);
    case CorralOp.SIGNAL_RETURN: {
      // rt_sigreturn, then the next action at once (one round trip per handler).
      if (c.req.length < 8) return { errno: Errno.INVAL, value: 0 };
      const r = k.sigreturn(pid, u64(c.req));
      return r.ok ? signalNext(l, k, pid) : fail(r.errno);
    }
    case CorralOp.TTY_GET_PGRP:
    case CorralOp.TTY_SET_PGRP:
      return terminalCall(k, pid, c);
    default:
      return { errno: Errno.NOSYS, value: 0 };
  }
}

/** waitpid(2): parks until a child matches, unless WNOHANG. */
function wait(l: Loader, k: Kernel, pid: Pid, target: number, options: number): Reply {
  const once = (): GuestCallReply | null => {
    const r = k.waitpid(pid, target, options);
    if (!r.ok) return fail(r.errno);
    if (r.value.pid === 0 && (options & WNOHANG) === 0) return null;
    const st = new Uint8Array(4);
    new DataView(st.buffer).setInt32(0, r.value.status, true);
    return okv(r.value.pid, st);
  };
  const now = once();
  if (now !== null) return now;
  return l.calls.park('waits', pid, () => {
    const r = once();
    l.applyEvents();
    return r;
  });
}

function sigaction(k: Kernel, pid: Pid, sig: number, act: Uint8Array | null): GuestCallReply {
  let spec: SigActionSpec | undefined;
  if (act !== null) {
    if (act.length < SIGACTION_SIZE) return { errno: Errno.INVAL, value: 0 };
    const dv = new DataView(act.buffer, act.byteOffset, act.byteLength);
    const kind = dv.getUint32(0, true);
    const handler = kind === SigKind.DEFAULT ? 'default' : kind === SigKind.IGNORE ? 'ignore' : 'handler';
    if (kind > SigKind.HANDLER) return { errno: Errno.INVAL, value: 0 };
    spec = {
      handler,
      index: dv.getUint32(4, true),
      flags: dv.getUint32(8, true),
      mask: dv.getBigUint64(16, true),
    };
  }
  const r = k.sigaction(pid, sig, spec);
  if (!r.ok) return fail(r.errno);
  const out = new Uint8Array(SIGACTION_SIZE);
  const ov = new DataView(out.buffer);
  const old = r.value;
  ov.setUint32(
    0,
    old.handler === 'default' ? SigKind.DEFAULT : old.handler === 'ignore' ? SigKind.IGNORE : SigKind.HANDLER,
    true,
  );
  ov.setUint32(4, old.index ?? 0, true);
  ov.setUint32(8, old.flags ?? 0, true);
  ov.setBigUint64(16, BigInt.asUintN(64, old.mask ?? 0n), true);
  return okv(0, out);
}

/**
 * sigsuspend(2): the mask is replaced until a signal's handler runs, then the old one comes back
 * (after the handlers: SIGNAL_NEXT restores it once nothing is left to deliver).
 */
function sigsuspend(l: Loader, k: Kernel, pid: Pid, req: Uint8Array): Reply {
  if (req.length < 8) return { errno: Errno.INVAL, value: 0 };
  const old = k.sigprocmask(pid, SigHow.SIG_SETMASK, u64(req));
  if (!old.ok) return fail(old.errno);
  l.calls.savedMask.set(pid, old.value);
  // A signal the new mask unblocks may already be pending: the kernel emitted SignalPending for it
  // during sigprocmask, and applyEvents (after this returns) answers the parked call at once.
  return l.calls.park('suspends', pid, () => null);
}

/** The next action at a syscall boundary: a handler to run (1), or nothing left (0). */
function signalNext(l: Loader, k: Kernel, pid: Pid): Reply {
  const once = (): GuestCallReply | null => {
    // A paused sandbox or a stopped process: the guest waits here, at its boundary, until resumed.
    if (l.kernel.isPaused()) return null;
    const info = k.procInfo(pid);
    if (info.ok && info.value.state === ProcState.Stopped) return null;
    const d = k.dequeue(pid);
    if (!d.ok) return fail(d.errno);
    const dv = d.value;
    if (dv.kind === 'handler') {
      const out = new Uint8Array(20);
      const o = new DataView(out.buffer);
      o.setInt32(0, dv.sig, true);
      o.setInt32(4, dv.handler, true);
      o.setUint32(8, dv.flags, true);
      o.setBigUint64(12, BigInt.asUintN(64, dv.oldMask), true);
      return okv(1, out);
    }
    if (dv.kind === 'terminate') return { errno: Errno.SUCCESS, value: 0, exitSignal: dv.sig };
    if (dv.kind === 'stop') return null;
    // Nothing left: a sigsuspend that woke for these handlers now gets its old mask back.
    const saved = l.calls.savedMask.get(pid);
    if (saved !== undefined) {
      l.calls.savedMask.delete(pid);
      k.sigprocmask(pid, SigHow.SIG_SETMASK, saved);
    }
    return okv(0);
  };
  const now = once();
  if (now !== null) return now;
  return l.calls.park('stopped', pid, () => {
    const r = once();
    l.applyEvents();
    return r;
  });
}

/** Tells the process-group actor running `pid` that a signal awaits it at its next boundary. */
export function interruptGuest(l: Loader, pid: number): void {
  const g = l.guests.get(pid);
  if (g !== undefined && g.group !== null && !g.gone) l.ctx.send(g.group, MSG.interrupt, pid);
}
