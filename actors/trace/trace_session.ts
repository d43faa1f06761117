// The trace actor: made on the thread that embeds the ActorSystem (host 0), it gives every host a
// trace buffer, drains them all on a timer, merges their records by time and hands each batch to
// its sinks. It never blocks a traced thread: full buffers and slow sinks drop and count.
//
// It is a service object of host 0 rather than a mailbox actor because turning tracing on for a
// worker host is a control-plane call (ActorSystem.traceTo), which only the embedding thread makes;
// its own work (draining) sends no message, so tracing does not trace itself.
import type { ActorSystem } from '../runtime/system.js';
import type { ActorRef } from '../runtime/ids.js';
import type { TraceEvent } from './events.js';
import { startThreadTrace, stopThreadTrace, traceLifecycle } from './thread_trace.js';
import { createTraceBuffer, DEFAULT_TRACE_RING_BYTES, type TraceBufferEndpoint } from './trace_buffer.js';
import { TraceReader } from './trace_reader.js';
import type { TraceSink } from './sinks/sink.js';

/** Records taken from each buffer per round of a drain. */
const DRAIN_CHUNK = 2048;
/**
 * Timer drains leave the newest events this many ms for the next drain: a thread may have taken an
 * event's timestamp and not yet written its record, and merging threads by time needs a watermark.
 */
const HOLD_MS = 5;
/**
 * A timer drain works at most this long before it lets the event loop run (file writes complete
 * then) and continues in a setImmediate: a drain that ran as long as producers kept writing would
 * queue file writes it never lets finish.
 */
const PUMP_MS = 4;
/** How long stop() waits for a sink that is behind (a slow disk) before the rest is dropped. */
const STOP_WAIT_MS = 30_000;

export interface TraceSessionOptions {
  /** The system whose hosts are traced; absent: only this thread (platform-level use, tests). */
  system?: ActorSystem;
  /** Bytes of each thread's ring (a power of two). */
  ringBytes?: number;
  /** Milliseconds between drains. */
  drainMs?: number;
  sinks?: TraceSink[];
  /** The buffers are made elsewhere and handed over with attach() (the recorder thread's case). */
  external?: boolean;
}

export interface TraceStatus {
  on: boolean;
  /** Epoch ms tracing started; 0 when it never did. */
  since: number;
  /** Events delivered to the sinks so far. */
  events: number;
  /** Events lost: buffers full, plus the worst sink's drops. */
  dropped: number;
  sinks: { name: string; dropped: number }[];
}

export class TraceSession {
  // Every field is owned by the thread that made the session (host 0).
  private readonly system: ActorSystem | undefined;
  private readonly external: boolean;
  private readonly ringBytes: number;
  private readonly drainMs: number;
  private readonly readers = new Map<number, TraceReader>();
  private readonly sinks: TraceSink[];
  private timer: NodeJS.Timeout | undefined;
  private on = false;
  private since = 0;
  private events = 0;
  private lastDropped = 0;
  private batch: TraceEvent[] = [];
  /** A timer drain continues in a setImmediate. */
  private pumping = false;

  constructor(opts: TraceSessionOptions = {}) {
    this.system = opts.system;
    this.external = opts.external ?? false;
    this.ringBytes = opts.ringBytes ?? DEFAULT_TRACE_RING_BYTES;
    this.drainMs = opts.drainMs ?? 10;
    this.sinks = [...(opts.sinks ?? [])];
  }

  get active(): boolean {
    return this.on;
  }

  /** Gives every thread a buffer and starts draining. */
  async start(): Promise<void> {
    if (this.on) return;
    this.on = true;
    this.since = Date.now();
    const make = (host: number): TraceBufferEndpoint => {
      const ep = createTraceBuffer(host, this.ringBytes);
      this.attach(ep);
      return ep;
    };
    if (this.external) {
      // Buffers arrive through attach().
    } else if (this.system !== undefined) await this.system.traceTo(make);
    else startThreadTrace(make(0));
    this.timer = setInterval(this.pump, this.drainMs);
  }

  /** Drains a thread's buffer from now on (made by this session, or handed over by its maker). */
  attach(ep: TraceBufferEndpoint): void {
    // A host restarted under the same id gets a fresh buffer; the old one is drained first.
    const old = this.readers.get(ep.host);
    if (old !== undefined) old.drain(this.batch);
    this.readers.set(ep.host, new TraceReader(ep));
  }

  /** Stops tracing every thread, drains what is left and closes the sinks. */
  async stop(): Promise<TraceStatus> {
    if (this.on) {
      this.on = false;
      if (this.external) {
        // The maker of the buffers stops their writers.
      } else if (this.system !== undefined) await this.system.traceTo(null).catch(() => undefined);
      else stopThreadTrace();
      clearInterval(this.timer);
      this.timer = undefined;
      await this.drainAll();
    }
    const status = this.status();
    const sinks = this.sinks.splice(0);
    await Promise.all(sinks.map((s) => s.close(status.dropped)));
    return status;
  }

  addSink(sink: TraceSink): void {
    this.sinks.push(sink);
  }

  /** Detaches a sink (a live viewer that left) and closes it. */
  async removeSink(sink: TraceSink): Promise<void> {
    const i = this.sinks.indexOf(sink);
    if (i < 0) return;
    this.sinks.splice(i, 1);
    await sink.close(this.dropped());
  }

  /** Labels an actor's track ("loader:sbx1"): recorded as an 'actor' lifecycle event. */
  nameActor(ref: ActorRef): void {
    traceLifecycle({ what: 'actor', actor: ref.id, name: ref.name });
  }

  private dropped(): number {
    let n = 0;
    for (const r of this.readers.values()) n += r.dropped;
    let worst = 0;
    for (const s of this.sinks) worst = Math.max(worst, s.dropped);
    return n + worst;
  }

  status(): TraceStatus {
    return {
      on: this.on,
      since: this.since,
      events: this.events,
      dropped: this.dropped(),
      sinks: this.sinks.map((s) => ({ name: s.name, dropped: s.dropped })),
    };
  }

  /** A sink cannot take more now but will soon (its file writes are queued): records wait in the rings. */
  private behind(): boolean {
    for (const s of this.sinks) if (s.behind === true) return true;
    return false;
  }

  /**
   * The timer's drain: while no sink is behind, rounds until the buffers are empty, for at most
   * PUMP_MS at a time. When a sink is behind, records stay in the rings; if the rings fill, their
   * producers drop and count, which costs the traced threads less than records decoded and
   * encoded to be dropped here.
   */
  private readonly pump = (): void => {
    if (!this.on || this.pumping) return;
    const end = performance.now() + PUMP_MS;
    while (!this.behind()) {
      if (!this.round(HOLD_MS)) return;
      if (performance.now() >= end) {
        this.pumping = true;
        setImmediate(() => {
          this.pumping = false;
          this.pump();
        });
        return;
      }
    }
  };

  /** Drains everything, letting a sink that is behind catch up first (for at most STOP_WAIT_MS). */
  private async drainAll(): Promise<void> {
    const deadline = performance.now() + STOP_WAIT_MS;
    let slice = performance.now() + PUMP_MS;
    for (;;) {
      if (this.behind() && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (!this.round(0)) return;
      if (performance.now() >= slice) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now() + PUMP_MS;
      }
    }
  }

  /**
   * Drains every buffer and feeds the sinks; returns the events it delivered. Works in rounds of at
   * most DRAIN_CHUNK records per buffer, so that what a round allocates dies young (a whole ring's
   * worth at once would be promoted and cost full garbage collections). Events are delivered in time
   * order up to a watermark: `holdMs` before now (timer drains), and never past the newest event of
   * a buffer that still has more to give, whose older records could be next; the rest is kept for
   * the next round or drain. An explicit drain (holdMs 0) delivers everything written so far.
   */
  drain(holdMs = 0): number {
    const before = this.events;
    while (this.round(holdMs));
    return this.events - before;
  }

  /** One round of drain(): true when it delivered events and there may be more. */
  private round(holdMs: number): boolean {
    const batch = this.batch;
    let got = 0;
    let cut = holdMs > 0 ? performance.timeOrigin + performance.now() - holdMs : Infinity;
    for (const r of this.readers.values()) {
      const before = batch.length;
      const n = r.drain(batch, DRAIN_CHUNK);
      got += n;
      if (n >= DRAIN_CHUNK && batch.length > before) cut = Math.min(cut, batch[batch.length - 1]!.ts);
    }
    const dropped = this.dropped();
    if (dropped !== this.lastDropped) {
      this.lastDropped = dropped;
      batch.push({
        t: 'stat',
        ts: performance.timeOrigin + performance.now(),
        dropped,
        events: this.events,
      });
    }
    if (batch.length === 0) return false;
    // Each buffer is nearly in order; merging threads and holding back need a sort (stable, so a
    // thread's order stays; and TimSort, so a run already in order costs one pass).
    if (this.readers.size > 1 || cut !== Infinity) batch.sort(byTime);
    let ready = batch;
    if (cut === Infinity) this.batch = [];
    else {
      let k = batch.length;
      while (k > 0 && batch[k - 1]!.ts > cut) k--;
      this.batch = batch.slice(k);
      ready = k === batch.length ? batch : batch.slice(0, k);
    }
    if (ready.length > 0) {
      this.events += ready.length;
      for (const s of this.sinks) s.write(ready);
    }
    return got > 0 && ready.length > 0;
  }
}

function byTime(a: TraceEvent, b: TraceEvent): number {
  return a.ts - b.ts;
}
