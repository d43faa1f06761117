// The rings between one host and every other host of its system: one inbox (a ring per producer
// thread, one doorbell) for what comes in, one ring per destination for what goes out.
//
// Why one SPSC ring per (producer, consumer) pair rather than one MPSC ring per consumer: see
// bridge/inbox.ts; in short, no compare-and-swap on the send path and no producer ever waits for
// another producer's half-written frame.
import { Inbox } from '../../bridge/inbox.js';
import { Ring, type RingEndpoint } from '../../bridge/ring.js';
import { decodeFrame, prepareFrame } from './codec.js';
import type { Envelope, FrameKind } from './envelope.js';
import { hostOf, type HostId } from './ids.js';
import type { ActorHost, HostRouter } from './host.js';

/** Bytes per host-to-host ring. Larger messages than a ring holds fail with a RangeError at send. */
export const LINK_RING_BYTES = 1 << 20;
const WAKE_RING_BYTES = 4096;
const WAKE_FRAME = 0;
const EMPTY = new Uint8Array(0);
/** A batch of inbound frames handled before yielding to the event loop. */
const DRAIN_BATCH = 4096;
/** How long a sender waits for space in a full ring before the link is declared stuck. */
const FULL_RING_TIMEOUT_MS = 60_000;

interface Overflow {
  frames: { kind: FrameKind; bytes: Uint8Array }[];
  flushing: boolean;
}

export class HostLinks implements HostRouter {
  // Owned by the host's thread.
  private readonly inbox: Inbox;
  private readonly out = new Map<HostId, Ring>();
  private readonly inFrom = new Map<HostId, RingEndpoint>();
  /** A ring into our own inbox, written only by stop(): the inbox wakes on messages, so a zero-length
   *  frame is how the pump is woken to see that it must end. */
  private readonly wakeRing: Ring;
  /** Messages that met a full ring wait here, in order, until the consumer makes room. */
  private readonly overflow = new Map<HostId, Overflow>();
  private pumping = false;
  /** Frames written to outgoing rings (including those that waited in the overflow). */
  framesOut = 0;
  private stopped = false;
  /** Failures that cannot be thrown at a sender (a stuck link); the host reports them. */
  onLinkError: ((e: Error) => void) | null = null;

  constructor(private readonly host: ActorHost) {
    this.inbox = Inbox.create();
    this.wakeRing = Ring.attach(this.inbox.addProducer(WAKE_RING_BYTES));
    host.router = this;
  }

  /** Consumer side: makes a ring that host `from` will write into. */
  addProducer(from: HostId): RingEndpoint {
    const endpoint = this.inbox.addProducer(LINK_RING_BYTES);
    this.inFrom.set(from, endpoint);
    return endpoint;
  }

  /** Producer side: attaches to the ring that host `to` made for us. */
  attachOutgoing(to: HostId, endpoint: RingEndpoint): void {
    this.out.set(to, Ring.attach(endpoint));
  }

  /** Forgets a host that has ended: its rings are dropped on both sides. */
  detach(peer: HostId): void {
    this.out.delete(peer);
    this.overflow.delete(peer);
    const endpoint = this.inFrom.get(peer);
    if (endpoint !== undefined) {
      // Frames it sent before ending are still delivered, then its ring is let go.
      while (this.drainOnce() > 0);
      this.inbox.removeProducer(endpoint);
      this.inFrom.delete(peer);
    }
  }

  send(env: Envelope): number {
    const to = hostOf(env.to);
    const ring = this.out.get(to);
    if (ring === undefined) throw new Error(`host ${this.host.id} has no link to host ${to}`);
    const frame = prepareFrame(env);
    this.framesOut++;
    const ov = this.overflow.get(to);
    // While older frames wait in the overflow, newer ones queue behind them to keep order.
    if (ov === undefined && ring.tryWriteWith(env.frame, frame.byteLength, (b, off) => frame.write(b, off))) {
      return frame.byteLength;
    }
    const bytes = new Uint8Array(frame.byteLength);
    frame.write(bytes, 0);
    const q = ov ?? { frames: [], flushing: false };
    q.frames.push({ kind: env.frame, bytes });
    this.overflow.set(to, q);
    if (!q.flushing) void this.flush(to, ring, q);
    return frame.byteLength;
  }

  private async flush(to: HostId, ring: Ring, q: Overflow): Promise<void> {
    q.flushing = true;
    try {
      while (q.frames.length > 0 && !this.stopped) {
        const f = q.frames[0]!;
        await ring.writeAsync(f.kind, f.bytes, FULL_RING_TIMEOUT_MS);
        q.frames.shift();
      }
    } catch (e) {
      this.onLinkError?.(e as Error);
    } finally {
      q.flushing = false;
      if (this.overflow.get(to) === q && q.frames.length === 0) this.overflow.delete(to);
    }
  }

  private readonly onFrame = (kind: number, payload: Uint8Array): void => {
    if (kind === WAKE_FRAME) return;
    this.host.deliverRemote(decodeFrame(kind as FrameKind, payload));
  };

  private drainOnce(): number {
    return this.inbox.drain(this.onFrame, DRAIN_BATCH);
  }

  /** Starts the inbound loop: drain, run, and sleep on the doorbell with Atomics.waitAsync. */
  start(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const n = this.drainOnce();
      if (n === DRAIN_BATCH) {
        // A full batch: let timers and I/O run before the next one.
        await new Promise<void>((r) => setImmediate(r));
      } else if (n === 0) {
        // waitAsync keeps the event loop free for the actors' own I/O; Atomics.wait would freeze it.
        await this.inbox.waitAsync(Infinity);
      }
    }
    this.pumping = false;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeRing.tryWrite(WAKE_FRAME, EMPTY);
  }
}
