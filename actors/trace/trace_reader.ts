// The consumer side of a thread's trace buffer (layout and timing rules: trace_buffer.ts): decodes
// its records into TraceEvents. Owned by the trace actor's thread; one reader per buffer, holding
// that buffer's string table.
import type { LifecycleInfo, MsgEvent, TraceEvent } from './events.js';
import { formatArgs, syscallName } from './syscall_names.js';
import {
  Ctl,
  LIFE_HEAD_WORDS,
  Rec,
  STR_HEAD_WORDS,
  SYS_HEAD_WORDS,
  traceViews,
  type TraceBufferEndpoint,
} from './trace_buffer.js';

const decoder = new TextDecoder();

export class TraceReader {
  // Immutable after construction.
  readonly host: number;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  // Owned by the draining thread.
  /** Words consumed (TAIL's only writer keeps it here). */
  private tail: number;
  /** Strings defined so far in this buffer. */
  private readonly strings = new Map<number, string>();
  /** The last time read (a sample or a TIME): where the next run of untimed messages starts. */
  private lastTs = NaN;
  /** The current run of untimed messages, waiting for the time that closes it. */
  private run: MsgEvent[] = [];
  /** The last message decoded: what a RUN record repeats (it may have come in an earlier drain). */
  private prev: MsgEvent | null = null;

  constructor(readonly endpoint: TraceBufferEndpoint) {
    this.host = endpoint.host;
    const v = traceViews(endpoint);
    this.ctl = v.ctl;
    this.f64 = v.f64;
    this.u32 = v.u32;
    this.i32 = v.i32;
    this.bytes = v.bytes;
    this.mask = v.words - 1;
    this.tail = Atomics.load(this.ctl, Ctl.TAIL) >>> 0; // the counter this reader alone stores
  }

  /** Records the producer dropped because the ring was full. */
  get dropped(): number {
    // Atomics.load pairs with the producer's Atomics.store; a slightly stale count is fine.
    return Atomics.load(this.ctl, Ctl.DROPPED) >>> 0;
  }

  /** Gives the run of untimed messages their times, spread evenly between lastTs and `ts`. */
  private closeRun(ts: number, out: TraceEvent[]): void {
    const run = this.run;
    const n = run.length;
    if (n > 0) {
      const from = Number.isNaN(this.lastTs) || this.lastTs > ts ? ts : this.lastTs;
      const step = (ts - from) / (n + 1);
      for (let i = 0; i < n; i++) {
        const e = run[i]!;
        e.ts = from + step * (i + 1);
        out.push(e);
      }
      run.length = 0;
    }
    this.lastTs = ts;
  }

  private msg(at: number, w: number): MsgEvent {
    const f64 = this.f64;
    const u32 = this.u32;
    return {
      t: 'msg',
      ts: 0,
      host: this.host,
      from: f64[at + 1]!,
      to: f64[at + 2]!,
      kind: this.strings.get(u32[w + 1]!) ?? '?',
      frame: u32[w + 11]!,
      bytes: u32[w + 10]!,
      id: f64[at + 3]!,
      cause: f64[at + 4]!,
    };
  }

  /**
   * Decodes records into `out`, oldest first; returns how many it consumed. Stops after `max`
   * records, but never inside a run of untimed messages (at most SAMPLE_EVERY records more): the
   * producer publishes only whole runs, so a run started is always finished in the same call.
   */
  drain(out: TraceEvent[], max = Infinity): number {
    // Atomics.load of HEAD: every record below it was written before the producer stored it.
    const head = Atomics.load(this.ctl, Ctl.HEAD) >>> 0;
    let tail = this.tail;
    if (tail === head) return 0;
    const u32 = this.u32;
    const f64 = this.f64;
    const mask = this.mask;
    let n = 0;
    try {
      while (tail !== head && (n < max || this.run.length > 0)) {
        const at = tail & mask;
        const w = at << 1;
        const hdr = u32[w]!;
        const words = hdr >>> 8;
        // A zero length would spin forever: a corrupt buffer ends the drain (and the rest is lost).
        if (words === 0) {
          tail = head;
          break;
        }
        tail = (tail + words) >>> 0;
        const type = hdr & 0xff;
        if (type === Rec.PAD) continue;
        n++;
        switch (type) {
          case Rec.MSG: {
            const e = this.msg(at, w);
            this.prev = e;
            this.run.push(e);
            break;
          }
          case Rec.MSGT: {
            const e = this.msg(at, w);
            e.ts = f64[at + 6]!;
            this.prev = e;
            this.closeRun(e.ts, out);
            out.push(e);
            break;
          }
          case Rec.RUN:
            this.repeat(u32[w + 1]!);
            break;
          case Rec.TIME:
            this.closeRun(f64[at + 1]!, out);
            break;
          case Rec.STR: {
            const len = u32[w + 2]!;
            const o = (at + STR_HEAD_WORDS) << 3;
            // slice: TextDecoder does not read views of shared memory.
            this.strings.set(u32[w + 1]!, decoder.decode(this.bytes.slice(o, o + len)));
            break;
          }
          case Rec.SYS:
            out.push(this.sys(at, w));
            break;
          case Rec.LIFE: {
            const o = (at + LIFE_HEAD_WORDS) << 3;
            const info = JSON.parse(decoder.decode(this.bytes.slice(o, o + u32[w + 1]!))) as LifecycleInfo;
            out.push({ ...info, t: 'life', ts: f64[at + 1]!, host: this.host });
            break;
          }
          default:
            break;
        }
      }
    } finally {
      this.tail = tail;
      // The records below `tail` have been read before this sequentially consistent store, so a
      // producer that sees it may overwrite them.
      Atomics.store(this.ctl, Ctl.TAIL, tail | 0);
    }
    return n;
  }

  /** Expands a RUN: `count` copies of the last message with the ids after it, untimed. */
  private repeat(count: number): void {
    let p = this.prev;
    // A writer never opens a run without a message before it; a buffer that says otherwise is corrupt.
    if (p === null) return;
    for (let i = 0; i < count; i++) {
      p = {
        t: 'msg',
        ts: 0,
        host: p.host,
        from: p.from,
        to: p.to,
        kind: p.kind,
        frame: p.frame,
        bytes: p.bytes,
        id: p.id + 1,
        cause: p.cause,
      };
      this.run.push(p);
    }
    this.prev = p;
  }

  private sys(at: number, w: number): TraceEvent {
    const u32 = this.u32;
    const i32 = this.i32;
    const sys = u32[w + 8]!;
    const a0 = i32[w + 9]!;
    const a1 = i32[w + 10]!;
    const ret = u32[w + 12]!;
    const dlen = u32[w + 13]!;
    const o = (at + SYS_HEAD_WORDS) << 3;
    const data = dlen > 0 ? this.bytes.subarray(o, o + dlen) : null;
    return {
      t: 'sys',
      ts: this.f64[at + 1]!,
      dur: this.f64[at + 2]!,
      host: this.host,
      pid: this.f64[at + 3]!,
      proc: this.strings.get(u32[w + 1]!) ?? '?',
      name: syscallName(sys, a0),
      args: formatArgs(sys, a0, a1, data, ret),
      errno: i32[w + 11]!,
      ret,
    };
  }
}
