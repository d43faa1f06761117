// The futex pair a consumer sleeps on, and Atomics.waitAsync with a keep-alive: the wake-up half of
// the ring protocol (see the top of bridge/ring.ts), shared by a standalone ring and by an Inbox.
import { DoorbellSlot } from './ring_layout.js';

/** The futex pair a consumer sleeps on; one per standalone ring, or one shared by an Inbox's rings. */
export class Doorbell {
  /** All three immutable after construction; the words themselves are shared (see ring_layout.ts). */
  constructor(
    private readonly words: Int32Array,
    private readonly seq: number,
    private readonly sleeping: number,
  ) {}

  static ofInbox(sab: SharedArrayBuffer): Doorbell {
    return new Doorbell(new Int32Array(sab), DoorbellSlot.SEQ, DoorbellSlot.SLEEPING);
  }

  /** Producer side, after publishing HEAD. */
  ring(): void {
    // This Atomics.load comes after the producer's Atomics.store of HEAD; both are sequentially
    // consistent, and the consumer stores SLEEPING before it re-loads HEAD. So either we see
    // SLEEPING = 1 here, or the consumer's re-check sees our message and it does not sleep.
    if (Atomics.load(this.words, this.sleeping) === 0) return;
    // compareExchange makes exactly one producer (and one message of a burst) the waker.
    if (Atomics.compareExchange(this.words, this.sleeping, 1, 0) !== 1) return;
    // Bumping SEQ before notify: a consumer not yet inside Atomics.wait compares SEQ with the epoch
    // it read before setting SLEEPING, finds it changed, and does not sleep; one already inside is
    // woken by the notify.
    Atomics.add(this.words, this.seq, 1);
    Atomics.notify(this.words, this.seq, 1);
  }

  /** Consumer side: returns once ready() or at the deadline; ready() is the answer. */
  wait(ready: () => boolean, timeoutMs: number, spin: number): boolean {
    for (let i = 0; i < spin; i++) if (ready()) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // The epoch is read before SLEEPING is set, so a ring() that claims SLEEPING bumps SEQ away
      // from it and the wait below cannot miss that wake-up.
      const epoch = Atomics.load(this.words, this.seq);
      // Sequentially consistent store before ready()'s Atomics.load of each HEAD: pairs with ring().
      Atomics.store(this.words, this.sleeping, 1);
      if (ready()) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.words, this.seq, epoch, left);
      if (ready()) break;
    }
    // Awake again: producers may skip the notify. Only this consumer sets SLEEPING to 1.
    Atomics.store(this.words, this.sleeping, 0);
    return ready();
  }

  /** As wait(), without blocking the event loop. A finite timeout keeps the process alive that long
   *  (a pending Atomics.waitAsync alone does not keep Node running); an infinite one does not. */
  async waitAsync(ready: () => boolean, timeoutMs: number, spin: number): Promise<boolean> {
    for (let i = 0; i < spin; i++) if (ready()) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const epoch = Atomics.load(this.words, this.seq); // ordering as in wait()
      Atomics.store(this.words, this.sleeping, 1); // ordering as in wait()
      if (ready()) break;
      const left = deadline - performance.now();
      if (left <= 0) break;
      await waitAsyncKeepingAlive(this.words, this.seq, epoch, left);
      if (ready()) break;
    }
    Atomics.store(this.words, this.sleeping, 0); // as in wait()
    return ready();
  }
}

/** Atomics.waitAsync, plus a timer that keeps the event loop alive while a finite wait is pending. */
export async function waitAsyncKeepingAlive(
  words: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const r = atomicsWaitAsync(words, index, expected, timeoutMs);
  if (!r.async) return;
  // Whole milliseconds and a margin: a timer that fired before the wait's own (fractional) timeout
  // would leave the event loop with nothing keeping it alive, and Node would exit mid-wait.
  const keepAlive = Number.isFinite(timeoutMs) ? setTimeout(noop, Math.ceil(timeoutMs) + 5) : undefined;
  try {
    await r.value;
  } finally {
    if (keepAlive !== undefined) clearTimeout(keepAlive);
  }
}
function noop(): void {}

// Node 20 has Atomics.waitAsync; the project's lib (ES2023) does not declare it yet.
type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
const atomicsWaitAsync = (
  Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t: number) => WaitAsyncResult }
).waitAsync.bind(Atomics);
