// Default ProcessSyscalls: a process with stdio only (fds 0, 1, 2), as this issue needs. Files
// come with the gofer issue, process calls with the guest-ABI issue; they will extend the fd table.
// Everything here answers at once or with a Promise; nothing blocks (DESIGN.md rule 3).

import { Errno } from './wasi_errno.js';
import { clockNow, waitForEvents } from './poll_wait.js';
import type { StdioBindings } from './stdio.js';
import { AbortedError, type InputEnd, type OutputEnd } from './stdio_ends.js';
import { openInput } from './stdio_input.js';
import { openOutput } from './stdio_output.js';
import {
  fail,
  ok,
  type CallContext,
  type ProcessSyscalls,
  type SyscallResult,
  type SyscallReturn,
} from './syscalls.js';
import {
  EventType,
  Filetype,
  Rights,
  WasiSignal,
  wasiSignalToLinux,
  type FdStat,
  type PollEvent,
  type Subscription,
} from './wasi_types.js';

/** Signals whose default action is to do nothing (signal(7): Ign), in WASI numbering. */
const IGNORED_BY_DEFAULT = new Set<number>([
  WasiSignal.CHLD,
  WasiSignal.URG,
  WasiSignal.WINCH,
  WasiSignal.CONT,
]);
/** Signals whose default action is Stop; job control comes with issue 5, until then they are ignored. */
const STOP_BY_DEFAULT = new Set<number>([WasiSignal.STOP, WasiSignal.TSTP, WasiSignal.TTIN, WasiSignal.TTOU]);

const READ_RIGHTS = Rights.FD_READ | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET;
const WRITE_RIGHTS = Rights.FD_WRITE | Rights.POLL_FD_READWRITE | Rights.FD_FILESTAT_GET;

export { clockNow } from './poll_wait.js';

type ClockSub = Subscription & { type: EventType.CLOCK };

export class StdioSyscalls implements ProcessSyscalls {
  /** fd 0; owned by this object, closed by dispose(). */
  private readonly stdin: InputEnd;
  /** fds 1 and 2; owned by this object, closed by dispose(). */
  private readonly out: readonly [OutputEnd, OutputEnd];
  /** fds the guest closed (0..2): later calls on them get EBADF. Owned by this object. */
  private readonly closed = new Set<number>();

  constructor(bindings: StdioBindings = {}) {
    this.stdin = openInput(bindings.stdin);
    this.out = [openOutput(bindings.stdout), openOutput(bindings.stderr)];
  }

  private output(fd: number): OutputEnd | undefined {
    if (this.closed.has(fd)) return undefined;
    return fd === 1 ? this.out[0] : fd === 2 ? this.out[1] : undefined;
  }

  private input(fd: number): InputEnd | undefined {
    return fd === 0 && !this.closed.has(0) ? this.stdin : undefined;
  }

  fd_write(fd: number, data: Uint8Array): SyscallReturn<number> {
    const o = this.output(fd);
    // write(2) on an fd not open for writing (stdin here) is EBADF on Linux too.
    if (!o) return fail(Errno.BADF);
    if (data.length === 0) return ok(0);
    return o.write(data);
  }

  fd_read(fd: number, maxBytes: number, ctx: CallContext): SyscallReturn<Uint8Array> {
    const i = this.input(fd);
    if (!i) return fail(Errno.BADF);
    if (maxBytes === 0) return ok(new Uint8Array(0));
    return i.read(maxBytes, ctx.signal).then(ok, (err: unknown) => {
      // A signal interrupts a blocking read(2) with EINTR.
      if (err instanceof AbortedError) return fail(Errno.INTR);
      throw err;
    });
  }

  fd_fdstat_get(fd: number): SyscallReturn<FdStat> {
    const end = this.input(fd) ?? this.output(fd);
    if (!end) return fail(Errno.BADF);
    const rights = fd === 0 ? READ_RIGHTS : WRITE_RIGHTS;
    return end.filetype().then((filetype) => {
      // Only a regular file gets seek/tell: wasi-libc's isatty() is "character device without
      // seek rights", and a pipe or terminal cannot seek (ESPIPE).
      const seek = filetype === Filetype.REGULAR_FILE ? Rights.FD_SEEK | Rights.FD_TELL : 0n;
      return ok({ filetype, flags: 0, rightsBase: rights | seek, rightsInheriting: 0n });
    });
  }

  fd_close(fd: number): SyscallReturn<void> {
    if (!this.input(fd) && !this.output(fd)) return fail(Errno.BADF);
    // Only the guest's descriptor goes away; the host fd or stream bound to it stays open.
    this.closed.add(fd);
    return ok(undefined);
  }

  proc_raise(sig: number): SyscallReturn<void> {
    if (sig === WasiSignal.NONE || IGNORED_BY_DEFAULT.has(sig) || STOP_BY_DEFAULT.has(sig))
      return ok(undefined);
    const linux = wasiSignalToLinux(sig);
    if (linux === undefined) return fail(Errno.INVAL);
    // Default action Term or Core (signal(7)): the process dies by that signal.
    return { exit: { signal: linux } };
  }

  poll_oneoff(subs: readonly (Subscription | null)[], ctx: CallContext): SyscallReturn<PollEvent[]> {
    // Deadlines are fixed at the call's start, on each subscription's own clock.
    const clocks: { s: ClockSub; deadline: bigint }[] = [];
    for (const s of subs) {
      if (s?.type !== EventType.CLOCK) continue;
      const now = clockNow(s.clockId);
      if (now !== undefined) clocks.push({ s, deadline: s.absolute ? s.timeout : now + s.timeout });
    }
    const ready = this.readyEvents(subs, clocks);
    if (ready.length > 0) return ok(ready);
    // A signal already pending: poll(2) would not sleep at all.
    if (ctx.signal.aborted) return fail(Errno.INTR);
    return this.waitForEvents(subs, clocks, ctx);
  }

  /** Events that fire now, without waiting (poll(2) with a zero timeout). */
  private readyEvents(
    subs: readonly (Subscription | null)[],
    clocks: readonly { s: ClockSub; deadline: bigint }[],
  ) {
    const events: PollEvent[] = [];
    for (const c of clocks) {
      if (clockNow(c.s.clockId)! >= c.deadline) events.push(event(c.s.userdata, 0, EventType.CLOCK));
    }
    for (const s of subs) {
      // An unknown tag: the witx spec has no per-call error for it, so the event carries EINVAL.
      if (s === null) events.push(event(0n, Errno.INVAL, EventType.CLOCK));
      // CPU-time clocks cannot be waited on here (Linux's clock_nanosleep gives ENOTSUP too).
      else if (s.type === EventType.CLOCK) {
        if (clockNow(s.clockId) === undefined) events.push(event(s.userdata, Errno.NOTSUP, EventType.CLOCK));
      } else if (s.type === EventType.FD_READ) {
        const i = this.input(s.fd);
        if (!i) events.push(event(s.userdata, Errno.BADF, s.type));
        else {
          const r = i.ready();
          if (r.bytes > 0 || r.eof)
            events.push({ ...event(s.userdata, 0, s.type), nbytes: BigInt(r.bytes), hangup: r.eof });
        }
      } else if (!this.output(s.fd)) {
        events.push(event(s.userdata, Errno.BADF, s.type));
      } else {
        // Always writable: a write itself stays pending until the host took the bytes.
        events.push({ ...event(s.userdata, 0, s.type), nbytes: 65536n });
      }
    }
    return events;
  }

  private waitForEvents(
    subs: readonly (Subscription | null)[],
    clocks: readonly { s: ClockSub; deadline: bigint }[],
    ctx: CallContext,
  ): Promise<SyscallResult<PollEvent[]>> {
    const reading = subs.some((s) => s?.type === EventType.FD_READ);
    return waitForEvents(
      clocks,
      ctx,
      () => this.readyEvents(subs, clocks),
      reading ? [(signal) => this.stdin.whenReady(signal)] : [],
    );
  }

  dispose(): void {
    this.stdin.close();
    this.out[0].close();
    this.out[1].close();
  }
}

function event(userdata: bigint, errno: number, type: EventType): PollEvent {
  return { userdata, errno, type, nbytes: 0n, hangup: false };
}
