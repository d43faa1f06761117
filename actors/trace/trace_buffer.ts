// A thread's trace buffer: an SPSC ring (bridge/ring.ts) in a SharedArrayBuffer that this thread
// writes trace records into and the trace actor's thread drains. Writing never blocks and never
// allocates on the message path: when the ring is full the record is dropped and counted in a
// shared counter the drainer reads (as Linux's perf ring counts PERF_RECORD_LOST).
//
// Record layout (payloads are 8-byte aligned in the ring, so Float64 fields are read in place):
//   STR   u32 id, then UTF-8 text              defines a string id used by later records
//   MSG   f64 ts, from, to, id, cause; u32 bytes, frame, kind-string id, 0
//   SYS   f64 ts, dur, pid; u32 proc-string id, sys, a0, a1; i32 errno; u32 ret, data length, 0;
//         then data bytes
//   LIFE  f64 ts, then UTF-8 JSON of LifecycleInfo (rare: JSON is fine)
import { Ring, type RingEndpoint } from '../../bridge/ring.js';
import { CONTROL_BYTES } from '../../bridge/ring_layout.js';
import type { MessageTrace } from '../runtime/trace_hook.js';
import type { LifecycleInfo } from './events.js';

export const enum Rec {
  STR = 1,
  MSG = 2,
  SYS = 3,
  LIFE = 4,
}

export const MSG_BYTES = 56;
export const SYS_HEAD_BYTES = 56;

/** Default ring size per thread: ~36,000 message records between two drains. */
export const DEFAULT_TRACE_RING_BYTES = 4 << 20;

/** Words of the counters buffer. */
const enum Counter {
  /** Records lost because the ring was full; written by the producer, read by the drainer. */
  DROPPED = 0,
}

/** What a thread needs to start tracing into a buffer: structured-cloneable. */
export interface TraceBufferEndpoint {
  readonly ring: RingEndpoint;
  readonly counters: SharedArrayBuffer;
  /** The actor host (thread) index the records come from. */
  readonly host: number;
}

export function createTraceBuffer(host: number, ringBytes = DEFAULT_TRACE_RING_BYTES): TraceBufferEndpoint {
  const ring = Ring.create(ringBytes);
  return { ring: ring.endpoint, counters: new SharedArrayBuffer(8), host };
}

const encoder = new TextEncoder();

/** The producer side; one per thread, used only by that thread. */
export class TraceWriter {
  /** Immutable after construction. */
  readonly host: number;
  private readonly ring: Ring;
  private readonly counters: Int32Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  /** Strings already defined in this ring; owned by the writing thread. */
  private readonly strings = new Map<string, number>();
  // The record being written, read by the fill callbacks (bound once so writes allocate nothing).
  private m: MessageTrace | null = null;
  private sTs = 0;
  private sDur = 0;
  private sPid = 0;
  private sProc = 0;
  private sSys = 0;
  private sA0 = 0;
  private sA1 = 0;
  private sErrno = 0;
  private sRet = 0;
  private sData: Uint8Array | null = null;
  private kindId = 0;
  /**
   * The latest message or lifecycle stamp written: a message's stamp may be a few µs coarse
   * (ActorHost reads the clock on every 16th message of a burst), and it must not go before what
   * this thread already recorded, since the drainer merges threads in time order.
   */
  private lastTs = 0;
  private lastString: string | null = null;
  private lastId = 0;

  constructor(ep: TraceBufferEndpoint) {
    this.host = ep.host;
    this.ring = Ring.attach(ep.ring);
    this.counters = new Int32Array(ep.counters);
    const data = this.ring.sab.byteLength - CONTROL_BYTES;
    this.f64 = new Float64Array(this.ring.sab, CONTROL_BYTES, data >> 3);
    this.u32 = new Uint32Array(this.ring.sab, CONTROL_BYTES, data >> 2);
    this.i32 = new Int32Array(this.ring.sab, CONTROL_BYTES, data >> 2);
  }

  get dropped(): number {
    return Atomics.load(this.counters, Counter.DROPPED); // any recent value will do
  }

  private drop(): void {
    // Atomics.add: the drainer reads the count from another thread; nothing else is ordered by it.
    Atomics.add(this.counters, Counter.DROPPED, 1);
  }

  /** The string's id, defining it in the ring first if needed; -1 when the ring is full. */
  private intern(s: string): number {
    // Floods repeat one kind: compare with the last string before hashing.
    if (s === this.lastString) return this.lastId;
    const known = this.strings.get(s);
    if (known !== undefined) {
      this.lastString = s;
      this.lastId = known;
      return known;
    }
    const id = this.strings.size + 1;
    const text = encoder.encode(s.length > 200 ? s.slice(0, 200) : s);
    if (4 + text.length > this.ring.maxMessageBytes) return -1;
    const ok = this.ring.tryWriteWith(Rec.STR, 4 + text.length, (b, o) => {
      this.u32[o >> 2] = id;
      b.set(text, o + 4);
    });
    if (!ok) return -1;
    this.strings.set(s, id);
    return id;
  }

  private readonly fillMsg = (_b: Uint8Array, o: number): void => {
    const m = this.m!;
    const f = o >> 3;
    const f64 = this.f64;
    f64[f] = this.lastTs = m.ts > this.lastTs ? m.ts : this.lastTs;
    f64[f + 1] = m.from;
    f64[f + 2] = m.to;
    f64[f + 3] = m.id;
    f64[f + 4] = m.cause;
    const w = (o >> 2) + 10;
    const u32 = this.u32;
    u32[w] = m.bytes;
    u32[w + 1] = m.frame;
    u32[w + 2] = this.kindId;
    u32[w + 3] = 0;
  };

  /** Records one actor message: the ActorHost trace hook. */
  message(t: MessageTrace): void {
    const k = this.intern(t.kind);
    if (k < 0) return this.drop();
    this.kindId = k;
    this.m = t;
    if (!this.ring.tryWriteWith(Rec.MSG, MSG_BYTES, this.fillMsg)) this.drop();
    this.m = null;
  }

  /** The hook for ActorHost.trace, bound to this writer. */
  readonly messageHook = (t: MessageTrace): void => this.message(t);

  private readonly fillSys = (b: Uint8Array, o: number): void => {
    const f = o >> 3;
    this.f64[f] = this.sTs;
    this.f64[f + 1] = this.sDur;
    this.f64[f + 2] = this.sPid;
    const w = (o >> 2) + 6;
    this.u32[w] = this.sProc;
    this.u32[w + 1] = this.sSys;
    this.i32[w + 2] = this.sA0;
    this.i32[w + 3] = this.sA1;
    this.i32[w + 4] = this.sErrno;
    this.u32[w + 5] = this.sRet >>> 0;
    const d = this.sData;
    this.u32[w + 6] = d === null ? 0 : d.length;
    this.u32[w + 7] = 0;
    if (d !== null) b.set(d, o + SYS_HEAD_BYTES);
  };

  /** Records one guest syscall: the shape of platform/syscall_host.ts's SyscallTraceHook. */
  syscall(
    pid: number,
    proc: string,
    sys: number,
    a0: number,
    a1: number,
    start: number,
    dur: number,
    errno: number,
    ret: number,
    data: Uint8Array | null,
  ): void {
    const p = this.intern(proc);
    if (p < 0) return this.drop();
    this.sTs = start;
    this.sDur = dur;
    this.sPid = pid;
    this.sProc = p;
    this.sSys = sys;
    this.sA0 = a0;
    this.sA1 = a1;
    this.sErrno = errno;
    this.sRet = ret;
    this.sData = data;
    const len = SYS_HEAD_BYTES + (data === null ? 0 : data.length);
    if (!this.ring.tryWriteWith(Rec.SYS, len, this.fillSys)) this.drop();
    this.sData = null;
  }

  /** Records a lifecycle event (rare: encoded as JSON). */
  lifecycle(ts: number, info: LifecycleInfo): void {
    const json = encoder.encode(JSON.stringify(info));
    // A runaway detail string must not throw from tracing: it is dropped like a record that does not fit.
    if (8 + json.length > this.ring.maxMessageBytes) return this.drop();
    const ok = this.ring.tryWriteWith(Rec.LIFE, 8 + json.length, (b, o) => {
      this.f64[o >> 3] = this.lastTs = ts > this.lastTs ? ts : this.lastTs;
      b.set(json, o + 8);
    });
    if (!ok) this.drop();
  }
}
