// A handle on one kernel (one sandbox's process state) inside a KernelCore, with a typed method
// per operation. Pids in and out are root-namespace pids unless a parameter says "nr" (a number
// as the caller process sees it in its own namespace, as a guest passes it to a syscall).
import type { KernelCore } from './core.js';
import { type Errno, type KResult } from './errno.js';
import { decodeEvent, type KernelEvent } from './events.js';
import type { ContainerHandle, KernelId, NsId, Pgid, Pid, Sid, TtyHandle } from './ids.js';
import { IdType, Op } from './ops.js';
import {
  type Credentials,
  type Delivery,
  type KernelStats,
  type ProcInfo,
  type PsRow,
  type RlimitValue,
  type SigActionSpec,
  type WaitResult,
  ProcState,
  fromWords,
  lo,
  hi,
} from './types.js';

const HANDLER_KINDS = ['default', 'ignore', 'handler'] as const;

export class Kernel {
  /** Events queued in the core, as of the last call (drain when > 0). Updated by every call. */
  pendingEvents = 0;
  /** Set by destroy(); immutable afterwards. */
  private destroyed = false;

  constructor(
    /** The instance hosting this kernel; immutable. */
    readonly core: KernelCore,
    /** This kernel's handle in the instance; immutable. */
    readonly id: KernelId,
    /** The root PID namespace; immutable. */
    readonly rootNs: NsId,
  ) {}

  // ---- call plumbing -------------------------------------------------------------------------

  private run(len: number): number {
    const c = this.core;
    const st = c.dispatch(len);
    this.pendingEvents = c.io[c.base + 1]!;
    return st;
  }

  /** Result word i (after the two-word header). */
  private w(i: number): number {
    return this.core.io[this.core.base + 2 + i]!;
  }

  /** Runs an operation with small integer args; returns the status. */
  private op(op: number, args: readonly number[]): number {
    const c = this.core;
    const at = c.begin(op, this.id);
    for (let j = 0; j < args.length; j++) c.io[at + j] = args[j]!;
    return this.run(2 + args.length);
  }

  private unit(st: number): KResult<void> {
    return st === 0 ? { ok: true, value: undefined } : { ok: false, errno: st as Errno };
  }

  private num(st: number): KResult<number> {
    return st === 0 ? { ok: true, value: this.w(0) } : { ok: false, errno: st as Errno };
  }

  // ---- kernel lifetime -----------------------------------------------------------------------

  /** Frees every process, group, session, namespace and container of this kernel. */
  destroy(): void {
    if (this.destroyed) return;
    this.core.begin(Op.DESTROY_KERNEL, this.id);
    this.core.dispatch(2);
    this.destroyed = true;
  }

  stats(): KernelStats {
    this.op(Op.KERNEL_STATS, []);
    return {
      processes: this.w(0),
      pids: this.w(1),
      groups: this.w(2),
      sessions: this.w(3),
      namespaces: this.w(4),
      ttys: this.w(5),
      containers: this.w(6),
      events: this.w(7),
    };
  }

  /** Records that the sandbox is paused (the platform stops scheduling its guests). */
  pause(): void {
    this.op(Op.PAUSE, []);
  }
  resume(): void {
    this.op(Op.RESUME, []);
  }
  isPaused(): boolean {
    this.op(Op.IS_PAUSED, []);
    return this.w(0) === 1;
  }

  /** Takes every queued event, oldest first. */
  drainEvents(): KernelEvent[] {
    const out: KernelEvent[] = [];
    for (;;) {
      this.op(Op.DRAIN_EVENTS, [0x7fffffff]);
      const n = this.w(0);
      const more = this.w(1);
      for (let j = 0; j < n; j++) {
        const k = 2 + j * 4;
        out.push(decodeEvent(this.w(k), this.w(k + 1), this.w(k + 2), this.w(k + 3)));
      }
      if (!more) break;
    }
    this.pendingEvents = 0;
    return out;
  }

  // ---- namespaces ----------------------------------------------------------------------------

  nsCreate(parent: NsId): KResult<NsId> {
    return this.num(this.op(Op.NS_CREATE, [parent])) as KResult<NsId>;
  }
  nsDestroy(ns: NsId): KResult<void> {
    return this.unit(this.op(Op.NS_DESTROY, [ns]));
  }
  /** The number of `pid` in `ns`, 0 when not visible there (pid_nr_ns). */
  translate(pid: Pid | Pgid | Sid, ns: NsId): number {
    this.op(Op.TRANSLATE, [pid, ns]);
    return this.w(0);
  }
  /** The root pid numbered `nr` in `ns` (find_pid_ns). */
  lookup(ns: NsId, nr: number): KResult<Pid> {
    return this.num(this.op(Op.LOOKUP, [ns, nr])) as KResult<Pid>;
  }

  // ---- containers ----------------------------------------------------------------------------

  registerContainer(pidsLimit = 0): ContainerHandle {
    this.op(Op.CONTAINER_REGISTER, [pidsLimit]);
    return this.w(0) as ContainerHandle;
  }
  unregisterContainer(c: ContainerHandle): KResult<void> {
    return this.unit(this.op(Op.CONTAINER_UNREGISTER, [c]));
  }
  /** Sends `sig` from the host to every live process of the container; returns how many. */
  killContainer(c: ContainerHandle, sig: number): KResult<number> {
    return this.num(this.op(Op.CONTAINER_KILL, [c, sig]));
  }
  containerAllExited(c: ContainerHandle): KResult<boolean> {
    const st = this.op(Op.CONTAINER_ALL_EXITED, [c]);
    return st === 0 ? { ok: true, value: this.w(0) === 1 } : { ok: false, errno: st as Errno };
  }
  /** Processes of a container (0 = all), in pid order. */
  ps(c: ContainerHandle | 0 = 0): PsRow[] {
    const rows: PsRow[] = [];
    let after = 0;
    for (;;) {
      this.op(Op.PS, [c, after, 1 << 20]);
      const n = this.w(0);
      const more = this.w(1);
      for (let j = 0; j < n; j++) {
        const k = 2 + j * 7;
        rows.push({
          pid: this.w(k) as Pid,
          ppid: this.w(k + 1) as Pid,
          pgid: this.w(k + 2) as Pgid,
          sid: this.w(k + 3) as Sid,
          state: this.w(k + 4) as ProcState,
          uid: this.w(k + 5) >>> 0,
          container: this.w(k + 6) as ContainerHandle,
        });
      }
      if (!more || n === 0) break;
      after = rows[rows.length - 1]!.pid;
    }
    return rows;
  }

  // ---- processes -----------------------------------------------------------------------------

  /**
   * A container's first process: parent is the host; new session and group; joins `ns` (it
   * becomes its init if the namespace is empty) or, with newNs, a new child namespace of `ns`.
   */
  spawnInit(
    c: ContainerHandle,
    ns: NsId,
    opts: { newNs?: boolean; uid?: number; gid?: number } = {},
  ): KResult<{ pid: Pid; nr: number; ns: NsId }> {
    const st = this.op(Op.SPAWN_INIT, [c, ns, opts.newNs ? 1 : 0, opts.uid ?? 0, opts.gid ?? 0]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return { ok: true, value: { pid: this.w(0) as Pid, nr: this.w(1), ns: this.w(2) as NsId } };
  }

  /** A child of `parent` (posix_spawn by default; SpawnFlags.FORK for fork semantics). */
  spawn(parent: Pid, flags = 0, pgid = 0): KResult<{ pid: Pid; nr: number }> {
    const c = this.core;
    const at = c.begin(Op.SPAWN, this.id);
    c.io[at] = parent;
    c.io[at + 1] = flags;
    c.io[at + 2] = pgid;
    const st = this.run(5);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return { ok: true, value: { pid: this.w(0) as Pid, nr: this.w(1) } };
  }

  /** execve: handlers reset to SIG_DFL (ignored stay ignored). */
  exec(pid: Pid): KResult<void> {
    return this.unit(this.op(Op.EXEC, [pid]));
  }
  /** exit_group(code). */
  exit(pid: Pid, code: number): KResult<void> {
    const c = this.core;
    const at = c.begin(Op.EXIT, this.id);
    c.io[at] = pid;
    c.io[at + 1] = code;
    return this.unit(this.run(4));
  }
  /** The guest died of `sig` (a trap, or halted by the platform). */
  exitSignaled(pid: Pid, sig: number, core = false): KResult<void> {
    return this.unit(this.op(Op.EXIT_SIGNALED, [pid, sig, core ? 1 : 0]));
  }
  /** PR_SET_CHILD_SUBREAPER. */
  setSubreaper(pid: Pid, on: boolean): KResult<void> {
    return this.unit(this.op(Op.SET_SUBREAPER, [pid, on ? 1 : 0]));
  }
  procInfo(pid: Pid): KResult<ProcInfo> {
    const st = this.op(Op.PROC_INFO, [pid]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return {
      ok: true,
      value: {
        ppid: this.w(0) as Pid,
        pgid: this.w(1) as Pgid,
        sid: this.w(2) as Sid,
        state: this.w(3) as ProcState,
        uid: this.w(4) >>> 0,
        container: this.w(5) as ContainerHandle,
        ns: this.w(6) as NsId,
        nr: this.w(7),
        exitStatus: this.w(8),
      },
    };
  }

  // ---- ids -----------------------------------------------------------------------------------

  /** getpid(): the process's number in its own namespace. */
  getpid(pid: Pid): KResult<number> {
    const c = this.core;
    const at = c.begin(Op.GETPID, this.id);
    c.io[at] = pid;
    const st = c.dispatch(3);
    this.pendingEvents = c.io[c.base + 1]!;
    return st === 0 ? { ok: true, value: c.io[c.base + 2]! } : { ok: false, errno: st as Errno };
  }
  /** getppid(): 0 when the parent is outside the caller's namespace or is the host. */
  getppid(pid: Pid): KResult<number> {
    return this.num(this.op(Op.GETPPID, [pid]));
  }
  getpgid(caller: Pid, nr: number): KResult<number> {
    return this.num(this.op(Op.GETPGID, [caller, nr]));
  }
  setpgid(caller: Pid, nr: number, pgid: number): KResult<void> {
    return this.unit(this.op(Op.SETPGID, [caller, nr, pgid]));
  }
  getsid(caller: Pid, nr: number): KResult<number> {
    return this.num(this.op(Op.GETSID, [caller, nr]));
  }
  setsid(caller: Pid): KResult<number> {
    return this.num(this.op(Op.SETSID, [caller]));
  }

  // ---- terminals -----------------------------------------------------------------------------

  /** TIOCSCTTY. */
  ttyAttach(caller: Pid, tty: TtyHandle, steal = false): KResult<void> {
    return this.unit(this.op(Op.TTY_ATTACH, [caller, tty, steal ? 1 : 0]));
  }
  /** TIOCNOTTY. */
  ttyDetach(caller: Pid): KResult<void> {
    return this.unit(this.op(Op.TTY_DETACH, [caller]));
  }
  tcgetpgrp(caller: Pid, tty: TtyHandle): KResult<number> {
    return this.num(this.op(Op.TCGETPGRP, [caller, tty]));
  }
  /** ERESTARTSYS means SIGTTOU was sent to the caller's group (background caller). */
  tcsetpgrp(caller: Pid, tty: TtyHandle, pgid: number): KResult<void> {
    return this.unit(this.op(Op.TCSETPGRP, [caller, tty, pgid]));
  }
  /** The foreground group (root numbering) of `pid`'s controlling terminal. */
  ttyForeground(pid: Pid): KResult<{ tty: TtyHandle; pgid: Pgid }> {
    const st = this.op(Op.TTY_FOREGROUND, [pid]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return { ok: true, value: { tty: this.w(0) as TtyHandle, pgid: this.w(1) as Pgid } };
  }
  /** Job-control check before a read (SIGTTIN) or write (SIGTTOU) on the terminal. */
  ttyCheck(caller: Pid, tty: TtyHandle, sig: number): KResult<void> {
    return this.unit(this.op(Op.TTY_CHECK, [caller, tty, sig]));
  }

  // ---- signals -------------------------------------------------------------------------------

  /** kill(2): `sender` null is the host (always permitted; pid numbers in the root namespace). */
  kill(sender: Pid | null, pid: number, sig: number): KResult<void> {
    const c = this.core;
    const at = c.begin(Op.KILL, this.id);
    c.io[at] = sender ?? 0;
    c.io[at + 1] = pid;
    c.io[at + 2] = sig;
    return this.unit(this.run(5));
  }
  /** tkill(2) to one process. */
  tkill(sender: Pid | null, pid: number, sig: number): KResult<void> {
    return this.unit(this.op(Op.TKILL, [sender ?? 0, pid, sig]));
  }
  /** rt_sigaction: returns the old action; sets `act` if given. */
  sigaction(pid: Pid, sig: number, act?: SigActionSpec): KResult<SigActionSpec> {
    const kind = act ? HANDLER_KINDS.indexOf(act.handler) : 0;
    const mask = act?.mask ?? 0n;
    const st = this.op(Op.SIGACTION, [
      pid,
      sig,
      act ? 1 : 0,
      kind,
      act?.index ?? 0,
      (act?.flags ?? 0) | 0,
      lo(mask),
      hi(mask),
    ]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return {
      ok: true,
      value: {
        handler: HANDLER_KINDS[this.w(0)] ?? 'default',
        index: this.w(1),
        flags: this.w(2) >>> 0,
        mask: fromWords(this.w(3), this.w(4)),
      },
    };
  }
  /** rt_sigprocmask: returns the old mask; `set` undefined only queries. */
  sigprocmask(pid: Pid, how: number, set?: bigint): KResult<bigint> {
    const m = set ?? 0n;
    const st = this.op(Op.SIGPROCMASK, [pid, how, set === undefined ? 0 : 1, lo(m), hi(m)]);
    return st === 0
      ? { ok: true, value: fromWords(this.w(0), this.w(1)) }
      : { ok: false, errno: st as Errno };
  }
  /** sigpending(2): pending and blocked. */
  sigpending(pid: Pid): KResult<bigint> {
    const st = this.op(Op.SIGPENDING, [pid]);
    return st === 0
      ? { ok: true, value: fromWords(this.w(0), this.w(1)) }
      : { ok: false, errno: st as Errno };
  }
  /** rt_sigreturn: restore the mask saved at handler entry. */
  sigreturn(pid: Pid, mask: bigint): KResult<void> {
    return this.unit(this.op(Op.SIGRETURN, [pid, lo(mask), hi(mask)]));
  }
  /** get_signal: what the process must do next. */
  dequeue(pid: Pid): KResult<Delivery> {
    const c = this.core;
    const at = c.begin(Op.DEQUEUE, this.id);
    c.io[at] = pid;
    const st = this.run(3);
    if (st !== 0) return { ok: false, errno: st as Errno };
    const sig = this.w(1);
    switch (this.w(0)) {
      case 1:
        return {
          ok: true,
          value: {
            kind: 'handler',
            sig,
            handler: this.w(2),
            flags: this.w(3) >>> 0,
            oldMask: fromWords(this.w(4), this.w(5)),
            code: this.w(6),
            senderPid: this.w(7),
            senderUid: this.w(8) >>> 0,
            status: this.w(9),
          },
        };
      case 2:
        return { ok: true, value: { kind: 'terminate', sig, core: this.w(10) === 1 } };
      case 3:
        return { ok: true, value: { kind: 'stop', sig } };
      default:
        return { ok: true, value: { kind: 'none' } };
    }
  }

  // ---- wait ----------------------------------------------------------------------------------

  /**
   * waitid(2). `caller` null is the host (waits for parentless processes). A result with pid 0
   * means children match but none is ready: park the waiter until ChildStateChanged.
   */
  waitid(caller: Pid | null, idtype: number, id: number, options: number): KResult<WaitResult> {
    return this.wait(caller, idtype, id, options, 1);
  }

  /** waitpid(2): pid > 0 that child, -1 any, 0 own group, < -1 group -pid. */
  waitpid(caller: Pid | null, pid: number, options: number): KResult<WaitResult> {
    if (pid > 0) return this.wait(caller, IdType.P_PID, pid, options, 0);
    if (pid === -1) return this.wait(caller, IdType.P_ALL, 0, options, 0);
    if (pid === 0) return this.wait(caller, IdType.P_PGID, 0, options, 0);
    return this.wait(caller, IdType.P_PGID, -pid, options, 0);
  }

  private wait(
    caller: Pid | null,
    idtype: number,
    id: number,
    options: number,
    waitid: number,
  ): KResult<WaitResult> {
    const c = this.core;
    const at = c.begin(Op.WAIT, this.id);
    c.io[at] = caller ?? 0;
    c.io[at + 1] = idtype;
    c.io[at + 2] = id;
    c.io[at + 3] = options;
    c.io[at + 4] = waitid;
    const st = this.run(7);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return {
      ok: true,
      value: {
        pid: this.w(0),
        status: this.w(1),
        code: this.w(2),
        siStatus: this.w(3),
        uid: this.w(4) >>> 0,
      },
    };
  }

  // ---- credentials and limits ----------------------------------------------------------------

  getcreds(pid: Pid): KResult<Credentials> {
    const st = this.op(Op.GETCREDS, [pid]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    const u = (i: number) => this.w(i) >>> 0;
    return {
      ok: true,
      value: {
        ruid: u(0),
        euid: u(1),
        suid: u(2),
        rgid: u(3),
        egid: u(4),
        sgid: u(5),
        ngroups: u(6),
        capEffective: fromWords(this.w(7), this.w(8)),
        capPermitted: fromWords(this.w(9), this.w(10)),
      },
    };
  }
  setuid(pid: Pid, uid: number): KResult<void> {
    return this.unit(this.op(Op.SETUID, [pid, uid | 0]));
  }
  setgid(pid: Pid, gid: number): KResult<void> {
    return this.unit(this.op(Op.SETGID, [pid, gid | 0]));
  }
  /** -1 leaves an id unchanged. */
  setreuid(pid: Pid, r: number, e: number): KResult<void> {
    return this.unit(this.op(Op.SETREUID, [pid, r | 0, e | 0]));
  }
  setresuid(pid: Pid, r: number, e: number, s: number): KResult<void> {
    return this.unit(this.op(Op.SETRESUID, [pid, r | 0, e | 0, s | 0]));
  }
  setresgid(pid: Pid, r: number, e: number, s: number): KResult<void> {
    return this.unit(this.op(Op.SETRESGID, [pid, r | 0, e | 0, s | 0]));
  }
  setgroups(pid: Pid, groups: readonly number[]): KResult<void> {
    return this.unit(this.op(Op.SETGROUPS, [pid, groups.length, ...groups.map((g) => g | 0)]));
  }
  getgroups(pid: Pid): KResult<number[]> {
    const st = this.op(Op.GETGROUPS, [pid, 65536]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    const n = this.w(0);
    const g: number[] = [];
    for (let j = 0; j < n; j++) g.push(this.w(1 + j) >>> 0);
    return { ok: true, value: g };
  }
  /** Host: set the capability sets (effective is clipped to permitted). */
  setCaps(pid: Pid, effective: bigint, permitted: bigint): KResult<void> {
    return this.unit(this.op(Op.SET_CAPS, [pid, lo(effective), hi(effective), lo(permitted), hi(permitted)]));
  }
  getrlimit(pid: Pid, resource: number): KResult<RlimitValue> {
    const st = this.op(Op.GETRLIMIT, [pid, resource]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return {
      ok: true,
      value: { cur: fromWords(this.w(0), this.w(1)), max: fromWords(this.w(2), this.w(3)) },
    };
  }
  /** prlimit(2); `caller` null is the host. Returns the old limit. */
  prlimit(caller: Pid | null, pid: Pid, resource: number, value?: RlimitValue): KResult<RlimitValue> {
    const cur = value?.cur ?? 0n;
    const max = value?.max ?? 0n;
    const st = this.op(Op.PRLIMIT, [
      caller ?? 0,
      pid,
      resource,
      value ? 1 : 0,
      lo(cur),
      hi(cur),
      lo(max),
      hi(max),
    ]);
    if (st !== 0) return { ok: false, errno: st as Errno };
    return {
      ok: true,
      value: { cur: fromWords(this.w(0), this.w(1)), max: fromWords(this.w(2), this.w(3)) },
    };
  }
  setrlimit(pid: Pid, resource: number, value: RlimitValue): KResult<RlimitValue> {
    return this.prlimit(pid, pid, resource, value);
  }
}
