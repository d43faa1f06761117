// A thread's trace buffer: a single-producer single-consumer ring of fixed-layout binary records in a
// SharedArrayBuffer. The thread writes records with plain typed-array stores; the trace actor's thread
// drains them (trace_reader.ts). Writing never blocks and never allocates on the message path: when
// the ring is full the record is dropped and counted (as Linux's perf ring counts PERF_RECORD_LOST).
//
// Why not bridge/ring.ts: a message record is written on every traced message, and what the general
// ring costs per frame (a fill callback, a sequentially consistent HEAD store and a doorbell check per
// frame) was most of tracing's price. Here records are published in batches (see "Publishing").
//
// Layout. A 256-byte control block of Int32 words (Ctl), then the data region: a power-of-two number
// of 8-byte words. HEAD and TAIL count words, wrapping as u32. A record starts on a word with a u32
// header, `type | words << 8` (its length in words, header included), and never wraps: one that
// does not fit before the end of the region is preceded by a PAD record that fills the rest.
//
//   word 0          word 1..                                                    words
//   STR   hdr, id   u32 byte length; UTF-8 from word 2                          2 + text
//   MSG   hdr, kind f64 from, to, id, cause; u32 bytes, frame                   6
//   MSGT  hdr, kind as MSG, then f64 ts                                         7
//   RUN   hdr, n    n more messages like the last MSG/MSGT, ids following on    1
//   TIME  hdr, 0    f64 ts                                                      2
//   SYS   hdr, proc f64 ts, dur, pid; u32 sys, i32 a0, i32 a1, i32 errno,       7 + data
//                   u32 ret, u32 data length; data bytes from word 7
//   LIFE  hdr, len  f64 ts; UTF-8 JSON of LifecycleInfo from word 2 (rare)      2 + json
//
// Time. Reading the clock costs ~40 ns here, as much as delivering a local message, so a message
// record carries a timestamp (MSGT, a "sample") only when one is needed to keep the times right:
// the first message after the thread's event loop turned (it may have been idle), the first message
// of a different handler turn (its cause changed: the handler before may have computed for a long
// time), and every SAMPLE_EVERY-th message of one handler's burst. Between two samples, MSG records
// take no time; the reader spreads them evenly between the samples around them (or a TIME record
// that closes the run: written before the records are published, and when the event loop turns).
// So every time is exact at a sample, and elsewhere within one handler's run of at most
// SAMPLE_EVERY messages. SYS and LIFE records carry their own times.
//
// Runs. A handler that streams to one actor sends messages that differ only in their ids, which a
// host hands out in order. Such a message (same from, to, kind, frame, bytes and cause as the last
// message written, and the next id) costs one increment of the count of an open RUN record instead
// of a 48-byte record: a flood then touches one cache line per run, not one per message. A RUN is
// open only until something else is written or the ring is published (a published record never
// changes), and a run never survives a dropped message (the reader could not know what it repeats).
//
// Publishing. The producer stores HEAD (making records visible) only at a sample, a TIME, or a SYS or
// LIFE record: once per SAMPLE_EVERY messages in a burst, and at the end of every event-loop turn that
// wrote records (a microtask). A published buffer therefore never ends in the middle of a run of
// untimed MSG records, and the reader never waits for a closing time. To be sure the closing TIME
// always fits, every record except a sample's closer leaves RESERVE words free.
import { traceNow, type MessageTrace, type TracedMessage } from '../runtime/trace_hook.js';
import type { LifecycleInfo } from './events.js';

export const enum Rec {
  PAD = 0,
  STR = 1,
  MSG = 2,
  MSGT = 3,
  TIME = 4,
  SYS = 5,
  LIFE = 6,
  RUN = 7,
}

/** Words of the records of fixed size (and of the heads of the others). */
export const STR_HEAD_WORDS = 2;
export const MSG_WORDS = 6;
export const MSGT_WORDS = 7;
export const TIME_WORDS = 2;
export const SYS_HEAD_WORDS = 7;
export const LIFE_HEAD_WORDS = 2;
export const RUN_WORDS = 1;

/**
 * Int32 slots of the control block. HEAD, TAIL and DROPPED each have a cache line of their own: the
 * producer stores HEAD while the consumer stores TAIL on another core, and sharing a line would
 * make every store of one miss in the other's cache (false sharing).
 */
export const enum Ctl {
  MAGIC = 0,
  /** Data region size in 8-byte words (a power of two). */
  WORDS = 1,
  /** Words written and published: the producer's Atomics.store, the consumer's Atomics.load. */
  HEAD = 16,
  /** Words consumed: the consumer's Atomics.store, the producer's Atomics.load. */
  TAIL = 32,
  /** Records lost because the ring was full: the producer's Atomics.store. */
  DROPPED = 48,
}

export const CONTROL_BYTES = 256;
const TRACE_MAGIC = 0x54524332; // "TRC2"

/** A timestamped message at least this often within one handler's burst. */
export const SAMPLE_EVERY = 32;
/** Records dropped on a full ring before its TAIL is read again. */
const FULL_RECHECK = 64;
/** Words every record leaves free for the TIME that closes a run: a TIME and one PAD word. */
const RESERVE = TIME_WORDS + 1;
/** Strings (kinds, process names) longer than this are cut in the trace. */
const MAX_STRING = 200;

/** Default ring size per thread: ~87,000 untimed message records between two drains. */
export const DEFAULT_TRACE_RING_BYTES = 4 << 20;

/** What a thread needs to start tracing into a buffer: structured-cloneable. */
export interface TraceBufferEndpoint {
  readonly sab: SharedArrayBuffer;
  /** The actor host (thread) index the records come from. */
  readonly host: number;
}

export function createTraceBuffer(host: number, ringBytes = DEFAULT_TRACE_RING_BYTES): TraceBufferEndpoint {
  if (
    !Number.isInteger(ringBytes) ||
    ringBytes < 1024 ||
    ringBytes > 2 ** 30 ||
    (ringBytes & (ringBytes - 1)) !== 0
  ) {
    throw new RangeError(`trace ring size ${ringBytes} must be a power of two, 1 KiB .. 1 GiB`);
  }
  const sab = new SharedArrayBuffer(CONTROL_BYTES + ringBytes);
  const ctl = new Int32Array(sab, 0, CONTROL_BYTES >> 2);
  // Plain stores: nobody else sees `sab` until it is posted, and postMessage orders them.
  ctl[Ctl.WORDS] = ringBytes >> 3;
  ctl[Ctl.MAGIC] = TRACE_MAGIC;
  return { sab, host };
}

/** The views both sides use; checks that `ep` is a trace buffer. */
export function traceViews(ep: TraceBufferEndpoint): {
  ctl: Int32Array;
  words: number;
  f64: Float64Array;
  u32: Uint32Array;
  i32: Int32Array;
  bytes: Uint8Array;
} {
  const ctl = new Int32Array(ep.sab, 0, CONTROL_BYTES >> 2);
  if (ctl[Ctl.MAGIC] !== TRACE_MAGIC) throw new TypeError('not a trace buffer');
  const words = ctl[Ctl.WORDS]!;
  return {
    ctl,
    words,
    f64: new Float64Array(ep.sab, CONTROL_BYTES, words),
    u32: new Uint32Array(ep.sab, CONTROL_BYTES, words * 2),
    i32: new Int32Array(ep.sab, CONTROL_BYTES, words * 2),
    bytes: new Uint8Array(ep.sab, CONTROL_BYTES, words * 8),
  };
}

const encoder = new TextEncoder();

/** The producer side; one per thread, used only by that thread. Every field is owned by it. */
export class TraceWriter {
  /** Immutable after construction. */
  readonly host: number;
  private readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly words: number;
  private readonly mask: number;
  /** Words written, published or not (HEAD's only writer keeps it here). */
  private head: number;
  /** A TAIL seen earlier; stale is safe (it only under-reports free space). */
  private tailSeen: number;
  private lost = 0;
  private lostPublished = 0;
  /** Claims left that trust tailSeen after the ring was found full (see claim()). */
  private fullFor = 0;
  /** Untimed MSG records since the last time written (sample or TIME). */
  private untimed = 0;
  /** The next message takes a sample: set when the event loop turns (see arm()). */
  private stale = true;
  /** A microtask is queued to mark the turn's end. */
  private armed = false;
  /** The cause of the last message recorded: a different one starts another handler's turn. */
  private lastCause = -1;
  /** Strings already defined in this ring. */
  private readonly strings = new Map<string, number>();
  private lastKind: string | null = null;
  private lastKindId = 0;
  /** The last message written whole (MSG or MSGT): what a RUN repeats. */
  private prevFrom = -1;
  private prevTo = -1;
  private prevKind: string | null = null;
  private prevFrame = -1;
  private prevBytes = -1;
  /** The id a repeat must have: the last message's, plus one. */
  private nextId = -1;
  /**
   * Repeats allowed before the next message must be written whole: SAMPLE_EVERY - 1 - untimed after
   * a message is written, 0 when the turn ended (the next message is a sample) or a message was
   * dropped (the reader could not know what a RUN repeats). One counter, so that the flood's test is short.
   */
  private runLeft = 0;
  /** u32 index of the open RUN record's count, or -1: only an unpublished, last record is open. */
  private runCount = -1;

  constructor(ep: TraceBufferEndpoint) {
    this.host = ep.host;
    const v = traceViews(ep);
    this.ctl = v.ctl;
    this.f64 = v.f64;
    this.u32 = v.u32;
    this.i32 = v.i32;
    this.bytes = v.bytes;
    this.words = v.words;
    this.mask = v.words - 1;
    // Atomics.load: attaching to a buffer in use starts where its last writer published.
    this.head = Atomics.load(this.ctl, Ctl.HEAD) >>> 0;
    this.tailSeen = Atomics.load(this.ctl, Ctl.TAIL) >>> 0;
  }

  /** Records dropped so far, published or not. */
  get dropped(): number {
    return this.lost;
  }

  /**
   * Claims `n` words, leaving `reserve` free after them; returns the first word's index, or -1 when
   * the ring is full. Writes the PAD record if the claim wraps. Nothing is visible until publish().
   */
  private claim(n: number, reserve: number): number {
    // Whatever is claimed now follows the open RUN, which must stop growing (the caller reopens it).
    this.runCount = -1;
    const head = this.head;
    const pos = head & this.mask;
    const pad = pos + n > this.words ? this.words - pos : 0;
    if (((head - this.tailSeen) >>> 0) + pad + n + reserve > this.words) {
      // Full: the consumer is behind. Asking TAIL again at once, for every record of a flood, would
      // pull its cache line from the consumer's core each time; a full ring is asked every
      // FULL_RECHECK records instead (the records in between are dropped, as they would mostly be).
      // Only the message hook's flood backs off so: the rarer records ask every time (precise()).
      if (this.fullFor > 0) {
        this.fullFor--;
        return -1;
      }
      // Atomics.load of TAIL: the consumer stores TAIL only after it has read every record below it,
      // so the space this shows free is read by nobody any more.
      this.tailSeen = Atomics.load(this.ctl, Ctl.TAIL) >>> 0;
      if (((head - this.tailSeen) >>> 0) + pad + n + reserve > this.words) {
        this.fullFor = FULL_RECHECK;
        return -1;
      }
    }
    if (pad === 0) {
      this.head = (head + n) >>> 0;
      return pos;
    }
    this.u32[pos << 1] = Rec.PAD | (pad << 8); // plain store, published with the records after it
    this.head = (head + pad + n) >>> 0;
    return 0;
  }

  /** Makes every record written so far visible to the reader, closing a run of untimed ones first. */
  private publish(): void {
    if (this.untimed > 0) this.writeTime();
    // The records were written with plain stores before this sequentially consistent store; a reader
    // whose Atomics.load returns this HEAD (or a later one) therefore sees them whole.
    Atomics.store(this.ctl, Ctl.HEAD, this.head | 0);
    this.runCount = -1; // published: the reader may be decoding it now
    if (this.lost !== this.lostPublished) {
      this.lostPublished = this.lost;
      // Atomics.store: a count the reader loads from another thread; it orders nothing else.
      Atomics.store(this.ctl, Ctl.DROPPED, this.lost | 0);
    }
  }

  /** A TIME record: closes the run of untimed MSG records before it. */
  private writeTime(): void {
    // Cannot fail: every record of the run left RESERVE words free behind it.
    const at = this.claim(TIME_WORDS, 0);
    if (at < 0) return;
    this.u32[at << 1] = Rec.TIME | (TIME_WORDS << 8);
    this.u32[(at << 1) + 1] = 0;
    this.f64[at + 1] = traceNow();
    this.untimed = 0;
  }

  /** Queues the end-of-turn microtask: it publishes, and makes the next message take a sample. */
  private arm(): void {
    this.armed = true;
    queueMicrotask(this.turnEnd);
  }

  private readonly turnEnd = (): void => {
    this.armed = false;
    this.stale = true;
    this.runLeft = 0;
    this.publish();
  };

  private drop(): void {
    this.lost++;
    this.runLeft = 0; // the reader will not see this message: no RUN may repeat it
    if (!this.armed) this.arm(); // the count is published when the turn ends
  }

  /** Publishes everything written so far (tracing stops, or a test reads the buffer at once). */
  flush(): void {
    this.publish();
  }

  /** The string's id, defining it in the ring first if needed; -1 when the ring is full. */
  private intern(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const id = this.strings.size + 1;
    const text = encoder.encode(s.length > MAX_STRING ? s.slice(0, MAX_STRING) : s);
    const at = this.claim(STR_HEAD_WORDS + ((text.length + 7) >> 3), RESERVE);
    if (at < 0) return -1;
    this.u32[at << 1] = Rec.STR | ((STR_HEAD_WORDS + ((text.length + 7) >> 3)) << 8);
    this.u32[(at << 1) + 1] = id;
    this.u32[(at << 1) + 2] = text.length;
    this.bytes.set(text, (at + STR_HEAD_WORDS) << 3);
    this.strings.set(s, id);
    return id;
  }

  private kindId(kind: string): number {
    // Floods repeat one kind: the last one is compared before the map is asked.
    if (kind === this.lastKind) return this.lastKindId;
    const id = this.intern(kind);
    if (id > 0) {
      this.lastKind = kind;
      this.lastKindId = id;
    }
    return id;
  }

  /**
   * Writes a MSG record, or a MSGT when `timed`: its time is `ts`, or the clock when `ts` is NaN
   * (read only once the record has room, so that a full ring costs no clock reads).
   */
  private writeMsg(m: TracedMessage, k: number, timed: boolean, ts: number): boolean {
    const n = timed ? MSGT_WORDS : MSG_WORDS;
    const at = this.claim(n, RESERVE);
    if (at < 0) return false;
    const u32 = this.u32;
    const f64 = this.f64;
    const w = at << 1;
    u32[w] = (timed ? Rec.MSGT : Rec.MSG) | (n << 8);
    u32[w + 1] = k;
    f64[at + 1] = m.from;
    f64[at + 2] = m.to;
    f64[at + 3] = m.id;
    f64[at + 4] = m.cause;
    u32[w + 10] = m.bytes;
    u32[w + 11] = m.frame;
    if (timed) f64[at + 6] = ts === ts ? ts : traceNow();
    this.prevFrom = m.from;
    this.prevTo = m.to;
    this.prevKind = m.kind;
    this.prevFrame = m.frame;
    this.prevBytes = m.bytes;
    this.nextId = m.id + 1;
    return true;
  }

  /** The ActorHost trace hook: one message, timed and compressed as the header comment says. */
  readonly messageHook = (m: TracedMessage): void => {
    const cause = m.cause;
    if (
      m.id === this.nextId &&
      this.runLeft > 0 &&
      cause === this.lastCause &&
      m.to === this.prevTo &&
      m.from === this.prevFrom &&
      m.kind === this.prevKind &&
      m.frame === this.prevFrame &&
      m.bytes === this.prevBytes
    ) {
      const c = this.runCount;
      // A plain store: the open RUN is not published yet, so the reader cannot be reading it.
      if (c >= 0) this.u32[c] = this.u32[c]! + 1;
      else if (!this.openRun()) return this.drop();
      this.runLeft--;
      this.nextId++;
      this.untimed++;
      return;
    }
    const k = this.kindId(m.kind);
    if (k < 0) return this.drop();
    if (this.stale || cause !== this.lastCause || this.untimed >= SAMPLE_EVERY - 1) {
      // A sample: it closes the run before it, so no TIME is needed, and everything is published.
      if (!this.writeMsg(m, k, true, NaN)) return this.drop();
      this.untimed = 0;
      this.runLeft = SAMPLE_EVERY - 1;
      this.lastCause = cause;
      this.publish();
      this.stale = false;
      if (!this.armed) this.arm();
      return;
    }
    if (!this.writeMsg(m, k, false, 0)) return this.drop();
    this.untimed++;
    this.runLeft = SAMPLE_EVERY - 1 - this.untimed;
  };

  /** Writes a RUN of one message (the one being repeated); false when the ring is full. */
  private openRun(): boolean {
    const at = this.claim(RUN_WORDS, RESERVE);
    if (at < 0) return false;
    this.u32[at << 1] = Rec.RUN | (RUN_WORDS << 8);
    this.u32[(at << 1) + 1] = 1;
    this.runCount = (at << 1) + 1;
    return true;
  }

  /** The next claim reads TAIL if the ring looks full: for records too rare to flood. */
  private precise(): void {
    this.fullFor = 0;
  }

  /** Records one message with the time it carries, and publishes it (tests, replays). */
  message(t: MessageTrace): void {
    this.precise();
    const k = this.kindId(t.kind);
    if (k < 0 || !this.writeMsg(t, k, true, t.ts)) this.lost++;
    else this.untimed = 0;
    this.runLeft = 0; // a replayed message starts no run: its id says nothing of the next
    this.publish();
  }

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
    dataLen = data === null ? 0 : data.length,
  ): void {
    this.precise();
    const p = this.intern(proc);
    const dlen = data === null ? 0 : Math.min(dataLen, data.length);
    const n = SYS_HEAD_WORDS + ((dlen + 7) >> 3);
    // Closed first, so that the untimed run ends before this record (the reader relies on it).
    if (this.untimed > 0) this.writeTime();
    const at = p < 0 ? -1 : this.claim(n, 0);
    if (at < 0) {
      this.lost++;
      return this.publish();
    }
    const u32 = this.u32;
    const w = at << 1;
    u32[w] = Rec.SYS | (n << 8);
    u32[w + 1] = p;
    this.f64[at + 1] = start;
    this.f64[at + 2] = dur;
    this.f64[at + 3] = pid;
    u32[w + 8] = sys;
    this.i32[w + 9] = a0;
    this.i32[w + 10] = a1;
    this.i32[w + 11] = errno;
    u32[w + 12] = ret >>> 0;
    u32[w + 13] = dlen;
    // A byte loop: no view made for the copy, and `data` may be shared memory the guest reuses next.
    const bytes = this.bytes;
    const o = (at + SYS_HEAD_WORDS) << 3;
    for (let i = 0; i < dlen; i++) bytes[o + i] = data![i]!;
    this.publish();
  }

  /** Records a lifecycle event (rare: encoded as JSON) and publishes it. */
  lifecycle(ts: number, info: LifecycleInfo): void {
    this.precise();
    const json = encoder.encode(JSON.stringify(info));
    const n = LIFE_HEAD_WORDS + ((json.length + 7) >> 3);
    if (this.untimed > 0) this.writeTime(); // as in syscall()
    // A runaway detail string must not throw from tracing: it is dropped like a record that does not fit.
    const at = n > this.words >> 1 ? -1 : this.claim(n, 0);
    if (at < 0) {
      this.lost++;
      return this.publish();
    }
    this.u32[at << 1] = Rec.LIFE | (n << 8);
    this.u32[(at << 1) + 1] = json.length;
    this.f64[at + 1] = ts;
    this.bytes.set(json, (at + LIFE_HEAD_WORDS) << 3);
    this.publish();
  }
}
