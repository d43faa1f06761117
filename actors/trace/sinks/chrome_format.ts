// The Chrome trace-event format (what chrome://tracing and the Perfetto UI open): actors as threads
// of a process "actors", guest processes as threads of a process "guests", each message a short
// slice on its sender's track with a flow arrow from the message that caused it, each syscall a
// complete ('X') slice on its process's track, lifecycle events as instants.
//
// Events are written straight to JSON text (no intermediate objects): a traced run produces millions
// of them, and building then stringifying an object each cost more than the run being traced.
// Messages, nearly all of a trace, go further: their bytes are written in place (writeMsg, ByteOut)
// without a string made; the rarer events are JSON strings (convert).
import { FRAME_NAMES, actorLabel, type MsgEvent, type TraceEvent } from '../events.js';
import { errnoName } from '../syscall_names.js';
import type { ByteOut } from './byte_out.js';

/** One Chrome trace event, as a reader of the file sees it (the tests parse files into these). */
export interface ChromeEvent {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  cat?: string;
  id?: number;
  bp?: string;
  s?: string;
  args?: Record<string, unknown>;
}

export const ACTORS_PID = 1;
export const GUESTS_PID = 2;
/**
 * Slots of the table of recent messages that flow arrows start from (a power of two). It is
 * direct-mapped by message id: a host's last CAUSE_WINDOW messages never evict each other, and a
 * cause that was evicted (older, or a rare collision between hosts) gets no arrow. Bounded: never a leak.
 */
const CAUSE_WINDOW = 1 << 17;
/** Spreads hosts over the table: an odd multiplier, so that host h's serials start far from h+1's. */
const HOST_SPREAD = 0x9e3779b1;
const encoder = new TextEncoder();
const ascii = (s: string): Uint8Array => encoder.encode(s);
// The fixed pieces of a message event and of its flow arrows.
const M_NAME = ascii('{"name":');
const M_TS = ascii(',"ph":"X","ts":');
const M_TID = ascii(`,"dur":1,"pid":${ACTORS_PID},"tid":`);
const M_TO = ascii(',"args":{"to":');
const M_BYTES = ascii(',"bytes":');
const M_ID = ascii(',"id":');
const M_CAUSE = ascii(',"cause":');
const M_END = ascii('}}');
const F_START = ascii('{"name":"cause","cat":"flow","ph":"s","id":');
const F_FINISH = ascii('{"name":"cause","cat":"flow","ph":"f","bp":"e","id":');
const F_TID = ascii(`,"pid":${ACTORS_PID},"tid":`);
const F_TS = ascii(',"ts":');
const F_END = ascii('}');
/** `,"cat":"send"` and so on, by frame kind. */
const M_CAT: readonly Uint8Array[] = [0, 1, 2, 3, 4, 5].map((f) =>
  ascii(`,"cat":"${FRAME_NAMES[f] ?? 'msg'}"`),
);
const M_CAT_OTHER = ascii(',"cat":"msg"');

/** The table slot of a message id (host * 2^32 + serial). */
function causeSlot(id: number): number {
  const host = Math.floor(id / 2 ** 32);
  return ((id - host * 2 ** 32 + host * HOST_SPREAD) >>> 0) & (CAUSE_WINDOW - 1);
}
/** Strings whose JSON form is cached (message kinds, track names): bounded like everything else. */
const QUOTE_CACHE = 10_000;

/** Converts trace events to lines of Chrome JSON; holds the track tables. Owned by one sink. */
export class ChromeConverter {
  /** Epoch ms that becomes ts 0; immutable after construction. */
  readonly origin: number;
  private readonly actorTids = new Map<number, number>();
  private readonly guestTids = new Map<string, number>();
  private readonly names = new Map<number, string>();
  /** Message kinds as JSON strings in UTF-8 (at most QUOTE_CACHE). */
  private readonly kindBytes = new Map<string, Uint8Array>();
  /** The `to` of a message as JSON (a track name) in UTF-8; cleared when an actor is named. */
  private readonly toBytes = new Map<number, Uint8Array>();
  /** Recent messages for flow arrows, by causeSlot(id): the id (0: empty), time (ns), track. */
  private readonly sentId = new Float64Array(CAUSE_WINDOW);
  private readonly sentNs = new Float64Array(CAUSE_WINDOW);
  private readonly sentTid = new Int32Array(CAUSE_WINDOW);
  private nextFlow = 1;
  /** The last sender's track, asked for again by every message of a burst. */
  private lastFrom = -1;
  private lastFromTid = 0;
  private nextUntagged = 1_000_000;

  constructor(origin: number) {
    this.origin = origin;
  }

  /** The process-name metadata that opens every file. */
  header(): string[] {
    return [
      `{"name":"process_name","ph":"M","pid":${ACTORS_PID},"args":{"name":"actors"}}`,
      `{"name":"process_sort_index","ph":"M","pid":${ACTORS_PID},"args":{"sort_index":1}}`,
      `{"name":"process_name","ph":"M","pid":${GUESTS_PID},"args":{"name":"guest processes"}}`,
      `{"name":"process_sort_index","ph":"M","pid":${GUESTS_PID},"args":{"sort_index":2}}`,
    ];
  }

  /** Microseconds since the origin, to the nanosecond. */
  private us(ts: number): number {
    return Math.round((ts - this.origin) * 1_000_000) / 1000;
  }

  /** Nanoseconds since the origin: us() * 1000, an integer (ByteOut.milli writes it as us()). */
  private ns(ts: number): number {
    return Math.round((ts - this.origin) * 1_000_000);
  }

  private actorTid(id: number, out: string[]): number {
    let tid = this.actorTids.get(id);
    if (tid === undefined) {
      tid = this.actorTids.size + 1;
      this.actorTids.set(id, tid);
      out.push(this.threadName(ACTORS_PID, tid, this.names.get(id) ?? defaultActorName(id)));
    }
    return tid;
  }

  private guestTid(pid: number, proc: string, out: string[]): number {
    const key = pid > 0 ? `p${pid}` : `u${proc}`;
    let tid = this.guestTids.get(key);
    if (tid === undefined) {
      tid = pid > 0 ? pid : this.nextUntagged++;
      this.guestTids.set(key, tid);
      out.push(this.threadName(GUESTS_PID, tid, pid > 0 ? `pid ${pid} ${proc}`.trim() : proc));
    }
    return tid;
  }

  private threadName(pid: number, tid: number, name: string): string {
    return `{"name":"thread_name","ph":"M","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(name)}}}`;
  }

  private kindJson(kind: string): Uint8Array {
    let b = this.kindBytes.get(kind);
    if (b === undefined) {
      b = encoder.encode(JSON.stringify(kind));
      if (this.kindBytes.size < QUOTE_CACHE) this.kindBytes.set(kind, b);
    }
    return b;
  }

  private toJson(to: number): Uint8Array {
    let b = this.toBytes.get(to);
    if (b === undefined) {
      b = encoder.encode(JSON.stringify(this.names.get(to) ?? actorLabel(to)));
      if (this.toBytes.size < QUOTE_CACHE) this.toBytes.set(to, b);
    }
    return b;
  }

  /** A track's id, writing its thread_name metadata first when it is new. */
  private actorTidTo(id: number, b: ByteOut, scratch: string[]): number {
    const tid = this.actorTid(id, scratch);
    if (scratch.length > 0) {
      for (const line of scratch) {
        b.separator();
        b.text(line);
      }
      scratch.length = 0;
    }
    return tid;
  }

  /**
   * Writes one message (a short slice on its sender's track) and the flow arrow from the message
   * that caused it, each element preceded by ",\n".
   */
  writeMsg(ev: MsgEvent, b: ByteOut, scratch: string[]): void {
    let tid: number;
    if (ev.from === this.lastFrom) tid = this.lastFromTid;
    else {
      tid = this.actorTidTo(ev.from, b, scratch);
      this.lastFrom = ev.from;
      this.lastFromTid = tid;
    }
    if (!this.actorTids.has(ev.to)) this.actorTidTo(ev.to, b, scratch);
    const ns = this.ns(ev.ts);
    b.separator();
    b.bytes(M_NAME);
    b.bytes(this.kindJson(ev.kind));
    b.bytes(M_TS);
    b.milli(ns);
    b.bytes(M_TID);
    b.int(tid);
    b.bytes(M_CAT[ev.frame] ?? M_CAT_OTHER);
    b.bytes(M_TO);
    b.bytes(this.toJson(ev.to));
    b.bytes(M_BYTES);
    b.int(ev.bytes);
    b.bytes(M_ID);
    b.int(ev.id);
    b.bytes(M_CAUSE);
    b.int(ev.cause);
    b.bytes(M_END);
    if (ev.cause !== 0) {
      const p = causeSlot(ev.cause);
      if (this.sentId[p] === ev.cause) {
        // A flow arrow from the cause's slice to this one: 's' and 'f' share an id, and bind to
        // the slices that enclose them.
        const id = this.nextFlow++;
        b.separator();
        b.bytes(F_START);
        b.int(id);
        b.bytes(F_TID);
        b.int(this.sentTid[p]!);
        b.bytes(F_TS);
        b.milli(this.sentNs[p]!);
        b.bytes(F_END);
        b.separator();
        b.bytes(F_FINISH);
        b.int(id);
        b.bytes(F_TID);
        b.int(tid);
        b.bytes(F_TS);
        b.milli(ns);
        b.bytes(F_END);
      }
    }
    const slot = causeSlot(ev.id);
    this.sentId[slot] = ev.id;
    this.sentNs[slot] = ns;
    this.sentTid[slot] = tid;
  }

  convert(ev: TraceEvent, out: string[]): void {
    switch (ev.t) {
      case 'msg':
        throw new TypeError('ChromeConverter.convert: messages are written with writeMsg');
      case 'sys': {
        const tid = this.guestTid(ev.pid, ev.proc, out);
        const dur = Math.max(0.001, Math.round(ev.dur * 1_000_000) / 1000);
        const errno = ev.errno > 0 ? `,"errno":"${errnoName(ev.errno)}"` : '';
        out.push(
          `{"name":"${ev.name}","ph":"X","ts":${this.us(ev.ts)},"dur":${dur},"pid":${GUESTS_PID},"tid":${tid},` +
            `"cat":"syscall","args":{"args":${JSON.stringify(ev.args)},"ret":${ev.ret}${errno}}}`,
        );
        return;
      }
      case 'life': {
        if (ev.what === 'actor' && ev.actor !== undefined && ev.name !== undefined) {
          this.names.set(ev.actor, ev.name);
          this.toBytes.delete(ev.actor);
          const tid = this.actorTids.get(ev.actor);
          if (tid !== undefined) out.push(this.threadName(ACTORS_PID, tid, ev.name));
          return;
        }
        const onGuest = ev.pid !== undefined && ev.pid > 0;
        if (onGuest && ev.what === 'process-start') {
          // The track may exist already (a container-start naming its init): give it the command.
          const known = this.guestTids.has(`p${ev.pid}`);
          const tid = this.guestTid(ev.pid!, ev.cmd ?? '', out);
          if (known) out.push(this.threadName(GUESTS_PID, tid, `pid ${ev.pid} ${ev.cmd ?? ''}`));
        }
        const { t: _t, ts: _ts, host: _h, ...args } = ev;
        const tid = onGuest ? this.guestTid(ev.pid!, ev.cmd ?? '', out) : 0;
        out.push(
          `{"name":"${ev.what}","ph":"i","ts":${this.us(ev.ts)},"pid":${onGuest ? GUESTS_PID : ACTORS_PID},` +
            `"tid":${tid},"s":"${onGuest ? 't' : 'g'}","cat":"lifecycle","args":${JSON.stringify(args)}}`,
        );
        return;
      }
      case 'stat':
        out.push(
          `{"name":"dropped","ph":"C","ts":${this.us(ev.ts)},"pid":${ACTORS_PID},"args":{"dropped":${ev.dropped}}}`,
        );
        return;
    }
  }
}

function defaultActorName(id: number): string {
  return id % 2 ** 32 === 0 ? `host ${actorLabel(id)} (runtime)` : `actor ${actorLabel(id)}`;
}
