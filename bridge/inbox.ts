// A consumer's set of rings: one SPSC ring per producer thread, all sharing one doorbell, so that a
// thread waits for "a message from anyone" with a single Atomics.wait / Atomics.waitAsync.
//
// Why one SPSC ring per producer and not one MPSC ring (bridge/ring_mpsc.ts is the measured
// alternative). `npm run bench -- ring` on this 2-core machine, 3 producer threads, 32-byte messages:
// ring_spsc_inbox_3producers_msgs_per_s 15.5-32.1 M/s against ring_mpsc_3producers_msgs_per_s
// 8.9-13.8 M/s over four runs, side by side in each (and 9.4-16.5 M/s for the MPSC ring with one
// producer, so much of its cost is the design, not only contention). The reasons:
//  - an SPSC producer owns HEAD and publishes with one plain Atomics.store; MPSC producers must claim
//    space with a compare-exchange loop on a shared counter, which bounces one cache line between
//    cores and retries under contention;
//  - an MPSC frame is published by its own header word, so the consumer must load
//    every header atomically, and one slow producer that has reserved space but not yet committed
//    stalls everyone behind it (head-of-line blocking); SPSC rings are independent;
//  - an MPSC consumer must zero every byte it consumes so that "uncommitted" reads as 0;
//  - back-pressure is per producer: a flooding thread fills only its own ring.
// The price is memory (one ring per producer→consumer pair, a few hundred KiB each) and a consumer
// that polls several HEADs; with the handful of worker threads Corral runs, both are small.
//
// API
//   Inbox.create(opts?) -> Inbox
//   inbox.doorbell: SharedArrayBuffer
//   inbox.addProducer(capacityBytes, opts?) -> RingEndpoint   post it; the producer calls Ring.attach
//   inbox.removeProducer(endpoint) -> boolean                 after that producer has stopped writing
//   inbox.drain(onMessage, max?) -> count                     round-robin over the rings
//   inbox.wait(timeoutMs?) -> boolean / inbox.waitAsync(timeoutMs?) -> Promise<boolean>
//   inbox.isEmpty() -> boolean, inbox.size

import { DEFAULT_SPIN, Doorbell, Ring, type OnMessage, type RingEndpoint } from './ring.js';
import { DOORBELL_BYTES } from './ring_layout.js';

export interface InboxOptions {
  /** Ring polls before the consumer sleeps, shared out over the rings (default DEFAULT_SPIN), so the
   *  spin lasts about as long whatever the number of producers. */
  spinIterations?: number;
}

export class Inbox {
  /** Immutable after construction; shared with every producer ring of this inbox. */
  readonly doorbell: SharedArrayBuffer;
  /** Local setting of the consuming thread. */
  spinIterations: number;
  /** Owned by the consuming thread; the producers never see this list. */
  private rings: Ring[] = [];
  /** Owned by the consuming thread: the ring drain() starts with, rotated for fairness. */
  private next = 0;
  private readonly bell: Doorbell;
  private readonly hasMessages = (): boolean => !this.isEmpty();

  private constructor(opts: InboxOptions) {
    this.doorbell = new SharedArrayBuffer(DOORBELL_BYTES);
    this.bell = Doorbell.ofInbox(this.doorbell);
    this.spinIterations = opts.spinIterations ?? DEFAULT_SPIN;
  }

  static create(opts: InboxOptions = {}): Inbox {
    return new Inbox(opts);
  }

  get size(): number {
    return this.rings.length;
  }

  /** A new ring for one producer thread; the producer attaches with Ring.attach(endpoint). */
  addProducer(capacityBytes: number, opts: { maxMessageBytes?: number } = {}): RingEndpoint {
    const ring = Ring.create(capacityBytes, { ...opts, doorbell: this.doorbell });
    this.rings.push(ring);
    return ring.endpoint;
  }

  /** Forgets a ring (messages still in it are dropped): call once its producer has stopped. */
  removeProducer(endpoint: RingEndpoint | SharedArrayBuffer): boolean {
    const sab = endpoint instanceof SharedArrayBuffer ? endpoint : endpoint.sab;
    const i = this.rings.findIndex((r) => r.sab === sab);
    if (i < 0) return false;
    this.rings.splice(i, 1);
    this.next = 0;
    return true;
  }

  isEmpty(): boolean {
    for (const r of this.rings) if (!r.isEmpty()) return false;
    return true;
  }

  /** Drains the rings in turn, starting one further each call, up to `max` messages in all. The
   *  payload view is valid only during the callback. */
  drain(onMessage: OnMessage, max = Infinity): number {
    const rings = this.rings;
    const n = rings.length;
    if (n === 0) return 0;
    const start = this.next;
    this.next = start + 1 < n ? start + 1 : 0;
    let got = 0;
    for (let k = 0; k < n && got < max; k++) {
      const i = start + k < n ? start + k : start + k - n;
      got += rings[i]!.drain(onMessage, max - got);
    }
    return got;
  }

  /** Blocks (Atomics.wait, for worker threads) until some ring has a message or timeoutMs passes. */
  wait(timeoutMs = Infinity): boolean {
    return this.bell.wait(this.hasMessages, timeoutMs, this.spinRounds());
  }

  /** As wait(), with Atomics.waitAsync: for the main thread and any loop that must keep running. */
  waitAsync(timeoutMs = Infinity): Promise<boolean> {
    return this.bell.waitAsync(this.hasMessages, timeoutMs, this.spinRounds());
  }

  /** Each spin round polls every ring. */
  private spinRounds(): number {
    return Math.ceil(this.spinIterations / Math.max(1, this.rings.length));
  }
}
