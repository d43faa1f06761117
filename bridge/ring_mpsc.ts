// A true multi-producer ring: the alternative that bridge/inbox.ts (one SPSC ring per producer) was
// measured against in scripts/bench/ring.ts, kept so that the comparison can be re-run. The runtime
// does not use it. Layout: MpscSlot in bridge/ring_layout.ts.
//
// Producers reserve space by compare-exchange on the shared RESERVE counter, write the payload and
// kind, then commit the frame by storing its header word (length + 1) last. The consumer reads
// headers in order and stops at the first uncommitted (zero) one. Because a reserved frame can land
// where an old payload left arbitrary bytes, the consumer zeroes every byte it consumes before it
// releases TAIL, so that "not yet committed" always reads as 0 (as Aeron's log buffers do).

import { DEFAULT_SPIN, Doorbell, RingTimeoutError, type Fill, type OnMessage } from './ring.js';
import {
  CONTROL_BYTES,
  FRAME_HEADER_BYTES,
  MPSC_FRAME_PAD,
  MPSC_MAGIC,
  MpscSlot,
  frameBytes,
} from './ring_layout.js';

export class MpscRing {
  /** Immutable after construction. */
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  readonly maxMessageBytes: number;
  readonly doorbell: Doorbell;
  private readonly mask: number;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  /** Consumer-local: the TAIL this object last released. */
  private tail: number;
  private readonly hasMessages = (): boolean => !this.isEmpty();

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.words = new Int32Array(sab);
    if (this.words[MpscSlot.MAGIC] !== MPSC_MAGIC) throw new TypeError('MpscRing.attach: not an MPSC ring');
    this.capacity = this.words[MpscSlot.CAPACITY]!;
    this.maxMessageBytes = this.words[MpscSlot.MAX_MESSAGE]!;
    this.mask = this.capacity - 1;
    this.bytes = new Uint8Array(sab, CONTROL_BYTES, this.capacity);
    this.doorbell = new Doorbell(this.words, MpscSlot.BELL_SEQ, MpscSlot.BELL_SLEEPING);
    this.tail = Atomics.load(this.words, MpscSlot.TAIL) >>> 0; // starting point when attaching
  }

  static create(capacityBytes: number): MpscRing {
    if ((capacityBytes & (capacityBytes - 1)) !== 0 || capacityBytes < 64 || capacityBytes > 2 ** 30) {
      throw new RangeError(`ring capacity ${capacityBytes} is not a power of two in 64 bytes .. 1 GiB`);
    }
    const sab = new SharedArrayBuffer(CONTROL_BYTES + capacityBytes);
    const w = new Int32Array(sab);
    // Plain stores: `sab` is not shared yet, and postMessage orders them before the receiver's reads.
    w[MpscSlot.CAPACITY] = capacityBytes;
    w[MpscSlot.MAX_MESSAGE] = capacityBytes / 2 - FRAME_HEADER_BYTES;
    w[MpscSlot.MAGIC] = MPSC_MAGIC;
    return new MpscRing(sab);
  }

  static attach(sab: SharedArrayBuffer): MpscRing {
    return new MpscRing(sab);
  }

  isEmpty(): boolean {
    // RESERVE rather than committed frames: a reserved frame is about to be committed; good enough
    // for the doorbell, whose consumer re-checks after waking.
    return Atomics.load(this.words, MpscSlot.RESERVE) === Atomics.load(this.words, MpscSlot.TAIL);
  }

  tryWriteWith(kind: number, byteLength: number, fill: Fill): boolean {
    if (!(byteLength <= this.maxMessageBytes) || byteLength < 0) {
      throw new RangeError(
        `ring message of ${byteLength} bytes exceeds the maximum message size of ${this.maxMessageBytes} bytes`,
      );
    }
    const words = this.words;
    const need = frameBytes(byteLength);
    let head: number, pos: number, toEnd: number;
    for (;;) {
      // Atomics.load of RESERVE and TAIL, then compareExchange: the exchange succeeds only if no
      // other producer moved RESERVE in between, so [head, head + total) is ours alone; TAIL only
      // grows, so space we saw free stays free.
      head = Atomics.load(words, MpscSlot.RESERVE) >>> 0;
      pos = head & this.mask;
      toEnd = this.capacity - pos;
      const total = need <= toEnd ? need : toEnd + need;
      const tail = Atomics.load(words, MpscSlot.TAIL) >>> 0;
      if (((head - tail) >>> 0) + total > this.capacity) return false;
      if (Atomics.compareExchange(words, MpscSlot.RESERVE, head | 0, (head + total) | 0) === (head | 0))
        break;
    }
    if (need > toEnd) {
      // Commit the padding frame on its own: the consumer may pass it before our message is ready.
      Atomics.store(words, (CONTROL_BYTES + pos) >> 2, MPSC_FRAME_PAD);
      pos = 0;
    }
    const w = (CONTROL_BYTES + pos) >> 2;
    words[w + 1] = kind; // plain store, published by the commit below
    if (byteLength > 0) fill(this.bytes, pos + FRAME_HEADER_BYTES);
    // Commit: kind and payload were written with plain stores before this sequentially consistent
    // store; the consumer's Atomics.load that sees a non-zero header therefore sees them.
    Atomics.store(words, w, byteLength + 1);
    this.doorbell.ring();
    return true;
  }

  writeWith(kind: number, byteLength: number, fill: Fill, timeoutMs = Infinity): void {
    if (this.tryWriteWith(kind, byteLength, fill)) return;
    const deadline = performance.now() + timeoutMs;
    const words = this.words;
    // A count, not a flag: several producers may wait. Add then load TAIL, against the consumer's
    // store of TAIL then load of SPACE_WAITERS (Dekker, all sequentially consistent).
    Atomics.add(words, MpscSlot.SPACE_WAITERS, 1);
    try {
      for (;;) {
        const seen = Atomics.load(words, MpscSlot.TAIL);
        if (this.tryWriteWith(kind, byteLength, fill)) return;
        const left = deadline - performance.now();
        if (left <= 0) throw new RingTimeoutError(`MPSC ring write timed out after ${timeoutMs} ms`);
        Atomics.wait(words, MpscSlot.TAIL, seen, left);
      }
    } finally {
      Atomics.sub(words, MpscSlot.SPACE_WAITERS, 1);
    }
  }

  drain(onMessage: OnMessage, max = Infinity): number {
    const words = this.words;
    const start = this.tail;
    let tail = start;
    let n = 0;
    // Never past one lap: producers cannot have reserved beyond start + capacity (TAIL is still
    // `start`), and what lies there is what this batch consumed but has not zeroed yet.
    while (n < max && (tail - start) >>> 0 < this.capacity) {
      const pos = tail & this.mask;
      const w = (CONTROL_BYTES + pos) >> 2;
      // Atomics.load of the header: a non-zero value was stored after the frame's body (see commit).
      const h = Atomics.load(words, w);
      if (h === 0) break;
      if (h === MPSC_FRAME_PAD) {
        tail = (tail + this.capacity - pos) >>> 0;
        continue;
      }
      const len = h - 1;
      tail = (tail + frameBytes(len)) >>> 0;
      n++;
      onMessage(words[w + 1]! >>> 0, new Uint8Array(this.sab, CONTROL_BYTES + pos + FRAME_HEADER_BYTES, len));
    }
    if (tail === start) return 0;
    // Zero what was consumed (headers and bodies), with plain stores ordered before the TAIL store.
    const a = start & this.mask;
    const b = tail & this.mask;
    if (a < b) this.bytes.fill(0, a, b);
    else {
      this.bytes.fill(0, a);
      this.bytes.fill(0, 0, b);
    }
    this.tail = tail;
    // Sequentially consistent store after the zeroing: a producer that sees this TAIL and reserves
    // the space finds zeros, so its frame reads as uncommitted until it commits.
    Atomics.store(words, MpscSlot.TAIL, tail | 0);
    if (Atomics.load(words, MpscSlot.SPACE_WAITERS) > 0) Atomics.notify(words, MpscSlot.TAIL);
    return n;
  }

  waitForMessages(timeoutMs = Infinity): boolean {
    return this.doorbell.wait(this.hasMessages, timeoutMs, DEFAULT_SPIN);
  }
}
