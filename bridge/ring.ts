// The shared-memory ring: variable-length framed messages from one producer thread to one consumer
// thread over a SharedArrayBuffer. Slot and frame layout: bridge/ring_layout.ts.
//
// API (producer side)
//   Ring.create(capacityBytes, opts?) -> Ring       capacity: a power of two, 64 B .. 1 GiB
//   Ring.attach(sab | endpoint) -> Ring             the other thread's view of the same ring
//   ring.sab, ring.endpoint, ring.capacity, ring.maxMessageBytes
//   ring.tryWrite(kind, payload) -> boolean         false = full: back-pressure the caller must handle
//   ring.tryWriteWith(kind, byteLength, fill) -> boolean
//                                                   zero-copy: fill(bytes, offset) writes the payload
//                                                   straight into the ring at bytes[offset ..]
//   ring.write(kind, payload, timeoutMs?)           blocks (Atomics.wait) until there is space
//   ring.writeWith(kind, byteLength, fill, timeoutMs?)
//   ring.writeAsync(kind, payload, timeoutMs?)      the same with Atomics.waitAsync, for threads whose
//   ring.writeWithAsync(kind, byteLength, fill, timeoutMs?)   event loop must keep running
// API (consumer side)
//   ring.drain(onMessage, max?) -> count            onMessage(kind, payload) for up to `max` messages
//   ring.waitForMessages(timeoutMs?) -> boolean     Atomics.wait on the doorbell (worker threads)
//   ring.waitForMessagesAsync(timeoutMs?) -> Promise<boolean>   Atomics.waitAsync (main thread)
//   ring.isEmpty() -> boolean
// Several producers to one consumer: one ring per producer, grouped in an Inbox (bridge/inbox.ts)
// that shares one doorbell. Why not one MPSC ring: see the comment at the top of bridge/inbox.ts.
//
// Errors: a payload longer than maxMessageBytes throws RangeError naming both sizes (on every write
// method, before anything is written); blocking writes throw RingTimeoutError (code 'ETIMEDOUT').
// A `fill` or `onMessage` callback that throws propagates; a failed fill publishes nothing.
//
// Wrap-around: frames are never split. A frame that does not fit before the end of the data region
// is preceded by a padding frame that skips to offset 0, so payloads are contiguous and `drain` can
// hand out views. The price: the largest message is capacity / 2 - 8 bytes, the size that fits
// whatever the offset of an empty ring (either the space before the end or after the start is at
// least half the region).
//
// Wake-ups: the consumer sleeps on a doorbell (BELL_SEQ) after setting BELL_SLEEPING and re-checking
// its rings; a producer looks at BELL_SLEEPING after each publish and rings (Atomics.notify) only when
// it is set, claiming it with a compare-exchange so that a burst of messages costs one notify. The
// fast path, a consumer that is awake, costs the producer one Atomics.load and no system call. A
// producer blocked for space waits on TAIL after setting SPACE_WAITING; the consumer notifies TAIL
// after a release only when it finds SPACE_WAITING set. These are Linux's futex wait/wake pairs with
// a waiters flag (as in glibc's mutex), built from SharedArrayBuffer words.

import { CONTROL_BYTES, FRAME_HEADER_BYTES, RING_MAGIC, RingFlags, Slot, frameBytes } from './ring_layout.js';
import { Doorbell, waitAsyncKeepingAlive } from './doorbell.js';

export { Doorbell, waitAsyncKeepingAlive } from './doorbell.js';

export type Fill = (bytes: Uint8Array, offset: number) => void;
/** `payload` is a view into the ring, valid only until the callback returns: copy what you keep. */
export type OnMessage = (kind: number, payload: Uint8Array) => void;

export interface RingOptions {
  /** Largest payload accepted; default and upper bound capacity / 2 - 8. */
  maxMessageBytes?: number;
  /** Busy-polls of the ring before the consumer sleeps (default DEFAULT_SPIN). */
  spinIterations?: number;
}

/** What a producer thread needs to attach: structured-cloneable, send it with postMessage. */
export interface RingEndpoint {
  readonly sab: SharedArrayBuffer;
  /** The Inbox's shared doorbell; absent for a standalone ring (its doorbell is in `sab`). */
  readonly doorbell?: SharedArrayBuffer;
}

/** Ring polls before sleeping: ~12 µs here. A reply that comes back within that window costs ~1 µs
 *  instead of a futex sleep and wake-up (~25-60 µs on this 2-core machine, see the ring bench's
 *  ring_roundtrip_* lines); a longer spin mostly burns the time the other side needs to answer. */
export const DEFAULT_SPIN = 1000;

export class RingTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
    this.name = 'RingTimeoutError';
  }
}

export class Ring {
  /** Immutable after construction. */
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  readonly maxMessageBytes: number;
  readonly doorbellSab: SharedArrayBuffer | undefined;
  readonly doorbell: Doorbell;
  /** Consumer's busy-polls before sleeping; a local setting of this Ring object. */
  spinIterations: number;
  private readonly mask: number;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  /** Producer-local: the HEAD this object last published (it is HEAD's only writer). */
  private head: number;
  /** Producer-local: a TAIL seen earlier; stale is safe (it only under-reports free space). */
  private tailSeen: number;
  /** Producer-local: the HEAD the claimed frame will publish (set by claim, used by publish). */
  private nextHead = 0;
  /** Consumer-local: the TAIL this object last released (it is TAIL's only writer). */
  private tail: number;
  /** Consumer-local: bound once so waits allocate nothing. */
  private readonly hasMessages = (): boolean => !this.isEmpty();

  private constructor(sab: SharedArrayBuffer, doorbellSab: SharedArrayBuffer | undefined, spin: number) {
    this.sab = sab;
    this.words = new Int32Array(sab);
    if (this.words[Slot.MAGIC] !== RING_MAGIC)
      throw new TypeError('Ring.attach: this SharedArrayBuffer is not a ring');
    this.capacity = this.words[Slot.CAPACITY]!;
    this.maxMessageBytes = this.words[Slot.MAX_MESSAGE]!;
    this.mask = this.capacity - 1;
    this.bytes = new Uint8Array(sab, CONTROL_BYTES, this.capacity);
    const external = (this.words[Slot.FLAGS]! & RingFlags.EXTERNAL_DOORBELL) !== 0;
    if (external && doorbellSab === undefined) {
      throw new TypeError(
        'Ring.attach: this ring belongs to an Inbox; attach with its endpoint {sab, doorbell}',
      );
    }
    this.doorbellSab = external ? doorbellSab : undefined;
    this.doorbell = external
      ? Doorbell.ofInbox(doorbellSab!)
      : new Doorbell(this.words, Slot.BELL_SEQ, Slot.BELL_SLEEPING);
    this.spinIterations = spin;
    // Plain snapshot loads would do for a fresh ring; Atomics.load also gives the right starting
    // point when attaching to a ring in use (each side then owns only its own counter).
    this.head = Atomics.load(this.words, Slot.HEAD) >>> 0;
    this.tail = Atomics.load(this.words, Slot.TAIL) >>> 0;
    this.tailSeen = this.tail;
  }

  /** A new ring; `doorbell` (an Inbox's) replaces the ring's own. */
  static create(capacityBytes: number, opts: RingOptions & { doorbell?: SharedArrayBuffer } = {}): Ring {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 64 || capacityBytes > 2 ** 30) {
      throw new RangeError(`ring capacity ${capacityBytes} is out of range (64 bytes .. 1 GiB)`);
    }
    if ((capacityBytes & (capacityBytes - 1)) !== 0) {
      throw new RangeError(`ring capacity ${capacityBytes} is not a power of two`);
    }
    const limit = capacityBytes / 2 - FRAME_HEADER_BYTES;
    const max = opts.maxMessageBytes ?? limit;
    if (!Number.isInteger(max) || max < 0 || max > limit) {
      throw new RangeError(`maxMessageBytes ${max} must be 0 .. ${limit} for a ${capacityBytes}-byte ring`);
    }
    const sab = new SharedArrayBuffer(CONTROL_BYTES + capacityBytes);
    const w = new Int32Array(sab);
    // Plain stores: nobody else can see `sab` until it is posted, and postMessage orders them.
    w[Slot.CAPACITY] = capacityBytes;
    w[Slot.MAX_MESSAGE] = max;
    w[Slot.FLAGS] = opts.doorbell ? RingFlags.EXTERNAL_DOORBELL : 0;
    w[Slot.MAGIC] = RING_MAGIC;
    return new Ring(sab, opts.doorbell, opts.spinIterations ?? DEFAULT_SPIN);
  }

  static attach(target: SharedArrayBuffer | RingEndpoint, opts: { spinIterations?: number } = {}): Ring {
    const ep = target instanceof SharedArrayBuffer ? { sab: target } : target;
    return new Ring(ep.sab, ep.doorbell, opts.spinIterations ?? DEFAULT_SPIN);
  }

  get endpoint(): RingEndpoint {
    return this.doorbellSab ? { sab: this.sab, doorbell: this.doorbellSab } : { sab: this.sab };
  }

  // ---- producer ----

  tryWrite(kind: number, payload: Uint8Array): boolean {
    const off = this.claim(kind, payload.byteLength);
    if (off < 0) return false;
    this.bytes.set(payload, off);
    this.publish();
    return true;
  }

  tryWriteWith(kind: number, byteLength: number, fill: Fill): boolean {
    const off = this.claim(kind, byteLength);
    if (off < 0) return false;
    if (byteLength > 0) fill(this.bytes, off);
    this.publish();
    return true;
  }

  write(kind: number, payload: Uint8Array, timeoutMs = Infinity): void {
    this.writeWith(kind, payload.byteLength, (b, o) => b.set(payload, o), timeoutMs);
  }

  writeWith(kind: number, byteLength: number, fill: Fill, timeoutMs = Infinity): void {
    if (this.tryWriteWith(kind, byteLength, fill)) return;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = this.flagSpaceWaiting();
      if (this.tryWriteWith(kind, byteLength, fill)) break;
      const left = deadline - performance.now();
      if (left <= 0) this.timeout(byteLength, timeoutMs);
      // Returns at once if TAIL is no longer `seen`: a release between our check and here is not lost.
      Atomics.wait(this.words, Slot.TAIL, seen, left);
    }
    // Only set while this producer waits; the consumer's exchange may have cleared it already.
    Atomics.store(this.words, Slot.SPACE_WAITING, 0);
  }

  writeAsync(kind: number, payload: Uint8Array, timeoutMs = Infinity): Promise<void> {
    return this.writeWithAsync(kind, payload.byteLength, (b, o) => b.set(payload, o), timeoutMs);
  }

  async writeWithAsync(kind: number, byteLength: number, fill: Fill, timeoutMs = Infinity): Promise<void> {
    if (this.tryWriteWith(kind, byteLength, fill)) return;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = this.flagSpaceWaiting();
      if (this.tryWriteWith(kind, byteLength, fill)) break;
      const left = deadline - performance.now();
      if (left <= 0) this.timeout(byteLength, timeoutMs);
      await waitAsyncKeepingAlive(this.words, Slot.TAIL, seen, left); // as Atomics.wait in writeWith
    }
    Atomics.store(this.words, Slot.SPACE_WAITING, 0); // as in writeWith
  }

  /** Sets SPACE_WAITING and returns the TAIL to wait on. */
  private flagSpaceWaiting(): number {
    // Store then load, both sequentially consistent; the consumer stores TAIL then exchanges
    // SPACE_WAITING. So either the consumer sees our flag and notifies TAIL, or our load (and the
    // retry that follows) sees its release.
    Atomics.store(this.words, Slot.SPACE_WAITING, 1);
    return Atomics.load(this.words, Slot.TAIL);
  }

  private timeout(byteLength: number, timeoutMs: number): never {
    const used = (this.head - (Atomics.load(this.words, Slot.TAIL) >>> 0)) >>> 0; // any recent value will do
    // Giving up: clear our flag so the consumer stops notifying a producer that no longer waits.
    Atomics.store(this.words, Slot.SPACE_WAITING, 0);
    throw new RingTimeoutError(
      `ring write timed out after ${timeoutMs} ms: a ${byteLength}-byte message needs ` +
        `${frameBytes(byteLength)} bytes, ${this.capacity - used} of ${this.capacity} free; is the consumer draining?`,
    );
  }

  /** Writes the frame header (and any padding frame) for a message; returns the payload's offset in
   *  `bytes`, or -1 when the ring is full. Nothing is visible to the consumer until publish(). */
  private claim(kind: number, byteLength: number): number {
    if (!(byteLength <= this.maxMessageBytes) || !Number.isInteger(byteLength) || byteLength < 0) {
      throw new RangeError(
        `ring message of ${byteLength} bytes exceeds the maximum message size of ${this.maxMessageBytes} bytes ` +
          `(ring capacity ${this.capacity} bytes)`,
      );
    }
    if (kind >>> 0 !== kind) throw new RangeError(`ring message kind ${kind} is not a u32`);
    const need = frameBytes(byteLength);
    let head = this.head;
    const pos = head & this.mask;
    const toEnd = this.capacity - pos;
    const total = need <= toEnd ? need : toEnd + need;
    if (((head - this.tailSeen) >>> 0) + total > this.capacity) {
      // Atomics.load of TAIL: the consumer stores TAIL only after it has finished reading the frames
      // below it, so space we see as free here is no longer read by anyone.
      this.tailSeen = Atomics.load(this.words, Slot.TAIL) >>> 0;
      if (((head - this.tailSeen) >>> 0) + total > this.capacity) return -1;
    }
    const words = this.words;
    if (need > toEnd) {
      words[(CONTROL_BYTES + pos) >> 2] = -1; // FRAME_PAD; plain store, published with the frame
      head = (head + toEnd) >>> 0;
    }
    const at = head & this.mask;
    const w = (CONTROL_BYTES + at) >> 2;
    // Plain stores: they become visible to the consumer through publish()'s Atomics.store of HEAD.
    words[w] = byteLength;
    words[w + 1] = kind;
    this.nextHead = (head + need) >>> 0;
    return at + FRAME_HEADER_BYTES;
  }

  private publish(): void {
    this.head = this.nextHead;
    // The header and payload were written with plain stores before this sequentially consistent
    // store; a consumer whose Atomics.load returns this HEAD (or a later one) therefore sees them.
    Atomics.store(this.words, Slot.HEAD, this.head | 0);
    this.doorbell.ring();
  }

  // ---- consumer ----

  isEmpty(): boolean {
    // Both loads are atomic so that either side may ask; a stale answer is corrected by the doorbell.
    return Atomics.load(this.words, Slot.HEAD) === Atomics.load(this.words, Slot.TAIL);
  }

  /**
   * Calls onMessage for up to `max` messages, oldest first, and returns how many. Space is released
   * (TAIL stored) after the batch and every quarter-ring within it, and a producer blocked for space
   * is woken then. If onMessage throws, that message counts as consumed and the error propagates.
   */
  drain(onMessage: OnMessage, max = Infinity): number {
    // Atomics.load of HEAD: every frame below it was fully written before the producer stored it.
    const head = Atomics.load(this.words, Slot.HEAD) >>> 0;
    let tail = this.tail;
    if (tail === head) return 0;
    const words = this.words;
    const mask = this.mask;
    const releaseEvery = this.capacity >>> 2;
    let released = tail;
    let n = 0;
    try {
      while (tail !== head && n < max) {
        if ((tail - released) >>> 0 >= releaseEvery) {
          this.release(tail);
          released = tail;
        }
        const pos = tail & mask;
        const w = (CONTROL_BYTES + pos) >> 2;
        const len = words[w]!;
        if (len === -1) {
          tail = (tail + this.capacity - pos) >>> 0; // FRAME_PAD: skip to the start
          continue;
        }
        const kind = words[w + 1]! >>> 0;
        tail = (tail + frameBytes(len)) >>> 0;
        n++;
        onMessage(kind, new Uint8Array(this.sab, CONTROL_BYTES + pos + FRAME_HEADER_BYTES, len));
      }
    } finally {
      this.release(tail);
    }
    return n;
  }

  private release(tail: number): void {
    this.tail = tail;
    // The frames below `tail` have been read (their callbacks returned) before this sequentially
    // consistent store, so a producer that sees it may overwrite them.
    Atomics.store(this.words, Slot.TAIL, tail | 0);
    // Load after the TAIL store: pairs with flagSpaceWaiting()'s store-then-load (Dekker).
    if (
      Atomics.load(this.words, Slot.SPACE_WAITING) !== 0 &&
      Atomics.exchange(this.words, Slot.SPACE_WAITING, 0) !== 0
    ) {
      Atomics.notify(this.words, Slot.TAIL, 1);
    }
  }

  /** Blocks (Atomics.wait) until a message is available or timeoutMs passes; true if one is. */
  waitForMessages(timeoutMs = Infinity): boolean {
    return this.doorbell.wait(this.hasMessages, timeoutMs, this.spinIterations);
  }

  waitForMessagesAsync(timeoutMs = Infinity): Promise<boolean> {
    return this.doorbell.waitAsync(this.hasMessages, timeoutMs, this.spinIterations);
  }
}
