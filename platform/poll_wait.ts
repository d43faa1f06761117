// Waiting for poll_oneoff's events without blocking a thread: clock deadlines on timers, readiness
// promises from the descriptors (stdin, pipe ends), and the call's abort signal (a signal for the
// guest: EINTR). Shared by the stdio handlers and the sandbox's descriptor table.
import { Errno } from './wasi_errno.js';
import { fail, ok, type CallContext, type SyscallResult } from './syscalls.js';
import { ClockId, EventType, type PollEvent, type Subscription } from './wasi_types.js';

export type ClockSub = Extract<Subscription, { type: EventType.CLOCK }>;

/** A clock subscription and its deadline, fixed at the call's start on that clock. */
export interface ClockDeadline {
  readonly s: ClockSub;
  readonly deadline: bigint;
}

/** Current time on a WASI clock in ns (the same clocks the guest reads), or undefined. */
export function clockNow(id: number): bigint | undefined {
  if (id === ClockId.MONOTONIC) return process.hrtime.bigint();
  if (id === ClockId.REALTIME)
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
  return undefined;
}

/**
 * Resolves with the first non-empty `ready()` after a clock deadline passes or a watcher resolves,
 * or with EINTR when ctx.signal aborts. `watchers` get a signal that settling aborts, so that no
 * listener or timer outlives the call.
 */
export function waitForEvents(
  clocks: readonly ClockDeadline[],
  ctx: CallContext,
  ready: () => PollEvent[],
  watchers: readonly ((signal: AbortSignal) => Promise<void>)[],
): Promise<SyscallResult<PollEvent[]>> {
  return new Promise((resolve) => {
    /** Stops the readiness waits when another event wins. */
    const inner = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const settle = (r: SyscallResult<PollEvent[]>) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      inner.abort();
      resolve(r);
    };
    // A signal interrupts poll(2) with EINTR.
    const onAbort = () => settle(fail(Errno.INTR));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const check = () => {
      const evs = ready();
      if (evs.length > 0) settle(ok(evs));
    };
    const arm = () => {
      let min: bigint | undefined;
      for (const c of clocks) {
        const left = c.deadline - clockNow(c.s.clockId)!;
        if (min === undefined || left < min) min = left;
      }
      if (min === undefined) return;
      // Timers have 1 ms granularity and may fire a little early against hrtime: round up, and
      // re-check on wake so the guest never wakes before its deadline.
      timer = setTimeout(
        () => {
          check();
          if (!done) arm();
        },
        Math.max(1, Math.ceil(Number(min) / 1e6)),
      );
    };
    arm();
    for (const w of watchers) {
      w(inner.signal).then(check, () => undefined); // rejected: aborted by settle(), another event won
    }
  });
}
