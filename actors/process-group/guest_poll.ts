// poll_oneoff over a process's descriptor table. When every fd it names belongs to one inner
// handler object (the common case: stdio, or files), the call goes to it with the inner fds. When
// pipes are involved it is served here: pipe ends say when they are ready; stdio and file fds are
// reported ready at once (their reads and writes do not block the guest for long).
import { PIPE_BUF } from '../../platform/pipe.js';
import { clockNow, waitForEvents } from '../../platform/poll_wait.js';
import { Errno } from '../../platform/wasi_errno.js';
import { fail, ok, type CallContext, type SyscallReturn } from '../../platform/syscalls.js';
import { EventType, type PollEvent, type Subscription } from '../../platform/wasi_types.js';
import type { InnerHandlers, ProcessFds } from './process_fds.js';

type ClockSub = Extract<Subscription, { type: EventType.CLOCK }>;

function event(userdata: bigint, errno: number, type: EventType, nbytes = 0n, hangup = false): PollEvent {
  return { userdata, errno, type, nbytes, hangup };
}

export function pollWithPipes(
  fds: ProcessFds,
  subs: readonly (Subscription | null)[],
  ctx: CallContext,
): SyscallReturn<PollEvent[]> {
  // One inner object for every fd: forward with its fd numbers.
  let inner: InnerHandlers | null = null;
  let forward = true;
  for (const s of subs) {
    if (s === null || s.type === EventType.CLOCK) continue;
    const d = fds.get(s.fd);
    if (d === undefined || d.kind !== 'inner' || (inner !== null && inner !== d.inner)) {
      forward = false;
      break;
    }
    inner = d.inner;
  }
  if (forward) {
    inner ??= anyInner(fds);
    if (inner !== null) {
      const mapped = subs.map((s) =>
        s === null || s.type === EventType.CLOCK ? s : { ...s, fd: (fds.get(s.fd) as { fd: number }).fd },
      );
      return inner.syscalls.poll_oneoff(mapped, ctx);
    }
  }
  return pollHere(fds, subs, ctx);
}

function anyInner(fds: ProcessFds): InnerHandlers | null {
  for (const fd of fds.fds()) {
    const d = fds.get(fd);
    if (d?.kind === 'inner') return d.inner;
  }
  return null;
}

function pollHere(
  fds: ProcessFds,
  subs: readonly (Subscription | null)[],
  ctx: CallContext,
): SyscallReturn<PollEvent[]> {
  const clocks: { s: ClockSub; deadline: bigint }[] = [];
  for (const s of subs) {
    if (s?.type !== EventType.CLOCK) continue;
    const now = clockNow(s.clockId);
    if (now !== undefined) clocks.push({ s, deadline: s.absolute ? s.timeout : now + s.timeout });
  }
  const ready = (): PollEvent[] => {
    const out: PollEvent[] = [];
    for (const c of clocks)
      if (clockNow(c.s.clockId)! >= c.deadline) out.push(event(c.s.userdata, 0, EventType.CLOCK));
    for (const s of subs) {
      if (s === null) out.push(event(0n, Errno.INVAL, EventType.CLOCK));
      else if (s.type === EventType.CLOCK) {
        if (clockNow(s.clockId) === undefined) out.push(event(s.userdata, Errno.NOTSUP, EventType.CLOCK));
      } else {
        const d = fds.get(s.fd);
        if (d === undefined) out.push(event(s.userdata, Errno.BADF, s.type));
        else if (d.kind === 'inner') out.push(event(s.userdata, 0, s.type));
        else if (d.kind === 'pipe-r') {
          if (s.type !== EventType.FD_READ) out.push(event(s.userdata, Errno.BADF, s.type));
          else {
            const r = d.end.ready();
            if (r.bytes > 0 || r.eof) out.push(event(s.userdata, 0, s.type, BigInt(r.bytes), r.eof));
          }
        } else if (s.type !== EventType.FD_WRITE) out.push(event(s.userdata, Errno.BADF, s.type));
        else {
          const r = d.end.ready();
          // Writable as Linux's POLLOUT: a write of PIPE_BUF bytes would not block.
          if (r.room >= PIPE_BUF || r.broken)
            out.push(event(s.userdata, r.broken ? Errno.PIPE : 0, s.type, BigInt(r.room), r.broken));
        }
      }
    }
    return out;
  };
  const now = ready();
  if (now.length > 0) return ok(now);
  if (ctx.signal.aborted) return fail(Errno.INTR);
  const watchers: ((signal: AbortSignal) => Promise<void>)[] = [];
  for (const s of subs) {
    if (s === null || s.type === EventType.CLOCK) continue;
    const d = fds.get(s.fd);
    if (d?.kind === 'pipe-r') watchers.push((signal) => d.end.whenReadable(signal));
    else if (d?.kind === 'pipe-w') watchers.push((signal) => d.end.whenWritable(signal));
  }
  return waitForEvents(clocks, ctx, ready, watchers);
}
