// The consumer side of a thread's trace buffer: decodes its records into TraceEvents. Owned by the
// trace actor's thread; one reader per buffer, holding that buffer's string table.
import { Ring } from '../../bridge/ring.js';
import type { LifecycleInfo, TraceEvent } from './events.js';
import { formatArgs, syscallName } from './syscall_names.js';
import { MSG_BYTES, Rec, SYS_HEAD_BYTES, type TraceBufferEndpoint } from './trace_buffer.js';

const decoder = new TextDecoder();

export class TraceReader {
  /** Immutable after construction. */
  readonly host: number;
  private readonly ring: Ring;
  private readonly counters: Int32Array;
  /** Strings defined so far in this buffer; owned by the draining thread. */
  private readonly strings = new Map<number, string>();

  constructor(readonly endpoint: TraceBufferEndpoint) {
    this.host = endpoint.host;
    this.ring = Ring.attach(endpoint.ring);
    this.counters = new Int32Array(endpoint.counters);
  }

  /** Records the producer dropped because the ring was full. */
  get dropped(): number {
    // Atomics.load pairs with the producer's Atomics.add; a slightly stale count is fine.
    return Atomics.load(this.counters, 0);
  }

  /** Decodes up to `max` records into `out`; returns how many records it consumed. */
  drain(out: TraceEvent[], max = Infinity): number {
    const host = this.host;
    return this.ring.drain((kind, p) => {
      // p is 8-aligned inside the ring's SharedArrayBuffer: typed views read the fields in place.
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      switch (kind) {
        case Rec.STR:
          this.strings.set(dv.getUint32(0, true), decoder.decode(p.slice(4)));
          return;
        case Rec.MSG: {
          if (p.byteLength < MSG_BYTES) return;
          out.push({
            t: 'msg',
            ts: dv.getFloat64(0, true),
            host,
            from: dv.getFloat64(8, true),
            to: dv.getFloat64(16, true),
            id: dv.getFloat64(24, true),
            cause: dv.getFloat64(32, true),
            bytes: dv.getUint32(40, true),
            frame: dv.getUint32(44, true),
            kind: this.strings.get(dv.getUint32(48, true)) ?? '?',
          });
          return;
        }
        case Rec.SYS: {
          const sys = dv.getUint32(28, true);
          const a0 = dv.getInt32(32, true);
          const a1 = dv.getInt32(36, true);
          const errno = dv.getInt32(40, true);
          const ret = dv.getUint32(44, true);
          const dlen = dv.getUint32(48, true);
          const data = dlen > 0 ? p.subarray(SYS_HEAD_BYTES, SYS_HEAD_BYTES + dlen) : null;
          out.push({
            t: 'sys',
            ts: dv.getFloat64(0, true),
            dur: dv.getFloat64(8, true),
            host,
            pid: dv.getFloat64(16, true),
            proc: this.strings.get(dv.getUint32(24, true)) ?? '?',
            name: syscallName(sys, a0),
            args: formatArgs(sys, a0, a1, data, ret),
            errno,
            ret,
          });
          return;
        }
        case Rec.LIFE: {
          const info = JSON.parse(decoder.decode(p.slice(8))) as LifecycleInfo;
          out.push({ ...info, t: 'life', ts: dv.getFloat64(0, true), host });
          return;
        }
        default:
          return;
      }
    }, max);
  }
}
