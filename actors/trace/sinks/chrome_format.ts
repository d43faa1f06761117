// The Chrome trace-event format (what chrome://tracing and the Perfetto UI open): actors as threads
// of a process "actors", guest processes as threads of a process "guests", each message a short
// slice on its sender's track with a flow arrow from the message that caused it, each syscall a
// complete ('X') slice on its process's track, lifecycle events as instants.
//
// Events are written straight to JSON text (no intermediate objects): a traced run produces millions
// of them, and building then stringifying an object each cost more than the run being traced.
import { FRAME_NAMES, actorLabel, type TraceEvent } from '../events.js';
import { errnoName } from '../syscall_names.js';

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
/** Messages remembered for flow arrows; older causes get no arrow (bounded: never a leak). */
const CAUSE_WINDOW = 1 << 17;
/** Strings whose JSON form is cached (message kinds, track names): bounded like everything else. */
const QUOTE_CACHE = 10_000;

/** Converts trace events to lines of Chrome JSON; holds the track tables. Owned by one sink. */
export class ChromeConverter {
  /** Epoch ms that becomes ts 0; immutable after construction. */
  readonly origin: number;
  private readonly actorTids = new Map<number, number>();
  private readonly guestTids = new Map<string, number>();
  private readonly names = new Map<number, string>();
  private readonly quoted = new Map<string, string>();
  /** Recent messages for flow arrows: id -> slot in the circular tables below. */
  private readonly sentSlot = new Map<number, number>();
  private readonly sentId = new Float64Array(CAUSE_WINDOW);
  private readonly sentTs = new Float64Array(CAUSE_WINDOW);
  private readonly sentTid = new Int32Array(CAUSE_WINDOW);
  private sentNext = 0;
  private nextFlow = 1;
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

  private q(s: string): string {
    let v = this.quoted.get(s);
    if (v === undefined) {
      v = JSON.stringify(s);
      if (this.quoted.size < QUOTE_CACHE) this.quoted.set(s, v);
    }
    return v;
  }

  /** Microseconds since the origin, to the nanosecond. */
  private us(ts: number): number {
    return Math.round((ts - this.origin) * 1_000_000) / 1000;
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

  convert(ev: TraceEvent, out: string[]): void {
    switch (ev.t) {
      case 'msg': {
        const tid = this.actorTid(ev.from, out);
        this.actorTid(ev.to, out);
        const ts = this.us(ev.ts);
        const to = this.q(this.names.get(ev.to) ?? actorLabel(ev.to));
        out.push(
          `{"name":${this.q(ev.kind)},"ph":"X","ts":${ts},"dur":1,"pid":${ACTORS_PID},"tid":${tid},` +
            `"cat":"${FRAME_NAMES[ev.frame] ?? 'msg'}","args":{"to":${to},"bytes":${ev.bytes},"id":${ev.id},"cause":${ev.cause}}}`,
        );
        const parent = ev.cause !== 0 ? this.sentSlot.get(ev.cause) : undefined;
        if (parent !== undefined) {
          // A flow arrow from the cause's slice to this one: 's' and 'f' share an id, and bind to
          // the slices that enclose them.
          const id = this.nextFlow++;
          out.push(
            `{"name":"cause","cat":"flow","ph":"s","id":${id},"pid":${ACTORS_PID},"tid":${this.sentTid[parent]},"ts":${this.sentTs[parent]}}`,
            `{"name":"cause","cat":"flow","ph":"f","bp":"e","id":${id},"pid":${ACTORS_PID},"tid":${tid},"ts":${ts}}`,
          );
        }
        const slot = this.sentNext++ % CAUSE_WINDOW;
        if (this.sentNext > CAUSE_WINDOW) this.sentSlot.delete(this.sentId[slot]!);
        this.sentId[slot] = ev.id;
        this.sentTs[slot] = ts;
        this.sentTid[slot] = tid;
        this.sentSlot.set(ev.id, slot);
        return;
      }
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
